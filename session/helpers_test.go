package session_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/session/poolcti"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitTimeout bounds every wait of these tests; nothing should take long.
const waitTimeout = 10 * time.Second

const (
	aliceAOR  = "sip:alice@example.com"
	aliceLine = "tel:1001;phone-context=dialstring"
	bobAOR    = "sip:bob@example.com"
	bobLine   = "tel:1002;phone-context=dialstring"
	carolAOR  = "sip:carol@example.com"
	carolLine = "tel:1003;phone-context=dialstring"
)

// env is a demo PBX on a three-endpoint ctitest cluster, a real pool over
// it and a session manager over the pool.
type env struct {
	t    testing.TB
	pbx  *ctitest.PBX
	cl   *ctitest.Cluster
	pool *ctipool.Pool
	mgr  *session.Manager
}

// newEnv starts an env. The far ends answer at once unless told
// otherwise (3001 never answers).
func newEnv(t testing.TB, mod func(*session.Config)) *env {
	t.Helper()
	return newEnvWith(t, lineappearance.Demo(), mod)
}

// newEnvWith starts an env whose PBX and directory are dir.
func newEnvWith(t testing.TB, dir *lineappearance.Data, mod func(*session.Config)) *env {
	t.Helper()
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Directory: dir, FarEnds: ctitest.DemoFarEnds(0, 0)})
	require.NoError(t, err)
	cl := ctitest.NewTest(t, pbx, 3)
	eps := make([]ctipool.Endpoint, 0, 3)
	for i, s := range cl.Endpoints() {
		eps = append(eps, ctipool.Endpoint{Name: s.Name(), Addr: cl.Addrs()[i]})
	}
	pool, err := ctipool.New(ctipool.Config{Endpoints: eps, ReconnectMin: 5 * time.Millisecond, ReconnectMax: 50 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, pool.WaitHealthy(ctx, 3))
	store, err := lineappearance.NewStore(dir, lineappearance.Options{})
	require.NoError(t, err)
	cfg := session.Config{Directory: store, CTI: poolcti.New(pool)}
	if mod != nil {
		mod(&cfg)
	}
	mgr, err := session.NewManager(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		require.NoError(t, mgr.Shutdown(ctx))
	})
	return &env{t: t, pbx: pbx, cl: cl, pool: pool, mgr: mgr}
}

// open opens a session with a recording sink, as Communicator's INVITE
// does: RequestSystemStatus with lcs:line.
func (e *env) open(dialog, user, line string) (*session.Session, *sink) {
	e.t.Helper()
	k := newSink()
	s, resp, err := e.mgr.Open(context.Background(), session.OpenRequest{
		DialogID: dialog, User: user, Line: line, Peer: "127.0.0.1:5060", Sink: k,
		Request: &csta.RequestSystemStatus{Header: csta.Header{Namespace: csta.NamespaceEd3}, Extensions: csta.WithLine(line)},
	})
	require.NoError(e.t, err)
	require.Equal(e.t, csta.SystemNormal, resp.SystemStatus)
	return s, k
}

// endpoint returns the ctitest endpoint a session is on.
func (e *env) endpoint(s *session.Session) *ctitest.Server {
	e.t.Helper()
	name := s.Info().CTI
	for _, ep := range e.cl.Endpoints() {
		if ep.Name() == name {
			return ep
		}
	}
	e.t.Fatalf("session on unknown endpoint %q", name)
	return nil
}

// requests returns the service requests the PBX received (heartbeats and
// session keep-alives left out).
func (e *env) requests() ctitest.RequestLog {
	return e.pbx.Requests().WithoutHeartbeats().Filter(func(r ctitest.RequestRecord) bool {
		return r.Name != "StartApplicationSession" && r.Name != "StopApplicationSession"
	})
}

// eventually waits, bounded by waitTimeout, until cond holds; for
// conditions no event announces (session states, monitor counts).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, waitTimeout, 2*time.Millisecond, "waiting for %s", what)
}

// endpointDown waits until the pool sees endpoint ep down.
func (e *env) endpointDown(ep *ctitest.Server) {
	e.t.Helper()
	eventually(e.t, ep.Name()+" down", func() bool {
		for _, st := range e.pool.Stats().Endpoints {
			if st.Name == ep.Name() {
				return st.State != ctipool.StateUp
			}
		}
		return false
	})
}

// waitCall waits for a call for which match returns true.
func (e *env) waitCall(match func(ctitest.CallInfo) bool) ctitest.CallInfo {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := e.pbx.WaitForCall(ctx, match)
	require.NoError(e.t, err)
	return c
}

