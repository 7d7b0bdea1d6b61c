package cstatcp

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

func TestAbandonedInvokeIDReservedUntilAnswerOrTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ids := make(chan int, 4)
		ps := ctiscript.NewPipes(ctiscript.Options{Answer: func(_ *ctiscript.Peer, id int, m csta.Message) (csta.Message, bool) {
			if _, ok := m.(*csta.MakeCall); ok {
				ids <- id
				return nil, true
			}
			return nil, false
		}})
		c, err := Dial(t.Context(), Config{Addr: "cti:1", Dial: ps.Dial, NoSession: true, AbandonedTTL: time.Minute})
		require.NoError(t, err)
		for range 2 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := c.Do(ctx, &csta.MakeCall{CallingDevice: csta.Device("1"), CalledDirectoryNumber: csta.Device("2")})
			cancel()
			require.ErrorIs(t, err, context.DeadlineExceeded)
			var s interface{ SafeToRetry() bool }
			assert.False(t, errors.As(err, &s) && s.SafeToRetry(), "a sent request is not safe to retry")
		}
		assert.Equal(t, 2, c.ids.InUse(), "abandoned IDs stay reserved")

		first := <-ids
		require.NoError(t, ps.All()[0].Send(first, &csta.MakeCallResponse{CallingDevice: csta.Connection("c", "1")}))
		require.NoError(t, c.Heartbeat(context.Background()))
		assert.Equal(t, 1, c.ids.InUse(), "a late answer frees its ID")

		time.Sleep(time.Minute)
		require.NoError(t, c.Heartbeat(context.Background()))
		assert.Equal(t, 0, c.ids.InUse(), "AbandonedTTL frees the other")
		require.NoError(t, c.Close())
		ps.CloseAll()
	})
}

func TestInvokeIDsExhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps := ctiscript.NewPipes(ctiscript.Options{})
		c, err := Dial(t.Context(), Config{Addr: "cti:1", Dial: ps.Dial, NoSession: true})
		require.NoError(t, err)
		for range framing.MaxRequestInvokeID {
			_, err := c.ids.Acquire()
			require.NoError(t, err)
		}
		_, err = c.Do(context.Background(), &csta.RequestSystemStatus{})
		require.ErrorIs(t, err, framing.ErrNoInvokeID)
		var s interface{ SafeToRetry() bool }
		require.True(t, errors.As(err, &s))
		assert.True(t, s.SafeToRetry())
		require.NoError(t, c.Close())
		ps.CloseAll()
	})
}

// TestWriteQueue checks that frames queued behind a blocked write all go
// out once the server reads, and that a server that stops reading makes
// requests fail, safe to retry, once maxWriteQueue bytes wait.
func TestWriteQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, server := net.Pipe()
		defer server.Close()
		c, err := Dial(t.Context(), Config{Addr: "cti:1", NoSession: true,
			Dial: func(context.Context, string, string) (net.Conn, error) { return client, nil }})
		require.NoError(t, err)
		defer c.Close()

		// Nobody reads: the first request's write blocks and the others
		// queue behind it until the queue is full.
		big := &csta.MakeCall{CallingDevice: csta.Device("1"), CalledDirectoryNumber: csta.Device("2"),
			CorrelatorData: strings.Repeat("x", 60000)}
		const n = 90 // 90 frames of 60 kB: more than maxWriteQueue
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := c.Do(t.Context(), big)
				errs <- err
			}()
		}
		synctest.Wait()
		full := 0
		for len(errs) > 0 {
			err := <-errs
			require.ErrorIs(t, err, errWriteQueueFull)
			var s interface{ SafeToRetry() bool }
			require.True(t, errors.As(err, &s) && s.SafeToRetry())
			full++
		}
		assert.Positive(t, full)
		c.outMu.Lock()
		queued := len(c.out)
		c.outMu.Unlock()
		assert.Greater(t, queued, maxWriteQueue)

		// The server reads now: every queued frame arrives whole.
		r := framing.NewReader(server, 0)
		got := 0
		for got < n-full {
			f, err := r.ReadFrame()
			require.NoError(t, err)
			m, err := csta.Decode(f.Body)
			require.NoError(t, err)
			assert.Equal(t, big.CorrelatorData, m.(*csta.MakeCall).CorrelatorData)
			got++
		}
	})
}

func TestFramesStarted(t *testing.T) {
	var buf []byte
	for i, n := range []int{10, 0, 300} { // frames of 18, 8 and 308 bytes
		buf, _ = framing.AppendFrame(buf, i+1, make([]byte, n))
	}
	for _, tt := range []struct {
		n    int
		want uint64
	}{
		{0, 0}, {1, 1}, {18, 1}, {19, 2}, {26, 2}, {27, 3}, {len(buf), 3},
	} {
		assert.Equal(t, tt.want, framesStarted(buf, tt.n, 3), "%d bytes written", tt.n)
	}
	assert.Equal(t, uint64(3), framesStarted([]byte{0, 0, 0, 1, 0, 0, 0, 0}, 1, 3), "not frames: all count as sent")
}

func TestWriteTimeoutDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps := ctiscript.NewPipes(ctiscript.Options{})
		c, err := Dial(t.Context(), Config{Addr: "cti:1", Dial: ps.Dial, NoSession: true})
		require.NoError(t, err)
		assert.Equal(t, DefaultWriteTimeout, c.cfg.WriteTimeout)
		require.NoError(t, c.Close())
		ps.CloseAll()
	})
}
