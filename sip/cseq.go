package sip

// cseqWindow is how far below the highest CSeq seen in a dialog a client
// request may still come: requests a client sends back to back reach the
// server in order, but sipgo handles each in its own goroutine, so they may
// be handled in another.
const cseqWindow = 64

// cseqs records the CSeq numbers of the client's requests in a dialog, to
// refuse replays (RFC 3261 section 12.2.2): the highest seen, and which of
// the cseqWindow numbers up to it have been seen.
type cseqs struct {
	hi   uint32
	seen uint64 // bit i: hi-i has been seen
}

// take records n and reports whether it is new: above the highest seen,
// or within cseqWindow below it and not seen yet. A number seen before (a
// replay under a new branch) or older than the window is not taken, and
// replayed reports which of the two it was.
func (c *cseqs) take(n uint32) (ok, replayed bool) {
	switch {
	case n > c.hi:
		if shift := n - c.hi; shift < cseqWindow {
			c.seen = c.seen<<shift | 1
		} else {
			c.seen = 1
		}
		c.hi = n
		return true, false
	case c.hi-n >= cseqWindow:
		return false, false
	}
	bit := uint64(1) << (c.hi - n)
	if c.seen&bit != 0 {
		return false, true
	}
	c.seen |= bit
	return true, false
}

// takeCSeq records the CSeq number of a client request in the dialog; see
// cseqs.take.
func (d *dialog) takeCSeq(n uint32) (ok, replayed bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cseqIn.take(n)
}
