package ctitest

import (
	"time"

	"github.com/rcc-go/rcc/csta/framing"
)

// RefuseConnections makes the endpoint refuse new connections (true) or
// accept them again (false), keeping the connections it has. A listening
// endpoint closes its listener, so clients get "connection refused", and
// binds its address again when accepting resumes; the error reports a
// failure to bind it.
func (s *Server) RefuseConnections(refuse bool) error {
	s.mu.Lock()
	s.refuse = refuse
	var done <-chan struct{}
	var err error
	if refuse {
		done = s.unlistenLocked()
	} else {
		err = s.listenLocked()
	}
	s.mu.Unlock()
	if done != nil {
		<-done
	}
	return err
}

// CloseConnections closes every connection of the endpoint, as a network
// failure would, and returns how many it closed. The endpoint keeps
// accepting new ones. It returns once the connections have ended and
// their monitors are gone.
func (s *Server) CloseConnections() int { return s.closeConns() }

// StallHeartbeats makes the endpoint ignore heartbeats (true) while the
// sockets stay open and every other request is still answered: it answers
// neither RequestSystemStatus nor a client's SystemStatus, and sends no
// SystemStatus of its own. False resumes.
func (s *Server) StallHeartbeats(stall bool) { s.stallHB.Store(stall) }

// Stall makes the endpoint go silent (true) with its sockets open, like a
// hung server: it reads and logs requests but carries none out, answers
// nothing and sends no events (events for its monitors are dropped). False
// resumes; what was dropped is not sent later.
func (s *Server) Stall(stall bool) { s.stall.Store(stall) }

// DelayResponses makes the endpoint send every response d after the
// request was carried out; zero sends them at once again. Events are not
// delayed, so the events a request causes reach the client before the
// request's response, as they can with a busy real switch.
func (s *Server) DelayResponses(d time.Duration) {
	if d < 0 {
		d = 0
	}
	s.delay.Store(int64(d))
}

// DropResponses makes the endpoint drop the next n responses it would
// send, of any kind (session, heartbeat, service, CSTAErrorCode); the
// requests are still carried out and their events sent. It adds to any
// drops still pending; zero or less cancels them.
func (s *Server) DropResponses(n int) {
	if n <= 0 {
		s.drop.Store(0)
		return
	}
	s.drop.Add(int64(n))
}

// ClearFaults undoes every fault: the endpoint accepts connections,
// answers heartbeats and requests at once and drops nothing. A stopped
// endpoint stays stopped.
func (s *Server) ClearFaults() {
	s.StallHeartbeats(false)
	s.Stall(false)
	s.DelayResponses(0)
	s.DropResponses(0)
	_ = s.RefuseConnections(false)
}

// Faults is a snapshot of an endpoint's faults.
type Faults struct {
	// RefuseConnections is set by Server.RefuseConnections.
	RefuseConnections bool
	// StallHeartbeats is set by Server.StallHeartbeats.
	StallHeartbeats bool
	// Stall is set by Server.Stall.
	Stall bool
	// DelayResponses is the delay Server.DelayResponses set.
	DelayResponses time.Duration
	// DropResponses is how many responses are still to be dropped.
	DropResponses int
}

// Faults returns the endpoint's current faults.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	refuse := s.refuse
	s.mu.Unlock()
	return Faults{
		RefuseConnections: refuse,
		StallHeartbeats:   s.stallHB.Load(),
		Stall:             s.stall.Load(),
		DelayResponses:    time.Duration(s.delay.Load()),
		DropResponses:     int(s.drop.Load()),
	}
}

// takeDrop consumes one pending response drop, if any.
func (s *Server) takeDrop() bool {
	for range 64 {
		n := s.drop.Load()
		if n <= 0 {
			return false
		}
		if s.drop.CompareAndSwap(n, n-1) {
			return true
		}
	}
	return false
}

// Garbage is a kind of malformed data an endpoint can send to test how
// clients cope with a hostile or broken server.
type Garbage uint8

// The kinds of garbage.
const (
	// GarbageBadFormat is a frame header whose format indicator is 0xffff
	// instead of zero.
	GarbageBadFormat Garbage = iota
	// GarbageShortLength is a frame header whose length is smaller than
	// the header.
	GarbageShortLength
	// GarbageBadInvokeID is a frame whose invoke ID is not digits.
	GarbageBadInvokeID
	// GarbageOversized is a well-formed frame of the largest size the
	// length field allows (65535 bytes) whose body is not XML.
	GarbageOversized
	// GarbageTruncated is a frame header announcing a body that never
	// comes: part of it is sent, then the connection is closed.
	GarbageTruncated
	// GarbageXML is a well-formed event frame whose body is not XML.
	GarbageXML
)

// String returns the garbage kind's name as the fakecti control plane
// writes it.
func (g Garbage) String() string {
	switch g {
	case GarbageBadFormat:
		return "bad-format"
	case GarbageShortLength:
		return "short-length"
	case GarbageBadInvokeID:
		return "bad-invoke-id"
	case GarbageOversized:
		return "oversized"
	case GarbageTruncated:
		return "truncated"
	case GarbageXML:
		return "bad-xml"
	}
	return "Garbage(?)"
}

// ParseGarbage returns the garbage kind a name from Garbage.String names.
func ParseGarbage(name string) (Garbage, bool) {
	for g := GarbageBadFormat; g <= GarbageXML; g++ {
		if g.String() == name {
			return g, true
		}
	}
	return 0, false
}

// bytes returns the garbage and whether the connection closes after it.
func (g Garbage) bytes() ([]byte, bool) {
	switch g {
	case GarbageBadFormat:
		return []byte{0xff, 0xff, 0x00, 0x10, '0', '0', '0', '1', '<', 'x', '/', '>', 0, 0, 0, 0}, false
	case GarbageShortLength:
		return []byte{0, 0, 0, 4, '9', '9', '9', '9'}, false
	case GarbageBadInvokeID:
		return []byte{0, 0, 0, 12, 'a', 'b', '1', '2', '<', 'x', '/', '>'}, false
	case GarbageOversized:
		body := make([]byte, framing.MaxBodySize)
		for i := range body {
			body[i] = 'x'
		}
		f, _ := framing.AppendFrame(nil, framing.EventInvokeID, body)
		return f, false
	case GarbageTruncated:
		return []byte{0, 0, 0, 100, '9', '9', '9', '9', '<', 'T', 'r', 'u', 'n', 'c'}, true
	}
	f, _ := framing.AppendFrame(nil, framing.EventInvokeID, []byte("this is not XML <<<"))
	return f, false
}

// SendGarbage sends garbage of kind g to every connection of the endpoint,
// after whatever is queued for it, and returns how many it reached.
// GarbageTruncated closes each connection after sending.
func (s *Server) SendGarbage(g Garbage) int {
	b, closeAfter := g.bytes()
	return s.sendRaw(b, closeAfter)
}

// SendRaw sends b, as it is, to every connection of the endpoint, after
// whatever is queued for it, and returns how many it reached. Build frames
// with framing.AppendFrame to send hand-made messages.
func (s *Server) SendRaw(b []byte) int { return s.sendRaw(append([]byte(nil), b...), false) }

func (s *Server) sendRaw(b []byte, closeAfter bool) int {
	s.mu.Lock()
	cs := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	n := 0
	for _, c := range cs {
		if c.enqueue(outItem{raw: b, closeAfter: closeAfter}) {
			n++
		}
	}
	return n
}
