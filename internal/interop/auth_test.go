//go:build interop

package interop

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The realm of the digest tests.
const authRealm = "rcc.interop"

// carol is a demo user (lineappearance.Demo).
var carol = user{Name: "carol", DN: "1003"}

// digestHash returns the hex digest of parts joined with ":", by
// algorithm ("MD5" or "SHA-256"): the test's own implementation of RFC
// 2617/8760, independent of package sip's.
func digestHash(alg string, parts ...string) string {
	s := []byte(strings.Join(parts, ":"))
	if alg == "MD5" {
		h := md5.Sum(s)
		return hex.EncodeToString(h[:])
	}
	h := sha256.Sum256(s)
	return hex.EncodeToString(h[:])
}

// digestAuthorization returns an Authorization value answering nonce with
// qop=auth and nonce-count nc.
func digestAuthorization(alg, username, password, method, uri, nonce string, nc int) string {
	cnonce := strings.ToLower(rand.Text()[:12])
	ncs := fmt.Sprintf("%08x", nc)
	ha1 := digestHash(alg, username, authRealm, password)
	ha2 := digestHash(alg, method, uri)
	resp := digestHash(alg, ha1, nonce, ncs, cnonce, "auth", ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=%s, qop=auth, nc=%s, cnonce="%s"`,
		username, authRealm, nonce, uri, resp, alg, ncs, cnonce)
}

// nonceRE and algRE find the nonce and algorithm of a WWW-Authenticate
// value.
var (
	nonceRE = regexp.MustCompile(`nonce="([^"]*)"`)
	algRE   = regexp.MustCompile(`algorithm=([A-Za-z0-9-]+)`)
)

// challengeNonce returns the nonce of the challenge for alg in a 401.
func challengeNonce(res *peerMsg, alg string) (string, bool) {
	for _, v := range res.header.Values("Www-Authenticate") {
		if a := algRE.FindStringSubmatch(v); a != nil && a[1] == alg {
			if m := nonceRE.FindStringSubmatch(v); m != nil {
				return m[1], true
			}
		}
	}
	return "", false
}

// peerMsg is a SIP message a peer received.
type peerMsg struct {
	start  string
	status int
	header peerHeader
	body   []byte
	raw    []byte
}

// peerHeader holds the header values of a message by canonical name.
type peerHeader map[string][]string

// Values returns the values of a header (canonical name).
func (h peerHeader) Values(name string) []string { return h[name] }

