package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

// Digest tests: every peer on loopback must authenticate (no trusted
// peer), in realm "rcc.test".

const testRealm = "rcc.test"

// credStore is a Credentials whose users can change while the server runs.
type credStore struct {
	mu  sync.Mutex
	pwd map[string]string // AOR -> password
	md5 map[string]bool   // AORs with only an MD5 HA1
}

func (c *credStore) set(aor, password string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pwd == nil {
		c.pwd = map[string]string{}
	}
	c.pwd[aor] = password
}

func (c *credStore) HA1(aor, realm, algorithm string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pwd[aor]
	if !ok || realm != testRealm || (c.md5[aor] && algorithm != DigestMD5) {
		return "", false
	}
	user := strings.TrimPrefix(aor[:strings.IndexByte(aor, '@')], "sip:")
	h, err := HA1(algorithm, user, realm, p)
	return h, err == nil
}

func startAuthServer(t *testing.T, creds *credStore) *testServer {
	t.Helper()
	return startServer(t, ServerConfig{
		TrustedPeers: []netip.Prefix{},
		AuthPeers:    []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Realm:        testRealm,
		Credentials:  creds,
	})
}

func TestDigestClientSession(t *testing.T) {
	creds := &credStore{}
	creds.set("sip:alice@example.com", "s3cret")
	ts := startAuthServer(t, creds)
	for i, tr := range []string{"udp", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			c, err := dialTest(t, ts, tr, ClientConfig{Password: "s3cret"})
			require.NoError(t, err)
			sess := ts.handler.session(t, i)
			assert.Equal(t, "sip:alice@example.com", sess.req.User)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = c.Features(ctx) // in the dialog: not challenged again
			require.NoError(t, err)
			require.NoError(t, c.Close(ctx))
		})
	}
	assert.Equal(t, uint64(2), ts.Stats().Responses[401], "one challenge per INVITE")

	// No password, a wrong one, another user's From: refused.
	_, err := dialTest(t, ts, "udp", ClientConfig{})
	var r *RefusalError
	require.True(t, errors.As(err, &r), "got %v", err)
	assert.Equal(t, 401, r.Status)
	_, err = dialTest(t, ts, "tcp", ClientConfig{Password: "wrong"})
	require.True(t, errors.As(err, &r), "got %v", err)
	assert.Equal(t, 401, r.Status)
	_, err = dialTest(t, ts, "udp", ClientConfig{User: "sip:bob@example.com", AuthUser: "alice", Password: "s3cret"})
	require.True(t, errors.As(err, &r), "got %v", err)
	assert.Equal(t, 403, r.Status)
	assert.Equal(t, 2, ts.handler.count())
}

func TestDigestDialogBoundToItsPeer(t *testing.T) {
	creds := &credStore{}
	creds.set("sip:alice@example.com", "s3cret")
	ts := startAuthServer(t, creds)
	c, err := dialTest(t, ts, "udp", ClientConfig{Password: "s3cret"})
	require.NoError(t, err)
	c.leg.mu.Lock()
	remoteTag, _ := c.leg.remote.Params.Get("tag")
	c.leg.mu.Unlock()
	// Another address that knows the dialog's identifiers cannot use it.
	p := newUDPPeer(t, "127.0.0.3:0")
	info := fmt.Sprintf("INFO sip:cti@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;rport;branch=z9hG4bK-x1\r\nMax-Forwards: 70\r\n"+
		"From: <sip:alice@example.com>;tag=%s\r\nTo: <sip:cti@%s>;tag=%s\r\nCall-ID: %s\r\nCSeq: 99 INFO\r\nContent-Length: 0\r\n\r\n",
		ts.udp, p.addr(), c.localTag, ts.udp, remoteTag, c.CallID())
	p.send(ts.udp, []byte(info))
	res := p.response(5 * time.Second)
	require.NotNil(t, res)
	assert.Equal(t, 481, res.StatusCode)
	assert.False(t, txExists(t, ts.Server, []byte(info)), "the 481 is stateless")
	// Its own peer can.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = c.Features(ctx)
	require.NoError(t, err)
}

// digestPeer sends hand-made OPTIONS with digest credentials over UDP.
type digestPeer struct {
	*udpPeer
	ts   *testServer
	from string
	n    int
}

