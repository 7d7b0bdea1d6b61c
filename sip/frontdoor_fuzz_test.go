package sip

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// FuzzFrontDoor feeds the raw bytes a peer can send through the front door,
// as a UDP datagram and as a TCP stream cut in two reads, from a trusted
// and from an untrusted address, and checks what it lets through to sipgo
// and what it answers:
//   - nothing from an untrusted peer reaches sipgo, and all it gets back
//     are 403 responses no longer than what it sent plus a few headers;
//   - over TCP, every message handed to sipgo is framed as sipgo's own
//     stream parser frames it (no message smuggled inside another);
//   - a request handed to sipgo has at most one From, To, Call-ID, CSeq
//     and Content-Length, and its top Via names the source address in
//     received and rport whenever sipgo would route by them;
//   - every answer the front door writes itself is a SIP response.
func FuzzFrontDoor(f *testing.F) {
	for _, s := range []string{
		string(sipRequest("OPTIONS", "sip:cti@127.0.0.1", "Via: SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bK1", "a@b", nil, "")),
		string(sipRequest("INVITE", "sip:cti@127.0.0.1", "v: SIP/2.0/TCP evil.example:5060;received=10.9.9.9;rport=9;branch=z9hG4bK2", "a@b",
			[]string{"f: <sip:mallory@x>;tag=2", "Content-Type: application/csta+xml"}, rssBody)),
		"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP [::1]:5;branch=z9hG4bK3\r\nContent-Length: 4\r\nl: 5\r\n\r\nabcde",
		"\r\n\r\n\r\nACK sip:x SIP/2.0\r\nVia: SIP/2.0/TCP a\r\nTo: <sip:a>\r\n ;tag=1\r\nContent-Length: 0\r\n\r\nINFO sip:x SIP/2.0\r\nContent-Length: 1\r\n\r\nx",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK4\r\nCSeq: 1 INFO\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=\"a,b\";rport, SIP/2.0/UDP g\r\nFrom: a\rb\r\n\r\n",
		strings.NewReplacer("$TRANSPORT", "UDP", "$VIA", "127.0.0.1:5070").Replace(tortureWsinv),
		strings.NewReplacer("$TRANSPORT", "TCP", "$VIA", "h").Replace(tortureInv2543),
		string(sipRequest("CANCEL", "sip:cti@127.0.0.1", "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK5", "a@b", nil, "")),
	} {
		f.Add([]byte(s), uint16(len(s)/2), true)
		f.Add([]byte(s), uint16(7), false)
	}
	srv, err := NewServer(ServerConfig{Handler: &fakeHandler{}, TrustedPeers: onlyLocalhost, MaxBodySize: 4096})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	parser := newParser(1 << 20)
	f.Fuzz(func(t *testing.T, data []byte, split uint16, trusted bool) {
		src := netip.MustParseAddrPort("192.0.2.1:5070")
		if trusted {
			src = netip.MustParseAddrPort("127.0.0.1:5070")
		}
		// UDP.
		pc := &fuzzPacketConn{}
		fc := &frontPacketConn{PacketConn: pc, s: srv}
		b := make([]byte, maxReadSize)
		n := copy(b, data)
		out := fc.datagram(b, n, src)
		if !trusted && out > 0 {
			t.Fatalf("an untrusted datagram reached sipgo: %q", b[:out])
		}
		checkAnswers(t, pc.written, trusted, len(data))
		if out > 0 {
			if m, err := parser.ParseSIP(b[:out]); err == nil {
				checkPassed(t, m, src)
			}
		}

		// TCP.
		cut := min(int(split), len(data))
		conn := &fuzzConn{chunks: [][]byte{data[:cut], data[cut:]}}
		c := &frontConn{Conn: conn, s: srv, src: src, transport: "TCP", trusted: trusted, release: func() {}}
		c.touch()
		for range 1000 {
			if c.frame() != nil {
				break
			}
			if len(c.out) == 0 {
				continue
			}
			if !trusted {
				t.Fatalf("an untrusted message reached sipgo: %q", c.out)
			}
			msg := c.out
			c.out = nil
			m, used, err := parser.Parse(msg, true)
			if err == nil && used != len(msg) {
				t.Fatalf("sipgo frames %d bytes of a %d-byte message: %q", used, len(msg), msg)
			}
			if err == nil {
				checkPassed(t, m, src)
			}
		}
		var answers [][]byte
		for w := conn.written.Bytes(); len(w) > 0; {
			if bytes.HasPrefix(w, []byte("\r\n")) {
				w = w[2:] // a keep-alive pong
				continue
			}
			end := bytes.Index(w, []byte("\r\n\r\n"))
			if end < 0 {
				t.Fatalf("front door wrote a cut message: %q", w)
			}
			answers = append(answers, w[:end+4])
			w = w[end+4:]
		}
		checkAnswers(t, answers, trusted, len(data))
	})
}

