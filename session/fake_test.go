package session

// A small in-memory CTI side for unit tests: endpoints that go down and
// come back with a new generation, links bound to a generation, monitors
// whose events the test injects, and a log of every request. The
// end-to-end tests run against the real pool and ctitest instead.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/stretchr/testify/require"
)

type fakeLinkErr struct {
	stale, sent bool
}

func (e *fakeLinkErr) Error() string {
	if e.stale {
		return "fake: stale link"
	}
	return "fake: link down"
}
func (e *fakeLinkErr) LinkDown() bool    { return true }
func (e *fakeLinkErr) Stale() bool       { return e.stale }
func (e *fakeLinkErr) SafeToRetry() bool { return !e.sent }

type fakeRequest struct {
	Endpoint string
	Request  csta.Request
}

// fakeCTI is a set of endpoints, placed round-robin.
type fakeCTI struct {
	mu   sync.Mutex
	eps  []*fakeEndpoint
	rr   int
	log  []fakeRequest
	xref int
	// noLog keeps requests out of the log (benchmarks).
	noLog bool
	// answer answers requests; nil uses fakeAnswer.
	answer func(ctx context.Context, ep string, req csta.Request) (csta.Response, error)
}

type fakeEndpoint struct {
	cti      *fakeCTI
	name     string
	gen      uint64
	up       bool
	monitors map[csta.MonitorCrossRefID]MonitorHandler
	watchers map[csta.MonitorCrossRefID]MonitorHandler
}

func newFakeCTI(n int) *fakeCTI {
	f := &fakeCTI{}
	for i := range n {
		f.eps = append(f.eps, &fakeEndpoint{cti: f, name: "ep" + strconv.Itoa(i), gen: uint64(i + 1), up: true,
			monitors: map[csta.MonitorCrossRefID]MonitorHandler{}, watchers: map[csta.MonitorCrossRefID]MonitorHandler{}})
	}
	return f
}

func (f *fakeCTI) Ready() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ep := range f.eps {
		if ep.up {
			return true
		}
	}
	return false
}

func (f *fakeCTI) Acquire() (Link, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range f.eps {
		ep := f.eps[f.rr%len(f.eps)]
		f.rr++
		if ep.up {
			return &fakeLink{ep: ep, gen: ep.gen}, nil
		}
	}
	return nil, errors.New("fake: no healthy endpoint")
}