func (p *digestPeer) options(authz string) (*sipmsg.Response, []byte) {
	p.n++
	var extra []string
	if authz != "" {
		extra = append(extra, "Authorization: "+authz)
	}
	req := sipRequest("OPTIONS", "sip:cti@"+p.ts.udp, fmt.Sprintf("Via: SIP/2.0/UDP %s;rport;branch=z9hG4bK-d%d", p.addr(), p.n),
		fmt.Sprintf("d%d-%s@x", p.n, p.addr()), extra, "")
	req = []byte(strings.Replace(string(req), "From: <sip:alice@example.com>", "From: <"+p.from+">", 1))
	p.send(p.ts.udp, req)
	res := p.response(5 * time.Second)
	require.NotNil(p.t, res, "no answer")
	return res, req
}

// challenge returns the nonce of the challenge for alg.
func challenge(t testing.TB, res *sipmsg.Response, alg string) (nonce string, stale bool) {
	t.Helper()
	for _, h := range res.GetHeaders("WWW-Authenticate") {
		p, err := parseDigest(h.Value())
		require.NoError(t, err)
		if a, _ := digestAlgorithm(p.algorithm); a.String() == alg {
			return p.nonce, p.stale
		}
	}
	t.Fatalf("no %s challenge in %v", alg, res)
	return "", false
}

// answer builds Authorization for OPTIONS to uri.
func answer(alg, user, password, uri, nonce string, nc uint32) string {
	a, _ := digestAlgorithm(alg)
	ha1 := a.sum(user, ":", testRealm, ":", password)
	ncs := fmt.Sprintf("%08x", nc)
	resp := a.response(ha1, "OPTIONS", uri, nonce, ncs, "c0ffee")
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=%s, qop=auth, nc=%s, cnonce="c0ffee"`,
		user, testRealm, nonce, uri, resp, alg, ncs)
}

func TestDigestRawExchanges(t *testing.T) {
	creds := &credStore{md5: map[string]bool{"sip:old@example.com": true}}
	creds.set("sip:alice@example.com", "s3cret")
	creds.set("sip:old@example.com", "md5only")
	ts := startAuthServer(t, creds)
	p := &digestPeer{udpPeer: newUDPPeer(t, "127.0.0.1:0"), ts: ts, from: "sip:alice@example.com"}
	uri := "sip:cti@" + ts.udp

	res, req := p.options("")
	require.Equal(t, 401, res.StatusCode)
	hs := res.GetHeaders("WWW-Authenticate")
	require.Len(t, hs, 2)
	assert.Contains(t, hs[0].Value(), "algorithm=SHA-256", "SHA-256 offered first")
	assert.Contains(t, hs[1].Value(), "algorithm=MD5")
	assert.False(t, txExists(t, ts.Server, req), "the challenge is stateless")

	// SHA-256.
	nonce, _ := challenge(t, res, DigestSHA256)
	res, req = p.options(answer(DigestSHA256, "alice", "s3cret", uri, nonce, 1))
	assert.Equal(t, 200, res.StatusCode)
	// The same request again (a UDP retransmission, same branch) reaches
	// its transaction, which answers it again.
	p.send(ts.udp, req)
	res = p.response(5 * time.Second)
	require.NotNil(t, res)
	assert.Equal(t, 200, res.StatusCode)
	// The same nonce and count again, as a new request: a replay.
	res, _ = p.options(answer(DigestSHA256, "alice", "s3cret", uri, nonce, 1))
	assert.Equal(t, 401, res.StatusCode)
	_, stale := challenge(t, res, DigestSHA256)
	assert.True(t, stale)
	// The next count is fine.
	res, _ = p.options(answer(DigestSHA256, "alice", "s3cret", uri, nonce, 2))
	assert.Equal(t, 200, res.StatusCode)

	// MD5, for a user who has only an MD5 HA1.
	old := &digestPeer{udpPeer: newUDPPeer(t, "127.0.0.1:0"), ts: ts, from: "sip:old@example.com"}
	res, _ = old.options("")
	nonce, _ = challenge(t, res, DigestMD5)
	res, _ = old.options(answer(DigestMD5, "old", "md5only", uri, nonce, 1))
	assert.Equal(t, 200, res.StatusCode)

	// A wrong password and an unknown user get the same answer.
	res, _ = p.options("")
	nonce, _ = challenge(t, res, DigestSHA256)
	wrong, wrongReq := p.options(answer(DigestSHA256, "alice", "guess", uri, nonce, 1))
	nobody := &digestPeer{udpPeer: newUDPPeer(t, "127.0.0.1:0"), ts: ts, from: "sip:nobody@example.com"}
	res, _ = nobody.options("")
	nonce, _ = challenge(t, res, DigestSHA256)
	unknown, _ := nobody.options(answer(DigestSHA256, "nobody", "guess", uri, nonce, 1))
	assert.Equal(t, 401, wrong.StatusCode)
	assert.Equal(t, shape(wrong), shape(unknown))
	assert.False(t, txExists(t, ts.Server, wrongReq), "a failed login is answered statelessly")

	// Right credentials, another user's From: 403.
	bob := &digestPeer{udpPeer: newUDPPeer(t, "127.0.0.1:0"), ts: ts, from: "sip:bob@example.com"}
	res, _ = bob.options("")
	nonce, _ = challenge(t, res, DigestSHA256)
	res, _ = bob.options(answer(DigestSHA256, "alice", "s3cret", uri, nonce, 1))
	assert.Equal(t, 403, res.StatusCode)

	// An expired nonce, answered rightly: a new challenge, stale.
	expired := ts.auth.mint(netip.MustParseAddr("127.0.0.1"), time.Now().Add(-time.Hour))
	res, _ = p.options(answer(DigestSHA256, "alice", "s3cret", uri, expired, 1))
	assert.Equal(t, 401, res.StatusCode)
	_, stale = challenge(t, res, DigestSHA256)
	assert.True(t, stale)
	// A nonce issued to another address is not ours for this one.
	other := ts.auth.mint(netip.MustParseAddr("127.0.0.9"), time.Now())
	res, _ = p.options(answer(DigestSHA256, "alice", "s3cret", uri, other, 1))
	assert.Equal(t, 401, res.StatusCode)
	_, stale = challenge(t, res, DigestSHA256)
	assert.False(t, stale)

	// Credentials changed while the server runs take effect at once.
	creds.set("sip:alice@example.com", "n3w")
	res, _ = p.options("")
	nonce, _ = challenge(t, res, DigestSHA256)
	res, _ = p.options(answer(DigestSHA256, "alice", "s3cret", uri, nonce, 1))
	assert.Equal(t, 401, res.StatusCode)
	res, _ = p.options(answer(DigestSHA256, "alice", "n3w", uri, nonce, 2))
	assert.Equal(t, 200, res.StatusCode)
}

var nonceParam = regexp.MustCompile(`nonce="[^"]*"`)

