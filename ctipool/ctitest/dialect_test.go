package ctitest_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
	"github.com/rcc-go/rcc/ctipool/ctitest"
)

// These tests run rcc's own client (cstatcp, and ctipool over it) against
// the fake in each dialect, and each dialect's client against fakes of the
// others.

// eventLog collects events with the call and device they concern.
type eventLog struct {
	mu  sync.Mutex
	evs []string
	ch  chan struct{}
}

func newEventLog() *eventLog { return &eventLog{ch: make(chan struct{}, 1)} }

func (l *eventLog) add(ev csta.Event) {
	var devs []string
	csta.WalkDevices(ev, func(path string, d *csta.DeviceID) {
		if !strings.Contains(path, "/") || strings.HasSuffix(path, "/deviceIdentifier") {
			devs = append(devs, d.ID)
		}
	})
	l.mu.Lock()
	l.evs = append(l.evs, ev.MessageName()+" "+strings.Join(devs, ","))
	l.mu.Unlock()
	select {
	case l.ch <- struct{}{}:
	default:
	}
}

// wait waits until an event starting with prefix has arrived.
func (l *eventLog) wait(t *testing.T, prefix string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		l.mu.Lock()
		found := slices.ContainsFunc(l.evs, func(e string) bool { return strings.HasPrefix(e, prefix) })
		l.mu.Unlock()
		if found {
			return
		}
		select {
		case <-l.ch:
		case <-deadline:
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no %q among %q", prefix, l.evs)
		}
	}
}