// do sends a request as the client would and requires an answer.
func do(t testing.TB, s *session.Session, req csta.Message) csta.Message {
	t.Helper()
	if h := req.MessageHeader(); h.Namespace == "" {
		h.Namespace = csta.NamespaceEd3
	}
	resp, err := s.Handle(context.Background(), req)
	require.NoError(t, err)
	require.NotNil(t, resp)
	return resp
}

// doOK sends a request and requires a positive response of the type of
// want.
func doOK[T csta.Message](t testing.TB, s *session.Session, req csta.Message) T {
	t.Helper()
	resp := do(t, s, req)
	if ec, isErr := resp.(*csta.CSTAErrorCode); isErr {
		t.Fatalf("%s: CSTA error %s", req.MessageName(), ec.Code)
	}
	out, ok := resp.(T)
	require.Truef(t, ok, "%s answered with %T", req.MessageName(), resp)
	require.Equal(t, csta.NamespaceEd3, resp.MessageHeader().Namespace)
	return out
}

// requireCSTAError requires resp to be a CSTAErrorCode for want.
func requireCSTAError(t testing.TB, want error, resp csta.Message) {
	t.Helper()
	ec, ok := resp.(*csta.CSTAErrorCode)
	require.Truef(t, ok, "got %T, want CSTAErrorCode", resp)
	code, _ := csta.ErrorCodeOf(want)
	require.Equal(t, code, ec.Code)
}

func monitor(t testing.TB, s *session.Session) csta.MonitorCrossRefID {
	t.Helper()
	r := doOK[*csta.MonitorStartResponse](t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(s.Line())}})
	return r.MonitorCrossRefID
}

// sink records what a session sends its client, as the SIP dialog would:
// each event is encoded when it is sent.
type sink struct {
	mu      sync.Mutex
	events  []csta.Event
	xml     []string
	ended   []string
	limit   int // SendEvent fails beyond this many events; 0 = none
	changed chan struct{}
}

func newSink() *sink { return &sink{changed: make(chan struct{})} }

func (k *sink) SendEvent(ev csta.Event) error {
	b, err := csta.Encode(ev)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.limit > 0 && len(k.events) >= k.limit {
		return errFull
	}
	k.events = append(k.events, ev)
	k.xml = append(k.xml, string(b))
	k.notifyLocked()
	return nil
}

func (k *sink) End(reason string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ended = append(k.ended, reason)
	k.notifyLocked()
}

func (k *sink) notifyLocked() {
	close(k.changed)
	k.changed = make(chan struct{})
}

type fullError struct{}

func (fullError) Error() string { return "test: event queue full" }

var errFull error = fullError{}

// got returns the events so far.
func (k *sink) got() []csta.Event {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.events)
}

func (k *sink) endings() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.ended)
}

// wait waits until cond holds for the events (and endings) so far.
func (k *sink) wait(t testing.TB, what string, cond func(evs []csta.Event, ended []string) bool) []csta.Event {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	for {
		k.mu.Lock()
		evs, ended, ch := slices.Clone(k.events), slices.Clone(k.ended), k.changed
		k.mu.Unlock()
		if cond(evs, ended) {
			return evs
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("timed out waiting for %s; events %v, endings %v", what, names(evs), ended)
		}
	}
}

// waitFor waits until the sink got an event named name (for call id, when
// not empty) after the first skip events, and returns all events so far.
func (k *sink) waitFor(t testing.TB, name string, id csta.CallID) []csta.Event {
	t.Helper()
	return k.wait(t, name+" "+string(id), func(evs []csta.Event, _ []string) bool {
		return slices.ContainsFunc(evs, func(ev csta.Event) bool {
			return ev.MessageName() == name && (id == "" || callOf(ev) == id)
		})
	})
}

// names returns the message names of events.
func names(evs []csta.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.MessageName()
	}
	return out
}

// callOf returns the callID of an event's subject connection.
func callOf(ev csta.Event) csta.CallID {
	var id csta.CallID
	csta.WalkConnections(ev, func(_ string, c *csta.ConnectionID) {
		if id == "" {
			id = c.CallID
		}
	})
	if cc, ok := ev.(*csta.CallClearedEvent); ok {
		id = cc.ClearedCall.CallID
	}
	return id
}

// ofCall returns the names of the events of call id.
func ofCall(evs []csta.Event, id csta.CallID) []string {
	var out []string
	for _, ev := range evs {
		if callOf(ev) == id {
			out = append(out, ev.MessageName())
		}
	}
	return out
}

// devices returns every device identifier in m.
func devices(m csta.Message) []string {
	var out []string
	csta.WalkDevices(m, func(_ string, d *csta.DeviceID) { out = append(out, d.ID) })
	return out
}

// tel reports whether every device identifier in m is a tel: URI.
func allTel(m csta.Message) bool {
	for _, d := range devices(m) {
		if !strings.HasPrefix(d, "tel:") {
			return false
		}
	}
	return true
}
