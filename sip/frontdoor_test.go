package sip

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of the front door (frontdoor*.go). Peers on 127.0.0.1 are trusted
// and peers on 127.0.0.2 are not (Linux routes all of 127/8 to loopback).

var onlyLocalhost = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// sipRequest builds a request with Content-Length; via is the whole Via
// header line.
func sipRequest(method, uri, via, callID string, extra []string, body string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n%s\r\nMax-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=f1\r\nTo: <%s>\r\nCall-ID: %s\r\nCSeq: 1 %s\r\n",
		method, uri, via, uri, callID, method)
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return []byte(b.String())
}

// udpPeer is a UDP socket on a given local address.
type udpPeer struct {
	t  testing.TB
	pc net.PacketConn
}

func newUDPPeer(t testing.TB, local string) *udpPeer {
	t.Helper()
	pc, err := net.ListenPacket("udp", local)
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	return &udpPeer{t: t, pc: pc}
}

func (p *udpPeer) addr() string { return p.pc.LocalAddr().String() }

func (p *udpPeer) send(to string, data []byte) {
	a, err := net.ResolveUDPAddr("udp", to)
	require.NoError(p.t, err)
	_, err = p.pc.WriteTo(data, a)
	require.NoError(p.t, err)
}

// response reads the next datagram within d and parses it as a response;
// nil when none comes.
func (p *udpPeer) response(d time.Duration) *sipmsg.Response {
	p.t.Helper()
	buf := make([]byte, 65536)
	p.pc.SetReadDeadline(time.Now().Add(d))
	n, _, err := p.pc.ReadFrom(buf)
	if err != nil {
		return nil
	}
	m, err := sipmsg.ParseMessage(buf[:n])
	require.NoError(p.t, err, "%q", buf[:n])
	res, ok := m.(*sipmsg.Response)
	require.True(p.t, ok, "%q", buf[:n])
	return res
}

// txExists reports whether sipgo holds a server transaction for req.
func txExists(t testing.TB, s *Server, req []byte) bool {
	t.Helper()
	m, err := sipmsg.ParseMessage(req)
	require.NoError(t, err)
	res := sipmsg.NewResponseFromRequest(m.(*sipmsg.Request), 500, "Probe", nil)
	_, err = s.ua.TransactionLayer().Respond(res)
	return err == nil || !strings.Contains(err.Error(), "does not exists")
}

func TestFrontDoorUntrustedUDPIsStateless(t *testing.T) {
	ts := startServer(t, ServerConfig{TrustedPeers: onlyLocalhost})
	pool := ts.ua.TransportLayer().Pool("udp")
	before := pool.Size()
	uri := "sip:cti@" + ts.udp
	var reqs [][]byte
	for i := range 20 {
		p := newUDPPeer(t, "127.0.0.2:0")
		method := []string{"INVITE", "OPTIONS", "INFO", "BYE"}[i%4]
		req := sipRequest(method, uri, "Via: SIP/2.0/UDP "+p.addr()+";rport;branch=z9hG4bK-u"+fmt.Sprint(i), fmt.Sprintf("u%d@x", i), nil, "")
		reqs = append(reqs, req)
		p.send(ts.udp, req)
		res := p.response(5 * time.Second)
		require.NotNil(t, res, "no answer to %s", method)
		assert.Equal(t, 403, res.StatusCode)
		assert.Equal(t, "Forbidden (Untrusted Peer)", res.Reason)
		assert.Equal(t, method, string(res.CSeq().MethodName))
		tag, _ := res.To().Params.Get("tag")
		assert.NotEmpty(t, tag)
		rport, _ := res.Via().Params.Get("rport")
		received, _ := res.Via().Params.Get("received")
		assert.Equal(t, p.addr(), net.JoinHostPort(received, rport), "RFC 3581 received and rport")
		assert.Equal(t, "rcc", res.GetHeader("Server").Value())

		// An ACK gets nothing.
		p.send(ts.udp, sipRequest("ACK", uri, "Via: SIP/2.0/UDP "+p.addr()+";branch=z9hG4bK-u"+fmt.Sprint(i), fmt.Sprintf("u%d@x", i), nil, ""))
		assert.Nil(t, p.response(100*time.Millisecond))
	}
	for _, req := range reqs {
		assert.False(t, txExists(t, ts.Server, req), "sipgo made a transaction for %q", req[:20])
	}
	assert.Equal(t, before, pool.Size(), "sipgo keeps an entry per untrusted source address")
	assert.Equal(t, uint64(20), ts.Stats().Responses[403])
	assert.Equal(t, 0, ts.handler.count())
}