func dialectServer(t *testing.T, pbx *ctitest.PBX, d string, extra ctitest.ServerConfig) *ctitest.Server {
	t.Helper()
	extra.Dialect = d
	if lookup(t, d).Login != dialect.LoginNone {
		extra.Username, extra.Password = "rcc", "s3cret"
	}
	s, err := pbx.Serve(extra)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func lookup(t testing.TB, name string) *dialect.Dialect {
	d, err := dialect.Lookup(name)
	require.NoError(t, err)
	return d
}

func clientConfig(d, addr string) cstatcp.Config {
	return cstatcp.Config{Addr: addr, Dialect: d, Username: "rcc", Password: "s3cret", SwitchName: "CM1"}
}

// TestDialectInterop: in each dialect, cstatcp against the fake in the
// same dialect: handshake, login, monitors, make, answer, hold, retrieve,
// consultation, transfer and clear, with their events, keepalives both
// ways, and the dialect's own requests.
func TestDialectInterop(t *testing.T) {
	for _, d := range dialect.Names() {
		t.Run(d, func(t *testing.T) {
			pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Lines: []string{"1001", "1002", "1003"}})
			require.NoError(t, err)
			defer pbx.Close()
			srv := dialectServer(t, pbx, d, ctitest.ServerConfig{SystemStatusInterval: 20 * time.Millisecond})
			evs := newEventLog()
			cfg := clientConfig(d, srv.Addr())
			cfg.OnEvent = evs.add
			ctx := context.Background()
			c, err := cstatcp.Dial(ctx, cfg)
			require.NoError(t, err)
			assert.Equal(t, d, c.Dialect())
			assert.Equal(t, lookup(t, d).ProtocolVersion, c.ProtocolVersion())

			for _, dev := range []string{"1001", "1002", "1003"} {
				_, err := c.Do(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(dev)}})
				require.NoError(t, err, "monitor %s", dev)
			}
			resp, err := c.Do(ctx, &csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002")})
			require.NoError(t, err)
			a := resp.(*csta.MakeCallResponse).CallingDevice
			assert.Equal(t, "1001", a.DeviceID.ID, "device back in the directory's form")
			evs.wait(t, "DeliveredEvent 1002")
			_, err = c.Do(ctx, &csta.AnswerCall{CallToBeAnswered: csta.Connection(a.CallID, "1002")})
			require.NoError(t, err)
			evs.wait(t, "EstablishedEvent 1002")
			_, err = c.Do(ctx, &csta.HoldCall{CallToBeHeld: a})
			require.NoError(t, err)
			evs.wait(t, "HeldEvent 1001")
			_, err = c.Do(ctx, &csta.RetrieveCall{CallToBeRetrieved: a})
			require.NoError(t, err)
			evs.wait(t, "RetrievedEvent 1001")
			cr, err := c.Do(ctx, &csta.ConsultationCall{ExistingCall: a, ConsultedDevice: csta.Device("1003")})
			require.NoError(t, err)
			b := cr.(*csta.ConsultationCallResponse).InitiatedCall
			evs.wait(t, "DeliveredEvent 1003")
			_, err = c.Do(ctx, &csta.AnswerCall{CallToBeAnswered: csta.Connection(b.CallID, "1003")})
			require.NoError(t, err)
			evs.wait(t, "EstablishedEvent 1003")
			tr, err := c.Do(ctx, &csta.TransferCall{HeldCall: a, ActiveCall: b})
			require.NoError(t, err)
			evs.wait(t, "TransferedEvent")
			tc := tr.(*csta.TransferCallResponse).TransferredCall
			_, err = c.Do(ctx, &csta.ClearConnection{ConnectionToBeCleared: csta.Connection(tc.CallID, "1002")})
			require.NoError(t, err)
			evs.wait(t, "ConnectionClearedEvent")

			// ClearCall carries a call ID the dialect maps both ways.
			resp, err = c.Do(ctx, &csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1003")})
			require.NoError(t, err)
			cc := resp.(*csta.MakeCallResponse).CallingDevice
			evs.wait(t, "DeliveredEvent 1003")
			require.Len(t, pbx.Calls(), 1)
			_, err = c.Do(ctx, &csta.ClearCall{CallToBeCleared: csta.ConnectionID{CallID: cc.CallID}})
			require.NoError(t, err)
			require.NoError(t, pbx.WaitForNoCalls(ctx))
			clear := pbx.Frames().In().Named("ClearCall")
			require.Len(t, clear, 1)
			assert.Contains(t, string(clear[0].Body), "<callID>"+lookup(t, d).CallToWire(string(cc.CallID))+"</callID>")

			// Keepalives in the dialect's direction.
			if lookup(t, d).ServerHeartbeat > 0 {
				require.Eventually(t, func() bool { return srv.Stats().SystemStatusAnswered > 0 }, 5*time.Second, 10*time.Millisecond)
			}
			require.NoError(t, c.Heartbeat(ctx))
			require.NoError(t, c.Close())
			require.NoError(t, srv.WaitConnections(ctx, 0))

			names := pbx.Requests().WithoutHeartbeats().Names()
			switch d {
			case dialect.OpenScapeVoice:
				assert.Equal(t, "SystemRegister", names[0])
				assert.NotContains(t, names, "StartApplicationSession")
			case dialect.AvayaDMCC:
				assert.Equal(t, "StartApplicationSession", names[0])
				assert.Contains(t, names, "GetDeviceId")
				assert.Contains(t, names, "ReleaseDeviceId")
				assert.Contains(t, names, "GetThirdPartyDeviceId", "the number dialled")
				assert.Equal(t, "StopApplicationSession", names[len(names)-1])
			default:
				assert.Equal(t, "StartApplicationSession", names[0])
				assert.NotContains(t, names, "GetDeviceId")
			}
			assert.Zero(t, srv.Stats().Undecodable)
		})
	}
}

