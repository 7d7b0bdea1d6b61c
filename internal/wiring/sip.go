package wiring

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/sip"
)

// SIP turns a session manager into the handler of a sip.Server: INVITEs
// open sessions, INFOs are handled by them, and the manager's refusals
// become SIP refusals through session.Status (403, 404, 400, 481, and 503
// with a Retry-After of retryAfter).
func SIP(mgr *session.Manager, retryAfter time.Duration) sip.Handler {
	if retryAfter <= 0 {
		retryAfter = 30 * time.Second
	}
	return &sipHandler{mgr: mgr, retryAfter: retryAfter}
}

type sipHandler struct {
	mgr        *session.Manager
	retryAfter time.Duration
}

var (
	_ sip.Handler               = (*sipHandler)(nil)
	_ sip.Session               = sipSession{}
	_ session.EventSink         = sip.EventSink(nil)
	_ sip.EventSink             = session.EventSink(nil)
	_ interface{ Ready() bool } = (*session.Manager)(nil)
)

// Open opens a session for a session INVITE.
func (h *sipHandler) Open(ctx context.Context, req *sip.OpenRequest) (sip.Session, *csta.RequestSystemStatusResponse, error) {
	s, resp, err := h.mgr.Open(ctx, session.OpenRequest{
		DialogID: req.DialogID,
		User:     req.User,
		Line:     req.Line,
		Request:  req.Request,
		Peer:     req.Peer.String(),
		Sink:     req.Events,
	})
	if err != nil {
		return nil, nil, h.refusal(err)
	}
	return sipSession{s: s, h: h}, resp, nil
}

// Ready reports whether the manager can open sessions.
func (h *sipHandler) Ready() bool { return h.mgr.Ready() }

// refusal maps a session error to a SIP refusal, keeping err in the chain.
func (h *sipHandler) refusal(err error) error {
	status, retry := session.Status(err)
	if status == 0 {
		return err
	}
	// The reason phrase says what was wrong, as the session error does
	// ("not allowed: ...", "unknown line: ..."); the server makes it one
	// printable line.
	r := &sip.RefusalError{Status: status, Reason: strings.TrimPrefix(err.Error(), "session: ")}
	if retry {
		r.RetryAfter = h.retryAfter
	}
	return &refusalError{r: r, err: err}
}

// refusalError is a *sip.RefusalError that also wraps the session error it came
// from.
type refusalError struct {
	r   *sip.RefusalError
	err error
}

func (e *refusalError) Error() string { return e.err.Error() }
func (e *refusalError) Unwrap() []error {
	return []error{e.r, e.err}
}

type sipSession struct {
	s *session.Session
	h *sipHandler
}

func (ss sipSession) Handle(ctx context.Context, req csta.Message) (csta.Message, error) {
	resp, err := ss.s.Handle(ctx, req)
	if err != nil {
		return nil, ss.h.refusal(err)
	}
	return resp, nil
}

func (ss sipSession) Refreshed() { ss.s.Refreshed() }

func (ss sipSession) Closed(reason error) {
	if reason == nil {
		reason = errors.New("dialog ended")
	}
	ss.s.Close(reason)
}
