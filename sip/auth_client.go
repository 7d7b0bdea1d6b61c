package sip

import (
	"crypto/rand"
	"fmt"
	"strings"
	"sync"

	sipmsg "github.com/emiago/sipgo/sip"
)

// clientAuth answers digest challenges for a client (RFC 3261 section
// 22.2): it keeps the last challenge accepted and counts the uses of its
// nonce.
type clientAuth struct {
	user, password string

	mu     sync.Mutex
	realm  string
	nonce  string
	opaque string
	alg    digestAlg
	nc     uint32
}

// take picks the challenge to answer from a 401 (WWW-Authenticate) or 407
// (Proxy-Authenticate): SHA-256 when offered, else MD5, with qop=auth. It
// reports false when there is none it can answer; stale is the
// challenge's stale flag.
func (a *clientAuth) take(res *sipmsg.Response) (ok, stale bool) {
	name := "WWW-Authenticate"
	if res.StatusCode == 407 {
		name = "Proxy-Authenticate"
	}
	var best digestParams
	bestAlg := digestAlg(0)
	for _, h := range res.GetHeaders(name) {
		p, err := parseDigest(h.Value())
		if err != nil || p.nonce == "" || !qopHasAuth(p.qop) {
			continue
		}
		alg, ok := digestAlgorithm(p.algorithm)
		if ok && alg > bestAlg {
			best, bestAlg = p, alg
		}
	}
	if bestAlg == 0 {
		return false, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.realm, a.nonce, a.opaque, a.alg, a.nc = best.realm, best.nonce, best.opaque, bestAlg, 0
	return true, best.stale
}

// header returns the Authorization (or, for a 407, Proxy-Authorization)
// value for a request.
func (a *clientAuth) header(method, uri string) string {
	a.mu.Lock()
	a.nc++
	nc := fmt.Sprintf("%08x", a.nc)
	realm, nonce, opaque, alg := a.realm, a.nonce, a.opaque, a.alg
	a.mu.Unlock()
	cnonce := strings.ToLower(rand.Text()[:16])
	ha1 := alg.sum(a.user, ":", realm, ":", a.password)
	resp := alg.response(ha1, method, uri, nonce, nc, cnonce)
	v := "Digest username=" + quote(a.user) + ", realm=" + quote(realm) + ", nonce=" + quote(nonce) +
		", uri=" + quote(uri) + ", response=" + quote(resp) + ", algorithm=" + alg.String() +
		", qop=auth, nc=" + nc + ", cnonce=" + quote(cnonce)
	if opaque != "" {
		v += ", opaque=" + quote(opaque)
	}
	return v
}

// reauth returns a copy of req, refused by res with 401 or 407, that
// answers the challenge: a new CSeq, a new Via branch and the credentials.
// tries is how many times the request was answered already: a request is
// answered once, and once more only when the challenge says stale (the
// credentials were right but the nonce old): a second plain 401 means
// they are wrong. It returns nil when the client cannot or must not
// answer.
func (c *ClientSession) reauth(req *sipmsg.Request, res *sipmsg.Response, tries int) *sipmsg.Request {
	if c.auth == nil || (res.StatusCode != 401 && res.StatusCode != 407) || tries >= 2 {
		return nil
	}
	if ok, stale := c.auth.take(res); !ok || (tries == 1 && !stale) {
		return nil
	}
	next := req.Clone()
	next.SetBody(req.Body())
	if via := next.Via(); via != nil {
		v := via.Clone()
		v.Params.Add("branch", sipmsg.GenerateBranchN(16))
		next.ReplaceHeader(v)
	}
	c.leg.mu.Lock()
	c.leg.cseq++
	cseq := c.leg.cseq
	c.leg.mu.Unlock()
	next.ReplaceHeader(&sipmsg.CSeqHeader{SeqNo: cseq, MethodName: req.Method})
	name := "Authorization"
	if res.StatusCode == 407 {
		name = "Proxy-Authorization"
	}
	next.RemoveHeader("Authorization")
	next.RemoveHeader("Proxy-Authorization")
	next.AppendHeader(sipmsg.NewHeader(name, c.auth.header(string(req.Method), req.Recipient.String())))
	return next
}
