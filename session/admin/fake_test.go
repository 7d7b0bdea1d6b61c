package admin_test

import (
	"context"
	"sync"
	"time"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/sip"
)

// fakeSource is a Source whose answers the test sets.
type fakeSource struct {
	mu        sync.Mutex
	cti       ctipool.Stats
	stats     session.Stats
	sessions  []session.Info
	sip       sip.Stats
	listening bool
	listeners []string
	dir       lineappearance.Stats
	reload    func(ctx context.Context) (int, error) // nil: succeed, ending no session
	reloads   int
}

func (f *fakeSource) CTIStats() ctipool.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cti
}

func (f *fakeSource) SessionStats() session.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats
}

func (f *fakeSource) Sessions() []session.Info {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]session.Info(nil), f.sessions...)
}

func (f *fakeSource) SIPStats() sip.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sip
}

func (f *fakeSource) SIPListening() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.listening
}

func (f *fakeSource) SIPListeners() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.listeners...)
}

func (f *fakeSource) DirectoryStats() lineappearance.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dir
}

func (f *fakeSource) ReloadDirectory(ctx context.Context) (int, error) {
	f.mu.Lock()
	reload := f.reload
	f.reloads++
	f.mu.Unlock()
	if reload != nil {
		return reload(ctx)
	}
	f.mu.Lock()
	f.dir.Generation++
	f.mu.Unlock()
	return 0, nil
}

// t0 is the tests' fixed "now".
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// healthySource returns a source for a gateway with three CTI endpoints
// (two up, one down), two sessions and the demo directory's counts.
func healthySource() *fakeSource {
	return &fakeSource{
		listening: true,
		listeners: []string{"udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"},
		cti: ctipool.Stats{
			Healthy: 2,
			Endpoints: []ctipool.EndpointStats{
				{Name: "cti-1", Addr: "127.0.0.1:4001", State: ctipool.StateUp, Generation: 3,
					Since: t0.Add(-90 * time.Second), LastHeartbeatRTT: 1234 * time.Microsecond,
					Requests: 42, Failures: 1, Timeouts: 2, CSTAErrors: 3, Pending: 1,
					Heartbeats: 10, HeartbeatFailures: 1, Connects: 3, Reconnects: 2, ConnectFailures: 4,
					EventsIn: 100, EventsDropped: 5, EventsOverflowed: 6, Subscribers: 2, Watchers: 0, Placed: 7},
				{Name: "cti-2", Addr: "127.0.0.1:4002", State: ctipool.StateUp, Generation: 1,
					Since: t0.Add(-time.Hour), LastHeartbeatRTT: 800 * time.Microsecond, Connects: 1, Placed: 1},
				{Name: "cti-3", Addr: "127.0.0.1:4003", State: ctipool.StateDown, Generation: 2,
					Since: t0.Add(-5 * time.Second), DownSince: t0.Add(-10 * time.Minute), LastError: errString("dial tcp 127.0.0.1:4003: connection refused"),
					Connects: 2, Reconnects: 1, ConnectFailures: 9},
			},
		},
		stats: session.Stats{
			Sessions: map[session.State]int{session.StateActive: 1, session.StateDown: 1},
			Opened:   5,
			Refused:  map[string]uint64{"unknown_line": 2, "not_allowed": 1},
			Closed:   map[string]uint64{"dialog": 3},
			Requests: map[string]session.RequestStats{
				"MakeCall":     {OK: 4, CTIError: 1},
				"MonitorStart": {OK: 2, Unavailable: 1},
			},
			EventsDelivered: 20, EventsDropped: 1, EventsSynthesized: 2,
			Rehomes: 1, RehomeFailures: 1,
		},
		sessions: []session.Info{
			{DialogID: "d1", User: "sip:alice@example.com", Line: "tel:1001;phone-context=dialstring",
				Appearance: lineappearance.Appearance{Device: "SEP000000001001"}, CTI: "cti-1", Generation: 3,
				State: session.StateActive, Opened: t0.Add(-125 * time.Second), LastRequest: t0.Add(-3 * time.Second)},
			{DialogID: "d2", User: "sip:bob@example.com", Line: "tel:1002;phone-context=dialstring",
				Appearance: lineappearance.Appearance{Device: "SEP000000001002"}, CTI: "cti-3", Generation: 2,
				State: session.StateDown, Opened: t0.Add(-2 * time.Hour)},
		},
		sip: sip.Stats{
			Dialogs: 2, DialogsOpened: 6, DialogsClosed: 4,
			Requests:   map[string]uint64{"INVITE": 8, "INFO": 30},
			Responses:  map[int]uint64{200: 35, 404: 2, 403: 1},
			EventsSent: 19, EventsFailed: 1, EventsDropped: 1,
		},
		dir: lineappearance.Stats{Generation: 1, Users: 3, Lines: 4, Devices: 4, Appearances: 5, Registered: 2},
	}
}

type errString string

func (e errString) Error() string { return string(e) }
