package admin_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/session/admin"
)

// family returns the gathered metric family name, failing when absent.
func family(t *testing.T, reg prometheus.Gatherer, name string) *dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf
		}
	}
	require.Failf(t, "no metric family", "%s", name)
	return nil
}

// metric returns the metric of family name whose labels are those given
// as name, value pairs.
func metric(t *testing.T, reg prometheus.Gatherer, name string, labels ...string) *dto.Metric {
	t.Helper()
	for _, m := range family(t, reg, name).GetMetric() {
		got := map[string]string{}
		for _, lp := range m.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		match := len(got) == len(labels)/2
		for i := 0; match && i+1 < len(labels); i += 2 {
			match = got[labels[i]] == labels[i+1]
		}
		if match {
			return m
		}
	}
	require.Failf(t, "no metric", "%s%v", name, labels)
	return nil
}

// value returns the value of a counter or gauge.
func value(t *testing.T, reg prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	m := metric(t, reg, name, labels...)
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

func TestStatsMetrics(t *testing.T) {
	_, reg := newServer(t, healthySource(), admin.Config{})
	const want = `
# HELP rcc_sessions Open sessions, by state.
# TYPE rcc_sessions gauge
rcc_sessions{state="active"} 1
rcc_sessions{state="down"} 1
rcc_sessions{state="rehoming"} 0
rcc_sessions{state="stale"} 0
# HELP rcc_session_opens_total Sessions opened.
# TYPE rcc_session_opens_total counter
rcc_session_opens_total 5
# HELP rcc_session_refusals_total Session opens refused, by reason.
# TYPE rcc_session_refusals_total counter
rcc_session_refusals_total{reason="not_allowed"} 1
rcc_session_refusals_total{reason="unknown_line"} 2
# HELP rcc_requests_total Client CSTA requests handled, by service and outcome.
# TYPE rcc_requests_total counter
rcc_requests_total{outcome="cti_error",service="MakeCall"} 1
rcc_requests_total{outcome="cti_error",service="MonitorStart"} 0
rcc_requests_total{outcome="ok",service="MakeCall"} 4
rcc_requests_total{outcome="ok",service="MonitorStart"} 2
rcc_requests_total{outcome="refused",service="MakeCall"} 0
rcc_requests_total{outcome="refused",service="MonitorStart"} 0
rcc_requests_total{outcome="rejected",service="MakeCall"} 0
rcc_requests_total{outcome="rejected",service="MonitorStart"} 0
rcc_requests_total{outcome="unavailable",service="MakeCall"} 0
rcc_requests_total{outcome="unavailable",service="MonitorStart"} 1
# HELP rcc_cti_connection_state 1 for the state the CTI connection is in, 0 for the others.
# TYPE rcc_cti_connection_state gauge
rcc_cti_connection_state{endpoint="cti-1",state="closed"} 0
rcc_cti_connection_state{endpoint="cti-1",state="connecting"} 0
rcc_cti_connection_state{endpoint="cti-1",state="down"} 0
rcc_cti_connection_state{endpoint="cti-1",state="up"} 1
rcc_cti_connection_state{endpoint="cti-2",state="closed"} 0
rcc_cti_connection_state{endpoint="cti-2",state="connecting"} 0
rcc_cti_connection_state{endpoint="cti-2",state="down"} 0
rcc_cti_connection_state{endpoint="cti-2",state="up"} 1
rcc_cti_connection_state{endpoint="cti-3",state="closed"} 0
rcc_cti_connection_state{endpoint="cti-3",state="connecting"} 0
rcc_cti_connection_state{endpoint="cti-3",state="down"} 1
rcc_cti_connection_state{endpoint="cti-3",state="up"} 0
# HELP rcc_cti_generation The CTI connection's generation: it grows on every connect.
# TYPE rcc_cti_generation gauge
rcc_cti_generation{endpoint="cti-1"} 3
rcc_cti_generation{endpoint="cti-2"} 1
rcc_cti_generation{endpoint="cti-3"} 2
# HELP rcc_cti_request_failures_total CTI requests that failed, by kind: "link" (the connection failed), "timeout", "csta_error" (the CTI server refused).
# TYPE rcc_cti_request_failures_total counter
rcc_cti_request_failures_total{endpoint="cti-1",kind="csta_error"} 3
rcc_cti_request_failures_total{endpoint="cti-1",kind="link"} 1
rcc_cti_request_failures_total{endpoint="cti-1",kind="timeout"} 2
rcc_cti_request_failures_total{endpoint="cti-2",kind="csta_error"} 0
rcc_cti_request_failures_total{endpoint="cti-2",kind="link"} 0
rcc_cti_request_failures_total{endpoint="cti-2",kind="timeout"} 0
rcc_cti_request_failures_total{endpoint="cti-3",kind="csta_error"} 0
rcc_cti_request_failures_total{endpoint="cti-3",kind="link"} 0
rcc_cti_request_failures_total{endpoint="cti-3",kind="timeout"} 0
# HELP rcc_sip_responses_total SIP responses the server sent, by status code.
# TYPE rcc_sip_responses_total counter
rcc_sip_responses_total{code="200"} 35
rcc_sip_responses_total{code="403"} 1
rcc_sip_responses_total{code="404"} 2
# HELP rcc_sip_dialogs Open SIP dialogs.
# TYPE rcc_sip_dialogs gauge
rcc_sip_dialogs 2
# HELP rcc_sip_listening 1 while the SIP server listens on all its listeners.
# TYPE rcc_sip_listening gauge
rcc_sip_listening 1
# HELP rcc_directory_users Users in the directory.
# TYPE rcc_directory_users gauge
rcc_directory_users 3
# HELP rcc_directory_generation Directories loaded: 1 after start, one more for every successful reload.
# TYPE rcc_directory_generation gauge
rcc_directory_generation 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want),
		"rcc_sessions", "rcc_session_opens_total", "rcc_session_refusals_total", "rcc_requests_total",
		"rcc_cti_connection_state", "rcc_cti_generation", "rcc_cti_request_failures_total",
		"rcc_sip_responses_total", "rcc_sip_dialogs", "rcc_sip_listening",
		"rcc_directory_users", "rcc_directory_generation"))

	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rcc_session_closes_total", []string{"reason", "dialog"}, 3},
		{"rcc_events_total", []string{"result", "delivered"}, 20},
		{"rcc_events_total", []string{"result", "dropped"}, 1},
		{"rcc_events_total", []string{"result", "synthesized"}, 2},
		{"rcc_session_rehome_failures_total", nil, 1},
		{"rcc_cti_healthy_connections", nil, 2},
		{"rcc_cti_last_heartbeat_rtt_seconds", []string{"endpoint", "cti-1"}, 0.001234},
		{"rcc_cti_requests_total", []string{"endpoint", "cti-1"}, 42},
		{"rcc_cti_pending_requests", []string{"endpoint", "cti-1"}, 1},
		{"rcc_cti_heartbeats_total", []string{"endpoint", "cti-1"}, 10},
		{"rcc_cti_heartbeat_failures_total", []string{"endpoint", "cti-1"}, 1},
		{"rcc_cti_connects_total", []string{"endpoint", "cti-1"}, 3},
		{"rcc_cti_reconnects_total", []string{"endpoint", "cti-1"}, 2},
		{"rcc_cti_connect_failures_total", []string{"endpoint", "cti-3"}, 9},
		{"rcc_cti_events_total", []string{"endpoint", "cti-1", "result", "received"}, 100},
		{"rcc_cti_events_total", []string{"endpoint", "cti-1", "result", "unrouted"}, 5},
		{"rcc_cti_events_total", []string{"endpoint", "cti-1", "result", "overflowed"}, 6},
		{"rcc_cti_monitors", []string{"endpoint", "cti-1"}, 2},
		{"rcc_cti_waiting_monitors", []string{"endpoint", "cti-1"}, 0},
		{"rcc_cti_sessions_placed_total", []string{"endpoint", "cti-1"}, 7},
		{"rcc_sip_dialogs_opened_total", nil, 6},
		{"rcc_sip_dialogs_closed_total", nil, 4},
		{"rcc_sip_requests_total", []string{"method", "INFO"}, 30},
		{"rcc_sip_events_total", []string{"result", "sent"}, 19},
		{"rcc_sip_events_total", []string{"result", "failed"}, 1},
		{"rcc_sip_events_total", []string{"result", "dropped"}, 1},
		{"rcc_directory_lines", nil, 4},
		{"rcc_directory_devices", nil, 4},
		{"rcc_directory_appearances", nil, 5},
		{"rcc_directory_registered_devices", nil, 2},
	} {
		assert.Equal(t, tc.want, value(t, reg, tc.name, tc.labels...), "%s%v", tc.name, tc.labels)
	}

	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestStatsMetricsFollowSource checks that the values are read at scrape
// time, not at New.
func TestStatsMetricsFollowSource(t *testing.T) {
	src := healthySource()
	_, reg := newServer(t, src, admin.Config{})
	assert.Equal(t, 1.0, value(t, reg, "rcc_cti_connection_state", "endpoint", "cti-1", "state", "up"))
	src.mu.Lock()
	src.cti.Endpoints[0].State = ctipool.StateDown
	src.cti.Endpoints[0].Generation = 4
	src.listening = false
	src.mu.Unlock()
	assert.Equal(t, 0.0, value(t, reg, "rcc_cti_connection_state", "endpoint", "cti-1", "state", "up"))
	assert.Equal(t, 1.0, value(t, reg, "rcc_cti_connection_state", "endpoint", "cti-1", "state", "down"))
	assert.Equal(t, 4.0, value(t, reg, "rcc_cti_generation", "endpoint", "cti-1"))
	assert.Equal(t, 0.0, value(t, reg, "rcc_sip_listening"))
}

func TestObserverMetrics(t *testing.T) {
	s, reg := newServer(t, healthySource(), admin.Config{})

	so := s.SessionObserver()
	for name, hook := range map[string]any{
		"RequestDone": so.RequestDone, "SessionRefused": so.SessionRefused,
		"SessionClosed": so.SessionClosed, "SessionRehomed": so.SessionRehomed,
	} {
		require.NotNil(t, hook, "session hook %s", name)
	}
	po := s.PoolObserver()
	require.NotNil(t, po.StateChanged)
	require.NotNil(t, po.HeartbeatDone)
	sp := s.SIPObserver()
	require.NotNil(t, sp.RequestDone)
	require.NotNil(t, sp.EventDone)
	so.RequestDone("MakeCall", session.OutcomeOK, 3*time.Millisecond)
	so.RequestDone("MakeCall", session.OutcomeCTIError, 30*time.Millisecond)
	so.RequestDone("MonitorStart", session.OutcomeOK, time.Millisecond)
	so.SessionClosed(session.Info{Opened: t0.Add(-90 * time.Second)}, nil)
	so.SessionClosed(session.Info{}, nil) // never opened: not observed
	so.SessionRehomed(session.Info{CTI: "cti-2"}, "cti-1")

	po.StateChanged(ctipool.StateChange{Endpoint: "cti-1", Old: ctipool.StateUp, New: ctipool.StateDown})
	po.StateChanged(ctipool.StateChange{Endpoint: "cti-1", Old: ctipool.StateDown, New: ctipool.StateConnecting})
	po.StateChanged(ctipool.StateChange{Endpoint: "cti-1", Old: ctipool.StateConnecting, New: ctipool.StateUp})
	po.HeartbeatDone("cti-1", 3, 2*time.Millisecond, nil)
	po.HeartbeatDone("cti-1", 3, 0, errors.New("no answer")) // not a round trip

	sp.RequestDone("INVITE", 200, 4*time.Millisecond)
	sp.RequestDone("FROBNICATE", 405, time.Millisecond)
	sp.EventDone("d1", 200, nil)
	sp.EventDone("d1", 481, errors.New("gone"))
	sp.EventDone("d1", 0, errors.New("timeout"))
	sp.EventDone("d1", 9999, nil)

	h := metric(t, reg, "rcc_request_duration_seconds", "service", "MakeCall").GetHistogram()
	assert.Equal(t, uint64(2), h.GetSampleCount())
	assert.InDelta(t, 0.033, h.GetSampleSum(), 1e-9)
	assert.Equal(t, uint64(1), metric(t, reg, "rcc_request_duration_seconds", "service", "MonitorStart").GetHistogram().GetSampleCount())

	sd := metric(t, reg, "rcc_session_duration_seconds").GetHistogram()
	assert.Equal(t, uint64(1), sd.GetSampleCount())
	assert.Equal(t, 90.0, sd.GetSampleSum())

	assert.Equal(t, 1.0, value(t, reg, "rcc_session_rehomes_total", "from", "cti-1", "to", "cti-2"))
	assert.Equal(t, 1.0, value(t, reg, "rcc_cti_state_changes_total", "endpoint", "cti-1", "state", "down"))
	assert.Equal(t, 1.0, value(t, reg, "rcc_cti_state_changes_total", "endpoint", "cti-1", "state", "up"))

	rtt := metric(t, reg, "rcc_cti_heartbeat_rtt_seconds", "endpoint", "cti-1").GetHistogram()
	assert.Equal(t, uint64(1), rtt.GetSampleCount())
	assert.Equal(t, 0.002, rtt.GetSampleSum())

	assert.Equal(t, uint64(1), metric(t, reg, "rcc_sip_request_duration_seconds", "method", "INVITE").GetHistogram().GetSampleCount())
	assert.Equal(t, uint64(1), metric(t, reg, "rcc_sip_request_duration_seconds", "method", "OTHER").GetHistogram().GetSampleCount())
	assert.Len(t, family(t, reg, "rcc_sip_request_duration_seconds").GetMetric(), 2, "an unknown method makes no series of its own")
	assert.Equal(t, 1.0, value(t, reg, "rcc_sip_event_answers_total", "code", "200"))
	assert.Equal(t, 1.0, value(t, reg, "rcc_sip_event_answers_total", "code", "481"))
	assert.Equal(t, 2.0, value(t, reg, "rcc_sip_event_answers_total", "code", "0"))

	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

func TestMetricsEndpoint(t *testing.T) {
	// The default registry is private and carries the runtime collectors.
	s, err := admin.New(admin.Config{Source: healthySource()})
	require.NoError(t, err)
	code, hdr, body := do(t, s.Handler(), "GET", "/metrics")
	require.Equal(t, http.StatusOK, code)
	assert.True(t, strings.HasPrefix(hdr.Get("Content-Type"), "text/plain; version=0.0.4"), hdr.Get("Content-Type"))
	for _, want := range []string{
		"\nrcc_session_opens_total 5\n",
		"\nrcc_cti_connection_state{endpoint=\"cti-3\",state=\"down\"} 1\n",
		"\nrcc_directory_reloads_total{result=\"ok\"} 0\n",
		"\n# TYPE go_goroutines gauge\n",
		"\n# TYPE process_start_time_seconds gauge\n",
	} {
		assert.Contains(t, body, want)
	}
	// Two servers do not share metrics: nothing goes to the global
	// default registry.
	_, err = admin.New(admin.Config{Source: healthySource()})
	require.NoError(t, err)
	mfs, err := prometheus.DefaultGatherer.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		assert.False(t, strings.HasPrefix(mf.GetName(), "rcc_"), mf.GetName())
	}
}
