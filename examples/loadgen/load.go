package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/rcc-go/rcc/ctipool/ctitest"
)

// loadConfig is what one run does.
type loadConfig struct {
	transport      string        // "tcp" or "udp"
	sessions       int           // sessions opened and monitored
	userOffset     int           // session i uses generated user userOffset+i
	conns          int           // client user agents (TCP connections)
	concurrency    int           // closed loop: requests in flight
	rate           float64       // open loop: requests per second; 0 = closed loop
	warmup         time.Duration // load before the measured window
	duration       time.Duration // measured window; 0 = no load (scale runs)
	idle           time.Duration // with duration 0: how long sessions stay idle before measuring
	snapshotRatio  float64       // share of operations that are SnapshotDevice
	setupParallel  int           // sessions opened at once
	timeout        time.Duration // per request
	sessionExpires int           // Session-Expires asked for, seconds
	teardown       bool          // MonitorStop and BYE at the end
}

// runner drives one target.
type runner struct {
	cfg  loadConfig
	gw   sipmsg.Uri
	tgt  target
	st   *stats
	log  *slog.Logger
	eps  []*endpoint
	sess []*session
}

// Result is the report of one run.
type Result struct {
	Name        string  `json:"name"`
	Target      string  `json:"target"`
	Where       string  `json:"where"` // "in-process" or "pid N"
	Transport   string  `json:"transport"`
	Sessions    int     `json:"sessions"`
	Conns       int     `json:"conns"`
	Mode        string  `json:"mode"` // "closed" or "open"
	Concurrency int     `json:"concurrency,omitempty"`
	Rate        float64 `json:"rate,omitempty"`
	Seconds     float64 `json:"seconds"`

	SetupSeconds    float64 `json:"setup_seconds"`
	SetupRate       float64 `json:"setup_per_second"`
	Setup           Latency `json:"setup_latency"`
	SetupErrors     uint64  `json:"setup_errors"`
	SetupErrorKinds []Count `json:"setup_error_kinds,omitempty"`

	Requests   uint64  `json:"requests"`
	RPS        float64 `json:"requests_per_second"`
	ByRequest  []Count `json:"by_request"`
	Latency    Latency `json:"latency"`
	Events     uint64  `json:"events"`
	EPS        float64 `json:"events_per_second"`
	ByEvent    []Count `json:"by_event"`
	Errors     uint64  `json:"errors"`
	ErrorKinds []Count `json:"error_kinds,omitempty"`

	RSSBefore     uint64  `json:"rss_before_bytes"`
	RSS           uint64  `json:"rss_bytes"`
	RSSIdle       uint64  `json:"rss_idle_bytes,omitempty"`
	BytesPerSess  float64 `json:"bytes_per_session,omitempty"`
	Goroutines    int     `json:"goroutines"`
	GoroutinesIdl int     `json:"goroutines_idle,omitempty"`
	Threads       int     `json:"threads"`
	TargetCPU     float64 `json:"target_cpu_cores"`
	LoadgenCPU    float64 `json:"loadgen_cpu_cores"`
}

// run opens the sessions, applies the load, measures and tears down.
func (r *runner) run(ctx context.Context, res *Result) error {
	for range r.cfg.conns {
		ep, err := newEndpoint(r.cfg.transport, r.st, r.log)
		if err != nil {
			return err
		}
		r.eps = append(r.eps, ep)
	}
	defer func() {
		for _, ep := range r.eps {
			ep.close()
		}
	}()
	before, err := r.tgt.read(ctx)
	if err != nil {
		return err
	}
	res.RSSBefore = before.RSS

	setupStart := time.Now()
	var setup histogram
	if err := r.setup(ctx, &setup); err != nil {
		return err
	}
	res.SetupSeconds = time.Since(setupStart).Seconds()
	res.SetupRate = float64(len(r.sess)) / res.SetupSeconds
	res.Setup = setup.summary()
	res.SetupErrors, res.SetupErrorKinds = r.st.nerrs.Load(), r.st.errorCounts()
	if r.cfg.teardown {
		defer func() {
			n := r.st.nerrs.Load()
			r.teardownAll()
			if n := r.st.nerrs.Load() - n; n > 0 {
				r.log.Warn("errors while tearing the sessions down", "errors", n, "kinds", r.st.errorCounts())
			}
		}()
	}

	if r.cfg.duration <= 0 {
		return r.idle(ctx, res)
	}
	r.st.reset()
	r.st.stop()
	if r.cfg.warmup > 0 {
		r.drive(ctx, r.cfg.warmup, false)
	}
	cpu0, err := r.tgt.read(ctx)
	if err != nil {
		return err
	}
	t0, self0 := time.Now(), selfCPU()
	r.st.reset()
	r.drive(ctx, r.cfg.duration, true)
	elapsed := time.Since(t0)
	after, err := r.tgt.read(ctx)
	if err != nil {
		return err
	}
	r.report(res, elapsed, cpu0, after, selfCPU()-self0)
	return nil
}

