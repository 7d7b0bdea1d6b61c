package poolcti

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/session"
)

// Compile-time checks that the adapters fit, and that a session's monitor
// handler is a ctipool subscriber (with the optional loss handler).
var (
	_ session.CTI         = poolCTI{}
	_ session.Capable     = capableCTI{}
	_ session.Link        = (*link)(nil)
	_ session.Monitor     = (*monitor)(nil)
	_ ctipool.Subscriber  = session.MonitorHandler(nil)
	_ ctipool.LossHandler = session.MonitorHandler(nil)
)

// New returns pool as a session.CTI: each Acquire hands out one of the
// pool's handles (a connection in its current generation) as a
// session.Link. The pool stays the caller's to close, after the session
// manager has shut down.
func New(pool *ctipool.Pool) session.CTI { return poolCTI{pool} }

type poolCTI struct{ p *ctipool.Pool }

// NewDialect is New for a pool whose connections speak dialect d: the CTI
// also reports, through session.Capable, the services and events d's PBX
// offers (session.Supported narrowed by d.Narrow), so that a session
// neither advertises in GetCSTAFeatures nor forwards a service the PBX
// lacks. A nil d is the default dialect.
func NewDialect(pool *ctipool.Pool, d *dialect.Dialect) session.CTI {
	if d == nil {
		d = dialect.Default()
	}
	return capableCTI{poolCTI: poolCTI{pool}, caps: d.Narrow(session.Supported())}
}

// capableCTI is a poolCTI that tells its dialect's capabilities.
type capableCTI struct {
	poolCTI
	caps csta.Features
}

// Capabilities returns the dialect's services and events; the value is
// shared and never modified.
func (c capableCTI) Capabilities() csta.Features { return c.caps }

// Acquire returns a link on the pool's next healthy connection.
func (c poolCTI) Acquire() (session.Link, error) {
	h, err := c.p.Acquire()
	if err != nil {
		return nil, err
	}
	return &link{h: h}, nil
}

// Ready reports whether a connection is up.
func (c poolCTI) Ready() bool { return c.p.Healthy() > 0 }

// link is a pool Handle: one connection in one generation.
type link struct{ h ctipool.Handle }

func (l *link) Do(ctx context.Context, req csta.Request) (csta.Response, error) {
	resp, err := l.h.Do(ctx, req)
	return resp, wrap(err)
}

func (l *link) Monitor(ctx context.Context, req *csta.MonitorStart, h session.MonitorHandler) (*csta.MonitorStartResponse, session.Monitor, error) {
	resp, sub, err := l.h.Monitor(ctx, req, h)
	if err != nil {
		return nil, nil, wrap(err)
	}
	return resp, &monitor{h: l.h, sub: sub}, nil
}

// Check tells a live link from a down or stale one, as the pool would fail
// a request on it.
func (l *link) Check() error {
	if l.h.Valid() {
		return nil
	}
	c := l.h.Conn()
	switch {
	case c == nil:
		return &linkError{err: ctipool.ErrStaleConn, stale: true}
	case c.State() == ctipool.StateClosed:
		return &linkError{err: ctipool.ErrPoolClosed}
	case c.Gen() != l.h.Gen():
		return &linkError{err: ctipool.ErrStaleConn, stale: true}
	}
	return &linkError{err: ctipool.ErrConnDown}
}

func (l *link) Endpoint() string {
	if c := l.h.Conn(); c != nil {
		return c.Name()
	}
	return ""
}

func (l *link) Generation() uint64 { return l.h.Gen() }

// monitor is a pool subscription and the monitor it stands for.
type monitor struct {
	h       ctipool.Handle
	sub     *ctipool.Subscription
	stopped atomic.Bool
}

// Stop removes the subscription (also from the watchers of a connection
// that went down) and, while the connection is up in the monitor's
// generation, sends MonitorStop.
func (m *monitor) Stop(ctx context.Context) error {
	if m.stopped.Swap(true) {
		return nil
	}
	m.sub.Stop()
	if !m.h.Valid() {
		return nil // the monitor died with its link
	}
	return wrap(m.h.StopMonitor(ctx, m.sub.CrossRefID()))
}

// linkError marks a failure of the connection for session.
type linkError struct {
	err   error
	stale bool
}

func (e *linkError) Error() string     { return e.err.Error() }
func (e *linkError) Unwrap() error     { return e.err }
func (e *linkError) LinkDown() bool    { return true }
func (e *linkError) Stale() bool       { return e.stale }
func (e *linkError) SafeToRetry() bool { return ctipool.SafeToRetry(e.err) }

// wrap marks link failures; other errors pass unchanged.
func wrap(err error) error {
	var le *ctipool.LinkError
	if !errors.As(err, &le) {
		return err
	}
	return &linkError{err: err, stale: errors.Is(err, ctipool.ErrStaleConn)}
}