// get returns the first value of a header of m.
func (m *peerMsg) get(name string) string {
	if v := m.header[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// sipPeer is a hand-driven SIP peer on its own socket bound to a given
// loopback address: it answers every request of the gateway (events,
// BYE) with 200 and hands the responses and the INFO bodies to the test.
type sipPeer struct {
	network, target, local string
	conn                   net.Conn
	resps                  chan *peerMsg
	infos                  chan []byte
	mu                     sync.Mutex // serialises writes
}

// newPeer opens a socket from ip to target over network ("udp", "tcp").
func newPeer(t *testing.T, network, ip, target string) *sipPeer {
	t.Helper()
	d := net.Dialer{Timeout: 2 * time.Second}
	if network == "udp" {
		d.LocalAddr = &net.UDPAddr{IP: net.ParseIP(ip)}
	} else {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(ip)}
	}
	conn, err := d.Dial(network, target)
	require.NoError(t, err)
	if uc, ok := conn.(*net.UDPConn); ok {
		_ = uc.SetReadBuffer(4 << 20)
	}
	p := &sipPeer{network: network, target: target, local: conn.LocalAddr().String(), conn: conn,
		resps: make(chan *peerMsg, 8192), infos: make(chan []byte, 1024)}
	go p.read()
	t.Cleanup(func() { _ = conn.Close() })
	return p
}

// read reads messages until the socket closes.
func (p *sipPeer) read() {
	var br *bufio.Reader
	buf := make([]byte, 65536)
	if p.network == "tcp" {
		br = bufio.NewReader(p.conn)
	}
	for {
		var m *peerMsg
		var err error
		if br != nil {
			m, err = readPeerMsg(br)
		} else {
			var k int
			if k, err = p.conn.Read(buf); err == nil {
				m, err = readPeerMsg(bufioReader(append([]byte(nil), buf[:k]...)))
				if err != nil {
					continue // not SIP: ignore the datagram
				}
			}
		}
		if err != nil {
			return
		}
		if m.status > 0 {
			select {
			case p.resps <- m:
			default:
			}
			continue
		}
		var b strings.Builder
		b.WriteString("SIP/2.0 200 OK\r\n")
		for _, v := range m.header["Via"] {
			b.WriteString("Via: " + v + "\r\n")
		}
		for _, k := range []string{"From", "To", "Call-Id", "Cseq"} {
			b.WriteString(k + ": " + m.get(k) + "\r\n")
		}
		b.WriteString("Content-Length: 0\r\n\r\n")
		p.write([]byte(b.String()))
		if strings.HasPrefix(m.start, "INFO ") {
			select {
			case p.infos <- m.body:
			default:
			}
		}
	}
}

// readPeerMsg reads one SIP message, keeping its bytes.
func readPeerMsg(br *bufio.Reader) (*peerMsg, error) {
	var raw bytes.Buffer
	var lines []string
	for {
		line, err := br.ReadString('\n')
		raw.WriteString(line)
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if len(lines) == 0 {
				continue // keepalive CRLF
			}
			break
		}
		lines = append(lines, line)
	}
	m := &peerMsg{start: lines[0], header: peerHeader{}}
	if rest, ok := strings.CutPrefix(m.start, "SIP/2.0 "); ok {
		code, _, _ := strings.Cut(rest, " ")
		m.status, _ = strconv.Atoi(code)
		if m.status == 0 {
			return nil, fmt.Errorf("bad status line %q", m.start)
		}
	}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		name := canonicalHeader(strings.TrimSpace(k))
		m.header[name] = append(m.header[name], strings.TrimSpace(v))
	}
	if n, _ := strconv.Atoi(m.get("Content-Length")); n > 0 {
		m.body = make([]byte, n)
		if _, err := io.ReadFull(br, m.body); err != nil {
			return nil, err
		}
		raw.Write(m.body)
	}
	m.raw = raw.Bytes()
	return m, nil
}

// canonicalHeader returns the canonical form of a header name, compact
// forms expanded.
func canonicalHeader(k string) string {
	switch strings.ToLower(k) {
	case "v":
		k = "via"
	case "f":
		k = "from"
	case "t":
		k = "to"
	case "i":
		k = "call-id"
	case "l":
		k = "content-length"
	case "c":
		k = "content-type"
	}
	parts := strings.Split(strings.ToLower(k), "-")
	for i, s := range parts {
		if s != "" {
			parts[i] = strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return strings.Join(parts, "-")
}

// write sends bytes on the peer's socket.
func (p *sipPeer) write(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = p.conn.Write(b)
}

// request sends msg and returns the final response to it (matched by
// Call-ID and CSeq), or nil after 5 seconds.
func (p *sipPeer) request(msg []byte) *peerMsg {
	callID, cseq := headerOf(msg, "Call-ID"), headerOf(msg, "CSeq")
	p.write(msg)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-p.resps:
			if m.status >= 200 && m.get("Call-Id") == callID && m.get("Cseq") == cseq {
				return m
			}
		case <-deadline:
			return nil
		}
	}
}

