package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// The CSTA bodies the harness sends, in the ECMA-323 edition 3 namespace as
// Communicator sends them. They are written by hand rather than encoded, so
// that the load generator spends little CPU on them; a test checks that
// they decode to what they stand for.
const (
	xmlDecl  = `<?xml version="1.0" encoding="UTF-8"?>`
	ed3      = `http://www.ecma-international.org/standards/ecma-323/csta/ed3`
	lcsNS    = `http://schemas.microsoft.com/Lcs/2005/04/RCCExtension`
	cstaType = "application/csta+xml"
	cstaDisp = "signal;handling=required"
)

func bodyRequestSystemStatus(line string) []byte {
	return []byte(xmlDecl + `<RequestSystemStatus xmlns="` + ed3 + `"><extensions><privateData><private><lcs:line xmlns:lcs="` +
		lcsNS + `">` + line + `</lcs:line></private></privateData></extensions></RequestSystemStatus>`)
}

func bodyMonitorStart(line string) []byte {
	return []byte(xmlDecl + `<MonitorStart xmlns="` + ed3 + `"><monitorObject><deviceObject>` + line + `</deviceObject></monitorObject></MonitorStart>`)
}

func bodyMonitorStop(xref string) []byte {
	return []byte(xmlDecl + `<MonitorStop xmlns="` + ed3 + `"><monitorCrossRefID>` + xref + `</monitorCrossRefID></MonitorStop>`)
}

func bodyMakeCall(line, called string) []byte {
	return []byte(xmlDecl + `<MakeCall xmlns="` + ed3 + `"><callingDevice>` + line + `</callingDevice><calledDirectoryNumber>` +
		called + `</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>`)
}

func bodyClearConnection(callID, line string) []byte {
	return []byte(xmlDecl + `<ClearConnection xmlns="` + ed3 + `"><connectionToBeCleared><callID>` + callID + `</callID><deviceID>` +
		line + `</deviceID></connectionToBeCleared></ClearConnection>`)
}

func bodySnapshotDevice(line string) []byte {
	return []byte(xmlDecl + `<SnapshotDevice xmlns="` + ed3 + `"><snapshotObject>` + line + `</snapshotObject></SnapshotDevice>`)
}

