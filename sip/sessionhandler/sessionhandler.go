package sessionhandler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/sip"
)

// Options tune a [Handler]. The zero value selects every default; a
// negative value is an error.
type Options struct {
	// RetryAfter is the Retry-After sent with the 503 refusals the
	// manager's errors map to (overload, no CTI connection, shutting
	// down). Default: sip.DefaultRetryAfter.
	RetryAfter time.Duration
}

// Handler is a session manager as the handler of a sip.Server: INVITEs
// open sessions, INFOs are handled by them, and the manager's refusals
// become SIP refusals through session.Status (403, 404, 400, 481, and 503
// with a Retry-After). It is safe for concurrent use.
type Handler struct {
	mgr        *session.Manager
	retryAfter time.Duration
}

// New returns mgr as the handler of a sip.Server. It fails when mgr is nil
// or an option is negative.
func New(mgr *session.Manager, opts Options) (*Handler, error) {
	if mgr == nil {
		return nil, errors.New("sessionhandler: nil session manager")
	}
	if opts.RetryAfter < 0 {
		return nil, fmt.Errorf("sessionhandler: Options.RetryAfter is negative (%v)", opts.RetryAfter)
	}
	if opts.RetryAfter == 0 {
		opts.RetryAfter = sip.DefaultRetryAfter
	}
	return &Handler{mgr: mgr, retryAfter: opts.RetryAfter}, nil
}

// Compile-time checks that the adapter fits sip, that the dialog fits
// session as it is (the two EventSinks have one method set), and that the
// manager reports readiness.
var (
	_ sip.Handler               = (*Handler)(nil)
	_ sip.Session               = sipSession{}
	_ session.EventSink         = sip.EventSink(nil)
	_ sip.EventSink             = session.EventSink(nil)
	_ interface{ Ready() bool } = (*session.Manager)(nil)
)

// Open opens a session for a session INVITE.
func (h *Handler) Open(ctx context.Context, req *sip.OpenRequest) (sip.Session, *csta.RequestSystemStatusResponse, error) {
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
func (h *Handler) Ready() bool { return h.mgr.Ready() }

// refusal maps a session error to a SIP refusal, keeping err in the chain.
// session.Status gives every error a status (500 for one it does not
// know), so every error becomes a refusal.
func (h *Handler) refusal(err error) error {
	status, retry := session.Status(err)
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
	h *Handler
}

func (ss sipSession) Handle(ctx context.Context, req csta.Message) (csta.Message, error) {
	resp, err := ss.s.Handle(ctx, req)
	if err != nil {
		return nil, ss.h.refusal(err)
	}
	return resp, nil
}

func (ss sipSession) Refreshed() error {
	if err := ss.s.Refreshed(); err != nil {
		return ss.h.refusal(err)
	}
	return nil
}

func (ss sipSession) Closed(reason error) {
	if reason == nil {
		reason = errors.New("dialog ended")
	}
	ss.s.Close(reason)
}
