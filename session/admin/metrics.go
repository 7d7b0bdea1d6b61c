package admin

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/session"
)

// Histogram buckets, in seconds.
var (
	// requestBuckets run from 0.5 ms to 16 s: CTI requests answer in
	// milliseconds and time out after seconds.
	requestBuckets = prometheus.ExponentialBuckets(0.0005, 2, 16)
	// rttBuckets run from 0.5 ms to 4 s.
	rttBuckets = prometheus.ExponentialBuckets(0.0005, 2, 14)
	// sessionBuckets run from 1 s to 3 days.
	sessionBuckets = prometheus.ExponentialBuckets(1, 4, 10)
)

// metrics are the server's metrics: the ones the observers feed, and a
// collector that reads the Source's snapshots at scrape time.
type metrics struct {
	requestDuration    *prometheus.HistogramVec // by service
	sessionDuration    prometheus.Histogram
	rehomes            *prometheus.CounterVec   // by from, to
	ctiStateChanges    *prometheus.CounterVec   // by endpoint, state
	heartbeatRTT       *prometheus.HistogramVec // by endpoint
	sipRequestDuration *prometheus.HistogramVec // by method
	sipEventAnswers    *prometheus.CounterVec   // by code
	reloads            *prometheus.CounterVec   // by result
	buildInfo          prometheus.Gauge
	stats              *statsCollector

	mu      sync.Mutex
	touched map[string]bool // endpoints whose rehome series exist
}

func newMetrics(src Source, build buildInfo) *metrics {
	return &metrics{
		buildInfo: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rcc_build_info",
			Help: "1, labelled with the gateway's version, the Go release it was built with and its version control revision (empty when the build did not record it).",
			ConstLabels: prometheus.Labels{
				"version": build.Version, "goversion": build.GoVersion, "revision": build.Revision,
			},
		}),
		touched: make(map[string]bool),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rcc_request_duration_seconds",
			Help:    "Time the gateway took to answer a client's CSTA request, by service.",
			Buckets: requestBuckets,
		}, []string{"service"}),
		sessionDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rcc_session_duration_seconds",
			Help:    "How long closed sessions were open.",
			Buckets: sessionBuckets,
		}),
		rehomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rcc_session_rehomes_total",
			Help: "Sessions moved to another CTI connection, by the endpoint they left and the one they moved to.",
		}, []string{"from", "to"}),
		ctiStateChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rcc_cti_state_changes_total",
			Help: "CTI connection state changes, by endpoint and the state entered.",
		}, []string{"endpoint", "state"}),
		heartbeatRTT: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rcc_cti_heartbeat_rtt_seconds",
			Help:    "Round trip time of answered CTI heartbeats, by endpoint.",
			Buckets: rttBuckets,
		}, []string{"endpoint"}),
		sipRequestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rcc_sip_request_duration_seconds",
			Help:    "Time the SIP server took to answer a request, by method.",
			Buckets: requestBuckets,
		}, []string{"method"}),
		sipEventAnswers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rcc_sip_event_answers_total",
			Help: `Final responses clients sent to event INFOs, by status code ("0" when none came).`,
		}, []string{"code"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rcc_directory_reloads_total",
			Help: `Directory reloads, by result: "ok", "invalid" (refused, the old directory stays) or "error".`,
		}, []string{"result"}),
		stats: newStatsCollector(src),
	}
}

func (m *metrics) register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{
		m.requestDuration, m.sessionDuration, m.rehomes, m.ctiStateChanges,
		m.heartbeatRTT, m.sipRequestDuration, m.sipEventAnswers, m.reloads, m.buildInfo, m.stats,
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	// Show the reload counters before the first reload.
	for _, r := range []string{reloadOK, reloadInvalid, reloadFailed} {
		m.reloads.WithLabelValues(r)
	}
	m.buildInfo.Set(1)
	return nil
}

// touchRehomes makes rcc_session_rehomes_total show a zero for every pair
// of the pool's endpoints before the first re-homing, so that rate() and
// increase() see the series start at zero. The endpoints are known only
// once the pool exists, so this runs at scrape time; it costs a map
// lookup per endpoint once the series exist.
func (m *metrics) touchRehomes(st ctipool.Stats) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fresh := false
	for _, ep := range st.Endpoints {
		if !m.touched[ep.Name] {
			m.touched[ep.Name] = true
			fresh = true
		}
	}
	if !fresh {
		return
	}
	for _, from := range st.Endpoints {
		for _, to := range st.Endpoints {
			if from.Name != to.Name {
				m.rehomes.WithLabelValues(from.Name, to.Name)
			}
		}
	}
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler(src Source, reg *prometheus.Registry, log *slog.Logger) http.Handler {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      promLogger{log},
		ErrorHandling: promhttp.ContinueOnError,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.touchRehomes(src.CTIStats())
		h.ServeHTTP(w, r)
	})
}

// promLogger passes promhttp's errors to slog.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) { l.log.Warn("serving metrics", "err", fmt.Sprint(v...)) }

// sipMethods are the SIP methods that get their own label value; a peer
// sending other methods must not create series at will.
var sipMethods = map[string]bool{
	"INVITE": true, "ACK": true, "BYE": true, "CANCEL": true, "INFO": true, "OPTIONS": true,
}

// sipMethodLabel returns method, or "OTHER" for a method the server does
// not handle.
func sipMethodLabel(method string) string {
	if sipMethods[method] {
		return method
	}
	return "OTHER"
}

// statusLabel returns a SIP status code as a label value: "0" for none or
// for a number no SIP status can be.
func statusLabel(code int) string {
	if code < 100 || code > 699 {
		return "0"
	}
	return strconv.Itoa(code)
}

// sessionStates are the states rcc_sessions reports, zero or not.
var sessionStates = []session.State{
	session.StateActive, session.StateRehoming, session.StateDown, session.StateStale,
}

// ctiStates are the states rcc_cti_connection_state reports.
var ctiStates = []ctipool.State{
	ctipool.StateConnecting, ctipool.StateUp, ctipool.StateDown, ctipool.StateClosed,
}
