package sip

import (
	"bytes"
	"strconv"
	"sync"
	"time"
)

// udpTxnWindow is how long a request handed to sipgo over UDP is counted
// against ServerConfig.MaxUDPTransactions: sipgo keeps a non-INVITE server
// transaction for Timer J, 64*T1 (32 s) after its final response.
const udpTxnWindow = 64 * 500 * time.Millisecond

// udpTxnSlots is the number of buckets the window is cut into (one
// second each for the 32 s window).
const udpTxnSlots = 32

// udpTxnCap counts the requests the UDP front door handed to sipgo that
// may still hold a sipgo server transaction, in a ring of buckets of
// width window/udpTxnSlots: a request is counted for at least the window
// from when it passed. Its memory is fixed, whatever the load.
type udpTxnCap struct {
	mu      sync.Mutex
	limit   int           // ServerConfig.MaxUDPTransactions
	reserve int           // extra room for requests of existing dialogs
	width   time.Duration // of a bucket: the window / udpTxnSlots
	now     func() time.Time
	buckets [udpTxnSlots + 1]int // one more than the window, see admit
	newest  int64                // index (time / width) of the newest bucket
	count   int                  // the sum of buckets
	refused uint64               // requests answered 503 for the cap
	logged  time.Time            // when a refusal was last logged
}

// init sets the cap and the window.
func (c *udpTxnCap) init(limit int, window time.Duration) {
	c.limit = limit
	c.reserve = max(1, limit/4)
	c.width = window / udpTxnSlots
	c.now = time.Now
}

// admit counts a request about to be handed to sipgo and reports true, or
// reports false, counting nothing, when the count is at the cap. A request
// of an existing dialog (inDialog reports whether it is one; it is asked
// only at the cap, and may take Server.mu, which is never held while c.mu
// is taken) may use a reserve of a quarter of the cap above it, so that a
// flood of new requests does not starve the dialogs the gateway already
// serves. retry is, when admit reports false, how long until the oldest
// counted requests are forgotten; logNow is true at most once a second.
func (c *udpTxnCap) admit(inDialog func() bool) (ok bool, retry time.Duration, logNow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	cur := now.UnixNano() / int64(c.width)
	// A request counted in bucket k is forgotten when bucket
	// k+len(buckets) begins: after between udpTxnSlots and udpTxnSlots+1
	// widths, at least the window.
	n := int64(len(c.buckets))
	if cur-c.newest >= n {
		c.buckets = [len(c.buckets)]int{}
		c.count = 0
	} else {
		for k := c.newest + 1; k <= cur; k++ {
			c.count -= c.buckets[k%n]
			c.buckets[k%n] = 0
		}
	}
	if cur > c.newest {
		c.newest = cur
	}
	if c.count < c.limit || (c.count < c.limit+c.reserve && inDialog()) {
		c.buckets[c.newest%n]++
		c.count++
		return true, 0, false
	}
	c.refused++
	// The oldest non-empty bucket is forgotten first.
	for k := c.newest - n + 1; k <= c.newest; k++ {
		if c.buckets[((k%n)+n)%n] > 0 {
			retry = time.Duration(k+n)*c.width - time.Duration(now.UnixNano())
			break
		}
	}
	if now.Sub(c.logged) >= time.Second {
		c.logged = now
		logNow = true
	}
	return false, retry, logNow
}

// counts returns the requests counted now (as of the last admit) and the
// refusals so far.
func (c *udpTxnCap) counts() (count int, refused uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count, c.refused
}

// retryAfter is the Retry-After header line of a 503 for the cap: d in
// whole seconds, rounded up, at least one.
func retryAfter(d time.Duration) string {
	s := max(1, int64((d+time.Second-1)/time.Second))
	return "Retry-After: " + strconv.FormatInt(s, 10)
}

// inExistingDialog reports whether a request (scanned into m) carries a
// To tag that is the tag of one of the server's dialogs.
func (s *Server) inExistingDialog(data []byte, m *rawMsg) bool {
	if m.count[hTo] == 0 {
		return false
	}
	tag, ok := toTag(data, m.first[hTo])
	if !ok {
		return false
	}
	s.mu.Lock()
	_, ok = s.dialogs[string(tag)]
	s.mu.Unlock()
	return ok
}

// toTag returns the value of the tag parameter of a To value, if any.
func toTag(data []byte, v span) ([]byte, bool) {
	val := data[v.start:v.end]
	from := 0
	if i := bytes.LastIndexByte(val, '>'); i >= 0 {
		from = i + 1
	}
	semi := bytes.IndexByte(val[from:], ';')
	if semi < 0 {
		return nil, false
	}
	var tag []byte
	found := false
	forEachParam(data, span{v.start + from + semi, v.end}, func(name, whole span) {
		if !found && name.end < whole.end && equalFold(bytes.TrimSpace(data[name.start:name.end]), "tag") {
			tag = bytes.TrimSpace(data[name.end+1 : whole.end])
			found = len(tag) > 0
		}
	})
	return tag, found
}
