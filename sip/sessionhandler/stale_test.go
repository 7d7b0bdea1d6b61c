package sessionhandler_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/sip"
	"github.com/rcc-go/rcc/sip/sessionhandler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// genCTI is a CTI side of one connection whose generation can move on, as
// when the connection failed and came back.
type genCTI struct{ gen atomic.Uint64 }

func (c *genCTI) Acquire() (session.Link, error) { return &genLink{cti: c, gen: c.gen.Load()}, nil }
func (c *genCTI) Ready() bool                    { return true }

type genLink struct {
	cti *genCTI
	gen uint64
}

// staleErr is the error of a link whose connection came back in a newer
// generation.
type staleErr struct{}

func (staleErr) Error() string  { return "test: connection re-established" }
func (staleErr) LinkDown() bool { return true }
func (staleErr) Stale() bool    { return true }

func (l *genLink) Check() error {
	if l.cti.gen.Load() != l.gen {
		return staleErr{}
	}
	return nil
}
func (l *genLink) Endpoint() string   { return "cti0" }
func (l *genLink) Generation() uint64 { return l.gen }
func (l *genLink) Do(context.Context, csta.Request) (csta.Response, error) {
	if err := l.Check(); err != nil {
		return nil, err
	}
	return nil, errors.New("test: not implemented")
}
func (l *genLink) Monitor(context.Context, *csta.MonitorStart, session.MonitorHandler) (*csta.MonitorStartResponse, session.Monitor, error) {
	return nil, nil, errors.New("test: not implemented")
}

// TestStaleSessionRefusesTheClientsRefresh runs the reconnect policy
// through the SIP server, the adapter and the session manager: once the CTI
// connection is back in a new generation, the client's next refresh
// re-INVITE gets 481 (as its next INFO would) and the client's session
// ends, instead of a 200 that keeps a session that gets no events.
func TestStaleSessionRefusesTheClientsRefresh(t *testing.T) {
	store, err := lineappearance.NewStore(lineappearance.Demo(), lineappearance.Options{})
	require.NoError(t, err)
	cti := &genCTI{}
	mgr, err := session.NewManager(session.Config{Directory: store, CTI: cti, LossPolicy: session.Reconnect})
	require.NoError(t, err)
	t.Cleanup(func() { _ = mgr.Shutdown(context.Background()) })
	h, err := sessionhandler.New(mgr, sessionhandler.Options{})
	require.NoError(t, err)
	srv, err := sip.NewServer(sip.ServerConfig{Handler: h, SessionExpires: 2 * time.Second, MinSE: time.Second})
	require.NoError(t, err)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.ServeUDP(pc)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx))
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := sip.Dial(ctx, sip.ClientConfig{
		Gateway: "sip:cti@" + pc.LocalAddr().String(), User: "sip:alice@example.com",
		Line: "tel:1001;phone-context=dialstring", LocalAddr: "127.0.0.1:0", SessionExpires: 2 * time.Second,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })

	// Refreshed (every second) while the connection holds.
	time.Sleep(2500 * time.Millisecond)
	require.NoError(t, c.Err())
	waitSessions := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(mgr.Sessions()) != n {
			require.True(t, time.Now().Before(deadline), "sessions: %d, want %d", len(mgr.Sessions()), n)
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitSessions(1)
	assert.False(t, mgr.Sessions()[0].Refreshed.IsZero())

	cti.gen.Add(1) // the connection failed and came back
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the client's session survived its refresh on a stale session")
	}
	assert.ErrorIs(t, c.Err(), sip.ErrDialogGone, "the refresh got 481")
	waitSessions(0)
	assert.Equal(t, uint64(1), mgr.Stats().Closed["stale"])
}
