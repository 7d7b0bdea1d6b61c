package ctipool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rcc-go/rcc/csta"
)

// Conn is the pool's connection to one endpoint. It lives as long as the
// pool and goes through any number of links, one generation each. Its
// methods are safe for concurrent use.
type Conn struct {
	p     *Pool
	index int
	ep    Endpoint
	log   *slog.Logger

	mu        sync.Mutex
	state     State
	gen       uint64 // current generation when up, else the last one
	link      Link   // nil unless up
	cur       *linkRef
	since     time.Time
	downSince time.Time // first failure since the connection was last up; zero while up
	lastErr   error
	pending   map[uint64]context.CancelCauseFunc
	pendingID uint64
	subs      map[csta.MonitorCrossRefID]*Subscription // live monitors of gen
	watchers  map[*Subscription]struct{}               // waiting for the next generation
	monSeq    uint64                                   // last MonitorStart sequence number
	monitors  []uint64                                 // sequence numbers of pending MonitorStarts, ascending
	held      []heldEvent                              // events that may belong to a pending MonitorStart

	stateA atomic.Uint32 // state, readable without mu

	hbRTT      atomic.Int64
	hbAt       atomic.Int64
	requests   atomic.Uint64
	failures   atomic.Uint64
	timeouts   atomic.Uint64
	cstaErrs   atomic.Uint64
	heartbeats atomic.Uint64
	hbFailures atomic.Uint64
	connects   atomic.Uint64
	connFails  atomic.Uint64
	eventsIn   atomic.Uint64
	dropped    atomic.Uint64
	overflowed atomic.Uint64
	placed     atomic.Uint64
}

// linkRef identifies one link, so events from a link that has been
// replaced are recognised and dropped.
type linkRef struct{}

func newConn(p *Pool, index int, ep Endpoint) *Conn {
	return &Conn{
		p:        p,
		index:    index,
		ep:       ep,
		log:      p.log.With("endpoint", ep.Name),
		state:    StateConnecting,
		since:    time.Now(),
		pending:  make(map[uint64]context.CancelCauseFunc),
		subs:     make(map[csta.MonitorCrossRefID]*Subscription),
		watchers: make(map[*Subscription]struct{}),
	}
}

// Name returns the endpoint's name.
func (c *Conn) Name() string { return c.ep.Name }

// Addr returns the endpoint's address.
func (c *Conn) Addr() string { return c.ep.Addr }

// Index returns the endpoint's position in Config.Endpoints.
func (c *Conn) Index() int { return c.index }

// State returns the connection's current state.
func (c *Conn) State() State { return State(c.stateA.Load()) }

// Gen returns the current generation, or the last one when the connection
// is not up (0 before the first connection).
func (c *Conn) Gen() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// Handle returns a Handle on the current generation, or an error when the
// connection is not up. Unlike Pool.Acquire it does not count as a
// placement.
func (c *Conn) Handle() (Handle, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkLocked(c.gen); err != nil {
		return Handle{}, err
	}
	return Handle{c: c, gen: c.gen}, nil
}

// checkLocked returns the error for a request on generation gen, or nil
// when gen is current and up. The caller holds c.mu.
func (c *Conn) checkLocked(gen uint64) error {
	switch {
	case c.state == StateClosed || c.p.closed.Load():
		return &LinkError{Endpoint: c.ep.Name, Gen: gen, Err: ErrPoolClosed}
	case gen != c.gen:
		return &LinkError{Endpoint: c.ep.Name, Gen: gen,
			Err: fmt.Errorf("%w: generation %d is current", ErrStaleConn, c.gen)}
	case c.state != StateUp:
		return &LinkError{Endpoint: c.ep.Name, Gen: gen, Err: c.downErrLocked()}
	}
	return nil
}

