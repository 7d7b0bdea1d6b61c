package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The dialect matrix: the gateway, configured through its YAML loader
// (ParseConfig, New, Start), against a fake PBX of each dialect, over real
// SIP and CTI sockets on loopback.

// matrixUser and matrixPassword are the credentials of the matrix's fakes
// in the dialects with a login.
const (
	matrixUser     = "rcc"
	matrixPassword = "s3cret-matrix"
	matrixSwitch   = "CM1"
)

// fakeEndpoint is one endpoint of a matrix fake: the dialect it speaks and
// the password it wants (matrixPassword when empty).
type fakeEndpoint struct {
	dialect  string
	password string
}

// matrixGateway is a gateway built from YAML, on a fake PBX.
type matrixGateway struct {
	*testGateway
	cluster *ctitest.Cluster
}

// startMatrix serves a fresh demo PBX on one endpoint per fake and starts
// a gateway in dialect d with the given loss policy, configured from YAML
// text naming those endpoints and the password in a file. It waits until
// healthy CTI connections are up.
func startMatrix(t *testing.T, d, policy string, healthy int, fakes ...fakeEndpoint) *matrixGateway {
	t.Helper()
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Directory: lineappearance.Demo(), FarEnds: ctitest.DemoFarEnds(0, 0)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pbx.Close() })
	cfgs := make([]ctitest.ServerConfig, len(fakes))
	for i, f := range fakes {
		cfgs[i] = ctitest.ServerConfig{Name: fmt.Sprintf("%s-%d", f.dialect, i+1), Dialect: f.dialect, SwitchName: matrixSwitch}
		if fd, _ := dialect.Lookup(f.dialect); fd.Session == dialect.SessionLogin {
			cfgs[i].Username, cfgs[i].Password = matrixUser, matrixPassword
			if f.password != "" {
				cfgs[i].Password = f.password
			}
		}
	}
	cluster, err := pbx.ServeCluster(cfgs...)
	require.NoError(t, err)

	var y strings.Builder
	fmt.Fprintf(&y, "sip:\n  listen: [{transport: tcp, address: \"127.0.0.1:0\"}]\n")
	fmt.Fprintf(&y, "cti:\n  dialect: %s\n", d)
	dd, err := dialect.Lookup(d)
	require.NoError(t, err)
	if dd.Session == dialect.SessionLogin {
		pw := filepath.Join(t.TempDir(), "cti-password")
		require.NoError(t, os.WriteFile(pw, []byte(matrixPassword+"\n"), 0o600))
		fmt.Fprintf(&y, "  username: %s\n  password_file: %s\n", matrixUser, pw)
	}
	if dd.DeviceIDService {
		fmt.Fprintf(&y, "  switch_name: %s\n", matrixSwitch)
	}
	fmt.Fprintf(&y, "  reconnect_min: 20ms\n  reconnect_max: 200ms\n  request_timeout: 3s\n  dial_timeout: 2s\n  heartbeat_interval: 1s\n  endpoints:\n")
	for i, ep := range cluster.Endpoints() {
		fmt.Fprintf(&y, "    - {name: %s, address: %q}\n", ep.Name(), cluster.Addrs()[i])
	}
	fmt.Fprintf(&y, "session:\n  loss_policy: %s\n  request_timeout: 3s\n", policy)
	cfg, err := ParseConfig(d+".yaml", []byte(y.String()))
	require.NoError(t, err, "%s", y.String())

	// Everything the gateway logs, at debug level, never has the password.
	logs := &lockedBuffer{}
	var out io.Writer = logs
	if testing.Verbose() {
		out = io.MultiWriter(logs, os.Stderr)
	}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		assert.NotContains(t, logs.String(), matrixPassword, "the password was logged")
		if dd.Session == dialect.SessionLogin {
			assert.Contains(t, logs.String(), "connection up", "the logs were captured")
		}
	})
	g := runGateway(t, cfg, Options{Directory: lineappearance.Demo(), Logger: logger}, healthy)
	return &matrixGateway{testGateway: &testGateway{Gateway: g, pbx: pbx}, cluster: cluster}
}

// server returns the fake endpoint named name.
func (g *matrixGateway) server(t testing.TB, name string) *ctitest.Server {
	t.Helper()
	for _, ep := range g.cluster.Endpoints() {
		if ep.Name() == name {
			return ep
		}
	}
	t.Fatalf("no endpoint %s", name)
	return nil
}

