package session_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/session"
)

// chanSink hands the events of one session over on a channel.
type chanSink struct{ ch chan csta.Event }

func (k chanSink) SendEvent(ev csta.Event) error {
	select {
	case k.ch <- ev:
		return nil
	default:
		return errFull
	}
}

func (k chanSink) End(string) {}

// BenchmarkCTI measures requests and events end to end with 10,000
// monitored sessions: session, session/poolcti, the pool, CSTA XML over
// loopback TCP, and the ctitest PBX on three endpoints, all in this
// process (so the PBX's work is in the figures too).
func BenchmarkCTI(b *testing.B) {
	const n = 10000
	e := newEnvWith(b, session.BenchDirectory(n), nil)
	ctx := context.Background()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	ss := make([]*session.Session, n)
	sinks := make([]chanSink, n)
	for i := range n {
		sinks[i] = chanSink{ch: make(chan csta.Event, 8)}
		s, _, err := e.mgr.Open(ctx, session.OpenRequest{DialogID: fmt.Sprint("d", i), User: session.BenchUser(i), Line: session.BenchLine(i), Sink: sinks[i]})
		if err != nil {
			b.Fatal(err)
		}
		monitor(b, s)
		ss[i] = s
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.Logf("heap for %d monitored sessions, pool subscriptions and PBX monitors included: %d B/session",
		n, (after.HeapAlloc-before.HeapAlloc)/n)
	lines := make([]string, n)
	for i := range n {
		lines[i] = session.BenchLine(i)
	}

	b.Run("request", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i = (i + 1) % n
			if _, err := ss[i].Handle(ctx, &csta.GetDoNotDisturb{Device: csta.Device(lines[i])}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("request-64", func(b *testing.B) {
		// 64 requests at once, on 64 sessions.
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			var wg sync.WaitGroup
			for range 64 {
				i = (i + 1) % n
				s, line := ss[i], lines[i]
				wg.Go(func() {
					if _, err := s.Handle(ctx, &csta.GetDoNotDisturb{Device: csta.Device(line)}); err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*64), "ns/request")
	})
	b.Run("request+event", func(b *testing.B) {
		// SetDoNotDisturb, and the DoNotDisturbEvent it causes delivered
		// to the session's sink.
		b.ReportAllocs()
		i, on := 0, false
		for b.Loop() {
			i = (i + 1) % n
			if i == 0 {
				on = !on
			}
			if _, err := ss[i].Handle(ctx, &csta.SetDoNotDisturb{Device: csta.Device(lines[i]), DoNotDisturbOn: !on}); err != nil {
				b.Fatal(err)
			}
			if ev := <-sinks[i].ch; ev.MessageName() != "DoNotDisturbEvent" {
				b.Fatal(ev.MessageName())
			}
		}
	})
}
