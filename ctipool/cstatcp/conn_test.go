package cstatcp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// listen starts a loopback server closed at the end of the test.
func listen(t *testing.T, opts ctiscript.Options) *ctiscript.Listener {
	t.Helper()
	l, err := ctiscript.Listen(opts)
	require.NoError(t, err)
	t.Cleanup(l.Close)
	return l
}

func dial(t *testing.T, cfg cstatcp.Config) *cstatcp.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := cstatcp.Dial(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func nextPeer(t *testing.T, ps *ctiscript.Peers) *ctiscript.Peer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := ps.Next(ctx)
	require.NoError(t, err)
	return p
}

func dnd(xref string, n int) *csta.DoNotDisturbEvent {
	return &csta.DoNotDisturbEvent{MonitorCrossRefID: csta.MonitorCrossRefID(xref),
		Device: csta.Known("dev" + string(rune('0'+n))), DoNotDisturbOn: true}
}

func TestDialSessionAndRequests(t *testing.T) {
	l := listen(t, ctiscript.Options{})
	c := dial(t, cstatcp.Config{Addr: l.Addr(), ApplicationID: "tester", SessionDuration: 120 * time.Second})
	assert.Equal(t, "session-1", c.SessionID())
	assert.Equal(t, csta.NamespaceEd3, c.ProtocolVersion())
	assert.Equal(t, 120*time.Second, c.SessionDuration())

	resp, err := c.Do(context.Background(), &csta.MakeCall{
		CallingDevice: csta.Device("tel:1001"), CalledDirectoryNumber: csta.Device("tel:2001")})
	require.NoError(t, err)
	mc, ok := resp.(*csta.MakeCallResponse)
	require.True(t, ok, "got %T", resp)
	assert.Equal(t, "tel:1001", mc.CallingDevice.DeviceID.ID)

	require.NoError(t, c.Heartbeat(context.Background()))

	// A CSTA error answer is a *csta.Error.
	_, err = c.Do(context.Background(), &csta.GetCSTAFeatures{})
	require.ErrorIs(t, err, csta.ErrServiceNotSupported)
	var cerr *csta.Error
	assert.ErrorAs(t, err, &cerr)

	p := l.All()[0]
	require.NoError(t, c.Close())
	<-p.Done()
	assert.Equal(t, []string{"StartApplicationSession", "MakeCall", "RequestSystemStatus",
		"GetCSTAFeatures", "StopApplicationSession"}, p.Received())
	assert.ErrorIs(t, c.Err(), cstatcp.ErrClosed)
	require.NoError(t, c.Close(), "Close is idempotent")
}

func TestDialSessionRefused(t *testing.T) {
	l := listen(t, ctiscript.Options{Answer: func(_ *ctiscript.Peer, _ int, m csta.Message) (csta.Message, bool) {
		if _, ok := m.(*csta.StartApplicationSession); ok {
			return &csta.StartApplicationSessionNegResponse{
				ErrorCode: csta.SessionError{Defined: csta.SessionProtocolVersionNotSupported}}, true
		}
		return nil, false
	}})
	_, err := cstatcp.Dial(context.Background(), cstatcp.Config{Addr: l.Addr(), ProtocolVersion: csta.NamespaceEd6})
	require.ErrorIs(t, err, cstatcp.ErrSessionRefused)
	assert.Contains(t, err.Error(), "requestedProtocolVersionNotSupported")
}

func TestDialErrors(t *testing.T) {
	_, err := cstatcp.Dial(context.Background(), cstatcp.Config{})
	assert.ErrorContains(t, err, "no address")

	boom := errors.New("boom")
	_, err = cstatcp.Dial(context.Background(), cstatcp.Config{Addr: "x:1",
		Dial: func(context.Context, string, string) (net.Conn, error) { return nil, boom }})
	assert.ErrorIs(t, err, boom)
}

func TestNoSession(t *testing.T) {
	l := listen(t, ctiscript.Options{})
	c := dial(t, cstatcp.Config{Addr: l.Addr(), NoSession: true})
	assert.Empty(t, c.SessionID())
	require.NoError(t, c.Heartbeat(context.Background()))
	p := l.All()[0]
	require.NoError(t, c.Close())
	<-p.Done()
	assert.Equal(t, []string{"RequestSystemStatus"}, p.Received(), "no session messages")
}

