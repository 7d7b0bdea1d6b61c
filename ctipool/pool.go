package ctipool

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rcc-go/rcc/internal/backoff"
)

// Pool keeps connections to up to MaxEndpoints CTI endpoints and places
// new sessions on them round-robin. Its methods are safe for concurrent
// use.
type Pool struct {
	cfg       Config
	log       *slog.Logger
	transport Transport
	backoff   backoff.Policy
	conns     []*Conn
	disp      *dispatcher
	obs       Observer // the configured hooks; the zero Observer without one
	obsQ      *queue   // observer callbacks; nil without a hook

	gens   atomic.Uint64 // last generation handed out, pool-wide
	rr     atomic.Uint64 // round-robin counter
	closed atomic.Bool

	changeMu sync.Mutex
	changed  chan struct{} // closed and replaced on every state change

	cancel    context.CancelFunc
	wg        sync.WaitGroup // supervisors and heartbeats
	closeOnce sync.Once
	done      chan struct{} // closed when Close starts
}

// New validates and copies cfg and returns a pool that immediately starts
// connecting to every endpoint, in parallel. It does not wait for any
// connection: use WaitHealthy for that, or let Acquire report
// ErrNoConnection until one is up.
func New(cfg Config) (*Pool, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Pool{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "ctipool"),
		transport: cfg.Transport,
		backoff:   backoff.Policy{Min: cfg.ReconnectMin, Max: cfg.ReconnectMax},
		disp:      newDispatcher(cfg.DispatchWorkers),
		changed:   make(chan struct{}),
		done:      make(chan struct{}),
	}
	if p.transport == nil {
		p.transport = tcpTransport{cfg: &p.cfg}
	}
	if cfg.Observer != nil {
		p.obs = *cfg.Observer
	}
	if p.obs.StateChanged != nil || p.obs.HeartbeatDone != nil {
		// Observer calls are never dropped: only events count against a
		// queue's limit, and state changes are rare.
		p.obsQ = p.disp.newQueue(nil, 0, nil)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.conns = make([]*Conn, len(cfg.Endpoints))
	for i, ep := range cfg.Endpoints {
		p.conns[i] = newConn(p, i, ep)
	}
	for _, c := range p.conns {
		p.wg.Go(func() { c.run(ctx) })
	}
	return p, nil
}

// whyDown says, for the error of an Acquire that found no connection up,
// what each connection is doing and why it last failed:
// "cti1 down since 10:04:05 (dial tcp ...: connection refused), cti2 connecting".
func (p *Pool) whyDown() string {
	parts := make([]string, 0, len(p.conns))
	for _, c := range p.conns {
		st := c.stats()
		d := st.Name + " " + st.State.String()
		if !st.DownSince.IsZero() && st.State != StateClosed {
			d += " since " + st.DownSince.Format(time.TimeOnly)
		}
		if st.LastError != nil {
			d += " (" + st.LastError.Error() + ")"
		}
		parts = append(parts, d)
	}
	return strings.Join(parts, ", ")
}

// Acquire returns a Handle on the next healthy connection, round-robin over
// the connections that are up, in configured order. With none up it fails
// at once with ErrNoConnection (ErrPoolClosed once closed); nothing was
// sent, so [SafeToRetry] reports true for these errors. A session keeps
// the Handle it got: the pool never moves it.
func (p *Pool) Acquire() (Handle, error) {
	for range len(p.conns) {
		if p.closed.Load() {
			return Handle{}, notSentError{ErrPoolClosed}
		}
		n := 0
		for _, c := range p.conns {
			if c.State() == StateUp {
				n++
			}
		}
		if n == 0 {
			return Handle{}, notSentError{fmt.Errorf("%w: none of %d endpoints is up: %s", ErrNoConnection, len(p.conns), p.whyDown())}
		}
		k := int((p.rr.Add(1) - 1) % uint64(n))
		for _, c := range p.conns {
			if c.State() != StateUp {
				continue
			}
			if k > 0 {
				k--
				continue
			}
			if h, err := c.Handle(); err == nil {
				c.placed.Add(1)
				return h, nil
			}
			break // it went down meanwhile; count again
		}
	}
	return Handle{}, notSentError{fmt.Errorf("%w: connections are changing state", ErrNoConnection)}
}

// Healthy returns how many connections are up.
func (p *Pool) Healthy() int {
	n := 0
	for _, c := range p.conns {
		if c.State() == StateUp {
			n++
		}
	}
	return n
}

// Conns returns the pool's connections in configured order.
func (p *Pool) Conns() []*Conn { return append([]*Conn(nil), p.conns...) }

// Stats returns a snapshot of every connection.
func (p *Pool) Stats() Stats {
	s := Stats{Endpoints: make([]EndpointStats, len(p.conns))}
	for i, c := range p.conns {
		s.Endpoints[i] = c.stats()
		if s.Endpoints[i].State == StateUp {
			s.Healthy++
		}
	}
	return s
}

// WaitHealthy waits until at least n connections are up. It returns
// ctx's error if ctx ends first, and ErrPoolClosed if the pool closes.
func (p *Pool) WaitHealthy(ctx context.Context, n int) error {
	for {
		p.changeMu.Lock()
		ch := p.changed
		p.changeMu.Unlock()
		if p.closed.Load() {
			return ErrPoolClosed
		}
		if p.Healthy() >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ctipool: waiting for %d healthy connections: %w", n, ctx.Err())
		case <-p.done:
			return ErrPoolClosed
		case <-ch:
		}
	}
}

// stateChanged wakes WaitHealthy callers and queues the observer call.
func (p *Pool) stateChanged(ch StateChange) {
	p.changeMu.Lock()
	close(p.changed)
	p.changed = make(chan struct{})
	p.changeMu.Unlock()
	if f := p.obs.StateChanged; f != nil {
		p.obsQ.push(item{kind: itemFunc, fn: func() { f(ch) }})
	}
}

// heartbeatDone queues the HeartbeatDone hook's call, if there is one.
func (p *Pool) heartbeatDone(endpoint string, gen uint64, rtt time.Duration, err error) {
	if f := p.obs.HeartbeatDone; f != nil {
		p.obsQ.push(item{kind: itemFunc, fn: func() { f(endpoint, gen, rtt, err) }})
	}
}

// Close closes the pool: pending requests fail with ErrPoolClosed, every
// link is closed, subscribers get LinkDown with ErrPoolClosed, and Close
// waits for all the pool's goroutines, including the dispatcher once it
// has run every callback already queued. Close is idempotent; later calls
// return at once.
func (p *Pool) Close() {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		close(p.done)
		p.cancel()
		p.wg.Wait()
		p.disp.close()
		p.log.Debug("pool closed")
	})
}
