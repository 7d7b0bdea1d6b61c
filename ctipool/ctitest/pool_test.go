package ctitest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
	"github.com/rcc-go/rcc/ctipool/ctitest"
)

// These tests check that the fake server interoperates with rcc's own
// client side: the cstatcp transport and the ctipool pool.

func TestCstatcpInterop(t *testing.T) {
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Lines: []string{"1001", "1002"}, FarEnds: ctitest.DemoFarEnds(0, 0)})
	require.NoError(t, err)
	defer pbx.Close()
	srv := ctitest.NewServer(pbx)

	var mu sync.Mutex
	var events []string
	c, err := cstatcp.Dial(context.Background(), cstatcp.Config{
		Addr:            srv.Addr(),
		ProtocolVersion: csta.NamespaceEd4,
		OnEvent: func(ev csta.Event) {
			mu.Lock()
			events = append(events, ev.MessageName())
			mu.Unlock()
		},
	})
	require.NoError(t, err)
	assert.Equal(t, csta.NamespaceEd4, c.ProtocolVersion())
	assert.Equal(t, cstatcp.DefaultSessionDuration, c.SessionDuration())
	require.NoError(t, c.Heartbeat(context.Background()))

	ctx := context.Background()
	_, err = c.Do(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}})
	require.NoError(t, err)
	resp, err := c.Do(ctx, &csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("2000")})
	require.NoError(t, err)
	id := resp.(*csta.MakeCallResponse).CallingDevice.CallID
	_, err = c.Do(ctx, &csta.AnswerCall{CallToBeAnswered: csta.Connection(id, "1001")})
	require.ErrorIs(t, err, csta.ErrNoCallToAnswer)
	_, err = pbx.WaitForCall(ctx, func(ci ctitest.CallInfo) bool { return len(ci.Parties) == 2 })
	require.NoError(t, err)

	require.NoError(t, c.Close())
	// StopApplicationSession was sent; the server closes its side.
	require.NoError(t, srv.WaitConnections(ctx, 0))
	assert.Equal(t, []string{"StartApplicationSession", "RequestSystemStatus", "MonitorStart", "MakeCall", "AnswerCall", "StopApplicationSession"},
		pbx.Requests().Names())
	mu.Lock()
	assert.Equal(t, []string{"ServiceInitiatedEvent", "OriginatedEvent", "NetworkReachedEvent", "DeliveredEvent", "EstablishedEvent"}, events)
	mu.Unlock()
}

// subscriber collects what a pool subscription receives.
type subscriber struct {
	mu     sync.Mutex
	events []string
	downs  int
	ups    int
	ch     chan struct{}
}

func newSubscriber() *subscriber { return &subscriber{ch: make(chan struct{}, 1000)} }

func (s *subscriber) Event(ev csta.Event) {
	s.mu.Lock()
	s.events = append(s.events, ev.MessageName())
	s.mu.Unlock()
	s.ch <- struct{}{}
}

func (s *subscriber) LinkDown(error) {
	s.mu.Lock()
	s.downs++
	s.mu.Unlock()
	s.ch <- struct{}{}
}

func (s *subscriber) LinkUp(uint64) {
	s.mu.Lock()
	s.ups++
	s.mu.Unlock()
	s.ch <- struct{}{}
}

func (s *subscriber) snapshot() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.events...), s.downs
}

