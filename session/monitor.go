package session

import (
	"context"

	"github.com/rcc-go/rcc/csta"
)

// maxHeld bounds the events held while a re-homing re-synchronises; beyond
// it the session is handled as a sink that cannot keep up.
const maxHeld = 256

// monitorStart answers MonitorStart: a CTI monitor on the line's key,
// reported to the client under the session's own monitorCrossRefID. A
// second MonitorStart returns the same ID and starts nothing.
func (s *Session) monitorStart(ctx context.Context, req *csta.MonitorStart) (csta.Message, Outcome, error) {
	hdr := req.Header
	if req.MonitorObject.Call != nil {
		return csta.ErrorResponse(hdr, csta.ErrInvalidMonitorObject), OutcomeRefused, nil
	}
	if !s.isOwn(req.MonitorObject.Device.ID) {
		return csta.ErrorResponse(hdr, csta.ErrPrivilegeViolation), OutcomeRefused, nil
	}
	if err := s.acquireBusy(ctx); err != nil {
		return s.failure(hdr, err)
	}
	defer s.releaseBusy()
	s.mu.Lock()
	if s.state == StateClosed {
		err := s.closedErrLocked()
		s.mu.Unlock()
		return nil, OutcomeRejected, err
	}
	if s.monitoring {
		s.mu.Unlock()
		return &csta.MonitorStartResponse{Header: hdr.Reply(), MonitorCrossRefID: s.xref}, OutcomeOK, nil
	}
	s.mu.Unlock()

	cti := &csta.MonitorStart{
		MonitorObject:              csta.MonitorObject{Device: csta.Device(s.key)},
		RequestedMonitorFilter:     req.RequestedMonitorFilter,
		MonitorType:                req.MonitorType,
		RequestedMonitorMediaClass: req.RequestedMonitorMediaClass,
	}
	var (
		resp *csta.MonitorStartResponse
		mon  Monitor
		h    *monitorHandler
		err  error
	)
	for attempt := 0; attempt < 2; attempt++ {
		var link Link
		if link, err = s.ensureLinkBusy(ctx); err != nil {
			return s.failure(hdr, err)
		}
		h = &monitorHandler{s: s}
		s.mu.Lock()
		s.monH = h // events may come before Monitor returns
		s.mu.Unlock()
		resp, mon, err = link.Monitor(ctx, cti, h)
		if err == nil {
			break
		}
		s.mu.Lock()
		if s.monH == h {
			s.monH = nil
		}
		s.mu.Unlock()
		if !isLinkDown(err) || s.m.cfg.LossPolicy == Reconnect {
			if s.m.cfg.LossPolicy == Reconnect && isStale(err) {
				return nil, OutcomeRejected, s.goStale(err)
			}
			return s.failure(hdr, err)
		}
		// Under Rehome: move to another link and try once more.
		s.mu.Lock()
		if s.state == StateActive && s.link == link {
			s.setStateLocked(StateRehoming)
		}
		s.mu.Unlock()
	}
	if err != nil {
		return s.failure(hdr, err)
	}
	s.mu.Lock()
	if s.state == StateClosed || s.monH != h {
		err := s.closedErrLocked()
		s.mu.Unlock()
		s.m.stopMonitor(mon)
		return nil, OutcomeRejected, err
	}
	s.mon, s.ctiXref, s.monitoring = mon, resp.MonitorCrossRefID, true
	s.mu.Unlock()
	return &csta.MonitorStartResponse{
		Header:                  hdr.Reply(),
		MonitorCrossRefID:       s.xref,
		ActualMonitorFilter:     resp.ActualMonitorFilter,
		ActualMonitorMediaClass: resp.ActualMonitorMediaClass,
		MonitorExistingCalls:    resp.MonitorExistingCalls,
	}, OutcomeOK, nil
}

// monitorStop answers MonitorStop for the session's monitorCrossRefID: the
// CTI monitor is stopped and no more events are sent. The monitor is gone
// locally even when the CTI side cannot be told, so the answer is positive
// then too.
func (s *Session) monitorStop(ctx context.Context, req *csta.MonitorStop) (csta.Message, Outcome, error) {
	hdr := req.Header
	if err := s.acquireBusy(ctx); err != nil {
		return s.failure(hdr, err)
	}
	// evMu too: a delivery under way finishes first, and after the answer
	// no event is sent.
	s.evMu.Lock()
	s.mu.Lock()
	if req.MonitorCrossRefID != s.xref || !s.monitoring {
		s.mu.Unlock()
		s.evMu.Unlock()
		s.releaseBusy()
		return csta.ErrorResponse(hdr, csta.ErrInvalidMonitorCrossRefID), OutcomeRefused, nil
	}
	mon := s.mon
	s.mon, s.monH, s.ctiXref, s.monitoring = nil, nil, "", false
	s.held, s.resync, s.calls = nil, false, nil
	s.mu.Unlock()
	s.evMu.Unlock()
	s.releaseBusy()
	if mon != nil {
		if err := mon.Stop(ctx); err != nil {
			s.m.log.Debug("MonitorStop", "dialog", s.dialogID, "err", err)
		}
	}
	return &csta.MonitorStopResponse{Header: hdr.Reply()}, OutcomeOK, nil
}

