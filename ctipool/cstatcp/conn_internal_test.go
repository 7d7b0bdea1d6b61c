package cstatcp

import (
	"context"
	"errors"
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