func TestEventsInOrder(t *testing.T) {
	l := listen(t, ctiscript.Options{})
	got := make(chan csta.Event, 16)
	c := dial(t, cstatcp.Config{Addr: l.Addr(), OnEvent: func(ev csta.Event) { got <- ev }})
	p := nextPeer(t, l.Peers)
	for i := range 5 {
		require.NoError(t, p.SendEvent(dnd("x1", i)))
	}
	for i := range 5 {
		ev := <-got
		assert.Equal(t, csta.MonitorCrossRefID("x1"), ev.CrossRefID())
		assert.Equal(t, "dev"+string(rune('0'+i)), ev.(*csta.DoNotDisturbEvent).Device.Device.ID)
	}
	_ = c
}

type received struct {
	id   int
	name string
}

// recorder returns Options that report every message the server receives.
func recorder() (ctiscript.Options, chan received) {
	ch := make(chan received, 64)
	return ctiscript.Options{OnMessage: func(_ *ctiscript.Peer, id int, m csta.Message) {
		ch <- received{id, m.MessageName()}
	}}, ch
}

func expect(t *testing.T, ch chan received, want ...received) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-ch:
			if w.id < 0 {
				w.id = got.id // any invoke ID
			}
			assert.Equal(t, w, got)
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s received", w.name)
		}
	}
}

func TestAnswersServerRequests(t *testing.T) {
	opts, rec := recorder()
	l := listen(t, opts)
	dial(t, cstatcp.Config{Addr: l.Addr()})
	expect(t, rec, received{-1, "StartApplicationSession"})
	p := nextPeer(t, l.Peers)
	require.NoError(t, p.Send(4711, &csta.SystemStatus{Header: csta.Header{Namespace: csta.NamespaceEd4}, SystemStatus: csta.SystemNormal}))
	expect(t, rec, received{4711, "SystemStatusResponse"})
	require.NoError(t, p.Send(4712, &csta.RequestSystemStatus{}))
	expect(t, rec, received{4712, "RequestSystemStatusResponse"})
	require.NoError(t, p.Send(4713, &csta.SnapshotDevice{SnapshotObject: csta.Device("1001")}))
	expect(t, rec, received{4713, "CSTAErrorCode"})
}

func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	l, err := ctiscript.ListenTLS(&tls.Config{Certificates: []tls.Certificate{cert}}, ctiscript.Options{})
	require.NoError(t, err)
	t.Cleanup(l.Close)
	c := dial(t, cstatcp.Config{Addr: l.Addr(), TLS: &tls.Config{RootCAs: pool}})
	require.NoError(t, c.Heartbeat(context.Background()))

	// An untrusted server is refused.
	_, err = cstatcp.Dial(context.Background(), cstatcp.Config{Addr: l.Addr(), TLS: &tls.Config{}})
	assert.ErrorContains(t, err, "TLS handshake")
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "cti test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// timeline records when the server received which message, in a bubble.
type timeline struct {
	mu    sync.Mutex
	start time.Time
	got   []string
	at    []time.Duration
}

func (tl *timeline) record(_ *ctiscript.Peer, _ int, m csta.Message) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.got = append(tl.got, m.MessageName())
	tl.at = append(tl.at, time.Since(tl.start))
}

func (tl *timeline) times(name string) []time.Duration {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var out []time.Duration
	for i, g := range tl.got {
		if g == name {
			out = append(out, tl.at[i])
		}
	}
	return out
}

func TestSessionTimerReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tl := &timeline{start: time.Now()}
		ps := ctiscript.NewPipes(ctiscript.Options{OnMessage: tl.record})
		c, err := cstatcp.Dial(t.Context(), cstatcp.Config{Addr: "cti:1", Dial: ps.Dial, SessionDuration: time.Minute})
		require.NoError(t, err)
		time.Sleep(100 * time.Second)
		synctest.Wait()
		assert.Equal(t, []time.Duration{30 * time.Second, 60 * time.Second, 90 * time.Second},
			tl.times("ResetApplicationSessionTimer"), "reset at half the granted duration")
		require.NoError(t, c.Close())
		ps.CloseAll()
	})
}

func TestSessionTimerResetRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps := ctiscript.NewPipes(ctiscript.Options{Answer: func(_ *ctiscript.Peer, _ int, m csta.Message) (csta.Message, bool) {
			if _, ok := m.(*csta.ResetApplicationSessionTimer); ok {
				return &csta.ResetApplicationSessionTimerNegResponse{
					ErrorCode: csta.SessionError{Defined: csta.SessionInvalidSessionID}}, true
			}
			return nil, false
		}})
		c, err := cstatcp.Dial(t.Context(), cstatcp.Config{Addr: "cti:1", Dial: ps.Dial, SessionDuration: time.Minute})
		require.NoError(t, err)
		start := time.Now()
		<-c.Done()
		assert.Equal(t, 30*time.Second, time.Since(start))
		assert.ErrorIs(t, c.Err(), cstatcp.ErrClosed)
		assert.ErrorIs(t, c.Err(), cstatcp.ErrSessionRefused)
		assert.ErrorContains(t, c.Err(), "invalidSessionID")
		require.NoError(t, c.Close())
		ps.CloseAll()
	})
}

func TestCloseBoundedWhenServerSilent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tl := &timeline{start: time.Now()}
		ps := ctiscript.NewPipes(ctiscript.Options{OnMessage: tl.record})
		c, err := cstatcp.Dial(t.Context(), cstatcp.Config{Addr: "cti:1", Dial: ps.Dial, CloseTimeout: 2 * time.Second})
		require.NoError(t, err)
		ps.All()[0].SetSilent(true)
		start := time.Now()
		require.NoError(t, c.Close())
		assert.Equal(t, 2*time.Second, time.Since(start), "StopApplicationSession waits CloseTimeout, no more")
		ps.CloseAll()
	})
}

func TestPendingFailsAtOnceWhenServerCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps := ctiscript.NewPipes(ctiscript.Options{Answer: func(p *ctiscript.Peer, _ int, m csta.Message) (csta.Message, bool) {
			if _, ok := m.(*csta.MakeCall); ok {
				_ = p.Close()
				return nil, true
			}
			return nil, false
		}})
		c, err := cstatcp.Dial(t.Context(), cstatcp.Config{Addr: "cti:1", Dial: ps.Dial})
		require.NoError(t, err)
		start := time.Now()
		_, err = c.Do(context.Background(), &csta.MakeCall{CallingDevice: csta.Device("1"), CalledDirectoryNumber: csta.Device("2")})
		require.ErrorIs(t, err, cstatcp.ErrClosed)
		assert.Zero(t, time.Since(start), "fails at once, not after a timeout")
		assert.False(t, isSafe(err), "the request was sent")

		_, err = c.Do(context.Background(), &csta.RequestSystemStatus{})
		require.ErrorIs(t, err, cstatcp.ErrClosed)
		assert.True(t, isSafe(err), "a request on a closed connection is never sent")
		require.NoError(t, c.Close())
		ps.CloseAll()
	})
}

func isSafe(err error) bool {
	var s interface{ SafeToRetry() bool }
	return errors.As(err, &s) && s.SafeToRetry()
}

func TestBrokenFramingEndsConnection(t *testing.T) {
	tests := []struct {
		name    string
		send    func(p *ctiscript.Peer) error
		wantErr error
	}{
		{"garbage header", func(p *ctiscript.Peer) error { return p.Write([]byte("GARBAGE!")) }, framing.ErrBadFormat},
		{"non-digit invoke ID", func(p *ctiscript.Peer) error {
			return p.Write([]byte{0, 0, 0, 8, 'a', 'b', 'c', 'd'})
		}, framing.ErrBadInvokeID},
		{"oversized frame", func(p *ctiscript.Peer) error {
			return p.SendEvent(&csta.DoNotDisturbEvent{MonitorCrossRefID: "x1", Device: csta.Known(strings.Repeat("9", 500))})
		}, framing.ErrTooLarge},
		{"server hangs up", func(p *ctiscript.Peer) error { return p.Close() }, cstatcp.ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ps := ctiscript.NewPipes(ctiscript.Options{})
				c, err := cstatcp.Dial(t.Context(), cstatcp.Config{Addr: "cti:1", Dial: ps.Dial, MaxFrameSize: 450})
				require.NoError(t, err)
				require.NoError(t, tt.send(ps.All()[0]))
				<-c.Done()
				assert.ErrorIs(t, c.Err(), cstatcp.ErrClosed)
				assert.ErrorIs(t, c.Err(), tt.wantErr)
				require.NoError(t, c.Close())
				ps.CloseAll()
			})
		})
	}
}

func TestUndecodableFramesKeepConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps := ctiscript.NewPipes(ctiscript.Options{Answer: func(p *ctiscript.Peer, id int, m csta.Message) (csta.Message, bool) {
			if _, ok := m.(*csta.MakeCall); ok {
				_ = p.SendRaw(id, []byte(`<VendorAnswer xmlns="urn:vendor"><x/></VendorAnswer>`))
				return nil, true
			}
			return nil, false
		}})
		var events []csta.Event
		c, err := cstatcp.Dial(t.Context(), cstatcp.Config{Addr: "cti:1", Dial: ps.Dial,
			OnEvent: func(ev csta.Event) { events = append(events, ev) }})
		require.NoError(t, err)
		p := ps.All()[0]
		// Well-formed XML the codec cannot take: an event without a
		// mandatory field.
		require.NoError(t, p.SendRaw(framing.EventInvokeID, []byte(`<EstablishedEvent xmlns="`+csta.NamespaceEd3+`"><monitorCrossRefID>1</monitorCrossRefID></EstablishedEvent>`)))
		require.NoError(t, p.SendEvent(dnd("x1", 1)))

		_, err = c.Do(context.Background(), &csta.MakeCall{CallingDevice: csta.Device("1"), CalledDirectoryNumber: csta.Device("2")})
		require.ErrorContains(t, err, "undecodable answer")
		require.NoError(t, c.Heartbeat(context.Background()), "the connection is still up")
		assert.Equal(t, uint64(2), c.DecodeErrors())
		assert.Len(t, events, 1, "the good event after the bad one arrives")
		require.NoError(t, c.Close())
		ps.CloseAll()
	})
}

// TestGarbageFailsConnection: a frame that is not XML on an established
// link fails the connection with ErrNotXML, naming the endpoint and what
// was expected; the pending request fails at once.
func TestGarbageFailsConnection(t *testing.T) {
	for _, garbage := range []string{"not xml at all", "<MakeCallResponse><unclosed>", "\x00\x01\x02"} {
		synctest.Test(t, func(t *testing.T) {
			ps := ctiscript.NewPipes(ctiscript.Options{Answer: func(p *ctiscript.Peer, id int, m csta.Message) (csta.Message, bool) {
				if _, ok := m.(*csta.MakeCall); ok {
					return nil, true // never answered
				}
				return nil, false
			}})
			c, err := cstatcp.Dial(t.Context(), cstatcp.Config{Addr: "cti:1", Dial: ps.Dial})
			require.NoError(t, err)
			p := ps.All()[0]
			done := make(chan error, 1)
			go func() {
				_, err := c.Do(context.Background(), &csta.MakeCall{CallingDevice: csta.Device("1"), CalledDirectoryNumber: csta.Device("2")})
				done <- err
			}()
			synctest.Wait()
			require.NoError(t, p.SendRaw(framing.EventInvokeID, []byte(garbage)))
			<-c.Done()
			require.ErrorIs(t, c.Err(), cstatcp.ErrNotXML)
			require.ErrorIs(t, c.Err(), cstatcp.ErrClosed)
			assert.ErrorContains(t, c.Err(), "cti:1")
			assert.ErrorContains(t, c.Err(), "expected a CSTA XML message")
			require.Error(t, <-done, "the pending request fails")
			require.NoError(t, c.Close())
			ps.CloseAll()
		})
	}
}

// TestRequestsInGrantedVersion: a request whose Header names no namespace
// goes out in the protocol version the server granted, here ed4.
func TestRequestsInGrantedVersion(t *testing.T) {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()
	srv := ctitest.NewServer(pbx)
	c, err := cstatcp.Dial(context.Background(), cstatcp.Config{Addr: srv.Addr(), ProtocolVersion: csta.NamespaceEd4})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, csta.NamespaceEd4, c.ProtocolVersion())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.Do(ctx, &csta.SnapshotDevice{SnapshotObject: csta.Device("1001")})
	require.NoError(t, err)
	assert.Equal(t, csta.NamespaceEd4, resp.MessageHeader().Namespace, "the server answers in the request's edition")
	recs := pbx.Requests().Named("SnapshotDevice")
	require.Len(t, recs, 1)
	assert.Equal(t, csta.NamespaceEd4, recs[0].Message.MessageHeader().Namespace)
}