// element returns the text of the first <name>...</name> in body, or "".
func element(body []byte, name string) string {
	open := "<" + name + ">"
	i := bytes.Index(body, []byte(open))
	if i < 0 {
		return ""
	}
	rest := body[i+len(open):]
	j := bytes.IndexByte(rest, '<')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// rootName returns the local name of the root element of an XML body.
func rootName(body []byte) string {
	for {
		i := bytes.IndexByte(body, '<')
		if i < 0 || i+1 >= len(body) {
			return ""
		}
		body = body[i+1:]
		if body[0] != '?' && body[0] != '!' {
			break
		}
	}
	name, _ := localName(body)
	return name
}

// localName reads the element name at the start of b (just after '<') and
// returns its local part and what follows the name.
func localName(b []byte) (name string, rest []byte) {
	end := bytes.IndexAny(b, " \t\r\n/>")
	if end < 0 {
		return "", nil
	}
	n := b[:end]
	if k := bytes.IndexByte(n, ':'); k >= 0 {
		n = n[k+1:]
	}
	return string(n), b[end:]
}

// endpoint is one client user agent: over TCP one connection to the
// target, over UDP one socket. Many sessions share it, as OCS carries many
// users' dialogs over one connection.
type endpoint struct {
	ua        *sipgo.UserAgent
	cli       *sipgo.Client
	srv       *sipgo.Server
	transport string // "TCP" or "UDP"
	host      string // local host for Contact
	port      int    // local port for Contact (UDP: the socket's)
	pc        net.PacketConn
	stats     *stats
	log       *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session // by Call-ID, for requests from the target
}

// newEndpoint starts a client user agent.
func newEndpoint(transport string, st *stats, log *slog.Logger) (*endpoint, error) {
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("rcc-loadgen"),
		sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(log)),
	)
	if err != nil {
		return nil, err
	}
	e := &endpoint{ua: ua, transport: strings.ToUpper(transport), host: "127.0.0.1", port: 5060, stats: st, log: log,
		sessions: make(map[string]*session)}
	opts := []sipgo.ClientOption{sipgo.WithClientLogger(log), sipgo.WithClientHostname("127.0.0.1")}
	if e.transport == "UDP" {
		if e.pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			ua.Close()
			return nil, err
		}
		if u, ok := e.pc.(*net.UDPConn); ok {
			_ = u.SetReadBuffer(4 << 20)
			_ = u.SetWriteBuffer(4 << 20)
		}
		e.port = e.pc.LocalAddr().(*net.UDPAddr).Port
		addr := e.pc.LocalAddr().String()
		opts = append(opts, sipgo.WithClientConnectionAddr(addr), sipgo.WithClientPort(e.port))
	}
	if e.cli, err = sipgo.NewClient(ua, opts...); err == nil {
		e.srv, err = sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	}
	if err != nil {
		e.close()
		return nil, err
	}
	e.srv.OnInfo(e.onInfo)
	e.srv.OnBye(e.onBye)
	e.srv.OnAck(func(*sipmsg.Request, sipmsg.ServerTransaction) {})
	e.srv.OnOptions(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
	})
	if e.pc != nil {
		go func() { _ = e.srv.ServeUDP(e.pc) }()
		// Requests leave from the socket only once sipgo has it in its
		// connection pool; until then it would try to bind the port again.
		addr := e.pc.LocalAddr().String()
		for i := 0; ; i++ {
			if c, err := ua.TransportLayer().GetConnection("udp", addr); err == nil && c != nil {
				c.TryClose() // undo the reference GetConnection took
				break
			}
			if i == 1000 {
				e.close()
				return nil, fmt.Errorf("the UDP socket %s was not served", addr)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return e, nil
}

func (e *endpoint) close() {
	_ = e.ua.Close()
	if e.pc != nil {
		_ = e.pc.Close()
	}
}

// onInfo answers an event INFO from the target and counts it.
func (e *endpoint) onInfo(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	body := req.Body()
	_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
	if len(body) == 0 {
		return
	}
	name := rootName(body)
	if !strings.HasSuffix(name, "Event") {
		e.stats.fail("unexpected INFO from target: " + name)
		return
	}
	e.stats.event(name)
}

// onBye answers a BYE from the target: the session it ends is lost.
func (e *endpoint) onBye(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
	id := ""
	if c := req.CallID(); c != nil {
		id = string(*c)
	}
	e.mu.Lock()
	s := e.sessions[id]
	e.mu.Unlock()
	if s != nil {
		s.gone.Store(true)
	}
	e.stats.fail("BYE from target")
}

// session is one TR/87 dialog of the harness.
type session struct {
	ep     *endpoint
	line   string
	callID sipmsg.CallIDHeader
	from   sipmsg.FromHeader
	to     sipmsg.ToHeader
	target sipmsg.Uri
	routes []string
	cseq   uint32
	xref   string
	call   string // callID of the call in progress, "" when none
	gone   atomic.Bool
}

var errGone = errors.New("session ended by the target")

// open sends the INVITE with RequestSystemStatus and acknowledges the 200
// OK.
func (e *endpoint) open(ctx context.Context, gw sipmsg.Uri, aor, line string, sessionExpires int) (*session, error) {
	var from sipmsg.Uri
	if err := sipmsg.ParseUri(aor, &from); err != nil {
		return nil, fmt.Errorf("user %q: %w", aor, err)
	}
	s := &session{ep: e, line: line, cseq: 1,
		callID: sipmsg.CallIDHeader(strings.ToLower(rand.Text())),
		from:   sipmsg.FromHeader{Address: from, Params: sipmsg.HeaderParams{{K: "tag", V: strings.ToLower(rand.Text()[:12])}}},
		to:     sipmsg.ToHeader{Address: *gw.Clone()},
	}
	s.to.Address.UriParams = nil
	req := sipmsg.NewRequest(sipmsg.INVITE, *gw.Clone())
	s.headers(req, sipmsg.INVITE, 1)
	contact := sipmsg.Uri{Scheme: "sip", User: from.User, Host: e.host, Port: e.port}
	if e.transport != "UDP" {
		contact.UriParams = sipmsg.HeaderParams{{K: "transport", V: strings.ToLower(e.transport)}}
	}
	req.AppendHeader(&sipmsg.ContactHeader{Address: contact})
	req.AppendHeader(sipmsg.NewHeader("Supported", "timer"))
	req.AppendHeader(sipmsg.NewHeader("Session-Expires", fmt.Sprintf("%d;refresher=uac", sessionExpires)))
	s.body(req, bodyRequestSystemStatus(line))

	e.mu.Lock()
	e.sessions[string(s.callID)] = s
	e.mu.Unlock()
	res, err := e.cli.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != 200 {
		return nil, fmt.Errorf("INVITE: %d %s", res.StatusCode, res.Reason)
	}
	if element(res.Body(), "systemStatus") != "normal" {
		return nil, fmt.Errorf("INVITE: systemStatus %q", element(res.Body(), "systemStatus"))
	}
	if tag, ok := res.To().Params.Get("tag"); ok {
		s.to.Params = sipmsg.HeaderParams{{K: "tag", V: tag}}
	}
	if c := res.Contact(); c != nil {
		s.target = *c.Address.Clone()
	} else {
		s.target = *gw.Clone()
	}
	for _, h := range res.GetHeaders("Record-Route") {
		s.routes = append([]string{h.Value()}, s.routes...)
	}
	ack := sipmsg.NewRequest(sipmsg.ACK, *s.target.Clone())
	s.headers(ack, sipmsg.ACK, 1)
	ack.SetBody(nil)
	if err := e.cli.WriteRequest(ack); err != nil {
		return nil, fmt.Errorf("ACK: %w", err)
	}
	return s, nil
}

// headers adds the dialog's headers to a request.
func (s *session) headers(req *sipmsg.Request, method sipmsg.RequestMethod, cseq uint32) {
	req.AppendHeader(sipmsg.HeaderClone(&s.from))
	req.AppendHeader(sipmsg.HeaderClone(&s.to))
	callID := s.callID
	req.AppendHeader(&callID)
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: cseq, MethodName: method})
	maxFwd := sipmsg.MaxForwardsHeader(70)
	req.AppendHeader(&maxFwd)
	for _, r := range s.routes {
		req.AppendHeader(sipmsg.NewHeader("Route", r))
	}
	req.SetTransport(s.ep.transport)
}

