package sip

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/rcc-go/rcc/csta"
)

// ClientSession is an open TR/87 session with a gateway: one SIP dialog
// opened by [Dial]. It sends CSTA requests with Do and its helpers,
// delivers the gateway's events to ClientConfig.OnEvent, refreshes the
// dialog before its session interval runs out, and ends with Close. Its
// methods are safe for concurrent use; requests are sent one at a time, in
// the order callers get their turn, because some gateways refuse
// overlapping INFO transactions.
type ClientSession struct {
	stack
	cfg *clientSetup
	log *slog.Logger

	listener io.Closer
	leg      leg
	localTag string
	via      viaAddr
	contact  *sipmsg.ContactHeader
	laddr    sipmsg.Addr // UDP: the listener, so requests leave from it
	body     []byte      // the INVITE body, sent again to refresh
	auth     *clientAuth // digest credentials; nil without a password
	slot     chan struct{}
	events   chan csta.Event
	done     chan struct{} // closed when the session ends
	drained  chan struct{} // closed after the last OnEvent and OnClose
	serving  gate          // serve loops
	calls    cancelSet     // requests in flight
	dead     atomic.Bool   // the user agent is closed: handle nothing more

	mu        sync.Mutex
	remoteTag string
	refresher *time.Timer
	crossRef  csta.MonitorCrossRefID
	monitored bool         // a monitor was started: filter events by crossRef
	starting  int          // MonitorStart requests in flight
	held      []csta.Event // events that came while a MonitorStart was in flight
	ended     bool
	err       error
	closeOnce sync.Once
}

// Dial opens a session: it sends the INVITE with RequestSystemStatus and
// the Line URI, acknowledges the answer, and checks that the gateway's
// systemStatus is normal. A refusal is returned as a *RefusalError, a status
// other than normal as an error wrapping ErrSystemStatus (the dialog is
// then ended with BYE). If ctx ends before the answer, the INVITE is
// cancelled.
func Dial(ctx context.Context, cfg ClientConfig) (*ClientSession, error) {
	st, err := cfg.setup()
	if err != nil {
		return nil, err
	}
	log := st.Logger.With("component", "sip-client")
	stk, err := newStack(st.UserAgent, csta.DefaultMaxSize, st.UDPMaxMessageSize, st.TLSConfig, log)
	if err != nil {
		return nil, err
	}
	c := &ClientSession{
		stack:    stk,
		cfg:      st,
		log:      log,
		localTag: strings.ToLower(rand.Text()),
		slot:     make(chan struct{}, 1),
		events:   make(chan csta.Event, st.EventQueueSize),
		done:     make(chan struct{}),
		drained:  make(chan struct{}),
	}
	c.leg.callID = sipmsg.CallIDHeader(strings.ToLower(rand.Text()))
	if st.Password != "" {
		c.auth = &clientAuth{user: st.AuthUser, password: st.Password}
	}
	c.leg.transport = st.transport
	c.sgs.OnInfo(c.guard(c.onInfo))
	c.sgs.OnBye(c.guard(c.onBye))
	c.sgs.OnInvite(c.guard(c.onInvite))
	c.sgs.OnUpdate(c.guard(c.onInvite)) // a refresh of the gateway's, answered alike
	c.sgs.OnAck(c.guard(func(*sipmsg.Request, sipmsg.ServerTransaction) {}))
	c.sgs.OnOptions(c.guard(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
	}))
	c.sgs.OnNoRoute(c.guard(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if !req.IsAck() {
			res := sipmsg.NewResponseFromRequest(req, 405, "Method Not Allowed", nil)
			res.AppendHeader(sipmsg.NewHeader("Allow", allowMethods))
			tx.Respond(res)
		}
	}))
	if err := c.listen(ctx); err != nil {
		c.teardown()
		return nil, err
	}
	if err := c.invite(ctx); err != nil {
		c.teardown()
		return nil, err
	}
	go c.dispatch()
	if st.KeepAlive > 0 {
		go c.keepAlive()
		if st.transport != "UDP" {
			go c.watchConn(c.openConn())
		}
	}
	return c, nil
}

// keepAliveMax bounds how long a keepalive OPTIONS waits for its answer.
var keepAliveMax = 64 * sipmsg.T1