// downErrLocked wraps ErrConnDown with the last failure.
func (c *Conn) downErrLocked() error {
	if c.lastErr == nil {
		return fmt.Errorf("%w (%s)", ErrConnDown, c.state)
	}
	return fmt.Errorf("%w: %w", ErrConnDown, c.lastErr)
}

// setStateLocked records a state change and returns it for notify. The
// caller holds c.mu.
func (c *Conn) setStateLocked(s State, err error) StateChange {
	ch := StateChange{Endpoint: c.ep.Name, Index: c.index, Gen: c.gen, Old: c.state, New: s, Err: err}
	c.state = s
	c.stateA.Store(uint32(s))
	c.since = time.Now()
	if err != nil {
		c.lastErr = err
	}
	switch {
	case s == StateUp:
		c.downSince = time.Time{}
	case c.downSince.IsZero() && (err != nil || s == StateClosed):
		c.downSince = c.since
	}
	return ch
}

// notify logs a state change and tells the observer and WaitHealthy
// callers. The caller holds no lock.
func (c *Conn) notify(ch StateChange) {
	if ch.Old == ch.New {
		return
	}
	switch {
	case ch.New == StateUp:
		c.log.Info("connection up", "gen", ch.Gen)
	case ch.Old == StateUp:
		c.log.Info("connection down", "gen", ch.Gen, "err", ch.Err)
	case ch.New == StateDown:
		c.log.Warn("connection attempt failed", "err", ch.Err)
	default:
		c.log.Debug("connection state", "old", ch.Old, "new", ch.New)
	}
	c.p.stateChanged(ch)
}

// run is the connection's supervisor: it connects, watches the link and
// its heartbeats, and reconnects with backoff, until ctx is done.
func (c *Conn) run(ctx context.Context) {
	attempt := 0
	for first := true; ; first = false {
		if !first {
			t := time.NewTimer(c.p.backoff.Delay(attempt))
			attempt++
			select {
			case <-ctx.Done():
				t.Stop()
				c.closeDown()
				return
			case <-t.C:
			}
			c.mu.Lock()
			ch := c.setStateLocked(StateConnecting, nil)
			c.mu.Unlock()
			c.notify(ch)
		}
		link, ref, err := c.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				c.closeDown()
				return
			}
			c.connFails.Add(1)
			c.mu.Lock()
			ch := c.setStateLocked(StateDown, err)
			c.mu.Unlock()
			c.notify(ch)
			continue
		}
		upAt := time.Now()
		c.up(link, ref)
		err = c.serve(ctx, link)
		c.down(link, err)
		if ctx.Err() != nil {
			c.closeDown()
			return
		}
		if time.Since(upAt) >= c.p.cfg.ReconnectMax {
			attempt = 0
		}
	}
}

func (c *Conn) dial(ctx context.Context) (Link, *linkRef, error) {
	ctx, cancel := context.WithTimeout(ctx, c.p.cfg.DialTimeout)
	defer cancel()
	ref := new(linkRef)
	link, err := c.p.transport.Dial(ctx, c.ep, func(ev csta.Event) { c.event(ref, ev) })
	if err != nil {
		return nil, nil, err
	}
	if link == nil {
		return nil, nil, errors.New("ctipool: transport returned no link")
	}
	return link, ref, nil
}

// up installs a new link with a new generation and tells the watchers.
func (c *Conn) up(link Link, ref *linkRef) {
	c.mu.Lock()
	c.gen = c.p.gens.Add(1)
	c.link, c.cur = link, ref
	if c.connects.Add(1) > 1 {
		c.log.Debug("reconnected", "gen", c.gen)
	}
	ch := c.setStateLocked(StateUp, nil)
	for s := range c.watchers {
		s.q.push(item{kind: itemUp, n: c.gen})
	}
	c.mu.Unlock()
	c.notify(ch)
}

