package sip

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Digest authentication on the server (RFC 3261 section 22, RFC 8760).
//
// Nonces are stateless: a nonce is the time it was issued, four random
// bytes and an HMAC-SHA-256 (truncated to 16 bytes) of both and of the
// address of the peer it was issued to, under a key the server draws at
// start. Checking a nonce needs no state, so a challenge and a failed
// login cost the server nothing. A nonce is good for
// ServerConfig.NonceLifetime; a correct answer with an older nonce gets a
// new challenge with stale=true.
//
// Replays are refused by remembering, for each nonce that authenticated a
// request, the highest nonce-count seen (and, over UDP, the top Via branch
// of that request, so that a retransmission still reaches its transaction
// for the 64*T1 a client retransmits): a request with a nonce-count not
// above it is refused. Over TCP and TLS nothing is retransmitted, so the
// same request sent again is a replay. Only nonces that
// authenticated a request are remembered, until they expire, and at most
// maxNonces of them; when that many are live, new ones are refused with a
// stale challenge until some expire.

// DefaultNonceLifetime is the default ServerConfig.NonceLifetime.
const DefaultNonceLifetime = 5 * time.Minute

// maxNonces is how many accepted nonces the server remembers at once.
const maxNonces = 1 << 16

// authenticator checks digest credentials for a server.
type authenticator struct {
	realm    string
	creds    Credentials
	lifetime time.Duration
	key      [32]byte
	dummy    [2]string   // HA1 used for users without credentials, by algorithm
	algs     []digestAlg // offered, in order, and accepted
	now      func() time.Time
	replay   replayGuard
	invites  inviteSet // authenticated INVITEs a CANCEL may still name
}

// newAuthenticator returns the authenticator of a validated configuration,
// or nil when no peer must authenticate.
func newAuthenticator(c *ServerConfig) *authenticator {
	if len(c.AuthPeers) == 0 {
		return nil
	}
	a := &authenticator{realm: c.Realm, creds: c.Credentials, lifetime: c.NonceLifetime, now: time.Now}
	for _, name := range c.DigestAlgorithms {
		alg, _ := digestAlgorithm(name) // validated by authDefaults
		a.algs = append(a.algs, alg)
	}
	rand.Read(a.key[:])
	a.dummy[0] = algMD5.sum(rand.Text())
	a.dummy[1] = algSHA256.sum(rand.Text())
	a.replay.max = maxNonces
	a.invites.max = maxNonces
	return a
}

// authDefaults validates the digest settings of c and fills in their
// defaults.
func (c *ServerConfig) authDefaults() error {
	if c.NonceLifetime < 0 {
		return fmt.Errorf("sip: ServerConfig.NonceLifetime is negative (%v)", c.NonceLifetime)
	}
	if c.NonceLifetime == 0 {
		c.NonceLifetime = DefaultNonceLifetime
	}
	c.AuthPeers = append([]netip.Prefix(nil), c.AuthPeers...)
	for i, p := range c.AuthPeers {
		if !p.IsValid() {
			return fmt.Errorf("sip: ServerConfig.AuthPeers[%d] is not a valid prefix", i)
		}
		c.AuthPeers[i] = p.Masked()
	}
	if len(c.DigestAlgorithms) == 0 {
		c.DigestAlgorithms = []string{DigestSHA256, DigestMD5}
	}
	c.DigestAlgorithms = append([]string(nil), c.DigestAlgorithms...)
	seen := map[digestAlg]bool{}
	for i, name := range c.DigestAlgorithms {
		alg, ok := digestAlgorithm(name)
		switch {
		case !ok || name == "":
			return fmt.Errorf("sip: ServerConfig.DigestAlgorithms[%d] %q is not %s or %s", i, name, DigestSHA256, DigestMD5)
		case seen[alg]:
			return fmt.Errorf("sip: ServerConfig.DigestAlgorithms[%d] %q is listed twice", i, name)
		}
		seen[alg] = true
		c.DigestAlgorithms[i] = alg.String()
	}
	if len(c.AuthPeers) == 0 {
		return nil
	}
	switch {
	case c.Realm == "":
		return errors.New("sip: ServerConfig.AuthPeers needs a Realm")
	case strings.ContainsAny(c.Realm, "\"\\\r\n"):
		return fmt.Errorf("sip: ServerConfig.Realm %q holds a quote, backslash or line break", c.Realm)
	case c.Credentials == nil:
		return errors.New("sip: ServerConfig.AuthPeers needs Credentials")
	}
	return nil
}