// idle keeps the sessions open without load, then measures: the scale
// run.
func (r *runner) idle(ctx context.Context, res *Result) error {
	loaded, err := r.tgt.read(ctx)
	if err != nil {
		return err
	}
	res.RSS, res.Goroutines, res.Threads = loaded.RSS, loaded.Goroutines, loaded.Threads
	if r.cfg.idle > 0 {
		r.log.Info("sessions open, idling", "sessions", len(r.sess), "for", r.cfg.idle)
		select {
		case <-time.After(r.cfg.idle):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	idle, err := r.tgt.read(ctx)
	if err != nil {
		return err
	}
	res.RSSIdle, res.GoroutinesIdl = idle.RSS, idle.Goroutines
	if n := len(r.sess); n > 0 && idle.RSS > res.RSSBefore {
		res.BytesPerSess = float64(idle.RSS-res.RSSBefore) / float64(n)
	}
	res.Errors = r.st.nerrs.Load()
	res.ErrorKinds = r.st.errorCounts()
	return nil
}

// report fills the load figures of a result.
func (r *runner) report(res *Result, elapsed time.Duration, cpu0, after procStats, selfCPU time.Duration) {
	res.Seconds = elapsed.Seconds()
	for i := range numOps {
		n := r.st.reqs[i].Load()
		res.Requests += n
		if n > 0 {
			res.ByRequest = append(res.ByRequest, Count{op(i).String(), n})
		}
	}
	res.RPS = float64(res.Requests) / res.Seconds
	res.Latency = r.st.lat.summary()
	res.Events = r.st.events.Load()
	res.EPS = float64(res.Events) / res.Seconds
	res.ByEvent = r.st.eventCounts()
	res.Errors = r.st.nerrs.Load()
	res.ErrorKinds = r.st.errorCounts()
	res.RSS, res.Goroutines, res.Threads = after.RSS, after.Goroutines, after.Threads
	res.TargetCPU = (after.CPU - cpu0.CPU).Seconds() / res.Seconds
	if r.tgt.pid != 0 {
		res.LoadgenCPU = selfCPU.Seconds() / res.Seconds
	}
}

// setup opens and monitors the sessions, setupParallel at a time.
func (r *runner) setup(ctx context.Context, h *histogram) error {
	var (
		mu   sync.Mutex
		next atomic.Int64
		wg   sync.WaitGroup
	)
	r.sess = make([]*session, 0, r.cfg.sessions)
	for range max(1, min(r.cfg.setupParallel, r.cfg.sessions)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1))
				if i > r.cfg.sessions {
					return
				}
				t0 := time.Now()
				s, err := r.openOne(ctx, i)
				if err != nil {
					r.st.fail("setup: " + short(err))
					continue
				}
				h.record(time.Since(t0))
				mu.Lock()
				r.sess = append(r.sess, s)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(r.sess) == 0 {
		return fmt.Errorf("no session could be opened: %v", r.st.errorCounts())
	}
	return nil
}

// openOne opens session i and starts its monitor.
func (r *runner) openOne(ctx context.Context, i int) (*session, error) {
	ep := r.eps[i%len(r.eps)]
	aor, line := ctitest.GeneratedUser(r.cfg.userOffset + i)
	ctx, cancel := context.WithTimeout(ctx, r.cfg.timeout)
	defer cancel()
	s, err := ep.open(ctx, r.gw, aor, line, r.cfg.sessionExpires)
	if err != nil {
		return nil, fmt.Errorf("INVITE: %w", err)
	}
	body, err := s.info(ctx, bodyMonitorStart(line))
	if err != nil {
		return nil, fmt.Errorf("MonitorStart: %w", err)
	}
	s.xref = element(body, "monitorCrossRefID")
	return s, nil
}

// drive applies the load for d: closed loop with the configured
// concurrency, or open loop at the configured rate.
func (r *runner) drive(ctx context.Context, d time.Duration, measured bool) {
	ready := make(chan *session, len(r.sess))
	for _, s := range r.sess {
		if !s.gone.Load() {
			ready <- s
		}
	}
	end := time.Now().Add(d)
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var wg sync.WaitGroup
	defer func() {
		if measured {
			r.st.stop()
		}
		cancel()
		wg.Wait()
	}()
	if r.cfg.rate <= 0 {
		for w := range r.cfg.concurrency {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
				for {
					select {
					case <-ctx.Done():
						return
					case s := <-ready:
						r.step(s, time.Now(), rng)
						if !s.gone.Load() {
							ready <- s
						}
					}
				}
			})
		}
		<-ctx.Done()
		return
	}
	// Open loop: requests start on schedule whatever the answers do, and
	// their latency counts from when they were due, so a slow target is
	// not hidden (no coordinated omission). A pool of workers sends them
	// (goroutines that live for the run, so their stacks grow once).
	interval := time.Duration(float64(time.Second) / r.cfg.rate)
	due := make(chan time.Time, max(1024, 4*len(r.sess)))
	for w := range max(64, 4*r.cfg.concurrency) {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for t := range due {
				var s *session
				select {
				case s = <-ready:
				case <-ctx.Done():
					return
				}
				r.step(s, t, rng)
				if !s.gone.Load() {
					ready <- s
				}
			}
		})
	}
	defer close(due)
	next := time.Now()
	for {
		now := time.Now()
		if !now.Before(end) || ctx.Err() != nil {
			return
		}
		for ; !next.After(now); next = next.Add(interval) {
			select {
			case due <- next:
			default:
				r.st.fail("open loop: too many requests waiting (target too slow for the rate)")
			}
		}
		time.Sleep(max(time.Until(next), 50*time.Microsecond))
	}
}

