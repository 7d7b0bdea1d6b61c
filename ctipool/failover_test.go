package ctipool_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

// TestFailoverLoopback kills one of three real servers and brings it back.
func TestFailoverLoopback(t *testing.T) {
	makeCalls := make(chan string, 16)
	opts := ctiscript.Options{
		Answer: answerNever("MakeCall"),
		OnMessage: func(p *ctiscript.Peer, _ int, m csta.Message) {
			if _, ok := m.(*csta.MakeCall); ok {
				makeCalls <- p.Addr()
			}
		},
	}
	var servers [3]*ctiscript.Listener
	var eps []ctipool.Endpoint
	for i := range servers {
		l, err := ctiscript.Listen(opts)
		require.NoError(t, err)
		servers[i] = l
		eps = append(eps, ctipool.Endpoint{Name: []string{"a", "b", "c"}[i], Addr: l.Addr()})
	}
	defer func() {
		for _, l := range servers {
			l.Close()
		}
	}()
	obs := newObserver()
	p := newPool(t, ctipool.Config{Endpoints: eps, Observer: obs.hooks(),
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond})
	defer p.Close()
	waitHealthy(t, p, 3)

	var handles []ctipool.Handle
	for range 3 {
		h, err := p.Acquire()
		require.NoError(t, err)
		handles = append(handles, h)
	}
	hb := handles[1]
	require.Equal(t, "b", hb.Conn().Name())
	oldGen := hb.Gen()

	// A request is pending on b when b dies.
	pending := make(chan error, 1)
	go func() {
		_, err := hb.Do(context.Background(), makeCall())
		pending <- err
	}()
	select {
	case addr := <-makeCalls:
		require.Equal(t, servers[1].Addr(), addr)
	case <-time.After(10 * time.Second):
		t.Fatal("MakeCall never reached b")
	}
	addrB := servers[1].Addr()
	servers[1].Close()

	err := <-pending
	require.ErrorIs(t, err, ctipool.ErrConnDown, "fails because the link died, not by timing out")
	require.NotErrorIs(t, err, ctipool.ErrTimeout)
	assert.False(t, ctipool.SafeToRetry(err))
	obs.waitState(t, "b", ctipool.StateDown)

	// Requests on b fail at once; placement skips it.
	_, err = hb.Do(context.Background(), &csta.RequestSystemStatus{})
	require.ErrorIs(t, err, ctipool.ErrConnDown)
	assert.True(t, ctipool.SafeToRetry(err))
	for range 10 {
		h, err := p.Acquire()
		require.NoError(t, err)
		assert.NotEqual(t, "b", h.Conn().Name())
		_, err = h.Do(context.Background(), &csta.RequestSystemStatus{})
		require.NoError(t, err)
	}
	for _, h := range []ctipool.Handle{handles[0], handles[2]} {
		_, err := h.Do(context.Background(), &csta.RequestSystemStatus{})
		require.NoError(t, err, "the other connections are untouched")
	}

	// b comes back on the same address: the pool reconnects by itself,
	// with a new generation.
	l, err := ctiscript.ListenAddr(addrB, opts)
	require.NoError(t, err)
	servers[1] = l
	up := obs.waitState(t, "b", ctipool.StateUp)
	assert.Greater(t, up.Gen, oldGen)
	_, err = hb.Do(context.Background(), &csta.RequestSystemStatus{})
	require.ErrorIs(t, err, ctipool.ErrStaleConn)
	assert.True(t, ctipool.SafeToRetry(err))
	waitHealthy(t, p, 3)
	seen := map[string]bool{}
	for range 3 {
		h, err := p.Acquire()
		require.NoError(t, err)
		seen[h.Conn().Name()] = true
	}
	assert.Equal(t, map[string]bool{"a": true, "b": true, "c": true}, seen)
	st := p.Stats().Endpoints[1]
	assert.Equal(t, uint64(1), st.Reconnects)
	assert.Equal(t, up.Gen, st.Generation)
}

// TestCloseLeavesNoGoroutines checks, right after Close, that a busy pool
// (three real connections, monitors, a pending request, a heartbeat
// schedule) leaves no goroutine behind.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var eps []ctipool.Endpoint
	for range 3 {
		l, err := ctiscript.Listen(ctiscript.Options{Answer: answerNever("MakeCall")})
		require.NoError(t, err)
		defer l.Close()
		eps = append(eps, ctipool.Endpoint{Addr: l.Addr()})
	}
	// Heartbeats every 10ms, but a connection is never declared down for
	// missing them: on a loaded machine 30ms without a frame happen, and
	// the test is about Close, not about heartbeats.
	p := newPool(t, ctipool.Config{Endpoints: eps, HeartbeatInterval: 10 * time.Millisecond,
		HeartbeatMisses: 1 << 20, Observer: newObserver().hooks()})
	defer p.Close() // also when the test fails half-way: its goroutines are not what failed
	waitHealthy(t, p, 3)
	for range 3 {
		h, err := p.Acquire()
		require.NoError(t, err)
		_, _, err = h.Monitor(context.Background(), monitorStart("tel:1001"), newRecorder())
		require.NoError(t, err)
	}
	h, err := p.Acquire()
	require.NoError(t, err)
	pending := make(chan error, 1)
	go func() {
		_, err := h.Do(context.Background(), makeCall())
		pending <- err
	}()
	p.Close()
	require.ErrorIs(t, <-pending, ctipool.ErrPoolClosed)
}