// checkAnswers checks the responses the front door wrote: SIP responses
// in form (their values echo the request's, which need not parse), 403
// for an untrusted peer, not much longer than the request.
func checkAnswers(t *testing.T, written [][]byte, trusted bool, inLen int) {
	t.Helper()
	for _, w := range written {
		m, err := scanMessage(w)
		if err != nil || m.request || m.malformed != "" || m.headersEnd != len(w) || !bytes.HasPrefix(w, []byte("SIP/2.0 ")) {
			t.Fatalf("front door wrote something that is not a SIP response (%v, %q): %q", err, m.malformed, w)
		}
		if !trusted && !bytes.HasPrefix(w, []byte("SIP/2.0 403 ")) {
			t.Fatalf("untrusted peer got %q", w)
		}
		if len(w) > inLen+200 {
			t.Fatalf("answer of %d bytes to %d bytes", len(w), inLen)
		}
	}
}

// checkPassed checks a message the front door let through to sipgo.
func checkPassed(t *testing.T, m sipmsg.Message, src netip.AddrPort) {
	t.Helper()
	req, ok := m.(*sipmsg.Request)
	if !ok {
		return
	}
	for _, h := range []string{"From", "To", "Call-ID", "CSeq", "Content-Length"} {
		if n := len(req.GetHeaders(h)); n > 1 {
			t.Fatalf("%d %s headers passed: %q", n, h, req.String())
		}
	}
	v := req.Via()
	if v == nil {
		return
	}
	if r, ok := v.Params.Get("received"); ok {
		if a, err := netip.ParseAddr(r); err != nil || a != src.Addr() {
			t.Fatalf("received=%q passed from %v", r, src)
		}
	} else if a, err := netip.ParseAddr(v.Host); err == nil && a.Unmap() != src.Addr() {
		t.Fatalf("sent-by %q without received passed from %v", v.Host, src)
	}
	if r, ok := v.Params.Get("rport"); ok && r != "" && r != strconv.Itoa(int(src.Port())) {
		t.Fatalf("rport=%q passed from %v", r, src)
	}
}

// fuzzPacketConn records what is written to it.
type fuzzPacketConn struct {
	net.PacketConn
	written [][]byte
}

func (c *fuzzPacketConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	c.written = append(c.written, bytes.Clone(b))
	return len(b), nil
}

// fuzzConn reads its chunks, then EOF, and records what is written.
type fuzzConn struct {
	net.Conn
	chunks  [][]byte
	written bytes.Buffer
}

func (c *fuzzConn) Read(b []byte) (int, error) {
	for len(c.chunks) > 0 && len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(b, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	return n, nil
}
func (c *fuzzConn) Write(b []byte) (int, error)      { return c.written.Write(b) }
func (c *fuzzConn) Close() error                     { return nil }
func (c *fuzzConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fuzzConn) SetWriteDeadline(time.Time) error { return nil }