// nonceRaw is the length of a nonce before encoding: issue time, random
// bytes and MAC.
const nonceRaw = 8 + 4 + 16

// mint returns a new nonce for peer.
func (a *authenticator) mint(peer netip.Addr, now time.Time) string {
	var b [nonceRaw]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixNano()))
	rand.Read(b[8:12])
	copy(b[12:], a.mac(b[:12], peer))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// mac is the nonce MAC of the issue time and random bytes for peer.
func (a *authenticator) mac(head []byte, peer netip.Addr) []byte {
	m := hmac.New(sha256.New, a.key[:])
	m.Write(head)
	ip := peer.Unmap().As16()
	m.Write(ip[:])
	return m.Sum(nil)[:16]
}

// checkNonce reports whether nonce is one of ours for peer, and whether
// its lifetime is over; expires is when it ends.
func (a *authenticator) checkNonce(nonce string, peer netip.Addr, now time.Time) (ok, stale bool, expires time.Time) {
	if base64.RawURLEncoding.EncodedLen(nonceRaw) != len(nonce) {
		return false, false, expires
	}
	var b [nonceRaw]byte
	if n, err := base64.RawURLEncoding.Decode(b[:], []byte(nonce)); err != nil || n != nonceRaw {
		return false, false, expires
	}
	if !hmac.Equal(b[12:], a.mac(b[:12], peer)) {
		return false, false, expires
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	expires = issued.Add(a.lifetime)
	return true, now.After(expires) || issued.After(now.Add(time.Minute)), expires
}

// challenges returns the WWW-Authenticate values of a 401 for peer: one
// for each algorithm offered, in the configured order (by default SHA-256,
// preferred, first and MD5), sharing a nonce.
func (a *authenticator) challenges(peer netip.Addr, stale bool) []string {
	nonce := a.mint(peer, a.now())
	out := make([]string, 0, len(a.algs))
	for _, alg := range a.algs {
		v := `Digest realm=` + quote(a.realm) + `, nonce="` + nonce + `", algorithm=` + alg.String() + `, qop="auth"`
		if stale {
			v += ", stale=true"
		}
		out = append(out, v)
	}
	return out
}

// authRequest is what the authenticator needs of a request.
type authRequest struct {
	method string
	// uri is the Request-URI as sent; "" skips the check that the
	// credentials name it (when the front door has checked it).
	uri   string
	authz []string // values of the Authorization headers
	// fromUser and fromHost are the user and host[:port] of the From URI.
	fromUser, fromHost string
	peer               netip.Addr
	// branch is the top Via branch of a request that may be retransmitted
	// (UDP); "" for a reliable transport, where a request sent again is a
	// replay.
	branch string
	// recheck checks credentials the front door has accepted already:
	// no lifetime, no replay check.
	recheck bool
}

// authVerdict is the authenticator's answer: status 0 accepts the request
// as user; 401 asks for (new) credentials, stale when the credentials were
// right but the nonce is too old or spent; 403 refuses it.
type authVerdict struct {
	status int
	stale  bool
	reason string
	user   string // the authenticated address of record
}

// Reasons of the authenticator's refusals. A 401 says the same whatever
// went wrong, so that it tells nothing about which users exist.
const (
	reasonUnauthorized = "Unauthorized"
	reasonFromMismatch = "Forbidden (From Does Not Match Credentials)"
)

// verify checks the digest credentials of a request.
func (a *authenticator) verify(r *authRequest, now time.Time) authVerdict {
	challenge := authVerdict{status: 401, reason: reasonUnauthorized}
	var p digestParams
	found := false
	for _, v := range r.authz {
		q, err := parseDigest(v)
		if err == nil && q.realm == a.realm {
			p, found = q, true
			break
		}
	}
	if !found {
		return challenge
	}
	alg, ok := digestAlgorithm(p.algorithm)
	ok = ok && slices.Contains(a.algs, alg)
	nc, ncOK := parseNC(p.nc)
	if !ok || !strings.EqualFold(p.qop, "auth") || !ncOK || nc == 0 || p.cnonce == "" ||
		p.username == "" || len(p.response) != alg.hexLen() || (r.uri != "" && p.uri != r.uri) {
		return challenge
	}
	good, stale, expires := a.checkNonce(p.nonce, r.peer, now)
	if !good {
		return challenge
	}
	aor := "sip:" + p.username + "@" + strings.ToLower(r.fromHost)
	ha1, known := a.creds.HA1(aor, a.realm, alg.String())
	if !known || len(ha1) != alg.hexLen() {
		ha1, known = a.dummy[alg-1], false // the same work as for a user who exists
	}
	want := alg.response(strings.ToLower(ha1), r.method, p.uri, p.nonce, p.nc, p.cnonce)
	match := subtle.ConstantTimeCompare([]byte(strings.ToLower(p.response)), []byte(want)) == 1
	if !match || !known {
		return challenge
	}
	if stale && !r.recheck {
		return authVerdict{status: 401, stale: true, reason: reasonUnauthorized}
	}
	if p.username != r.fromUser {
		return authVerdict{status: 403, reason: reasonFromMismatch}
	}
	if !r.recheck && !a.replay.accept(p.nonce, nc, r.branch, expires, now) {
		return authVerdict{status: 401, stale: true, reason: reasonUnauthorized}
	}
	return authVerdict{user: aor}
}

// replayGuard remembers the nonce-counts of the nonces that authenticated
// requests, until they expire.
type replayGuard struct {
	mu  sync.Mutex
	max int
	m   map[string]ncEntry
}

// ncEntry is the last accepted use of a nonce.
type ncEntry struct {
	nc      uint32
	branch  string
	at      int64 // when it was accepted, unix nanoseconds
	expires int64 // unix nanoseconds
}

// retransmitWindow is how long after a request is accepted its
// retransmissions are let through: 64*T1, the longest a UDP client
// retransmits (RFC 3261 section 17.1.1.2).
func retransmitWindow() time.Duration { return max(64*sipmsg.T1, 32*time.Second) }

// accept records the use of nonce with count nc by a request with top Via
// branch ("" when it cannot be retransmitted). It reports false for a
// count not above the last one accepted (unless it is the same request
// retransmitted: same count and branch, within retransmitWindow), or when
// the guard is full.
func (g *replayGuard) accept(nonce string, nc uint32, branch string, expires, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = make(map[string]ncEntry)
	}
	if e, ok := g.m[nonce]; ok {
		if nc == e.nc && branch != "" && branch == e.branch && now.UnixNano() < e.at+int64(retransmitWindow()) {
			return true // a retransmission
		}
		if nc <= e.nc {
			return false
		}
		g.m[nonce] = ncEntry{nc: nc, branch: strings.Clone(branch), at: now.UnixNano(), expires: e.expires}
		return true
	}
	if len(g.m) >= g.max {
		t := now.UnixNano()
		for k, e := range g.m {
			if e.expires < t {
				delete(g.m, k)
			}
		}
		if len(g.m) >= g.max {
			return false
		}
	}
	g.m[strings.Clone(nonce)] = ncEntry{nc: nc, branch: strings.Clone(branch), at: now.UnixNano(), expires: expires.UnixNano()}
	return true
}

