package ctipool_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

// BenchmarkRoundTripLoopback measures requests through the pool, the
// built-in transport and a loopback server (which decodes and encodes too).
func BenchmarkRoundTripLoopback(b *testing.B) {
	for _, tc := range []struct {
		name string
		req  func() csta.Request
	}{
		{"RequestSystemStatus", func() csta.Request { return &csta.RequestSystemStatus{} }},
		{"MakeCall", func() csta.Request { return makeCall() }},
	} {
		for _, parallel := range []bool{false, true} {
			name := tc.name + "/serial"
			if parallel {
				name = tc.name + "/parallel"
			}
			b.Run(name, func(b *testing.B) {
				l, err := ctiscript.Listen(ctiscript.Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close()
				p, err := ctipool.New(ctipool.Config{Endpoints: []ctipool.Endpoint{{Addr: l.Addr()}}})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := p.WaitHealthy(ctx, 1); err != nil {
					b.Fatal(err)
				}
				h, err := p.Acquire()
				if err != nil {
					b.Fatal(err)
				}
				req := tc.req()
				b.ReportAllocs()
				b.ResetTimer()
				if parallel {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if _, err := h.Do(context.Background(), req); err != nil {
								b.Error(err)
								return
							}
						}
					})
				} else {
					for b.Loop() {
						if _, err := h.Do(context.Background(), req); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}

// BenchmarkRoundTripPoolOnly measures the pool's own cost per request,
// over an in-memory transport that answers at once.
func BenchmarkRoundTripPoolOnly(b *testing.B) {
	resp := &csta.RequestSystemStatusResponse{SystemStatus: csta.SystemNormal}
	mt := &memTransport{answer: func(csta.Request) (csta.Response, error) { return resp, nil }}
	_, h := memPool(b, mt)
	req := &csta.RequestSystemStatus{}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Do(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

type countingSub struct{ n *atomic.Int64 }

func (s countingSub) Event(csta.Event) { s.n.Add(1) }
func (countingSub) LinkDown(error)     {}
func (countingSub) LinkUp(uint64)      {}

// BenchmarkEvents10kSubscribers measures events dispatched from a link's
// reader to 10,000 subscribers, round-robin, until every one is delivered.
func BenchmarkEvents10kSubscribers(b *testing.B) {
	const subs = 10000
	mt := &memTransport{}
	p, h := memPool(b, mt)
	var delivered atomic.Int64
	events := make([]csta.Event, subs)
	for i := range subs {
		r, _, err := h.Monitor(context.Background(), monitorStart(fmt.Sprint("tel:", i)), countingSub{&delivered})
		if err != nil {
			b.Fatal(err)
		}
		events[i] = ev(r.MonitorCrossRefID, i)
	}
	link := mt.link(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		link.emit(events[i%subs])
	}
	for delivered.Load() < int64(b.N) {
		time.Sleep(100 * time.Microsecond) // benchmark only: wait for the workers to drain
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if st := p.Stats().Endpoints[0]; st.EventsOverflowed != 0 || st.EventsDropped != 0 {
		b.Fatalf("lost events: %+v", st)
	}
}

// BenchmarkMonitor measures starting a monitor through the pool (over the
// in-memory transport) and reports the heap each live subscription holds.
func BenchmarkMonitor(b *testing.B) {
	mt := &memTransport{}
	_, h := memPool(b, mt)
	var n atomic.Int64
	sub := countingSub{&n}
	req := monitorStart("tel:1001")
	subs := make([]*ctipool.Subscription, 0, b.N)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		_, s, err := h.Monitor(context.Background(), req, sub)
		if err != nil {
			b.Fatal(err)
		}
		subs = append(subs, s)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N), "heapB/sub")
	runtime.KeepAlive(subs)
}

// memPool starts a pool of one connection over mt and acquires a Handle;
// the pool is closed when the benchmark ends.
func memPool(b *testing.B, mt *memTransport) (*ctipool.Pool, ctipool.Handle) {
	b.Helper()
	p, err := ctipool.New(ctipool.Config{Endpoints: endpoints(1), Transport: mt})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	if err := p.WaitHealthy(context.Background(), 1); err != nil {
		b.Fatal(err)
	}
	h, err := p.Acquire()
	if err != nil {
		b.Fatal(err)
	}
	return p, h
}