func TestFrontDoorDropUntrusted(t *testing.T) {
	ts := startServer(t, ServerConfig{TrustedPeers: onlyLocalhost, DropUntrusted: true})
	p := newUDPPeer(t, "127.0.0.2:0")
	p.send(ts.udp, sipRequest("OPTIONS", "sip:cti@"+ts.udp, "Via: SIP/2.0/UDP "+p.addr()+";branch=z9hG4bK-d1", "d1@x", nil, ""))
	assert.Nil(t, p.response(300*time.Millisecond))

	c, err := net.DialTCP("tcp", &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, tcpAddr(t, ts.tcp))
	require.NoError(t, err)
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	assert.Error(t, err, "the connection is closed at once")
	assert.Equal(t, uint64(0), ts.Stats().Responses[403])
}

func tcpAddr(t testing.TB, s string) *net.TCPAddr {
	a, err := net.ResolveTCPAddr("tcp", s)
	require.NoError(t, err)
	return a
}

// tcpPeer is a TCP connection to the server that parses what it reads.
type tcpPeer struct {
	t    testing.TB
	c    net.Conn
	msgs chan sipmsg.Message
	eof  chan struct{}
}

func dialTCPFrom(t testing.TB, local, server string) *tcpPeer {
	t.Helper()
	d := net.Dialer{LocalAddr: tcpAddr(t, local)}
	c, err := d.Dial("tcp", server)
	require.NoError(t, err)
	return startTCPPeer(t, c)
}

func startTCPPeer(t testing.TB, c net.Conn) *tcpPeer {
	p := &tcpPeer{t: t, c: c, msgs: make(chan sipmsg.Message, 64), eof: make(chan struct{})}
	t.Cleanup(func() { c.Close() })
	go func() {
		defer close(p.eof)
		st := newParser(1 << 20).NewSIPStream()
		buf := make([]byte, 65536)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			st.ParseSIPStream(buf[:n], func(m sipmsg.Message) {
				select {
				case p.msgs <- m:
				default:
				}
			})
		}
	}()
	return p
}

func (p *tcpPeer) addr() string { return p.c.LocalAddr().String() }

func (p *tcpPeer) send(data []byte) {
	_, err := p.c.Write(data)
	require.NoError(p.t, err)
}

// response returns the next final response, or nil after d.
func (p *tcpPeer) response(d time.Duration) *sipmsg.Response {
	timeout := time.After(d)
	for {
		select {
		case m := <-p.msgs:
			if res, ok := m.(*sipmsg.Response); ok && !res.IsProvisional() {
				return res
			}
		case <-timeout:
			return nil
		}
	}
}

// closed reports whether the server closed the connection within d.
func (p *tcpPeer) closed(d time.Duration) bool {
	select {
	case <-p.eof:
		return true
	case <-time.After(d):
		return false
	}
}

