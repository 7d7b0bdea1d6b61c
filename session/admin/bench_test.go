package admin_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/session/admin"
)

// bigSource is healthySource with n sessions spread over the three CTI
// connections.
func bigSource(n int) *fakeSource {
	src := healthySource()
	src.sessions = make([]session.Info, n)
	for i := range src.sessions {
		src.sessions[i] = session.Info{
			DialogID: fmt.Sprintf("call-%d|a|b", i), User: fmt.Sprintf("sip:user%05d@example.com", i),
			Line:       fmt.Sprintf("tel:%d;phone-context=dialstring", 10000+i),
			Appearance: lineappearance.Appearance{Device: fmt.Sprintf("SEP%012d", i)},
			CTI:        fmt.Sprintf("cti-%d", 1+i%3), Generation: 1, State: session.StateActive,
			Opened: t0.Add(-time.Duration(i*7919%n) * time.Second), LastRequest: t0.Add(-time.Second),
		}
	}
	return src
}

// BenchmarkStatusPage renders the status page of a node with 50,000
// sessions (500 rows shown).
func BenchmarkStatusPage(b *testing.B) {
	for _, tc := range []struct {
		name   string
		target string
	}{{"all", "/"}, {"filtered", "/?user=user4242"}} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := admin.New(admin.Config{Source: bigSource(50000), Registry: prometheus.NewRegistry()})
			if err != nil {
				b.Fatal(err)
			}
			h := s.Handler()
			size := 0
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", tc.target, nil))
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "page-bytes")
		})
	}
}

// BenchmarkMetrics serves /metrics (without the runtime collectors).
func BenchmarkMetrics(b *testing.B) {
	s, err := admin.New(admin.Config{Source: healthySource(), Registry: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	obs := s.SessionObserver()
	for _, svc := range []string{"MakeCall", "MonitorStart", "AnswerCall", "ClearConnection"} {
		obs.RequestDone(svc, session.OutcomeOK, time.Millisecond)
	}
	h := s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
		_, _ = io.Copy(io.Discard, rec.Body)
	}
}

// BenchmarkRequestObserver is the cost the session observer adds to every
// client request, from parallel goroutines.
func BenchmarkRequestObserver(b *testing.B) {
	s, err := admin.New(admin.Config{Source: healthySource(), Registry: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	obs := s.SessionObserver()
	services := []string{"MakeCall", "MonitorStart", "AnswerCall", "ClearConnection", "HoldCall", "RetrieveCall"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			obs.RequestDone(services[i%len(services)], session.OutcomeOK, time.Duration(i%5000)*time.Microsecond)
			i++
		}
	})
}
