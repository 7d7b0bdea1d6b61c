package session_test

// End-to-end tests: sessions over the real ctipool, through
// session/poolcti, to a ctitest cluster of three endpoints serving the
// demo PBX.

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/session"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCommunicatorSequence runs what Office Communicator does: INVITE with
// RequestSystemStatus, GetCSTAFeatures, MonitorStart, a call to 2000 and
// its events, ClearConnection, MonitorStop.
func TestCommunicatorSequence(t *testing.T) {
	e := newEnv(t, nil)
	s, k := e.open("d1", aliceAOR, aliceLine)

	fr := doOK[*csta.GetCSTAFeaturesResponse](t, s, &csta.GetCSTAFeatures{Extensions: csta.WithLine(aliceLine)})
	for _, svc := range []string{"makeCall", "clearConnection", "answerCall", "monitorStart", "holdCall", "transferCall"} {
		assert.True(t, fr.Features.Services.Supports(svc), svc)
	}
	for _, ev := range []string{"delivered", "established", "connectionCleared", "originated"} {
		assert.True(t, fr.Features.Events.Supports(ev), ev)
	}

	xref := monitor(t, s)
	assert.Regexp(t, "^[0-9a-f]{8}$", string(xref))
	assert.Equal(t, s.MonitorCrossRefID(), xref)

	mc := doOK[*csta.MakeCallResponse](t, s, &csta.MakeCall{
		CallingDevice:         csta.Device(aliceLine),
		CalledDirectoryNumber: csta.Device("tel:2000;phone-context=dialstring"),
		AutoOriginate:         csta.AutoOriginateDoNotPrompt,
	})
	assert.Equal(t, aliceLine, mc.CallingDevice.DeviceID.ID, "echoed byte for byte")
	id := mc.CallingDevice.CallID
	require.NotEmpty(t, id)
	body, err := csta.Encode(mc)
	require.NoError(t, err)
	assert.Contains(t, string(body), "<deviceID>"+aliceLine+"</deviceID>")

	evs := k.waitFor(t, "EstablishedEvent", id)
	assert.Equal(t, []string{"ServiceInitiatedEvent", "OriginatedEvent", "NetworkReachedEvent", "DeliveredEvent", "EstablishedEvent"}, ofCall(evs, id))
	for i, ev := range evs {
		assert.Equal(t, xref, ev.CrossRefID())
		assert.True(t, allTel(ev), "parties as tel: URIs: %v", devices(ev))
		assert.Contains(t, k.xml[i], "<monitorCrossRefID>"+string(xref)+"</monitorCrossRefID>")
	}
	orig := evs[1].(*csta.OriginatedEvent)
	assert.Equal(t, aliceLine, orig.OriginatedConnection.DeviceID.ID)
	assert.Equal(t, aliceLine, orig.CallingDevice.Device.ID)
	assert.Equal(t, "tel:2000;phone-context=dialstring", orig.CalledDevice.Device.ID)
	assert.Contains(t, k.xml[1], "<deviceID>"+aliceLine+"</deviceID>")

	doOK[*csta.ClearConnectionResponse](t, s, &csta.ClearConnection{ConnectionToBeCleared: csta.Connection(id, aliceLine)})
	evs = k.waitFor(t, "ConnectionClearedEvent", id)
	cleared := slices.IndexFunc(evs, func(ev csta.Event) bool { return ev.MessageName() == "ConnectionClearedEvent" })
	cc := evs[cleared].(*csta.ConnectionClearedEvent)
	assert.Equal(t, csta.Connection(id, aliceLine), cc.DroppedConnection)
	assert.Equal(t, csta.CauseNormalClearing, cc.Cause)

	doOK[*csta.MonitorStopResponse](t, s, &csta.MonitorStop{MonitorCrossRefID: xref})
	before := len(k.got())
	// Later events of the line do not reach the session.
	_, err = e.pbx.Call("2500", "1001")
	require.NoError(t, err)
	e.waitCall(func(c ctitest.CallInfo) bool { return c.Calling == "2500" })
	doOK[*csta.SnapshotDeviceResponse](t, s, &csta.SnapshotDevice{SnapshotObject: csta.Device(aliceLine)})
	assert.Len(t, k.got(), before)

	names := e.requests().Names()
	assert.Equal(t, []string{"GetCSTAFeatures", "MonitorStart", "MakeCall", "ClearConnection", "MonitorStop", "SnapshotDevice"}, names)
	ms := e.requests().Named("MonitorStart")[0].Message.(*csta.MonitorStart)
	assert.Equal(t, "1001", ms.MonitorObject.Device.ID, "the CTI monitor is on the line key")
	st := e.mgr.Stats()
	assert.Equal(t, uint64(1), st.Opened)
	assert.Equal(t, session.RequestStats{OK: 1}, st.Requests["MakeCall"])
	assert.Equal(t, uint64(len(k.got())), st.EventsDelivered)
}

