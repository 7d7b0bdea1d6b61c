package sip

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/require"
)

// rawPeer is a SIP peer for tests that writes messages as text to a real
// socket and parses what comes back, so tests control every byte the
// server sees.
type rawPeer struct {
	t         testing.TB
	transport string // "UDP" or "TCP"
	server    string
	conn      net.Conn       // TCP
	pc        net.PacketConn // UDP
	local     string
	msgs      chan sipmsg.Message
	seq       atomic.Int64
	// manualBye makes BYE requests from the server wait for the test to
	// answer them; by default the peer answers them 200 at once.
	manualBye atomic.Bool
	// paused, while the peer does not read its TCP connection
	// (pauseReading), is closed to read again; readDone is closed when
	// reading it ends.
	paused   atomic.Pointer[chan struct{}]
	readDone chan struct{}
}

// dialRaw connects a raw peer to the test server over "udp" or "tcp". The
// peer is closed after the server has shut down.
func dialRaw(t testing.TB, ts *testServer, transport string) *rawPeer {
	t.Helper()
	server := ts.addr(transport)
	p := &rawPeer{t: t, transport: strings.ToUpper(transport), server: server, msgs: make(chan sipmsg.Message, 1024),
		readDone: make(chan struct{})}
	parser := newParser(1 << 20)
	if p.transport == "UDP" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		p.pc, p.local = pc, pc.LocalAddr().String()
		go func() {
			buf := make([]byte, 65536)
			for {
				n, _, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				if m, err := parser.ParseSIP(append([]byte(nil), buf[:n]...)); err == nil {
					p.received(m)
				}
			}
		}()
	} else {
		c, err := net.Dial("tcp", server)
		require.NoError(t, err)
		p.conn, p.local = c, c.LocalAddr().String()
		go func() {
			defer close(p.readDone)
			st := parser.NewSIPStream()
			buf := make([]byte, 65536)
			for {
				if g := p.paused.Load(); g != nil {
					<-*g
				}
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				st.ParseSIPStream(buf[:n], p.received)
			}
		}()
	}
	ts.mu.Lock()
	ts.peers = append(ts.peers, p)
	ts.mu.Unlock()
	return p
}

// received takes a message from the server.
func (p *rawPeer) received(m sipmsg.Message) {
	if req, ok := m.(*sipmsg.Request); ok && req.Method == sipmsg.BYE && !p.manualBye.Load() {
		p.answer(req, 200, "OK")
	}
	select {
	case p.msgs <- m:
	default:
	}
}

// pauseReading stops reading the TCP connection (after the read under
// way, if any) until resumeReading.
func (p *rawPeer) pauseReading() {
	g := make(chan struct{})
	p.paused.Store(&g)
}

// resumeReading reads the TCP connection again.
func (p *rawPeer) resumeReading() {
	if g := p.paused.Swap(nil); g != nil {
		close(*g)
	}
}

func (p *rawPeer) close() {
	if p.pc != nil {
		p.pc.Close()
	}
	if p.conn != nil {
		p.conn.Close()
	}
}

