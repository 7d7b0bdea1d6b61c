package backoff

import (
	"math/rand/v2"
	"time"
)

// Policy is a capped exponential backoff with full jitter above a floor:
// the delay before attempt n (counting from 0) is drawn uniformly from
// [Min, min(Max, Min·2ⁿ)]. The first delay is therefore exactly Min, and
// the delays never exceed Max.
type Policy struct {
	// Min is the shortest delay and the base of the exponent.
	Min time.Duration
	// Max caps the delay.
	Max time.Duration
	// Rand returns a uniform value in [0, n); nil means math/rand/v2.
	// Tests set it to make the jitter predictable.
	Rand func(n int64) int64
}

// Delay returns the delay before attempt n (n >= 0).
func (p Policy) Delay(n int) time.Duration {
	lo, hi := p.Min, p.Max
	if lo <= 0 {
		lo = time.Millisecond
	}
	if hi < lo {
		hi = lo
	}
	ceil := lo
	for i := 0; i < n && ceil < hi; i++ {
		ceil *= 2
	}
	ceil = min(ceil, hi)
	span := int64(ceil - lo)
	if span <= 0 {
		return lo
	}
	r := p.Rand
	if r == nil {
		r = rand.Int64N
	}
	return lo + time.Duration(r(span+1))
}
