package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rcc-go/rcc/csta"
)

// call is what the client knows of a call at its line: its connection and
// the state of that connection.
type call struct {
	conn  csta.ConnectionID
	state csta.LocalConnectionState
	other string // the far end, when known
	// answered is set by an EstablishedEvent: the call has been answered.
	// Our own connection is already connected while the far end of an
	// outgoing call rings, so the state alone does not tell.
	answered bool
	// cause is the cause of the last event that failed the call.
	cause csta.EventCause
}

// calls tracks the calls at the session's line from a snapshot and the
// events, so commands can find "the ringing call" or "the held call".
type calls struct {
	line string

	mu      sync.Mutex
	byID    map[csta.CallID]*call
	order   []csta.CallID                   // oldest first
	ended   map[csta.CallID]csta.EventCause // calls that left the line, with why
	changed chan struct{}                   // closed and replaced on every change
}

// maxEnded bounds how many ended calls are remembered.
const maxEnded = 64

func newCalls(line string) *calls {
	return &calls{line: line, byID: make(map[csta.CallID]*call), ended: make(map[csta.CallID]csta.EventCause),
		changed: make(chan struct{})}
}

// ours reports whether a connection is the line's own.
func (c *calls) ours(conn csta.ConnectionID) bool { return conn.DeviceID.ID == c.line }

// set records the state of one of our connections. c.mu is held.
func (c *calls) set(conn csta.ConnectionID, state csta.LocalConnectionState, other string) {
	if conn.CallID == "" {
		return
	}
	k, ok := c.byID[conn.CallID]
	if !ok {
		k = &call{}
		c.byID[conn.CallID] = k
		c.order = append(c.order, conn.CallID)
	}
	k.conn = conn
	if state != "" {
		k.state = state
	}
	if other != "" {
		k.other = other
	}
}

// drop forgets a call that left the line with cause. c.mu is held.
func (c *calls) drop(id csta.CallID, cause csta.EventCause) {
	if len(c.ended) >= maxEnded {
		clear(c.ended)
	}
	c.ended[id] = cause
	delete(c.byID, id)
	c.order = slices.DeleteFunc(c.order, func(x csta.CallID) bool { return x == id })
}

// snapshot replaces what is known with a SnapshotDevice answer. The far
// party of a call comes from the answer's endpointDevice, or else from
// what the events told of the call.
func (c *calls) snapshot(r *csta.SnapshotDeviceResponse) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.byID
	c.byID = make(map[csta.CallID]*call)
	c.order = nil
	for _, info := range r.SnapshotData {
		conn := info.ConnectionIdentifier
		if conn.DeviceID.ID == "" {
			conn.DeviceID = csta.Device(c.line)
		}
		other := ""
		if info.EndpointDevice != nil && info.EndpointDevice.IsKnown() {
			other = info.EndpointDevice.String()
		} else if k, ok := old[conn.CallID]; ok {
			other = k.other
		}
		c.set(conn, info.LocalCallState.Local(), other)
		if k, ok := old[conn.CallID]; ok {
			c.byID[conn.CallID].answered = k.answered
		}
	}
	c.notify()
}