func TestFrontDoorUntrustedTCPNeverReachesSipgo(t *testing.T) {
	ts := startServer(t, ServerConfig{TrustedPeers: onlyLocalhost})
	p := dialTCPFrom(t, "127.0.0.2:0", ts.tcp)
	uri := "sip:cti@" + ts.tcp + ";transport=tcp"
	via := "Via: SIP/2.0/TCP " + p.addr() + ";branch=z9hG4bK-t"
	inv := sipRequest("INVITE", uri, via+"1", "t1@x", []string{"Content-Type: application/csta+xml"}, rssBody)
	p.send(inv)
	res := p.response(5 * time.Second)
	require.NotNil(t, res)
	assert.Equal(t, 403, res.StatusCode)
	p.send(sipRequest("ACK", uri, via+"1", "t1@x", nil, ""))
	opt := sipRequest("OPTIONS", uri, via+"2", "t2@x", nil, "")
	p.send(opt)
	res = p.response(5 * time.Second)
	require.NotNil(t, res)
	assert.Equal(t, 403, res.StatusCode)
	assert.Equal(t, "OPTIONS", string(res.CSeq().MethodName), "the ACK got no answer")

	assert.Equal(t, 0, ts.ua.TransportLayer().Pool("tcp").Size(), "sipgo holds the untrusted connection")
	assert.False(t, txExists(t, ts.Server, inv))
	assert.False(t, txExists(t, ts.Server, opt))
	total, untrusted := ts.connCount()
	assert.Equal(t, 1, total)
	assert.Equal(t, 1, untrusted)
	assert.Equal(t, 0, ts.handler.count())
}

func TestFrontDoorAnswersOnlyToTheSource(t *testing.T) {
	ts := startServer(t, ServerConfig{})

	t.Run("udp", func(t *testing.T) {
		victim := newUDPPeer(t, "127.0.0.1:0")
		_, vport, _ := net.SplitHostPort(victim.addr())
		p := newUDPPeer(t, "127.0.0.1:0")
		for i, via := range []string{
			"Via: SIP/2.0/UDP " + p.addr() + ";rport=" + vport + ";branch=z9hG4bK-r1",
			"Via: SIP/2.0/UDP " + p.addr() + ";received=127.0.0.3;rport=" + vport + ";branch=z9hG4bK-r2",
			"Via: SIP/2.0/UDP victim.invalid:" + vport + ";rport;branch=z9hG4bK-r3",
		} {
			p.send(ts.udp, sipRequest("OPTIONS", "sip:cti@"+ts.udp, via, fmt.Sprintf("r%d@x", i), nil, ""))
			res := p.response(5 * time.Second)
			require.NotNil(t, res, "no answer at the source for %s", via)
			assert.Equal(t, 200, res.StatusCode)
			received, _ := res.Via().Params.Get("received")
			rport, _ := res.Via().Params.Get("rport")
			assert.Equal(t, p.addr(), net.JoinHostPort(received, rport))
			assert.Nil(t, victim.response(100*time.Millisecond), "answer reflected to the victim for %s", via)
		}
	})

	t.Run("tcp", func(t *testing.T) {
		// A peer sends a request naming another host in Via and closes at
		// once: sipgo, finding no connection when it makes the
		// transaction, used to open one to the Via host.
		victim, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer victim.Close()
		var dialed atomic.Int32
		go func() {
			for {
				c, err := victim.Accept()
				if err != nil {
					return
				}
				dialed.Add(1)
				c.Close()
			}
		}()
		for i := range 40 {
			c, err := net.Dial("tcp", ts.tcp)
			require.NoError(t, err)
			_, err = c.Write(sipRequest("OPTIONS", "sip:cti@"+ts.tcp+";transport=tcp",
				"Via: SIP/2.0/TCP "+victim.Addr().String()+fmt.Sprintf(";branch=z9hG4bK-v%d", i), fmt.Sprintf("v%d@x", i), nil, ""))
			require.NoError(t, err)
			c.Close()
		}
		time.Sleep(500 * time.Millisecond)
		assert.Zero(t, dialed.Load(), "connections opened to the Via host")
	})

	t.Run("dial guard", func(t *testing.T) {
		victim, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer victim.Close()
		req := sipmsg.NewRequest(sipmsg.OPTIONS, sipmsg.Uri{Scheme: "sip", Host: "127.0.0.1", Port: victim.Addr().(*net.TCPAddr).Port})
		req.AppendHeader(&sipmsg.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "TCP", Host: "127.0.0.1", Port: 5060,
			Params: sipmsg.HeaderParams{{K: "branch", V: sipmsg.GenerateBranch()}}})
		req.SetTransport("TCP")
		_, err = ts.ua.TransportLayer().ClientRequestConnection(context.Background(), req)
		assert.ErrorIs(t, err, errDialRefused)
		c, err := ts.ua.TransportLayer().ClientRequestConnection(allowDial(context.Background()), req)
		require.NoError(t, err, "the server's own requests may open connections")
		c.Close()
	})
}

