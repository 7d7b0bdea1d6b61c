package session

import (
	"slices"

	"github.com/rcc-go/rcc/csta"
)

// maxCalls bounds the calls a session tracks; a device has a handful.
const maxCalls = 64

// The session tracks the calls at its device from the CTI events of its
// monitor, in CTI form: callID -> the device's local connection state.
// Events are authoritative; responses are not used, because a response
// and the events of the same call race each other. The tracked calls are
// what a re-homing compares the new connection's snapshot with.

// setCallLocked records the state of a call; null forgets it. The caller
// holds s.mu.
func (s *Session) setCallLocked(id csta.CallID, st csta.LocalConnectionState) {
	if id == "" || st == "" {
		return
	}
	if st == csta.StateNull {
		delete(s.calls, id)
		return
	}
	if s.calls == nil {
		s.calls = make(map[csta.CallID]csta.LocalConnectionState, 2)
	}
	if _, ok := s.calls[id]; !ok && len(s.calls) >= maxCalls {
		return
	}
	s.calls[id] = st
}

// trackLocked updates the tracked calls from a CTI event (not yet
// translated). The caller holds s.mu.
func (s *Session) trackLocked(ev csta.Event) {
	switch e := ev.(type) {
	case *csta.CallClearedEvent:
		delete(s.calls, e.ClearedCall.CallID)
		return
	case *csta.ConnectionClearedEvent:
		if e.DroppedConnection.DeviceID.ID == s.key || e.LocalConnectionInfo == csta.StateNull {
			delete(s.calls, e.DroppedConnection.CallID)
		} else {
			s.setCallLocked(e.DroppedConnection.CallID, e.LocalConnectionInfo)
		}
		return
	case *csta.TransferredEvent:
		s.joinLocked(e.PrimaryOldCall, e.SecondaryOldCall, e.TransferredConnections, e.LocalConnectionInfo)
		return
	case *csta.ConferencedEvent:
		s.joinLocked(e.PrimaryOldCall, e.SecondaryOldCall, e.ConferenceConnections, e.LocalConnectionInfo)
		return
	}
	subject, st, implied := eventState(ev)
	if st == "" && subject.DeviceID.ID == s.key {
		st = implied
	}
	s.setCallLocked(subject.CallID, st)
}

// joinLocked handles a transfer or conference: the old calls end for the
// device, and its new connections (if it stays) take the reported state.
func (s *Session) joinLocked(primary csta.ConnectionID, secondary *csta.ConnectionID, items []csta.ConnectionListItem, st csta.LocalConnectionState) {
	delete(s.calls, primary.CallID)
	if secondary != nil {
		delete(s.calls, secondary.CallID)
	}
	if st == csta.StateNull {
		return
	}
	if st == "" {
		st = csta.StateConnected
	}
	for _, it := range items {
		if c := it.NewConnection; c != nil && c.DeviceID.ID == s.key {
			s.setCallLocked(c.CallID, st)
		}
	}
}

// eventState returns an event's subject connection, its localConnectionInfo
// and the state the event implies for the subject when the subject is the
// monitored device.
func eventState(ev csta.Event) (subject csta.ConnectionID, st, implied csta.LocalConnectionState) {
	switch e := ev.(type) {
	case *csta.ServiceInitiatedEvent:
		return e.InitiatedConnection, e.LocalConnectionInfo, csta.StateInitiated
	case *csta.OriginatedEvent:
		return e.OriginatedConnection, e.LocalConnectionInfo, csta.StateConnected
	case *csta.DeliveredEvent:
		return e.Connection, e.LocalConnectionInfo, csta.StateAlerting
	case *csta.EstablishedEvent:
		return e.EstablishedConnection, e.LocalConnectionInfo, csta.StateConnected
	case *csta.FailedEvent:
		return e.FailedConnection, e.LocalConnectionInfo, csta.StateFail
	case *csta.HeldEvent:
		return e.HeldConnection, e.LocalConnectionInfo, csta.StateHold
	case *csta.RetrievedEvent:
		return e.RetrievedConnection, e.LocalConnectionInfo, csta.StateConnected
	case *csta.DivertedEvent:
		return e.Connection, e.LocalConnectionInfo, csta.StateNull
	case *csta.NetworkReachedEvent:
		return e.OutboundConnection, e.LocalConnectionInfo, ""
	case *csta.QueuedEvent:
		return e.QueuedConnection, e.LocalConnectionInfo, csta.StateQueued
	}
	return csta.ConnectionID{}, "", ""
}

// snapshotState returns the device's local connection state in a snapshot
// entry, "" when the entry does not say.
func snapshotState(cs csta.CallState) csta.LocalConnectionState {
	switch {
	case cs.Unknown:
		return ""
	case cs.Simple != "":
		return simpleStates[cs.Simple]
	case len(cs.Compound) == 0:
		return ""
	}
	return cs.Local()
}

