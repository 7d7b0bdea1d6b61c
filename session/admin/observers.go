package admin

import (
	"time"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/sip"
)

// SessionObserver returns the observer to set as session.Config.Observer.
// It implements session.RequestObserver (rcc_request_duration_seconds),
// session.RefusalObserver (the status page's recent refusals),
// session.CloseObserver (rcc_session_duration_seconds) and
// session.RehomeObserver (rcc_session_rehomes_total). The counters of
// session.Stats are read at scrape time and need no observer.
func (s *Server) SessionObserver() session.Observer { return sessionObserver{s} }

// PoolObserver returns the observer to set as ctipool.Config.Observer. It
// implements ctipool.Observer (rcc_cti_state_changes_total) and
// ctipool.HeartbeatObserver (rcc_cti_heartbeat_rtt_seconds).
func (s *Server) PoolObserver() ctipool.Observer { return poolObserver{s.metrics} }

// SIPObserver returns the observer to set as sip.ServerConfig.Observer. It
// implements sip.RequestObserver (rcc_sip_request_duration_seconds) and
// sip.EventObserver (rcc_sip_event_answers_total).
func (s *Server) SIPObserver() sip.Observer { return sipObserver{s.metrics} }

type sessionObserver struct{ s *Server }

func (o sessionObserver) RequestDone(service string, _ session.Outcome, elapsed time.Duration) {
	o.s.metrics.requestDuration.WithLabelValues(service).Observe(elapsed.Seconds())
}

func (o sessionObserver) SessionRefused(user, line, peer string, err error) {
	r := refusal{User: user, Line: line, Peer: peer, Reason: session.RefusalReason(err)}
	if err != nil {
		r.Detail = err.Error()
	}
	o.s.refused(r)
}

func (o sessionObserver) SessionClosed(info session.Info, _ error) {
	if !info.Opened.IsZero() {
		o.s.metrics.sessionDuration.Observe(o.s.now().Sub(info.Opened).Seconds())
	}
}

func (o sessionObserver) SessionRehomed(info session.Info, from string) {
	o.s.metrics.rehomes.WithLabelValues(from, info.CTI).Inc()
}

type poolObserver struct{ m *metrics }

func (o poolObserver) StateChanged(c ctipool.StateChange) {
	o.m.ctiStateChanges.WithLabelValues(c.Endpoint, c.New.String()).Inc()
}

func (o poolObserver) HeartbeatDone(endpoint string, _ uint64, rtt time.Duration, err error) {
	if err == nil {
		o.m.heartbeatRTT.WithLabelValues(endpoint).Observe(rtt.Seconds())
	}
}

type sipObserver struct{ m *metrics }

func (o sipObserver) RequestDone(method string, _ int, elapsed time.Duration) {
	o.m.sipRequestDuration.WithLabelValues(sipMethodLabel(method)).Observe(elapsed.Seconds())
}

func (o sipObserver) EventDone(_ string, status int, _ error) {
	o.m.sipEventAnswers.WithLabelValues(statusLabel(status)).Inc()
}
