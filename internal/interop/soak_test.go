//go:build interop

package interop

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// soakDuration is how long TestSoak loads the gateway: RCC_SOAK, a Go
// duration, or 2 minutes.
func soakDuration(t *testing.T) time.Duration {
	v := os.Getenv("RCC_SOAK")
	if v == "" {
		return 2 * time.Minute
	}
	d, err := time.ParseDuration(v)
	require.NoError(t, err, "RCC_SOAK")
	return d
}

// soakCounters are the figures of a soak.
type soakCounters struct {
	sessions, calls, incoming, holds, events atomic.Int64
}

// checker verifies a client's calls against the fake PBX's event log.
type checker struct {
	pbx *ctitest.PBX
	c   *soakCounters
}

// verify checks that the events the client received from index from on
// are exactly the events the PBX sent to the client's line since seq for
// call id: every one once, in order, nothing else.
func (k checker) verify(c *client, seq uint64, from int, id csta.CallID) error {
	sent := k.pbx.EventsSince(seq)
	if len(sent) > 0 && sent[0].Seq > seq+1 {
		return fmt.Errorf("%s: the PBX's event log dropped records (%d..%d): make it larger", c.u.Name, seq+1, sent[0].Seq-1)
	}
	var want []string
	for _, r := range sent.OnLine(c.u.DN) {
		if r.Dropped {
			return fmt.Errorf("%s: the PBX could not send %s", c.u.Name, r.Name)
		}
		want = append(want, r.Name+" "+string(callOf(r.Event)))
	}
	var got []string
	for _, ev := range c.eventsSince(from) {
		got = append(got, ev.MessageName()+" "+string(callOf(ev)))
	}
	if !slices.Equal(want, got) {
		return fmt.Errorf("%s: call %s: the PBX sent %v, the client received %v", c.u.Name, id, want, got)
	}
	k.c.events.Add(int64(len(got)))
	return nil
}

// callOf returns the callID of an event's first connection.
func callOf(ev csta.Event) csta.CallID {
	var id csta.CallID
	csta.WalkConnections(ev, func(_ string, c *csta.ConnectionID) {
		if id == "" {
			id = c.CallID
		}
	})
	return id
}

// soakCall runs one call of kind k%3 on c and verifies its events:
// an outgoing call held and retrieved, an incoming call answered, or a
// plain outgoing call.
func (k checker) soakCall(ctx context.Context, c *client, n int) error {
	seq := k.pbx.EventSeq()
	from := c.eventCount()
	far := fmt.Sprintf("2%03d", n%1000)
	var conn csta.ConnectionID
	switch n % 3 {
	case 0, 2:
		resp, err := c.do(ctx, &csta.MakeCall{CallingDevice: csta.Device(c.u.Line()), CalledDirectoryNumber: csta.Device("tel:" + far), AutoOriginate: csta.AutoOriginateDoNotPrompt})
		if err != nil {
			return fmt.Errorf("%s: MakeCall: %w", c.u.Name, err)
		}
		conn = resp.(*csta.MakeCallResponse).CallingDevice
		if _, err := c.waitEvent(ctx, from, "EstablishedEvent", conn.CallID); err != nil {
			return err
		}
		if n%3 == 0 {
			at := c.eventCount()
			if _, err := c.do(ctx, &csta.HoldCall{CallToBeHeld: conn}); err != nil {
				return fmt.Errorf("%s: HoldCall: %w", c.u.Name, err)
			}
			if _, err := c.waitEvent(ctx, at, "HeldEvent", conn.CallID); err != nil {
				return err
			}
			at = c.eventCount()
			if _, err := c.do(ctx, &csta.RetrieveCall{CallToBeRetrieved: conn}); err != nil {
				return fmt.Errorf("%s: RetrieveCall: %w", c.u.Name, err)
			}
			if _, err := c.waitEvent(ctx, at, "RetrievedEvent", conn.CallID); err != nil {
				return err
			}
			k.c.holds.Add(1)
		}
	case 1:
		id, err := k.pbx.Call(far, c.u.DN)
		if err != nil {
			return err
		}
		if _, err := c.waitEvent(ctx, from, "DeliveredEvent", id); err != nil {
			return err
		}
		for _, ev := range c.eventsSince(from) {
			if d, ok := ev.(*csta.DeliveredEvent); ok && d.Connection.CallID == id {
				conn = d.Connection
			}
		}
		if _, err := c.do(ctx, &csta.AnswerCall{CallToBeAnswered: conn}); err != nil {
			return fmt.Errorf("%s: AnswerCall: %w", c.u.Name, err)
		}
		if _, err := c.waitEvent(ctx, from, "EstablishedEvent", id); err != nil {
			return err
		}
		k.c.incoming.Add(1)
	}
	if _, err := c.do(ctx, &csta.ClearConnection{ConnectionToBeCleared: conn}); err != nil {
		return fmt.Errorf("%s: ClearConnection: %w", c.u.Name, err)
	}
	if _, err := c.waitEvent(ctx, from, "CallClearedEvent", conn.CallID); err != nil {
		return err
	}
	k.c.calls.Add(1)
	if err := k.verify(c, seq, from, conn.CallID); err != nil {
		return err
	}
	c.forget() // the line is quiet between calls
	return nil
}