// serve watches a live link until it ends, the heartbeats fail or ctx is
// done, and returns why it stopped.
func (c *Conn) serve(ctx context.Context, link Link) error {
	interval := c.p.cfg.HeartbeatInterval
	misses := 0
	var answered atomic.Int64 // UnixNano of the last heartbeat answer on this link
	received := func() time.Time {
		last := link.LastReceived()
		if a := answered.Load(); a > last.UnixNano() {
			last = time.Unix(0, a)
		}
		return last
	}
	last := received()
	if now := time.Now(); last.IsZero() || last.After(now) {
		last = now
	}
	t := time.NewTimer(time.Until(last.Add(interval)))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ErrPoolClosed
		case <-link.Done():
			if err := link.Err(); err != nil {
				return err
			}
			return errors.New("ctipool: link ended")
		case <-t.C:
		}
		if cur := received(); cur.After(last) {
			last, misses = cur, 0
			t.Reset(time.Until(last.Add(interval)))
			continue
		}
		misses++
		if misses >= c.p.cfg.HeartbeatMisses {
			return fmt.Errorf("%w: nothing received for %v (%d heartbeat intervals)",
				ErrHeartbeat, time.Since(last).Round(time.Millisecond), misses)
		}
		c.heartbeat(link, &answered)
		t.Reset(time.Until(last.Add(time.Duration(misses+1) * interval)))
	}
}

// heartbeat sends one heartbeat on its own goroutine. It waits at most
// one interval for the answer, so at most two are ever outstanding. An
// answer counts as inbound traffic even if the link's LastReceived does not
// show it.
func (c *Conn) heartbeat(link Link, answered *atomic.Int64) {
	gen := c.Gen()
	c.heartbeats.Add(1)
	c.p.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.p.cfg.HeartbeatInterval)
		defer cancel()
		start := time.Now()
		err := link.Heartbeat(ctx)
		rtt := time.Since(start)
		if err != nil {
			c.hbFailures.Add(1)
			c.log.Debug("heartbeat failed", "gen", gen, "err", err)
		} else {
			now := time.Now().UnixNano()
			answered.Store(now)
			c.hbRTT.Store(int64(rtt))
			c.hbAt.Store(now)
		}
		c.p.heartbeatDone(c.ep.Name, gen, rtt, err)
	})
}

// down retires a link: the state changes, pending requests fail, live
// monitors end (their subscribers get LinkDown and become watchers), and
// the link is closed.
func (c *Conn) down(link Link, cause error) {
	closing := errors.Is(cause, ErrPoolClosed)
	c.mu.Lock()
	gen := c.gen
	next, why := StateDown, fmt.Errorf("%w: %w", ErrConnDown, cause)
	if closing {
		next, why = StateClosed, ErrPoolClosed
	}
	reqErr := &LinkError{Endpoint: c.ep.Name, Gen: gen, Err: why, Sent: true}
	subErr := &LinkError{Endpoint: c.ep.Name, Gen: gen, Err: why}
	ch := c.setStateLocked(next, why)
	c.link, c.cur = nil, nil
	pending := c.pending
	c.pending = make(map[uint64]context.CancelCauseFunc)
	for xref, s := range c.subs {
		delete(c.subs, xref)
		s.q.push(item{kind: itemDown, err: subErr})
		if !closing {
			c.watchers[s] = struct{}{}
		}
	}
	c.dropHeldLocked(len(c.held))
	c.mu.Unlock()
	for _, cancel := range pending {
		cancel(reqErr)
	}
	c.notify(ch)
	// Closing may take a while (a polite goodbye to a server that no
	// longer answers); it must not delay the reconnect.
	c.p.wg.Go(func() {
		if err := link.Close(); err != nil {
			c.log.Debug("closing link", "err", err)
		}
	})
}

// closeDown is the supervisor's last act: the state becomes Closed and the
// watchers learn that no new generation will come.
func (c *Conn) closeDown() {
	c.mu.Lock()
	ch := c.setStateLocked(StateClosed, nil)
	err := &LinkError{Endpoint: c.ep.Name, Gen: c.gen, Err: ErrPoolClosed}
	for s := range c.watchers {
		delete(c.watchers, s)
		s.q.push(item{kind: itemDown, err: err})
	}
	c.mu.Unlock()
	c.notify(ch)
}

