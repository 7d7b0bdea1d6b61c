package admin

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// statsCollector turns the Source's snapshots into metrics at scrape time,
// so the counters are the library's own and cost nothing between scrapes.
type statsCollector struct {
	src  Source
	all  []*prometheus.Desc
	desc struct {
		sessions, opens, refusals, closes, requests, events, rehomeFailures *prometheus.Desc

		ctiHealthy, ctiState, ctiGeneration, ctiLastRTT, ctiRequests, ctiFailures,
		ctiPending, ctiHeartbeats, ctiHeartbeatFailures, ctiConnects, ctiReconnects,
		ctiConnectFailures, ctiEvents, ctiMonitors, ctiWaiting, ctiPlaced *prometheus.Desc

		sipListening, sipDialogs, sipDialogsOpened, sipDialogsClosed, sipRequests,
		sipResponses, sipEvents *prometheus.Desc

		dirGeneration, dirUsers, dirLines, dirDevices, dirAppearances, dirRegistered *prometheus.Desc
	}
}

func newStatsCollector(src Source) *statsCollector {
	c := &statsCollector{src: src}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		desc := prometheus.NewDesc(name, help, labels, nil)
		c.all = append(c.all, desc)
		return desc
	}
	ds := &c.desc
	ds.sessions = d("rcc_sessions", "Open sessions, by state.", "state")
	ds.opens = d("rcc_session_opens_total", "Sessions opened.")
	ds.refusals = d("rcc_session_refusals_total", "Session opens refused, by reason.", "reason")
	ds.closes = d("rcc_session_closes_total", "Sessions closed, by reason.", "reason")
	ds.requests = d("rcc_requests_total", "Client CSTA requests handled, by service and outcome.", "service", "outcome")
	ds.events = d("rcc_events_total", `Events for clients: "delivered" to a dialog, "dropped", or "synthesized" by re-synchronisation after a re-homing (also counted as delivered).`, "result")
	ds.rehomeFailures = d("rcc_session_rehome_failures_total", "Re-homing attempts that found no healthy CTI connection or could not restart the monitor.")

	ds.ctiHealthy = d("rcc_cti_healthy_connections", "CTI connections that are up.")
	ds.ctiState = d("rcc_cti_connection_state", "1 for the state the CTI connection is in, 0 for the others.", "endpoint", "state")
	ds.ctiGeneration = d("rcc_cti_generation", "The CTI connection's generation: it grows on every connect.", "endpoint")
	ds.ctiLastRTT = d("rcc_cti_last_heartbeat_rtt_seconds", "Round trip time of the CTI connection's last answered heartbeat.", "endpoint")
	ds.ctiRequests = d("rcc_cti_requests_total", "Requests sent over the CTI connection (heartbeats not included).", "endpoint")
	ds.ctiFailures = d("rcc_cti_request_failures_total", `CTI requests that failed, by kind: "link" (the connection failed), "timeout", "csta_error" (the CTI server refused).`, "endpoint", "kind")
	ds.ctiPending = d("rcc_cti_pending_requests", "CTI requests waiting for an answer.", "endpoint")
	ds.ctiHeartbeats = d("rcc_cti_heartbeats_total", "Heartbeats sent on the CTI connection.", "endpoint")
	ds.ctiHeartbeatFailures = d("rcc_cti_heartbeat_failures_total", "Heartbeats that got no answer.", "endpoint")
	ds.ctiConnects = d("rcc_cti_connects_total", "Successful connects of the CTI connection.", "endpoint")
	ds.ctiReconnects = d("rcc_cti_reconnects_total", "Successful connects after the first one.", "endpoint")
	ds.ctiConnectFailures = d("rcc_cti_connect_failures_total", "Failed connection attempts.", "endpoint")
	ds.ctiEvents = d("rcc_cti_events_total", `CTI events: "received", "unrouted" (for no monitor), "overflowed" (dropped because a session did not keep up).`, "endpoint", "result")
	ds.ctiMonitors = d("rcc_cti_monitors", "Monitors live on the CTI connection.", "endpoint")
	ds.ctiWaiting = d("rcc_cti_waiting_monitors", "Monitors waiting for the CTI connection to come back.", "endpoint")
	ds.ctiPlaced = d("rcc_cti_sessions_placed_total", "Times the pool placed a session (or a re-homing) on the CTI connection.", "endpoint")

	ds.sipListening = d("rcc_sip_listening", "1 while the SIP server listens on all its listeners.")
	ds.sipDialogs = d("rcc_sip_dialogs", "Open SIP dialogs.")
	ds.sipDialogsOpened = d("rcc_sip_dialogs_opened_total", "SIP dialogs opened.")
	ds.sipDialogsClosed = d("rcc_sip_dialogs_closed_total", "SIP dialogs closed.")
	ds.sipRequests = d("rcc_sip_requests_total", "SIP requests received, by method.", "method")
	ds.sipResponses = d("rcc_sip_responses_total", "SIP responses the server sent, by status code.", "code")
	ds.sipEvents = d("rcc_sip_events_total", `Event INFOs: "sent" (answered 2xx), "failed" (a failure response or none), "dropped" (never sent).`, "result")

	ds.dirGeneration = d("rcc_directory_generation", "Directories loaded: 1 after start, one more for every successful reload.")
	ds.dirUsers = d("rcc_directory_users", "Users in the directory.")
	ds.dirLines = d("rcc_directory_lines", "Lines in the directory.")
	ds.dirDevices = d("rcc_directory_devices", "Devices in the directory.")
	ds.dirAppearances = d("rcc_directory_appearances", "Line appearances in the directory.")
	ds.dirRegistered = d("rcc_directory_registered_devices", "Devices registered now.")
	return c
}

