package sip

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/rcc-go/rcc/csta"
)

// onInvite handles INVITE: a new dialog when it has no To tag, a refresh
// (re-INVITE) when it has one.
func (s *Server) onInvite(x *exchange) {
	req := x.req
	if !x.admit() {
		return
	}
	if to := req.To(); to != nil && to.Params.Has("tag") {
		s.reinvite(x)
		return
	}
	// From here a CANCEL finds the INVITE (see inviteCtl); one that comes
	// while the INVITE is checked gets 200 and the INVITE its refusal,
	// or 487 if it is still opened.
	ctl := &inviteCtl{}
	defer s.registerInvite(req, ctl)()
	// Readiness is not checked here: a node without a CTI connection
	// refuses the session in Handler.Open, which knows the user and the
	// line and reports the refusal (to the status page, the refusal
	// counters and the log). OPTIONS still answers by Ready.
	if x.srv.isClosing() {
		x.unavailable("Shutting Down")
		return
	}
	// RFC 3261 section 8.2: content (415) before what opening a dialog
	// needs (12.1.1), so an RFC 2543 INVITE without Contact and with an
	// SDP body (RFC 4475 inv2543) learns that the body is the problem.
	if !x.cstaContent() || !x.checkInvite() {
		return
	}
	msg, ok := x.readBody(true)
	if !ok {
		return
	}
	rss, ok := msg.(*csta.RequestSystemStatus)
	if !ok {
		x.refuse(400, "Expected RequestSystemStatus, got "+reasonPhrase(msg.MessageName()))
		return
	}
	interval, ok := x.negotiate()
	if !ok {
		return
	}
	if req.From().Address.Password != "" {
		// Not an address of record, and a password in the clear: the
		// user is not taken from it (see addressOfRecord).
		s.log.Info("INVITE refused: password in the From URI", "source", req.Source(), "callID", req.CallID().Value())
		x.refuse(403, "Forbidden (Password In From URI)")
		return
	}
	d, err := s.newDialog(req, rss)
	if err != nil {
		x.refuse(400, reasonPhrase(err.Error()))
		return
	}
	d.auth = x.auth
	s.open(x, d, rss, interval, ctl)
}

// open runs Handler.Open for a new dialog and answers the INVITE.
func (s *Server) open(x *exchange, d *dialog, rss *csta.RequestSystemStatus, interval time.Duration, ctl *inviteCtl) {
	req := x.req
	ctx, release, ok := s.opening.with(context.Background())
	if !ok {
		x.unavailable("Shutting Down")
		return
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// A CANCEL now cancels ctx; whichever of it and the answer below
	// comes first decides the INVITE's one final response (see inviteCtl).
	ctl.bind(cancel)

	sess, resp, err := s.cfg.Handler.Open(ctx, &OpenRequest{
		DialogID:   d.info.DialogID,
		CallID:     d.info.CallID,
		User:       d.info.User,
		Line:       d.info.Line,
		Request:    rss,
		Peer:       d.info.Peer,
		Transport:  d.info.Transport,
		TLSSubject: s.tlsSubject(req),
		Events:     d,
	})
	release()
	if !ctl.settle() {
		ctl.waitCancelAnswered()
		// Cancelled: the INVITE gets 487 and nothing of it remains.
		if err == nil && sess != nil {
			sess.Closed(ErrCanceled)
		}
		x.refuse(487, "Request Terminated")
		return
	}
	switch {
	case err != nil && ctx.Err() != nil && s.isClosing():
		x.unavailable("Shutting Down")
		return
	case err != nil:
		x.refuseError(err)
		return
	case sess == nil:
		s.log.Error("Handler.Open returned no session and no error", "dialog", d.info.DialogID)
		x.refuse(500, "")
		return
	}
	if resp == nil {
		resp = &csta.RequestSystemStatusResponse{SystemStatus: csta.SystemNormal}
	}
	body, err := csta.Encode(inNamespace(resp, rss.Header))
	if err != nil {
		s.log.Error("cannot encode the RequestSystemStatusResponse", "dialog", d.info.DialogID, "error", err)
		sess.Closed(fmt.Errorf("sip: encoding the INVITE response: %w", err))
		x.refuse(500, "")
		return
	}
	d.sess, d.body = sess, bytes.Clone(body) // exact size: kept as long as the dialog

	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		sess.Closed(ErrServerClosed)
		x.unavailable("Shutting Down")
		return
	}
	s.dialogs[d.tag] = d
	s.mu.Unlock()

	tc := chooseTimer(req, interval)
	res := s.okResponse(req, d, tc)
	aw := &ackWait{cseq: d.cseq0, res: res, initial: true}
	if d.udp {
		aw.tx = x.tx
	}
	d.establish(tc, aw)
	if err := x.accept(res, !d.udp); err != nil {
		d.terminate(fmt.Errorf("%w: sending the 200 OK: %w", ErrCanceled, err))
		return
	}
	d.opened()
}