// shape is a response without what differs between any two challenges
// (the nonce, the Via branch, the Call-ID, the From and To).
func shape(res *sipmsg.Response) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s\n", res.StatusCode, res.Reason)
	for _, h := range res.Headers() {
		switch strings.ToLower(h.Name()) {
		case "via", "call-id", "from", "to", "cseq":
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", h.Name(), nonceParam.ReplaceAllString(h.Value(), `nonce="x"`))
	}
	return b.String()
}

// TestDigestChallengeFloodLeavesNoState sends unauthenticated INVITEs and
// measures the heap the server keeps per challenge. The figure is in
// BENCHMARKS.md.
func TestDigestChallengeFloodLeavesNoState(t *testing.T) {
	ts := startAuthServer(t, &credStore{})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	dst, err := net.ResolveUDPAddr("udp", ts.udp)
	require.NoError(t, err)
	body, err := csta.Encode(&csta.RequestSystemStatus{})
	require.NoError(t, err)
	// INVITEs with forged credentials (401), CANCELs of nothing (481) and
	// INFOs into a dialog that does not exist (481).
	send := func(i int) {
		via := fmt.Sprintf("Via: SIP/2.0/UDP %s;rport;branch=z9hG4bK-f%d", pc.LocalAddr(), i)
		var req []byte
		want := "SIP/2.0 481 "
		switch i % 3 {
		case 0:
			req = sipRequest("INVITE", "sip:cti@"+ts.udp, via,
				fmt.Sprintf("f%d@x", i), []string{"Contact: <sip:alice@" + pc.LocalAddr().String() + ">", "Content-Type: application/csta+xml",
					`Authorization: Digest username="alice", realm="rcc.test", nonce="forged", uri="sip:cti@x", response="00", qop=auth, nc=00000001, cnonce="c"`},
				string(body))
			want = "SIP/2.0 401 "
		case 1:
			req = sipRequest("CANCEL", "sip:cti@"+ts.udp, via, fmt.Sprintf("f%d@x", i), nil, "")
		case 2:
			req = sipRequest("INFO", "sip:cti@"+ts.udp, via, fmt.Sprintf("f%d@x", i), nil, string(body))
			req = []byte(strings.Replace(string(req), "To: <sip:cti@"+ts.udp+">", "To: <sip:cti@"+ts.udp+">;tag=guessed", 1))
		}
		_, err := pc.WriteTo(req, dst)
		require.NoError(t, err)
		buf := make([]byte, 4096)
		pc.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(buf[:n]), want), "%q", buf[:n])
	}
	for i := range 200 { // warm up
		send(i)
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const n = 5000
	before := heap()
	for i := range n {
		send(1000 + i)
	}
	after := heap()
	per := (float64(after) - float64(before)) / n
	t.Logf("heap kept per unauthenticated request (401 or 481): %.1f bytes (%d requests, %d -> %d)", per, n, before, after)
	assert.Less(t, per, 64.0, "state kept per challenge")
	assert.Zero(t, ts.auth.replay.len())
	assert.Equal(t, 0, ts.handler.count())
	ts.mu.Lock()
	assert.Empty(t, ts.dialogs)
	ts.mu.Unlock()
}

