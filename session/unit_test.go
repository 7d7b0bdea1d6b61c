package session

// Unit tests against the in-memory CTI side of fake_test.go: the
// deterministic corner cases. The end-to-end behaviour is tested against
// the real pool and ctitest in session_test.go.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusTable(t *testing.T) {
	tests := []struct {
		err    error
		status int
		retry  bool
		code   error
	}{
		{fmt.Errorf("%w: lcs:line is missing", ErrInvalidLine), 400, false, csta.ErrInvalidDeviceID},
		{fmt.Errorf("%w: x", ErrUnknownLine), 404, false, csta.ErrInvalidDeviceID},
		{fmt.Errorf("%w: x", ErrNotAllowed), 403, false, csta.ErrPrivilegeViolation},
		{fmt.Errorf("%w: x", ErrNoCTI), 503, true, csta.ErrResourceOutOfService},
		{fmt.Errorf("%w: x", ErrOverloaded), 503, true, csta.ErrResourceLimitExceeded},
		{fmt.Errorf("%w: x", ErrUserLimit), 403, false, csta.ErrObjectMonitorLimitExceeded},
		{ErrShutdown, 503, true, csta.ErrResourceOutOfService},
		{fmt.Errorf("%w: x", ErrStaleSession), 481, false, csta.ErrResourceOutOfService},
		{fmt.Errorf("%w: %w", ErrClosed, ErrReplaced), 481, false, csta.ErrResourceOutOfService},
	}
	require.Len(t, tests, len(refusals), "one case per row of the table")
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			status, retry := Status(tt.err)
			assert.Equal(t, tt.status, status)
			assert.Equal(t, tt.retry, retry)
			want, _ := csta.ErrorCodeOf(tt.code)
			assert.Equal(t, want, ErrorCode(tt.err))
		})
	}
	status, _ := Status(nil)
	assert.Equal(t, 200, status)
	status, _ = Status(errors.New("boom"))
	assert.Equal(t, 500, status)
	assert.Equal(t, csta.ErrorCode{Category: csta.CategorySystemResourceAvailability, Value: "generic"}, ErrorCode(errors.New("boom")))
	assert.Equal(t, csta.ErrorCode{Category: csta.CategoryOperation, Value: "invalidCallID"}, ErrorCode(fmt.Errorf("x: %w", csta.ErrInvalidCallID)))
}

func TestNewManagerConfig(t *testing.T) {
	dir := demoDirectory(t)
	for _, cfg := range []Config{
		{CTI: newFakeCTI(1)},
		{Directory: dir},
		{Directory: dir, CTI: newFakeCTI(1), MaxSessions: -1},
		{Directory: dir, CTI: newFakeCTI(1), RequestTimeout: -1},
		{Directory: dir, CTI: newFakeCTI(1), LossPolicy: 7},
	} {
		_, err := NewManager(cfg)
		require.ErrorIs(t, err, ErrConfig)
	}
	m, err := NewManager(Config{Directory: dir, CTI: newFakeCTI(1)})
	require.NoError(t, err)
	assert.Equal(t, DefaultMaxSessions, m.cfg.MaxSessions)
	assert.Equal(t, DefaultMaxSessionsPerUser, m.cfg.MaxSessionsPerUser)
	assert.Equal(t, DefaultRequestTimeout, m.cfg.RequestTimeout)
	assert.Equal(t, Rehome, m.cfg.LossPolicy)
	assert.True(t, m.cfg.Features.Services.Supports("makeCall"))
	assert.Equal(t, "rehome", Rehome.String())
	assert.Equal(t, "reconnect", Reconnect.String())
}

func TestOpenRefusals(t *testing.T) {
	m, cti := unitManager(t, 1, func(c *Config) { c.MaxSessionsPerUser = 1 })
	open := func(user, line string) error {
		_, _, err := m.Open(context.Background(), OpenRequest{DialogID: user + line, User: user, Line: line, Sink: &fakeSink{}})
		return err
	}
	err := open(aliceAOR, "")
	require.ErrorIs(t, err, ErrInvalidLine)
	assert.Contains(t, err.Error(), "missing")
	err = open(aliceAOR, "sip:1001@example.com")
	require.ErrorIs(t, err, ErrInvalidLine)
	assert.ErrorIs(t, err, lineappearance.ErrBadURI)
	err = open(aliceAOR, "tel:9999;phone-context=dialstring")
	require.ErrorIs(t, err, ErrUnknownLine)
	assert.ErrorIs(t, err, lineappearance.ErrUnknownLine)
	require.ErrorIs(t, open(aliceAOR, bobLine), ErrNotAllowed)
	require.ErrorIs(t, open("sip:mallory@example.com", aliceLine), ErrNotAllowed)

	require.NoError(t, open("sip:carol@example.com", "tel:1003;phone-context=dialstring"))
	err = open("sip:carol@example.com", "tel:1004;phone-context=dialstring")
	require.ErrorIs(t, err, ErrUserLimit)
	assert.Contains(t, err.Error(), "too many sessions for user")

	cti.down(0)
	require.ErrorIs(t, open(aliceAOR, aliceLine), ErrNoCTI)
	assert.False(t, m.Ready())
	cti.up(0)
	assert.True(t, m.Ready())

	st := m.Stats()
	assert.Equal(t, uint64(1), st.Opened)
	assert.Equal(t, map[string]uint64{"invalid_line": 2, "unknown_line": 1, "not_allowed": 2, "user_limit": 1, "no_cti": 1}, st.Refused)
	assert.Empty(t, cti.requests(), "refused opens reach no CTI server")
}