// simpleStates maps the simpleCallState values to the local connection
// state of the device they describe; those left out say nothing usable.
var simpleStates = map[csta.SimpleCallState]csta.LocalConnectionState{
	csta.CallNull:              csta.StateNull,
	csta.CallPending:           csta.StateInitiated,
	csta.CallOriginated:        csta.StateConnected,
	csta.CallDelivered:         csta.StateConnected,
	csta.CallDeliveredHeld:     csta.StateConnected,
	csta.CallReceived:          csta.StateAlerting,
	csta.CallEstablished:       csta.StateConnected,
	csta.CallEstablishedHeld:   csta.StateConnected,
	csta.CallReceivedOnHold:    csta.StateHold,
	csta.CallEstablishedOnHold: csta.StateHold,
	csta.CallQueued:            csta.StateConnected,
	csta.CallQueuedHeld:        csta.StateConnected,
	csta.CallFailed:            csta.StateFail,
	csta.CallFailedHeld:        csta.StateFail,
}

// resyncLocked compares the tracked calls with a snapshot of the device
// taken on a new connection, replaces the tracked calls with the
// snapshot's, and returns the events (in CTI form, without
// monitorCrossRefID) that bring the client up to date, and the calls it
// reported cleared. The caller holds s.mu. See the package documentation,
// "CTI loss policies", for the events made.
func (s *Session) resyncLocked(snap *csta.SnapshotDeviceResponse) (evs []csta.Event, cleared map[csta.CallID]bool) {
	type entry struct {
		st       csta.LocalConnectionState
		endpoint *csta.ExtendedDeviceID
	}
	now := make(map[csta.CallID]entry, len(snap.SnapshotData))
	for _, it := range snap.SnapshotData {
		id := it.ConnectionIdentifier.CallID
		st := snapshotState(it.LocalCallState)
		if id == "" || st == "" || st == csta.StateNull || len(now) >= maxCalls {
			continue
		}
		now[id] = entry{st, it.EndpointDevice}
	}
	for _, id := range sortedCalls(s.calls) {
		if _, ok := now[id]; ok {
			continue
		}
		if cleared == nil {
			cleared = make(map[csta.CallID]bool)
		}
		cleared[id] = true
		evs = append(evs, &csta.ConnectionClearedEvent{
			DroppedConnection:   csta.Connection(id, s.key),
			ReleasingDevice:     csta.ExtendedDeviceID{NotKnown: true},
			LocalConnectionInfo: csta.StateNull,
			Cause:               csta.CauseNormalClearing,
		})
	}
	ids := make([]csta.CallID, 0, len(now))
	for id := range now {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	calls := make(map[csta.CallID]csta.LocalConnectionState, len(now))
	for _, id := range ids {
		e := now[id]
		calls[id] = e.st
		old, had := s.calls[id]
		if had && old == e.st {
			continue
		}
		evs = append(evs, s.stateEvents(id, old, had, e.st, e.endpoint)...)
	}
	s.calls = calls
	return evs, cleared
}

// stateEvents returns the events that take a call at the device from state
// old (had is false for a call the client was never told of) to state st.
func (s *Session) stateEvents(id csta.CallID, old csta.LocalConnectionState, had bool, st csta.LocalConnectionState, endpoint *csta.ExtendedDeviceID) []csta.Event {
	conn := csta.Connection(id, s.key)
	own := csta.Known(s.key)
	other := csta.ExtendedDeviceID{NotKnown: true}
	if endpoint != nil {
		other = *endpoint
	}
	notKnown := csta.ExtendedDeviceID{NotKnown: true}
	redir := csta.RedirectionDeviceID{NotKnown: true}
	established := func(answering csta.ExtendedDeviceID) csta.Event {
		return &csta.EstablishedEvent{EstablishedConnection: conn, AnsweringDevice: answering,
			CallingDevice: notKnown, CalledDevice: notKnown, LastRedirectionDevice: redir,
			LocalConnectionInfo: csta.StateConnected, Cause: csta.CauseNormal}
	}
	switch st {
	case csta.StateInitiated:
		return []csta.Event{&csta.ServiceInitiatedEvent{InitiatedConnection: conn, InitiatingDevice: own,
			LocalConnectionInfo: csta.StateInitiated, Cause: csta.CauseNewCall}}
	case csta.StateAlerting:
		return []csta.Event{&csta.DeliveredEvent{Connection: conn, AlertingDevice: own,
			CallingDevice: other, CalledDevice: own, LastRedirectionDevice: redir,
			LocalConnectionInfo: csta.StateAlerting, Cause: csta.CauseNewCall}}
	case csta.StateConnected:
		switch {
		case had && old == csta.StateHold:
			return []csta.Event{&csta.RetrievedEvent{RetrievedConnection: conn, RetrievingDevice: own,
				LocalConnectionInfo: csta.StateConnected, Cause: csta.CauseNormal}}
		case had && old == csta.StateAlerting:
			return []csta.Event{established(own)}
		}
		return []csta.Event{established(other)}
	case csta.StateHold:
		held := &csta.HeldEvent{HeldConnection: conn, HoldingDevice: own,
			LocalConnectionInfo: csta.StateHold, Cause: csta.CauseNormal}
		if !had || old != csta.StateConnected {
			return []csta.Event{established(other), held}
		}
		return []csta.Event{held}
	}
	// fail, queued: tracked, but no event says it well.
	return nil
}

func sortedCalls(m map[csta.CallID]csta.LocalConnectionState) []csta.CallID {
	ids := make([]csta.CallID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
