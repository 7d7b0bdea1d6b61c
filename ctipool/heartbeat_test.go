package ctipool_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

// heartbeatLog records when the server received heartbeats.
type heartbeatLog struct {
	start time.Time
	mu    sync.Mutex
	at    []time.Duration
}

func (h *heartbeatLog) record(_ *ctiscript.Peer, _ int, m csta.Message) {
	if _, ok := m.(*csta.RequestSystemStatus); ok {
		h.mu.Lock()
		h.at = append(h.at, time.Since(h.start))
		h.mu.Unlock()
	}
}

func (h *heartbeatLog) times() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.at...)
}

func TestHeartbeatWhenIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hb := &heartbeatLog{start: time.Now()}
		obs := newObserver()
		_, p := pipePool(t, ctiscript.Options{OnMessage: hb.record}, ctipool.Config{Endpoints: endpoints(1),
			HeartbeatInterval: 10 * time.Second, Observer: obs.hooks()})

		time.Sleep(35 * time.Second)
		synctest.Wait()
		assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}, hb.times(),
			"one heartbeat per idle interval")
		st := p.Stats().Endpoints[0]
		assert.Equal(t, ctipool.StateUp, st.State)
		assert.Equal(t, uint64(3), st.Heartbeats)
		assert.Zero(t, st.HeartbeatFailures)
		assert.Equal(t, hb.start.Add(30*time.Second), st.LastHeartbeat)
		assert.Zero(t, st.LastHeartbeatRTT, "no time passes on a pipe in a bubble")
		assert.Equal(t, uint64(0), st.Requests, "heartbeats are not requests")
		obs.mu.Lock()
		assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}, obs.hbs)
		obs.mu.Unlock()
	})
}

func TestTrafficPostponesHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hb := &heartbeatLog{start: time.Now()}
		ps, p := pipePool(t, ctiscript.Options{OnMessage: hb.record}, ctipool.Config{Endpoints: endpoints(1), HeartbeatInterval: 10 * time.Second})
		peer := ps.All()[0]

		// The server sends something every 7 s for 35 s: no heartbeat is
		// needed while it does.
		for range 5 {
			time.Sleep(7 * time.Second)
			require.NoError(t, peer.SendEvent(ev("nobody", 1)))
		}
		synctest.Wait()
		assert.Empty(t, hb.times())
		// Then it goes quiet: the heartbeat comes an interval after the
		// last frame.
		time.Sleep(12 * time.Second)
		synctest.Wait()
		assert.Equal(t, []time.Duration{45 * time.Second}, hb.times())
		assert.Equal(t, uint64(5), p.Stats().Endpoints[0].EventsDropped)
	})
}

func TestStalledServerDetected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hb := &heartbeatLog{start: time.Now()}
		obs := newObserver()
		ps, p := pipePool(t, ctiscript.Options{OnMessage: hb.record}, ctipool.Config{Endpoints: endpoints(1), Observer: obs.hooks(),
			HeartbeatInterval: 10 * time.Second, HeartbeatMisses: 3, RequestTimeout: time.Minute,
			ReconnectMin: 2 * time.Second, ReconnectMax: 2 * time.Second})
		h, err := p.Acquire()
		require.NoError(t, err)
		assert.Equal(t, uint64(1), h.Gen())

		// The server stalls: it reads but never answers again.
		ps.All()[0].SetSilent(true)
		time.Sleep(time.Second)
		type result struct {
			err error
			at  time.Duration
		}
		pending := make(chan result, 1)
		go func() {
			_, err := h.Do(context.Background(), makeCall())
			pending <- result{err, time.Since(hb.start)}
		}()
		synctest.Wait()

		// Heartbeats at 10 s and 20 s go unanswered (the request at 1 s
		// counts as outbound, not inbound, traffic); at 30 s, three idle
		// intervals after the last frame received, the link is down.
		r := <-pending
		synctest.Wait()
		assert.Equal(t, 30*time.Second, r.at, "pending request fails when the link is declared down")
		require.ErrorIs(t, r.err, ctipool.ErrConnDown)
		require.ErrorIs(t, r.err, ctipool.ErrHeartbeat)
		var le *ctipool.LinkError
		require.ErrorAs(t, r.err, &le)
		assert.Equal(t, "cti-0", le.Endpoint)
		assert.Equal(t, uint64(1), le.Gen)
		assert.True(t, le.Sent)
		assert.False(t, ctipool.SafeToRetry(r.err), "the request may have reached the server")
		assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second}, hb.times()[:2])
		down, ok := obs.when("cti-0", ctipool.StateDown, 0)
		require.True(t, ok)
		assert.Equal(t, 30*time.Second, down)

		// While down, requests on the handle fail at once, safely.
		_, err = h.Do(context.Background(), makeCall())
		require.ErrorIs(t, err, ctipool.ErrConnDown)
		assert.True(t, ctipool.SafeToRetry(err))
		_, err = p.Acquire()
		require.ErrorIs(t, err, ctipool.ErrNoConnection)

		// Reconnected after the backoff, with a new generation.
		time.Sleep(3 * time.Second)
		synctest.Wait()
		up, ok := obs.when("cti-0", ctipool.StateUp, 1)
		require.True(t, ok)
		assert.Equal(t, 32*time.Second, up)
		_, err = h.Do(context.Background(), makeCall())
		require.ErrorIs(t, err, ctipool.ErrStaleConn)
		assert.True(t, ctipool.SafeToRetry(err))
		assert.False(t, h.Valid())
		h2, err := p.Acquire()
		require.NoError(t, err)
		assert.Equal(t, uint64(2), h2.Gen())
		_, err = h2.Do(context.Background(), makeCall())
		require.NoError(t, err)

		st := p.Stats().Endpoints[0]
		assert.Equal(t, uint64(1), st.Reconnects)
		assert.Equal(t, uint64(1), st.Failures)
		assert.ErrorIs(t, st.LastError, ctipool.ErrHeartbeat)
	})
}