// reinvite handles an INVITE in an existing dialog: a session refresh.
func (s *Server) reinvite(x *exchange) {
	req := x.req
	d := x.dialog()
	if d == nil || !x.checkInvite() {
		return
	}
	if len(req.Body()) > 0 && !isCSTA(contentType(req)) {
		x.refuse(415, "", sipmsg.NewHeader("Accept", contentTypeCSTA))
		return
	}
	// Glare (RFC 3261 section 14.2): a re-INVITE that crosses the
	// server's own refresh request gets 491; the client tries again.
	if !d.beginPeerRefresh() {
		s.log.Debug("re-INVITE crossed the server's refresh: 491", "dialog", d.info.DialogID)
		x.refuse(491, "")
		return
	}
	defer d.endPeerRefresh()
	interval, ok := x.negotiate()
	if !ok {
		return
	}
	if !x.sessionRefreshed(d) {
		return
	}
	d.touch(req.Source())
	if c := req.Contact(); c != nil {
		d.leg.setTarget(*c.Address.Clone())
	}
	tc := chooseTimer(req, interval)
	if !d.refresh(tc) {
		x.refuse(481, "")
		return
	}
	res := s.okResponse(req, d, tc)
	aw := &ackWait{cseq: req.CSeq().SeqNo, res: res}
	if d.udp {
		aw.tx = x.tx
	}
	d.mu.Lock()
	d.awaitAck(aw)
	d.mu.Unlock()
	_ = x.accept(res, !d.udp) // a 2xx not sent is logged; the client resends the re-INVITE
}

// sessionRefreshed asks the session whether it takes a refresh of dialog
// d: a stale session answers it as it answers an INFO, 481, and the dialog
// ends without BYE (the client considers it gone and opens a new one). On
// refusal it answers and returns false.
func (x *exchange) sessionRefreshed(d *dialog) bool {
	err := d.sess.Refreshed()
	if err == nil {
		return true
	}
	if r, ok := errors.AsType[*RefusalError](err); ok && r.Status == 481 {
		d.terminate(ErrStaleSession)
	} else if d.ended() {
		err = &RefusalError{Status: 481}
	}
	x.refuseError(err)
	return false
}

// checkInvite checks the parts of an INVITE every INVITE needs. On failure
// it answers and returns false. A Require other than timer was refused
// already, by admit.
func (x *exchange) checkInvite() bool {
	req := x.req
	switch {
	case req.Contact() == nil:
		x.refuse(400, "Missing Contact")
	case req.CSeq() == nil || req.CallID() == nil || req.From() == nil || req.To() == nil:
		x.refuse(400, "Missing From, To, Call-ID or CSeq")
	case !req.From().Params.Has("tag"):
		x.refuse(400, "Missing From tag")
	default:
		return true
	}
	return false
}

// negotiate picks the session interval for an INVITE (RFC 4028): ours, or
// the client's Session-Expires when smaller, and never less than the
// client's Min-SE. A Session-Expires under our MinSE gets 422 and ok false.
func (x *exchange) negotiate() (interval time.Duration, ok bool) {
	s, req := x.srv, x.req
	interval = s.cfg.SessionExpires
	if se, _, found := sessionExpires(header(req, "Session-Expires", "x")); found {
		if se < s.cfg.MinSE {
			x.refuse(422, "", sipmsg.NewHeader("Min-SE", seconds(s.cfg.MinSE)))
			return 0, false
		}
		interval = min(interval, se)
	}
	if m, found := deltaSeconds(header(req, "Min-SE")); found && m > interval {
		interval = m
	}
	return interval, true
}

