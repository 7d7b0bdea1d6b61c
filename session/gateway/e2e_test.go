package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitTimeout bounds every wait of the end-to-end tests.
const waitTimeout = 15 * time.Second

const (
	aliceAOR  = "sip:alice@example.com"
	aliceLine = "tel:1001;phone-context=dialstring"
	bobAOR    = "sip:bob@example.com"
	bobLine   = "tel:1002;phone-context=dialstring"
)

// testGateway is a demo gateway on loopback ports chosen by the kernel, with
// far ends that answer at once.
type testGateway struct {
	*Gateway
	pbx *ctitest.PBX
	ca  *x509.CertPool // trusts the gateway's TLS certificate
}

// demoEndpoints is how many endpoints startGateway serves its PBX on.
const demoEndpoints = 3

// startGateway starts a demo gateway listening on the given transports.
func startGateway(t testing.TB, mod func(*Config), transports ...string) *testGateway {
	t.Helper()
	cfg, err := ParseConfig("test", nil)
	require.NoError(t, err)
	cfg.SIP.Listen = nil
	for _, tr := range transports {
		cfg.SIP.Listen = append(cfg.SIP.Listen, Listener{Transport: tr, Address: "127.0.0.1:0"})
	}
	var ca *x509.CertPool
	if slicesContains(transports, "tls") {
		var cert, key string
		ca, cert, key = writeCerts(t)
		cfg.SIP.TLS.CertFile, cfg.SIP.TLS.KeyFile = cert, key
	}
	cfg.CTI.ReconnectMin = Duration(10 * time.Millisecond)
	cfg.CTI.ReconnectMax = Duration(100 * time.Millisecond)
	if mod != nil {
		mod(&cfg)
	}
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Directory: lineappearance.Demo(), FarEnds: ctitest.DemoFarEnds(0, 0)})
	require.NoError(t, err)
	logger := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cluster := ctitest.NewTest(t, pbx, demoEndpoints)
	opts := Options{Directory: lineappearance.Demo(), Logger: logger}
	for i, ep := range cluster.Endpoints() {
		opts.Endpoints = append(opts.Endpoints, ctipool.Endpoint{Name: ep.Name(), Addr: cluster.Addrs()[i]})
	}
	g := runGateway(t, cfg, opts, demoEndpoints)
	return &testGateway{Gateway: g, pbx: pbx, ca: ca}
}

// runGateway starts a gateway, shuts it down when the test ends, and waits
// until healthy of its CTI connections are up.
func runGateway(t testing.TB, cfg Config, opts Options, healthy int) *Gateway {
	t.Helper()
	g, err := New(cfg, opts)
	require.NoError(t, err)
	require.NoError(t, g.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		assert.NoError(t, g.Shutdown(ctx))
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, g.Pool().WaitHealthy(ctx, healthy))
	return g
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// uri returns the gateway's SIP URI on a transport.
func (g *testGateway) uri(t testing.TB, transport string) string {
	t.Helper()
	for _, a := range g.Addrs() {
		if a.Transport == transport {
			if transport == "tls" {
				return fmt.Sprintf("sips:cti@%s;transport=tls", a.Addr)
			}
			return fmt.Sprintf("sip:cti@%s;transport=%s", a.Addr, transport)
		}
	}
	t.Fatalf("no %s listener", transport)
	return ""
}

// client is a TR/87 client session that records the events it receives.
type client struct {
	t  testing.TB
	s  *sip.ClientSession
	mu sync.Mutex
	ev []csta.Event
	ch chan struct{}
}

// dial opens a session for user on line over transport.
func (g *testGateway) dial(t testing.TB, transport, user, line string) *client {
	t.Helper()
	c := &client{t: t, ch: make(chan struct{}, 1)}
	cfg := sip.ClientConfig{
		Gateway: g.uri(t, transport), User: user, Line: line, Transport: transport,
		OnEvent: func(ev csta.Event) {
			c.mu.Lock()
			c.ev = append(c.ev, ev)
			c.mu.Unlock()
			select {
			case c.ch <- struct{}{}:
			default:
			}
		},
	}
	if transport == "tls" {
		cfg.TLSConfig = &tls.Config{RootCAs: g.ca, ServerName: "127.0.0.1"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	s, err := sip.Dial(ctx, cfg)
	require.NoError(t, err)
	c.s = s
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		_ = s.Close(ctx)
	})
	return c
}

// do sends a request and requires a positive response of type T.
func do[T csta.Response](c *client, req csta.Request) T {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	resp, err := c.s.Do(ctx, req)
	require.NoError(c.t, err, "%s", req.MessageName())
	r, ok := resp.(T)
	require.True(c.t, ok, "%s answered with %T", req.MessageName(), resp)
	return r
}

// waitEvent waits for an event of the named type, at or after index from,
// for which match (if not nil) holds, and returns its index.
func (c *client) waitEvent(from int, name string, match func(csta.Event) bool) (int, csta.Event) {
	c.t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for i := from; i < len(c.ev); i++ {
			if c.ev[i].MessageName() == name && (match == nil || match(c.ev[i])) {
				ev := c.ev[i]
				c.mu.Unlock()
				return i, ev
			}
		}
		names := make([]string, 0, len(c.ev))
		for _, e := range c.ev {
			names = append(names, e.MessageName())
		}
		c.mu.Unlock()
		select {
		case <-c.ch:
		case <-deadline.C:
			c.t.Fatalf("no %s after event %d; events: %v", name, from, names)
		}
	}
}

