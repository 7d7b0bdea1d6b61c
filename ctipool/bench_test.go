package ctipool_test

import (
	"context"
	"fmt"
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
	p, err := ctipool.New(ctipool.Config{Endpoints: endpoints(1), Transport: mt})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	if err := p.WaitHealthy(context.Background(), 1); err != nil {
		b.Fatal(err)
	}
	h, err := p.Acquire()
	if err != nil {
		b.Fatal(err)
	}
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
	p, err := ctipool.New(ctipool.Config{Endpoints: endpoints(1), Transport: mt})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	if err := p.WaitHealthy(context.Background(), 1); err != nil {
		b.Fatal(err)
	}
	h, err := p.Acquire()
	if err != nil {
		b.Fatal(err)
	}
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
