package ctitest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rcc-go/rcc/csta"
)

// cerr returns an error wrapping the CSTA error base with detail. The
// request handlers answer it with base's CSTAErrorCode; the control methods
// return it as it is.
func cerr(base error, format string, args ...any) error {
	return fmt.Errorf("ctitest: "+format+": %w", append(args, base)...)
}

// CSTA errors without a predefined value in package csta.
var (
	errNotSameDevice         error = &csta.Error{Code: csta.ErrorCode{Category: csta.CategoryOperation, Value: "notSameDevice"}}
	errInvalidParameterValue error = &csta.Error{Code: csta.ErrorCode{Category: csta.CategoryOperation, Value: "invalidParameterValue"}}
	errInvalidForwardingType error = &csta.Error{Code: csta.ErrorCode{Category: csta.CategoryOperation, Value: "invalidForwardingType"}}
)

// Features returns what the fake PBX answers to GetCSTAFeatures: the
// remote call control profile of csta.RCCFeatures, plus the services and
// events it also implements (clear call, alternate and reconnect call, CSTA
// feature exchange; call cleared, network reached and digits generated events).
func Features() csta.Features {
	f := csta.RCCFeatures()
	f.Services.Add(
		csta.ServiceCapability("getCSTAFeatures"),
		csta.ServiceCapability("clearCall"),
		csta.ServiceCapability("alternateCall"),
		csta.ServiceCapability("reconnectCall"),
	)
	f.Events.Add(
		csta.EventCapability("callCleared"),
		csta.EventCapability("netwReached"),
		csta.EventCapability("digitsGenerated"),
	)
	return f
}

// serve carries out one CSTA request from connection c and returns its
// positive response, or an error wrapping the CSTA error to answer. The
// caller holds p.mu; events the request causes are queued in p.pending.
func (p *PBX) serve(c *conn, req csta.Request) (csta.Response, error) {
	switch r := req.(type) {
	case *csta.MonitorStart:
		return p.monitorStart(c, r)
	case *csta.MonitorStop:
		m := p.monitors[r.MonitorCrossRefID]
		if m == nil || m.conn != c {
			return nil, cerr(csta.ErrInvalidMonitorCrossRefID, "no monitor %q on this connection", r.MonitorCrossRefID)
		}
		p.removeMonitorLocked(m)
		return &csta.MonitorStopResponse{}, nil
	case *csta.GetCSTAFeatures:
		return &csta.GetCSTAFeaturesResponse{Features: Features()}, nil
	case *csta.SnapshotDevice:
		return p.snapshot(r)
	case *csta.MakeCall:
		return p.makeCall(r)
	case *csta.AnswerCall:
		pt, err := p.lineConnection(r.CallToBeAnswered)
		if err != nil {
			return nil, err
		}
		if pt.state != csta.StateAlerting {
			return nil, cerr(csta.ErrNoCallToAnswer, "%s is %s, not alerting", pt.id, pt.state)
		}
		p.answer(pt)
		return &csta.AnswerCallResponse{}, nil
	case *csta.ClearConnection:
		pt, err := p.connection(r.ConnectionToBeCleared)
		if err != nil {
			return nil, err
		}
		cause := r.Reason
		if cause == "" {
			cause = csta.CauseNormalClearing
		}
		p.clear(pt, cause)
		return &csta.ClearConnectionResponse{}, nil
	case *csta.ClearCall:
		return p.clearCall(r)
	case *csta.HoldCall:
		pt, err := p.lineConnection(r.CallToBeHeld)
		if err != nil {
			return nil, err
		}
		if pt.state != csta.StateConnected {
			return nil, cerr(csta.ErrInvalidConnectionState, "%s is %s, not connected", pt.id, pt.state)
		}
		p.hold(pt, csta.CauseNormal)
		return &csta.HoldCallResponse{}, nil
	case *csta.RetrieveCall:
		pt, err := p.lineConnection(r.CallToBeRetrieved)
		if err != nil {
			return nil, err
		}
		if pt.state != csta.StateHold {
			return nil, cerr(csta.ErrNoHeldCall, "%s is %s, not held", pt.id, pt.state)
		}
		p.retrieve(pt, csta.CauseNormal)
		return &csta.RetrieveCallResponse{}, nil
	case *csta.ConsultationCall:
		return p.consultation(r)
	case *csta.AlternateCall:
		held, active, err := p.heldAndActive(r.HeldCall, r.ActiveCall)
		if err != nil {
			return nil, err
		}
		p.hold(active, csta.CauseAlternate)
		p.retrieve(held, csta.CauseAlternate)
		return &csta.AlternateCallResponse{}, nil
	case *csta.ReconnectCall:
		return p.reconnect(r)
	case *csta.TransferCall:
		return p.transfer(r)
	case *csta.SingleStepTransferCall:
		return p.singleStepTransfer(r)
	case *csta.ConferenceCall:
		return p.conference(r)
	case *csta.DeflectCall:
		return p.deflect(r)
	case *csta.GenerateDigits:
		return p.generateDigits(r)
	case *csta.SetForwarding:
		return p.setForwarding(r)
	case *csta.GetForwarding:
		l, err := p.device(r.Device)
		if err != nil {
			return nil, err
		}
		return &csta.GetForwardingResponse{ForwardingList: l.forwardingList()}, nil
	case *csta.SetDoNotDisturb:
		l, err := p.device(r.Device)
		if err != nil {
			return nil, err
		}
		l.dnd = r.DoNotDisturbOn
		p.emitLine(l, func() csta.Event {
			return &csta.DoNotDisturbEvent{Device: csta.Known(l.key), DoNotDisturbOn: l.dnd}
		})
		return &csta.SetDoNotDisturbResponse{}, nil
	case *csta.GetDoNotDisturb:
		l, err := p.device(r.Device)
		if err != nil {
			return nil, err
		}
		return &csta.GetDoNotDisturbResponse{DoNotDisturbOn: l.dnd}, nil
	}
	return nil, cerr(csta.ErrServiceNotSupported, "%s is not supported", req.MessageName())
}

