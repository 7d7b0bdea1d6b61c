package ctipool_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

// waitStats polls the pool's first endpoint until cond holds.
func waitStats(t *testing.T, p *ctipool.Pool, what string, cond func(ctipool.EndpointStats) bool) ctipool.EndpointStats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := p.Stats().Endpoints[0]
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %+v", what, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDownSinceKeepsTheFirstFailure checks that DownSince is the time of
// the first failure while the reconnection attempts go on (Since moves at
// each of them), and is cleared once the connection is up again.
func TestDownSinceKeepsTheFirstFailure(t *testing.T) {
	l, err := ctiscript.Listen(ctiscript.Options{})
	require.NoError(t, err)
	addr := l.Addr()
	p := newPool(t, ctipool.Config{Endpoints: []ctipool.Endpoint{{Name: "a", Addr: addr}},
		ReconnectMin: 5 * time.Millisecond, ReconnectMax: 20 * time.Millisecond})
	defer p.Close()
	waitHealthy(t, p, 1)
	st := p.Stats().Endpoints[0]
	assert.True(t, st.DownSince.IsZero(), "zero while up")

	before := time.Now()
	l.Close()
	down := waitStats(t, p, "the connection to go down", func(s ctipool.EndpointStats) bool { return !s.DownSince.IsZero() })
	assert.False(t, down.DownSince.Before(before))
	require.Error(t, down.LastError)

	// Several failed attempts later, DownSince has not moved; Since has.
	later := waitStats(t, p, "three failed attempts", func(s ctipool.EndpointStats) bool {
		return s.ConnectFailures >= down.ConnectFailures+3 && s.State == ctipool.StateDown
	})
	assert.Equal(t, down.DownSince, later.DownSince)
	assert.True(t, later.Since.After(down.DownSince), "Since moves at every attempt")

	l2, err := ctiscript.ListenAddr(addr, ctiscript.Options{})
	require.NoError(t, err)
	defer l2.Close()
	waitHealthy(t, p, 1)
	assert.True(t, p.Stats().Endpoints[0].DownSince.IsZero(), "cleared once up again")
}

// TestDownSinceFromTheFirstAttempt checks that an endpoint that never came
// up is down since its first failed attempt, not since the last.
func TestDownSinceFromTheFirstAttempt(t *testing.T) {
	l, err := ctiscript.Listen(ctiscript.Options{})
	require.NoError(t, err)
	addr := l.Addr()
	l.Close() // nothing listens there now
	p := newPool(t, ctipool.Config{Endpoints: []ctipool.Endpoint{{Name: "a", Addr: addr}},
		ReconnectMin: 5 * time.Millisecond, ReconnectMax: 20 * time.Millisecond})
	defer p.Close()
	first := waitStats(t, p, "a failed attempt", func(s ctipool.EndpointStats) bool { return s.ConnectFailures >= 1 && !s.DownSince.IsZero() })
	require.False(t, first.DownSince.IsZero())
	later := waitStats(t, p, "more failed attempts", func(s ctipool.EndpointStats) bool { return s.ConnectFailures >= 4 })
	assert.Equal(t, first.DownSince, later.DownSince)

	// Acquire's error says which endpoints are down, since when and why.
	_, err = p.Acquire()
	require.ErrorIs(t, err, ctipool.ErrNoConnection)
	assert.Contains(t, err.Error(), "none of 1 endpoints is up: a ")
	assert.Contains(t, err.Error(), " since "+first.DownSince.Format(time.TimeOnly)+" (")
	assert.Contains(t, err.Error(), "connection refused")
}