func TestDigestConfig(t *testing.T) {
	h := &fakeHandler{}
	auth := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	_, err := NewServer(ServerConfig{Handler: h, AuthPeers: auth, Credentials: &credStore{}})
	assert.ErrorContains(t, err, "Realm")
	_, err = NewServer(ServerConfig{Handler: h, AuthPeers: auth, Realm: "r"})
	assert.ErrorContains(t, err, "Credentials")
	_, err = NewServer(ServerConfig{Handler: h, AuthPeers: auth, Realm: `a"b`, Credentials: &credStore{}})
	assert.ErrorContains(t, err, "Realm")
	_, err = NewServer(ServerConfig{Handler: h, NonceLifetime: -time.Second})
	assert.ErrorContains(t, err, "NonceLifetime")
	_, err = NewServer(ServerConfig{Handler: h, AuthPeers: []netip.Prefix{{}}, Realm: "r", Credentials: &credStore{}})
	assert.ErrorContains(t, err, "AuthPeers[0]")
	s, err := NewServer(ServerConfig{Handler: h, AuthPeers: auth, Realm: "r", Credentials: &credStore{}})
	require.NoError(t, err)
	assert.True(t, s.authAddr(netip.MustParseAddr("10.1.2.3")))
	assert.False(t, s.authAddr(netip.MustParseAddr("127.0.0.1")), "trusted wins")
	assert.False(t, s.authAddr(netip.MustParseAddr("192.168.1.1")))
	assert.Equal(t, DefaultNonceLifetime, s.cfg.NonceLifetime)
}

func TestHA1(t *testing.T) {
	// RFC 2617 section 3.5's example user, realm and password.
	h, err := HA1("MD5", "Mufasa", "testrealm@host.com", "Circle Of Life")
	require.NoError(t, err)
	assert.Equal(t, "939e7578ed9e3c518a452acee763bce9", h)
	// RFC 7616 section 3.9.1's example, SHA-256.
	h, err = HA1("sha-256", "Mufasa", "http-auth@example.org", "Circle of Life")
	require.NoError(t, err)
	assert.Equal(t, "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232", h)
	_, err = HA1("SHA-512-256", "a", "b", "c")
	assert.Error(t, err)
	// RFC 7616's response for that example (qop=auth, GET /dir/index.html).
	a := algSHA256
	assert.Equal(t, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
		a.response(h2(t), "GET", "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"))
}

func h2(t *testing.T) string {
	h, err := HA1(DigestSHA256, "Mufasa", "http-auth@example.org", "Circle of Life")
	require.NoError(t, err)
	return h
}

func TestParseDigest(t *testing.T) {
	p, err := parseDigest(`Digest username="a\"b", realm="r", nonce=abc, uri="sip:x@y", response="00", qop=auth, nc=00000001, cnonce="c", stale=TRUE, foo="bar"`)
	require.NoError(t, err)
	assert.Equal(t, `a"b`, p.username)
	assert.Equal(t, "abc", p.nonce)
	assert.Equal(t, "auth", p.qop)
	assert.True(t, p.stale)
	for _, bad := range []string{
		`Basic abc`, `Digest realm`, `Digest realm="r`, `Digest realm="a" realm2="b"`,
		`Digest realm="a", realm="b"`, `Digest =x`, `Digestrealm="a"`, `Digest r@alm="x"`,
	} {
		_, err := parseDigest(bad)
		assert.Error(t, err, bad)
	}
	_, err = parseDigest("Digest realm=\"" + strings.Repeat("x", maxDigestValue) + "\"")
	assert.Error(t, err)
	n, ok := parseNC("0000000a")
	assert.True(t, ok)
	assert.Equal(t, uint32(10), n)
	_, ok = parseNC("1")
	assert.False(t, ok)
}

