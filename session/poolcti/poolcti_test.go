package poolcti_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/session/poolcti"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type handler struct {
	events chan csta.Event
	down   chan error
	up     chan uint64
}

func (h *handler) Event(ev csta.Event) { h.events <- ev }
func (h *handler) LinkDown(err error)  { h.down <- err }
func (h *handler) LinkUp(gen uint64)   { h.up <- gen }
func (h *handler) EventsLost(int)      {}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

// TestPoolLink runs a link through its life: requests, a monitor and its
// events, the endpoint's death (link-down errors) and return (stale
// errors), and MonitorStop.
func TestPoolLink(t *testing.T) {
	cl := ctitest.NewDemo(t)
	pool, err := ctipool.New(ctipool.Config{
		Endpoints:    []ctipool.Endpoint{{Name: "a", Addr: cl.Addrs()[0]}},
		ReconnectMin: 5 * time.Millisecond, ReconnectMax: 20 * time.Millisecond,
	})
	require.NoError(t, err)
	defer pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, pool.WaitHealthy(ctx, 1))
	cti := poolcti.New(pool)
	require.True(t, cti.Ready())

	link, err := cti.Acquire()
	require.NoError(t, err)
	assert.Equal(t, "a", link.Endpoint())
	assert.NotZero(t, link.Generation())
	require.NoError(t, link.Check())
	_, err = link.Do(ctx, &csta.AnswerCall{CallToBeAnswered: csta.Connection("nope", "1001")})
	var ce *csta.Error
	require.ErrorAs(t, err, &ce, "a CSTA error passes unchanged")

	h := &handler{events: make(chan csta.Event, 16), down: make(chan error, 1), up: make(chan uint64, 1)}
	resp, mon, err := link.Monitor(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}}, h)
	require.NoError(t, err)
	require.NotEmpty(t, resp.MonitorCrossRefID)
	_, err = cl.PBX().Call("2500", "1001")
	require.NoError(t, err)
	assert.Equal(t, "DeliveredEvent", recv(t, h.events).MessageName())

	require.NoError(t, cl.Endpoint(0).Stop())
	down := recv(t, h.down)
	assert.ErrorIs(t, down, ctipool.ErrConnDown)
	assert.False(t, cti.Ready())
	err = link.Check()
	require.Error(t, err)
	assert.True(t, linkDown(err))
	assert.False(t, stale(err))
	_, err = link.Do(ctx, &csta.GetCSTAFeatures{})
	assert.True(t, linkDown(err))
	assert.True(t, safeToRetry(err), "refused before sending")
	_, err = cti.Acquire()
	require.ErrorIs(t, err, ctipool.ErrNoConnection)

	require.NoError(t, cl.Endpoint(0).Restart())
	gen := recv(t, h.up)
	assert.Greater(t, gen, link.Generation())
	err = link.Check()
	assert.True(t, stale(err))
	assert.ErrorIs(t, err, ctipool.ErrStaleConn)
	_, err = link.Do(ctx, &csta.GetCSTAFeatures{})
	assert.True(t, stale(err))
	assert.ErrorIs(t, err, ctipool.ErrStaleConn)

	// Stopping the dead monitor stops watching and sends nothing.
	n := len(cl.PBX().Requests().Named("MonitorStop"))
	require.NoError(t, mon.Stop(ctx))
	require.NoError(t, mon.Stop(ctx))
	assert.Len(t, cl.PBX().Requests().Named("MonitorStop"), n)

	// A live monitor's Stop sends MonitorStop.
	link, err = cti.Acquire()
	require.NoError(t, err)
	_, mon, err = link.Monitor(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}}, h)
	require.NoError(t, err)
	require.NoError(t, mon.Stop(ctx))
	assert.Len(t, cl.PBX().Requests().Named("MonitorStop"), n+1)
	line, _ := cl.PBX().Line("1001")
	assert.Zero(t, line.Monitors)
}

func linkDown(err error) bool {
	var e interface{ LinkDown() bool }
	return errors.As(err, &e) && e.LinkDown()
}

func stale(err error) bool {
	var e interface{ Stale() bool }
	return errors.As(err, &e) && e.Stale()
}

func safeToRetry(err error) bool {
	var e interface{ SafeToRetry() bool }
	return errors.As(err, &e) && e.SafeToRetry()
}

var _ session.MonitorHandler = (*handler)(nil)

// TestNewDialect checks that a pool CTI made for a dialect tells the
// dialect's capabilities (session.Capable): what the session supports,
// less what the dialect's PBX lacks; a plain one limits nothing.
func TestNewDialect(t *testing.T) {
	cl := ctitest.NewDemo(t)
	pool, err := ctipool.New(ctipool.Config{Endpoints: []ctipool.Endpoint{{Name: "a", Addr: cl.Addrs()[0]}}})
	require.NoError(t, err)
	defer pool.Close()

	_, capable := poolcti.New(pool).(session.Capable)
	assert.False(t, capable)
	for _, name := range dialect.Names() {
		d, err := dialect.Lookup(name)
		require.NoError(t, err)
		caps := poolcti.NewDialect(pool, d).(session.Capable).Capabilities()
		assert.Equal(t, session.Supported().Services.Names(), caps.Services.Names(), name)
	}
	lacking := *dialect.Default()
	lacking.Lacks = []string{"deflectCall", "doNotDisturb"}
	cti := poolcti.NewDialect(pool, &lacking)
	caps := cti.(session.Capable).Capabilities()
	assert.False(t, caps.Services.Supports("deflectCall"))
	assert.False(t, caps.Events.Supports("doNotDisturb"))
	assert.True(t, caps.Services.Supports("makeCall"))
	assert.True(t, caps.Events.Supports("delivered"))
	assert.Equal(t, session.Supported().Services.Len()-1, caps.Services.Len())

	// Through a session: GetCSTAFeatures leaves deflectCall out, and a
	// DeflectCall is refused without reaching the PBX.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, pool.WaitHealthy(ctx, 1))
	store, err := lineappearance.NewStore(lineappearance.Demo(), lineappearance.Options{})
	require.NoError(t, err)
	m, err := session.NewManager(session.Config{Directory: store, CTI: cti})
	require.NoError(t, err)
	defer m.Shutdown(ctx)
	s, _, err := m.Open(ctx, session.OpenRequest{DialogID: "d1", User: "sip:alice@example.com", Line: "tel:1001;phone-context=dialstring", Sink: nopSink{}})
	require.NoError(t, err)
	resp, err := s.Handle(ctx, &csta.GetCSTAFeatures{})
	require.NoError(t, err)
	fr, ok := resp.(*csta.GetCSTAFeaturesResponse)
	require.True(t, ok, "%T", resp)
	assert.False(t, fr.Features.Services.Supports("deflectCall"))
	assert.True(t, fr.Features.Services.Supports("makeCall"))
	before := len(cl.PBX().Requests().Named("DeflectCall"))
	resp, err = s.Handle(ctx, &csta.DeflectCall{CallToBeDiverted: csta.Connection("c1", "tel:1001;phone-context=dialstring"), NewDestination: csta.Device("tel:2600")})
	require.NoError(t, err)
	_, refused := resp.(*csta.CSTAErrorCode)
	assert.True(t, refused, "DeflectCall answered %T", resp)
	assert.Equal(t, before, len(cl.PBX().Requests().Named("DeflectCall")), "DeflectCall reached the PBX")
}

// nopSink drops a session's events.
type nopSink struct{}

func (nopSink) SendEvent(csta.Event) error { return nil }
func (nopSink) End(string)                 {}
