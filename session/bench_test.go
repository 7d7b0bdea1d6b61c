package session

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
)

// benchSessions is how many sessions the benchmarks open.
const benchSessions = 10000

// benchDirectory returns a directory of n users, each with one line
// (2-digit prefix 5, so 50000 + i) on one desk phone.
func benchDirectory(n int) *lineappearance.Data {
	d := &lineappearance.Data{}
	for i := range n {
		dn := fmt.Sprint(50000 + i)
		dev := fmt.Sprintf("SEP%012d", i)
		d.Lines = append(d.Lines, lineappearance.Line{DN: dn})
		d.Devices = append(d.Devices, lineappearance.Device{Name: dev, Registered: true})
		d.Appearances = append(d.Appearances, lineappearance.Appearance{Line: lineappearance.Line{DN: dn}, Device: dev, Index: 1})
		d.Users = append(d.Users, lineappearance.User{AOR: benchUser(i), Devices: []string{dev}})
	}
	return d
}

func benchUser(i int) string { return fmt.Sprintf("sip:user%d@example.com", i) }
func benchLine(i int) string { return fmt.Sprintf("tel:%d;phone-context=dialstring", 50000+i) }

// countSink counts the events it gets.
type countSink struct{ n atomic.Int64 }

func (k *countSink) SendEvent(csta.Event) error { k.n.Add(1); return nil }
func (k *countSink) End(string)                 {}

// benchFakeManager opens n monitored sessions over the in-memory CTI.
func benchFakeManager(b *testing.B, n int) (*Manager, []*Session, *countSink) {
	b.Helper()
	st, err := lineappearance.NewStore(benchDirectory(n), lineappearance.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return benchFakeSessions(b, st, n)
}

func benchFakeSessions(b *testing.B, st *lineappearance.Store, n int) (*Manager, []*Session, *countSink) {
	b.Helper()
	m, err := NewManager(Config{Directory: st, CTI: newFakeCTI(3)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	sink := &countSink{}
	ss := make([]*Session, n)
	ctx := context.Background()
	for i := range n {
		s, _, err := m.Open(ctx, OpenRequest{DialogID: fmt.Sprint("d", i), User: benchUser(i), Line: benchLine(i), Sink: sink})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Handle(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(benchLine(i))}}); err != nil {
			b.Fatal(err)
		}
		ss[i] = s
	}
	return m, ss, sink
}

// BenchmarkHandle measures the gateway's own cost of a request (checks,
// translation both ways, stats) with 10,000 open sessions, over an
// in-memory CTI link that answers at once.
func BenchmarkHandle(b *testing.B) {
	_, ss, _ := benchFakeManager(b, benchSessions)
	ss[0].m.cfg.CTI.(*fakeCTI).noLog = true
	lines := make([]string, len(ss))
	for i := range ss {
		lines[i] = benchLine(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			i := int(next.Add(1)) % len(ss)
			resp, err := ss[i].Handle(ctx, &csta.HoldCall{CallToBeHeld: csta.Connection("0_1", lines[i])})
			if err != nil || resp.MessageName() != "HoldCallResponse" {
				b.Fatal(resp, err)
			}
		}
	})
}

// BenchmarkEventRouting measures the path of one CTI event into a sink
// (tracking, translation of three devices, cross reference) with 10,000
// monitored sessions, events spread over them.
func BenchmarkEventRouting(b *testing.B) {
	_, ss, sink := benchFakeManager(b, benchSessions)
	hs := make([]*monitorHandler, len(ss))
	keys := make([]string, len(ss))
	xrefs := make([]csta.MonitorCrossRefID, len(ss))
	for i, s := range ss {
		hs[i], keys[i], xrefs[i] = s.monH, s.key, s.ctiXref
	}
	b.ReportAllocs()
	b.ResetTimer()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1)) % len(hs)
			// A decoded event is new each time, as from the codec.
			hs[i].Event(&csta.DeliveredEvent{
				MonitorCrossRefID:   xrefs[i],
				Connection:          csta.Connection("0_1", "2000"),
				AlertingDevice:      csta.Known("2000"),
				CallingDevice:       csta.Known(keys[i]),
				CalledDevice:        csta.Known("2000"),
				LocalConnectionInfo: csta.StateConnected,
				Cause:               csta.CauseNewCall,
			})
		}
	})
	b.StopTimer()
	if got := sink.n.Load(); got < int64(b.N) {
		b.Fatalf("sink got %d events of %d", got, b.N)
	}
}

// BenchmarkOpenClose measures opening and closing a session while 10,000
// others are open.
func BenchmarkOpenClose(b *testing.B) {
	m, _, _ := benchFakeManager(b, benchSessions)
	ctx := context.Background()
	st, _ := lineappearance.NewStore(benchDirectory(benchSessions+1), lineappearance.Options{})
	m.cfg.Directory = st
	user, line := benchUser(benchSessions), benchLine(benchSessions)
	sink := &countSink{}
	b.ReportAllocs()
	for b.Loop() {
		s, _, err := m.Open(ctx, OpenRequest{DialogID: "x", User: user, Line: line, Sink: sink})
		if err != nil {
			b.Fatal(err)
		}
		s.Close(ErrReplaced)
	}
}

// BenchmarkSessionMemory reports the heap a monitored session takes in this
// package (the CTI link and sink excluded): 10,000 sessions opened and
// monitored per iteration.
func BenchmarkSessionMemory(b *testing.B) {
	st, err := lineappearance.NewStore(benchDirectory(benchSessions), lineappearance.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		m, ss, _ := benchFakeSessions(b, st, benchSessions)
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		// The fake CTI's monitor maps are included, the directory is not.
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(ss)), "B/session")
		_ = m.Shutdown(context.Background())
		b.StartTimer()
	}
}