// requests returns the logged requests of the given names (all if none).
func (f *fakeCTI) requests(names ...string) []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRequest
	for _, r := range f.log {
		if len(names) == 0 || contains(names, r.Request.MessageName()) {
			out = append(out, r)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// down takes endpoint i down: its monitors get LinkDown and become
// watchers.
func (f *fakeCTI) down(i int) {
	f.mu.Lock()
	ep := f.eps[i]
	ep.up = false
	var hs []MonitorHandler
	for x, h := range ep.monitors {
		hs = append(hs, h)
		ep.watchers[x] = h
		delete(ep.monitors, x)
	}
	f.mu.Unlock()
	for _, h := range hs {
		h.LinkDown(&fakeLinkErr{})
	}
}

// up brings endpoint i back in a new generation; its watchers get LinkUp.
func (f *fakeCTI) up(i int) {
	f.mu.Lock()
	ep := f.eps[i]
	ep.up = true
	ep.gen += 100
	gen := ep.gen
	var hs []MonitorHandler
	for _, h := range ep.watchers {
		hs = append(hs, h)
	}
	f.mu.Unlock()
	for _, h := range hs {
		h.LinkUp(gen)
	}
}

// emit delivers an event to the monitor with the CTI cross reference
// xref, on whichever endpoint has it; it reports whether one had.
func (f *fakeCTI) emit(xref csta.MonitorCrossRefID, ev csta.Event) bool {
	f.mu.Lock()
	var h MonitorHandler
	for _, ep := range f.eps {
		if m := ep.monitors[xref]; m != nil {
			h = m
		}
	}
	f.mu.Unlock()
	if h == nil {
		return false
	}
	ev.SetCrossRefID(xref)
	h.Event(ev)
	return true
}

// monitorOn returns the CTI cross reference of the live monitor of device
// on endpoint ep, "" if there is none.
func (f *fakeCTI) monitorOn(ep, device string) csta.MonitorCrossRefID {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.eps {
		for x := range e.monitors {
			if e.name == ep && strings.HasPrefix(string(x), "cti-"+ep+"-"+device+"-") {
				return x
			}
		}
	}
	return ""
}

// liveMonitors returns the CTI cross references of the live monitors.
func (f *fakeCTI) liveMonitors() []csta.MonitorCrossRefID {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []csta.MonitorCrossRefID
	for _, ep := range f.eps {
		for x := range ep.monitors {
			out = append(out, x)
		}
	}
	return out
}

type fakeLink struct {
	ep  *fakeEndpoint
	gen uint64
}

func (l *fakeLink) Endpoint() string   { return l.ep.name }
func (l *fakeLink) Generation() uint64 { return l.gen }

func (l *fakeLink) Check() error {
	l.ep.cti.mu.Lock()
	defer l.ep.cti.mu.Unlock()
	return l.checkLocked()
}

func (l *fakeLink) checkLocked() error {
	switch {
	case l.ep.gen != l.gen:
		return &fakeLinkErr{stale: true}
	case !l.ep.up:
		return &fakeLinkErr{}
	}
	return nil
}

func (l *fakeLink) Do(ctx context.Context, req csta.Request) (csta.Response, error) {
	f := l.ep.cti
	f.mu.Lock()
	if err := l.checkLocked(); err != nil {
		f.mu.Unlock()
		return nil, err
	}
	if !f.noLog {
		f.log = append(f.log, fakeRequest{Endpoint: l.ep.name, Request: req})
	}
	answer := f.answer
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if answer == nil {
		answer = fakeAnswer
	}
	return answer(ctx, l.ep.name, req)
}

func (l *fakeLink) Monitor(ctx context.Context, req *csta.MonitorStart, h MonitorHandler) (*csta.MonitorStartResponse, Monitor, error) {
	resp, err := l.Do(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	msr := resp.(*csta.MonitorStartResponse)
	f := l.ep.cti
	f.mu.Lock()
	defer f.mu.Unlock()
	f.xref++
	msr.MonitorCrossRefID += csta.MonitorCrossRefID("-" + strconv.Itoa(f.xref))
	if err := l.checkLocked(); err != nil {
		return nil, nil, &fakeLinkErr{stale: err.(*fakeLinkErr).stale, sent: true}
	}
	l.ep.monitors[msr.MonitorCrossRefID] = h
	return msr, &fakeMonitor{l: l, xref: msr.MonitorCrossRefID}, nil
}

type fakeMonitor struct {
	l    *fakeLink
	xref csta.MonitorCrossRefID
}

func (m *fakeMonitor) Stop(ctx context.Context) error {
	f := m.l.ep.cti
	f.mu.Lock()
	delete(m.l.ep.monitors, m.xref)
	delete(m.l.ep.watchers, m.xref)
	f.mu.Unlock()
	_, err := m.l.Do(ctx, &csta.MonitorStop{MonitorCrossRefID: m.xref})
	return err
}

// fakeAnswer answers every request positively, with call IDs "c1"...
func fakeAnswer(_ context.Context, ep string, req csta.Request) (csta.Response, error) {
	switch r := req.(type) {
	case *csta.MonitorStart:
		return &csta.MonitorStartResponse{MonitorCrossRefID: csta.MonitorCrossRefID("cti-" + ep + "-" + r.MonitorObject.Device.ID)}, nil
	case *csta.MonitorStop:
		return &csta.MonitorStopResponse{}, nil
	case *csta.GetCSTAFeatures:
		return &csta.GetCSTAFeaturesResponse{Features: csta.RCCFeatures()}, nil
	case *csta.SnapshotDevice:
		return &csta.SnapshotDeviceResponse{}, nil
	case *csta.MakeCall:
		return &csta.MakeCallResponse{CallingDevice: csta.Connection("c1", r.CallingDevice.ID)}, nil
	case *csta.ConsultationCall:
		return &csta.ConsultationCallResponse{InitiatedCall: csta.Connection("c2", r.ExistingCall.DeviceID.ID)}, nil
	case *csta.AnswerCall:
		return &csta.AnswerCallResponse{}, nil
	case *csta.ClearConnection:
		return &csta.ClearConnectionResponse{}, nil
	case *csta.HoldCall:
		return &csta.HoldCallResponse{}, nil
	case *csta.RetrieveCall:
		return &csta.RetrieveCallResponse{}, nil
	case *csta.AlternateCall:
		return &csta.AlternateCallResponse{}, nil
	case *csta.ReconnectCall:
		return &csta.ReconnectCallResponse{}, nil
	case *csta.TransferCall:
		return &csta.TransferCallResponse{TransferredCall: csta.Connection("c3", "2000")}, nil
	case *csta.SingleStepTransferCall:
		return &csta.SingleStepTransferCallResponse{TransferredCall: csta.Connection("c3", "2000")}, nil
	case *csta.ConferenceCall:
		return &csta.ConferenceCallResponse{ConferenceCall: csta.Connection("c1", "1001")}, nil
	case *csta.DeflectCall:
		return &csta.DeflectCallResponse{}, nil
	case *csta.GenerateDigits:
		return &csta.GenerateDigitsResponse{}, nil
	case *csta.SetForwarding:
		return &csta.SetForwardingResponse{}, nil
	case *csta.GetForwarding:
		return &csta.GetForwardingResponse{ForwardingList: []csta.ForwardListItem{{ForwardingType: csta.ForwardImmediate, ForwardStatus: true, ForwardDN: &csta.DeviceID{ID: "2000"}}}}, nil
	case *csta.SetDoNotDisturb:
		return &csta.SetDoNotDisturbResponse{}, nil
	case *csta.GetDoNotDisturb:
		return &csta.GetDoNotDisturbResponse{DoNotDisturbOn: true}, nil
	}
	return nil, fmt.Errorf("fake: no answer for %s", req.MessageName())
}

// fakeSink records what the session sends the client.
type fakeSink struct {
	mu     sync.Mutex
	events []csta.Event
	ended  []string
	limit  int // SendEvent fails beyond this many events; 0 = no limit
}

func (k *fakeSink) SendEvent(ev csta.Event) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.limit > 0 && len(k.events) >= k.limit {
		return errors.New("fake: queue full")
	}
	k.events = append(k.events, ev)
	return nil
}

func (k *fakeSink) End(reason string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ended = append(k.ended, reason)
}

func (k *fakeSink) got() []csta.Event {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]csta.Event(nil), k.events...)
}

