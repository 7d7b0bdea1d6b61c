package sip

import (
	"errors"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/rcc-go/rcc/csta"
)

// onAck handles an ACK to a 2xx of ours.
func (s *Server) onAck(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if !s.admit(req, tx, time.Now()) {
		return
	}
	if d := s.lookup(req); d != nil && req.CSeq() != nil {
		d.acked(req.CSeq().SeqNo, req.Source())
	}
}

// onBye handles BYE: the client ends the dialog.
func (s *Server) onBye(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	start := time.Now()
	if !s.admit(req, tx, start) {
		return
	}
	d := s.lookup(req)
	if d == nil {
		s.refuse(tx, req, start, 481, "")
		return
	}
	// End it before answering, so the dialog is gone once the client
	// has the answer.
	d.terminate(ErrPeerBye)
	s.respond(tx, req, 200, "OK", nil)
	s.done(req, 200, start)
}

// onCancel handles a CANCEL that matched no pending INVITE (sipgo answers
// the others itself).
func (s *Server) onCancel(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	start := time.Now()
	if !s.admit(req, tx, start) {
		return
	}
	s.refuse(tx, req, start, 481, "")
}

// dialogOf returns the open dialog an INFO or re-INVITE belongs to. It
// answers 481 for an unknown or ended dialog, and 500 for a CSeq that is
// not above the one of the INVITE that opened the dialog, and returns nil.
func (s *Server) dialogOf(req *sipmsg.Request, tx sipmsg.ServerTransaction, start time.Time) *dialog {
	d := s.lookup(req)
	switch {
	case d == nil || d.ended():
		s.refuse(tx, req, start, 481, "")
	case req.CSeq().SeqNo <= d.cseq0:
		s.refuse(tx, req, start, 500, "CSeq Out Of Order")
	default:
		return d
	}
	return nil
}

// onInfo handles INFO: a CSTA request for the session.
func (s *Server) onInfo(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	start := time.Now()
	if !s.admit(req, tx, start) {
		return
	}
	d := s.dialogOf(req, tx, start)
	if d == nil {
		return
	}
	d.touch(req.Source())
	if len(req.Body()) == 0 && contentType(req) == "" {
		// An INFO without a body is a keep-alive or a probe.
		s.respond(tx, req, 200, "OK", nil)
		s.done(req, 200, start)
		return
	}
	msg, ok := s.readBody(req, tx, start, true)
	if !ok {
		return
	}
	// Events the request causes go out after its answer (see beginRequest).
	d.beginRequest()
	defer d.endRequest()
	ctx, release, ok := d.requestContext(0)
	if !ok {
		s.refuse(tx, req, start, 481, "")
		return
	}
	resp, err := d.sess.Handle(ctx, msg)
	release()
	if err != nil {
		if r, ok := errors.AsType[*Refusal](err); ok && r.Status == 481 {
			// End it before answering, so the dialog is gone once the
			// client has the answer.
			d.terminate(ErrStaleSession)
		} else if d.ended() {
			// The dialog ended while the session worked on the request.
			err = &Refusal{Status: 481}
		}
		s.refusal(tx, req, start, err)
		return
	}
	if resp == nil {
		s.respond(tx, req, 200, "OK", nil)
		s.done(req, 200, start)
		return
	}
	body, err := csta.Encode(inNamespace(resp, *msg.MessageHeader()))
	if err != nil {
		s.log.Error("cannot encode the CSTA response", "dialog", d.info.DialogID, "response", resp.MessageName(), "error", err)
		s.refuse(tx, req, start, 500, "")
		return
	}
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", body)
	ct := sipmsg.ContentTypeHeader(contentTypeCSTA)
	res.AppendHeader(&ct)
	res.AppendHeader(sipmsg.NewHeader("Content-Disposition", contentDispositionCSTA))
	if d.udp && s.cfg.UDPMaxMessageSize > 0 && len(body)+2048 > s.cfg.UDPMaxMessageSize &&
		len(res.String())+len(s.cfg.UserAgent)+10 > s.cfg.UDPMaxMessageSize {
		s.log.Warn("CSTA response too large for UDP", "dialog", d.info.DialogID, "response", resp.MessageName(), "bytes", len(body))
		s.refuse(tx, req, start, 500, "Response Too Large For UDP")
		return
	}
	if err := s.send(tx, req, res); err != nil {
		s.done(req, 500, start)
		return
	}
	s.done(req, 200, start)
}

// onOptions answers OPTIONS, the load balancer's probe: 200 while the
// handler is ready, 503 otherwise.
func (s *Server) onOptions(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	start := time.Now()
	if !s.admit(req, tx, start) {
		return
	}
	if !s.available(req, tx, start) {
		return
	}
	s.respond(tx, req, 200, "OK", nil,
		sipmsg.NewHeader("Allow", allowMethods),
		sipmsg.NewHeader("Accept", contentTypeCSTA),
		sipmsg.NewHeader("Supported", "timer"))
	s.done(req, 200, start)
}

// available answers 503 with Retry-After and returns false when the
// server is shutting down or the handler is not ready.
func (s *Server) available(req *sipmsg.Request, tx sipmsg.ServerTransaction, start time.Time) bool {
	switch {
	case s.isClosing():
		s.unavailable(tx, req, start, "Shutting Down")
	case !s.cfg.Handler.Ready():
		s.unavailable(tx, req, start, "No CTI Connection")
	default:
		return true
	}
	return false
}

// onOther answers methods the server does not support with 405.
func (s *Server) onOther(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	start := time.Now()
	if !s.admit(req, tx, start) || req.IsAck() {
		return
	}
	s.refuse(tx, req, start, 405, "", sipmsg.NewHeader("Allow", allowMethods))
}