func TestReplayGuardBounded(t *testing.T) {
	g := replayGuard{max: 2}
	now := time.Now()
	assert.True(t, g.accept("a", 1, "b1", now.Add(time.Minute), now))
	assert.True(t, g.accept("a", 1, "b1", now.Add(time.Minute), now), "retransmission")
	assert.False(t, g.accept("a", 1, "b2", now.Add(time.Minute), now), "replay")
	assert.True(t, g.accept("b", 1, "x", now.Add(-time.Second), now))
	assert.True(t, g.accept("c", 1, "x", now.Add(time.Minute), now), "the expired one makes room")
	assert.False(t, g.accept("d", 1, "x", now.Add(time.Minute), now), "full")
	assert.Equal(t, 2, g.len())
}

// A request sent again passes as a retransmission only over UDP (a
// branch given) and within 64*T1 of its first acceptance: later, or
// without a branch (TCP, TLS), it is a replay.
func TestReplayGuardRetransmissionWindow(t *testing.T) {
	g := replayGuard{max: 8}
	now := time.Now()
	exp := now.Add(5 * time.Minute)
	require.True(t, g.accept("a", 1, "b1", exp, now))
	assert.True(t, g.accept("a", 1, "b1", exp, now.Add(retransmitWindow()-time.Second)), "within the window")
	assert.False(t, g.accept("a", 1, "b1", exp, now.Add(retransmitWindow()+time.Second)), "after the window")
	require.True(t, g.accept("t", 1, "", exp, now))
	assert.False(t, g.accept("t", 1, "", exp, now), "the same request again over TCP")
	require.True(t, g.accept("t", 2, "", exp, now))
}

func TestClientPicksChallenge(t *testing.T) {
	res := func(code int, name string, values ...string) *sipmsg.Response {
		r := sipmsg.NewResponse(code, "x")
		for _, v := range values {
			r.AppendHeader(sipmsg.NewHeader(name, v))
		}
		return r
	}
	a := &clientAuth{user: "alice", password: "pw"}
	ok, _ := a.take(res(401, "WWW-Authenticate", `Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"`))
	require.True(t, ok)
	assert.Equal(t, algMD5, a.alg, "MD5 when it is all the server offers")
	ok, stale := a.take(res(401, "WWW-Authenticate", `Digest realm="r", nonce="n2", algorithm=MD5, qop="auth"`,
		`Digest realm="r", nonce="n3", algorithm=SHA-256, qop="auth,auth-int", stale=true`))
	require.True(t, ok)
	assert.True(t, stale)
	assert.Equal(t, algSHA256, a.alg, "SHA-256 preferred")
	assert.Equal(t, "n3", a.nonce)
	ok, _ = a.take(res(401, "WWW-Authenticate", `Digest realm="r", nonce="n4"`, `Digest realm="r", nonce="n5", algorithm=SHA-512-256, qop="auth"`))
	assert.False(t, ok, "no qop=auth, or an algorithm the client does not know")
	ok, _ = a.take(res(407, "WWW-Authenticate", `Digest realm="r", nonce="n6", qop="auth"`))
	assert.False(t, ok, "a 407 challenges in Proxy-Authenticate")
	ok, _ = a.take(res(407, "Proxy-Authenticate", `Digest realm="r", nonce="n6", qop="auth"`))
	assert.True(t, ok)

	// The answer is what the server computes.
	v := a.header("INVITE", "sip:cti@gw")
	p, err := parseDigest(v)
	require.NoError(t, err)
	assert.Equal(t, "00000001", p.nc)
	ha1, _ := HA1(DigestMD5, "alice", "r", "pw")
	assert.Equal(t, algMD5.response(ha1, "INVITE", "sip:cti@gw", "n6", "00000001", p.cnonce), p.response)
	assert.NotContains(t, v, "pw\"")
	p2, _ := parseDigest(a.header("INFO", "sip:cti@gw"))
	assert.Equal(t, "00000002", p2.nc, "the nonce-count grows")
}