// TestDialectFailover: through ctipool, in each dialect, the pool fails
// over between two endpoints and reconnects as it does in ecma354.
func TestDialectFailover(t *testing.T) {
	for _, d := range dialect.Names() {
		t.Run(d, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Lines: []string{"1001", "1002"}, FarEnds: ctitest.DemoFarEnds(time.Second, 0)})
				require.NoError(t, err)
				defer pbx.Close()
				user, password := "", ""
				if lookup(t, d).Login != dialect.LoginNone {
					user, password = "rcc", "s3cret"
				}
				cl, err := pbx.ServeCluster(
					ctitest.ServerConfig{InMemory: true, Dialect: d, Username: user, Password: password},
					ctitest.ServerConfig{InMemory: true, Dialect: d, Username: user, Password: password})
				require.NoError(t, err)
				var eps []ctipool.Endpoint
				for _, a := range cl.Addrs() {
					eps = append(eps, ctipool.Endpoint{Addr: a})
				}
				pool, err := ctipool.New(ctipool.Config{
					Endpoints: eps, Dial: cl.Dial, Dialect: d, Username: user, Password: password, SwitchName: "CM1",
					HeartbeatInterval: 5 * time.Second, HeartbeatMisses: 3,
					ReconnectMin: time.Second, ReconnectMax: 4 * time.Second,
				})
				require.NoError(t, err)
				defer pool.Close()
				ctx := context.Background()
				require.NoError(t, pool.WaitHealthy(ctx, 2))

				h, err := pool.Acquire()
				require.NoError(t, err)
				sub := newSubscriber()
				_, subscription, err := h.Monitor(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}}, sub)
				require.NoError(t, err)
				_, err = h.Do(ctx, &csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("2000")})
				require.NoError(t, err)
				time.Sleep(2 * time.Second)
				synctest.Wait()
				evs, _ := sub.snapshot()
				assert.Contains(t, evs, "EstablishedEvent")

				var ep *ctitest.Server
				for _, e := range cl.Endpoints() {
					if e.Addr() == h.Conn().Addr() {
						ep = e
					}
				}
				require.NotNil(t, ep)
				require.NoError(t, ep.Stop())
				synctest.Wait()
				assert.False(t, subscription.Active())
				h2, err := pool.Acquire()
				require.NoError(t, err)
				require.NotEqual(t, h.Conn(), h2.Conn())
				_, _, err = h2.Monitor(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}}, newSubscriber())
				require.NoError(t, err)
				require.NoError(t, ep.Restart())
				require.NoError(t, pool.WaitHealthy(ctx, 2))
			})
		})
	}
}

// TestDialectMismatch: each dialect's client against a fake of each other
// dialect is refused cleanly: a clear error naming the endpoint and the
// dialect, the connection closed, no hang. Two pairs are compatible by
// nature and documented so: an openscape-business client is served by an
// ecma354 server (which ignores the login), and an avaya-dmcc client gets
// an ecma354 session but is refused at its first GetDeviceId, which then
// fails the connection.
func TestDialectMismatch(t *testing.T) {
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Lines: []string{"1001"}})
	require.NoError(t, err)
	defer pbx.Close()
	servers := map[string]*ctitest.Server{}
	for _, d := range dialect.Names() {
		servers[d] = dialectServer(t, pbx, d, ctitest.ServerConfig{Name: "ep-" + d})
	}
	for _, cd := range dialect.Names() {
		for _, sd := range dialect.Names() {
			if cd == sd {
				continue
			}
			t.Run(cd+"/"+sd, func(t *testing.T) {
				srv := servers[sd]
				cfg := clientConfig(cd, srv.Addr())
				cfg.HandshakeTimeout = 300 * time.Millisecond
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				c, err := cstatcp.Dial(ctx, cfg)
				switch {
				case cd == dialect.OpenScapeBusiness && sd == dialect.ECMA354:
					require.NoError(t, err)
					require.NoError(t, c.Close())
				default:
					require.Error(t, err)
					t.Log(err)
					assert.ErrorContains(t, err, srv.Addr())
					assert.ErrorContains(t, err, "dialect "+cd)
					assert.True(t, errors.Is(err, cstatcp.ErrHandshake) || errors.Is(err, cstatcp.ErrSessionRefused), "%v", err)
					assert.Nil(t, c)
				}
				require.NoError(t, ctx.Err(), "no hang")
				require.NoError(t, srv.WaitConnections(ctx, 0), "connection closed")
			})
		}
	}
}

