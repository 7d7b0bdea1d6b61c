package ctipool_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// endpoints returns n endpoints named cti-0, cti-1, ... at addresses
// cti-0:2748, ...
func endpoints(n int) []ctipool.Endpoint {
	eps := make([]ctipool.Endpoint, n)
	for i := range eps {
		eps[i] = ctipool.Endpoint{Name: fmt.Sprintf("cti-%d", i), Addr: fmt.Sprintf("cti-%d:2748", i)}
	}
	return eps
}

// ev returns a numbered event for a monitor; seq reads the number back.
func ev(xref csta.MonitorCrossRefID, n int) *csta.DoNotDisturbEvent {
	return &csta.DoNotDisturbEvent{MonitorCrossRefID: xref, Device: csta.Known("d" + strconv.Itoa(n)), DoNotDisturbOn: true}
}

func seq(e csta.Event) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(e.(*csta.DoNotDisturbEvent).Device.Device.ID, "d"))
	return n
}

func monitorStart(dev string) *csta.MonitorStart {
	return &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(dev)}}
}

func makeCall() *csta.MakeCall {
	return &csta.MakeCall{CallingDevice: csta.Device("tel:1001"), CalledDirectoryNumber: csta.Device("tel:2001")}
}

// recorder is a Subscriber that records everything; with block set, Event
// waits for a value from it first.
type recorder struct {
	block chan struct{}

	mu     sync.Mutex
	events []int
	downs  []error
	ups    []uint64
	lost   []int
	log    []string // everything in order: "e3", "down", "up 4", "lost 2"
	notify chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1)} }

func (r *recorder) add(f func()) {
	r.mu.Lock()
	f()
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *recorder) Event(e csta.Event) {
	if r.block != nil {
		<-r.block
	}
	r.add(func() {
		r.events = append(r.events, seq(e))
		r.log = append(r.log, "e"+strconv.Itoa(seq(e)))
	})
}

func (r *recorder) LinkDown(err error) {
	r.add(func() { r.downs = append(r.downs, err); r.log = append(r.log, "down") })
}

func (r *recorder) LinkUp(gen uint64) {
	r.add(func() { r.ups = append(r.ups, gen); r.log = append(r.log, "up "+strconv.FormatUint(gen, 10)) })
}

func (r *recorder) EventsLost(n int) {
	r.add(func() { r.lost = append(r.lost, n); r.log = append(r.log, "lost "+strconv.Itoa(n)) })
}

func (r *recorder) snapshot() (events []int, log []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.events...), append([]string(nil), r.log...)
}

// waitFor waits, in real time, until cond holds for the recorder.
func (r *recorder) waitFor(t *testing.T, what string, cond func(r *recorder) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		ok := cond(r)
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// observer records state changes and heartbeats.
type observer struct {
	start time.Time

	mu      sync.Mutex
	changes []ctipool.StateChange
	at      []time.Duration
	hbs     []time.Duration
	hbErrs  int
	ch      chan ctipool.StateChange
}

func newObserver() *observer {
	return &observer{start: time.Now(), ch: make(chan ctipool.StateChange, 1024)}
}

// hooks returns an Observer with both hooks set to o's methods.
func (o *observer) hooks() *ctipool.Observer {
	return &ctipool.Observer{StateChanged: o.StateChanged, HeartbeatDone: o.HeartbeatDone}
}

func (o *observer) StateChanged(c ctipool.StateChange) {
	o.mu.Lock()
	o.changes = append(o.changes, c)
	o.at = append(o.at, time.Since(o.start))
	o.mu.Unlock()
	o.ch <- c
}

func (o *observer) HeartbeatDone(_ string, _ uint64, _ time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.hbs = append(o.hbs, time.Since(o.start))
	if err != nil {
		o.hbErrs++
	}
}

// transitions returns "endpoint old->new" for every change so far.
func (o *observer) transitions() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]string, len(o.changes))
	for i, c := range o.changes {
		out[i] = fmt.Sprintf("%s %s->%s", c.Endpoint, c.Old, c.New)
	}
	return out
}

// when returns the time of the first change of endpoint to state after
// skipping skip of them.
func (o *observer) when(endpoint string, to ctipool.State, skip int) (time.Duration, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, c := range o.changes {
		if c.Endpoint == endpoint && c.New == to {
			if skip == 0 {
				return o.at[i], true
			}
			skip--
		}
	}
	return 0, false
}

// waitState waits, in real time, for endpoint to change to state.
func (o *observer) waitState(t *testing.T, endpoint string, to ctipool.State) ctipool.StateChange {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case c := <-o.ch:
			if c.Endpoint == endpoint && c.New == to {
				return c
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s to become %s", endpoint, to)
		}
	}
}

// lastPeer returns the newest peer for addr.
func lastPeer(t *testing.T, ps *ctiscript.Peers, addr string) *ctiscript.Peer {
	t.Helper()
	all := ps.All()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Addr() == addr {
			return all[i]
		}
	}
	t.Fatalf("no peer for %s", addr)
	return nil
}

// newPool starts a pool; the caller closes it.
func newPool(t *testing.T, cfg ctipool.Config) *ctipool.Pool {
	t.Helper()
	p, err := ctipool.New(cfg)
	require.NoError(t, err)
	return p
}

// waitHealthy waits in real time for n healthy connections.
func waitHealthy(t *testing.T, p *ctipool.Pool, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, p.WaitHealthy(ctx, n))
}

// answerNever returns an Answer that leaves the named requests unanswered.
func answerNever(names ...string) func(*ctiscript.Peer, int, csta.Message) (csta.Message, bool) {
	return func(_ *ctiscript.Peer, _ int, m csta.Message) (csta.Message, bool) {
		for _, n := range names {
			if m.MessageName() == n {
				return nil, true
			}
		}
		return nil, false
	}
}

// pipePool starts a pool on in-memory connections served by scripted
// peers, for tests inside a synctest bubble; it returns once the pool has
// connected, and closes pool and peers when the test ends.
func pipePool(t *testing.T, opts ctiscript.Options, cfg ctipool.Config) (*ctiscript.Pipes, *ctipool.Pool) {
	t.Helper()
	ps := ctiscript.NewPipes(opts)
	cfg.Dial = ps.Dial
	p := newPool(t, cfg)
	t.Cleanup(func() {
		p.Close()
		ps.CloseAll()
	})
	synctest.Wait()
	return ps, p
}
