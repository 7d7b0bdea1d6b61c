package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram is a latency histogram of fixed size, safe for concurrent use:
// log-linear buckets in the manner of HDR histograms, exact below 128 ns
// and within 1/64 (1.6 %) above, from 0 to about 4.5 hours.
type histogram struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Uint64 // nanoseconds
	max    atomic.Uint64
}

const (
	histSubBits = 7 // 128 linear buckets, then 64 per power of two
	histBuckets = 1<<histSubBits + (64-histSubBits)*(1<<(histSubBits-1))
)

// bucketOf returns the bucket of v nanoseconds.
func bucketOf(v uint64) int {
	if v < 1<<histSubBits {
		return int(v)
	}
	e := bits.Len64(v) - histSubBits // >= 1
	m := v >> e                      // in [64, 128)
	return 1<<histSubBits + (e-1)*(1<<(histSubBits-1)) + int(m-(1<<(histSubBits-1)))
}

// bucketValue returns the middle of bucket i, in nanoseconds.
func bucketValue(i int) uint64 {
	if i < 1<<histSubBits {
		return uint64(i)
	}
	i -= 1 << histSubBits
	e := i/(1<<(histSubBits-1)) + 1
	m := uint64(i%(1<<(histSubBits-1)) + 1<<(histSubBits-1))
	lo := m << e
	return lo + (uint64(1)<<e)/2
}

// record adds one observation.
func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	v := uint64(d)
	h.counts[bucketOf(v)].Add(1)
	h.n.Add(1)
	h.sum.Add(v)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// reset clears the histogram. Observations recorded concurrently may be
// partly kept.
func (h *histogram) reset() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
	h.n.Store(0)
	h.sum.Store(0)
	h.max.Store(0)
}

// Latency is a summary of a histogram, in milliseconds.
type Latency struct {
	Count uint64  `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
}

// summary returns the count, mean, percentiles and maximum.
func (h *histogram) summary() Latency {
	var counts [histBuckets]uint64
	var n uint64
	for i := range counts {
		counts[i] = h.counts[i].Load()
		n += counts[i]
	}
	l := Latency{Count: n, Max: ms(h.max.Load())}
	if n == 0 {
		return l
	}
	l.Mean = ms(h.sum.Load() / n)
	pct := func(p float64) float64 {
		rank := uint64(p*float64(n) + 0.5)
		rank = max(1, min(rank, n))
		var seen uint64
		for i, c := range counts {
			seen += c
			if seen >= rank {
				return min(ms(bucketValue(i)), l.Max)
			}
		}
		return l.Max
	}
	l.P50, l.P90, l.P99, l.P999 = pct(0.50), pct(0.90), pct(0.99), pct(0.999)
	return l
}

func ms(ns uint64) float64 { return float64(ns) / 1e6 }
