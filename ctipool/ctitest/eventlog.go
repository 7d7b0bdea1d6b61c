package ctitest

import (
	"slices"
	"time"

	"github.com/rcc-go/rcc/csta"
)

// EventRecord is one event the PBX sent to a monitor of a client.
type EventRecord struct {
	// Seq numbers the events the PBX sent, from 1; it is never reused,
	// not even after Reset, so a gap shows that the log dropped records.
	Seq uint64
	// Time is when the event was sent.
	Time time.Time
	// Endpoint is the name of the endpoint whose connection it went to,
	// and Conn the connection's number (as in RequestRecord).
	Endpoint string
	Conn     uint64
	// Monitor is the monitorCrossRefID of the monitor it was sent to, and
	// Line the key of the monitored line.
	Monitor csta.MonitorCrossRefID
	Line    string
	// Name is the event's root element, for example "DeliveredEvent".
	Name string
	// Event is the event as sent. It is shared; do not modify it.
	Event csta.Event
	// Dropped reports that the event never left: the endpoint was stalled
	// ([Server.Stall]) or the connection was gone or too slow.
	Dropped bool
}

// EventLog is a list of event records, oldest first, with filters that
// return new lists.
type EventLog []EventRecord

// OnLine returns the records of events sent to monitors of the line with
// the given key.
func (l EventLog) OnLine(key string) EventLog {
	return l.Filter(func(r EventRecord) bool { return r.Line == key })
}

// OnCall returns the records of events about the call: those with a
// connection of that callID.
func (l EventLog) OnCall(id csta.CallID) EventLog {
	return l.Filter(func(r EventRecord) bool {
		found := false
		csta.WalkConnections(r.Event, func(_ string, c *csta.ConnectionID) {
			found = found || c.CallID == id
		})
		return found
	})
}

// Named returns the records of events with one of the given names.
func (l EventLog) Named(names ...string) EventLog {
	return l.Filter(func(r EventRecord) bool { return slices.Contains(names, r.Name) })
}

// Filter returns the records for which keep returns true.
func (l EventLog) Filter(keep func(EventRecord) bool) EventLog {
	return filter(l, keep)
}

// Names returns the records' names, in order.
func (l EventLog) Names() []string {
	return names(l, func(r EventRecord) string { return r.Name })
}

// Events returns the event log, oldest first: every event the PBX sent to
// the monitors of its clients since it was created or last reset, up to
// PBXConfig.EventLogSize records. Compare it with what a client received
// to check that nothing was lost, duplicated or reordered on the way.
func (p *PBX) Events() EventLog {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.evs.all()
}

// EventSeq returns the sequence number of the last event the PBX sent (0
// before the first), to pass to EventsSince later.
func (p *PBX) EventSeq() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seq.event
}

// EventsSince returns the records of the events sent after the one
// numbered seq (see EventSeq), oldest first, without copying the rest of
// the log. When the log no longer holds all of them (it is too small, or
// was cleared), the first record's Seq is above seq+1.
func (p *PBX) EventsSince(seq uint64) EventLog {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.evs.recs)
	if p.seq.event > seq && p.seq.event-seq < uint64(n) {
		n = int(p.seq.event - seq)
	}
	out := make(EventLog, 0, n)
	for i := len(p.evs.recs) - n; i < len(p.evs.recs); i++ {
		r := p.evs.recs[(p.evs.first+i)%len(p.evs.recs)]
		if r.Seq > seq {
			out = append(out, r)
		}
	}
	return out
}

// ClearEvents empties the event log.
func (p *PBX) ClearEvents() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.evs.reset()
}