// keepAlive sends OPTIONS in the dialog every ClientConfig.KeepAlive and
// ends the session when the gateway does not answer or no longer knows
// the dialog.
func (c *ClientSession) keepAlive() {
	every := c.cfg.KeepAlive
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), min(every, keepAliveMax))
		res, err := c.call(ctx, c.newRequest(sipmsg.OPTIONS, 0))
		cancel()
		switch {
		case c.isEnded() || errors.Is(err, ErrDialogEnded):
			return
		case err != nil:
			c.log.Warn("keepalive got no answer", "error", err)
			c.finish(fmt.Errorf("sip: keepalive: %w", err))
			return
		case res.StatusCode == 481:
			c.finish(fmt.Errorf("sip: keepalive: %w", ErrDialogGone))
			return
		}
	}
}

// nextHop returns the host:port an in-dialog request goes to: the route
// set's first entry, the outbound proxy, or the gateway's Contact.
func (c *ClientSession) nextHop() string {
	c.leg.mu.Lock()
	target, hop, routed := c.leg.target, c.leg.firstHop, len(c.leg.routes) > 0
	c.leg.mu.Unlock()
	switch {
	case hop != "":
		return hop
	case !routed && c.cfg.proxied:
		return c.cfg.firstHop
	}
	return hostPort(&target, c.cfg.transport)
}

// connCheck is the longest time between two looks at the dialog's
// connection (see watchConn).
const connCheck = 250 * time.Millisecond

// openConn returns the next hop of the dialog's requests when the
// transport has a connection open to it, or "".
func (c *ClientSession) openConn() string {
	addr := c.nextHop()
	if h, _, err := net.SplitHostPort(addr); err != nil || net.ParseIP(h) == nil {
		// Not resolved here; the OPTIONS keepalive covers it.
		return ""
	}
	conn, err := c.ua.TransportLayer().GetConnection(strings.ToLower(c.cfg.transport), addr)
	if err != nil || conn == nil {
		return ""
	}
	conn.TryClose() // undo the reference GetConnection took
	return addr
}

// watchConn ends the session with ErrConnectionLost once the TCP or TLS
// connection to the dialog's next hop, having been open (seen is its
// address), is closed. It looks it up in the transport's pool, where
// sipgo keeps a connection until it closes.
func (c *ClientSession) watchConn(seen string) {
	t := time.NewTicker(min(c.cfg.KeepAlive, connCheck))
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		addr := c.openConn()
		if addr != "" || c.nextHop() != seen {
			// Open, or the dialog moved to another hop: watch that one
			// once it is open.
			seen = addr
			continue
		}
		if seen != "" && !c.isEnded() && !c.dead.Load() {
			c.log.Warn("connection to the gateway lost", "addr", seen)
			c.finish(fmt.Errorf("%w (%s %s)", ErrConnectionLost, c.cfg.transport, seen))
			return
		}
	}
}

// guard drops requests that come in as the session closes (see closeConn).
func (c *ClientSession) guard(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if c.dead.Load() {
			closeConn(tx)
			return
		}
		h(req, tx)
	}
}

// call sends a request in a new transaction and waits for its final
// response, unless the session is closing.
func (c *ClientSession) call(ctx context.Context, req *sipmsg.Request) (*sipmsg.Response, error) {
	ctx, release, ok := c.calls.with(ctx)
	if !ok {
		return nil, ErrDialogEnded
	}
	defer release()
	res, err := c.roundTrip(ctx, req)
	for tries := 0; err == nil && req.Method != sipmsg.ACK && req.Method != sipmsg.CANCEL; tries++ {
		next := c.reauth(req, res, tries) // a digest challenge: auth_client.go
		if next == nil {
			break
		}
		req = next
		res, err = c.roundTrip(ctx, req)
	}
	return res, err
}