// TestDialectLoginFailure: wrong credentials are refused with the
// dialect's negative answer; through ctipool the endpoint is down with
// that error and retried with backoff.
func TestDialectLoginFailure(t *testing.T) {
	for _, d := range []string{dialect.OpenScapeBusiness, dialect.AvayaDMCC} {
		t.Run(d, func(t *testing.T) {
			pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Lines: []string{"1001"}})
			require.NoError(t, err)
			defer pbx.Close()
			srv := dialectServer(t, pbx, d, ctitest.ServerConfig{})
			cfg := clientConfig(d, srv.Addr())
			cfg.Password = "wrong"
			_, err = cstatcp.Dial(context.Background(), cfg)
			require.ErrorIs(t, err, cstatcp.ErrLoginRefused)
			require.ErrorIs(t, err, cstatcp.ErrSessionRefused)
			assert.ErrorContains(t, err, srv.Addr())
			assert.NotContains(t, err.Error(), "wrong", "the password is never shown")
			assert.Equal(t, uint64(1), srv.Stats().LoginFailures)

			pool, err := ctipool.New(ctipool.Config{
				Endpoints: []ctipool.Endpoint{{Addr: srv.Addr()}}, Dialect: d, Username: "rcc", Password: "wrong",
				ReconnectMin: 10 * time.Millisecond, ReconnectMax: 20 * time.Millisecond,
			})
			require.NoError(t, err)
			defer pool.Close()
			require.Eventually(t, func() bool { return srv.Stats().LoginFailures >= 3 }, 5*time.Second, 5*time.Millisecond, "retried")
			assert.Equal(t, 0, pool.Healthy())
			st := pool.Stats().Endpoints[0]
			assert.ErrorIs(t, st.LastError, cstatcp.ErrLoginRefused)
		})
	}
}

// TestDialectUnknownConfig: an unknown dialect is a configuration error.
func TestDialectUnknownConfig(t *testing.T) {
	_, err := cstatcp.Dial(context.Background(), cstatcp.Config{Addr: "127.0.0.1:1", Dialect: "cisco"})
	require.ErrorContains(t, err, `unknown dialect "cisco"`)
	_, err = ctipool.New(ctipool.Config{Endpoints: []ctipool.Endpoint{{Addr: "127.0.0.1:1"}}, Dialect: "cisco"})
	require.ErrorIs(t, err, ctipool.ErrConfig)
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{})
	require.NoError(t, err)
	defer pbx.Close()
	_, err = pbx.Serve(ctitest.ServerConfig{Dialect: "cisco"})
	require.Error(t, err)
}

// TestDialectDeviceIDUnknown: a DMCC server that refuses GetDeviceId as
// unknown speaks another dialect: the connection fails with
// ErrDialectMismatch, and the request, never sent, is safe to retry on
// another connection.
func TestDialectDeviceIDUnknown(t *testing.T) {
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Lines: []string{"1001"}})
	require.NoError(t, err)
	defer pbx.Close()
	srv := dialectServer(t, pbx, dialect.AvayaDMCC, ctitest.ServerConfig{})
	code, _ := csta.ErrorCodeOf(csta.ErrServiceNotSupported)
	_, err = pbx.AddRule(ctitest.Rule{Name: "GetDeviceId", Action: ctitest.RuleAnswer, Answer: dialect.ErrorAnswer(dialect.NamespaceDMCC61, code)})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := cstatcp.Dial(ctx, clientConfig(dialect.AvayaDMCC, srv.Addr()))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Do(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}})
	require.ErrorIs(t, err, cstatcp.ErrDialectMismatch)
	assert.ErrorContains(t, err, srv.Addr())
	var ce *csta.Error
	assert.False(t, errors.As(err, &ce), "a link failure, not the server's answer to the request")
	var retry interface{ SafeToRetry() bool }
	require.True(t, errors.As(err, &retry))
	assert.True(t, retry.SafeToRetry())
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("the connection did not fail")
	}
	assert.Empty(t, pbx.Requests().Named("MonitorStart"), "MonitorStart was not sent")
}

// TestDialectVendorErrorAnswer: a DMCC GetDeviceId refused for an unknown
// extension fails the request with the CSTA error; the connection stays.
func TestDialectVendorErrorAnswer(t *testing.T) {
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Lines: []string{"1001"}})
	require.NoError(t, err)
	defer pbx.Close()
	srv := dialectServer(t, pbx, dialect.AvayaDMCC, ctitest.ServerConfig{})
	ctx := context.Background()
	c, err := cstatcp.Dial(ctx, clientConfig(dialect.AvayaDMCC, srv.Addr()))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Do(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("4711")}})
	require.ErrorIs(t, err, csta.ErrInvalidDeviceID)
	assert.NoError(t, c.Err())
	_, err = c.Do(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}})
	require.NoError(t, err)
}