// TestEveryRequest sends every request of the profile through the pool to
// the simulated PBX, in states where each succeeds.
func TestEveryRequest(t *testing.T) {
	e := newEnv(t, nil)
	s, k := e.open("d1", aliceAOR, aliceLine)
	monitor(t, s)
	conn := func(id csta.CallID) csta.ConnectionID { return csta.Connection(id, aliceLine) }

	doOK[*csta.SnapshotDeviceResponse](t, s, &csta.SnapshotDevice{SnapshotObject: csta.Device(aliceLine)})
	// The client's own lcs:line is accepted and not passed on to the CTI
	// server, whose identifier for the device is the line's key.
	doOK[*csta.GetDoNotDisturbResponse](t, s, &csta.GetDoNotDisturb{Device: csta.Device(aliceLine), Extensions: csta.WithLine(aliceLine)})
	got := e.requests().Named("GetDoNotDisturb")
	require.NotEmpty(t, got)
	fwd := got[len(got)-1].Message.(*csta.GetDoNotDisturb)
	assert.Equal(t, "1001", fwd.Device.ID)
	assert.Empty(t, fwd.Extensions.LineOf(), "lcs:line reached the CTI server")

	// An incoming call, deflected.
	in, err := e.pbx.Call("2500", "1001")
	require.NoError(t, err)
	k.waitFor(t, "DeliveredEvent", in)
	doOK[*csta.DeflectCallResponse](t, s, &csta.DeflectCall{CallToBeDiverted: conn(in), NewDestination: csta.Device("tel:2001;phone-context=dialstring")})
	k.waitFor(t, "DivertedEvent", in)

	// Another, answered, with digits, hold and retrieve.
	in, err = e.pbx.Call("2501", "1001")
	require.NoError(t, err)
	k.waitFor(t, "DeliveredEvent", in)
	doOK[*csta.AnswerCallResponse](t, s, &csta.AnswerCall{CallToBeAnswered: conn(in)})
	k.waitFor(t, "EstablishedEvent", in)
	doOK[*csta.GenerateDigitsResponse](t, s, &csta.GenerateDigits{ConnectionToSendDigits: conn(in), CharactersToSend: "12#"})
	doOK[*csta.HoldCallResponse](t, s, &csta.HoldCall{CallToBeHeld: conn(in)})
	k.waitFor(t, "HeldEvent", in)
	doOK[*csta.RetrieveCallResponse](t, s, &csta.RetrieveCall{CallToBeRetrieved: conn(in)})
	k.waitFor(t, "RetrievedEvent", in)

	// Consultation, alternate twice, reconnect.
	cr := doOK[*csta.ConsultationCallResponse](t, s, &csta.ConsultationCall{ExistingCall: conn(in), ConsultedDevice: csta.Device("tel:2002;phone-context=dialstring")})
	consult := cr.InitiatedCall.CallID
	assert.Equal(t, aliceLine, cr.InitiatedCall.DeviceID.ID)
	k.waitFor(t, "EstablishedEvent", consult)
	doOK[*csta.AlternateCallResponse](t, s, &csta.AlternateCall{HeldCall: conn(in), ActiveCall: conn(consult)})
	doOK[*csta.AlternateCallResponse](t, s, &csta.AlternateCall{HeldCall: conn(consult), ActiveCall: conn(in)})
	doOK[*csta.ReconnectCallResponse](t, s, &csta.ReconnectCall{ActiveCall: conn(consult), HeldCall: conn(in)})
	k.waitFor(t, "ConnectionClearedEvent", consult)

	// Consultation again, then transfer.
	cr = doOK[*csta.ConsultationCallResponse](t, s, &csta.ConsultationCall{ExistingCall: conn(in), ConsultedDevice: csta.Device("tel:2003;phone-context=dialstring")})
	consult = cr.InitiatedCall.CallID
	k.waitFor(t, "EstablishedEvent", consult)
	doOK[*csta.TransferCallResponse](t, s, &csta.TransferCall{HeldCall: conn(in), ActiveCall: conn(consult)})
	k.waitFor(t, "TransferedEvent", "")

	// A call, a consultation, a conference, then clear.
	mc := doOK[*csta.MakeCallResponse](t, s, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2004;phone-context=dialstring")})
	k.waitFor(t, "EstablishedEvent", mc.CallingDevice.CallID)
	cr = doOK[*csta.ConsultationCallResponse](t, s, &csta.ConsultationCall{ExistingCall: mc.CallingDevice, ConsultedDevice: csta.Device("tel:2005;phone-context=dialstring")})
	k.waitFor(t, "EstablishedEvent", cr.InitiatedCall.CallID)
	conf := doOK[*csta.ConferenceCallResponse](t, s, &csta.ConferenceCall{HeldCall: mc.CallingDevice, ActiveCall: cr.InitiatedCall})
	k.waitFor(t, "ConferencedEvent", "")
	doOK[*csta.ClearConnectionResponse](t, s, &csta.ClearConnection{ConnectionToBeCleared: conn(conf.ConferenceCall.CallID)})

	// A call transferred in one step.
	mc = doOK[*csta.MakeCallResponse](t, s, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2006;phone-context=dialstring")})
	k.waitFor(t, "EstablishedEvent", mc.CallingDevice.CallID)
	doOK[*csta.SingleStepTransferCallResponse](t, s, &csta.SingleStepTransferCall{ActiveCall: mc.CallingDevice, TransferredTo: csta.Device("tel:2007;phone-context=dialstring")})

	// Forwarding and do-not-disturb.
	doOK[*csta.SetForwardingResponse](t, s, &csta.SetForwarding{Device: csta.Device(aliceLine), ForwardingType: csta.ForwardImmediate,
		ActivateForward: true, ForwardDN: &csta.DeviceID{ID: "tel:2008;phone-context=dialstring"}})
	k.waitFor(t, "ForwardingEvent", "")
	gf := doOK[*csta.GetForwardingResponse](t, s, &csta.GetForwarding{Device: csta.Device(aliceLine)})
	require.NotEmpty(t, gf.ForwardingList)
	assert.Equal(t, "tel:2008;phone-context=dialstring", gf.ForwardingList[0].ForwardDN.ID)
	doOK[*csta.SetDoNotDisturbResponse](t, s, &csta.SetDoNotDisturb{Device: csta.Device(aliceLine), DoNotDisturbOn: true})
	k.waitFor(t, "DoNotDisturbEvent", "")
	dnd := doOK[*csta.GetDoNotDisturbResponse](t, s, &csta.GetDoNotDisturb{Device: csta.Device(aliceLine)})
	assert.True(t, dnd.DoNotDisturbOn)
	doOK[*csta.RequestSystemStatusResponse](t, s, &csta.RequestSystemStatus{})

	// Every event the client got names its line by its Line URI and other
	// parties by tel: URIs, and carries the session's cross reference.
	for _, ev := range k.got() {
		assert.True(t, allTel(ev), "%s: %v", ev.MessageName(), devices(ev))
		assert.Equal(t, s.MonitorCrossRefID(), ev.CrossRefID())
	}
	// Every request the PBX got names devices by key or dial string.
	for _, r := range e.requests() {
		for _, d := range devices(r.Message) {
			assert.NotContains(t, d, "tel:", "%s sent %q", r.Name, d)
		}
	}
	st := e.mgr.Stats()
	for svc, rs := range st.Requests {
		assert.Zero(t, rs.CTIError+rs.Refused+rs.Unavailable+rs.Rejected, svc)
	}
}

// TestAuthorization sends requests that name another device, line or
// connection: each gets a CSTA error and none reaches the CTI server.
func TestAuthorization(t *testing.T) {
	e := newEnv(t, nil)
	s, _ := e.open("d1", aliceAOR, aliceLine)
	bob, _ := e.open("d2", bobAOR, bobLine)
	monitor(t, bob)
	// A real call at bob's line, which alice must not touch.
	bobCall, err := e.pbx.Call("2500", "1002")
	require.NoError(t, err)
	e.waitCall(func(c ctitest.CallInfo) bool { return c.ID == bobCall })
	bobConn := csta.Connection(bobCall, bobLine)
	bobKeyConn := csta.Connection(bobCall, "1002")
	before := len(e.requests())

	tests := []struct {
		name string
		req  csta.Message
		want error
	}{
		{"MakeCall from bob's line", &csta.MakeCall{CallingDevice: csta.Device(bobLine), CalledDirectoryNumber: csta.Device("tel:2000;phone-context=dialstring")}, csta.ErrPrivilegeViolation},
		{"MakeCall from bob's device", &csta.MakeCall{CallingDevice: csta.Device(bobLine + ";device=SEP000000001002"), CalledDirectoryNumber: csta.Device("2000")}, csta.ErrPrivilegeViolation},
		{"MakeCall from carol's line key", &csta.MakeCall{CallingDevice: csta.Device("1003"), CalledDirectoryNumber: csta.Device("2000")}, csta.ErrPrivilegeViolation},
		{"MonitorStart on bob", &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(bobLine)}}, csta.ErrPrivilegeViolation},
		{"MonitorStart on bob's key", &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1002")}}, csta.ErrPrivilegeViolation},
		{"MonitorStart on bob's call", &csta.MonitorStart{MonitorObject: csta.MonitorObject{Call: &bobKeyConn}}, csta.ErrInvalidMonitorObject},
		{"SetForwarding on bob", &csta.SetForwarding{Device: csta.Device(bobLine), ForwardingType: csta.ForwardImmediate, ActivateForward: true, ForwardDN: &csta.DeviceID{ID: "tel:1001;phone-context=dialstring"}}, csta.ErrPrivilegeViolation},
		{"GetForwarding of bob", &csta.GetForwarding{Device: csta.Device(bobLine)}, csta.ErrPrivilegeViolation},
		{"SetDoNotDisturb on bob", &csta.SetDoNotDisturb{Device: csta.Device(bobLine), DoNotDisturbOn: true}, csta.ErrPrivilegeViolation},
		{"GetDoNotDisturb of bob", &csta.GetDoNotDisturb{Device: csta.Device(bobLine)}, csta.ErrPrivilegeViolation},
		{"SnapshotDevice of bob", &csta.SnapshotDevice{SnapshotObject: csta.Device(bobLine)}, csta.ErrPrivilegeViolation},
		{"AnswerCall at bob", &csta.AnswerCall{CallToBeAnswered: bobConn}, csta.ErrPrivilegeViolation},
		{"AnswerCall at bob's key", &csta.AnswerCall{CallToBeAnswered: bobKeyConn}, csta.ErrPrivilegeViolation},
		{"ClearConnection at bob", &csta.ClearConnection{ConnectionToBeCleared: bobConn}, csta.ErrPrivilegeViolation},
		{"HoldCall at bob", &csta.HoldCall{CallToBeHeld: bobConn}, csta.ErrPrivilegeViolation},
		{"RetrieveCall at bob", &csta.RetrieveCall{CallToBeRetrieved: bobConn}, csta.ErrPrivilegeViolation},
		{"ConsultationCall from bob's call", &csta.ConsultationCall{ExistingCall: bobConn, ConsultedDevice: csta.Device("2000")}, csta.ErrPrivilegeViolation},
		{"AlternateCall with bob's call", &csta.AlternateCall{HeldCall: bobConn, ActiveCall: csta.Connection("x", aliceLine)}, csta.ErrPrivilegeViolation},
		{"ReconnectCall with bob's call", &csta.ReconnectCall{ActiveCall: csta.Connection("x", aliceLine), HeldCall: bobConn}, csta.ErrPrivilegeViolation},
		{"TransferCall of bob's call", &csta.TransferCall{HeldCall: bobConn, ActiveCall: csta.Connection("x", aliceLine)}, csta.ErrPrivilegeViolation},
		{"SingleStepTransferCall of bob's call", &csta.SingleStepTransferCall{ActiveCall: bobConn, TransferredTo: csta.Device("1001")}, csta.ErrPrivilegeViolation},
		{"ConferenceCall with bob's call", &csta.ConferenceCall{HeldCall: csta.Connection("x", aliceLine), ActiveCall: bobConn}, csta.ErrPrivilegeViolation},
		{"DeflectCall of bob's call", &csta.DeflectCall{CallToBeDiverted: bobConn, NewDestination: csta.Device("1001")}, csta.ErrPrivilegeViolation},
		{"GenerateDigits into bob's call", &csta.GenerateDigits{ConnectionToSendDigits: bobConn, CharactersToSend: "1"}, csta.ErrPrivilegeViolation},
		{"GetCSTAFeatures for bob's line", &csta.GetCSTAFeatures{Extensions: csta.WithLine(bobLine)}, csta.ErrPrivilegeViolation},
		{"GetDoNotDisturb of alice naming bob's line", &csta.GetDoNotDisturb{Device: csta.Device(aliceLine), Extensions: csta.WithLine(bobLine)}, csta.ErrPrivilegeViolation},
		{"MakeCall from alice naming bob's line", &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2000"), Extensions: csta.WithLine(bobLine)}, csta.ErrPrivilegeViolation},
		{"MonitorStart on alice naming bob's line", &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}, Extensions: csta.WithLine(bobLine)}, csta.ErrPrivilegeViolation},
		{"MakeCall to a SIP URI", &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("sip:bob@example.com")}, csta.ErrInvalidCalledDevice},
		{"MonitorStop of bob's monitor", &csta.MonitorStop{MonitorCrossRefID: bob.MonitorCrossRefID()}, csta.ErrInvalidMonitorCrossRefID},
		{"unknown request", &csta.Unknown{Name: "SetMessageWaitingIndicator"}, csta.ErrServiceNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireCSTAError(t, tt.want, do(t, s, tt.req))
		})
	}
	assert.Len(t, e.requests(), before, "no refused request reaches the CTI server: %v", e.requests()[before:].Names())
	c, ok := e.pbx.LookupCall(bobCall)
	require.True(t, ok)
	pt, _ := c.Party("1002")
	assert.Equal(t, csta.StateAlerting, pt.State, "bob's call is untouched")
}

