package sip

import (
	"context"
	"errors"
	"fmt"
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
				assert.Equal(t, csta.CallID(fmt.Sprint(i)), ev.(*csta.DeliveredEvent).Connection.CallID)
				assert.Equal(t, csta.MonitorCrossRefID("mon1"), ev.CrossRefID())
			}
			mu.Unlock()

			require.NoError(t, c.Close(ctx))
			assert.NoError(t, <-closed)
			assert.ErrorIs(t, sess.waitClosed(t), ErrPeerBye)
		})
	}
}

// dialTest opens a client session to the test server.
func dialTest(t *testing.T, ts *testServer, tr string, cfg ClientConfig) (*ClientSession, error) {
	t.Helper()
	cfg.Gateway = ts.gateway(tr)
	if cfg.User == "" {
		cfg.User = "sip:alice@example.com"
	}
	if cfg.Line == "" {
		cfg.Line = "tel:1001;phone-context=dialstring"
	}
	cfg.LocalAddr = "127.0.0.1:0"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, cfg)
	if err == nil {
		t.Cleanup(func() { c.Close(context.Background()) })
	}
	return c, err
}

func TestDialRefused(t *testing.T) {
	h := &fakeHandler{refuse: map[string]error{
		"tel:404": &RefusalError{Status: 404, Reason: "No Such Line"},
		"tel:503": &RefusalError{Status: 503, RetryAfter: 20 * time.Second},
	}}
	ts := startServer(t, ServerConfig{Handler: h})
	for _, tr := range transports {
		_, err := dialTest(t, ts, tr, ClientConfig{Line: "tel:404"})
		var r *RefusalError
		require.True(t, errors.As(err, &r), "got %v", err)
		assert.Equal(t, 404, r.Status)
		assert.Equal(t, "No Such Line", r.Reason)
		assert.Equal(t, "sip: refused: 404 No Such Line", r.Error())

		_, err = dialTest(t, ts, tr, ClientConfig{Line: "tel:503"})
		require.True(t, errors.As(err, &r), "got %v", err)
		assert.Equal(t, 503, r.Status)
		assert.Equal(t, 20*time.Second, r.RetryAfter)
	}
}

func TestDialSystemStatusNotNormal(t *testing.T) {
	ts := startServer(t, ServerConfig{Handler: &fakeHandler{status: csta.SystemDisabled}})
	_, err := dialTest(t, ts, "tcp", ClientConfig{})
	assert.ErrorIs(t, err, ErrSystemStatus)
	assert.ErrorIs(t, ts.handler.session(t, 0).waitClosed(t), ErrPeerBye, "the client ended the dialog")
}

func TestDialRetriesWithMinSE(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c, err := dialTest(t, ts, "udp", ClientConfig{SessionExpires: 30 * time.Second})
	require.NoError(t, err)
	waitFor(t, "the 422 counted", func() bool { return ts.Stats().Responses[422] == 1 }) // counted after it is sent
	assert.Equal(t, 1, ts.handler.count())
	require.NoError(t, c.Close(context.Background()))
}

func TestClientRefreshesSession(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{SessionExpires: 3 * time.Second, MinSE: time.Second})
			c, err := dialTest(t, ts, tr, ClientConfig{SessionExpires: 3 * time.Second})
			require.NoError(t, err)
			sess := ts.handler.session(t, 0)
			waitFor(t, "two refreshes", func() bool { return sess.refreshed.Load() >= 2 })
			assert.Equal(t, int32(0), sess.closeN.Load(), "the refreshed dialog did not expire")
			_, err = c.Do(context.Background(), &csta.MakeCall{CallingDevice: csta.Device(c.Line()), CalledDirectoryNumber: csta.Device("tel:2")})
			require.NoError(t, err)
		})
	}
}

func TestClientSeesGatewayBye(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	closed := make(chan error, 1)
	c, err := dialTest(t, ts, "tcp", ClientConfig{OnClose: func(err error) { closed <- err }})
	require.NoError(t, err)
	ts.handler.session(t, 0).req.Events.End("line removed")
	select {
	case err := <-closed:
		assert.ErrorIs(t, err, ErrPeerBye)
	case <-time.After(10 * time.Second):
		t.Fatal("OnClose not called")
	}
	<-c.Done()
	assert.ErrorIs(t, c.Err(), ErrPeerBye)
	_, err = c.Do(context.Background(), &csta.MonitorStop{MonitorCrossRefID: "x"})
	assert.ErrorIs(t, err, ErrDialogEnded)
	assert.NoError(t, c.Close(context.Background()))
}

