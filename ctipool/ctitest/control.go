package ctitest

import (
	"context"
	"fmt"

	"github.com/rcc-go/rcc/csta"
)

// CallInfo is a snapshot of one call in the PBX.
type CallInfo struct {
	// ID is the call's callID.
	ID csta.CallID
	// Calling is the calling party: a line key or an external number.
	Calling string
	// Called is the number originally called.
	Called string
	// Parties are the call's connections, in the order they joined.
	Parties []PartyInfo
}

// PartyInfo is one connection of a call.
type PartyInfo struct {
	// ID is the party: a line key, or an external number as dialled.
	ID string
	// External is true for a simulated external party.
	External bool
	// State is the connection's state.
	State csta.LocalConnectionState
}

// Party returns the connection of the party id, and whether the call has
// one.
func (ci CallInfo) Party(id string) (PartyInfo, bool) {
	for _, pt := range ci.Parties {
		if pt.ID == id {
			return pt, true
		}
	}
	return PartyInfo{}, false
}

func (c *call) info() CallInfo {
	ci := CallInfo{ID: c.id, Calling: c.calling, Called: c.called, Parties: make([]PartyInfo, len(c.parties))}
	for i, pt := range c.parties {
		ci.Parties[i] = PartyInfo{ID: pt.id, External: pt.line == nil, State: pt.state}
	}
	return ci
}

// step runs f under the PBX lock and then sends the events it caused. It
// returns ErrClosed, without running f, once the PBX is closed.
func (p *PBX) step(f func()) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	f()
	p.flushLocked()
	return nil
}

// Call places a call as if a phone or the network did: from a line (the
// user dialling on the phone: ServiceInitiated and Originated with cause
// newCall, then the destination as for MakeCall) or from an external
// number to a line (DeliveredEvent alerting at the line, unless
// do-not-disturb, forwarding or busy forwarding decide otherwise). A call
// the called line refuses is cleared at once; its ID is still returned.
// Numbers are line keys, Line URIs, DNs, or external numbers as dialled.
// The errors wrap the CSTA error a MakeCall would get: csta.ErrInvalidDeviceID
// or csta.ErrInvalidCalledDevice.
func (p *PBX) Call(from, to string) (csta.CallID, error) {
	var id csta.CallID
	var err error
	serr := p.step(func() {
		num, derr := p.dialString(to)
		if derr != nil {
			err = cerr(csta.ErrInvalidCalledDevice, "called number %q: %v", to, derr)
			return
		}
		if l := p.lookupLine(from); l != nil {
			id = p.originate(l, num, csta.CauseNewCall, "").id
			return
		}
		caller, derr := p.dialString(from)
		switch {
		case derr != nil:
			err = cerr(csta.ErrInvalidDeviceID, "calling number %q: %v", from, derr)
			return
		case p.lookupLine(num) == nil:
			err = cerr(csta.ErrInvalidCalledDevice, "an external call must be to a line; %q is none", to)
			return
		}
		c := p.newCall(caller, num)
		a := p.join(c, caller, nil, csta.StateConnected)
		p.offer(c, a, p.route(c, num, false), csta.CauseNewCall)
		id = c.id
	})
	if serr != nil {
		return "", serr
	}
	return id, err
}

// Answer answers call id at party who, as if the user picked up the phone or
// the external party answered: EstablishedEvent. An empty who answers the
// call's first alerting connection. The errors wrap csta.ErrInvalidCallID,
// csta.ErrInvalidConnectionID or csta.ErrNoCallToAnswer.
func (p *PBX) Answer(id csta.CallID, who string) error {
	var err error
	serr := p.step(func() {
		pt, ferr := p.controlParty(id, who, func(pt *party) bool { return pt.state == csta.StateAlerting })
		if ferr != nil {
			err = ferr
			return
		}
		if pt.state != csta.StateAlerting {
			err = cerr(csta.ErrNoCallToAnswer, "%s is %s in call %q, not alerting", pt.id, pt.state, id)
			return
		}
		p.answer(pt)
	})
	if serr != nil {
		return serr
	}
	return err
}