// okResponse builds the 200 OK to an INVITE or re-INVITE of dialog d.
func (s *Server) okResponse(req *sipmsg.Request, d *dialog, tc timerChoice) *sipmsg.Response {
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", d.body)
	res.To().Params.Add("tag", d.tag)
	ct := sipmsg.ContentTypeHeader(contentTypeCSTA)
	res.AppendHeader(sipmsg.HeaderClone(d.ep.contact))
	res.AppendHeader(&ct)
	res.AppendHeader(sipmsg.NewHeader("Content-Disposition", contentDispositionCSTA))
	timerHeaders(res, tc)
	return res
}

// newDialog builds the dialog state for a new INVITE.
func (s *Server) newDialog(req *sipmsg.Request, rss *csta.RequestSystemStatus) (*dialog, error) {
	transport := req.Transport()
	ep := s.endpoint(transport)
	if ep == nil {
		return nil, fmt.Errorf("no %s listener", transport)
	}
	from, to, contact := req.From(), req.To(), req.Contact()
	remoteTag, _ := from.Params.Get("tag")
	tag := strings.ToLower(rand.Text())
	d := &dialog{
		srv:       s,
		tag:       tag,
		remoteTag: remoteTag,
		ep:        ep,
		ns:        rss.Header,
		cseq0:     req.CSeq().SeqNo,
		udp:       transport == "UDP",
		source:    req.Source(),
		ackDone:   make(chan struct{}),
		cseqIn:    cseqs{hi: req.CSeq().SeqNo, seen: 1},
	}
	d.leg.callID = *req.CallID()
	d.leg.local = to.AsFrom()
	d.leg.local.Params.Add("tag", tag)
	d.leg.remote = from.AsTo()
	d.leg.transport = transport
	d.leg.cseq = d.cseq0
	routes := routeSet(req)
	d.leg.setRoute(*contact.Address.Clone(), routes)
	d.info = DialogInfo{
		DialogID:  string(d.leg.callID) + "|" + tag + "|" + remoteTag,
		CallID:    string(d.leg.callID),
		User:      addressOfRecord(&from.Address),
		Line:      strings.Clone(rss.Extensions.LineOf()), // kept for the session's life, not the whole INVITE body
		Peer:      addrPort(req.Source()),
		Transport: strings.ToLower(transport),
	}
	n := 512 + len(d.leg.callID) + len(d.leg.local.Value()) + len(d.leg.remote.Value()) +
		len(contact.Address.String()) + len(ep.contact.Value()) + len(s.cfg.UserAgent)
	for _, r := range routes {
		n += len(r) + 9
	}
	d.reqLength = n
	return d, nil
}

// cstaContent answers 415 with Accept and returns false when a request's
// body is not CSTA.
func (x *exchange) cstaContent() bool {
	if isCSTA(contentType(x.req)) {
		return true
	}
	reason := "Unsupported Media Type"
	if contentType(x.req) == "" {
		reason = "Missing Content-Type, expected " + contentTypeCSTA
	}
	x.refuse(415, reason, sipmsg.NewHeader("Accept", contentTypeCSTA))
	return false
}

// readBody checks and decodes the CSTA body of an INVITE or INFO. On
// failure it answers (415, 413 or 400) and returns false.
func (x *exchange) readBody(required bool) (csta.Message, bool) {
	s, req := x.srv, x.req
	body := req.Body()
	switch {
	case !x.cstaContent():
		return nil, false
	case len(body) > s.cfg.MaxBodySize:
		x.refuse(413, fmt.Sprintf("Body Too Large (%d bytes, limit %d)", len(body), s.cfg.MaxBodySize))
		return nil, false
	case len(body) == 0 && required:
		x.refuse(400, "Missing CSTA Body")
		return nil, false
	}
	codec := csta.Codec{MaxSize: s.cfg.MaxBodySize}
	m, err := codec.Decode(body)
	if err != nil {
		x.refuse(400, reasonPhrase("Bad CSTA Body: "+err.Error()))
		return nil, false
	}
	return m, true
}

