package ctipool_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

// TestWriteTimeoutTakesLinkDown: the server stops reading but keeps sending
// events, so heartbeats see a live link. The write timeout takes the
// connection down instead: the pending requests fail at once with a
// LinkError (safe to retry for those whose frame never left), and the pool
// reconnects.
func TestWriteTimeoutTakesLinkDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newObserver()
		ps, p := pipePool(t, ctiscript.Options{}, ctipool.Config{Endpoints: endpoints(1),
			HeartbeatInterval: 2 * time.Second, RequestTimeout: time.Minute,
			WriteTimeout: 3500 * time.Millisecond, Observer: obs.hooks()})
		peer := ps.All()[0]
		peer.Deafen()
		stop := make(chan struct{})
		go func() { // an event every second: no heartbeat interval passes in silence
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(time.Second):
				}
				if peer.SendEvent(ev("nobody", i)) != nil {
					return
				}
			}
		}()
		defer close(stop)

		h, err := p.Acquire()
		require.NoError(t, err)
		start := time.Now()
		type result struct {
			err  error
			took time.Duration
		}
		do := func() <-chan result {
			ch := make(chan result, 1)
			go func() {
				_, err := h.Do(context.Background(), makeCall())
				ch <- result{err, time.Since(start)}
			}()
			synctest.Wait()
			return ch
		}
		read := do()    // the server reads this one, then no more
		blocked := do() // its write blocks
		queued := do()  // waits behind it
		for name, ch := range map[string]<-chan result{"read": read, "blocked": blocked, "queued": queued} {
			r := <-ch
			var le *ctipool.LinkError
			require.True(t, errors.As(r.err, &le), "%s: %v", name, r.err)
			assert.ErrorIs(t, r.err, ctipool.ErrConnDown, name)
			assert.ErrorIs(t, r.err, cstatcp.ErrWriteTimeout, name)
			assert.NotErrorIs(t, r.err, ctipool.ErrTimeout, name)
			assert.Equal(t, 3500*time.Millisecond, r.took, "%s fails when the write times out, not after RequestTimeout", name)
			assert.Equal(t, name != "read", ctipool.SafeToRetry(r.err), "%s: safe to retry only if its frame never left", name)
		}
		synctest.Wait() // the observer hears of it on the dispatcher
		down, ok := obs.when("cti-0", ctipool.StateDown, 0)
		require.True(t, ok, "the connection went down")
		assert.Equal(t, 3500*time.Millisecond, down)
		st := p.Stats().Endpoints[0]
		assert.Zero(t, st.Timeouts)
		assert.Zero(t, st.HeartbeatFailures, "the heartbeats saw a live link")

		// The pool reconnects with its usual backoff, to a server that
		// reads again.
		require.NoError(t, p.WaitHealthy(t.Context(), 1))
		assert.Equal(t, 2, ps.Dials("cti-0:2748"))
		synctest.Wait() // the observer hears of it on the dispatcher
		up, ok := obs.when("cti-0", ctipool.StateUp, 1)
		require.True(t, ok)
		assert.Less(t, up, down+ctipool.DefaultReconnectMin*2+time.Millisecond, "reconnected after the first backoff")
		h, err = p.Acquire()
		require.NoError(t, err)
		_, err = h.Do(context.Background(), makeCall())
		require.NoError(t, err)
	})
}