// Hangup releases party who from call id, as if the user or the external
// party hung up: ConnectionClearedEvent, and the end of the call when
// fewer than two parties are left. An empty who clears the whole call,
// every connection in turn and then CallClearedEvent. The errors wrap
// csta.ErrInvalidCallID or csta.ErrInvalidConnectionID.
func (p *PBX) Hangup(id csta.CallID, who string) error {
	var err error
	serr := p.step(func() {
		if who == "" {
			c := p.calls[id]
			if c == nil {
				err = cerr(csta.ErrInvalidCallID, "no call %q", id)
				return
			}
			p.teardown(c, nil, csta.CauseNormalClearing)
			return
		}
		pt, ferr := p.controlParty(id, who, nil)
		if ferr != nil {
			err = ferr
			return
		}
		p.clear(pt, csta.CauseNormalClearing)
	})
	if serr != nil {
		return serr
	}
	return err
}

// controlParty finds the party of a control method: the named one, or
// with an empty name the first that pick accepts.
func (p *PBX) controlParty(id csta.CallID, name string, pick func(*party) bool) (*party, error) {
	if name != "" {
		return p.connection(csta.Connection(id, name))
	}
	c := p.calls[id]
	if c == nil {
		return nil, cerr(csta.ErrInvalidCallID, "no call %q", id)
	}
	for _, pt := range c.parties {
		if pick(pt) {
			return pt, nil
		}
	}
	return nil, cerr(csta.ErrNoCallToAnswer, "no party of call %q is alerting", id)
}

// Calls returns a snapshot of the PBX's calls, oldest first.
func (p *PBX) Calls() []CallInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	cs := p.callList()
	out := make([]CallInfo, len(cs))
	for i, c := range cs {
		out[i] = c.info()
	}
	return out
}

// LookupCall returns a snapshot of call id, and whether it exists.
func (p *PBX) LookupCall(id csta.CallID) (CallInfo, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls[id]
	if c == nil {
		return CallInfo{}, false
	}
	return c.info(), true
}

// LineState is a snapshot of a line's logical settings.
type LineState struct {
	// Key is the line's key.
	Key string
	// Devices are the devices the line appears on.
	Devices []string
	// DoNotDisturb is the line's do-not-disturb setting.
	DoNotDisturb bool
	// Forwarding lists the forwarding settings made, active or not.
	Forwarding []csta.ForwardListItem
	// Monitors counts the monitors on the line.
	Monitors int
}

// Line returns a snapshot of the line a key, Line URI or DN names.
func (p *PBX) Line(id string) (LineState, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.lookupLine(id)
	if l == nil {
		return LineState{}, false
	}
	return LineState{
		Key:          l.key,
		Devices:      append([]string(nil), l.devices...),
		DoNotDisturb: l.dnd,
		Forwarding:   l.forwardingList(),
		Monitors:     len(p.byLine[l]),
	}, true
}

// WaitForCall waits until a call for which match returns true exists, and
// returns it. match sees every call after every change of the PBX; it is
// called with the PBX locked, so it must not call the PBX's methods.
// WaitForCall returns an error wrapping ctx.Err() when ctx is done first,
// and ErrClosed when the PBX closes.
func (p *PBX) WaitForCall(ctx context.Context, match func(CallInfo) bool) (CallInfo, error) {
	var found CallInfo
	err := p.waitFor(ctx, func() bool {
		for _, c := range p.callList() {
			if ci := c.info(); match(ci) {
				found = ci
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitForNoCalls waits until the PBX has no calls, with the errors of
// WaitForCall.
func (p *PBX) WaitForNoCalls(ctx context.Context) error {
	return p.waitFor(ctx, func() bool { return len(p.calls) == 0 })
}

// WaitForRequest waits until the request log holds a record for which
// match returns true, and returns the oldest such record. match is called
// with the PBX locked, so it must not call the PBX's methods. It returns an
// error wrapping ctx.Err() when ctx is done first, and ErrClosed when the
// PBX closes.
func (p *PBX) WaitForRequest(ctx context.Context, match func(RequestRecord) bool) (RequestRecord, error) {
	var found RequestRecord
	err := p.waitFor(ctx, func() bool {
		for _, r := range p.reqs.all() {
			if match(r) {
				found = r
				return true
			}
		}
		return false
	})
	return found, err
}

// waitFor waits until cond, called with p.mu held after every change,
// returns true.
func (p *PBX) waitFor(ctx context.Context, cond func() bool) error {
	for {
		p.mu.Lock()
		if cond() {
			p.mu.Unlock()
			return nil
		}
		if p.closed {
			p.mu.Unlock()
			return ErrClosed
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("ctitest: wait: %w", ctx.Err())
		}
	}
}