func TestPendingRequestsFailAtOnceOnLinkLoss(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps, p := pipePool(t, ctiscript.Options{Answer: answerNever("MakeCall")}, ctipool.Config{Endpoints: endpoints(1)})
		h, err := p.Acquire()
		require.NoError(t, err)
		errs := make(chan error, 3)
		for range 3 {
			go func() {
				_, err := h.Do(context.Background(), makeCall())
				errs <- err
			}()
		}
		synctest.Wait()
		start := time.Now()
		require.NoError(t, ps.All()[0].Close())
		for range 3 {
			err := <-errs
			require.ErrorIs(t, err, ctipool.ErrConnDown)
			assert.False(t, ctipool.SafeToRetry(err))
		}
		assert.Zero(t, time.Since(start), "no waiting for a timeout")
	})
}

func TestRequestTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, p := pipePool(t, ctiscript.Options{Answer: answerNever("MakeCall")}, ctipool.Config{Endpoints: endpoints(1), RequestTimeout: 5 * time.Second})
		h, err := p.Acquire()
		require.NoError(t, err)

		start := time.Now()
		_, err = h.Do(context.Background(), makeCall())
		assert.Equal(t, 5*time.Second, time.Since(start), "Config.RequestTimeout")
		require.ErrorIs(t, err, ctipool.ErrTimeout)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.False(t, ctipool.SafeToRetry(err))
		var le *ctipool.LinkError
		assert.False(t, errors.As(err, &le), "a timeout is not a link failure")

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start = time.Now()
		_, err = h.Do(ctx, makeCall())
		assert.Equal(t, time.Second, time.Since(start), "an earlier context deadline wins")
		require.ErrorIs(t, err, ctipool.ErrTimeout)

		ctx, cancel = context.WithCancel(context.Background())
		go func() { time.Sleep(time.Second); cancel() }()
		_, err = h.Do(ctx, makeCall())
		require.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, ctipool.ErrTimeout)

		st := p.Stats().Endpoints[0]
		assert.Equal(t, uint64(2), st.Timeouts)
		assert.Equal(t, uint64(3), st.Requests)
		assert.Equal(t, ctipool.StateUp, st.State, "timeouts do not take the link down")
	})
}

func TestReconnectBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps := ctiscript.NewPipes(ctiscript.Options{})
		var mu sync.Mutex
		var dials []time.Duration
		start := time.Now()
		dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dials = append(dials, time.Since(start))
			mu.Unlock()
			return ps.Dial(ctx, network, addr)
		}
		ps.Refuse("cti-0:2748", true)
		obs := newObserver()
		p := newPool(t, ctipool.Config{Endpoints: endpoints(1), Dial: dial, Observer: obs.hooks(),
			ReconnectMin: time.Second, ReconnectMax: 8 * time.Second})
		defer ps.CloseAll()
		defer p.Close()

		time.Sleep(2 * time.Minute)
		synctest.Wait()
		mu.Lock()
		got := append([]time.Duration(nil), dials...)
		mu.Unlock()
		require.Greater(t, len(got), 10)
		assert.Zero(t, got[0], "the first attempt is immediate")
		for i := 1; i < len(got); i++ {
			gap := got[i] - got[i-1]
			ceil := 8 * time.Second
			if i-1 < 3 { // 1s, 2s, 4s; a larger shift would overflow after 34 attempts
				ceil = time.Second << (i - 1)
			}
			assert.GreaterOrEqual(t, gap, time.Second, "attempt %d", i)
			assert.LessOrEqual(t, gap, ceil, "attempt %d", i)
		}
		st := p.Stats().Endpoints[0]
		assert.Equal(t, ctipool.StateDown, st.State)
		assert.Equal(t, uint64(len(got)), st.ConnectFailures)
		assert.ErrorIs(t, st.LastError, ctiscript.ErrRefused)
		assert.Equal(t, []string{"cti-0 connecting->down", "cti-0 down->connecting", "cti-0 connecting->down"},
			obs.transitions()[:3])

		// The server comes back: the next attempt connects.
		ps.Refuse("cti-0:2748", false)
		time.Sleep(8 * time.Second)
		synctest.Wait()
		assert.Equal(t, ctipool.StateUp, p.Conns()[0].State())
		assert.Equal(t, uint64(1), p.Conns()[0].Gen())
	})
}

func TestDialTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The server accepts but never answers StartApplicationSession.
		ps := ctiscript.NewPipes(ctiscript.Options{Answer: answerNever("StartApplicationSession")})
		obs := newObserver()
		p := newPool(t, ctipool.Config{Endpoints: endpoints(1), Dial: ps.Dial, Observer: obs.hooks(),
			DialTimeout: 3 * time.Second, ReconnectMin: time.Second, ReconnectMax: time.Second})
		defer ps.CloseAll()
		defer p.Close()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		down, ok := obs.when("cti-0", ctipool.StateDown, 0)
		require.True(t, ok)
		assert.Equal(t, 3*time.Second, down)
		next, ok := obs.when("cti-0", ctipool.StateDown, 1)
		require.True(t, ok)
		assert.Equal(t, 7*time.Second, next, "1 s backoff, then another 3 s attempt")
		assert.ErrorIs(t, p.Stats().Endpoints[0].LastError, context.DeadlineExceeded)
	})
}