func TestFrontDoorConnectionCaps(t *testing.T) {
	ts := startServer(t, ServerConfig{TrustedPeers: onlyLocalhost, MaxConns: 12, MaxConnsPerPeer: 4})
	uri := "sip:cti@" + ts.tcp + ";transport=tcp"
	alive := func(p *tcpPeer, i int) bool {
		p.send(sipRequest("OPTIONS", uri, "Via: SIP/2.0/TCP "+p.addr()+fmt.Sprintf(";branch=z9hG4bK-c%d", i), fmt.Sprintf("c%d@x", i), nil, ""))
		return p.response(3*time.Second) != nil
	}
	var peers []*tcpPeer
	for range 6 {
		peers = append(peers, dialTCPFrom(t, "127.0.0.1:0", ts.tcp))
	}
	open := 0
	for i, p := range peers {
		if alive(p, i) {
			open++
		} else {
			assert.True(t, p.closed(time.Second))
		}
	}
	assert.Equal(t, 4, open, "per-peer cap")

	// Untrusted addresses get a quarter of MaxConns.
	var untrusted []*tcpPeer
	for range 5 {
		untrusted = append(untrusted, dialTCPFrom(t, "127.0.0.2:0", ts.tcp))
	}
	closed := 0
	for _, p := range untrusted {
		if p.closed(500 * time.Millisecond) {
			closed++
		}
	}
	assert.Equal(t, 2, closed, "untrusted cap is 3")
	total, nu := ts.connCount()
	assert.Equal(t, 7, total)
	assert.Equal(t, 3, nu)

	// A slot freed is taken again.
	peers[0].c.Close()
	waitFor(t, "slot released", func() bool { n, _ := ts.connCount(); return n == 6 })
	assert.True(t, alive(dialTCPFrom(t, "127.0.0.1:0", ts.tcp), 99))
}