// step sends a session's next request: ClearConnection when it has a
// call, otherwise SnapshotDevice or MakeCall. due is when the request was
// due, the start of its latency.
func (r *runner) step(s *session, due time.Time, rng *rand.Rand) {
	var (
		o    op
		body []byte
	)
	switch {
	case s.call != "":
		o, body = opClearConnection, bodyClearConnection(s.call, s.line)
	case rng.Float64() < r.cfg.snapshotRatio:
		o, body = opSnapshotDevice, bodySnapshotDevice(s.line)
	default:
		called := fmt.Sprintf("tel:%d", 2000+rng.IntN(1000))
		o, body = opMakeCall, bodyMakeCall(s.line, called)
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.timeout)
	resp, err := s.info(ctx, body)
	cancel()
	if r.st.open.Load() {
		r.st.lat.record(time.Since(due))
	}
	r.st.request(o)
	if o == opClearConnection {
		s.call = "" // cleared, or lost: either way start afresh
	}
	if err != nil {
		r.st.fail(o.String() + ": " + short(err))
		return
	}
	if o == opMakeCall {
		if s.call = element(resp, "callID"); s.call == "" {
			r.st.fail("MakeCall: response without callID")
		}
	}
}

// teardownAll clears calls, stops monitors and ends the sessions.
func (r *runner) teardownAll() {
	var wg sync.WaitGroup
	work := make(chan *session)
	for range max(1, r.cfg.setupParallel) {
		wg.Go(func() {
			for s := range work {
				ctx, cancel := context.WithTimeout(context.Background(), r.cfg.timeout)
				if s.call != "" {
					_, _ = s.info(ctx, bodyClearConnection(s.call, s.line))
				}
				if s.xref != "" {
					if _, err := s.info(ctx, bodyMonitorStop(s.xref)); err != nil && !errors.Is(err, errGone) {
						r.st.fail("teardown: MonitorStop: " + short(err))
					}
				}
				if err := s.bye(ctx); err != nil && !errors.Is(err, errGone) {
					r.st.fail("teardown: BYE: " + short(err))
				}
				cancel()
			}
		})
	}
	for _, s := range r.sess {
		work <- s
	}
	close(work)
	wg.Wait()
}

// short returns an error message without the parts that differ per
// request, so errors can be counted by kind.
func short(err error) string {
	msg := err.Error()
	if i := strings.IndexAny(msg, "\"'"); i >= 0 {
		msg = msg[:i] + "..."
	}
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return msg
}