// device returns the line a device identifier names.
func (p *PBX) device(d csta.DeviceID) (*line, error) {
	l := p.lookupLine(d.ID)
	if l == nil {
		return nil, cerr(csta.ErrInvalidDeviceID, "no line %q", d.ID)
	}
	return l, nil
}

// connection returns the party a ConnectionID names. The device part may
// name a line by key, Line URI or DN, or an external party by its number.
// A ConnectionID with a device and no callID (the schema allows it) names
// the device's only connection, or else its only one that is not on
// hold; with several, it is ambiguous and refused.
func (p *PBX) connection(id csta.ConnectionID) (*party, error) {
	dev := id.DeviceID.ID
	if id.CallID == "" {
		if dev == "" {
			return nil, cerr(csta.ErrInvalidConnectionID, "connection with neither callID nor deviceID")
		}
		return p.deviceConnection(dev)
	}
	c := p.calls[id.CallID]
	if c == nil {
		return nil, cerr(csta.ErrInvalidCallID, "no call %q", id.CallID)
	}
	if dev == "" {
		return nil, cerr(csta.ErrInvalidConnectionID, "connection to call %q names no device", id.CallID)
	}
	pt := c.party(dev)
	if pt == nil {
		if l := p.lookupLine(dev); l != nil {
			pt = c.partyOnLine(l)
		}
	}
	if pt == nil {
		return nil, cerr(csta.ErrInvalidConnectionID, "%q has no connection to call %q", dev, id.CallID)
	}
	return pt, nil
}

// deviceConnection resolves a ConnectionID that names only a device: its
// only connection, or its only one not on hold.
func (p *PBX) deviceConnection(dev string) (*party, error) {
	l := p.lookupLine(dev)
	var all, active []*party
	for _, c := range p.callList() {
		pt := c.party(dev)
		if pt == nil && l != nil {
			pt = c.partyOnLine(l)
		}
		if pt == nil {
			continue
		}
		all = append(all, pt)
		if pt.state != csta.StateHold {
			active = append(active, pt)
		}
	}
	switch {
	case len(all) == 1:
		return all[0], nil
	case len(active) == 1:
		return active[0], nil
	case len(all) == 0:
		return nil, cerr(csta.ErrInvalidConnectionID, "%q has no connection (the ConnectionID has no callID)", dev)
	}
	ids := make([]string, len(all))
	for i, pt := range all {
		ids[i] = string(pt.call.id) + " " + string(pt.state)
	}
	return nil, cerr(csta.ErrInvalidConnectionID, "%q has %d connections (%s): the ConnectionID needs a callID", dev, len(all), strings.Join(ids, ", "))
}