func TestFrontDoorTimeouts(t *testing.T) {
	pki := newPKI(t)
	ts := startServer(t, ServerConfig{
		TrustedPeers:     onlyLocalhost,
		IdleTimeout:      300 * time.Millisecond,
		MessageTimeout:   300 * time.Millisecond,
		HandshakeTimeout: 300 * time.Millisecond,
		TLSConfig:        &tls.Config{Certificates: []tls.Certificate{pki.issue("gateway")}},
	})
	uri := "sip:cti@" + ts.tcp + ";transport=tcp"

	t.Run("idle", func(t *testing.T) {
		p := dialTCPFrom(t, "127.0.0.1:0", ts.tcp)
		assert.True(t, p.closed(5*time.Second))
	})
	t.Run("activity keeps a connection", func(t *testing.T) {
		p := dialTCPFrom(t, "127.0.0.1:0", ts.tcp)
		for i := range 6 {
			time.Sleep(100 * time.Millisecond)
			p.send(sipRequest("OPTIONS", uri, "Via: SIP/2.0/TCP "+p.addr()+fmt.Sprintf(";branch=z9hG4bK-a%d", i), fmt.Sprintf("a%d@x", i), nil, ""))
			require.NotNil(t, p.response(3*time.Second))
		}
		assert.True(t, p.closed(5*time.Second))
	})
	t.Run("single CRLF keep-alives", func(t *testing.T) {
		// A client that sends a lone CRLF now and then is idle, not in
		// the middle of a message; a double CRLF gets a CRLF back (RFC
		// 5626).
		p := dialTCPFrom(t, "127.0.0.1:0", ts.tcp)
		for range 4 {
			p.send([]byte("\r\n"))
			time.Sleep(200 * time.Millisecond)
		}
		assert.False(t, p.closed(0), "closed as a message not finished in time")
		buf := make([]byte, 8)
		p2, err := net.Dial("tcp", ts.tcp)
		require.NoError(t, err)
		defer p2.Close()
		_, err = p2.Write([]byte("\r\n\r\n"))
		require.NoError(t, err)
		p2.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := io.ReadFull(p2, buf[:2])
		require.NoError(t, err)
		assert.Equal(t, "\r\n", string(buf[:n]))
	})
	t.Run("untrusted idle", func(t *testing.T) {
		p := dialTCPFrom(t, "127.0.0.2:0", ts.tcp)
		assert.True(t, p.closed(5*time.Second))
	})
	t.Run("half-sent INVITE", func(t *testing.T) {
		p := dialTCPFrom(t, "127.0.0.1:0", ts.tcp)
		inv := sipRequest("INVITE", uri, "Via: SIP/2.0/TCP "+p.addr()+";branch=z9hG4bK-h1", "h1@x",
			[]string{"Contact: <sip:alice@" + p.addr() + ";transport=tcp>", "Content-Type: application/csta+xml"}, rssBody)
		for i := range 3 {
			p.send(inv[i*40 : i*40+40])
			time.Sleep(50 * time.Millisecond)
		}
		assert.True(t, p.closed(5*time.Second), "slowloris connection still open")
		assert.Equal(t, 0, ts.handler.count())
	})
	t.Run("slowloris trickle", func(t *testing.T) {
		// Bytes that keep coming do not extend the message timeout.
		p := dialTCPFrom(t, "127.0.0.1:0", ts.tcp)
		inv := sipRequest("INVITE", uri, "Via: SIP/2.0/TCP "+p.addr()+";branch=z9hG4bK-h2", "h2@x", nil, rssBody)
		deadline := time.Now().Add(5 * time.Second)
		for i := 0; i < len(inv) && time.Now().Before(deadline); i++ {
			if _, err := p.c.Write(inv[i : i+1]); err != nil {
				break
			}
			if p.closed(50 * time.Millisecond) {
				break
			}
		}
		assert.True(t, p.closed(time.Second))
	})
	t.Run("TLS without ClientHello", func(t *testing.T) {
		p := dialTCPFrom(t, "127.0.0.1:0", ts.tls)
		assert.True(t, p.closed(5*time.Second))
	})
	t.Run("TLS works", func(t *testing.T) {
		c, err := tls.Dial("tcp", ts.tls, &tls.Config{RootCAs: pki.pool, ServerName: "127.0.0.1"})
		require.NoError(t, err)
		p := startTCPPeer(t, c)
		p.send(sipRequest("OPTIONS", "sip:cti@"+ts.tls+";transport=tls", "Via: SIP/2.0/TLS "+p.addr()+";branch=z9hG4bK-s1", "s1@x", nil, ""))
		res := p.response(5 * time.Second)
		require.NotNil(t, res)
		assert.Equal(t, 200, res.StatusCode)
	})
}

