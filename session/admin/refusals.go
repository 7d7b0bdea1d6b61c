package admin

import (
	"sync"
	"time"
)

// refusal is one refused session open, as the status page lists it.
type refusal struct {
	// Time is when the open was refused.
	Time time.Time
	// User is the SIP address of record, Line the Line URI as sent.
	User, Line string
	// Peer is the address the INVITE came from; empty when the reporter
	// did not know it.
	Peer string
	// Reason is the short reason, as in rcc_session_refusals_total's
	// reason label ("unknown_line", "not_allowed", ...), and Detail the
	// error text.
	Reason, Detail string
}

// refusalRing keeps the last refusals, overwriting the oldest.
type refusalRing struct {
	mu    sync.Mutex
	buf   []refusal
	next  int // where the next refusal goes
	count int // how many of buf are set
}

func newRefusalRing(n int) *refusalRing { return &refusalRing{buf: make([]refusal, n)} }

func (r *refusalRing) add(f refusal) {
	r.mu.Lock()
	r.buf[r.next] = f
	r.next = (r.next + 1) % len(r.buf)
	r.count = min(r.count+1, len(r.buf))
	r.mu.Unlock()
}

// list returns the refusals kept, the newest first.
func (r *refusalRing) list() []refusal {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]refusal, r.count)
	for i := range out {
		out[i] = r.buf[(r.next-1-i+len(r.buf))%len(r.buf)]
	}
	return out
}

// refused records a refused session open for the status page, clipping
// the peer's strings so that the ring's size stays bounded; the error
// text is kept whole up to maxErrorText.
func (s *Server) refused(f refusal) {
	if f.Time.IsZero() {
		f.Time = s.now()
	}
	f.User, f.Line, f.Peer, f.Detail = clip(f.User), clip(f.Line), clip(f.Peer), clipText(f.Detail, maxErrorText)
	s.refusals.add(f)
}
