package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/rcc-go/rcc/csta"
)

// rehomeAttempts bounds the links one re-homing tries.
const rehomeAttempts = 3

// ensureLink returns a usable link for the session, applying the loss
// policy when its link is not usable. It waits, bounded by ctx, for a
// monitor change or re-homing under way.
func (s *Session) ensureLink(ctx context.Context) (Link, error) {
	if err := s.acquireBusy(ctx); err != nil {
		return nil, err
	}
	defer s.releaseBusy()
	return s.ensureLinkBusy(ctx)
}

// ensureLinkBusy is ensureLink for a caller that holds the busy mark.
func (s *Session) ensureLinkBusy(ctx context.Context) (Link, error) {
	s.mu.Lock()
	st, link := s.state, s.link
	if st == StateClosed {
		err := s.closedErrLocked()
		s.mu.Unlock()
		return nil, err
	}
	s.mu.Unlock()
	if st == StateStale {
		return nil, s.goStale(errors.New("CTI connection re-established"))
	}
	err := link.Check()
	if err == nil && st == StateActive {
		return link, nil
	}
	if s.m.cfg.LossPolicy == Reconnect {
		switch {
		case err == nil:
			// Up again in the same generation: nothing was lost.
			s.mu.Lock()
			if s.state == StateDown {
				s.setStateLocked(StateActive)
			}
			s.mu.Unlock()
			return link, nil
		case isStale(err):
			return nil, s.goStale(err)
		}
		s.mu.Lock()
		if s.state == StateActive {
			s.setStateLocked(StateDown)
		}
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %w", csta.ErrResourceOutOfService, err)
	}
	return s.move(ctx, link)
}

// queueRehome queues the session for re-homing in the background.
func (s *Session) queueRehome() {
	s.mu.Lock()
	if s.queued || s.state == StateClosed {
		s.mu.Unlock()
		return
	}
	s.queued = true
	s.mu.Unlock()
	s.m.rehomeQ.push(s.rehomeJob)
}

// rehomeJob re-homes the session from the background queue.
func (s *Session) rehomeJob() {
	s.mu.Lock()
	s.queued = false
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 3*s.m.cfg.RequestTimeout)
	defer cancel()
	if _, err := s.ensureLink(ctx); err != nil {
		s.m.log.Debug("re-homing", "dialog", s.dialogID, "err", err)
	}
}

// move moves the session from its failed link old to a healthy one: the
// monitor, if the client has one, is started there and the calls
// re-synchronised by snapshot. The caller holds the busy mark. With no
// healthy link the session is Down and the error wraps
// resourceOutOfService.
func (s *Session) move(ctx context.Context, old Link) (Link, error) {
	s.mu.Lock()
	wasDown := s.state == StateDown
	if s.state == StateActive {
		s.setStateLocked(StateRehoming)
	}
	oldH := s.monH
	s.mu.Unlock()
	var lastErr error
	for range rehomeAttempts {
		next, err := s.m.cfg.CTI.Acquire()
		if err != nil {
			lastErr = err
			break
		}
		if next.Endpoint() == old.Endpoint() && next.Generation() == old.Generation() {
			lastErr = errors.New("session: the CTI link offered is the failed one")
			break
		}
		done, err := s.moveTo(ctx, old, oldH, next)
		if done {
			if err == nil && wasDown {
				// A link is back: the other sessions without one may
				// move too.
				s.m.rehomeDown()
			}
			return next, err
		}
		lastErr = err
		if !isLinkDown(err) && !isTimeout(err) {
			break
		}
	}
	s.m.stats.rehomeFails.Add(1)
	s.mu.Lock()
	if s.monH != oldH && s.state != StateClosed {
		// Keep the old monitor's handler: its LinkUp triggers the next try.
		s.monH, s.resync, s.held = oldH, false, nil
	}
	if s.state == StateRehoming {
		s.setStateLocked(StateDown)
	}
	s.mu.Unlock()
	s.logInfo("session re-homing failed", "err", lastErr)
	var ce *csta.Error
	if errors.As(lastErr, &ce) {
		// The CTI side refused the monitor: the client would wait for
		// events that never come.
		s.closeWith(fmt.Errorf("%w: %w", ErrMonitorLost, lastErr), "CTI monitor lost")
		s.mu.Lock()
		defer s.mu.Unlock()
		return nil, s.closedErrLocked()
	}
	return nil, fmt.Errorf("%w: %w", csta.ErrResourceOutOfService, lastErr)
}

// moveTo tries to move the session to next. done reports that the attempt
// ended the re-homing, successfully or because the session closed; when
// done is false, err says why next did not do.
func (s *Session) moveTo(ctx context.Context, old Link, oldH *monitorHandler, next Link) (done bool, err error) {
	s.mu.Lock()
	monitoring := s.monitoring
	s.mu.Unlock()
	var (
		h    *monitorHandler
		mon  Monitor
		resp *csta.MonitorStartResponse
		snap *csta.SnapshotDeviceResponse
	)
	if monitoring {
		h = &monitorHandler{s: s}
		s.mu.Lock()
		// From now on the old monitor's calls are ignored and the new
		// one's events are held until the snapshot is compared.
		s.monH, s.ctiXref, s.resync, s.held = h, "", true, nil
		s.mu.Unlock()
		resp, mon, err = next.Monitor(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(s.key)}}, h)
		if err != nil {
			return false, err
		}
		r, err := next.Do(ctx, &csta.SnapshotDevice{SnapshotObject: csta.Device(s.key)})
		if sr, ok := r.(*csta.SnapshotDeviceResponse); err == nil && ok {
			snap = sr
		} else {
			s.m.log.Warn("re-homing without re-synchronisation: snapshot failed",
				"dialog", s.dialogID, "cti", next.Endpoint(), "err", err)
		}
	}

	s.evMu.Lock()
	s.mu.Lock()
	if s.state == StateClosed || (monitoring && s.monH != h) {
		err := s.closedErrLocked()
		s.mu.Unlock()
		s.evMu.Unlock()
		if mon != nil {
			s.m.stopMonitor(mon)
		}
		return true, err
	}
	oldMon := s.mon
	s.link = next
	var evs []csta.Event
	if monitoring {
		s.mon, s.ctiXref = mon, resp.MonitorCrossRefID
		var cleared map[csta.CallID]bool
		if snap != nil {
			evs, cleared = s.resyncLocked(snap)
			s.m.stats.synthesized.Add(uint64(len(evs)))
		}
		for _, ev := range s.held {
			if cc, ok := ev.(*csta.ConnectionClearedEvent); ok && cleared[cc.DroppedConnection.CallID] {
				continue // already reported by the re-synchronisation
			}
			if cc, ok := ev.(*csta.CallClearedEvent); ok && cleared[cc.ClearedCall.CallID] {
				continue
			}
			s.trackLocked(ev)
			evs = append(evs, ev)
		}
		s.held, s.resync = nil, false
	}
	s.setStateLocked(StateActive)
	s.mu.Unlock()
	ok := true
	for _, ev := range evs {
		if ok = s.deliver(ev); !ok {
			break
		}
	}
	s.evMu.Unlock()

	if oldMon != nil {
		s.m.stopMonitor(oldMon)
	}
	s.m.stats.rehomes.Add(1)
	s.logInfo("session re-homed", "from", old.Endpoint(), "synthesized", len(evs))
	if s.m.obs.SessionRehomed != nil {
		s.m.obs.SessionRehomed(s.Info(), old.Endpoint())
	}
	if !ok {
		s.overflow()
	}
	return true, nil
}