func TestFrontDoorDuplicateHeaders(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	cases := map[string][]string{
		"From":           {"From: <sip:mallory@example.com>;tag=m1"},
		"From compact":   {"f: <sip:mallory@example.com>;tag=m1"},
		"To":             {"To: <sip:other@example.com>"},
		"Call-ID":        {"Call-ID: other@x"},
		"CSeq":           {"CSeq: 2 INVITE"},
		"Content-Length": {"l: 0"}, // same value as the real one below
	}
	for _, tr := range transports {
		for name, extra := range cases {
			t.Run(tr+"/"+name, func(t *testing.T) {
				p := dialRaw(t, ts, tr)
				body := rssBody
				if name == "Content-Length" {
					body = ""
					extra = []string{"Content-Length: 0"}
				}
				p.invite(extra, body)
				res := p.response(sipmsg.INVITE)
				assert.Equal(t, 400, res.StatusCode)
				want := strings.Fields(name)[0]
				assert.Equal(t, "Duplicate "+want+" Header", res.Reason)
				// The stream is still in step.
				p.send("OPTIONS sip:cti@"+ts.addr(tr)+" SIP/2.0", []string{p.via(), "From: <sip:x@y>;tag=1", "To: <sip:cti@z>",
					"Call-ID: dup-" + name, "CSeq: 1 OPTIONS", "Max-Forwards: 70"}, "")
				assert.Equal(t, 200, p.response(sipmsg.OPTIONS).StatusCode)
			})
		}
	}
	assert.Equal(t, 0, ts.handler.count())

	t.Run("tcp/conflicting Content-Length", func(t *testing.T) {
		p := dialTCPFrom(t, "127.0.0.1:0", ts.tcp)
		req := sipRequest("OPTIONS", "sip:cti@"+ts.tcp, "Via: SIP/2.0/TCP "+p.addr()+";branch=z9hG4bK-cl", "cl@x", []string{"Content-Length: 40"}, "")
		p.send(req)
		res := p.response(5 * time.Second)
		require.NotNil(t, res)
		assert.Equal(t, 400, res.StatusCode)
		assert.Equal(t, "Conflicting Content-Length", res.Reason)
		assert.True(t, p.closed(5*time.Second), "framing is lost: the connection closes")
	})
	t.Run("tcp/no Content-Length", func(t *testing.T) {
		p := dialTCPFrom(t, "127.0.0.1:0", ts.tcp)
		req := bytes.Replace(sipRequest("OPTIONS", "sip:cti@"+ts.tcp, "Via: SIP/2.0/TCP "+p.addr()+";branch=z9hG4bK-ncl", "ncl@x", nil, ""),
			[]byte("Content-Length: 0\r\n"), nil, 1)
		p.send(req)
		res := p.response(5 * time.Second)
		require.NotNil(t, res)
		assert.Equal(t, 400, res.StatusCode)
		assert.Equal(t, "Missing Content-Length", res.Reason)
		p.send(sipRequest("OPTIONS", "sip:cti@"+ts.tcp, "Via: SIP/2.0/TCP "+p.addr()+";branch=z9hG4bK-ncl2", "ncl2@x", nil, ""))
		res = p.response(5 * time.Second)
		require.NotNil(t, res, "the connection stays")
		assert.Equal(t, 200, res.StatusCode)
	})
	t.Run("udp/Content-Length beyond the datagram", func(t *testing.T) {
		p := newUDPPeer(t, "127.0.0.1:0")
		req := bytes.Replace(sipRequest("OPTIONS", "sip:cti@"+ts.udp, "Via: SIP/2.0/UDP "+p.addr()+";branch=z9hG4bK-cl2", "cl2@x", nil, ""),
			[]byte("Content-Length: 0"), []byte("Content-Length: 50"), 1)
		p.send(ts.udp, req)
		res := p.response(5 * time.Second)
		require.NotNil(t, res)
		assert.Equal(t, 400, res.StatusCode)
	})
}

// captureHandler keeps the records at or above a level.
type captureHandler struct {
	level slog.Level
	mu    *sync.Mutex
	recs  *[]string
}

func newCapture(level slog.Level) captureHandler {
	return captureHandler{level: level, mu: new(sync.Mutex), recs: new([]string)}
}
func (h captureHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h captureHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	*h.recs = append(*h.recs, r.Level.String()+" "+r.Message)
	h.mu.Unlock()
	return nil
}
func (h captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h captureHandler) WithGroup(string) slog.Handler      { return h }
func (h captureHandler) records() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), *h.recs...)
}