// endpointStats returns the pool's view of the endpoint named name.
func (g *matrixGateway) endpointStats(name string) ctipool.EndpointStats {
	for _, e := range g.Pool().Stats().Endpoints {
		if e.Name == name {
			return e
		}
	}
	return ctipool.EndpointStats{}
}

// sessionEndpoint returns the CTI endpoint user's session is bound to.
func (g *matrixGateway) sessionEndpoint(user string) string {
	for _, s := range g.Sessions().Sessions() {
		if s.User == user {
			return s.CTI
		}
	}
	return ""
}

// eventually polls cond every 10ms until it holds or waitTimeout passes.
func eventually(t testing.TB, cond func() bool, what string, args ...any) {
	t.Helper()
	require.Eventually(t, cond, waitTimeout, 10*time.Millisecond, append([]any{what}, args...)...)
}

// TestDialectMatrix runs the whole remote call control flow of Office
// Communicator through the gateway in each dialect against a fake PBX of
// the same dialect: feature exchange, monitors, a call made to a far end,
// an incoming call answered, hold and retrieve, a consultation
// transferred, a connection cleared, each with its events.
func TestDialectMatrix(t *testing.T) {
	for _, d := range dialect.Names() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			g := startMatrix(t, d, "rehome", 2, fakeEndpoint{dialect: d}, fakeEndpoint{dialect: d})
			for _, ep := range g.cluster.Endpoints() {
				assert.Zero(t, ep.Stats().LoginFailures, "%s", ep.Name())
			}
			communicatorFlow(t, g)
		})
	}
}

