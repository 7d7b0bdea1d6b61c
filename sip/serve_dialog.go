package sip

import (
	"errors"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/rcc-go/rcc/csta"
)

// onAck handles an ACK to a 2xx of ours.
func (s *Server) onAck(x *exchange) {
	req := x.req
	if !x.admit() {
		return
	}
	if d := s.lookup(req); d != nil && req.CSeq() != nil {
		d.acked(req.CSeq().SeqNo, req.Source())
	}
}

// onBye handles BYE: the client ends the dialog.
func (s *Server) onBye(x *exchange) {
	req := x.req
	if !x.admit() {
		return
	}
	d := s.lookup(req)
	if d == nil {
		x.refuse(481, "")
		return
	}
	// End it before answering, so the dialog is gone once the client
	// has the answer.
	d.terminate(ErrPeerBye)
	x.respond(200, "OK", nil)
}

// dialog returns the open dialog an INFO or re-INVITE belongs to. It
// answers 481 for an unknown or ended dialog, and 500 for a CSeq that is
// not above the one of the INVITE that opened the dialog, that the dialog
// has seen already (a replay under a new branch), or that is older than
// the window of reordering (cseqWindow), and returns nil.
func (x *exchange) dialog() *dialog {
	s, req := x.srv, x.req
	d := s.lookup(req)
	if d == nil || d.ended() {
		x.refuse(481, "")
		return nil
	}
	n := req.CSeq().SeqNo
	if n <= d.cseq0 {
		x.refuse(500, "CSeq Out Of Order")
		return nil
	}
	if ok, replayed := d.takeCSeq(n); !ok {
		s.log.Info("in-dialog request refused: CSeq already used or too old", "dialog", d.info.DialogID,
			"method", req.Method, "cseq", n, "replayed", replayed, "source", req.Source())
		reason := "CSeq Out Of Order"
		if replayed {
			reason = "CSeq Already Used"
		}
		x.refuse(500, reason)
		return nil
	}
	return d
}

// onInfo handles INFO: a CSTA request for the session.
func (s *Server) onInfo(x *exchange) {
	req := x.req
	if !x.admit() {
		return
	}
	d := x.dialog()
	if d == nil {
		return
	}
	d.touch(req.Source())
	if len(req.Body()) == 0 && contentType(req) == "" {
		// An INFO without a body is a keep-alive or a probe.
		x.respond(200, "OK", nil)
		return
	}
	msg, ok := x.readBody(true)
	if !ok {
		return
	}
	// Events the request causes go out after its answer (see beginRequest).
	d.beginRequest()
	defer d.endRequest()
	ctx, release, ok := d.requestContext(0)
	if !ok {
		x.refuse(481, "")
		return
	}
	resp, err := d.sess.Handle(ctx, msg)
	release()
	if err != nil {
		if r, ok := errors.AsType[*RefusalError](err); ok && r.Status == 481 {
			// End it before answering, so the dialog is gone once the
			// client has the answer.
			d.terminate(ErrStaleSession)
		} else if d.ended() {
			// The dialog ended while the session worked on the request.
			err = &RefusalError{Status: 481}
		}
		x.refuseError(err)
		return
	}
	if resp == nil {
		x.respond(200, "OK", nil)
		return
	}
	body, err := csta.Encode(inNamespace(resp, *msg.MessageHeader()))
	if err != nil {
		s.log.Error("cannot encode the CSTA response", "dialog", d.info.DialogID, "response", resp.MessageName(), "error", err)
		x.refuse(500, "")
		return
	}
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", body)
	ct := sipmsg.ContentTypeHeader(contentTypeCSTA)
	res.AppendHeader(&ct)
	res.AppendHeader(sipmsg.NewHeader("Content-Disposition", contentDispositionCSTA))
	if d.udp && s.cfg.UDPMaxMessageSize > 0 && len(body)+2048 > s.cfg.UDPMaxMessageSize &&
		len(res.String())+len(s.cfg.UserAgent)+10 > s.cfg.UDPMaxMessageSize {
		s.log.Warn("CSTA response too large for UDP", "dialog", d.info.DialogID, "response", resp.MessageName(), "bytes", len(body))
		x.refuse(500, "Response Too Large For UDP")
		return
	}
	x.sendFinal(res)
}

// onOptions answers OPTIONS, the load balancer's probe: 200 while the
// handler is ready, 503 otherwise.
func (s *Server) onOptions(x *exchange) {
	if !x.admit() {
		return
	}
	if !x.available() {
		return
	}
	x.respond(200, "OK", nil,
		sipmsg.NewHeader("Allow", allowMethods),
		sipmsg.NewHeader("Accept", contentTypeCSTA),
		sipmsg.NewHeader("Supported", "timer"))
}

// available answers 503 with Retry-After and returns false when the
// server is shutting down or the handler is not ready.
func (x *exchange) available() bool {
	s := x.srv
	switch {
	case s.isClosing():
		x.unavailable("Shutting Down")
	case !s.cfg.Handler.Ready():
		x.unavailable("No CTI Connection")
	default:
		return true
	}
	return false
}

// onOther answers methods the server does not support with 405.
func (s *Server) onOther(x *exchange) {
	req := x.req
	if !x.admit() || req.IsAck() {
		return
	}
	x.refuse(405, "", sipmsg.NewHeader("Allow", allowMethods))
}