func TestSipgoRoutineLogsAreDebug(t *testing.T) {
	own := newCapture(slog.LevelInfo)
	global := newCapture(slog.LevelInfo)
	prev := slog.Default()
	slog.SetDefault(slog.New(global))
	defer slog.SetDefault(prev)

	ts := startServer(t, ServerConfig{Logger: slog.New(own)})
	for _, tr := range transports {
		for i := range 4 {
			// A refused INVITE, its ACK, and the connection closed.
			p := dialRaw(t, ts, tr)
			d := p.invite(nil, "<bad")
			res := p.response(sipmsg.INVITE)
			require.Equal(t, 400, res.StatusCode)
			tag, _ := res.To().Params.Get("tag")
			p.send("ACK "+d.uri+" SIP/2.0", []string{d.via, "Max-Forwards: 70", "From: <sip:alice@example.com>;tag=" + d.fromTag,
				"To: <" + d.uri + ">;tag=" + tag, "Call-ID: " + d.callID, "CSeq: 1 ACK"}, "")
			if i%2 == 0 {
				p.close()
			}
			// A retransmitted response nobody waits for.
			p.send("SIP/2.0 200 OK", []string{"Via: SIP/2.0/" + strings.ToUpper(tr) + " " + ts.addr(tr) + ";branch=z9hG4bK-gone",
				"From: <sip:x@y>;tag=1", "To: <sip:cti@z>;tag=2", "Call-ID: gone", "CSeq: 1 INFO"}, "")
		}
		// OPTIONS, then the connection closed at once.
		for range 30 {
			p := dialRaw(t, ts, tr)
			p.send("OPTIONS sip:cti@"+ts.addr(tr)+" SIP/2.0", []string{p.via(), "From: <sip:x@y>;tag=1", "To: <sip:cti@z>",
				"Call-ID: o1", "CSeq: 1 OPTIONS", "Max-Forwards: 70"}, "")
			p.close()
		}
	}
	time.Sleep(300 * time.Millisecond)
	// Only the server's own information (listeners served) remains.
	noise := func(recs []string) []string {
		var out []string
		for _, r := range recs {
			if !strings.HasPrefix(r, "INFO serving SIP") {
				out = append(out, r)
			}
		}
		return out
	}
	assert.Empty(t, noise(own.records()), "the server's log")
	assert.Empty(t, noise(global.records()), "slog.Default")
}

func TestQuietHandlerKeepsRealErrors(t *testing.T) {
	c := newCapture(slog.LevelDebug)
	l := quiet(slog.New(c)).With("caller", "x")
	l.Error("Server tx failed to handle request", "error", io.EOF)
	l.Warn("TCP ref went negative")
	l.Error("something else")
	assert.Equal(t, []string{"DEBUG Server tx failed to handle request", "DEBUG TCP ref went negative", "ERROR something else"}, c.records())

	quietOnly := newCapture(slog.LevelInfo)
	quiet(slog.New(quietOnly)).Warn("TCP ref went negative")
	assert.Empty(t, quietOnly.records())
}

func TestFrontDoorConfig(t *testing.T) {
	h := &fakeHandler{}
	for _, name := range []string{"IdleTimeout", "HandshakeTimeout", "MessageTimeout", "MaxConns", "MaxConnsPerPeer", "MaxUDPTransactions"} {
		c := ServerConfig{Handler: h}
		switch name {
		case "IdleTimeout":
			c.IdleTimeout = -1
		case "HandshakeTimeout":
			c.HandshakeTimeout = -1
		case "MessageTimeout":
			c.MessageTimeout = -1
		case "MaxConns":
			c.MaxConns = -1
		case "MaxConnsPerPeer":
			c.MaxConnsPerPeer = -1
		case "MaxUDPTransactions":
			c.MaxUDPTransactions = -1
		}
		_, err := NewServer(c)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "ServerConfig."+name)
	}
	c, err := ServerConfig{Handler: h}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, DefaultIdleTimeout, c.IdleTimeout)
	assert.Equal(t, DefaultHandshakeTimeout, c.HandshakeTimeout)
	assert.Equal(t, DefaultMessageTimeout, c.MessageTimeout)
	assert.Equal(t, DefaultMaxConns, c.MaxConns)
	assert.Equal(t, DefaultMaxConnsPerPeer, c.MaxConnsPerPeer)
	assert.Equal(t, DefaultMaxUDPTransactions, c.MaxUDPTransactions)
	c, err = ServerConfig{Handler: h, SessionExpires: time.Hour}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, time.Hour+time.Minute, c.IdleTimeout)
}