// TestReplace opens a second session for the same user and line: the
// first is ended and its monitor stopped before the second one starts its
// own; there is never a second monitor.
func TestReplace(t *testing.T) {
	e := newEnv(t, nil)
	old, oldSink := e.open("d1", aliceAOR, aliceLine)
	monitor(t, old)
	s, k := e.open("d2", aliceAOR, aliceLine)
	assert.Equal(t, []string{"replaced"}, oldSink.endings())
	assert.Equal(t, session.StateClosed, old.State())
	_, err := old.Handle(context.Background(), &csta.GetCSTAFeatures{})
	require.ErrorIs(t, err, session.ErrClosed)
	status, _ := session.Status(err)
	assert.Equal(t, 481, status)
	line, _ := e.pbx.Line("1001")
	assert.Zero(t, line.Monitors, "the old monitor is stopped")

	xref := monitor(t, s)
	assert.NotEqual(t, old.MonitorCrossRefID(), xref)
	line, _ = e.pbx.Line("1001")
	assert.Equal(t, 1, line.Monitors)
	assert.Equal(t, []string{"MonitorStart", "MonitorStop", "MonitorStart"}, e.requests().Named("MonitorStart", "MonitorStop").Names())

	// Concurrent opens for the same line: one session remains, with at
	// most one monitor.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			k := newSink()
			s, _, err := e.mgr.Open(context.Background(), session.OpenRequest{DialogID: fmt.Sprint("c", i), User: aliceAOR, Line: aliceLine, Sink: k})
			if assert.NoError(t, err) {
				_, _ = s.Handle(context.Background(), &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(aliceLine)}})
			}
		})
	}
	wg.Wait()
	assert.Len(t, e.mgr.Sessions(), 1)
	assert.Len(t, k.endings(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, e.mgr.Shutdown(ctx))
	line, _ = e.pbx.Line("1001")
	assert.Zero(t, line.Monitors, "every replaced session's monitor was stopped")
}