// communicatorFlow is the Communicator's flow with alice and bob.
func communicatorFlow(t *testing.T, g *matrixGateway) {
	alice := g.dial(t, "tcp", aliceAOR, aliceLine)
	bob := g.dial(t, "tcp", bobAOR, bobLine)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	features, err := alice.s.Features(ctx)
	require.NoError(t, err)
	for _, svc := range []string{"makeCall", "answerCall", "clearConnection", "holdCall", "retrieveCall", "consultationCall", "transferCall", "monitorStart"} {
		assert.True(t, features.Features.Services.Supports(svc), "GetCSTAFeaturesResponse lacks %s", svc)
	}
	mon, err := alice.s.Monitor(ctx)
	require.NoError(t, err)
	xref := mon.MonitorCrossRefID
	_, err = bob.s.Monitor(ctx)
	require.NoError(t, err)

	// A call to a far end that answers.
	mc := do[*csta.MakeCallResponse](alice, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2000"), AutoOriginate: csta.AutoOriginateDoNotPrompt})
	call := mc.CallingDevice
	assert.Equal(t, aliceLine, call.DeviceID.ID)
	i, ev := alice.waitEvent(0, "OriginatedEvent", onCall(call.CallID))
	assert.Equal(t, xref, ev.CrossRefID())
	assert.Equal(t, aliceLine, ev.(*csta.OriginatedEvent).OriginatedConnection.DeviceID.ID)
	_, _ = alice.waitEvent(i, "DeliveredEvent", onCall(call.CallID))
	i, ev = alice.waitEvent(i, "EstablishedEvent", onCall(call.CallID))
	assert.Equal(t, "tel:2000;phone-context=dialstring", ev.(*csta.EstablishedEvent).AnsweringDevice.Device.ID)

	// Hold and retrieve.
	do[*csta.HoldCallResponse](alice, &csta.HoldCall{CallToBeHeld: call})
	i, _ = alice.waitEvent(i, "HeldEvent", onCall(call.CallID))
	do[*csta.RetrieveCallResponse](alice, &csta.RetrieveCall{CallToBeRetrieved: call})
	i, _ = alice.waitEvent(i, "RetrievedEvent", onCall(call.CallID))

	// Consultation to bob, who answers; transfer: bob is left with 2000.
	cons := do[*csta.ConsultationCallResponse](alice, &csta.ConsultationCall{ExistingCall: call, ConsultedDevice: csta.Device(bobLine)})
	consult := cons.InitiatedCall
	_, bev := bob.waitEvent(0, "DeliveredEvent", onCall(consult.CallID))
	bobConn := bev.(*csta.DeliveredEvent).Connection
	assert.Equal(t, bobLine, bobConn.DeviceID.ID)
	do[*csta.AnswerCallResponse](bob, &csta.AnswerCall{CallToBeAnswered: bobConn})
	i, _ = alice.waitEvent(i, "EstablishedEvent", onCall(consult.CallID))
	do[*csta.TransferCallResponse](alice, &csta.TransferCall{HeldCall: call, ActiveCall: consult})
	i, _ = alice.waitEvent(i, "TransferedEvent", nil)
	bi, ev := bob.waitEvent(0, "TransferedEvent", nil)
	var bobCall *csta.ConnectionID
	csta.WalkConnections(ev, func(_ string, c *csta.ConnectionID) {
		if c.DeviceID.ID == bobLine && bobCall == nil {
			cc := *c
			bobCall = &cc
		}
	})
	require.NotNil(t, bobCall, "bob's TransferedEvent names his connection")
	do[*csta.ClearConnectionResponse](bob, &csta.ClearConnection{ConnectionToBeCleared: *bobCall})
	bob.waitEvent(bi, "ConnectionClearedEvent", onCall(bobCall.CallID))

	// An incoming call answered, then cleared.
	in, err := g.pbx.Call("2501", "1001")
	require.NoError(t, err)
	i, ev = alice.waitEvent(i, "DeliveredEvent", onCall(in))
	conn := ev.(*csta.DeliveredEvent).Connection
	assert.Equal(t, aliceLine, conn.DeviceID.ID)
	do[*csta.AnswerCallResponse](alice, &csta.AnswerCall{CallToBeAnswered: conn})
	i, _ = alice.waitEvent(i, "EstablishedEvent", onCall(in))
	do[*csta.ClearConnectionResponse](alice, &csta.ClearConnection{ConnectionToBeCleared: conn})
	alice.waitEvent(i, "ConnectionClearedEvent", onCall(in))

	// Forwarding to an outside number, on and off.
	do[*csta.SetForwardingResponse](alice, &csta.SetForwarding{Device: csta.Device(aliceLine), ForwardingType: csta.ForwardImmediate, ActivateForward: true, ForwardDN: &csta.DeviceID{ID: "tel:2800"}})
	i, _ = alice.waitEvent(i, "ForwardingEvent", nil)
	do[*csta.SetForwardingResponse](alice, &csta.SetForwarding{Device: csta.Device(aliceLine), ForwardingType: csta.ForwardImmediate, ActivateForward: false})
	alice.waitEvent(i, "ForwardingEvent", nil)

	alice.mu.Lock()
	defer alice.mu.Unlock()
	for _, ev := range alice.ev {
		assert.Equal(t, xref, ev.CrossRefID(), "%s", ev.MessageName())
	}
}

// TestDialectFailover kills the CTI endpoint alice's session is on, in
// each dialect, under both loss policies. Under rehome the session moves
// to another endpoint of the same dialect and keeps working, events
// included; under reconnect its requests fail at once while the endpoint
// is down, it is refused with 481 once the endpoint is back, and a fresh
// INVITE works. Bob's session, on another endpoint, never notices.
func TestDialectFailover(t *testing.T) {
	for _, d := range dialect.Names() {
		for _, policy := range []string{"rehome", "reconnect"} {
			t.Run(d+"/"+policy, func(t *testing.T) {
				t.Parallel()
				g := startMatrix(t, d, policy, 3, fakeEndpoint{dialect: d}, fakeEndpoint{dialect: d}, fakeEndpoint{dialect: d})
				ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
				defer cancel()
				alice := g.dial(t, "tcp", aliceAOR, aliceLine)
				_, err := alice.s.Monitor(ctx)
				require.NoError(t, err)
				victim := g.sessionEndpoint(aliceAOR)
				require.NotEmpty(t, victim)
				// Bob's session on another endpoint than alice's.
				var bob *client
				for range 8 {
					c := g.dial(t, "tcp", bobAOR, bobLine)
					if g.sessionEndpoint(bobAOR) != victim {
						bob = c
						break
					}
					require.NoError(t, c.s.Close(ctx))
				}
				require.NotNil(t, bob, "no session for bob on another endpoint than %s", victim)
				_, err = bob.s.Monitor(ctx)
				require.NoError(t, err)
				bobOn := g.sessionEndpoint(bobAOR)

				require.NoError(t, g.server(t, victim).Stop())
				eventually(t, func() bool { return g.endpointStats(victim).State != ctipool.StateUp }, "the pool to see %s down", victim)
				snapshot := &csta.SnapshotDevice{SnapshotObject: csta.Device(aliceLine)}
				switch policy {
				case "rehome":
					eventually(t, func() bool {
						rctx, rcancel := context.WithTimeout(ctx, time.Second)
						defer rcancel()
						_, err := alice.s.Do(rctx, snapshot)
						on := g.sessionEndpoint(aliceAOR)
						return err == nil && on != "" && on != victim
					}, "alice's session to re-home away from %s", victim)
					mc := do[*csta.MakeCallResponse](alice, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2000")})
					alice.waitEvent(0, "EstablishedEvent", onCall(mc.CallingDevice.CallID))
				case "reconnect":
					_, err := alice.s.Do(ctx, snapshot)
					require.Error(t, err, "a request on the dead connection")
					require.NoError(t, g.server(t, victim).Restart())
					eventually(t, func() bool { return g.endpointStats(victim).State == ctipool.StateUp }, "%s to come back", victim)
					_, err = alice.s.Do(ctx, snapshot)
					var r *sip.RefusalError
					require.True(t, errors.As(err, &r), "want 481, got %v", err)
					assert.Equal(t, 481, r.Status)
					fresh := g.dial(t, "tcp", aliceAOR, aliceLine)
					_, err = fresh.s.Monitor(ctx)
					require.NoError(t, err)
					mc := do[*csta.MakeCallResponse](fresh, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2000")})
					fresh.waitEvent(0, "EstablishedEvent", onCall(mc.CallingDevice.CallID))
				}
				do[*csta.SnapshotDeviceResponse](bob, &csta.SnapshotDevice{SnapshotObject: csta.Device(bobLine)})
				assert.Equal(t, bobOn, g.sessionEndpoint(bobAOR), "bob's session stayed where it was")
			})
		}
	}
}

// TestDialectMismatch points the gateway in each dialect at a fake of each
// other dialect (but the one pair that is compatible), beside an endpoint
// of its own: the other endpoint is
// marked down with an error that names its address, the dialect expected
// and the step, the pool keeps retrying it, and the session on the good
// endpoint never notices. With only the wrong endpoint left, an INVITE is
// refused with 503 at once.
func TestDialectMismatch(t *testing.T) {
	for _, d := range dialect.Names() {
		for _, other := range dialect.Names() {
			if other == d {
				continue
			}
			t.Run(d+"/against/"+other, func(t *testing.T) {
				t.Parallel()
				if d == dialect.OpenScapeBusiness && other == dialect.ECMA354 {
					// No handshake tells these apart: an ECMA-354 server
					// without a login grants the session an OpenScape
					// Business client opens (ed4, its credentials in
					// applicationSpecificInfo, which it ignores), and the
					// link works as a plain ECMA-354 one.
					communicatorFlow(t, startMatrix(t, d, "rehome", 2, fakeEndpoint{dialect: other}, fakeEndpoint{dialect: other}))
					return
				}
				refusedEndpoint(t, d, fakeEndpoint{dialect: other}, func(t *testing.T, err error) {
					assert.Contains(t, err.Error(), "dialect "+d+" expected")
					assert.True(t, errors.Is(err, cstatcp.ErrHandshake) || errors.Is(err, cstatcp.ErrDialectMismatch) || errors.Is(err, cstatcp.ErrSessionRefused), "%v", err)
				})
			})
		}
	}
}

// TestDialectLoginRefused gives the dialects with a login a fake of the
// same dialect that wants another password: the login is refused, with an
// error that names the user and not the password, and is handled as a
// dialect mismatch is.
func TestDialectLoginRefused(t *testing.T) {
	for _, d := range []string{dialect.OpenScapeBusiness, dialect.AvayaDMCC} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			refusedEndpoint(t, d, fakeEndpoint{dialect: d, password: "another"}, func(t *testing.T, err error) {
				assert.ErrorIs(t, err, cstatcp.ErrLoginRefused)
				assert.Contains(t, err.Error(), matrixUser)
				assert.NotContains(t, err.Error(), matrixPassword)
			})
		})
	}
}

