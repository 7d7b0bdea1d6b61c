package ctitest

import (
	"slices"
	"time"

	"github.com/rcc-go/rcc/csta"
)

// RequestRecord is one request an endpoint received.
type RequestRecord struct {
	// Time is when the request arrived.
	Time time.Time
	// Endpoint is the name of the endpoint that received it.
	Endpoint string
	// Conn numbers the connection it came on, counting from 1 across the
	// whole PBX, so requests sent after a reconnection are told apart.
	Conn uint64
	// InvokeID is the invoke ID of its frame.
	InvokeID int
	// Name is the message's root element, for example "MakeCall"; for a
	// frame that could not be decoded it is empty.
	Name string
	// Message is the decoded request: a csta.Request, or *csta.Unknown
	// for a root element the codec does not know. It is shared; do not
	// modify it. Nil when the frame could not be decoded.
	Message csta.Message
	// Err is why the frame could not be decoded, or nil.
	Err error
}

// IsHeartbeat reports whether r is a heartbeat or session keep-alive:
// RequestSystemStatus, SystemStatus or ResetApplicationSessionTimer.
func (r RequestRecord) IsHeartbeat() bool {
	switch r.Name {
	case "RequestSystemStatus", "SystemStatus", "ResetApplicationSessionTimer":
		return true
	}
	return false
}

// RequestLog is a list of request records, oldest first, with filters
// that return new lists.
type RequestLog []RequestRecord

// Named returns the records of requests with one of the given names.
func (l RequestLog) Named(names ...string) RequestLog {
	return l.Filter(func(r RequestRecord) bool { return slices.Contains(names, r.Name) })
}

// At returns the records of requests the named endpoint received.
func (l RequestLog) At(endpoint string) RequestLog {
	return l.Filter(func(r RequestRecord) bool { return r.Endpoint == endpoint })
}

// OnConn returns the records of requests that came on connection conn.
func (l RequestLog) OnConn(conn uint64) RequestLog {
	return l.Filter(func(r RequestRecord) bool { return r.Conn == conn })
}

// WithoutHeartbeats leaves out heartbeats and session keep-alives (see
// RequestRecord.IsHeartbeat).
func (l RequestLog) WithoutHeartbeats() RequestLog {
	return l.Filter(func(r RequestRecord) bool { return !r.IsHeartbeat() })
}

// Filter returns the records for which keep returns true.
func (l RequestLog) Filter(keep func(RequestRecord) bool) RequestLog {
	return filter(l, keep)
}

// Names returns the records' names, in order.
func (l RequestLog) Names() []string {
	return names(l, func(r RequestRecord) string { return r.Name })
}

// filter returns the records of l for which keep returns true.
func filter[L ~[]R, R any](l L, keep func(R) bool) L {
	var out L
	for _, r := range l {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// names returns the name of each record of l, in order.
func names[L ~[]R, R any](l L, name func(R) string) []string {
	out := make([]string, len(l))
	for i, r := range l {
		out[i] = name(r)
	}
	return out
}

// ring is a bounded log, a ring of at most max records, oldest first. It
// is guarded by the PBX's lock.
type ring[T any] struct {
	max   int
	recs  []T
	first int // index of the oldest record once the ring is full
}

func (l *ring[T]) add(r T) {
	if len(l.recs) < l.max {
		l.recs = append(l.recs, r)
		return
	}
	l.recs[l.first] = r
	l.first = (l.first + 1) % len(l.recs)
}

func (l *ring[T]) all() []T {
	out := make([]T, 0, len(l.recs))
	out = append(out, l.recs[l.first:]...)
	return append(out, l.recs[:l.first]...)
}

// reset empties the ring and lets its memory go.
func (l *ring[T]) reset() {
	l.recs = nil
	l.first = 0
}

// Requests returns the request log, oldest first: every request the PBX's
// endpoints received since it was created or last reset, up to
// PBXConfig.RequestLogSize records.
func (p *PBX) Requests() RequestLog {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reqs.all()
}

// ClearRequests empties the request log.
func (p *PBX) ClearRequests() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs.reset()
}