// lineConnection is connection for services only a line can ask for.
func (p *PBX) lineConnection(id csta.ConnectionID) (*party, error) {
	pt, err := p.connection(id)
	if err != nil {
		return nil, err
	}
	if pt.line == nil {
		return nil, cerr(csta.ErrInvalidConnectionID, "%q in call %q is an external party", pt.id, pt.call.id)
	}
	return pt, nil
}

// heldAndActive returns the held and the active connection of one line to
// two different calls, for the services that combine them.
func (p *PBX) heldAndActive(heldID, activeID csta.ConnectionID) (held, active *party, err error) {
	if held, err = p.lineConnection(heldID); err != nil {
		return nil, nil, err
	}
	if active, err = p.lineConnection(activeID); err != nil {
		return nil, nil, err
	}
	switch {
	case held.line != active.line:
		return nil, nil, cerr(errNotSameDevice, "held %s and active %s are different lines", held.id, active.id)
	case held.call == active.call:
		return nil, nil, cerr(csta.ErrInvalidConnectionID, "held and active connections are the same call %q", held.call.id)
	case held.state != csta.StateHold:
		return nil, nil, cerr(csta.ErrNoHeldCall, "%s is %s in call %q, not held", held.id, held.state, held.call.id)
	case active.state != csta.StateConnected:
		return nil, nil, cerr(csta.ErrNoActiveCall, "%s is %s in call %q, not connected", active.id, active.state, active.call.id)
	}
	return held, active, nil
}

// monitorStart starts a monitor: of a line (deviceObject), with
// monitorType device (the default: the line's calls while the line is in
// them) or call (each call that reaches the line, for as long as it
// lives); or of a call (callObject, until it ends). requestedMonitorFilter
// is honoured (read as the events wanted with Avaya's private
// invertFilter) and answered as actualMonitorFilter.
func (p *PBX) monitorStart(c *conn, r *csta.MonitorStart) (csta.Response, error) {
	filter, err := csta.ParseMonitorFilter(r.RequestedMonitorFilter)
	if err != nil {
		return nil, cerr(errInvalidParameterValue, "requestedMonitorFilter: %v", err)
	}
	if csta.InvertFilter(r.Extensions) {
		filter = filter.Inverted()
	}
	kind := r.MonitorType
	switch kind {
	case "", csta.MonitorTypeDevice, csta.MonitorTypeCall:
	default:
		return nil, cerr(errInvalidParameterValue, "monitorType %q: want device or call", kind)
	}
	var m *monitor
	if obj := r.MonitorObject.Call; obj != nil {
		var cl *call
		if obj.DeviceID.ID == "" {
			if cl = p.calls[obj.CallID]; cl == nil {
				return nil, cerr(csta.ErrInvalidCallID, "no call %q to monitor", obj.CallID)
			}
		} else {
			pt, err := p.connection(*obj)
			if err != nil {
				return nil, err
			}
			cl = pt.call
		}
		m = p.addMonitorLocked(c, nil, cl, csta.MonitorTypeCall, filter, r.Header.Reply())
	} else {
		l := p.lookupLine(r.MonitorObject.Device.ID)
		if l == nil {
			return nil, cerr(csta.ErrInvalidDeviceID, "no line %q to monitor", r.MonitorObject.Device.ID)
		}
		if kind == "" {
			kind = csta.MonitorTypeDevice
		}
		m = p.addMonitorLocked(c, l, nil, kind, filter, r.Header.Reply())
	}
	return &csta.MonitorStartResponse{MonitorCrossRefID: m.id, ActualMonitorFilter: filter.XML("actualMonitorFilter")}, nil
}

func (p *PBX) snapshot(r *csta.SnapshotDevice) (csta.Response, error) {
	l, err := p.device(r.SnapshotObject)
	if err != nil {
		return nil, err
	}
	resp := &csta.SnapshotDeviceResponse{}
	for _, c := range p.callList() {
		own := c.partyOnLine(l)
		if own == nil {
			continue
		}
		states := []csta.LocalConnectionState{own.state}
		for _, o := range c.others(own) {
			states = append(states, o.state)
		}
		resp.SnapshotData = append(resp.SnapshotData, csta.SnapshotDeviceResponseInfo{
			ConnectionIdentifier: own.conn(),
			LocalCallState:       csta.CallState{Compound: states},
		})
	}
	return resp, nil
}

