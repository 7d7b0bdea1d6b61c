package backoff

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDelayBounds(t *testing.T) {
	p := Policy{Min: 500 * time.Millisecond, Max: 30 * time.Second}
	ceilings := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for n, ceil := range ceilings {
		for range 200 {
			d := p.Delay(n)
			assert.GreaterOrEqual(t, d, p.Min, "attempt %d", n)
			assert.LessOrEqual(t, d, ceil, "attempt %d", n)
		}
	}
	assert.Equal(t, 500*time.Millisecond, p.Delay(0), "the first delay is the floor")
	assert.LessOrEqual(t, p.Delay(1000), 30*time.Second, "huge attempt counts do not overflow")
}

func TestDelayJitterExtremes(t *testing.T) {
	lowest := Policy{Min: time.Second, Max: time.Minute, Rand: func(int64) int64 { return 0 }}
	highest := Policy{Min: time.Second, Max: time.Minute, Rand: func(n int64) int64 { return n - 1 }}
	for n, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		assert.Equal(t, time.Second, lowest.Delay(n))
		assert.Equal(t, want, highest.Delay(n))
	}
	assert.Equal(t, time.Minute, highest.Delay(10))
}

func TestDelayDegenerate(t *testing.T) {
	assert.Equal(t, time.Second, Policy{Min: time.Second, Max: time.Second}.Delay(5))
	assert.Equal(t, time.Second, Policy{Min: time.Second}.Delay(5), "Max below Min means Min")
	assert.Equal(t, time.Millisecond, Policy{}.Delay(0))
}