// TestRehome stops the endpoint of a session with calls: the session moves
// to another endpoint, its monitor is restarted there, the call that
// survives keeps producing events under the same cross reference, and a
// call cleared while the endpoint was dead produces ConnectionCleared.
func TestRehome(t *testing.T) {
	e := newEnv(t, nil)
	s, k := e.open("d1", aliceAOR, aliceLine)
	xref := monitor(t, s)
	first := s.Info().CTI
	// Two established calls; the first is held.
	a := doOK[*csta.MakeCallResponse](t, s, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2000;phone-context=dialstring")}).CallingDevice
	k.waitFor(t, "EstablishedEvent", a.CallID)
	doOK[*csta.HoldCallResponse](t, s, &csta.HoldCall{CallToBeHeld: a})
	k.waitFor(t, "HeldEvent", a.CallID)
	b := doOK[*csta.MakeCallResponse](t, s, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2001;phone-context=dialstring")}).CallingDevice
	k.waitFor(t, "EstablishedEvent", b.CallID)

	// The endpoint hangs (its events are lost), call b ends meanwhile, then
	// the endpoint dies.
	ep := e.endpoint(s)
	ep.Stall(true)
	require.NoError(t, e.pbx.Hangup(b.CallID, "2001"))
	before := len(k.got())
	require.NoError(t, ep.Stop())

	evs := k.wait(t, "re-homing", func(evs []csta.Event, _ []string) bool {
		return s.State() == session.StateActive && s.Info().CTI != first && len(evs) > before
	})
	assert.NotEqual(t, first, s.Info().CTI)
	assert.Equal(t, xref, s.MonitorCrossRefID())
	synth := evs[before:]
	require.Equal(t, []string{"ConnectionClearedEvent"}, names(synth), "the call cleared during the outage")
	cc := synth[0].(*csta.ConnectionClearedEvent)
	assert.Equal(t, csta.Connection(b.CallID, aliceLine), cc.DroppedConnection)
	assert.Equal(t, xref, cc.CrossRefID())

	// Call a survives on the PBX and its events keep flowing.
	_, ok := e.pbx.LookupCall(a.CallID)
	require.True(t, ok)
	doOK[*csta.RetrieveCallResponse](t, s, &csta.RetrieveCall{CallToBeRetrieved: a})
	evs = k.waitFor(t, "RetrievedEvent", a.CallID)
	assert.Equal(t, xref, evs[len(evs)-1].CrossRefID())
	require.NoError(t, e.pbx.Hangup(a.CallID, "2000"))
	evs = k.waitFor(t, "ConnectionClearedEvent", a.CallID)
	assert.Equal(t, xref, evs[len(evs)-1].CrossRefID())
	line, _ := e.pbx.Line("1001")
	assert.Equal(t, 1, line.Monitors, "one monitor, on the new endpoint")
	assert.Equal(t, uint64(1), e.mgr.Stats().Rehomes)
	assert.Empty(t, k.endings())
	require.NoError(t, ep.Restart())
}

// TestRehomeNoMonitor: a session without a monitor moves when its next
// request finds its endpoint dead; the request is served elsewhere.
func TestRehomeNoMonitor(t *testing.T) {
	e := newEnv(t, nil)
	s, _ := e.open("d1", aliceAOR, aliceLine)
	first := s.Info().CTI
	ep := e.endpoint(s)
	require.NoError(t, ep.Stop())
	e.endpointDown(ep)
	doOK[*csta.GetDoNotDisturbResponse](t, s, &csta.GetDoNotDisturb{Device: csta.Device(aliceLine)})
	assert.NotEqual(t, first, s.Info().CTI)
}

// TestRehomeAllDown: with every endpoint dead the session stays, requests
// fail at once with resourceOutOfService, and it re-homes when an endpoint
// returns.
func TestRehomeAllDown(t *testing.T) {
	e := newEnv(t, nil)
	s, k := e.open("d1", aliceAOR, aliceLine)
	monitor(t, s)
	for _, ep := range e.cl.Endpoints() {
		require.NoError(t, ep.Stop())
	}
	eventually(t, "session down", func() bool { return s.State() == session.StateDown })
	requireCSTAError(t, csta.ErrResourceOutOfService, do(t, s, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("2000")}))
	for _, ep := range e.cl.Endpoints() {
		require.NoError(t, ep.Restart())
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, e.pool.WaitHealthy(ctx, 3))
	// The monitor's LinkUp (or the next request) brings it back.
	doOK[*csta.SnapshotDeviceResponse](t, s, &csta.SnapshotDevice{SnapshotObject: csta.Device(aliceLine)})
	eventually(t, "monitor restarted", func() bool {
		line, _ := e.pbx.Line("1001")
		return line.Monitors == 1
	})
	_, err := e.pbx.Call("2500", "1001")
	require.NoError(t, err)
	k.waitFor(t, "DeliveredEvent", "")
	assert.Empty(t, k.endings())
}

// TestReconnectPolicy: the model product's behaviour. While the endpoint
// is down requests fail with resourceOutOfService; after it returns (a new
// generation) the next request gets ErrStaleSession (481) and a fresh open
// succeeds.
func TestReconnectPolicy(t *testing.T) {
	e := newEnv(t, func(c *session.Config) { c.LossPolicy = session.Reconnect })
	s, k := e.open("d1", aliceAOR, aliceLine)
	monitor(t, s)
	first := s.Info()
	a := doOK[*csta.MakeCallResponse](t, s, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:3001;phone-context=dialstring")}).CallingDevice
	k.waitFor(t, "DeliveredEvent", a.CallID)

	ep := e.endpoint(s)
	require.NoError(t, ep.Stop())
	eventually(t, "session down", func() bool { return s.State() == session.StateDown })
	n := len(e.requests())
	requireCSTAError(t, csta.ErrResourceOutOfService, do(t, s, &csta.ClearConnection{ConnectionToBeCleared: a}))
	requireCSTAError(t, csta.ErrResourceOutOfService, do(t, s, &csta.GetCSTAFeatures{}))
	assert.Len(t, e.requests(), n, "nothing is sent while the connection is down")
	assert.Equal(t, first.CTI, s.Info().CTI, "the session stays on its connection")

	require.NoError(t, ep.Restart())
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, e.pool.WaitHealthy(ctx, 3))
	_, err := s.Handle(context.Background(), &csta.ClearConnection{ConnectionToBeCleared: a})
	require.ErrorIs(t, err, session.ErrStaleSession)
	status, _ := session.Status(err)
	assert.Equal(t, 481, status)
	assert.Equal(t, session.StateClosed, s.State())
	assert.Empty(t, k.endings(), "the SIP layer ends the dialog with its 481")
	assert.Len(t, e.requests(), n)

	s2, k2 := e.open("d2", aliceAOR, aliceLine)
	monitor(t, s2)
	doOK[*csta.ClearConnectionResponse](t, s2, &csta.ClearConnection{ConnectionToBeCleared: csta.Connection(a.CallID, aliceLine)})
	k2.waitFor(t, "ConnectionClearedEvent", a.CallID)
	assert.Equal(t, map[string]uint64{"stale": 1}, e.mgr.Stats().Closed)
}

// TestEventOrdering runs calls on several monitored sessions at once:
// every session gets the events of its own line only, each call's events
// in the order the PBX made them.
func TestEventOrdering(t *testing.T) {
	e := newEnv(t, nil)
	users := []struct{ aor, line, key string }{
		{aliceAOR, aliceLine, "1001"},
		{bobAOR, bobLine, "1002"},
		{carolAOR, carolLine + ";device=SEP000000001003", "1003"},
		{carolAOR, "tel:1004;phone-context=dialstring", "1004"},
	}
	const calls = 10
	type result struct {
		s   *session.Session
		k   *sink
		ids []csta.CallID
	}
	results := make([]*result, len(users))
	var wg sync.WaitGroup
	for i, u := range users {
		s, k := e.open(fmt.Sprint("d", i), u.aor, u.line)
		monitor(t, s)
		r := &result{s: s, k: k}
		results[i] = r
		wg.Go(func() {
			for j := range calls {
				mc := doOK[*csta.MakeCallResponse](t, s, &csta.MakeCall{CallingDevice: csta.Device(u.line),
					CalledDirectoryNumber: csta.Device(fmt.Sprintf("tel:2%03d;phone-context=dialstring", i*100+j))})
				id := mc.CallingDevice.CallID
				r.ids = append(r.ids, id)
				k.waitFor(t, "EstablishedEvent", id)
				doOK[*csta.ClearConnectionResponse](t, s, &csta.ClearConnection{ConnectionToBeCleared: mc.CallingDevice})
				k.waitFor(t, "CallClearedEvent", id)
			}
		})
	}
	wg.Wait()
	want := []string{"ServiceInitiatedEvent", "OriginatedEvent", "NetworkReachedEvent", "DeliveredEvent",
		"EstablishedEvent", "ConnectionClearedEvent", "ConnectionClearedEvent", "CallClearedEvent"}
	for i, r := range results {
		evs := r.k.got()
		assert.Len(t, evs, calls*len(want), users[i].line)
		mine := map[csta.CallID]bool{}
		for _, id := range r.ids {
			mine[id] = true
			assert.Equal(t, want, ofCall(evs, id), "%s call %s", users[i].line, id)
		}
		for _, ev := range evs {
			assert.True(t, mine[callOf(ev)], "%s got an event of another call", users[i].line)
			assert.Equal(t, r.s.MonitorCrossRefID(), ev.CrossRefID())
		}
		// Calls in the order they were made.
		var order []csta.CallID
		for _, ev := range evs {
			if id := callOf(ev); !slices.Contains(order, id) {
				order = append(order, id)
			}
		}
		assert.Equal(t, r.ids, order)
	}
}

// TestSinkOverflow: a session whose sink refuses an event is ended; the
// other sessions carry on.
func TestSinkOverflow(t *testing.T) {
	e := newEnv(t, nil)
	slow, slowSink := e.open("d1", aliceAOR, aliceLine)
	slowSink.limit = 2
	monitor(t, slow)
	ok, okSink := e.open("d2", bobAOR, bobLine)
	monitor(t, ok)
	a, err := e.pbx.Call("1001", "2000")
	require.NoError(t, err)
	b, err := e.pbx.Call("1002", "2001")
	require.NoError(t, err)
	slowSink.wait(t, "end", func(_ []csta.Event, ended []string) bool { return len(ended) > 0 })
	assert.Equal(t, []string{"event backlog"}, slowSink.endings())
	assert.Len(t, slowSink.got(), 2)
	assert.Equal(t, session.StateClosed, slow.State())
	okSink.waitFor(t, "EstablishedEvent", b)
	assert.Empty(t, okSink.endings())
	assert.Equal(t, session.StateActive, ok.State())
	require.NoError(t, e.pbx.Hangup(a, "2000"))
	eventually(t, "alice's monitor stopped", func() bool {
		line, _ := e.pbx.Line("1001")
		return line.Monitors == 0
	})
	st := e.mgr.Stats()
	assert.Equal(t, map[string]uint64{"event_backlog": 1}, st.Closed)
	assert.GreaterOrEqual(t, st.EventsDropped, uint64(1))
}

// TestLimitsAndShutdown: the limits refuse with their reason; Shutdown ends
// every session and stops every monitor.
func TestLimitsAndShutdown(t *testing.T) {
	e := newEnv(t, func(c *session.Config) { c.MaxSessions = 3; c.MaxSessionsPerUser = 1 })
	a, ka := e.open("d1", aliceAOR, aliceLine)
	monitor(t, a)
	_, _, err := e.mgr.Open(context.Background(), session.OpenRequest{DialogID: "d3", User: carolAOR, Line: carolLine, Sink: newSink()})
	require.NoError(t, err)
	_, _, err = e.mgr.Open(context.Background(), session.OpenRequest{DialogID: "d4", User: carolAOR, Line: "tel:1004;phone-context=dialstring", Sink: newSink()})
	require.ErrorIs(t, err, session.ErrUserLimit)
	assert.Contains(t, err.Error(), "too many sessions for user")
	b, kb := e.open("d2", bobAOR, bobLine)
	monitor(t, b)
	_, _, err = e.mgr.Open(context.Background(), session.OpenRequest{DialogID: "d5", User: carolAOR, Line: "tel:1004;phone-context=dialstring", Sink: newSink()})
	require.ErrorIs(t, err, session.ErrOverloaded)
	status, retry := session.Status(err)
	assert.Equal(t, 503, status)
	assert.True(t, retry)
	st := e.mgr.Stats()
	assert.Equal(t, map[session.State]int{session.StateActive: 3}, st.Sessions)
	assert.Equal(t, map[string]uint64{"user_limit": 1, "overloaded": 1}, st.Refused)

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, e.mgr.Shutdown(ctx))
	assert.Equal(t, []string{"shutdown"}, ka.endings())
	assert.Equal(t, []string{"shutdown"}, kb.endings())
	for _, key := range []string{"1001", "1002"} {
		line, _ := e.pbx.Line(key)
		assert.Zero(t, line.Monitors, key)
	}
	_, err = a.Handle(context.Background(), &csta.GetCSTAFeatures{})
	require.ErrorIs(t, err, session.ErrShutdown)
	assert.False(t, e.mgr.Ready())
	_, _, err = e.mgr.Open(context.Background(), session.OpenRequest{DialogID: "d6", User: aliceAOR, Line: aliceLine, Sink: newSink()})
	require.ErrorIs(t, err, session.ErrShutdown)
	assert.Empty(t, e.mgr.Sessions())
	assert.Equal(t, uint64(3), e.mgr.Stats().Closed["shutdown"])
	assert.Equal(t, "shutdown", session.RefusalReason(err))
}