func (k *fakeSink) endings() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.ended...)
}

// names returns the message names of events.
func names(evs []csta.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.MessageName()
	}
	return out
}

// demoDirectory returns a store with the demo directory.
func demoDirectory(t testing.TB) *lineappearance.Store {
	t.Helper()
	st, err := lineappearance.NewStore(lineappearance.Demo(), lineappearance.Options{})
	require.NoError(t, err)
	return st
}

// unitManager returns a manager over a fake CTI with n endpoints.
func unitManager(t testing.TB, n int, mod func(*Config)) (*Manager, *fakeCTI) {
	t.Helper()
	cti := newFakeCTI(n)
	cfg := Config{Directory: demoDirectory(t), CTI: cti}
	if mod != nil {
		mod(&cfg)
	}
	m, err := NewManager(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	return m, cti
}

const (
	aliceAOR  = "sip:alice@example.com"
	aliceLine = "tel:1001;phone-context=dialstring"
	bobAOR    = "sip:bob@example.com"
	bobLine   = "tel:1002;phone-context=dialstring"
)

func openAlice(t testing.TB, m *Manager, dialog string) (*Session, *fakeSink) {
	t.Helper()
	sink := &fakeSink{}
	s, _, err := m.Open(context.Background(), OpenRequest{DialogID: dialog, User: aliceAOR, Line: aliceLine, Sink: sink})
	require.NoError(t, err)
	return s, sink
}

// handle sends a request and requires an answer (not a session error).
func handle(t testing.TB, s *Session, req csta.Message) csta.Message {
	t.Helper()
	resp, err := s.Handle(context.Background(), req)
	require.NoError(t, err)
	require.NotNil(t, resp)
	return resp
}

// requireCSTAError requires resp to be a CSTAErrorCode for want.
func requireCSTAError(t testing.TB, want error, resp csta.Message) {
	t.Helper()
	ec, ok := resp.(*csta.CSTAErrorCode)
	require.Truef(t, ok, "got %T, want CSTAErrorCode", resp)
	wantCode, _ := csta.ErrorCodeOf(want)
	require.Equal(t, wantCode, ec.Code)
}