// listen opens the client's listener and works out its Contact.
func (c *ClientSession) listen(ctx context.Context) error {
	st := c.cfg
	local := st.LocalAddr
	if local == "" {
		local = ":0"
	}
	host, port, err := splitHostPort(local)
	if err != nil {
		return fmt.Errorf("sip: ClientConfig.LocalAddr %q: %w", st.LocalAddr, err)
	}
	contactHost := host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if contactHost, err = routeIP(ctx, st.firstHop); err != nil {
			return err
		}
		if host == "" {
			host = contactHost
		}
	}
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	serve := func(run func() error) {
		c.serving.enter()
		go func() {
			defer c.serving.leave()
			run()
		}()
	}
	switch st.transport {
	case "UDP":
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return fmt.Errorf("sip: %w", err)
		}
		c.listener = pc
		lh, lp, _ := splitHostPort(pc.LocalAddr().String())
		c.laddr = sipmsg.Addr{IP: net.ParseIP(lh), Port: lp}
		port = lp
		serve(func() error { return c.sgs.ServeUDP(pc) })
		if err := c.waitServing(ctx, "udp", c.laddr.String()); err != nil {
			return err
		}
	case "TCP", "TLS":
		tlsServer := st.TLSConfig != nil && (len(st.TLSConfig.Certificates) > 0 || st.TLSConfig.GetCertificate != nil)
		if st.transport == "TLS" && !tlsServer {
			// No certificate to serve with: the gateway reaches us over
			// the connection we open, so name its local end.
			if port, err = c.predial(ctx); err != nil {
				return err
			}
			break
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("sip: %w", err)
		}
		c.listener = l
		_, port, _ = splitHostPort(l.Addr().String())
		if st.transport == "TLS" {
			tl := tls.NewListener(l, st.TLSConfig)
			serve(func() error { return c.sgs.ServeTLS(tl) })
		} else {
			serve(func() error { return c.sgs.ServeTCP(l) })
		}
	}
	user := st.user.User
	if user == "" {
		user = "rcc"
	}
	c.via = viaAddr{host: contactHost, port: port}
	c.contact = contactHeader(user, contactHost, port, st.transport)
	return nil
}