// refusedEndpoint runs a gateway in dialect d on a good endpoint and the
// bad one, and checks how the bad one is refused; check looks at its
// error.
func refusedEndpoint(t *testing.T, d string, bad fakeEndpoint, check func(*testing.T, error)) {
	g := startMatrix(t, d, "rehome", 1, fakeEndpoint{dialect: d}, bad)
	good, badName := g.cluster.Endpoint(0), g.cluster.Endpoint(1).Name()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	alice := g.dial(t, "tcp", aliceAOR, aliceLine)
	_, err := alice.s.Monitor(ctx)
	require.NoError(t, err)
	assert.Equal(t, good.Name(), g.sessionEndpoint(aliceAOR))

	eventually(t, func() bool { return g.endpointStats(badName).LastError != nil }, "an error for %s", badName)
	st := g.endpointStats(badName)
	assert.NotEqual(t, ctipool.StateUp, st.State)
	assert.Contains(t, st.LastError.Error(), st.Addr, "the error names the endpoint")
	check(t, st.LastError)
	assert.Equal(t, 1, g.Pool().Healthy())
	// The pool retries, with backoff.
	eventually(t, func() bool { return g.server(t, badName).Stats().Accepted >= 3 }, "the pool to retry %s", badName)
	assert.NotEqual(t, ctipool.StateUp, g.endpointStats(badName).State)

	// Alice's session, on the good endpoint, never noticed.
	do[*csta.SnapshotDeviceResponse](alice, &csta.SnapshotDevice{SnapshotObject: csta.Device(aliceLine)})
	assert.Equal(t, good.Name(), g.sessionEndpoint(aliceAOR))
	assert.Empty(t, g.Sessions().Stats().Closed, "no session closed")

	// Only the bad endpoint left: a new session is refused with 503.
	require.NoError(t, good.Stop())
	eventually(t, func() bool { return g.Pool().Healthy() == 0 }, "no connection up")
	start := time.Now()
	_, err = sip.Dial(ctx, sip.ClientConfig{Gateway: g.uri(t, "tcp"), User: bobAOR, Line: bobLine, Transport: "tcp"})
	var r *sip.RefusalError
	require.True(t, errors.As(err, &r), "want 503, got %v", err)
	assert.Equal(t, 503, r.Status)
	assert.Less(t, time.Since(start), waitTimeout, "the INVITE hung")
}