func TestScanMessage(t *testing.T) {
	msg := []byte("INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP a.example:5070 ;branch=z9hG4bK1 ;received=1.2.3.4;rport=9, SIP/2.0/UDP b\r\n" +
		"v: SIP/2.0/TCP c\r\nFrom: <sip:a@b>\r\n ;tag=1\r\nTO : <sip:c@d> ; tag = x\r\ni: 1\r\nCSeq: 1 INVITE\r\nl: 3\r\n\r\nabc")
	m, err := scanMessage(msg)
	require.NoError(t, err)
	assert.True(t, m.request)
	assert.Equal(t, "INVITE", string(msg[m.method.start:m.method.end]))
	assert.Equal(t, 3, m.contentLength)
	assert.Equal(t, len(msg)-3, m.headersEnd)
	assert.Equal(t, 2, m.count[hVia])
	assert.Equal(t, "", m.duplicate())
	assert.Equal(t, "", m.malformed)
	assert.True(t, hasTag(msg, m.first[hTo]), "tag with white space (RFC 4475 wsinv)")
	assert.Equal(t, " <sip:a@b>\r\n ;tag=1", string(msg[m.first[hFrom].start:m.first[hFrom].end]))

	v, ok := parseTopVia(msg, m.first[hVia])
	require.True(t, ok)
	assert.Equal(t, "a.example", string(msg[v.host.start:v.host.end]))
	assert.Equal(t, 5070, v.port)
	assert.True(t, v.rport)
	src := netip.MustParseAddrPort("192.0.2.7:4000")
	got := appendAnnotatedVia(nil, msg, v, src)
	assert.Equal(t, "SIP/2.0/UDP a.example:5070 ;branch=z9hG4bK1 ;received=192.0.2.7;rport=4000", string(got))
	assert.Equal(t, uint16(4000), replyPort(v, src))

	ws := []byte("OPTIONS sip:x SIP/2.0\r\nVia  : SIP  /   2.0\r\n  /UDP\r\n    192.0.2.2:5070;rport;branch=z9hG4bK2\r\n\r\n")
	m, err = scanMessage(ws)
	require.NoError(t, err)
	v, ok = parseTopVia(ws, m.first[hVia])
	require.True(t, ok)
	assert.Equal(t, "192.0.2.2", string(ws[v.host.start:v.host.end]))
	assert.Equal(t, 5070, v.port)

	for in, want := range map[string]string{
		"OPTIONS sip:x SIP/2.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n": "Conflicting Content-Length",
		"OPTIONS sip:x SIP/2.0\r\nContent-Length: -1\r\n\r\n":                     "Bad Content-Length",
		"OPTIONS sip:x SIP/2.0\r\nFoo\r\n\r\n":                                    "Malformed Header Line",
		"OPTIONS sip:x SIP/2.0\r\nFoo: a\rb\r\n\r\n":                              "Bare CR or LF in Header",
		"OPTIONS sip:x SIP/2.0\r\nFoo: a\nVia: b\r\n\r\n":                         "Bare CR or LF in Header",
	} {
		m, err := scanMessage([]byte(in))
		require.NoError(t, err)
		assert.Equal(t, want, m.malformed, in)
	}
	_, err = scanMessage([]byte("HELLO\r\n\r\n"))
	assert.ErrorIs(t, err, errNotSIP)
	_, err = scanMessage([]byte("OPTIONS sip:x SIP/2.0\r\nVia: x\r\n"))
	assert.True(t, errors.Is(err, errIncomplete))
}
