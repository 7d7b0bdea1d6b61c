package cstatcp_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

// chatter sends the peer an event every second until stop is closed: a
// server that still talks, so the link looks alive from the reading side.
func chatter(p *ctiscript.Peer, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-time.After(time.Second):
		}
		if p.SendEvent(dnd("x1", i)) != nil {
			return
		}
	}
}

// TestWriteTimeoutFailsConnection: the server stops reading but keeps
// sending events. The request whose write blocks fails the connection
// after WriteTimeout, and every pending request fails with it at once, not
// after its own (much longer) timeout.
func TestWriteTimeoutFailsConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps := ctiscript.NewPipes(ctiscript.Options{})
		var events atomic.Int64
		c, err := cstatcp.Dial(t.Context(), cstatcp.Config{Addr: "cti:1", Dial: ps.Dial,
			WriteTimeout: 3500 * time.Millisecond, OnEvent: func(csta.Event) { events.Add(1) }})
		require.NoError(t, err)
		p := ps.All()[0]
		p.Deafen()
		stop := make(chan struct{})
		go chatter(p, stop)

		start := time.Now()
		type result struct {
			err  error
			took time.Duration
		}
		do := func() <-chan result {
			ch := make(chan result, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				_, err := c.Do(ctx, &csta.MakeCall{CallingDevice: csta.Device("1"), CalledDirectoryNumber: csta.Device("2")})
				ch <- result{err, time.Since(start)}
			}()
			synctest.Wait()
			return ch
		}
		read := do()    // the server reads this one, then no more
		blocked := do() // its write blocks
		queued := do()  // waits behind it
		assert.Equal(t, []string{"StartApplicationSession", "MakeCall"}, p.Received())

		for name, ch := range map[string]<-chan result{"read": read, "blocked": blocked, "queued": queued} {
			r := <-ch
			require.ErrorIs(t, r.err, cstatcp.ErrClosed, name)
			require.ErrorIs(t, r.err, cstatcp.ErrWriteTimeout, name)
			assert.Equal(t, 3500*time.Millisecond, r.took, "%s fails at once when the write times out", name)
			assert.Equal(t, name != "read", isSafe(r.err), "%s: safe to retry only if its frame never left", name)
		}
		assert.Equal(t, int64(3), events.Load(), "events kept arriving while the server did not read")
		assert.Equal(t, start.Add(3*time.Second), c.LastReceived())
		<-c.Done()
		require.ErrorIs(t, c.Err(), cstatcp.ErrWriteTimeout)

		_, err = c.Do(context.Background(), &csta.RequestSystemStatus{})
		require.ErrorIs(t, err, cstatcp.ErrClosed)
		assert.True(t, isSafe(err))
		close(stop)
		require.NoError(t, c.Close())
		ps.CloseAll()
	})
}

// TestWriteTimeoutConfig: zero takes the default, which does
// not cut a server that keeps reading; a negative value is refused.
func TestWriteTimeoutConfig(t *testing.T) {
	_, err := cstatcp.Dial(context.Background(), cstatcp.Config{Addr: "cti:1", WriteTimeout: -time.Second})
	require.ErrorContains(t, err, "WriteTimeout")

	synctest.Test(t, func(t *testing.T) {
		ps := ctiscript.NewPipes(ctiscript.Options{})
		c, err := cstatcp.Dial(t.Context(), cstatcp.Config{Addr: "cti:1", Dial: ps.Dial})
		require.NoError(t, err)
		// A server that reads slowly but reads is not cut off: the
		// deadline bounds each write, not the time between writes.
		for range 3 {
			time.Sleep(2 * cstatcp.DefaultWriteTimeout)
			require.NoError(t, c.Heartbeat(context.Background()))
		}
		require.NoError(t, c.Close())
		ps.CloseAll()
	})
}
