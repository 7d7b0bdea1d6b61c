package admin

import (
	"time"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/sip"
)

// SessionObserver returns the hooks to set as session.Config.Observer:
// RequestDone (rcc_request_duration_seconds), SessionRefused (the status
// page's recent refusals), SessionClosed (rcc_session_duration_seconds)
// and SessionRehomed (rcc_session_rehomes_total). The counters of
// session.Stats are read at scrape time and need no hook.
func (s *Server) SessionObserver() *session.Observer {
	o := sessionObserver{s}
	return &session.Observer{
		RequestDone:    o.requestDone,
		SessionRefused: o.sessionRefused,
		SessionClosed:  o.sessionClosed,
		SessionRehomed: o.sessionRehomed,
	}
}

// PoolObserver returns the hooks to set as ctipool.Config.Observer:
// StateChanged (rcc_cti_state_changes_total) and HeartbeatDone
// (rcc_cti_heartbeat_rtt_seconds).
func (s *Server) PoolObserver() *ctipool.Observer {
	o := poolObserver{s.metrics}
	return &ctipool.Observer{
		StateChanged:  o.stateChanged,
		HeartbeatDone: o.heartbeatDone,
	}
}

// SIPObserver returns the hooks to set as sip.ServerConfig.Observer:
// RequestDone (rcc_sip_request_duration_seconds) and EventDone
// (rcc_sip_event_answers_total).
func (s *Server) SIPObserver() *sip.Observer {
	o := sipObserver{s.metrics}
	return &sip.Observer{
		RequestDone: o.requestDone,
		EventDone:   o.eventDone,
	}
}

type sessionObserver struct{ s *Server }

func (o sessionObserver) requestDone(service string, _ session.Outcome, elapsed time.Duration) {
	o.s.metrics.requestDuration.WithLabelValues(service).Observe(elapsed.Seconds())
}

func (o sessionObserver) sessionRefused(user, line, peer string, err error) {
	r := refusal{User: user, Line: line, Peer: peer, Reason: session.RefusalReason(err)}
	if err != nil {
		r.Detail = err.Error()
	}
	o.s.refused(r)
}

func (o sessionObserver) sessionClosed(info session.Info, _ error) {
	if !info.Opened.IsZero() {
		o.s.metrics.sessionDuration.Observe(o.s.now().Sub(info.Opened).Seconds())
	}
}

func (o sessionObserver) sessionRehomed(info session.Info, from string) {
	o.s.metrics.rehomes.WithLabelValues(from, info.CTI).Inc()
}

type poolObserver struct{ m *metrics }

func (o poolObserver) stateChanged(c ctipool.StateChange) {
	o.m.ctiStateChanges.WithLabelValues(c.Endpoint, c.New.String()).Inc()
}

func (o poolObserver) heartbeatDone(endpoint string, _ uint64, rtt time.Duration, err error) {
	if err == nil {
		o.m.heartbeatRTT.WithLabelValues(endpoint).Observe(rtt.Seconds())
	}
}

type sipObserver struct{ m *metrics }

func (o sipObserver) requestDone(method string, _ int, elapsed time.Duration) {
	o.m.sipRequestDuration.WithLabelValues(sipMethodLabel(method)).Observe(elapsed.Seconds())
}

func (o sipObserver) eventDone(_ string, status int, _ error) {
	o.m.sipEventAnswers.WithLabelValues(statusLabel(status)).Inc()
}