// The Observer's hooks are told of opens, refusals, requests and closes;
// unset hooks are skipped.
func TestObserverHooks(t *testing.T) {
	var mu sync.Mutex
	var got []string
	record := func(s string) {
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
	}
	obs := &session.Observer{
		SessionOpened:  func(info session.Info) { record("opened " + info.DialogID) },
		SessionRefused: func(_, _, _ string, err error) { record("refused " + session.RefusalReason(err)) },
		SessionClosed:  func(info session.Info, _ error) { record("closed " + info.DialogID) },
		RequestDone: func(service string, outcome session.Outcome, _ time.Duration) {
			record("request " + service + " " + outcome.String())
		},
	}
	e := newEnv(t, func(c *session.Config) { c.Observer = obs })
	s, _ := e.open("d1", aliceAOR, aliceLine)
	doOK[*csta.GetDoNotDisturbResponse](t, s, &csta.GetDoNotDisturb{Device: csta.Device(aliceLine)})
	_, _, err := e.mgr.Open(context.Background(), session.OpenRequest{
		DialogID: "d2", User: aliceAOR, Line: "tel:9999;phone-context=dialstring", Peer: "127.0.0.1:5060", Sink: newSink(),
		Request: &csta.RequestSystemStatus{Extensions: csta.WithLine("tel:9999;phone-context=dialstring")},
	})
	require.Error(t, err)
	s.Close(nil)
	eventually(t, "the close hook", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 4
	})
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"opened d1", "request GetDoNotDisturb ok", "refused unknown_line", "closed d1"}, got)
}