// TestDialectGarbage sends a frame that is not XML on the established
// connection alice's session does not use, in each dialect: that
// connection is marked down with an error naming its endpoint and what was
// expected, the pool reconnects it (a new generation), and alice's session
// never notices.
func TestDialectGarbage(t *testing.T) {
	for _, d := range dialect.Names() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			g := startMatrix(t, d, "rehome", 2, fakeEndpoint{dialect: d}, fakeEndpoint{dialect: d})
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			alice := g.dial(t, "tcp", aliceAOR, aliceLine)
			_, err := alice.s.Monitor(ctx)
			require.NoError(t, err)
			own := g.sessionEndpoint(aliceAOR)
			var other *ctitest.Server
			for _, ep := range g.cluster.Endpoints() {
				if ep.Name() != own {
					other = ep
				}
			}
			require.NotNil(t, other)
			before := g.endpointStats(other.Name())
			require.Equal(t, 1, other.SendGarbage(ctitest.GarbageXML))
			eventually(t, func() bool {
				st := g.endpointStats(other.Name())
				return st.State == ctipool.StateUp && st.Generation > before.Generation
			}, "%s to reconnect", other.Name())
			st := g.endpointStats(other.Name())
			require.ErrorIs(t, st.LastError, cstatcp.ErrNotXML)
			assert.Contains(t, st.LastError.Error(), st.Addr)
			assert.Contains(t, st.LastError.Error(), "expected a CSTA XML message")

			mc := do[*csta.MakeCallResponse](alice, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2000")})
			alice.waitEvent(0, "EstablishedEvent", onCall(mc.CallingDevice.CallID))
			assert.Equal(t, own, g.sessionEndpoint(aliceAOR))
			assert.Empty(t, g.Sessions().Stats().Closed, "no session closed")
		})
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
