package sip

import (
	"context"
	"sync"
	"sync/atomic"
)

// Stats is a snapshot of a server's counters, from [Server.Stats].
type Stats struct {
	// Dialogs is the number of dialogs open now.
	Dialogs int
	// DialogsOpened and DialogsClosed count dialogs since the server
	// started.
	DialogsOpened, DialogsClosed uint64
	// Requests counts the requests received, by method ("INVITE", "INFO",
	// ...; methods the server does not handle count as "OTHER"). A CANCEL
	// matched to a pending INVITE counts too.
	Requests map[string]uint64
	// Responses counts the final and provisional responses the server sent
	// itself, by status code (sipgo's automatic 100 Trying is not counted).
	Responses map[int]uint64
	// EventsSent counts event INFOs the client answered 2xx.
	EventsSent uint64
	// EventsFailed counts event INFOs that got a failure response or none.
	EventsFailed uint64
	// EventsDropped counts events refused by SendEvent (queue full, too
	// large, dialog ended) or still queued when their dialog ended.
	EventsDropped uint64
	// UDPTransactionsRefused counts the UDP requests the front door
	// answered 503 (or dropped, when it could not answer them) because
	// ServerConfig.MaxUDPTransactions was reached.
	UDPTransactionsRefused uint64
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.dialogs)
	s.mu.Unlock()
	st := s.stats.snapshot(n)
	_, st.UDPTransactionsRefused = s.front.udp.counts()
	return st
}

// methods are the request methods counted by name.
var methods = [...]string{"INVITE", "ACK", "BYE", "CANCEL", "INFO", "OPTIONS", "OTHER"}

// counters are the server's statistics, updated without locks.
type counters struct {
	requests                          [len(methods)]atomic.Uint64
	responses                         [600]atomic.Uint64 // index: status - 100
	opened, closed                    atomic.Uint64
	eventsSent, eventsFailed, dropped atomic.Uint64
}

func (c *counters) request(method string) {
	for i, m := range methods {
		if m == method || i == len(methods)-1 {
			c.requests[i].Add(1)
			return
		}
	}
}

func (c *counters) response(code int) {
	if code >= 100 && code < 700 {
		c.responses[code-100].Add(1)
	}
}

func (c *counters) snapshot(dialogs int) Stats {
	st := Stats{
		Dialogs:       dialogs,
		DialogsOpened: c.opened.Load(),
		DialogsClosed: c.closed.Load(),
		Requests:      make(map[string]uint64),
		Responses:     make(map[int]uint64),
		EventsSent:    c.eventsSent.Load(),
		EventsFailed:  c.eventsFailed.Load(),
		EventsDropped: c.dropped.Load(),
	}
	for i := range c.requests {
		if n := c.requests[i].Load(); n > 0 {
			st.Requests[methods[i]] = n
		}
	}
	for i := range c.responses {
		if n := c.responses[i].Load(); n > 0 {
			st.Responses[i+100] = n
		}
	}
	return st
}

// gate counts running operations and lets a caller wait until none runs.
type gate struct {
	mu      sync.Mutex
	n       int
	waiters []chan struct{}
}

func (g *gate) enter() {
	g.mu.Lock()
	g.n++
	g.mu.Unlock()
}

func (g *gate) leave() {
	g.mu.Lock()
	g.n--
	if g.n == 0 {
		for _, w := range g.waiters {
			close(w)
		}
		g.waiters = nil
	}
	g.mu.Unlock()
}

// wait returns when no operation runs, or with ctx's error when ctx is done
// first.
func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	if g.n == 0 {
		g.mu.Unlock()
		return nil
	}
	w := make(chan struct{})
	g.waiters = append(g.waiters, w)
	g.mu.Unlock()
	select {
	case <-w:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cancelSet hands out contexts that one call can cancel all at once, for
// work that must stop when its owner (the server, a dialog, a client
// session) stops.
type cancelSet struct {
	gate   // counts the contexts not yet released
	mu     sync.Mutex
	next   uint64
	m      map[uint64]context.CancelCauseFunc
	closed bool
}

// with returns a context derived from parent that cancelAll cancels, and
// the function that releases it. ok is false, and no context is returned,
// after cancelAll.
func (s *cancelSet) with(parent context.Context) (ctx context.Context, release func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, false
	}
	ctx, cancel := context.WithCancelCause(parent)
	if s.m == nil {
		s.m = make(map[uint64]context.CancelCauseFunc)
	}
	id := s.next
	s.next++
	s.m[id] = cancel
	s.enter()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.m, id)
			s.mu.Unlock()
			cancel(nil)
			s.leave()
		})
	}, true
}

// cancelAll cancels every context handed out with cause, and makes with
// fail from now on.
func (s *cancelSet) cancelAll(cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, c := range s.m {
		c(cause)
	}
	s.m = nil
}