func TestClientHoldsEventsUntilMonitorResponse(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{})
			ts.eventsOvertake.Store(true) // as a proxy may reorder them
			got := make(chan csta.Event, 10)
			c, err := dialTest(t, ts, tr, ClientConfig{OnEvent: func(ev csta.Event) { got <- ev }})
			require.NoError(t, err)
			sess := ts.handler.session(t, 0)
			sess.setHook(func(_ context.Context, m csta.Message) (csta.Message, error) {
				if _, ok := m.(*csta.MonitorStart); !ok {
					return nil, nil
				}
				// The events overtake the response.
				sess.req.Events.SendEvent(event(1, "mon1"))
				sess.req.Events.SendEvent(event(2, "someone-else"))
				waitFor(t, "events answered", func() bool { return ts.Stats().EventsSent == 2 })
				return &csta.MonitorStartResponse{MonitorCrossRefID: "mon1"}, nil
			})
			mon, err := c.Monitor(context.Background())
			require.NoError(t, err)
			assert.Equal(t, csta.MonitorCrossRefID("mon1"), mon.MonitorCrossRefID)
			assert.Equal(t, csta.MonitorCrossRefID("mon1"), c.CrossRefID())
			select {
			case ev := <-got:
				assert.Equal(t, csta.CallID("1"), ev.(*csta.DeliveredEvent).Connection.CallID)
			case <-time.After(10 * time.Second):
				t.Fatal("held event not delivered")
			}
			require.NoError(t, c.Close(context.Background()))
			assert.Empty(t, got, "the other monitor's event is dropped")
		})
	}
}

func TestClientDo481EndsSession(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c, err := dialTest(t, ts, "udp", ClientConfig{})
	require.NoError(t, err)
	ts.handler.session(t, 0).setHook(func(context.Context, csta.Message) (csta.Message, error) {
		return nil, &RefusalError{Status: 481}
	})
	_, err = c.Do(context.Background(), &csta.MakeCall{CallingDevice: csta.Device("tel:1"), CalledDirectoryNumber: csta.Device("tel:2")})
	var r *RefusalError
	require.True(t, errors.As(err, &r))
	assert.Equal(t, 481, r.Status)
	<-c.Done()
	assert.ErrorIs(t, c.Err(), ErrDialogGone)
}

func TestDialCancelled(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			entered := make(chan struct{}, 1)
			h := &fakeHandler{openHook: func(ctx context.Context, _ *OpenRequest) error {
				entered <- struct{}{}
				<-ctx.Done()
				return context.Cause(ctx)
			}}
			ts := startServer(t, ServerConfig{Handler: h})
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-entered
				cancel()
			}()
			_, err := Dial(ctx, ClientConfig{Gateway: ts.gateway(tr), User: "sip:a@example.com", Line: "tel:1", LocalAddr: "127.0.0.1:0"})
			assert.ErrorIs(t, err, context.Canceled)
			waitFor(t, "CANCEL counted", func() bool { return ts.Stats().Requests["CANCEL"] == 1 })
			assert.Equal(t, 0, ts.Stats().Dialogs)
		})
	}
}

func TestClientThroughOutboundProxy(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, ClientConfig{
		Gateway:   "sip:cti@gateway.invalid;transport=tcp",
		Proxy:     ts.tcp,
		User:      "sip:alice@example.com",
		Line:      "tel:1001",
		LocalAddr: "127.0.0.1:0",
	})
	require.NoError(t, err)
	_, err = c.Do(ctx, &csta.MakeCall{CallingDevice: csta.Device("tel:1001"), CalledDirectoryNumber: csta.Device("tel:2")})
	require.NoError(t, err)
	require.NoError(t, c.Close(ctx))
}

func TestEventOrderUnderLoad(t *testing.T) {
	const n = 500
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{EventQueueSize: n})
			var mu sync.Mutex
			var got []csta.CallID
			c, err := dialTest(t, ts, tr, ClientConfig{EventQueueSize: n, OnEvent: func(ev csta.Event) {
				mu.Lock()
				got = append(got, ev.(*csta.DeliveredEvent).Connection.CallID)
				mu.Unlock()
			}})
			require.NoError(t, err)
			sess := ts.handler.session(t, 0)
			// Requests keep flowing while the events go out.
			done := make(chan error, 1)
			go func() {
				for range 20 {
					if _, err := c.Do(context.Background(), &csta.MakeCall{CallingDevice: csta.Device("tel:1"), CalledDirectoryNumber: csta.Device("tel:2")}); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			for i := range n {
				require.NoError(t, sess.req.Events.SendEvent(event(i, "m")))
			}
			require.NoError(t, <-done)
			waitFor(t, "all events", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(got) == n
			})
			mu.Lock()
			defer mu.Unlock()
			for i, id := range got {
				require.Equal(t, csta.CallID(fmt.Sprint(i)), id, "event %d out of order", i)
			}
		})
	}
}