// body sets a CSTA body.
func (s *session) body(req *sipmsg.Request, b []byte) {
	ct := sipmsg.ContentTypeHeader(cstaType)
	req.AppendHeader(&ct)
	req.AppendHeader(sipmsg.NewHeader("Content-Disposition", cstaDisp))
	req.SetBody(b)
}

// info sends a CSTA request in an INFO and returns the 200 OK's body. A
// CSTAErrorCode answer is an error.
func (s *session) info(ctx context.Context, body []byte) ([]byte, error) {
	if s.gone.Load() {
		return nil, errGone
	}
	s.cseq++
	req := sipmsg.NewRequest(sipmsg.INFO, *s.target.Clone())
	s.headers(req, sipmsg.INFO, s.cseq)
	if len(s.routes) > 0 {
		if u, ok := routeHop(s.routes[0]); ok {
			req.SetDestination(u)
		}
	}
	s.body(req, body)
	res, err := s.ep.cli.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != 200 {
		return nil, fmt.Errorf("%d %s", res.StatusCode, res.Reason)
	}
	b := res.Body()
	if bytes.Contains(b, []byte("CSTAErrorCode")) {
		return b, fmt.Errorf("CSTAErrorCode %s", firstErrorValue(b))
	}
	return b, nil
}

// bye ends the session.
func (s *session) bye(ctx context.Context) error {
	defer func() {
		s.ep.mu.Lock()
		delete(s.ep.sessions, string(s.callID))
		s.ep.mu.Unlock()
	}()
	if s.gone.Load() {
		return errGone
	}
	s.cseq++
	req := sipmsg.NewRequest(sipmsg.BYE, *s.target.Clone())
	s.headers(req, sipmsg.BYE, s.cseq)
	req.SetBody(nil)
	res, err := s.ep.cli.Do(ctx, req)
	if err != nil {
		return err
	}
	if res.StatusCode != 200 {
		return fmt.Errorf("BYE: %d %s", res.StatusCode, res.Reason)
	}
	return nil
}

// firstErrorValue returns the category and value of a CSTAErrorCode, such
// as "operation/invalidCallID".
func firstErrorValue(b []byte) string {
	rest := b[bytes.Index(b, []byte("CSTAErrorCode")):]
	j := bytes.IndexByte(rest, '<')
	if j < 0 {
		return ""
	}
	category, rest := localName(rest[j+1:])
	k := bytes.IndexByte(rest, '>')
	l := bytes.IndexByte(rest, '<')
	if k < 0 || l < k {
		return category
	}
	return category + "/" + string(bytes.TrimSpace(rest[k+1:l]))
}

// routeHop returns host:port of a Route header value.
func routeHop(route string) (string, bool) {
	v := strings.TrimSpace(route)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			v = v[i+1 : i+j]
		}
	}
	var u sipmsg.Uri
	if err := sipmsg.ParseUri(v, &u); err != nil {
		return "", false
	}
	port := u.Port
	if port == 0 {
		port = 5060
	}
	return net.JoinHostPort(u.Host, fmt.Sprint(port)), true
}