// heapMargin is how far above its baseline the live heap may stay after
// the load: caches and maps that keep their size.
const heapMargin = 8 << 20

// settledHeap returns the live heap once it stopped shrinking: three
// readings a second apart within 512 KiB of each other, or after 40 s.
func settledHeap() uint64 {
	var last [3]uint64
	for i := range 40 {
		last[i%3] = memStats()
		if i >= 2 && max(last[0], last[1], last[2])-min(last[0], last[1], last[2]) < 512<<10 {
			break
		}
		time.Sleep(time.Second)
	}
	return min(last[0], last[1], last[2])
}

// memStats returns the live heap after a collection.
func memStats() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestSoak loads one gateway for RCC_SOAK (default 2m) with a mix of
// long-lived sessions (refreshing their dialogs every 45 s, making,
// holding, retrieving, answering and clearing calls), short sessions
// opened and closed over and over, and sipp running Communicator's session
// and the refresh scenario in rounds, over UDP and TCP. Each client checks,
// call by call, that the events it received are exactly those the fake PBX
// sent to its line: every one once, in order, nothing else. After the load
// stops, the goroutines and the live heap return to their baseline
// (allowing for sipgo keeping finished UDP transactions for 32 s).
func TestSoak(t *testing.T) {
	duration := soakDuration(t)
	dir, us := directory(80)
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Directory: dir, FarEnds: ctitest.DemoFarEnds(0, 0), EventLogSize: 100_000})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pbx.Close() })
	n := startNode(t, nodeConfig{PBX: pbx, Directory: dir, Config: func(c *gateway.Config) {
		c.SIP.SessionExpires = gateway.Duration(90 * time.Second)
	}})
	// The baseline: the live heap once what earlier tests left behind
	// (sipgo keeps finished UDP transactions for 32 s) has gone.
	baseHeap := settledHeap()
	baseGoroutines := goroutines()
	t.Logf("baseline: %d goroutines, %.1f MiB live heap; soak for %v", baseGoroutines, float64(baseHeap)/(1<<20), duration)

	var cnt soakCounters
	k := checker{pbx: pbx, c: &cnt}
	ctx, cancel := context.WithTimeout(context.Background(), duration+5*time.Minute)
	defer cancel()
	deadline := time.Now().Add(duration)
	var lat latencies
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []error
	fail := func(err error) {
		mu.Lock()
		failures = append(failures, err)
		mu.Unlock()
	}
	var peakGoroutines atomic.Int64
	var peakHeap atomic.Uint64

	// Long-lived sessions.
	longLived := make([]*client, 24)
	for i := range longLived {
		c, err := openClient(ctx, us[i], sip.ClientConfig{Gateway: n.URI(transports[i%2].name), SessionExpires: 90 * time.Second})
		require.NoError(t, err)
		_, err = c.Monitor(ctx)
		require.NoError(t, err)
		c.lat = &lat
		longLived[i] = c
		cnt.sessions.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1_000_000 && time.Now().Before(deadline); j++ {
				cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
				err := k.soakCall(cctx, c, i+j)
				ccancel()
				if err != nil {
					fail(err)
					return
				}
			}
		}()
	}

	// Short sessions, opened and closed over and over.
	for i := 24; i < 36; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1_000_000 && time.Now().Before(deadline); j++ {
				c, err := openClient(ctx, us[i], sip.ClientConfig{Gateway: n.URI(transports[(i+j)%2].name)})
				if err != nil {
					fail(fmt.Errorf("%s: dial: %w", us[i].Name, err))
					return
				}
				cnt.sessions.Add(1)
				c.lat = &lat
				cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
				_, err = c.Monitor(cctx)
				if err == nil {
					err = k.soakCall(cctx, c, i+j)
				}
				if cerr := c.Close(cctx); err == nil {
					err = cerr
				}
				ccancel()
				if err != nil {
					fail(err)
					return
				}
			}
		}()
	}

	// sipp in rounds: Communicator's session, and refreshes.
	var sippOK, sippFailed atomic.Int64
	sippRounds := func(s sipp) {
		defer wg.Done()
		for r := 0; r < 10_000 && time.Now().Before(deadline); r++ {
			res := s.run(t)
			sippOK.Add(int64(res.Count("SuccessfulCall")))
			sippFailed.Add(int64(res.Count("FailedCall")))
			if res.Exit != 0 {
				fail(fmt.Errorf("sipp %s: %s", s.Scenario, res))
				return
			}
		}
	}
	wg.Add(2)
	go sippRounds(sipp{Scenario: "communicator.xml", Target: n.Target(), Inject: injectUsers(us[40:60], "2000"), Users: 20, Calls: 200})
	go sippRounds(sipp{Scenario: "refresh.xml", Target: n.Target(), Transport: "t1", Inject: injectUsers(us[60:70]), Users: 10, Calls: 100})

	// Watch the peak while the load runs.
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for time.Now().Before(deadline) {
			<-tick.C
			peakGoroutines.Store(max(peakGoroutines.Load(), int64(runtime.NumGoroutine())))
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peakHeap.Store(max(peakHeap.Load(), m.HeapAlloc))
		}
	}()
	wg.Wait()
	<-watchDone
	mu.Lock()
	for _, err := range failures {
		t.Error(err)
	}
	mu.Unlock()

	// Every long-lived session refreshed its dialog (every 45 s) and is
	// still open.
	refreshed := 0
	for _, s := range n.Sessions().Sessions() {
		if !s.Refreshed.IsZero() {
			refreshed++
		}
	}
	if duration > time.Minute {
		assert.GreaterOrEqual(t, refreshed, len(longLived), "long-lived sessions that refreshed")
	}
	for _, c := range longLived {
		ended, why := c.ended()
		assert.False(t, ended, "%s ended: %v", c.u.Name, why)
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		assert.NoError(t, c.Close(cctx))
		ccancel()
	}
	longLived = nil
	eventually(t, func() bool { return n.openSessions() == 0 }, "every session to close")
	st := n.Sessions().Stats()
	assert.Zero(t, st.EventsDropped, "events the gateway dropped")

	// Back to the baseline: goroutines and the live heap.
	pbx.ClearEvents()
	pbx.ClearRequests()
	var g int
	var heap uint64
	settle := time.Now()
	for range 90 {
		g, heap = goroutines(), memStats()
		if g <= baseGoroutines+10 && heap <= baseHeap+heapMargin {
			break
		}
		time.Sleep(time.Second) // sipgo drops finished UDP transactions after 32 s
	}
	t.Logf("after: %d goroutines (baseline %d, peak %d), %.1f MiB live heap (baseline %.1f, peak %.1f), settled in %v",
		g, baseGoroutines, peakGoroutines.Load(), float64(heap)/(1<<20), float64(baseHeap)/(1<<20), float64(peakHeap.Load())/(1<<20), time.Since(settle).Round(time.Second))
	if f := os.Getenv("RCC_SOAK_HEAP_PROFILE"); f != "" {
		out, err := os.Create(f)
		require.NoError(t, err)
		require.NoError(t, pprof.WriteHeapProfile(out))
		require.NoError(t, out.Close())
	}
	assert.LessOrEqual(t, g, baseGoroutines+10, "goroutines did not return to the baseline")
	assert.LessOrEqual(t, heap, baseHeap+heapMargin, "the live heap did not return to the baseline")
	longest, requests := lat.longest()
	figures(t, "duration", duration, "sessions", cnt.sessions.Load()+sippOK.Load()+sippFailed.Load(),
		"client calls", cnt.calls.Load(), "incoming", cnt.incoming.Load(), "holds", cnt.holds.Load(),
		"client requests", requests, "longest", longest.Round(time.Millisecond),
		"sipp sessions ok", sippOK.Load(), "sipp failed", sippFailed.Load(),
		"events checked", cnt.events.Load(), "lost", 0, "refreshed long-lived sessions", refreshed,
		"goroutines base/peak/after", fmt.Sprintf("%d/%d/%d", baseGoroutines, peakGoroutines.Load(), g),
		"heap MiB base/peak/after", fmt.Sprintf("%.1f/%.1f/%.1f", float64(baseHeap)/(1<<20), float64(peakHeap.Load())/(1<<20), float64(heap)/(1<<20)))
}