// len returns how many nonces the guard remembers.
func (g *replayGuard) len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.m)
}

// authBinding is the identity an authenticated dialog is bound to: the
// user who opened it and the address of the peer it was opened from.
// The zero value is a dialog not opened through digest authentication.
type authBinding struct {
	user string
	peer netip.Addr
}

// inviteSet remembers, for 64*T1 (the longest an INVITE transaction waits
// for its final answer over UDP), the authenticated INVITEs by peer and top
// Via branch, so that the front door lets through only the CANCELs that
// name one of them (a CANCEL carries its INVITE's branch, RFC 3261 section
// 9.1) and answers the others 481 without state. At most max are kept.
type inviteSet struct {
	mu  sync.Mutex
	max int
	m   map[string]int64 // peer "|" branch -> expiry, unix nanoseconds
}

// add remembers an authenticated INVITE.
func (s *inviteSet) add(peer netip.Addr, branch string, now time.Time) {
	if branch == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]int64)
	}
	t := now.UnixNano()
	if len(s.m) >= s.max {
		for k, exp := range s.m {
			if exp < t {
				delete(s.m, k)
			}
		}
		if len(s.m) >= s.max {
			return
		}
	}
	s.m[peer.String()+"|"+branch] = now.Add(max(64*sipmsg.T1, 32*time.Second)).UnixNano()
}

// has reports whether an authenticated INVITE from peer with branch is
// remembered.
func (s *inviteSet) has(peer netip.Addr, branch string, now time.Time) bool {
	if branch == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.m[peer.String()+"|"+branch]
	return ok && exp >= now.UnixNano()
}