// send writes a message given as lines; Content-Length is added.
func (p *rawPeer) send(startLine string, headers []string, body string) {
	var b strings.Builder
	b.WriteString(startLine + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	p.write([]byte(b.String()))
}

func (p *rawPeer) write(data []byte) {
	var err error
	if p.pc != nil {
		var addr *net.UDPAddr
		if addr, err = net.ResolveUDPAddr("udp", p.server); err == nil {
			_, err = p.pc.WriteTo(data, addr)
		}
	} else {
		_, err = p.conn.Write(data)
	}
	if err != nil {
		p.t.Logf("raw peer: write: %v", err)
	}
}

// next returns the next message, failing after a bounded wait.
func (p *rawPeer) next() sipmsg.Message {
	p.t.Helper()
	select {
	case m := <-p.msgs:
		return m
	case <-time.After(10 * time.Second):
		p.t.Fatal("no SIP message from the server")
		return nil
	}
}

// none checks that no message comes within d.
func (p *rawPeer) none(d time.Duration) {
	p.t.Helper()
	select {
	case m := <-p.msgs:
		p.t.Fatalf("unexpected message: %s", firstLine(m))
	case <-time.After(d):
	}
}

// response returns the next final response to method, skipping provisional
// responses (and nothing else).
func (p *rawPeer) response(method sipmsg.RequestMethod) *sipmsg.Response {
	p.t.Helper()
	for {
		m := p.next()
		res, ok := m.(*sipmsg.Response)
		require.True(p.t, ok, "expected a response to %s, got %s", method, firstLine(m))
		if res.IsProvisional() {
			continue
		}
		require.Equal(p.t, method, res.CSeq().MethodName, "response %s", res.StartLine())
		return res
	}
}

// request returns the next request, which must have the method.
func (p *rawPeer) request(method sipmsg.RequestMethod) *sipmsg.Request {
	p.t.Helper()
	for {
		m := p.next()
		if res, ok := m.(*sipmsg.Response); ok && res.IsProvisional() {
			continue
		}
		req, ok := m.(*sipmsg.Request)
		require.True(p.t, ok, "expected a %s request, got %s", method, firstLine(m))
		if req.Method == sipmsg.INVITE || req.Method == method {
			require.Equal(p.t, method, req.Method)
			return req
		}
		require.Equal(p.t, method, req.Method)
	}
}

// answer responds to a request from the server.
func (p *rawPeer) answer(req *sipmsg.Request, code int, reason string, extra ...string) {
	headers := make([]string, 0, 8)
	for _, v := range req.GetHeaders("Via") {
		headers = append(headers, "Via: "+v.Value())
	}
	headers = append(headers,
		"From: "+req.From().Value(),
		"To: "+req.To().Value(),
		"Call-ID: "+req.CallID().Value(),
		"CSeq: "+req.CSeq().Value())
	headers = append(headers, extra...)
	p.send(fmt.Sprintf("SIP/2.0 %d %s", code, reason), headers, "")
}

// via returns a Via header for a new request from the peer.
func (p *rawPeer) via() string {
	return fmt.Sprintf("Via: SIP/2.0/%s %s;branch=z9hG4bK-%d-%d", p.transport, p.local, time.Now().UnixNano(), p.seq.Add(1))
}

// contact returns the peer's Contact header.
func (p *rawPeer) contact(params string) string {
	t := ""
	if p.transport == "TCP" {
		t = ";transport=tcp"
	}
	return "Contact: <sip:alice@" + p.local + t + params + ">"
}

// rawDialog is a dialog a rawPeer opened.
type rawDialog struct {
	p       *rawPeer
	callID  string
	fromTag string
	toTag   string
	cseq    int
	uri     string
	via     string // of the INVITE
	ok      *sipmsg.Response
}

// rssBody is the INVITE body Communicator sends.
const rssBody = `<?xml version="1.0"?>
<RequestSystemStatus xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <extensions><privateData><private>
    <lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">tel:1001;phone-context=dialstring</lcs:line>
  </private></privateData></extensions>
</RequestSystemStatus>`

// invite sends an INVITE and returns the dialog; extra headers are added.
func (p *rawPeer) invite(extra []string, body string) *rawDialog {
	d := &rawDialog{p: p, callID: fmt.Sprintf("call-%d-%d@test", time.Now().UnixNano(), p.seq.Add(1)),
		fromTag: fmt.Sprintf("ft%d", p.seq.Add(1)), cseq: 1, uri: "sip:cti@" + p.server}
	d.via = p.via()
	headers := []string{
		d.via,
		"Max-Forwards: 70",
		`From: "Alice" <sip:alice@example.com>;tag=` + d.fromTag + ";epid=bd23d94254",
		"To: <" + d.uri + ">",
		"Call-ID: " + d.callID,
		"CSeq: 1 INVITE",
		p.contact(""),
		"Supported: timer",
		"Content-Type: application/csta+xml",
		"Content-Disposition: signal;handling=required",
	}
	headers = append(headers, extra...)
	p.send("INVITE "+d.uri+" SIP/2.0", headers, body)
	return d
}

// inviteWith sends an INVITE with the given Contact (and extra headers).
func (p *rawPeer) inviteWith(contact string, extra []string, body string) *rawDialog {
	d := &rawDialog{p: p, callID: fmt.Sprintf("call-%d-%d@test", time.Now().UnixNano(), p.seq.Add(1)),
		fromTag: fmt.Sprintf("ft%d", p.seq.Add(1)), cseq: 1, uri: "sip:cti@" + p.server}
	d.via = p.via()
	headers := append([]string{
		d.via,
		"Max-Forwards: 70",
		"From: <sip:alice@example.com>;tag=" + d.fromTag,
		"To: <" + d.uri + ">",
		"Call-ID: " + d.callID,
		"CSeq: 1 INVITE",
		contact,
		"Content-Type: application/csta+xml",
	}, extra...)
	p.send("INVITE "+d.uri+" SIP/2.0", headers, body)
	return d
}

// open sends an INVITE, expects 200, sends the ACK and returns the dialog.
func (p *rawPeer) open(extra ...string) *rawDialog {
	p.t.Helper()
	d := p.invite(extra, rssBody)
	res := p.response(sipmsg.INVITE)
	require.Equal(p.t, 200, res.StatusCode, res.StartLine())
	d.ok = res
	d.toTag, _ = res.To().Params.Get("tag")
	d.ack()
	return d
}

// ack acknowledges the 2xx with the dialog's current CSeq.
func (d *rawDialog) ack() {
	d.p.send("ACK "+d.uri+" SIP/2.0", d.headers("ACK"), "")
}

// headers returns the in-dialog headers of a new request.
func (d *rawDialog) headers(method string) []string {
	if method != "ACK" {
		d.cseq++
	}
	return []string{
		d.p.via(),
		"Max-Forwards: 70",
		`From: "Alice" <sip:alice@example.com>;tag=` + d.fromTag + ";epid=bd23d94254",
		"To: <" + d.uri + ">;tag=" + d.toTag,
		"Call-ID: " + d.callID,
		fmt.Sprintf("CSeq: %d %s", d.cseq, method),
	}
}

// info sends an INFO with a CSTA body and returns the final response.
func (d *rawDialog) info(body string, extra ...string) *sipmsg.Response {
	h := append(d.headers("INFO"), extra...)
	if body != "" && len(extra) == 0 {
		h = append(h, "Content-Type: application/csta+xml")
	}
	d.p.send("INFO "+d.uri+" SIP/2.0", h, body)
	return d.p.response(sipmsg.INFO)
}

const makeCallBody = `<?xml version="1.0"?>
<MakeCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <callingDevice>tel:1001;phone-context=dialstring</callingDevice>
  <calledDirectoryNumber>tel:2000</calledDirectoryNumber>
  <autoOriginate>doNotPrompt</autoOriginate>
</MakeCall>`

// firstLine returns the start line of a message.
func firstLine(m sipmsg.Message) string {
	line, _, _ := strings.Cut(m.String(), "\r\n")
	return line
}