// clearCall ends the call r names: ConnectionCleared for each party (the
// device the ConnectionID names first, when it names one), then
// CallCleared. A callID alone names the call; with a deviceID the device
// must be in it; a deviceID alone names the device's only call, as for
// ClearConnection.
func (p *PBX) clearCall(r *csta.ClearCall) (csta.Response, error) {
	id := r.CallToBeCleared
	var first *party
	c := p.calls[id.CallID]
	switch {
	case id.CallID != "" && c == nil:
		return nil, cerr(csta.ErrInvalidCallID, "no call %q", id.CallID)
	case id.DeviceID.ID != "":
		pt, err := p.connection(id)
		if err != nil {
			return nil, err
		}
		first, c = pt, pt.call
	case c == nil:
		return nil, cerr(csta.ErrInvalidCallID, "ClearCall names no call")
	}
	p.teardown(c, first, csta.CauseNormalClearing)
	return &csta.ClearCallResponse{}, nil
}

func (p *PBX) makeCall(r *csta.MakeCall) (csta.Response, error) {
	l := p.lookupLine(r.CallingDevice.ID)
	if l == nil {
		return nil, cerr(csta.ErrInvalidDeviceID, "calling device %q is not a line", r.CallingDevice.ID)
	}
	num, err := p.dialString(r.CalledDirectoryNumber.ID)
	if err != nil {
		return nil, cerr(csta.ErrInvalidCalledDevice, "called number %q: %v", r.CalledDirectoryNumber.ID, err)
	}
	c := p.originate(l, num, csta.CauseMakeCall, r.CorrelatorData)
	return &csta.MakeCallResponse{CallingDevice: csta.Connection(c.id, l.key)}, nil
}

func (p *PBX) consultation(r *csta.ConsultationCall) (csta.Response, error) {
	pt, err := p.lineConnection(r.ExistingCall)
	if err != nil {
		return nil, err
	}
	if pt.state != csta.StateConnected {
		return nil, cerr(csta.ErrNoActiveCall, "%s is %s in call %q, not connected", pt.id, pt.state, pt.call.id)
	}
	num, err := p.dialString(r.ConsultedDevice.ID)
	if err != nil {
		return nil, cerr(csta.ErrInvalidDestination, "consulted device %q: %v", r.ConsultedDevice.ID, err)
	}
	p.hold(pt, csta.CauseConsultation)
	c2 := p.originate(pt.line, num, csta.CauseConsultation, r.CorrelatorData)
	return &csta.ConsultationCallResponse{InitiatedCall: csta.Connection(c2.id, pt.id)}, nil
}

func (p *PBX) reconnect(r *csta.ReconnectCall) (csta.Response, error) {
	active, err := p.lineConnection(r.ActiveCall)
	if err != nil {
		return nil, err
	}
	held, err := p.lineConnection(r.HeldCall)
	if err != nil {
		return nil, err
	}
	switch {
	case held.line != active.line:
		return nil, cerr(errNotSameDevice, "held %s and active %s are different lines", held.id, active.id)
	case held.call == active.call:
		return nil, cerr(csta.ErrInvalidConnectionID, "held and active connections are the same call %q", held.call.id)
	case held.state != csta.StateHold:
		return nil, cerr(csta.ErrNoHeldCall, "%s is %s in call %q, not held", held.id, held.state, held.call.id)
	}
	p.clear(active, csta.CauseNormalClearing)
	p.retrieve(held, csta.CauseNormal)
	return &csta.ReconnectCallResponse{}, nil
}