// waitServing waits until sipgo has registered the listener on addr, so
// requests can leave from it.
func (c *ClientSession) waitServing(ctx context.Context, network, addr string) error {
	for range 1000 {
		if conn, err := c.ua.TransportLayer().GetConnection(network, addr); err == nil && conn != nil {
			conn.TryClose() // undo the reference GetConnection took
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	return fmt.Errorf("sip: the %s listener on %s did not start", network, addr)
}

// predial opens the connection to the first hop and returns its local
// port.
func (c *ClientSession) predial(ctx context.Context) (int, error) {
	req := sipmsg.NewRequest(sipmsg.OPTIONS, c.cfg.gateway)
	req.AppendHeader(&sipmsg.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: c.cfg.transport,
		Params: sipmsg.HeaderParams{{K: "branch", V: sipmsg.GenerateBranchN(16)}}})
	req.SetTransport(c.cfg.transport)
	req.SetDestination(c.cfg.firstHop)
	conn, err := c.ua.TransportLayer().ClientRequestConnection(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("sip: connecting to %s: %w", c.cfg.firstHop, err)
	}
	defer conn.TryClose()
	_, port, err := splitHostPort(conn.LocalAddr().String())
	return port, err
}

// routeIP returns the local address that routes to hop.
func routeIP(ctx context.Context, hop string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", hop)
	if err != nil {
		return "", fmt.Errorf("sip: no route to %s: %w", hop, err)
	}
	defer conn.Close()
	h, _, err := splitHostPort(conn.LocalAddr().String())
	return h, err
}

// invite sends the INVITE that opens the dialog, retrying once with a
// larger Session-Expires after 422, and acknowledges the answer.
func (c *ClientSession) invite(ctx context.Context) error {
	st := c.cfg
	body, err := csta.Encode(&csta.RequestSystemStatus{
		Header:     csta.Header{Namespace: st.Namespace},
		Extensions: lineExtension(st.Line),
	})
	if err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	c.body = body
	c.leg.mu.Lock()
	c.leg.local = sipmsg.FromHeader{Address: *st.user.Clone(), Params: sipmsg.HeaderParams{{K: "tag", V: c.localTag}}}
	c.leg.remote = sipmsg.ToHeader{Address: *st.gateway.Clone()}
	c.leg.mu.Unlock()
	c.leg.setRoute(*st.gateway.Clone(), nil)

	se := st.SessionExpires
	for attempt := 0; ; attempt++ {
		req, res, tx, err := c.sendInviteAuth(ctx, c.newInvite(se))
		if err != nil {
			return err
		}
		if res.StatusCode == 422 && attempt == 0 {
			if m, ok := deltaSeconds(header(res, "Min-SE")); ok && m > se {
				se = m
				continue
			}
		}
		if !res.IsSuccess() {
			return refusalOf(res)
		}
		return c.answered(ctx, req, res, tx)
	}
}

// lineExtension returns the lcs:line extension for a Line URI, or nil.
func lineExtension(line string) *csta.Extensions {
	if line == "" {
		return nil
	}
	return csta.WithLine(line)
}

// newInvite builds an INVITE (or re-INVITE) asking for session interval se.
func (c *ClientSession) newInvite(se time.Duration) *sipmsg.Request {
	req := c.newRequest(sipmsg.INVITE, 0)
	req.AppendHeader(sipmsg.NewHeader("Supported", "timer"))
	req.AppendHeader(sipmsg.NewHeader("Session-Expires", seconds(se)+";refresher=uac"))
	req.AppendHeader(sipmsg.NewHeader("Allow", allowMethods))
	ct := sipmsg.ContentTypeHeader(contentTypeCSTA)
	req.AppendHeader(&ct)
	req.AppendHeader(sipmsg.NewHeader("Content-Disposition", contentDispositionCSTA))
	req.SetBody(c.body)
	return req
}

// newRequest builds a request in the dialog and picks its first hop.
func (c *ClientSession) newRequest(method sipmsg.RequestMethod, ackCSeq uint32) *sipmsg.Request {
	req := c.leg.request(method, ackCSeq, c.via, c.contact, c.cfg.UserAgent)
	if !c.leg.hasRoutes() && c.cfg.proxied {
		req.SetDestination(c.cfg.firstHop)
	}
	if c.laddr.IP != nil {
		c.laddr.Copy(&req.Laddr)
	}
	return req
}

// sendInviteAuth sends an INVITE with sendInvite, and again with
// credentials while the answer is a digest challenge it can meet (see
// reauth). It returns the INVITE last sent with its outcome.
func (c *ClientSession) sendInviteAuth(ctx context.Context, req *sipmsg.Request) (*sipmsg.Request, *sipmsg.Response, sipmsg.ClientTransaction, error) {
	res, tx, err := c.sendInvite(ctx, req)
	for tries := 0; err == nil; tries++ {
		next := c.reauth(req, res, tries) // a digest challenge: auth_client.go
		if next == nil {
			break
		}
		req = next
		res, tx, err = c.sendInvite(ctx, req)
	}
	return req, res, tx, err
}

// sendInvite sends an INVITE and waits for its final response; if ctx ends
// first it cancels the INVITE.
func (c *ClientSession) sendInvite(ctx context.Context, req *sipmsg.Request) (*sipmsg.Response, sipmsg.ClientTransaction, error) {
	ctx, release, ok := c.calls.with(ctx)
	if !ok {
		return nil, nil, ErrDialogEnded
	}
	defer release()
	tx, err := c.cli.TransactionRequest(ctx, req, prebuilt)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: INVITE: %w", ErrNoAnswer, err)
	}
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			return res, tx, nil
		case <-tx.Done():
			return nil, nil, fmt.Errorf("%w: INVITE: %w", ErrNoAnswer, tx.Err())
		case <-ctx.Done():
			c.cancel(req, tx)
			return nil, nil, ctx.Err()
		}
	}
}

