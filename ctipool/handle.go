package ctipool

import (
	"context"
	"fmt"

	"github.com/rcc-go/rcc/csta"
)

// Handle is a session's hold on one connection in one generation: a small
// value to keep and copy. Everything done through it fails at once with
// ErrStaleConn after the connection has been re-established, with
// ErrConnDown while it is down and with ErrPoolClosed after Close. The zero
// Handle is stale.
type Handle struct {
	c   *Conn
	gen uint64
}

// Conn returns the connection, nil for the zero Handle.
func (h Handle) Conn() *Conn { return h.c }

// Gen returns the generation the Handle is bound to.
func (h Handle) Gen() uint64 { return h.gen }

// Valid reports whether the connection is up in the Handle's generation.
func (h Handle) Valid() bool {
	if h.c == nil {
		return false
	}
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	return h.c.checkLocked(h.gen) == nil
}

// String returns "endpoint/gen", for logs.
func (h Handle) String() string {
	if h.c == nil {
		return "<none>"
	}
	return fmt.Sprintf("%s/%d", h.c.ep.Name, h.gen)
}

func (h Handle) zeroErr() error {
	return &LinkError{Endpoint: "<none>", Err: fmt.Errorf("%w: zero Handle", ErrStaleConn)}
}

// Do sends a request and returns its answer. It is bounded by ctx and by
// Config.RequestTimeout, whichever ends first.
//
// A CSTAErrorCode answer gives a *csta.Error (match it with errors.Is and
// the csta.ErrX values). A request that cannot be sent, or that was pending
// when the connection went down or the pool closed, gives a *LinkError; a
// request without an answer in time gives an error matching ErrTimeout and
// context.DeadlineExceeded. SafeToRetry tells whether the request certainly
// never reached the server.
func (h Handle) Do(ctx context.Context, req csta.Request) (csta.Response, error) {
	if h.c == nil {
		return nil, h.zeroErr()
	}
	return h.c.do(ctx, h.gen, req)
}