// headerOf returns the value of the first header name in a request.
func headerOf(msg []byte, name string) string {
	for _, l := range strings.Split(string(msg), "\r\n")[1:] {
		if l == "" {
			break
		}
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// dialog returns a new dialog of the peer for u (its From is u's AOR).
func (p *sipPeer) dialog(u user) *rawDialog {
	return &rawDialog{network: p.network, addr: p.target, local: p.local, u: u,
		callID: strings.ToLower(rand.Text()), fromTag: strings.ToLower(rand.Text()[:10]), cseq: 1}
}

// login opens a session for d's user by digest authentication with alg,
// answering as username with password; it returns the final answer to
// the authenticated INVITE and the request that carried the credentials.
// With a 200 the dialog is confirmed (ACK) and d holds its To tag.
func (p *sipPeer) login(t *testing.T, d *rawDialog, alg, username, password string) (*peerMsg, []byte) {
	t.Helper()
	ct := "application/csta+xml"
	res := p.request(d.message("INVITE", d.cseq, ct, rssFor(d.u, "")))
	require.NotNil(t, res, "no answer to the INVITE")
	require.Equal(t, 401, res.status, "the INVITE without credentials: %s", res.start)
	nonce, ok := challengeNonce(res, alg)
	require.True(t, ok, "no %s challenge in %q", alg, res.raw)
	d.cseq++
	uri := "sip:cti@" + p.target
	invite := d.message("INVITE", d.cseq, ct, rssFor(d.u, ""), "Authorization: "+digestAuthorization(alg, username, password, "INVITE", uri, nonce, 1))
	res = p.request(invite)
	require.NotNil(t, res, "no answer to the authenticated INVITE")
	if res.status == 200 {
		_, tag, _ := strings.Cut(res.get("To"), ";tag=")
		d.toTag, _, _ = strings.Cut(tag, ";")
		p.write(d.message("ACK", d.cseq, "", nil))
	}
	return res, invite
}

// info sends an INFO with a CSTA body in the dialog and returns the
// answer.
func (p *sipPeer) info(d *rawDialog, body string) *peerMsg {
	d.cseq++
	return p.request(d.message("INFO", d.cseq, "application/csta+xml", []byte(body)))
}

// bye ends the dialog.
func (p *sipPeer) bye(d *rawDialog) *peerMsg {
	d.cseq++
	return p.request(d.message("BYE", d.cseq, "", nil))
}

// waitInfo waits for an event whose body holds want, for at most 10s.
func (p *sipPeer) waitInfo(want string) bool {
	deadline := time.After(10 * time.Second)
	for {
		select {
		case b := <-p.infos:
			if bytes.Contains(b, []byte(want)) {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// heapInUse returns the live heap after two collections.
func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

var buildRCCClient = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "rccclient")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/rcc-go/rcc/examples/rccclient")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build examples/rccclient: %v\n%s", err, out)
	}
	return bin, nil
})

// runRCCClient runs the rccclient binary with the password in
// $RCC_PASSWORD and returns its exit code and output.
func runRCCClient(t *testing.T, password string, args ...string) (int, string) {
	t.Helper()
	bin, err := buildRCCClient()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "RCC_PASSWORD="+password)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	require.NoError(t, err, "%s", out)
	return 0, string(out)
}