// event updates the calls from an event.
func (c *calls) event(ev csta.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch e := ev.(type) {
	case *csta.ServiceInitiatedEvent:
		if c.ours(e.InitiatedConnection) {
			c.set(e.InitiatedConnection, csta.StateInitiated, "")
		}
	case *csta.OriginatedEvent:
		if c.ours(e.OriginatedConnection) {
			c.set(e.OriginatedConnection, state(e.LocalConnectionInfo, csta.StateConnected), e.CalledDevice.String())
		}
	case *csta.DeliveredEvent:
		switch {
		case c.ours(e.Connection):
			c.set(e.Connection, state(e.LocalConnectionInfo, csta.StateAlerting), e.CallingDevice.String())
		case e.AlertingDevice.String() == c.line:
			c.set(csta.Connection(e.Connection.CallID, c.line), csta.StateAlerting, e.CallingDevice.String())
		default:
			c.set(csta.Connection(e.Connection.CallID, c.line), e.LocalConnectionInfo, e.CalledDevice.String())
		}
	case *csta.EstablishedEvent:
		if c.ours(e.EstablishedConnection) {
			c.set(e.EstablishedConnection, csta.StateConnected, e.CallingDevice.String())
			if k, ok := c.byID[e.EstablishedConnection.CallID]; ok {
				k.answered = true
			}
		} else if k, ok := c.byID[e.EstablishedConnection.CallID]; ok {
			k.state = state(e.LocalConnectionInfo, csta.StateConnected)
			k.other = e.AnsweringDevice.String()
			k.answered = true
		}
	case *csta.HeldEvent:
		if c.ours(e.HeldConnection) {
			c.set(e.HeldConnection, csta.StateHold, "")
		}
	case *csta.RetrievedEvent:
		if c.ours(e.RetrievedConnection) {
			c.set(e.RetrievedConnection, csta.StateConnected, "")
		}
	case *csta.FailedEvent:
		if c.ours(e.FailedConnection) {
			c.set(e.FailedConnection, csta.StateFail, "")
		}
		// Our connection or the far end's: the call failed.
		if k, ok := c.byID[e.FailedConnection.CallID]; ok {
			k.cause = e.Cause
		}
	case *csta.ConnectionClearedEvent:
		if c.ours(e.DroppedConnection) {
			c.drop(e.DroppedConnection.CallID, e.Cause)
		} else if k, ok := c.byID[e.DroppedConnection.CallID]; ok && !k.answered {
			k.cause = e.Cause
		}
	case *csta.CallClearedEvent:
		if _, ok := c.byID[e.ClearedCall.CallID]; ok {
			c.drop(e.ClearedCall.CallID, e.Cause)
		}
	case *csta.DivertedEvent:
		if e.DivertingDevice.String() == c.line {
			c.drop(e.Connection.CallID, e.Cause)
		}
	case *csta.TransferredEvent:
		if e.TransferringDevice.String() == c.line {
			c.drop(e.PrimaryOldCall.CallID, e.Cause)
			if e.SecondaryOldCall != nil {
				c.drop(e.SecondaryOldCall.CallID, e.Cause)
			}
		}
	case *csta.ConferencedEvent:
		c.drop(e.PrimaryOldCall.CallID, e.Cause)
		if e.SecondaryOldCall != nil {
			c.drop(e.SecondaryOldCall.CallID, e.Cause)
		}
		for _, item := range e.ConferenceConnections {
			if item.NewConnection != nil && c.ours(*item.NewConnection) {
				c.set(*item.NewConnection, csta.StateConnected, "conference")
			}
		}
	default:
		return
	}
	c.notify()
}

// state returns s, or def when s is empty.
func state(s, def csta.LocalConnectionState) csta.LocalConnectionState {
	if s == "" {
		return def
	}
	return s
}

// notify wakes whoever waits for a change. c.mu is held.
func (c *calls) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// watch returns a channel closed at the next change.
func (c *calls) watch() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// find returns the connection of a call: the one with the given call ID,
// or else the most recent one in one of the states, in order of
// preference.
func (c *calls) find(id string, states ...csta.LocalConnectionState) (csta.ConnectionID, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id != "" {
		if k, ok := c.byID[csta.CallID(id)]; ok {
			return k.conn, nil
		}
		return csta.Connection(csta.CallID(id), c.line), nil
	}
	for _, s := range states {
		for i := len(c.order) - 1; i >= 0; i-- {
			if k := c.byID[c.order[i]]; k.state == s {
				return k.conn, nil
			}
		}
	}
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = string(s)
	}
	return csta.ConnectionID{}, fmt.Errorf("no %s call at %s (give a call ID, or see 'calls')", strings.Join(names, " or "), c.line)
}

// outcome tells how an outgoing call stands: answered (an
// EstablishedEvent came for it), or failed (a FailedEvent, or it left the
// line before it was answered) with the cause the events gave.
func (c *calls) outcome(id csta.CallID) (answered, failed bool, cause csta.EventCause) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.byID[id]
	if !ok {
		cause, gone := c.ended[id]
		return false, gone, cause
	}
	if k.answered {
		return true, false, ""
	}
	return false, k.state == csta.StateFail || k.cause != "", k.cause
}

// list describes the calls, one per line.
func (c *calls) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, id := range c.order {
		k := c.byID[id]
		s := fmt.Sprintf("call %s: %s", id, orDash(string(k.state)))
		if k.other != "" {
			s += " with " + k.other
		} else {
			s += " (far party not reported)"
		}
		out = append(out, s)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// has reports whether call id is at the line.
func (c *calls) has(id csta.CallID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.byID[id]
	return ok
}

// state returns the state of our connection to call id, or "".
func (c *calls) state(id csta.CallID) csta.LocalConnectionState {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.byID[id]; ok {
		return k.state
	}
	return ""
}