// cancel cancels a pending INVITE. If the gateway answers 2xx anyway, the
// dialog is acknowledged and ended with BYE.
func (c *ClientSession) cancel(inv *sipmsg.Request, tx sipmsg.ClientTransaction) {
	req := sipmsg.NewRequest(sipmsg.CANCEL, inv.Recipient)
	req.AppendHeader(sipmsg.HeaderClone(inv.Via()))
	maxFwd := sipmsg.MaxForwardsHeader(70)
	req.AppendHeader(&maxFwd)
	req.AppendHeader(sipmsg.HeaderClone(inv.From()))
	req.AppendHeader(sipmsg.HeaderClone(inv.To()))
	req.AppendHeader(sipmsg.HeaderClone(inv.CallID()))
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sipmsg.CANCEL})
	for _, h := range inv.GetHeaders("Route") {
		req.AppendHeader(sipmsg.HeaderClone(h))
	}
	req.SetTransport(inv.Transport())
	req.SetDestination(inv.Destination())
	req.Laddr = inv.Laddr
	ctx, stop := context.WithTimeout(context.Background(), 2*time.Second)
	defer stop()
	if _, err := c.call(ctx, req); err != nil {
		c.log.Debug("CANCEL got no answer", "error", err)
	}
	select {
	case res := <-tx.Responses():
		if res.IsSuccess() {
			c.answered(ctx, inv, res, tx)
			c.bye(ctx)
		}
	case <-tx.Done():
	case <-ctx.Done():
	}
}

// answered takes the 2xx to the INVITE: it sets up the dialog, sends the
// ACK and checks the gateway's system status.
func (c *ClientSession) answered(ctx context.Context, inv *sipmsg.Request, res *sipmsg.Response, tx sipmsg.ClientTransaction) error {
	tag, _ := res.To().Params.Get("tag")
	c.mu.Lock()
	c.remoteTag = tag
	c.mu.Unlock()
	c.leg.mu.Lock()
	c.leg.remote.Params.Add("tag", tag)
	c.leg.mu.Unlock()
	target := c.cfg.gateway
	if ct := res.Contact(); ct != nil {
		target = ct.Address
	}
	routes := routeSet(res)
	slices.Reverse(routes)
	c.leg.setRoute(*target.Clone(), routes)
	c.ack(inv.CSeq().SeqNo, tx)

	if len(res.Body()) == 0 || !isCSTA(contentType(res)) {
		c.bye(ctx)
		return fmt.Errorf("%w: the 200 OK to the INVITE carries no CSTA body", ErrBadResponse)
	}
	m, err := csta.Decode(res.Body())
	if err != nil {
		c.bye(ctx)
		return fmt.Errorf("%w: the 200 OK to the INVITE: %w", ErrBadResponse, err)
	}
	rsr, ok := m.(*csta.RequestSystemStatusResponse)
	if !ok {
		c.bye(ctx)
		return fmt.Errorf("%w: the 200 OK to the INVITE carries %s, not RequestSystemStatusResponse", ErrBadResponse, m.MessageName())
	}
	if !strings.EqualFold(string(rsr.SystemStatus), string(csta.SystemNormal)) {
		c.bye(ctx)
		return fmt.Errorf("%w: %s", ErrSystemStatus, rsr.SystemStatus)
	}
	c.schedule(res)
	return nil
}

// ack acknowledges a 2xx to the INVITE with CSeq number cseq, and again
// whenever the 2xx is sent again.
func (c *ClientSession) ack(cseq uint32, tx sipmsg.ClientTransaction) {
	ack := c.newRequest(sipmsg.ACK, cseq)
	ack.SetBody(nil)
	write := func() {
		_, release, ok := c.calls.with(context.Background())
		if !ok {
			return
		}
		defer release()
		if err := c.cli.WriteRequest(ack, prebuilt); err != nil {
			c.log.Warn("cannot send ACK", "error", err)
		}
	}
	write()
	tx.OnRetransmission(func(*sipmsg.Response) { write() })
}