// Describe sends every metric's description.
func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.all {
		ch <- d
	}
}

// Collect reads the Source's snapshots and sends the metrics.
func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	ds := &c.desc

	ss := c.src.SessionStats()
	for _, st := range sessionStates {
		gauge(ds.sessions, float64(ss.Sessions[st]), st.String())
	}
	counter(ds.opens, ss.Opened)
	for reason, n := range ss.Refused {
		counter(ds.refusals, n, reason)
	}
	for reason, n := range ss.Closed {
		counter(ds.closes, n, reason)
	}
	for service, r := range ss.Requests {
		counter(ds.requests, r.OK, service, "ok")
		counter(ds.requests, r.CTIError, service, "cti_error")
		counter(ds.requests, r.Refused, service, "refused")
		counter(ds.requests, r.Unavailable, service, "unavailable")
		counter(ds.requests, r.Rejected, service, "rejected")
	}
	counter(ds.events, ss.EventsDelivered, "delivered")
	counter(ds.events, ss.EventsDropped, "dropped")
	counter(ds.events, ss.EventsSynthesized, "synthesized")
	counter(ds.rehomeFailures, ss.RehomeFailures)

	cs := c.src.CTIStats()
	gauge(ds.ctiHealthy, float64(cs.Healthy))
	for _, ep := range cs.Endpoints {
		n := ep.Name
		for _, st := range ctiStates {
			v := 0.0
			if ep.State == st {
				v = 1
			}
			gauge(ds.ctiState, v, n, st.String())
		}
		gauge(ds.ctiGeneration, float64(ep.Generation), n)
		gauge(ds.ctiLastRTT, ep.LastHeartbeatRTT.Seconds(), n)
		counter(ds.ctiRequests, ep.Requests, n)
		counter(ds.ctiFailures, ep.Failures, n, "link")
		counter(ds.ctiFailures, ep.Timeouts, n, "timeout")
		counter(ds.ctiFailures, ep.CSTAErrors, n, "csta_error")
		gauge(ds.ctiPending, float64(ep.Pending), n)
		counter(ds.ctiHeartbeats, ep.Heartbeats, n)
		counter(ds.ctiHeartbeatFailures, ep.HeartbeatFailures, n)
		counter(ds.ctiConnects, ep.Connects, n)
		counter(ds.ctiReconnects, ep.Reconnects, n)
		counter(ds.ctiConnectFailures, ep.ConnectFailures, n)
		counter(ds.ctiEvents, ep.EventsIn, n, "received")
		counter(ds.ctiEvents, ep.EventsDropped, n, "unrouted")
		counter(ds.ctiEvents, ep.EventsOverflowed, n, "overflowed")
		gauge(ds.ctiMonitors, float64(ep.Subscribers), n)
		gauge(ds.ctiWaiting, float64(ep.Watchers), n)
		counter(ds.ctiPlaced, ep.Placed, n)
	}

	listening := 0.0
	if c.src.SIPListening() {
		listening = 1
	}
	gauge(ds.sipListening, listening)
	sp := c.src.SIPStats()
	gauge(ds.sipDialogs, float64(sp.Dialogs))
	counter(ds.sipDialogsOpened, sp.DialogsOpened)
	counter(ds.sipDialogsClosed, sp.DialogsClosed)
	for method, n := range sp.Requests {
		counter(ds.sipRequests, n, method)
	}
	for code, n := range sp.Responses {
		counter(ds.sipResponses, n, strconv.Itoa(code))
	}
	counter(ds.sipEvents, sp.EventsSent, "sent")
	counter(ds.sipEvents, sp.EventsFailed, "failed")
	counter(ds.sipEvents, sp.EventsDropped, "dropped")

	dir := c.src.DirectoryStats()
	gauge(ds.dirGeneration, float64(dir.Generation))
	gauge(ds.dirUsers, float64(dir.Users))
	gauge(ds.dirLines, float64(dir.Lines))
	gauge(ds.dirDevices, float64(dir.Devices))
	gauge(ds.dirAppearances, float64(dir.Appearances))
	gauge(ds.dirRegistered, float64(dir.Registered))
}