// admit answers 403 to a request from an untrusted peer, 505 to one of
// another SIP version than 2.0 (an ACK is only dropped) and 420 to one
// that requires an extension other than timer, and then returns false; it
// keeps nothing about the peer.
func (x *exchange) admit() bool {
	s, req := x.srv, x.req
	if !s.trusted(req) {
		switch x.authorize() { // a peer that must authenticate: auth_server.go
		case authDenied:
			return false
		case authNotApplicable:
			s.log.Debug("request from an untrusted peer", "method", req.Method, "source", req.Source(), "transport", req.Transport())
			if !req.IsAck() {
				x.refuse(403, "Forbidden (Untrusted Peer)")
			}
			return false
		}
	}
	// RFC 3261 section 8.2.2: sipgo parses any version; only 2.0 is
	// spoken here.
	if !strings.EqualFold(req.SipVersion, "SIP/2.0") {
		s.log.Debug("request of another SIP version", "method", req.Method, "version", req.SipVersion, "source", req.Source())
		if !req.IsAck() {
			x.refuse(505, "")
		}
		return false
	}
	// RFC 3261 section 8.2.2.3: an extension the request requires and the
	// server does not support gets 420 naming it (ACK and CANCEL carry no
	// Require of their own to refuse).
	if !req.IsAck() && !req.IsCancel() && req.Method != cancelMethod {
		var bad []string
		for _, h := range req.GetHeaders("Require") {
			for t := range strings.SplitSeq(h.Value(), ",") {
				if t = strings.TrimSpace(t); t != "" && !strings.EqualFold(t, "timer") {
					bad = append(bad, t) // as sent
				}
			}
		}
		if len(bad) > 0 {
			x.refuse(420, "", sipmsg.NewHeader("Unsupported", strings.Join(bad, ", ")))
			return false
		}
	}
	return true
}

// trusted reports whether a request comes from a trusted address or over
// TLS from a peer with a trusted certificate.
func (s *Server) trusted(req *sipmsg.Request) bool {
	if ap := addrPort(req.Source()); ap.IsValid() {
		for _, p := range s.cfg.TrustedPeers {
			if p.Contains(ap.Addr()) {
				return true
			}
		}
	}
	if len(s.cfg.TrustedSubjects) == 0 || req.Transport() != "TLS" {
		return false
	}
	st := s.tlsState(req.Source())
	if st == nil || len(st.VerifiedChains) == 0 {
		return false
	}
	leaf := st.PeerCertificates[0]
	names := append([]string{leaf.Subject.CommonName}, leaf.DNSNames...)
	for _, n := range names {
		for _, t := range s.cfg.TrustedSubjects {
			if strings.EqualFold(n, t) {
				return true
			}
		}
	}
	return false
}

// tlsSubject returns the common name of the verified client certificate
// of a TLS request's connection, or "".
func (s *Server) tlsSubject(req *sipmsg.Request) string {
	if req.Transport() != "TLS" {
		return ""
	}
	if st := s.tlsState(req.Source()); st != nil && len(st.VerifiedChains) > 0 {
		return st.PeerCertificates[0].Subject.CommonName
	}
	return ""
}

// tlsState returns the TLS state of the connection to addr, or nil.
func (s *Server) tlsState(addr string) *tls.ConnectionState {
	c, err := s.ua.TransportLayer().GetConnection("TLS", addr)
	if err != nil || c == nil {
		return nil
	}
	defer c.TryClose() // undo the reference GetConnection took
	tc, ok := c.(*sipmsg.TCPConnection)
	if !ok {
		return nil
	}
	conn, ok := tc.Conn.(interface{ ConnectionState() tls.ConnectionState }) // the front door's connection
	if !ok {
		return nil
	}
	st := conn.ConnectionState()
	return &st
}