// schedule arms the refresh timer for the session interval a 2xx grants:
// 60 seconds before it ends, or halfway when it is under two minutes. A
// 2xx without Session-Expires, or that makes the gateway the refresher,
// needs no refresh from us.
func (c *ClientSession) schedule(res *sipmsg.Response) {
	se, refresher, ok := sessionExpires(header(res, "Session-Expires", "x"))
	if !ok || se <= 0 || refresher == "uas" {
		return
	}
	in := se - 60*time.Second
	if se < 2*time.Minute {
		in = se / 2
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	if c.refresher == nil {
		c.refresher = time.AfterFunc(in, c.refresh)
	} else {
		c.refresher.Reset(in)
	}
}

// refresh re-INVITEs the gateway to refresh the session. When that fails
// the session ends.
func (c *ClientSession) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), 64*sipmsg.T1)
	defer cancel()
	se := c.cfg.SessionExpires
	for attempt := 0; ; attempt++ {
		if c.isEnded() {
			return
		}
		req, res, tx, err := c.sendInviteAuth(ctx, c.newInvite(se))
		if err != nil {
			c.log.Warn("session refresh got no answer", "error", err)
			c.bye(ctx)
			c.finish(fmt.Errorf("sip: session refresh: %w", err))
			return
		}
		switch {
		case res.IsSuccess():
			c.ack(req.CSeq().SeqNo, tx)
			c.schedule(res)
			return
		case res.StatusCode == 422 && attempt == 0:
			if m, ok := deltaSeconds(header(res, "Min-SE")); ok && m > se {
				se = m
				continue
			}
		case res.StatusCode == 481:
			c.finish(fmt.Errorf("sip: session refresh: %w", ErrDialogGone))
			return
		}
		c.log.Warn("session refresh refused", "status", res.StatusCode, "reason", res.Reason)
		c.bye(ctx)
		c.finish(fmt.Errorf("sip: session refresh: %w", refusalOf(res)))
		return
	}
}

// Do sends a CSTA request in an INFO and returns the gateway's response. A
// request whose Header names no namespace is sent in
// ClientConfig.Namespace (Do does not change req). A CSTAErrorCode answer
// is returned as a *csta.Error, a SIP failure as a *RefusalError (a 481 also
// ends the session), no answer as an error wrapping ErrNoAnswer. A 200 OK
// without a body gives a nil response and no error.
func (c *ClientSession) Do(ctx context.Context, req csta.Request) (csta.Response, error) {
	if req == nil {
		return nil, errors.New("sip: Do: nil request")
	}
	body, err := csta.Encode(inNamespace(req, csta.Header{Namespace: c.cfg.Namespace}))
	if err != nil {
		return nil, err
	}
	select {
	case c.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, ErrDialogEnded
	}
	_, monitor := req.(*csta.MonitorStart)
	if monitor {
		c.mu.Lock()
		c.starting++
		c.mu.Unlock()
	}
	res, err := c.info(ctx, body)
	<-c.slot
	resp, err := c.response(res, err)
	if monitor {
		c.monitorStarted(resp)
	}
	if ms, ok := req.(*csta.MonitorStop); ok && err == nil {
		c.mu.Lock()
		if ms.MonitorCrossRefID == c.crossRef {
			c.crossRef = ""
		}
		c.mu.Unlock()
	}
	return resp, err
}

// info sends one INFO with a CSTA body.
func (c *ClientSession) info(ctx context.Context, body []byte) (*sipmsg.Response, error) {
	if c.isEnded() {
		return nil, ErrDialogEnded
	}
	req := c.newRequest(sipmsg.INFO, 0)
	ct := sipmsg.ContentTypeHeader(contentTypeCSTA)
	req.AppendHeader(&ct)
	req.AppendHeader(sipmsg.NewHeader("Content-Disposition", contentDispositionCSTA))
	req.SetBody(body)
	return c.call(ctx, req)
}

// response turns the answer to an INFO into a CSTA response or an error.
func (c *ClientSession) response(res *sipmsg.Response, err error) (csta.Response, error) {
	if err != nil {
		return nil, err
	}
	if !res.IsSuccess() {
		if res.StatusCode == 481 {
			go c.finish(ErrDialogGone)
		}
		return nil, refusalOf(res)
	}
	if len(res.Body()) == 0 {
		return nil, nil
	}
	if !isCSTA(contentType(res)) {
		return nil, fmt.Errorf("%w: 200 OK with Content-Type %q", ErrBadResponse, contentType(res))
	}
	m, err := csta.Decode(res.Body())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	switch m := m.(type) {
	case *csta.CSTAErrorCode:
		return nil, m.Err()
	case csta.Response:
		return m, nil
	}
	return nil, fmt.Errorf("%w: %s is not a response", ErrBadResponse, m.MessageName())
}

// Features asks the gateway which services and events it supports
// (GetCSTAFeatures with the Line URI, as Communicator sends it).
func (c *ClientSession) Features(ctx context.Context) (*csta.GetCSTAFeaturesResponse, error) {
	return doAs[*csta.GetCSTAFeaturesResponse](ctx, c, &csta.GetCSTAFeatures{Extensions: lineExtension(c.cfg.Line)})
}