// TestDigestAuth runs digest authentication (issue 14 item 10) through
// real sockets: a gateway trusts 127.0.0.1 (the proxy) and makes
// 127.0.0.2 and 127.0.0.3 authenticate against credentials in its
// directory, while a session from the trusted proxy makes calls in a loop
// and must never notice:
//
//	the sip client (SHA-256, UDP) and the         session opened, monitor started, a call
//	  rccclient binary (SHA-256, UDP)             made and cleared
//	MD5, by hand (UDP)                            the same
//	rccclient -hash                               the directory's HA1, as computed here
//	no credentials, a wrong password, an          the same 401, byte for byte but for the
//	  unknown user                                nonce; no session
//	a replayed Authorization (same nonce and      401 stale=true; the authenticated INVITE
//	  nc) on a new request, and the INVITE        sent again after its dialog ended: over
//	  sent again byte for byte                    TCP 401, over UDP absorbed (a
//	                                              retransmission); no second session
//	credentials of another user than From        403
//	a dialog of 127.0.0.2 used from 127.0.0.3,    481 (INFO, BYE); the dialog still works
//	  one of 127.0.0.1 used from 127.0.0.2
//	5,000 INVITEs from 127.0.0.2 over UDP,        401 each; heap and goroutines back at
//	  half with wrong credentials                 their baseline, no dialog, no session
func TestDigestAuth(t *testing.T) {
	password := "pw-" + strings.ToLower(rand.Text()[:12])
	dir := lineappearance.Demo()
	for i, u := range dir.Users {
		name := strings.TrimSuffix(strings.TrimPrefix(u.AOR, "sip:"), "@example.com")
		dir.Users[i].Credentials = []lineappearance.Credential{{Realm: authRealm,
			HA1MD5: digestHash("MD5", name, authRealm, password), HA1SHA256: digestHash("SHA-256", name, authRealm, password)}}
	}
	n := startNode(t, nodeConfig{PBX: newPBX(t, dir), Directory: dir, Config: func(c *gateway.Config) {
		c.SIP.TrustedPeers = []string{"127.0.0.1/32"}
		c.SIP.AuthPeers = []string{"127.0.0.2/32", "127.0.0.3/32"}
		c.SIP.Realm = authRealm
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The trusted proxy's session: alice from 127.0.0.1, no credentials.
	c, err := dialClient(ctx, t, alice, sip.ClientConfig{Gateway: n.URI("tcp")})
	require.NoError(t, err)
	_, err = c.Monitor(ctx)
	require.NoError(t, err)
	h := startHealthy(ctx, c)
	h.progressed(t, "the start")
	steps, calls := 0, int64(0)
	step := func(name string, f func(t *testing.T)) {
		t.Run(name, f)
		steps++
		h.progressed(t, name)
	}
	ed3 := `xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"`
	monitorStart := func(u user) string {
		return `<MonitorStart ` + ed3 + `><monitorObject><deviceObject>` + u.Line() + `</deviceObject></monitorObject></MonitorStart>`
	}
	makeCall := func(u user, number string) string {
		return `<MakeCall ` + ed3 + `><callingDevice>` + u.Line() + `</callingDevice><calledDirectoryNumber>tel:` + number + `</calledDirectoryNumber></MakeCall>`
	}
	base := n.openSessions()

	step("rccclient -hash", func(t *testing.T) {
		code, out := runRCCClient(t, password, "-user", bob.AOR(), "-hash", authRealm)
		require.Equal(t, 0, code, out)
		assert.Contains(t, out, "ha1_md5: "+digestHash("MD5", "bob", authRealm, password))
		assert.Contains(t, out, "ha1_sha256: "+digestHash("SHA-256", "bob", authRealm, password))
		assert.NotContains(t, out, password)
	})

	// Over UDP the client's requests leave from LocalAddr; over TCP sipgo
	// dials from an address of its choosing (here 127.0.0.1, trusted).
	step("SHA-256 with the sip client over UDP", func(t *testing.T) {
		b, err := dialClient(ctx, t, bob, sip.ClientConfig{Gateway: n.URI("udp"), LocalAddr: "127.0.0.2:0", Password: password})
		require.NoError(t, err)
		_, err = b.Monitor(ctx)
		require.NoError(t, err)
		require.NoError(t, b.call(ctx, "2101"))
		require.NoError(t, b.Close(ctx))
		_, err = openClient(ctx, bob, sip.ClientConfig{Gateway: n.URI("udp"), LocalAddr: "127.0.0.2:0", Password: password + "x"})
		require.Error(t, err, "a wrong password")
		t.Logf("a wrong password: %v", err)
	})

	step("SHA-256 with the rccclient binary over UDP", func(t *testing.T) {
		code, out := runRCCClient(t, password, "-gateway", n.URI("udp"), "-local", "127.0.0.2:0", "-user", bob.AOR(),
			"-line", bob.Line(), "-attach=false", "-control", filepath.Join(t.TempDir(), "ctl"), "call", "2102")
		assert.Equal(t, 0, code, "rccclient call: %s", out)
		assert.NotContains(t, out, password)
		code, out = runRCCClient(t, password+"x", "-gateway", n.URI("udp"), "-local", "127.0.0.2:0", "-user", bob.AOR(),
			"-line", bob.Line(), "-attach=false", "-control", filepath.Join(t.TempDir(), "ctl"), "call", "2102")
		assert.Equal(t, 1, code, "rccclient with a wrong password: %s", out)
		t.Logf("rccclient with a wrong password: %s", strings.TrimSpace(out))
	})

	// carol's session from 127.0.0.2 over UDP, opened with MD5 by hand,
	// used again below from 127.0.0.3.
	p2 := newPeer(t, "udp", "127.0.0.2", n.Target())
	carolDialog := p2.dialog(carol)
	step("MD5 by hand over UDP", func(t *testing.T) {
		res, _ := p2.login(t, carolDialog, "MD5", "carol", password)
		require.Equal(t, 200, res.status, "login: %s", res.start)
		res = p2.info(carolDialog, monitorStart(carol))
		require.NotNil(t, res)
		require.Equal(t, 200, res.status)
		require.Contains(t, string(res.body), "MonitorStartResponse")
		res = p2.info(carolDialog, makeCall(carol, "2103"))
		require.NotNil(t, res)
		require.Equal(t, 200, res.status)
		require.Contains(t, string(res.body), "MakeCallResponse")
		assert.True(t, p2.waitInfo("EstablishedEvent"), "no EstablishedEvent for carol's call")
	})

	step("no credentials, a wrong password, an unknown user: the same 401", func(t *testing.T) {
		p := newPeer(t, "udp", "127.0.0.2", n.Target())
		d := p.dialog(alice)
		ct := "application/csta+xml"
		first := p.request(d.message("INVITE", 1, ct, rssFor(alice, "")))
		require.NotNil(t, first)
		require.Equal(t, 401, first.status)
		uri := "sip:cti@" + n.Target()
		masked := map[string][]byte{}
		var like []byte // the first request, whose Via the others take
		for _, tt := range []struct{ name, authz string }{
			{"no credentials", ""},
			{"wrong password", digestAuthorization("SHA-256", "alice", password+"x", "INVITE", uri, mustNonce(t, first, "SHA-256"), 1)},
			{"wrong password (MD5)", digestAuthorization("MD5", "alice", password+"x", "INVITE", uri, mustNonce(t, first, "MD5"), 1)},
			{"unknown user", digestAuthorization("SHA-256", "mallory", password, "INVITE", uri, mustNonce(t, first, "SHA-256"), 1)},
			{"unknown user (MD5)", digestAuthorization("MD5", "mallory", password, "INVITE", uri, mustNonce(t, first, "MD5"), 1)},
		} {
			// The same request each time (Via branch, Call-ID, tags, CSeq)
			// but for its Authorization line.
			var extra []string
			if tt.authz != "" {
				extra = []string{"Authorization: " + tt.authz}
			}
			msg := d.message("INVITE", 2, ct, rssFor(alice, ""), extra...)
			if like == nil {
				like = msg
			}
			msg = withVia(msg, like)
			res := p.request(msg)
			require.NotNil(t, res, tt.name)
			require.Equal(t, 401, res.status, tt.name)
			assert.NotContains(t, res.get("Www-Authenticate"), "stale", tt.name)
			masked[tt.name] = nonceRE.ReplaceAll(res.raw, []byte(`nonce="…"`))
		}
		for _, name := range []string{"wrong password", "wrong password (MD5)", "unknown user", "unknown user (MD5)"} {
			assert.Equal(t, string(masked["no credentials"]), string(masked[name]), "the 401 to %s differs", name)
		}
		t.Logf("the 401 (nonce masked), %d bytes:\n%s", len(masked["no credentials"]), masked["no credentials"])
		assert.Equal(t, base+1, n.openSessions(), "carol's session only")
	})

	step("a replayed Authorization", func(t *testing.T) {
		for _, network := range []string{"udp", "tcp"} {
			p := newPeer(t, network, "127.0.0.2", n.Target())
			d := p.dialog(bob)
			res, invite := p.login(t, d, "SHA-256", "bob", password)
			require.Equal(t, 200, res.status, "login over %s: %s", network, res.start)
			authz := headerOf(invite, "Authorization")
			// The same credentials (nonce, nc 1) on a new request.
			e := p.dialog(bob)
			res = p.request(e.message("INVITE", 1, "application/csta+xml", rssFor(bob, ""), "Authorization: "+authz))
			require.NotNil(t, res)
			assert.Equal(t, 401, res.status, "a replay over %s: %s", network, res.start)
			assert.Contains(t, res.get("Www-Authenticate"), "stale=true", "a replay over %s", network)
			require.Equal(t, 200, p.bye(d).status)
			// The authenticated INVITE sent again, byte for byte, once
			// its dialog has ended.
			before := n.openSessions()
			p.write(invite)
			time.Sleep(300 * time.Millisecond)
			var again []int
			for len(p.resps) > 0 {
				m := <-p.resps
				again = append(again, m.status)
				if m.status == 200 {
					_, tag, _ := strings.Cut(m.get("To"), ";tag=")
					d.toTag, _, _ = strings.Cut(tag, ";")
					p.write(d.message("ACK", 2, "", nil))
				}
			}
			t.Logf("the INVITE sent again over %s: answers %v", network, again)
			if network == "tcp" {
				// Nothing is retransmitted over TCP: the same request
				// again is a replay.
				assert.Equal(t, []int{401}, again, "the INVITE sent again over TCP")
			} else {
				// Over UDP, a retransmission for its transaction.
				assert.NotContains(t, again, 200, "the INVITE sent again over UDP")
			}
			assert.Equal(t, before, n.openSessions(), "the INVITE sent again over %s opened a session", network)
		}
	})

	step("credentials of another user than From", func(t *testing.T) {
		p := newPeer(t, "tcp", "127.0.0.2", n.Target())
		d := p.dialog(carol)
		res, _ := p.login(t, d, "SHA-256", "bob", password)
		assert.Equal(t, 403, res.status, "%s", res.start)
	})

	step("a dialog used from another address", func(t *testing.T) {
		p3 := newPeer(t, "udp", "127.0.0.3", n.Target())
		stolen := *carolDialog
		stolen.local = p3.local
		stolen.cseq += 10
		res := p3.info(&stolen, makeCall(carol, "2104"))
		require.NotNil(t, res)
		assert.Equal(t, 481, res.status, "INFO from 127.0.0.3: %s", res.start)
		res = p3.bye(&stolen)
		require.NotNil(t, res)
		assert.Equal(t, 481, res.status, "BYE from 127.0.0.3: %s", res.start)
		// A dialog of the trusted proxy's, used from 127.0.0.2.
		td, err := openRawDialog("udp", n.Target(), bob)
		require.NoError(t, err)
		defer td.close()
		borrowed := *td
		borrowed.local = p2.local
		borrowed.cseq += 10
		res = p2.info(&borrowed, makeCall(bob, "2105"))
		require.NotNil(t, res)
		assert.Equal(t, 481, res.status, "INFO in a trusted dialog from 127.0.0.2: %s", res.start)
		// The owner's dialog still works.
		res = p2.info(carolDialog, `<SnapshotDevice `+ed3+`><snapshotObject>`+carol.Line()+`</snapshotObject></SnapshotDevice>`)
		require.NotNil(t, res)
		assert.Equal(t, 200, res.status)
		assert.Contains(t, string(res.body), "SnapshotDeviceResponse")
	})

	step("INVITE flood from 127.0.0.2", func(t *testing.T) {
		const flood = 5000
		p := newPeer(t, "udp", "127.0.0.2", n.Target())
		// A nonce for the half of the flood that carries wrong credentials.
		d0 := p.dialog(alice)
		first := p.request(d0.message("INVITE", 1, "application/csta+xml", rssFor(alice, "")))
		require.NotNil(t, first)
		nonce := mustNonce(t, first, "SHA-256")
		uri := "sip:cti@" + n.Target()
		stats := n.SIP().Stats()
		sessions := n.openSessions()
		// The trusted session pauses while the heap is measured: its
		// calls allocate too.
		h.finish(t)
		c.forget()
		heap0, gor0 := heapInUse(), goroutines()
		var answered, unauthorized atomic.Int64
		done := make(chan struct{})
		go func() {
			defer close(done)
			for answered.Load() < flood {
				select {
				case m := <-p.resps:
					answered.Add(1)
					if m.status == 401 {
						unauthorized.Add(1)
					}
				case <-time.After(3 * time.Second):
					return
				}
			}
		}()
		body := rssFor(alice, "")
		start := time.Now()
		for i := range flood {
			d := &rawDialog{network: "udp", addr: n.Target(), local: p.local, u: alice, callID: fmt.Sprintf("aflood-%d", i), fromTag: fmt.Sprintf("f%d", i)}
			var extra []string
			if i%2 == 1 {
				extra = []string{"Authorization: " + digestAuthorization("SHA-256", "alice", "guess"+strconv.Itoa(i), "INVITE", uri, nonce, 1)}
			}
			p.write(d.message("INVITE", 1, "application/csta+xml", body, extra...))
			if i%200 == 199 {
				time.Sleep(5 * time.Millisecond) // let the answers drain
			}
		}
		<-done
		elapsed := time.Since(start)
		time.Sleep(200 * time.Millisecond)
		heap1, gor1 := heapInUse(), goroutines()
		growth := int64(heap1) - int64(heap0)
		calls += h.calls.Load()
		h = startHealthy(ctx, c)
		t.Logf("%d INVITEs from 127.0.0.2 in %v: %d answered, %d with 401; heap %d -> %d bytes (%+d), goroutines %d -> %d",
			flood, elapsed.Round(time.Millisecond), answered.Load(), unauthorized.Load(), heap0, heap1, growth, gor0, gor1)
		assert.Equal(t, answered.Load(), unauthorized.Load(), "every answer is 401")
		assert.Greater(t, answered.Load(), int64(flood*9/10), "most INVITEs were answered (UDP may drop a few)")
		// 3.4 KB per request kept would be 17 MB: allow 1 MiB of noise
		// (the healthy session runs meanwhile).
		assert.Less(t, growth, int64(1<<20), "heap growth after the flood")
		assert.LessOrEqual(t, gor1, gor0+5, "goroutines after the flood")
		assert.Equal(t, stats.Dialogs, n.SIP().Stats().Dialogs, "the flood left dialogs")
		assert.Equal(t, sessions, n.openSessions(), "the flood opened sessions")
		figures(t, "invites", flood, "sent in", elapsed.Round(time.Millisecond), "answered 401", unauthorized.Load(), "heap growth bytes", growth, "goroutines before", gor0, "goroutines after", gor1)
	})

	res := p2.bye(carolDialog)
	require.NotNil(t, res)
	assert.Equal(t, 200, res.status)
	calls += h.finish(t)
	ended, why := c.ended()
	assert.False(t, ended, "the trusted session ended: %v", why)
	eventually(t, func() bool { return n.openSessions() == base }, "only the trusted session left")
	figures(t, "steps", steps, "trusted session calls", calls, "trusted session failures", 0)
}

// mustNonce returns the nonce of the challenge for alg in a 401.
func mustNonce(t *testing.T, res *peerMsg, alg string) string {
	t.Helper()
	nonce, ok := challengeNonce(res, alg)
	require.True(t, ok, "no %s challenge in %q", alg, res.raw)
	return nonce
}