func (p *PBX) transfer(r *csta.TransferCall) (csta.Response, error) {
	held, active, err := p.heldAndActive(r.HeldCall, r.ActiveCall)
	if err != nil {
		return nil, err
	}
	c1, c2 := held.call, active.call
	targets := c2.others(active)
	if len(c1.others(held)) == 0 || len(targets) == 0 {
		return nil, cerr(csta.ErrInvalidConnectionState, "nobody to transfer")
	}
	target := targets[0]
	aud := union(c1.audience(), c2.audience()...)
	oldPrimary, oldSecondary := held.conn(), active.conn()
	p.leave(held)
	p.leave(active)
	items := p.merge(c1, c2, nil)
	c1.calling, c1.called, c1.redirect = c1.parties[0].id, target.id, held.id
	p.emit(aud, c1, func(local csta.LocalConnectionState) csta.Event {
		return &csta.TransferredEvent{
			PrimaryOldCall:         oldPrimary,
			SecondaryOldCall:       &oldSecondary,
			TransferringDevice:     csta.Known(held.id),
			TransferredToDevice:    csta.Known(target.id),
			TransferredConnections: items,
			LocalConnectionInfo:    local,
			Cause:                  csta.CauseTransfer,
		}
	})
	return &csta.TransferCallResponse{TransferredCall: target.conn(), Connections: items}, nil
}

func (p *PBX) singleStepTransfer(r *csta.SingleStepTransferCall) (csta.Response, error) {
	pt, err := p.lineConnection(r.ActiveCall)
	if err != nil {
		return nil, err
	}
	c := pt.call
	others := c.others(pt)
	if pt.state != csta.StateConnected || len(others) == 0 {
		return nil, cerr(csta.ErrNoActiveCall, "%s has no active call %q to transfer", pt.id, c.id)
	}
	num, err := p.dialString(r.TransferredTo.ID)
	if err != nil {
		return nil, cerr(csta.ErrInvalidDestination, "transferredTo %q: %v", r.TransferredTo.ID, err)
	}
	b := others[0]
	rt := p.route(c, num, b.line != nil)
	if rt.fail != "" {
		return nil, cerr(csta.ErrInvalidDestination, "%s cannot take the call (%s)", num, rt.fail)
	}
	aud := c.audience()
	old := pt.conn()
	p.leave(pt)
	var items []csta.ConnectionListItem
	for _, o := range others {
		items = append(items, csta.ConnectionListItem{NewConnection: ptr(o.conn()), OldConnection: ptr(o.conn()), Endpoint: ptr(csta.Known(o.id))})
	}
	items = append(items, csta.ConnectionListItem{NewConnection: ptr(csta.Connection(c.id, rt.number)), Endpoint: ptr(csta.Known(rt.number))})
	c.calling, c.called, c.redirect = b.id, num, pt.id
	p.emit(aud, c, func(local csta.LocalConnectionState) csta.Event {
		return &csta.TransferredEvent{
			PrimaryOldCall:         old,
			TransferringDevice:     csta.Known(pt.id),
			TransferredToDevice:    csta.Known(rt.number),
			TransferredConnections: items,
			LocalConnectionInfo:    local,
			Cause:                  csta.CauseSingleStepTransfer,
		}
	})
	p.offer(c, b, rt, csta.CauseSingleStepTransfer)
	return &csta.SingleStepTransferCallResponse{TransferredCall: csta.Connection(c.id, rt.number), Connections: items}, nil
}

func (p *PBX) conference(r *csta.ConferenceCall) (csta.Response, error) {
	held, active, err := p.heldAndActive(r.HeldCall, r.ActiveCall)
	if err != nil {
		return nil, err
	}
	c1, c2 := held.call, active.call
	added := c2.others(active)
	if len(c1.others(held)) == 0 || len(added) == 0 {
		return nil, cerr(csta.ErrInvalidConnectionState, "nobody to conference")
	}
	aud := union(c1.audience(), c2.audience()...)
	oldPrimary, oldSecondary := held.conn(), active.conn()
	p.leave(active)
	items := p.merge(c1, c2, nil)
	held.state = csta.StateConnected
	p.emit(aud, c1, func(local csta.LocalConnectionState) csta.Event {
		return &csta.ConferencedEvent{
			PrimaryOldCall:        oldPrimary,
			SecondaryOldCall:      &oldSecondary,
			ConferencingDevice:    csta.Known(held.id),
			AddedParty:            csta.Known(added[0].id),
			ConferenceConnections: items,
			LocalConnectionInfo:   local,
			Cause:                 csta.CauseConference,
		}
	})
	return &csta.ConferenceCallResponse{ConferenceCall: held.conn(), Connections: items}, nil
}