func onCall(id csta.CallID) func(csta.Event) bool {
	return func(ev csta.Event) bool {
		var found bool
		csta.WalkConnections(ev, func(_ string, c *csta.ConnectionID) {
			if c.CallID == id {
				found = true
			}
		})
		return found
	}
}

// TestEndToEnd runs every request of the remote call control profile from a
// TR/87 client through the gateway, the pool and the fake PBX, over UDP, TCP
// and TLS, and checks the events they cause.
func TestEndToEnd(t *testing.T) {
	g := startGateway(t, nil, "udp", "tcp", "tls")
	for _, transport := range []string{"udp", "tcp", "tls"} {
		t.Run(transport, func(t *testing.T) {
			g.pbx.Reset()
			alice := g.dial(t, transport, aliceAOR, aliceLine)
			bob := g.dial(t, transport, bobAOR, bobLine)

			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			features, err := alice.s.Features(ctx)
			require.NoError(t, err)
			for _, svc := range []string{"makeCall", "answerCall", "clearConnection", "holdCall", "retrieveCall", "consultationCall", "transferCall", "conferenceCall", "deflectCall", "singleStepTransfer", "generateDigits", "setForwarding", "getForwarding", "setDoNotDisturb", "getDoNotDisturb", "snapshotDevice", "monitorStart"} {
				assert.True(t, features.Features.Services.Supports(svc), "GetCSTAFeaturesResponse lacks %s", svc)
			}
			mon, err := alice.s.Monitor(ctx)
			require.NoError(t, err)
			require.NotEmpty(t, mon.MonitorCrossRefID)
			_, err = bob.s.Monitor(ctx)
			require.NoError(t, err)
			xref := mon.MonitorCrossRefID

			// MakeCall to a far end that answers: the response echoes the
			// Line URI byte for byte, the events carry the session's
			// monitorCrossRefID and name alice by her Line URI.
			mc := do[*csta.MakeCallResponse](alice, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2000"), AutoOriginate: csta.AutoOriginateDoNotPrompt})
			assert.Equal(t, aliceLine, mc.CallingDevice.DeviceID.ID)
			call := mc.CallingDevice
			i, ev := alice.waitEvent(0, "OriginatedEvent", onCall(call.CallID))
			assert.Equal(t, xref, ev.CrossRefID())
			assert.Equal(t, aliceLine, ev.(*csta.OriginatedEvent).OriginatedConnection.DeviceID.ID)
			i, ev = alice.waitEvent(i, "EstablishedEvent", onCall(call.CallID))
			est := ev.(*csta.EstablishedEvent)
			assert.Equal(t, "tel:2000;phone-context=dialstring", est.AnsweringDevice.Device.ID, "other parties appear as tel: URIs with phone-context")

			// Hold and retrieve.
			do[*csta.HoldCallResponse](alice, &csta.HoldCall{CallToBeHeld: call})
			i, _ = alice.waitEvent(i, "HeldEvent", onCall(call.CallID))
			do[*csta.RetrieveCallResponse](alice, &csta.RetrieveCall{CallToBeRetrieved: call})
			i, _ = alice.waitEvent(i, "RetrievedEvent", onCall(call.CallID))

			// Consultation to bob, then transfer: bob is left with 2000.
			cons := do[*csta.ConsultationCallResponse](alice, &csta.ConsultationCall{ExistingCall: call, ConsultedDevice: csta.Device(bobLine)})
			consult := cons.InitiatedCall
			_, bev := bob.waitEvent(0, "DeliveredEvent", onCall(consult.CallID))
			bobConn := bev.(*csta.DeliveredEvent).Connection
			assert.Equal(t, bobLine, bobConn.DeviceID.ID, "bob's own connection names his Line URI")
			do[*csta.AnswerCallResponse](bob, &csta.AnswerCall{CallToBeAnswered: bobConn})
			i, _ = alice.waitEvent(i, "EstablishedEvent", onCall(consult.CallID))
			do[*csta.TransferCallResponse](alice, &csta.TransferCall{HeldCall: call, ActiveCall: consult})
			i, _ = alice.waitEvent(i, "TransferedEvent", nil)
			bi, _ := bob.waitEvent(0, "TransferedEvent", nil)
			bobCalls := g.pbx.Calls()
			require.Len(t, bobCalls, 1, "one call left after the transfer")
			bobCall := csta.Connection(bobCalls[0].ID, bobLine)
			do[*csta.ClearConnectionResponse](bob, &csta.ClearConnection{ConnectionToBeCleared: bobCall})
			bob.waitEvent(bi, "ConnectionClearedEvent", onCall(bobCall.CallID))

			// Conference: alice calls 2001, consults bob, conferences.
			c1 := do[*csta.MakeCallResponse](alice, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2001")}).CallingDevice
			i, _ = alice.waitEvent(i, "EstablishedEvent", onCall(c1.CallID))
			c2 := do[*csta.ConsultationCallResponse](alice, &csta.ConsultationCall{ExistingCall: c1, ConsultedDevice: csta.Device(bobLine)}).InitiatedCall
			_, bev = bob.waitEvent(bi, "DeliveredEvent", onCall(c2.CallID))
			do[*csta.AnswerCallResponse](bob, &csta.AnswerCall{CallToBeAnswered: bev.(*csta.DeliveredEvent).Connection})
			i, _ = alice.waitEvent(i, "EstablishedEvent", onCall(c2.CallID))
			conf := do[*csta.ConferenceCallResponse](alice, &csta.ConferenceCall{HeldCall: c1, ActiveCall: c2})
			i, _ = alice.waitEvent(i, "ConferencedEvent", nil)
			do[*csta.ClearConnectionResponse](alice, &csta.ClearConnection{ConnectionToBeCleared: conf.ConferenceCall})
			i, _ = alice.waitEvent(i, "ConnectionClearedEvent", nil)
			cctx, ccancel := context.WithTimeout(context.Background(), waitTimeout)
			for _, ci := range g.pbx.Calls() {
				_ = g.pbx.Hangup(ci.ID, "")
			}
			require.NoError(t, g.pbx.WaitForNoCalls(cctx))
			ccancel()

			// An incoming call deflected elsewhere; another single-step
			// transferred; digits into a call.
			in, err := g.pbx.Call("2500", "1001")
			require.NoError(t, err)
			i, ev = alice.waitEvent(i, "DeliveredEvent", onCall(in))
			do[*csta.DeflectCallResponse](alice, &csta.DeflectCall{CallToBeDiverted: ev.(*csta.DeliveredEvent).Connection, NewDestination: csta.Device("tel:2600")})
			i, _ = alice.waitEvent(i, "DivertedEvent", onCall(in))
			in, err = g.pbx.Call("2501", "1001")
			require.NoError(t, err)
			i, ev = alice.waitEvent(i, "DeliveredEvent", onCall(in))
			conn := ev.(*csta.DeliveredEvent).Connection
			do[*csta.AnswerCallResponse](alice, &csta.AnswerCall{CallToBeAnswered: conn})
			i, _ = alice.waitEvent(i, "EstablishedEvent", onCall(in))
			do[*csta.GenerateDigitsResponse](alice, &csta.GenerateDigits{ConnectionToSendDigits: conn, CharactersToSend: "123#"})
			i, _ = alice.waitEvent(i, "DigitsGeneratedEvent", onCall(in))
			snap := do[*csta.SnapshotDeviceResponse](alice, &csta.SnapshotDevice{SnapshotObject: csta.Device(aliceLine)})
			require.Len(t, snap.SnapshotData, 1)
			assert.Equal(t, aliceLine, snap.SnapshotData[0].ConnectionIdentifier.DeviceID.ID)
			do[*csta.SingleStepTransferCallResponse](alice, &csta.SingleStepTransferCall{ActiveCall: conn, TransferredTo: csta.Device("tel:2700")})
			i, _ = alice.waitEvent(i, "TransferedEvent", nil)

			// Forwarding and do-not-disturb on her own device.
			do[*csta.SetForwardingResponse](alice, &csta.SetForwarding{Device: csta.Device(aliceLine), ForwardingType: csta.ForwardImmediate, ActivateForward: true, ForwardDN: &csta.DeviceID{ID: "tel:2800"}})
			i, _ = alice.waitEvent(i, "ForwardingEvent", nil)
			fw := do[*csta.GetForwardingResponse](alice, &csta.GetForwarding{Device: csta.Device(aliceLine)})
			assert.NotEmpty(t, fw.ForwardingList)
			do[*csta.SetForwardingResponse](alice, &csta.SetForwarding{Device: csta.Device(aliceLine), ForwardingType: csta.ForwardImmediate, ActivateForward: false})
			i, _ = alice.waitEvent(i, "ForwardingEvent", nil)
			do[*csta.SetDoNotDisturbResponse](alice, &csta.SetDoNotDisturb{Device: csta.Device(aliceLine), DoNotDisturbOn: true})
			i, _ = alice.waitEvent(i, "DoNotDisturbEvent", nil)
			dnd := do[*csta.GetDoNotDisturbResponse](alice, &csta.GetDoNotDisturb{Device: csta.Device(aliceLine)})
			assert.True(t, dnd.DoNotDisturbOn)
			do[*csta.SetDoNotDisturbResponse](alice, &csta.SetDoNotDisturb{Device: csta.Device(aliceLine), DoNotDisturbOn: false})
			alice.waitEvent(i, "DoNotDisturbEvent", nil)

			// Another user's line: a privilege error that never reaches
			// the CTI server.
			before := len(g.pbx.Requests().Named("MakeCall"))
			ctx2, cancel2 := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel2()
			_, err = alice.s.Do(ctx2, &csta.MakeCall{CallingDevice: csta.Device(bobLine), CalledDirectoryNumber: csta.Device("tel:2000")})
			require.ErrorIs(t, err, csta.ErrPrivilegeViolation)
			assert.Equal(t, before, len(g.pbx.Requests().Named("MakeCall")))

			// Every event carried alice's monitorCrossRefID.
			alice.mu.Lock()
			for _, ev := range alice.ev {
				assert.Equal(t, xref, ev.CrossRefID(), "%s", ev.MessageName())
			}
			alice.mu.Unlock()
		})
	}
}

// writeCerts makes a throwaway CA and a server certificate for 127.0.0.1,
// writes the server's certificate and key to files, and returns the CA pool
// and the file names.
func writeCerts(t testing.TB) (*x509.CertPool, string, string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rcc test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "gateway"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "gw.crt"), filepath.Join(dir, "gw.key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return pool, certFile, keyFile
}