func TestOpenLineFromRequest(t *testing.T) {
	m, _ := unitManager(t, 1, nil)
	req := &csta.RequestSystemStatus{Header: csta.Header{Namespace: csta.NamespaceEd4}, Extensions: csta.WithLine(" " + aliceLine + "\n")}
	s, resp, err := m.Open(context.Background(), OpenRequest{DialogID: "d", User: aliceAOR, Request: req, Sink: &fakeSink{}})
	require.NoError(t, err)
	assert.Equal(t, aliceLine, s.Line())
	assert.Equal(t, csta.SystemNormal, resp.SystemStatus)
	assert.Equal(t, csta.NamespaceEd4, resp.Header.Namespace, "the response echoes the request's namespace")
	assert.Len(t, s.MonitorCrossRefID(), 8)
}

func TestOverloaded(t *testing.T) {
	m, _ := unitManager(t, 1, func(c *Config) { c.MaxSessions = 1 })
	openAlice(t, m, "d1")
	// Alice again on the same appearance replaces, so does not count.
	openAlice(t, m, "d2")
	_, _, err := m.Open(context.Background(), OpenRequest{DialogID: "d3", User: bobAOR, Line: bobLine, Sink: &fakeSink{}})
	require.ErrorIs(t, err, ErrOverloaded)
	status, retry := Status(err)
	assert.Equal(t, 503, status)
	assert.True(t, retry)
}