// TestDigestCancel: a client that must authenticate cancels its
// authenticated INVITE; a CANCEL that names no authenticated INVITE gets
// 481 without state.
func TestDigestCancel(t *testing.T) {
	creds := &credStore{}
	creds.set("sip:alice@example.com", "s3cret")
	for _, tr := range []string{"udp", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			entered := make(chan struct{}, 1)
			cause := make(chan error, 1)
			h := &fakeHandler{openHook: func(ctx context.Context, _ *OpenRequest) error {
				entered <- struct{}{}
				<-ctx.Done()
				cause <- context.Cause(ctx)
				return context.Cause(ctx)
			}}
			ts := startServer(t, ServerConfig{
				Handler:      h,
				TrustedPeers: []netip.Prefix{},
				AuthPeers:    []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
				Realm:        testRealm,
				Credentials:  creds,
			})
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-entered
				cancel()
			}()
			_, err := Dial(ctx, ClientConfig{Gateway: ts.gateway(tr), User: "sip:alice@example.com", Line: "tel:1",
				LocalAddr: "127.0.0.1:0", Password: "s3cret"})
			assert.ErrorIs(t, err, context.Canceled)
			select {
			case err := <-cause:
				assert.ErrorIs(t, err, ErrCanceled, "the CANCEL reached the INVITE")
			case <-time.After(5 * time.Second):
				t.Fatal("the CANCEL did not reach the INVITE")
			}
			assert.Equal(t, 0, ts.Stats().Dialogs)
		})
	}

	ts := startAuthServer(t, creds)
	p := newUDPPeer(t, "127.0.0.1:0")
	req := sipRequest("CANCEL", "sip:cti@"+ts.udp, "Via: SIP/2.0/UDP "+p.addr()+";rport;branch=z9hG4bK-nosuch", "c1@x", nil, "")
	p.send(ts.udp, req)
	res := p.response(5 * time.Second)
	require.NotNil(t, res)
	assert.Equal(t, 481, res.StatusCode)
	assert.False(t, txExists(t, ts.Server, req))
}

func TestDigestAlgorithmsOffered(t *testing.T) {
	creds := &credStore{}
	creds.set("sip:alice@example.com", "secret")
	auth := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	peer := netip.MustParseAddr("10.0.0.1")
	newServer := func(algs []string) (*Server, error) {
		return NewServer(ServerConfig{Handler: &fakeHandler{}, AuthPeers: auth, Realm: testRealm, Credentials: creds, DigestAlgorithms: algs})
	}
	algRE := regexp.MustCompile(`algorithm=([^,]+)`)
	for _, tt := range []struct {
		algs, want []string
	}{
		{nil, []string{DigestSHA256, DigestMD5}},
		{[]string{"md5"}, []string{DigestMD5}},
		{[]string{DigestMD5, "sha-256"}, []string{DigestMD5, DigestSHA256}},
	} {
		s, err := newServer(tt.algs)
		require.NoError(t, err, "%v", tt.algs)
		var got []string
		for _, c := range s.auth.challenges(peer, false) {
			got = append(got, algRE.FindStringSubmatch(c)[1])
		}
		assert.Equal(t, tt.want, got, "%v", tt.algs)
	}
	for _, bad := range [][]string{{"SHA-512"}, {""}, {DigestMD5, "md5"}} {
		_, err := newServer(bad)
		assert.ErrorContains(t, err, "DigestAlgorithms", "%q", bad)
	}

	// An algorithm not offered is not accepted either: an MD5-only server
	// challenges SHA-256 credentials again, and takes MD5 ones.
	s, err := newServer([]string{DigestMD5})
	require.NoError(t, err)
	nonce := regexp.MustCompile(`nonce="([^"]+)"`).FindStringSubmatch(s.auth.challenges(peer, false)[0])[1]
	login := func(alg digestAlg, nc string) authVerdict {
		ha1, err := HA1(alg.String(), "alice", testRealm, "secret")
		require.NoError(t, err)
		uri := "sip:cti@10.0.0.9"
		resp := alg.response(ha1, "INVITE", uri, nonce, nc, "c0ffee")
		authz := fmt.Sprintf(`Digest username="alice", realm=%q, nonce=%q, uri=%q, response=%q, algorithm=%s, qop=auth, nc=%s, cnonce="c0ffee"`,
			testRealm, nonce, uri, resp, alg, nc)
		return s.auth.verify(&authRequest{method: "INVITE", uri: uri, authz: []string{authz}, fromUser: "alice", fromHost: "example.com", peer: peer}, s.auth.now())
	}
	assert.Equal(t, 401, login(algSHA256, "00000001").status, "SHA-256 is not offered")
	v := login(algMD5, "00000002")
	assert.Equal(t, 0, v.status)
	assert.Equal(t, "sip:alice@example.com", v.user)
}