// Monitor starts a monitor on the session's Line URI. From then on only
// events carrying its monitorCrossRefID are delivered; events that arrive
// before the response are held until it comes.
func (c *ClientSession) Monitor(ctx context.Context) (*csta.MonitorStartResponse, error) {
	if c.cfg.Line == "" {
		return nil, errors.New("sip: Monitor needs ClientConfig.Line")
	}
	return doAs[*csta.MonitorStartResponse](ctx, c, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(c.cfg.Line)}})
}

// doAs sends a request with Do and expects a response of type T.
func doAs[T csta.Response](ctx context.Context, c *ClientSession, req csta.Request) (T, error) {
	var zero T
	resp, err := c.Do(ctx, req)
	if err != nil {
		return zero, err
	}
	r, ok := resp.(T)
	if !ok {
		got := "no body"
		if resp != nil {
			got = resp.MessageName()
		}
		return zero, fmt.Errorf("%w: expected %sResponse, got %s", ErrBadResponse, req.MessageName(), got)
	}
	return r, nil
}

// CrossRefID returns the monitorCrossRefID of the session's monitor, or "".
func (c *ClientSession) CrossRefID() csta.MonitorCrossRefID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.crossRef
}

// Line returns the session's Line URI.
func (c *ClientSession) Line() string { return c.cfg.Line }

// CallID returns the dialog's Call-ID.
func (c *ClientSession) CallID() string { return string(c.leg.callID) }

// Done returns a channel that is closed when the session has ended.
func (c *ClientSession) Done() <-chan struct{} { return c.done }

// Err returns why the session ended: nil while it is open and after
// Close, otherwise the reason also given to OnClose.
func (c *ClientSession) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the session: MonitorStop for its monitor, if any, then BYE. It
// waits until the last event has been delivered and OnClose has returned,
// or until ctx is done. Do not call it from OnEvent. Calling it again
// returns at once.
func (c *ClientSession) Close(ctx context.Context) error {
	c.mu.Lock()
	ended := c.ended
	id := c.crossRef
	c.mu.Unlock()
	var err error
	if !ended {
		if id != "" {
			if _, e := c.Do(ctx, &csta.MonitorStop{MonitorCrossRefID: id}); e != nil {
				c.log.Debug("MonitorStop failed", "error", e)
			}
		}
		err = c.bye(ctx)
		c.finish(nil)
	}
	select {
	case <-c.drained:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bye sends BYE.
func (c *ClientSession) bye(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, byeTimeout)
	defer cancel()
	res, err := c.call(ctx, c.newRequest(sipmsg.BYE, 0))
	if err != nil {
		return err
	}
	if !res.IsSuccess() && res.StatusCode != 481 {
		return refusalOf(res)
	}
	return nil
}

// finish ends the session with reason: it stops the refresh timer, lets
// the dispatcher deliver what is queued and call OnClose, and closes the
// transport.
func (c *ClientSession) finish(reason error) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	c.err = reason
	if c.refresher != nil {
		c.refresher.Stop()
	}
	c.held = nil
	close(c.events)
	close(c.done)
	c.mu.Unlock()
	go c.teardown()
}

// teardown stops the requests in flight, then closes the listener and the
// user agent.
func (c *ClientSession) teardown() {
	c.closeOnce.Do(func() {
		c.calls.cancelAll(ErrDialogEnded)
		c.calls.wait(context.Background())
		c.dead.Store(true)
		if c.listener != nil {
			c.listener.Close()
		}
		c.ua.Close()
		c.serving.wait(context.Background())
	})
}

// isEnded reports whether the session has ended.
func (c *ClientSession) isEnded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// dispatch delivers events to OnEvent in order, then calls OnClose.
func (c *ClientSession) dispatch() {
	defer close(c.drained)
	for ev := range c.events {
		if c.cfg.OnEvent != nil {
			c.cfg.OnEvent(ev)
		}
	}
	c.teardown()
	if c.cfg.OnClose != nil {
		c.cfg.OnClose(c.Err())
	}
}