func TestFakeSequence(t *testing.T) {
	m, cti := unitManager(t, 2, nil)
	s, sink := openAlice(t, m, "d1")
	ed3 := csta.Header{Namespace: csta.NamespaceEd3}

	resp := handle(t, s, &csta.GetCSTAFeatures{Header: ed3, Extensions: csta.WithLine(aliceLine)})
	fr := resp.(*csta.GetCSTAFeaturesResponse)
	assert.Equal(t, csta.NamespaceEd3, fr.Header.Namespace)
	assert.True(t, fr.Features.Services.Supports("makeCall"))
	assert.True(t, fr.Features.Services.Supports("requestSystemStatus"))

	resp = handle(t, s, &csta.MonitorStart{Header: ed3, MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	msr := resp.(*csta.MonitorStartResponse)
	assert.Equal(t, s.MonitorCrossRefID(), msr.MonitorCrossRefID)
	again := handle(t, s, &csta.MonitorStart{Header: ed3, MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	assert.Equal(t, msr.MonitorCrossRefID, again.(*csta.MonitorStartResponse).MonitorCrossRefID)
	starts := cti.requests("MonitorStart")
	require.Len(t, starts, 1, "a second MonitorStart starts no second CTI monitor")
	assert.Equal(t, "1001", starts[0].Request.(*csta.MonitorStart).MonitorObject.Device.ID)

	resp = handle(t, s, &csta.MakeCall{Header: ed3, CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2000;phone-context=dialstring")})
	mc := resp.(*csta.MakeCallResponse)
	assert.Equal(t, aliceLine, mc.CallingDevice.DeviceID.ID)
	assert.Equal(t, csta.CallID("c1"), mc.CallingDevice.CallID)
	sent := cti.requests("MakeCall")[0].Request.(*csta.MakeCall)
	assert.Equal(t, "1001", sent.CallingDevice.ID)
	assert.Equal(t, "2000", sent.CalledDirectoryNumber.ID)
	assert.Equal(t, csta.Header{}, sent.Header, "the CTI link writes its own edition")

	xref := cti.liveMonitors()[0]
	cti.emit(xref, &csta.ServiceInitiatedEvent{InitiatedConnection: csta.Connection("c1", "1001"), InitiatingDevice: csta.Known("1001"), LocalConnectionInfo: csta.StateInitiated, Cause: csta.CauseMakeCall})
	cti.emit(xref, &csta.OriginatedEvent{OriginatedConnection: csta.Connection("c1", "1001"), CallingDevice: csta.Known("1001"), CalledDevice: csta.Known("2000"), LocalConnectionInfo: csta.StateConnected, Cause: csta.CauseNewCall})
	cti.emit(xref, &csta.DeliveredEvent{Connection: csta.Connection("c1", "2000"), AlertingDevice: csta.Known("2000"), CallingDevice: csta.Known("1001"), CalledDevice: csta.Known("2000"), LocalConnectionInfo: csta.StateConnected})
	cti.emit(xref, &csta.EstablishedEvent{EstablishedConnection: csta.Connection("c1", "2000"), AnsweringDevice: csta.Known("2000"), CallingDevice: csta.Known("1001"), CalledDevice: csta.Known("2000"), LocalConnectionInfo: csta.StateConnected})
	evs := sink.got()
	require.Equal(t, []string{"ServiceInitiatedEvent", "OriginatedEvent", "DeliveredEvent", "EstablishedEvent"}, names(evs))
	for _, ev := range evs {
		assert.Equal(t, s.MonitorCrossRefID(), ev.CrossRefID())
	}
	orig := evs[1].(*csta.OriginatedEvent)
	assert.Equal(t, aliceLine, orig.OriginatedConnection.DeviceID.ID)
	assert.Equal(t, aliceLine, orig.CallingDevice.Device.ID)
	assert.Equal(t, "tel:2000;phone-context=dialstring", orig.CalledDevice.Device.ID)
	assert.Equal(t, map[csta.CallID]csta.LocalConnectionState{"c1": csta.StateConnected}, s.calls)

	resp = handle(t, s, &csta.ClearConnection{Header: ed3, ConnectionToBeCleared: csta.Connection("c1", aliceLine)})
	assert.IsType(t, &csta.ClearConnectionResponse{}, resp)
	cti.emit(xref, &csta.ConnectionClearedEvent{DroppedConnection: csta.Connection("c1", "1001"), ReleasingDevice: csta.Known("1001"), LocalConnectionInfo: csta.StateNull, Cause: csta.CauseNormalClearing})
	assert.Empty(t, s.calls)

	resp = handle(t, s, &csta.MonitorStop{Header: ed3, MonitorCrossRefID: s.MonitorCrossRefID()})
	assert.IsType(t, &csta.MonitorStopResponse{}, resp)
	stops := cti.requests("MonitorStop")
	require.Len(t, stops, 1)
	assert.Equal(t, xref, stops[0].Request.(*csta.MonitorStop).MonitorCrossRefID)
	assert.False(t, cti.emit(xref, &csta.HeldEvent{HeldConnection: csta.Connection("c1", "1001")}))
	assert.Len(t, sink.got(), 5)

	st := m.Stats()
	assert.Equal(t, uint64(5), st.EventsDelivered)
	assert.Equal(t, RequestStats{OK: 2}, st.Requests["MonitorStart"])
	assert.Equal(t, map[State]int{StateActive: 1}, st.Sessions)
}

func TestFakeAuthorization(t *testing.T) {
	m, cti := unitManager(t, 1, nil)
	s, _ := openAlice(t, m, "d1")
	bobConn := csta.Connection("c9", bobLine)
	tests := []struct {
		name string
		req  csta.Request
		want error
	}{
		{"MakeCall from bob", &csta.MakeCall{CallingDevice: csta.Device(bobLine), CalledDirectoryNumber: csta.Device("2000")}, csta.ErrPrivilegeViolation},
		{"MakeCall from bob's key", &csta.MakeCall{CallingDevice: csta.Device("1002"), CalledDirectoryNumber: csta.Device("2000")}, csta.ErrPrivilegeViolation},
		{"MakeCall to a SIP URI", &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("sip:bob@example.com")}, csta.ErrInvalidCalledDevice},
		{"MonitorStart on bob", &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(bobLine)}}, csta.ErrPrivilegeViolation},
		{"MonitorStart on a call", &csta.MonitorStart{MonitorObject: csta.MonitorObject{Call: &bobConn}}, csta.ErrInvalidMonitorObject},
		{"SetForwarding on bob", &csta.SetForwarding{Device: csta.Device(bobLine), ForwardingType: csta.ForwardImmediate, ActivateForward: true, ForwardDN: &csta.DeviceID{ID: "2000"}}, csta.ErrPrivilegeViolation},
		{"SetForwarding to nowhere", &csta.SetForwarding{Device: csta.Device(aliceLine), ForwardingType: csta.ForwardImmediate, ActivateForward: true, ForwardDN: &csta.DeviceID{ID: "tel:1;ext=2"}}, csta.ErrInvalidForwardingDestination},
		{"GetForwarding of bob", &csta.GetForwarding{Device: csta.Device(bobLine)}, csta.ErrPrivilegeViolation},
		{"SetDoNotDisturb on bob", &csta.SetDoNotDisturb{Device: csta.Device(bobLine), DoNotDisturbOn: true}, csta.ErrPrivilegeViolation},
		{"GetDoNotDisturb of bob", &csta.GetDoNotDisturb{Device: csta.Device(bobLine)}, csta.ErrPrivilegeViolation},
		{"SnapshotDevice of bob", &csta.SnapshotDevice{SnapshotObject: csta.Device(bobLine)}, csta.ErrPrivilegeViolation},
		{"AnswerCall at bob", &csta.AnswerCall{CallToBeAnswered: bobConn}, csta.ErrPrivilegeViolation},
		{"ClearConnection of bob", &csta.ClearConnection{ConnectionToBeCleared: bobConn}, csta.ErrPrivilegeViolation},
		{"HoldCall at bob", &csta.HoldCall{CallToBeHeld: bobConn}, csta.ErrPrivilegeViolation},
		{"TransferCall with bob's call", &csta.TransferCall{HeldCall: csta.Connection("c1", aliceLine), ActiveCall: bobConn}, csta.ErrPrivilegeViolation},
		{"DeflectCall at bob", &csta.DeflectCall{CallToBeDiverted: bobConn, NewDestination: csta.Device("2000")}, csta.ErrPrivilegeViolation},
		{"GenerateDigits at bob", &csta.GenerateDigits{ConnectionToSendDigits: bobConn, CharactersToSend: "1"}, csta.ErrPrivilegeViolation},
		{"dynamic connection", &csta.HoldCall{CallToBeHeld: csta.ConnectionID{CallID: "c1", DynamicID: "x"}}, csta.ErrPrivilegeViolation},
		{"GetCSTAFeatures for bob's line", &csta.GetCSTAFeatures{Extensions: csta.WithLine(bobLine)}, csta.ErrPrivilegeViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireCSTAError(t, tt.want, handle(t, s, tt.req))
		})
	}
	assert.Empty(t, cti.requests(), "no refused request reaches the CTI server")
	assert.Equal(t, uint64(len(tests)), sumRefused(m.Stats()))
}

func sumRefused(st Stats) uint64 {
	var n uint64
	for _, r := range st.Requests {
		n += r.Refused
	}
	return n
}

func TestFakeOwnDeviceForms(t *testing.T) {
	m, cti := unitManager(t, 1, nil)
	sink := &fakeSink{}
	carol := "sip:carol@example.com"
	s, _, err := m.Open(context.Background(), OpenRequest{DialogID: "d", User: carol, Line: "tel:1003;phone-context=dialstring;device=SEP000000001003", Sink: sink})
	require.NoError(t, err)
	assert.Equal(t, "SEP000000001003", s.Appearance().Device)
	for _, own := range []string{
		"tel:1003;phone-context=dialstring;device=SEP000000001003", // as sent
		"1003",                            // the CTI key
		"tel:1003;device=sep000000001003", // resolves to the same appearance
	} {
		resp := handle(t, s, &csta.GetDoNotDisturb{Device: csta.Device(own)})
		assert.IsType(t, &csta.GetDoNotDisturbResponse{}, resp, own)
	}
	// The same line on carol's soft phone is another appearance.
	requireCSTAError(t, csta.ErrPrivilegeViolation, handle(t, s, &csta.GetDoNotDisturb{Device: csta.Device("tel:1003;phone-context=dialstring;device=CSFCAROL")}))
	assert.Len(t, cti.requests("GetDoNotDisturb"), 3)
}

func TestFakeEveryRequest(t *testing.T) {
	m, cti := unitManager(t, 1, nil)
	s, _ := openAlice(t, m, "d1")
	own := csta.Connection("c1", aliceLine)
	held := csta.Connection("c2", aliceLine)
	tests := []struct {
		req  csta.Request
		want csta.Message
	}{
		{&csta.SnapshotDevice{SnapshotObject: csta.Device(aliceLine)}, &csta.SnapshotDeviceResponse{}},
		{&csta.AnswerCall{CallToBeAnswered: own}, &csta.AnswerCallResponse{}},
		{&csta.HoldCall{CallToBeHeld: own}, &csta.HoldCallResponse{}},
		{&csta.RetrieveCall{CallToBeRetrieved: own}, &csta.RetrieveCallResponse{}},
		{&csta.ConsultationCall{ExistingCall: own, ConsultedDevice: csta.Device("tel:+3222220220")}, &csta.ConsultationCallResponse{}},
		{&csta.AlternateCall{HeldCall: held, ActiveCall: own}, &csta.AlternateCallResponse{}},
		{&csta.ReconnectCall{ActiveCall: own, HeldCall: held}, &csta.ReconnectCallResponse{}},
		{&csta.TransferCall{HeldCall: held, ActiveCall: own}, &csta.TransferCallResponse{}},
		{&csta.SingleStepTransferCall{ActiveCall: own, TransferredTo: csta.Device("2000")}, &csta.SingleStepTransferCallResponse{}},
		{&csta.ConferenceCall{HeldCall: held, ActiveCall: own}, &csta.ConferenceCallResponse{}},
		{&csta.DeflectCall{CallToBeDiverted: own, NewDestination: csta.Device("tel:2000;phone-context=dialstring")}, &csta.DeflectCallResponse{}},
		{&csta.GenerateDigits{ConnectionToSendDigits: csta.ConnectionID{CallID: "c1"}, CharactersToSend: "12#"}, &csta.GenerateDigitsResponse{}},
		{&csta.SetForwarding{Device: csta.Device(aliceLine), ForwardingType: csta.ForwardImmediate, ActivateForward: true, ForwardDN: &csta.DeviceID{ID: "tel:2000;phone-context=dialstring"}}, &csta.SetForwardingResponse{}},
		{&csta.GetForwarding{Device: csta.Device(aliceLine)}, &csta.GetForwardingResponse{}},
		{&csta.SetDoNotDisturb{Device: csta.Device(aliceLine), DoNotDisturbOn: true}, &csta.SetDoNotDisturbResponse{}},
		{&csta.GetDoNotDisturb{Device: csta.Device(aliceLine)}, &csta.GetDoNotDisturbResponse{}},
		{&csta.RequestSystemStatus{}, &csta.RequestSystemStatusResponse{}},
		{&csta.SystemStatus{SystemStatus: csta.SystemNormal}, &csta.SystemStatusResponse{}},
	}
	for _, tt := range tests {
		t.Run(tt.req.MessageName(), func(t *testing.T) {
			tt.req.MessageHeader().Namespace = csta.NamespaceEd3
			resp := handle(t, s, tt.req)
			require.IsType(t, tt.want, resp)
			assert.Equal(t, csta.NamespaceEd3, resp.MessageHeader().Namespace)
		})
	}
	// What the CTI side got: keys and dial strings only.
	for _, r := range cti.requests() {
		csta.WalkDevices(r.Request, func(path string, d *csta.DeviceID) {
			assert.NotContains(t, d.ID, "tel:", "%s %s", r.Request.MessageName(), path)
		})
	}
	cc := cti.requests("ConsultationCall")[0].Request.(*csta.ConsultationCall)
	assert.Equal(t, "+3222220220", cc.ConsultedDevice.ID)
	gd := cti.requests("GenerateDigits")[0].Request.(*csta.GenerateDigits)
	assert.Equal(t, "1001", gd.ConnectionToSendDigits.DeviceID.ID, "a connection without device is the own one")
	// What the client got: parties as tel: URIs.
	fwd := handle(t, s, &csta.GetForwarding{Device: csta.Device(aliceLine)}).(*csta.GetForwardingResponse)
	assert.Equal(t, "tel:2000;phone-context=dialstring", fwd.ForwardingList[0].ForwardDN.ID)

	requireCSTAError(t, csta.ErrServiceNotSupported, handle(t, s, &csta.Unknown{Name: "Frobnicate"}))
	requireCSTAError(t, csta.ErrServiceNotSupported, handle(t, s, &csta.StartApplicationSession{}))
	requireCSTAError(t, csta.ErrRequestIncompatibleWithObject, handle(t, s, &csta.MakeCallResponse{}))
	requireCSTAError(t, csta.ErrRequestIncompatibleWithObject, handle(t, s, nil))
	requireCSTAError(t, csta.ErrInvalidMonitorCrossRefID, handle(t, s, &csta.MonitorStop{MonitorCrossRefID: s.MonitorCrossRefID()}))
}

func TestFakeCTIErrors(t *testing.T) {
	m, cti := unitManager(t, 1, nil)
	s, _ := openAlice(t, m, "d1")
	cti.answer = func(_ context.Context, _ string, req csta.Request) (csta.Response, error) {
		switch req.(type) {
		case *csta.AnswerCall:
			return nil, fmt.Errorf("wrapped: %w", csta.ErrNoCallToAnswer)
		case *csta.HoldCall:
			return nil, context.DeadlineExceeded
		}
		return nil, errors.New("garbled")
	}
	requireCSTAError(t, csta.ErrNoCallToAnswer, handle(t, s, &csta.AnswerCall{CallToBeAnswered: csta.Connection("c1", aliceLine)}))
	requireCSTAError(t, csta.ErrResourceBusy, handle(t, s, &csta.HoldCall{CallToBeHeld: csta.Connection("c1", aliceLine)}))
	requireCSTAError(t, csta.ErrSystemGeneric, handle(t, s, &csta.RetrieveCall{CallToBeRetrieved: csta.Connection("c1", aliceLine)}))
	st := m.Stats()
	assert.Equal(t, RequestStats{CTIError: 1}, st.Requests["AnswerCall"])
	assert.Equal(t, RequestStats{Unavailable: 1}, st.Requests["HoldCall"])
}

func TestFakeReplace(t *testing.T) {
	m, cti := unitManager(t, 1, nil)
	old, oldSink := openAlice(t, m, "d1")
	handle(t, old, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	oldXref := cti.liveMonitors()[0]

	s, sink := openAlice(t, m, "d2")
	assert.Equal(t, StateClosed, old.State())
	assert.Equal(t, []string{"replaced"}, oldSink.endings())
	assert.Nil(t, m.Lookup("d1"))
	assert.Same(t, s, m.Lookup("d2"))
	stops := cti.requests("MonitorStop")
	require.Len(t, stops, 1, "the old monitor is stopped before the new session opens")
	assert.Equal(t, oldXref, stops[0].Request.(*csta.MonitorStop).MonitorCrossRefID)
	assert.Empty(t, cti.liveMonitors())

	_, err := old.Handle(context.Background(), &csta.GetCSTAFeatures{})
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, err, ErrReplaced)
	status, _ := Status(err)
	assert.Equal(t, 481, status)

	handle(t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	assert.Len(t, cti.liveMonitors(), 1)
	assert.Empty(t, sink.endings())
	assert.Equal(t, map[string]uint64{"replaced": 1}, m.Stats().Closed)
}

func TestFakeClose(t *testing.T) {
	m, cti := unitManager(t, 1, nil)
	s, sink := openAlice(t, m, "d1")
	handle(t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	require.NoError(t, s.Refreshed())
	in := m.Sessions()
	require.Len(t, in, 1)
	assert.Equal(t, aliceAOR, in[0].User)
	assert.Equal(t, "SEP000000001001", in[0].Appearance.Device)
	assert.Equal(t, "ep0", in[0].CTI)
	assert.True(t, in[0].Monitoring)
	assert.False(t, in[0].Refreshed.IsZero())
	assert.False(t, in[0].LastRequest.IsZero())

	reason := errors.New("dialog expired")
	s.Close(reason)
	s.Close(reason)
	<-m.stopQ.idle()
	assert.Empty(t, cti.liveMonitors())
	assert.Len(t, cti.requests("MonitorStop"), 1)
	assert.Empty(t, sink.endings(), "a dialog that ended is not told to end")
	assert.Empty(t, m.Sessions())
	_, err := s.Handle(context.Background(), &csta.GetCSTAFeatures{})
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, err, reason)
	assert.Equal(t, map[string]uint64{"dialog": 1}, m.Stats().Closed)
}

func TestFakeSinkOverflow(t *testing.T) {
	m, cti := unitManager(t, 1, nil)
	s, sink := openAlice(t, m, "d1")
	sink.limit = 2
	other, otherSink := func() (*Session, *fakeSink) {
		k := &fakeSink{}
		o, _, err := m.Open(context.Background(), OpenRequest{DialogID: "d2", User: bobAOR, Line: bobLine, Sink: k})
		require.NoError(t, err)
		return o, k
	}()
	handle(t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	handle(t, other, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(bobLine)}})
	for i := range 3 {
		cti.emit(cti.monitorOn("ep0", "1001"), &csta.DoNotDisturbEvent{Device: csta.Known("1001"), DoNotDisturbOn: i%2 == 0})
		cti.emit(cti.monitorOn("ep0", "1002"), &csta.DoNotDisturbEvent{Device: csta.Known("1002"), DoNotDisturbOn: true})
	}
	assert.Equal(t, StateClosed, s.State())
	assert.Equal(t, []string{"event backlog"}, sink.endings())
	assert.Len(t, sink.got(), 2)
	assert.Equal(t, StateActive, other.State(), "other sessions are unaffected")
	assert.Len(t, otherSink.got(), 3)
	st := m.Stats()
	assert.Equal(t, uint64(1), st.EventsDropped)
	assert.Equal(t, uint64(5), st.EventsDelivered)
	assert.Equal(t, map[string]uint64{"event_backlog": 1}, st.Closed)
}

func TestFakeEventsLost(t *testing.T) {
	m, cti := unitManager(t, 1, nil)
	s, sink := openAlice(t, m, "d1")
	handle(t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	s.mu.Lock()
	h := s.monH
	s.mu.Unlock()
	h.EventsLost(7)
	assert.Equal(t, StateClosed, s.State())
	assert.Equal(t, []string{"event backlog"}, sink.endings())
	assert.Equal(t, uint64(7), m.Stats().EventsDropped)
	<-m.stopQ.idle()
	assert.Empty(t, cti.liveMonitors())
}

func TestFakeRehome(t *testing.T) {
	m, cti := unitManager(t, 2, nil)
	s, sink := openAlice(t, m, "d1")
	require.Equal(t, "ep0", s.Info().CTI)
	handle(t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	xref := s.MonitorCrossRefID()
	// Two calls: c1 stays (and is put on hold meanwhile), c2 vanishes.
	cti.emit(cti.monitorOn("ep0", "1001"), &csta.EstablishedEvent{EstablishedConnection: csta.Connection("c1", "1001"), LocalConnectionInfo: csta.StateConnected})
	cti.emit(cti.monitorOn("ep0", "1001"), &csta.DeliveredEvent{Connection: csta.Connection("c2", "1001"), AlertingDevice: csta.Known("1001"), LocalConnectionInfo: csta.StateAlerting})
	cti.answer = func(ctx context.Context, ep string, req csta.Request) (csta.Response, error) {
		if _, ok := req.(*csta.SnapshotDevice); ok {
			return &csta.SnapshotDeviceResponse{SnapshotData: []csta.SnapshotDeviceResponseInfo{
				{ConnectionIdentifier: csta.Connection("c1", "1001"), EndpointDevice: &csta.ExtendedDeviceID{Device: csta.Device("2000")},
					LocalCallState: csta.CallState{Compound: []csta.LocalConnectionState{csta.StateHold, csta.StateConnected}}},
				{ConnectionIdentifier: csta.Connection("c3", "1001"), LocalCallState: csta.CallState{Simple: csta.CallReceived}},
			}}, nil
		}
		return fakeAnswer(ctx, ep, req)
	}
	cti.down(0)
	<-m.rehomeQ.idle()
	<-m.stopQ.idle()

	assert.Equal(t, StateActive, s.State())
	assert.Equal(t, "ep1", s.Info().CTI)
	assert.Equal(t, xref, s.MonitorCrossRefID(), "the client-facing ID does not change")
	require.Len(t, cti.liveMonitors(), 1)
	assert.NotEmpty(t, cti.monitorOn("ep1", "1001"))
	evs := sink.got()[2:]
	require.Equal(t, []string{"ConnectionClearedEvent", "HeldEvent", "DeliveredEvent"}, names(evs))
	cc := evs[0].(*csta.ConnectionClearedEvent)
	assert.Equal(t, csta.Connection("c2", aliceLine), cc.DroppedConnection)
	assert.Equal(t, csta.CauseNormalClearing, cc.Cause)
	assert.Equal(t, csta.Connection("c1", aliceLine), evs[1].(*csta.HeldEvent).HeldConnection)
	dl := evs[2].(*csta.DeliveredEvent)
	assert.Equal(t, aliceLine, dl.AlertingDevice.Device.ID)
	for _, ev := range evs {
		assert.Equal(t, xref, ev.CrossRefID())
	}
	// Events flow from the new monitor.
	cti.emit(cti.monitorOn("ep1", "1001"), &csta.RetrievedEvent{RetrievedConnection: csta.Connection("c1", "1001"), LocalConnectionInfo: csta.StateConnected})
	assert.Equal(t, "RetrievedEvent", sink.got()[5].MessageName())
	assert.Equal(t, map[csta.CallID]csta.LocalConnectionState{"c1": csta.StateConnected, "c3": csta.StateAlerting}, s.calls)
	st := m.Stats()
	assert.Equal(t, uint64(1), st.Rehomes)
	assert.Equal(t, uint64(3), st.EventsSynthesized)

	// Requests go to the new link; a request on the dead one is never
	// made.
	resp := handle(t, s, &csta.HoldCall{CallToBeHeld: csta.Connection("c1", aliceLine)})
	assert.IsType(t, &csta.HoldCallResponse{}, resp)
	assert.Equal(t, "ep1", cti.requests("HoldCall")[0].Endpoint)
}

func TestFakeRehomeNoLink(t *testing.T) {
	m, cti := unitManager(t, 1, nil)
	s, sink := openAlice(t, m, "d1")
	handle(t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	cti.down(0)
	<-m.rehomeQ.idle()
	assert.Equal(t, StateDown, s.State())
	requireCSTAError(t, csta.ErrResourceOutOfService, handle(t, s, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("2000")}))
	assert.Empty(t, cti.requests("MakeCall"))
	status := handle(t, s, &csta.RequestSystemStatus{}).(*csta.RequestSystemStatusResponse)
	assert.Equal(t, csta.SystemDisabled, status.SystemStatus)
	// The old link comes back: the session re-homes on its LinkUp.
	cti.up(0)
	<-m.rehomeQ.idle()
	assert.Equal(t, StateActive, s.State())
	assert.Len(t, cti.liveMonitors(), 1)
	assert.Empty(t, sink.endings())
	st := m.Stats()
	assert.Equal(t, uint64(1), st.Rehomes)
	assert.GreaterOrEqual(t, st.RehomeFailures, uint64(1))
}

func TestFakeRehomeWithoutMonitor(t *testing.T) {
	m, cti := unitManager(t, 2, nil)
	s, _ := openAlice(t, m, "d1")
	cti.down(0)
	// No monitor, so the session learns of the loss from its next request,
	// which moves it and is served on the other link.
	resp := handle(t, s, &csta.GetDoNotDisturb{Device: csta.Device(aliceLine)})
	assert.IsType(t, &csta.GetDoNotDisturbResponse{}, resp)
	assert.Equal(t, "ep1", s.Info().CTI)
	assert.Equal(t, StateActive, s.State())
}

func TestFakeReconnect(t *testing.T) {
	m, cti := unitManager(t, 2, func(c *Config) { c.LossPolicy = Reconnect })
	s, sink := openAlice(t, m, "d1")
	handle(t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	quiet, _ := func() (*Session, *fakeSink) {
		k := &fakeSink{}
		o, _, err := m.Open(context.Background(), OpenRequest{DialogID: "d2", User: bobAOR, Line: bobLine, Sink: k})
		require.NoError(t, err)
		return o, k
	}()
	require.Equal(t, "ep1", quiet.Info().CTI)
	cti.down(0)
	assert.Equal(t, StateDown, s.State())
	requireCSTAError(t, csta.ErrResourceOutOfService, handle(t, s, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("2000")}))
	assert.Equal(t, "ep0", s.Info().CTI, "the session stays bound to its connection")
	assert.Empty(t, cti.requests("MakeCall"))
	cti.up(0)
	assert.Equal(t, StateStale, s.State())
	_, err := s.Handle(context.Background(), &csta.GetCSTAFeatures{})
	require.ErrorIs(t, err, ErrStaleSession)
	status, _ := Status(err)
	assert.Equal(t, 481, status)
	assert.Equal(t, StateClosed, s.State())
	assert.Empty(t, sink.endings(), "the SIP layer ends the dialog with the 481")
	_, err = s.Handle(context.Background(), &csta.GetCSTAFeatures{})
	require.ErrorIs(t, err, ErrStaleSession)

	// A fresh open succeeds.
	s2, _ := openAlice(t, m, "d3")
	handle(t, s2, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	assert.Equal(t, map[string]uint64{"stale": 1}, m.Stats().Closed)

	// A session without monitor learns of the new generation from its
	// link: bob's ep1 goes down and comes back.
	cti.down(1)
	cti.up(1)
	_, err = quiet.Handle(context.Background(), &csta.MonitorStop{MonitorCrossRefID: "x"})
	require.ErrorIs(t, err, ErrStaleSession)
}

func TestFakeShutdown(t *testing.T) {
	m, cti := unitManager(t, 1, nil)
	s, sink := openAlice(t, m, "d1")
	handle(t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	require.NoError(t, m.Shutdown(context.Background()))
	assert.Equal(t, []string{"shutdown"}, sink.endings())
	assert.Empty(t, cti.liveMonitors())
	assert.False(t, m.Ready())
	_, _, err := m.Open(context.Background(), OpenRequest{DialogID: "d2", User: aliceAOR, Line: aliceLine, Sink: &fakeSink{}})
	require.ErrorIs(t, err, ErrShutdown)
	require.ErrorIs(t, err, ErrClosed)
	status, retry := Status(err)
	assert.Equal(t, 503, status)
	assert.True(t, retry)
	_, err = s.Handle(context.Background(), &csta.GetCSTAFeatures{})
	require.ErrorIs(t, err, ErrShutdown)
	assert.Empty(t, m.Sessions())
}

func TestFeaturesIntersection(t *testing.T) {
	m, cti := unitManager(t, 1, nil)
	s, _ := openAlice(t, m, "d1")
	var asked int
	cti.answer = func(ctx context.Context, ep string, req csta.Request) (csta.Response, error) {
		if _, ok := req.(*csta.GetCSTAFeatures); ok {
			asked++
			var f csta.Features
			f.Services.Add(csta.ServiceCapability("makeCall"), csta.ServiceCapability("holdCall"))
			f.Events.Add(csta.EventCapability("delivered"))
			return &csta.GetCSTAFeaturesResponse{Features: f}, nil
		}
		return fakeAnswer(ctx, ep, req)
	}
	for range 2 {
		fr := handle(t, s, &csta.GetCSTAFeatures{}).(*csta.GetCSTAFeaturesResponse)
		assert.Equal(t, []string{"getCSTAFeatures", "requestSystemStatus", "systemStatus", "holdCall", "makeCall"}, fr.Features.Services.Names())
		assert.Equal(t, []string{"delivered"}, fr.Features.Events.Names())
	}
	assert.Equal(t, 1, asked, "asked once per generation")
	// Once the CTI side has told, what it left out is refused here.
	resp := handle(t, s, &csta.AnswerCall{CallToBeAnswered: csta.Connection("c1", aliceLine)})
	ec, ok := resp.(*csta.CSTAErrorCode)
	require.True(t, ok, "%T", resp)
	assert.Equal(t, "serviceNotSupported", ec.Code.Value)
	assert.Empty(t, cti.requests("AnswerCall"))
	handle(t, s, &csta.HoldCall{CallToBeHeld: csta.Connection("c1", aliceLine)})
	assert.Len(t, cti.requests("HoldCall"), 1)
}

// TestTimeouts checks, on the fake clock of testing/synctest, that a CTI
// request without an answer ends after RequestTimeout with resourceBusy,
// that a request waiting for a hung monitor change ends with its own
// context, and that a replace waits at most StopTimeout for the old
// monitor's MonitorStop.
func TestTimeouts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, cti := unitManager(t, 1, func(c *Config) {
			c.RequestTimeout = 2 * time.Second
			c.StopTimeout = 300 * time.Millisecond
		})
		var mu sync.Mutex
		hang := map[string]bool{"HoldCall": true}
		cti.answer = func(ctx context.Context, ep string, req csta.Request) (csta.Response, error) {
			mu.Lock()
			h := hang[req.MessageName()]
			mu.Unlock()
			if h {
				<-ctx.Done() // never answered
				return nil, ctx.Err()
			}
			return fakeAnswer(ctx, ep, req)
		}
		setHang := func(name string, h bool) {
			mu.Lock()
			hang[name] = h
			mu.Unlock()
		}
		s, _ := openAlice(t, m, "d1")
		start := time.Now()
		requireCSTAError(t, csta.ErrResourceBusy, handle(t, s, &csta.HoldCall{CallToBeHeld: csta.Connection("c1", aliceLine)}))
		assert.Equal(t, 2*time.Second, time.Since(start))

		// A hung MonitorStart holds the session busy; a MonitorStop waits
		// for it no longer than its own context allows.
		setHang("MonitorStart", true)
		done := make(chan csta.Message)
		go func() {
			resp, _ := s.Handle(context.Background(), &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
			done <- resp
		}()
		synctest.Wait()
		start = time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		resp, err := s.Handle(ctx, &csta.MonitorStop{MonitorCrossRefID: s.MonitorCrossRefID()})
		cancel()
		require.NoError(t, err)
		requireCSTAError(t, csta.ErrResourceBusy, resp)
		assert.Equal(t, 500*time.Millisecond, time.Since(start))
		requireCSTAError(t, csta.ErrResourceBusy, <-done)
		assert.Equal(t, 2*time.Second, time.Since(start), "the MonitorStart began with the MonitorStop")
		setHang("MonitorStart", false)

		// Replace: the old monitor's MonitorStop hangs; the open goes on
		// after StopTimeout.
		handle(t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
		setHang("MonitorStop", true)
		start = time.Now()
		openAlice(t, m, "d2")
		assert.Equal(t, 300*time.Millisecond, time.Since(start))
		assert.Equal(t, StateClosed, s.State())
		setHang("MonitorStop", false)
	})
}

// TestFakeRehomeTwice: the link a session re-homes to dies while the
// re-homing is under way; the session moves on to a third one.
func TestFakeRehomeTwice(t *testing.T) {
	m, cti := unitManager(t, 3, nil)
	s, sink := openAlice(t, m, "d1")
	handle(t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	require.Equal(t, "ep0", s.Info().CTI)
	var once sync.Once
	cti.answer = func(ctx context.Context, ep string, req csta.Request) (csta.Response, error) {
		if _, ok := req.(*csta.SnapshotDevice); ok && ep == "ep1" {
			once.Do(func() { cti.down(1) })
		}
		return fakeAnswer(ctx, ep, req)
	}
	cti.down(0)
	<-m.rehomeQ.idle()
	<-m.stopQ.idle()
	assert.Equal(t, StateActive, s.State())
	assert.Equal(t, "ep2", s.Info().CTI)
	assert.Equal(t, []csta.MonitorCrossRefID{cti.monitorOn("ep2", "1001")}, cti.liveMonitors())
	assert.True(t, cti.emit(cti.monitorOn("ep2", "1001"), &csta.DoNotDisturbEvent{Device: csta.Known("1001"), DoNotDisturbOn: true}))
	assert.Equal(t, []string{"DoNotDisturbEvent"}, names(sink.got()))
	assert.Equal(t, uint64(2), m.Stats().Rehomes)
}

func TestReasonCounters(t *testing.T) {
	var c counters
	assert.Equal(t, len(refusalReasons)+1, len(c.refused), "one counter per refusal reason, and other")
	assert.Equal(t, len(closeReasons)+1, len(c.closed), "one counter per close reason, and dialog")
}

// TestFakeReconnectRefresh: under Reconnect a refresh is answered as the
// next request would be. While the connection is down the refresh is
// accepted (the session may live on); once the connection is back in a new
// generation the refresh gets ErrStaleSession (481) and the session closes.
func TestFakeReconnectRefresh(t *testing.T) {
	m, cti := unitManager(t, 1, func(c *Config) { c.LossPolicy = Reconnect })
	s, sink := openAlice(t, m, "d1")
	handle(t, s, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
	require.NoError(t, s.Refreshed())
	assert.False(t, s.Info().Refreshed.IsZero())
	cti.down(0)
	require.NoError(t, s.Refreshed(), "down, not stale")
	cti.up(0)
	err := s.Refreshed()
	require.ErrorIs(t, err, ErrStaleSession)
	status, _ := Status(err)
	assert.Equal(t, 481, status)
	assert.Equal(t, StateClosed, s.State())
	assert.Empty(t, sink.endings(), "the SIP layer ends the dialog with its 481")
	_, err = s.Handle(context.Background(), &csta.GetCSTAFeatures{})
	require.ErrorIs(t, err, ErrStaleSession, "the INFO that follows gets the same answer")
	require.ErrorIs(t, s.Refreshed(), ErrStaleSession)
}