func TestPoolFailover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Lines: []string{"1001", "1002"}, FarEnds: ctitest.DemoFarEnds(time.Second, 0)})
		require.NoError(t, err)
		defer pbx.Close()
		cl, err := pbx.ServeCluster(ctitest.ServerConfig{InMemory: true}, ctitest.ServerConfig{InMemory: true}, ctitest.ServerConfig{InMemory: true})
		require.NoError(t, err)
		var eps []ctipool.Endpoint
		for _, a := range cl.Addrs() {
			eps = append(eps, ctipool.Endpoint{Addr: a})
		}
		pool, err := ctipool.New(ctipool.Config{
			Endpoints:         eps,
			Dial:              cl.Dial,
			HeartbeatInterval: 5 * time.Second,
			HeartbeatMisses:   3,
			ReconnectMin:      time.Second,
			ReconnectMax:      4 * time.Second,
		})
		require.NoError(t, err)
		defer pool.Close()
		ctx := context.Background()
		require.NoError(t, pool.WaitHealthy(ctx, 3))

		h, err := pool.Acquire()
		require.NoError(t, err)
		sub := newSubscriber()
		_, subscription, err := h.Monitor(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}}, sub)
		require.NoError(t, err)
		resp, err := h.Do(ctx, &csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("2000")})
		require.NoError(t, err)
		id := resp.(*csta.MakeCallResponse).CallingDevice.CallID
		time.Sleep(2 * time.Second) // the far end answers after one
		synctest.Wait()
		evs, _ := sub.snapshot()
		assert.Equal(t, []string{"ServiceInitiatedEvent", "OriginatedEvent", "NetworkReachedEvent", "DeliveredEvent", "EstablishedEvent"}, evs)

		// The connection's endpoint goes down; the call lives on in the PBX.
		var ep *ctitest.Server
		for _, e := range cl.Endpoints() {
			if e.Addr() == h.Conn().Addr() {
				ep = e
			}
		}
		require.NotNil(t, ep)
		require.NoError(t, ep.Stop())
		synctest.Wait()
		_, downs := sub.snapshot()
		assert.Equal(t, 1, downs)
		assert.False(t, subscription.Active())
		_, err = h.Do(ctx, &csta.RequestSystemStatus{})
		require.ErrorIs(t, err, ctipool.ErrConnDown)

		// Re-home: another connection, a new monitor, a snapshot.
		h2, err := pool.Acquire()
		require.NoError(t, err)
		require.NotEqual(t, h.Conn(), h2.Conn())
		_, _, err = h2.Monitor(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}}, newSubscriber())
		require.NoError(t, err)
		snap, err := h2.Do(ctx, &csta.SnapshotDevice{SnapshotObject: csta.Device("1001")})
		require.NoError(t, err)
		require.Len(t, snap.(*csta.SnapshotDeviceResponse).SnapshotData, 1)
		assert.Equal(t, id, snap.(*csta.SnapshotDeviceResponse).SnapshotData[0].ConnectionIdentifier.CallID)

		// The endpoint comes back and the pool reconnects on its own.
		require.NoError(t, ep.Restart())
		require.NoError(t, pool.WaitHealthy(ctx, 3))
	})
}

func TestPoolDetectsStall(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault func(*ctitest.Server)
	}{
		{"heartbeats", func(s *ctitest.Server) { s.StallHeartbeats(true) }},
		{"everything", func(s *ctitest.Server) { s.Stall(true) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Lines: []string{"1001"}})
				require.NoError(t, err)
				defer pbx.Close()
				srv, err := pbx.Serve(ctitest.ServerConfig{InMemory: true})
				require.NoError(t, err)
				pool, err := ctipool.New(ctipool.Config{
					Endpoints:         []ctipool.Endpoint{{Addr: srv.Addr()}},
					Dial:              srv.Dial,
					HeartbeatInterval: 5 * time.Second,
					HeartbeatMisses:   3,
					ReconnectMin:      time.Hour,
					ReconnectMax:      time.Hour,
				})
				require.NoError(t, err)
				defer pool.Close()
				require.NoError(t, pool.WaitHealthy(context.Background(), 1))
				synctest.Wait()
				tt.fault(srv)
				start := time.Now()
				const step = 100 * time.Millisecond
				for i := 0; i < 1000 && pool.Healthy() == 1; i++ {
					time.Sleep(step)
				}
				// Within HeartbeatInterval × HeartbeatMisses of the last frame
				// received, which came before the fault.
				assert.LessOrEqual(t, time.Since(start), 15*time.Second+step)
				assert.Equal(t, 0, pool.Healthy())
				st := pool.Stats().Endpoints[0]
				assert.True(t, errors.Is(st.LastError, ctipool.ErrHeartbeat), "%v", st.LastError)
			})
		})
	}
}