// monitorHandler receives the calls of one CTI monitor of a session. Only
// the session's current handler (s.monH) counts; calls to an older one, of
// a monitor that was replaced or stopped, are ignored.
type monitorHandler struct {
	s *Session
}

// currentLocked reports whether h's calls count: it is the session's
// current handler and the session is open. The caller holds h.s.mu.
func (h *monitorHandler) currentLocked() bool {
	return h.s.monH == h && h.s.state != StateClosed
}

// Event takes in an event: tracked, translated, and passed to the sink in
// order; held while a re-homing re-synchronises.
func (h *monitorHandler) Event(ev csta.Event) {
	s := h.s
	s.evMu.Lock()
	s.mu.Lock()
	if !h.currentLocked() || ev == nil ||
		(s.ctiXref != "" && ev.CrossRefID() != s.ctiXref) {
		s.mu.Unlock()
		s.evMu.Unlock()
		return
	}
	if s.resync {
		full := len(s.held) >= maxHeld
		if !full {
			s.held = append(s.held, ev)
		}
		s.mu.Unlock()
		s.evMu.Unlock()
		if full {
			s.m.stats.dropped.Add(1)
			s.overflow()
		}
		return
	}
	s.trackLocked(ev)
	s.mu.Unlock()
	ok := s.deliver(ev)
	s.evMu.Unlock()
	if !ok {
		s.overflow()
	}
}

// deliver translates a CTI event and passes it to the sink. The caller
// holds s.evMu.
func (s *Session) deliver(ev csta.Event) bool {
	s.toClient(ev)
	ev.SetCrossRefID(s.xref)
	*ev.MessageHeader() = csta.Header{}
	if err := s.sink.SendEvent(ev); err != nil {
		if s.State() == StateClosed {
			return true // the dialog ended meanwhile: nothing is missed
		}
		s.m.stats.dropped.Add(1)
		s.m.log.Debug("event not delivered", "dialog", s.dialogID, "event", ev.MessageName(), "err", err)
		return false
	}
	s.m.stats.delivered.Add(1)
	return true
}

// overflow applies the policy for a session whose client missed events:
// the session ends, so that the client opens a new one and starts afresh.
func (s *Session) overflow() {
	s.closeWith(ErrEventBacklog, "event backlog")
}

// LinkDown handles the loss of the monitor's link.
func (h *monitorHandler) LinkDown(err error) {
	s := h.s
	s.mu.Lock()
	if !h.currentLocked() {
		s.mu.Unlock()
		return
	}
	rehome := s.m.cfg.LossPolicy == Rehome
	if s.state == StateActive {
		if rehome {
			s.setStateLocked(StateRehoming)
		} else {
			s.setStateLocked(StateDown)
		}
	}
	// Under Rehome the session is queued even when a move is under way:
	// the link this monitor was just started on may be the one that died,
	// and the queued re-homing then finds it dead and moves again.
	s.mu.Unlock()
	s.m.log.Debug("CTI monitor lost", "dialog", s.dialogID, "err", err)
	if rehome {
		s.queueRehome()
	}
}

// LinkUp handles the return of the monitor's link: under Reconnect the
// session is stale; under Rehome a session that found no link re-homes now,
// and so do the others that are Down.
func (h *monitorHandler) LinkUp(gen uint64) {
	s := h.s
	s.mu.Lock()
	if !h.currentLocked() {
		s.mu.Unlock()
		return
	}
	if s.m.cfg.LossPolicy == Reconnect {
		if gen != s.link.Generation() {
			s.setStateLocked(StateStale)
		}
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.m.rehomeDown()
}

// EventsLost handles events the CTI side dropped for the session: the
// client missed them, as for a full sink.
func (h *monitorHandler) EventsLost(n int) {
	s := h.s
	s.mu.Lock()
	mine := h.currentLocked()
	s.mu.Unlock()
	if mine {
		s.m.stats.dropped.Add(uint64(n))
		s.overflow()
	}
}