// deliver queues an event for OnEvent, holding it while a MonitorStart is
// in flight and dropping it when it belongs to another monitor.
func (c *ClientSession) deliver(ev csta.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	if c.starting > 0 {
		if len(c.held) < c.cfg.EventQueueSize {
			c.held = append(c.held, ev)
		}
		return
	}
	c.enqueue(ev)
}

// enqueue passes an event to the dispatcher if it passes the monitor
// filter. c.mu is held.
func (c *ClientSession) enqueue(ev csta.Event) {
	if c.monitored && ev.CrossRefID() != c.crossRef {
		c.log.Debug("dropping an event of another monitor", "event", ev.MessageName(), "monitorCrossRefID", ev.CrossRefID())
		return
	}
	select {
	case c.events <- ev:
	default:
		c.log.Warn("event queue full; dropping an event", "event", ev.MessageName())
	}
}

// monitorStarted records the answer to a MonitorStart and releases the
// events held meanwhile.
func (c *ClientSession) monitorStarted(resp csta.Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.starting--
	if r, ok := resp.(*csta.MonitorStartResponse); ok {
		c.crossRef = r.MonitorCrossRefID
		c.monitored = true
	}
	if c.starting > 0 || c.ended {
		return
	}
	held := c.held
	c.held = nil
	for _, ev := range held {
		c.enqueue(ev)
	}
}

// inDialog reports whether a request from the gateway belongs to the
// session's dialog.
func (c *ClientSession) inDialog(req *sipmsg.Request) bool {
	to, from, callID := req.To(), req.From(), req.CallID()
	if to == nil || from == nil || callID == nil || string(*callID) != string(c.leg.callID) {
		return false
	}
	if tag, _ := to.Params.Get("tag"); tag != c.localTag {
		return false
	}
	tag, _ := from.Params.Get("tag")
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remoteTag == "" || tag == c.remoteTag
}

// onInfo takes an INFO from the gateway: an event, or a SystemStatus.
func (c *ClientSession) onInfo(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if !c.inDialog(req) {
		tx.Respond(sipmsg.NewResponseFromRequest(req, 481, statusText(481), nil))
		return
	}
	if len(req.Body()) == 0 {
		tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
		return
	}
	if !isCSTA(contentType(req)) {
		res := sipmsg.NewResponseFromRequest(req, 415, statusText(415), nil)
		res.AppendHeader(sipmsg.NewHeader("Accept", contentTypeCSTA))
		tx.Respond(res)
		return
	}
	m, err := csta.Decode(req.Body())
	if err != nil {
		tx.Respond(sipmsg.NewResponseFromRequest(req, 400, reasonPhrase("Bad CSTA Body: "+err.Error()), nil))
		return
	}
	switch m := m.(type) {
	case csta.Event:
		// Queue it before answering: the gateway sends the next event
		// only after the answer, and that one is handled in another
		// goroutine.
		c.deliver(m)
		tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
	case *csta.SystemStatus:
		c.log.Info("gateway system status", "status", m.SystemStatus)
		body, _ := csta.Encode(&csta.SystemStatusResponse{Header: m.Header})
		res := sipmsg.NewResponseFromRequest(req, 200, "OK", body)
		ct := sipmsg.ContentTypeHeader(contentTypeCSTA)
		res.AppendHeader(&ct)
		tx.Respond(res)
	default:
		c.log.Debug("ignoring a CSTA message from the gateway", "message", m.MessageName())
		tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
	}
}

// onBye takes the gateway's BYE: the session ends.
func (c *ClientSession) onBye(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if !c.inDialog(req) {
		tx.Respond(sipmsg.NewResponseFromRequest(req, 481, statusText(481), nil))
		return
	}
	tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
	c.finish(ErrPeerBye)
}

// onInvite answers a re-INVITE or UPDATE from the gateway (a refresh it
// makes as refresher) with 200; any other gets 481.
func (c *ClientSession) onInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if !c.inDialog(req) {
		tx.Respond(sipmsg.NewResponseFromRequest(req, 481, statusText(481), nil))
		return
	}
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sipmsg.HeaderClone(c.contact))
	if se := header(req, "Session-Expires", "x"); se != "" {
		res.AppendHeader(sipmsg.NewHeader("Session-Expires", se))
		res.AppendHeader(sipmsg.NewHeader("Require", "timer"))
	}
	tx.Respond(res)
}