func (p *PBX) deflect(r *csta.DeflectCall) (csta.Response, error) {
	pt, err := p.lineConnection(r.CallToBeDiverted)
	if err != nil {
		return nil, err
	}
	if pt.state != csta.StateAlerting {
		return nil, cerr(csta.ErrInvalidConnectionState, "%s is %s, not alerting", pt.id, pt.state)
	}
	num, err := p.dialString(r.NewDestination.ID)
	if err != nil {
		return nil, cerr(csta.ErrInvalidDestination, "newDestination %q: %v", r.NewDestination.ID, err)
	}
	c := pt.call
	caller := c.party(c.calling)
	if caller == nil {
		caller = c.others(pt)[0]
	}
	rt := p.route(c, num, caller.line != nil)
	if rt.fail != "" {
		return nil, cerr(csta.ErrInvalidDestination, "%s cannot take the call (%s)", num, rt.fail)
	}
	rt.diversions = append([]diversion{{from: pt.line, to: num, cause: csta.CauseRedirected}}, rt.diversions...)
	p.leave(pt)
	p.offer(c, caller, rt, csta.CauseRedirected)
	return &csta.DeflectCallResponse{}, nil
}

func (p *PBX) generateDigits(r *csta.GenerateDigits) (csta.Response, error) {
	pt, err := p.lineConnection(r.ConnectionToSendDigits)
	if err != nil {
		return nil, err
	}
	if pt.state != csta.StateConnected {
		return nil, cerr(csta.ErrInvalidConnectionState, "%s is %s, not connected", pt.id, pt.state)
	}
	digits := r.CharactersToSend
	if digits == "" || strings.Trim(digits, "0123456789*#ABCDabcd,") != "" {
		return nil, cerr(errInvalidParameterValue, "charactersToSend %q: want digits, *, #, A-D and ','", digits)
	}
	p.emit(pt.call.audience(), pt.call, func(csta.LocalConnectionState) csta.Event {
		return &csta.DigitsGeneratedEvent{Connection: pt.conn(), DigitGeneratedList: digits}
	})
	return &csta.GenerateDigitsResponse{}, nil
}

func (p *PBX) setForwarding(r *csta.SetForwarding) (csta.Response, error) {
	l, err := p.device(r.Device)
	if err != nil {
		return nil, err
	}
	t := r.ForwardingType
	if t == "" {
		t = csta.ForwardImmediate
	}
	if !t.Valid() {
		return nil, cerr(errInvalidForwardingType, "forwarding type %q", t)
	}
	f := l.fwd[t]
	f.on = r.ActivateForward
	if r.ForwardDN != nil && r.ForwardDN.ID != "" {
		to, err := p.dialString(r.ForwardDN.ID)
		if err != nil {
			return nil, cerr(csta.ErrInvalidForwardingDestination, "forwardDN %q: %v", r.ForwardDN.ID, err)
		}
		f.to = to
	}
	switch {
	case f.on && f.to == "":
		return nil, cerr(csta.ErrInvalidForwardingDestination, "forwarding %s needs a forwardDN", t)
	case f.on && f.to == l.key:
		return nil, cerr(csta.ErrInvalidForwardingDestination, "%s cannot forward to itself", l.key)
	}
	if l.fwd == nil {
		l.fwd = make(map[csta.ForwardingType]forwarding)
	}
	l.fwd[t] = f
	p.emitLine(l, func() csta.Event {
		ev := &csta.ForwardingEvent{Device: csta.Known(l.key), ForwardingType: t, ForwardStatus: f.on}
		if f.to != "" {
			ev.ForwardTo = ptr(csta.Device(f.to))
		}
		return ev
	})
	return &csta.SetForwardingResponse{}, nil
}

// forwardingList returns l's forwarding settings in the order of the
// forwarding types' ASN.1 values.
func (l *line) forwardingList() []csta.ForwardListItem {
	out := make([]csta.ForwardListItem, 0, len(l.fwd))
	for t, f := range l.fwd {
		it := csta.ForwardListItem{ForwardingType: t, ForwardStatus: f.on}
		if f.to != "" {
			it.ForwardDN = ptr(csta.Device(f.to))
		}
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b csta.ForwardListItem) int {
		na, _ := a.ForwardingType.Number()
		nb, _ := b.ForwardingType.Number()
		return na - nb
	})
	return out
}
