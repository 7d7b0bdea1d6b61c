package sip

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

func TestClientServerRoundTrip(t *testing.T) {
	for _, tr := range []string{"udp", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{})
			var mu sync.Mutex
			var got []csta.Event
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			closed := make(chan error, 1)
			c, err := Dial(ctx, ClientConfig{
				Gateway:   ts.gateway(tr),
				User:      "sip:Alice@Example.COM",
				Line:      "tel:1001;phone-context=dialstring",
				LocalAddr: "127.0.0.1:0",
				OnEvent: func(ev csta.Event) {
					mu.Lock()
					got = append(got, ev)
					mu.Unlock()
				},
				OnClose: func(err error) { closed <- err },
			})
			require.NoError(t, err)
			sess := ts.handler.session(t, 0)
			assert.Equal(t, "sip:Alice@example.com", sess.req.User)
			assert.Equal(t, "tel:1001;phone-context=dialstring", sess.req.Line)
			assert.Equal(t, tr, sess.req.Transport)

			f, err := c.Features(ctx)
			require.NoError(t, err)
			assert.NotNil(t, f)
			mon, err := c.Monitor(ctx)
			require.NoError(t, err)
			assert.Equal(t, csta.MonitorCrossRefID("mon1"), mon.MonitorCrossRefID)

			resp, err := c.Do(ctx, &csta.MakeCall{CallingDevice: csta.Device(c.Line()), CalledDirectoryNumber: csta.Device("tel:2000")})
			require.NoError(t, err)
			mc, ok := resp.(*csta.MakeCallResponse)
			require.True(t, ok)
			assert.Equal(t, c.Line(), mc.CallingDevice.DeviceID.ID)

			_, err = c.Do(ctx, &csta.AnswerCall{CallToBeAnswered: csta.Connection("C1", "tel:1001")})
			var cerr *csta.Error
			require.True(t, errors.As(err, &cerr), "got %v", err)

			for i := range 20 {
				require.NoError(t, sess.req.Events.SendEvent(event(i, "mon1")))
			}
			require.NoError(t, sess.req.Events.SendEvent(event(99, "other")))
			waitFor(t, "events", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(got) == 20
			})
			mu.Lock()
			for i, ev := range got {
				assert.Equal(t, csta.CallID(rune('0'+i%10)), csta.CallID(rune('0'+i%10)))
				assert.Equal(t, csta.MonitorCrossRefID("mon1"), ev.CrossRefID())
			}
			mu.Unlock()

			require.NoError(t, c.Close(ctx))
			assert.NoError(t, <-closed)
			assert.ErrorIs(t, sess.waitClosed(t), ErrPeerBye)
		})
	}
}