// do sends a request on generation gen.
func (c *Conn) do(ctx context.Context, gen uint64, req csta.Request) (csta.Response, error) {
	if req == nil {
		return nil, errors.New("ctipool: nil request")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	c.mu.Lock()
	if err := c.checkLocked(gen); err != nil {
		c.mu.Unlock()
		return nil, err
	}
	link := c.link
	c.pendingID++
	pid := c.pendingID
	c.pending[pid] = cancel
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, pid)
		c.mu.Unlock()
	}()

	timeout := c.p.cfg.RequestTimeout
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > timeout {
		var tcancel context.CancelFunc
		ctx, tcancel = context.WithTimeout(ctx, timeout)
		defer tcancel()
	}
	c.requests.Add(1)
	resp, err := link.Do(ctx, req)
	if err == nil {
		if resp == nil {
			c.failures.Add(1)
			return nil, fmt.Errorf("ctipool: %s: transport returned no response to %s", c.ep.Name, req.MessageName())
		}
		return resp, nil
	}
	var cerr *csta.Error
	if errors.As(err, &cerr) {
		c.cstaErrs.Add(1)
		return nil, err
	}
	if cause := context.Cause(ctx); cause != nil {
		var le *LinkError
		if errors.As(cause, &le) {
			// The connection went down, or the pool closed, while the
			// request was pending.
			c.failures.Add(1)
			return nil, &LinkError{Endpoint: le.Endpoint, Gen: le.Gen, Err: le.Err, Sent: !SafeToRetry(err)}
		}
	}
	select {
	case <-link.Done():
		c.failures.Add(1)
		return nil, &LinkError{Endpoint: c.ep.Name, Gen: gen, Err: fmt.Errorf("%w: %w", ErrConnDown, err), Sent: !SafeToRetry(err)}
	default:
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		c.timeouts.Add(1)
		return nil, fmt.Errorf("%w: %s on %s gen %d: %w", ErrTimeout, req.MessageName(), c.ep.Name, gen, err)
	}
	c.failures.Add(1)
	return nil, fmt.Errorf("ctipool: %s on %s gen %d: %w", req.MessageName(), c.ep.Name, gen, err)
}

// stats returns the connection's snapshot.
func (c *Conn) stats() EndpointStats {
	c.mu.Lock()
	s := EndpointStats{
		Name:        c.ep.Name,
		Addr:        c.ep.Addr,
		State:       c.state,
		Generation:  c.gen,
		Since:       c.since,
		DownSince:   c.downSince,
		LastError:   c.lastErr,
		Pending:     len(c.pending),
		Subscribers: len(c.subs),
		Watchers:    len(c.watchers),
	}
	c.mu.Unlock()
	s.LastHeartbeatRTT = time.Duration(c.hbRTT.Load())
	if at := c.hbAt.Load(); at != 0 {
		s.LastHeartbeat = time.Unix(0, at)
	}
	s.Requests = c.requests.Load()
	s.Failures = c.failures.Load()
	s.Timeouts = c.timeouts.Load()
	s.CSTAErrors = c.cstaErrs.Load()
	s.Heartbeats = c.heartbeats.Load()
	s.HeartbeatFailures = c.hbFailures.Load()
	s.Connects = c.connects.Load()
	if s.Connects > 0 {
		s.Reconnects = s.Connects - 1
	}
	s.ConnectFailures = c.connFails.Load()
	s.EventsIn = c.eventsIn.Load()
	s.EventsDropped = c.dropped.Load()
	s.EventsOverflowed = c.overflowed.Load()
	s.Placed = c.placed.Load()
	return s
}

// Stats returns a snapshot of the connection.
func (c *Conn) Stats() EndpointStats { return c.stats() }
