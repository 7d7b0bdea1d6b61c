package ctitest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

func TestMakeCallInternal(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a, b := connect(t, s), connect(t, s)
	ma := a.monitor("1001")
	mb := b.monitor("1002")

	resp := a.ok(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002")}).(*csta.MakeCallResponse)
	id := resp.CallingDevice.CallID
	assert.Equal(t, csta.Connection(id, "1001"), resp.CallingDevice)

	evs := a.expect(
		"ServiceInitiated 1001 initiated makeCall",
		"Originated 1001 connected newCall",
		"Delivered 1002 connected newCall",
	)
	for _, ev := range evs {
		assert.Equal(t, ma, ev.CrossRefID())
		assert.Equal(t, id, callOf(ev))
	}
	d := b.expect("Delivered 1002 alerting newCall")[0].(*csta.DeliveredEvent)
	assert.Equal(t, mb, d.MonitorCrossRefID)
	assert.Equal(t, "1001", d.CallingDevice.String())
	assert.Equal(t, "1002", d.CalledDevice.String())
	assert.Equal(t, "1002", d.AlertingDevice.String())

	b.ok(&csta.AnswerCall{CallToBeAnswered: csta.Connection(id, "1002")})
	b.expect("Established 1002 connected normal")
	a.expect("Established 1002 connected normal")

	ci, ok := p.LookupCall(id)
	require.True(t, ok)
	assert.Equal(t, []PartyInfo{{ID: "1001", State: csta.StateConnected}, {ID: "1002", State: csta.StateConnected}}, ci.Parties)

	a.ok(&csta.ClearConnection{ConnectionToBeCleared: csta.Connection(id, "1001")})
	a.expect("ConnectionCleared 1001 null normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing")
	b.expect("ConnectionCleared 1001 connected normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing")
	assert.Empty(t, p.Calls())
	a.quiet()
	b.quiet()
}

// call places a call from line from to number through c and returns its
// callID, skipping the caller's ServiceInitiated and Originated events.
func (c *testClient) call(from, to string) csta.CallID {
	c.t.Helper()
	resp := c.ok(&csta.MakeCall{CallingDevice: csta.Device(from), CalledDirectoryNumber: csta.Device(to)}).(*csta.MakeCallResponse)
	c.expect("ServiceInitiated "+from+" initiated makeCall", "Originated "+from+" connected newCall")
	return resp.CallingDevice.CallID
}

// established sets up an answered call from line a (monitored by ca) to
// line b (monitored by cb) and returns its callID.
func established(t *testing.T, ca, cb *testClient, a, b string) csta.CallID {
	t.Helper()
	id := ca.call(a, b)
	ca.expect("Delivered " + b + " connected newCall")
	cb.expect("Delivered " + b + " alerting newCall")
	cb.ok(&csta.AnswerCall{CallToBeAnswered: csta.Connection(id, b)})
	ca.expect("Established " + b + " connected normal")
	cb.expect("Established " + b + " connected normal")
	return id
}

func TestMakeCallExternal(t *testing.T) {
	const (
		cleared1001 = "ConnectionCleared 1001 null normalClearing"
		callCleared = "CallCleared - - normalClearing"
	)
	tests := []struct {
		name  string
		to    string
		want  []string
		clear []string // the events after 1001 clears
	}{
		{"answers", "2000", []string{
			"NetworkReached 2000 connected normal",
			"Delivered 2000 connected newCall",
			"Established 2000 connected normal",
		}, []string{cleared1001, "ConnectionCleared 2000 null normalClearing", callCleared}},
		{"busy", "3000", []string{"Failed 1001 fail busy"}, []string{cleared1001, callCleared}},
		{"rings", "3001", []string{
			"NetworkReached 3001 connected normal",
			"Delivered 3001 connected newCall",
		}, []string{cleared1001, "ConnectionCleared 3001 null normalClearing", callCleared}},
		{"answers, hangs up later", "3002", []string{
			"NetworkReached 3002 connected normal",
			"Delivered 3002 connected newCall",
			"Established 3002 connected normal",
		}, []string{cleared1001, "ConnectionCleared 3002 null normalClearing", callCleared}},
		{"unobtainable", "9999", []string{"Failed 1001 fail destNotObtainable"}, []string{cleared1001, callCleared}},
		{"unprovisioned line", "1009", []string{"Failed 1001 fail destNotObtainable"}, []string{cleared1001, callCleared}},
		{"tel URI", "tel:+3222220220", []string{"Failed 1001 fail destNotObtainable"}, []string{cleared1001, callCleared}},
		{"own line", "1001", []string{"Failed 1001 fail busy"}, []string{cleared1001, callCleared}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestPBX(t, PBXConfig{FarEnds: DemoFarEnds(0, DefaultHangUpDelay)})
			a := connect(t, serve(t, p, ServerConfig{}))
			a.monitor("1001")
			id := a.call("1001", tt.to)
			a.expect(tt.want...)
			a.ok(&csta.ClearConnection{ConnectionToBeCleared: csta.Connection(id, "1001")})
			a.expect(tt.clear...)
			a.quiet()
			assert.Empty(t, p.Calls())
		})
	}
}

// ringing sets up a monitored call from line 1001 to 3001, which rings
// until the test answers.
func ringing(t *testing.T) (*PBX, *testClient, csta.CallID) {
	t.Helper()
	p := newTestPBX(t, PBXConfig{})
	a := connect(t, serve(t, p, ServerConfig{}))
	a.monitor("1001")
	id := a.call("1001", "3001")
	a.expect("NetworkReached 3001 connected normal", "Delivered 3001 connected newCall")
	return p, a, id
}

func TestFarEndControl(t *testing.T) {
	p, a, id := ringing(t)
	require.NoError(t, p.Answer(id, ""))
	a.expect("Established 3001 connected normal")
	require.ErrorIs(t, p.Answer(id, "3001"), csta.ErrNoCallToAnswer)
	require.ErrorIs(t, p.Answer("nope", ""), csta.ErrInvalidCallID)
	require.ErrorIs(t, p.Hangup(id, "4444"), csta.ErrInvalidConnectionID)
	require.NoError(t, p.Hangup(id, "3001"))
	a.expect("ConnectionCleared 3001 connected normalClearing", "ConnectionCleared 1001 null normalClearing", "CallCleared - - normalClearing")
	a.quiet()
}

func TestIncomingCall(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	b := connect(t, serve(t, p, ServerConfig{}))
	b.monitor("1002")
	id, err := p.Call("+3222220220", "tel:1002;phone-context=dialstring")
	require.NoError(t, err)
	d := b.expect("Delivered 1002 alerting newCall")[0].(*csta.DeliveredEvent)
	assert.Equal(t, "+3222220220", d.CallingDevice.String())
	assert.Equal(t, "1002", d.CalledDevice.String())
	assert.True(t, d.LastRedirectionDevice.NotKnown)

	b.fails(&csta.HoldCall{CallToBeHeld: csta.Connection(id, "1002")}, csta.ErrInvalidConnectionState)
	b.fails(&csta.AnswerCall{CallToBeAnswered: csta.Connection(id, "+3222220220")}, csta.ErrInvalidConnectionID)
	b.ok(&csta.AnswerCall{CallToBeAnswered: csta.Connection(id, "1002")})
	b.expect("Established 1002 connected normal")
	b.fails(&csta.AnswerCall{CallToBeAnswered: csta.Connection(id, "1002")}, csta.ErrNoCallToAnswer)

	require.NoError(t, p.Hangup(id, "+3222220220"))
	b.expect("ConnectionCleared +3222220220 connected normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing")

	_, err = p.Call("+3222220220", "2000")
	require.ErrorIs(t, err, csta.ErrInvalidCalledDevice)
	_, err = p.Call("1001", "")
	require.ErrorIs(t, err, csta.ErrInvalidCalledDevice)

	// Calls from a line are dialled on the phone: cause newCall.
	b.monitor("1001")
	_, err = p.Call("1001", "2000")
	require.NoError(t, err)
	b.expect("ServiceInitiated 1001 initiated newCall", "Originated 1001 connected newCall",
		"NetworkReached 2000 connected normal", "Delivered 2000 connected newCall", "Established 2000 connected normal")
	b.quiet()
}

func TestHoldRetrieve(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a, b := connect(t, s), connect(t, s)
	a.monitor("1001")
	b.monitor("1002")
	id := established(t, a, b, "1001", "1002")
	conn := csta.Connection(id, "1001")

	a.fails(&csta.RetrieveCall{CallToBeRetrieved: conn}, csta.ErrNoHeldCall)
	a.ok(&csta.HoldCall{CallToBeHeld: conn})
	a.expect("Held 1001 hold normal")
	b.expect("Held 1001 connected normal")
	a.fails(&csta.HoldCall{CallToBeHeld: conn}, csta.ErrInvalidConnectionState)
	a.ok(&csta.RetrieveCall{CallToBeRetrieved: conn})
	a.expect("Retrieved 1001 connected normal")
	b.expect("Retrieved 1001 connected normal")
	a.quiet()
	b.quiet()
}

// consult sets up 1001 talking to 1002, then consulting 1003 (answered),
// each line monitored by its own client, and returns the two calls.
func consult(t *testing.T, a, b, c *testClient) (c1, c2 csta.CallID) {
	t.Helper()
	c1 = established(t, a, b, "1001", "1002")
	resp := a.ok(&csta.ConsultationCall{ExistingCall: csta.Connection(c1, "1001"), ConsultedDevice: csta.Device("1003")}).(*csta.ConsultationCallResponse)
	c2 = resp.InitiatedCall.CallID
	assert.NotEqual(t, c1, c2)
	assert.Equal(t, "1001", resp.InitiatedCall.DeviceID.ID)
	a.expect("Held 1001 hold consultation", "ServiceInitiated 1001 initiated consultation",
		"Originated 1001 connected consultation", "Delivered 1003 connected newCall")
	b.expect("Held 1001 connected consultation")
	c.expect("Delivered 1003 alerting newCall")
	c.ok(&csta.AnswerCall{CallToBeAnswered: csta.Connection(c2, "1003")})
	a.expect("Established 1003 connected normal")
	c.expect("Established 1003 connected normal")
	return c1, c2
}

func threeClients(t *testing.T) (*PBX, *testClient, *testClient, *testClient) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a, b, c := connect(t, s), connect(t, s), connect(t, s)
	a.monitor("1001")
	b.monitor("1002")
	c.monitor("1003")
	return p, a, b, c
}

func TestTransfer(t *testing.T) {
	p, a, b, c := threeClients(t)
	c1, c2 := consult(t, a, b, c)

	a.fails(&csta.TransferCall{HeldCall: csta.Connection(c2, "1001"), ActiveCall: csta.Connection(c1, "1001")}, csta.ErrNoHeldCall)
	resp := a.ok(&csta.TransferCall{HeldCall: csta.Connection(c1, "1001"), ActiveCall: csta.Connection(c2, "1001")}).(*csta.TransferCallResponse)
	assert.Equal(t, csta.Connection(c1, "1003"), resp.TransferredCall)

	ta := a.expect("Transfered 1001 null transfer")[0].(*csta.TransferredEvent)
	b.expect("Transfered 1001 connected transfer")
	c.expect("Transfered 1001 connected transfer")
	assert.Equal(t, csta.Connection(c2, "1001"), *ta.SecondaryOldCall)
	assert.Equal(t, "1001", ta.TransferringDevice.String())
	assert.Equal(t, "1003", ta.TransferredToDevice.String())
	require.Len(t, ta.TransferredConnections, 2)
	assert.Equal(t, csta.Connection(c1, "1002"), *ta.TransferredConnections[0].NewConnection)
	assert.Equal(t, csta.Connection(c1, "1002"), *ta.TransferredConnections[0].OldConnection)
	assert.Equal(t, csta.Connection(c1, "1003"), *ta.TransferredConnections[1].NewConnection)
	assert.Equal(t, csta.Connection(c2, "1003"), *ta.TransferredConnections[1].OldConnection)
	assert.Equal(t, resp.Connections, ta.TransferredConnections)

	calls := p.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, c1, calls[0].ID)
	assert.Equal(t, []PartyInfo{{ID: "1002", State: csta.StateConnected}, {ID: "1003", State: csta.StateConnected}}, calls[0].Parties)

	// The transferred call carries on: 1003 hangs up.
	c.ok(&csta.ClearConnection{ConnectionToBeCleared: csta.Connection(c1, "1003")})
	c.expect("ConnectionCleared 1003 null normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing")
	b.expect("ConnectionCleared 1003 connected normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing")
	a.quiet()
	b.quiet()
	c.quiet()
}

func TestConference(t *testing.T) {
	p, a, b, c := threeClients(t)
	c1, c2 := consult(t, a, b, c)

	resp := a.ok(&csta.ConferenceCall{HeldCall: csta.Connection(c1, "1001"), ActiveCall: csta.Connection(c2, "1001")}).(*csta.ConferenceCallResponse)
	assert.Equal(t, csta.Connection(c1, "1001"), resp.ConferenceCall)
	ev := a.expect("Conferenced 1001 connected conference")[0].(*csta.ConferencedEvent)
	b.expect("Conferenced 1001 connected conference")
	c.expect("Conferenced 1001 connected conference")
	assert.Equal(t, "1003", ev.AddedParty.String())
	require.Len(t, ev.ConferenceConnections, 3)
	assert.Equal(t, csta.Connection(c2, "1003"), *ev.ConferenceConnections[2].OldConnection)
	assert.Equal(t, csta.Connection(c1, "1003"), *ev.ConferenceConnections[2].NewConnection)

	calls := p.Calls()
	require.Len(t, calls, 1)
	assert.Len(t, calls[0].Parties, 3)

	// One leaves; the other two talk on.
	b.ok(&csta.ClearConnection{ConnectionToBeCleared: csta.Connection(c1, "1002")})
	a.expect("ConnectionCleared 1002 connected normalClearing")
	b.expect("ConnectionCleared 1002 null normalClearing")
	c.expect("ConnectionCleared 1002 connected normalClearing")
	ci, _ := p.LookupCall(c1)
	assert.Len(t, ci.Parties, 2)
	a.quiet()
	b.quiet()
	c.quiet()
}

// TestClearCall: ClearCall ends a conference of three at once, as a real
// PBX does: a ConnectionCleared for each party, the requester first, then
// CallCleared, to every line that was in the call. A callID alone is
// enough; an unknown call is refused.
func TestClearCall(t *testing.T) {
	p, a, b, c := threeClients(t)
	c1, c2 := consult(t, a, b, c)
	a.ok(&csta.ConferenceCall{HeldCall: csta.Connection(c1, "1001"), ActiveCall: csta.Connection(c2, "1001")})
	for _, x := range []*testClient{a, b, c} {
		x.expect("Conferenced 1001 connected conference")
	}

	a.fails(&csta.ClearCall{CallToBeCleared: csta.Connection(c2, "1001")}, csta.ErrInvalidCallID)
	a.fails(&csta.ClearCall{CallToBeCleared: csta.Connection(c1, "1004")}, csta.ErrInvalidConnectionID)

	b.ok(&csta.ClearCall{CallToBeCleared: csta.Connection(c1, "1002")})
	a.expect("ConnectionCleared 1002 connected normalClearing", "ConnectionCleared 1001 null normalClearing",
		"ConnectionCleared 1003 null normalClearing", "CallCleared - - normalClearing")
	b.expect("ConnectionCleared 1002 null normalClearing", "ConnectionCleared 1001 null normalClearing",
		"ConnectionCleared 1003 null normalClearing", "CallCleared - - normalClearing")
	c.expect("ConnectionCleared 1002 connected normalClearing", "ConnectionCleared 1001 connected normalClearing",
		"ConnectionCleared 1003 null normalClearing", "CallCleared - - normalClearing")
	assert.Empty(t, p.Calls())
	a.quiet()
	b.quiet()
	c.quiet()

	// A callID alone names the call.
	id := established(t, a, b, "1001", "1002")
	a.ok(&csta.ClearCall{CallToBeCleared: csta.ConnectionID{CallID: id}})
	a.expect("ConnectionCleared 1001 null normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing")
	b.expect("ConnectionCleared 1001 connected normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing")
	assert.Empty(t, p.Calls())
	a.fails(&csta.ClearCall{CallToBeCleared: csta.ConnectionID{CallID: id}}, csta.ErrInvalidCallID)
}

func TestAlternateReconnect(t *testing.T) {
	_, a, b, c := threeClients(t)
	c1, c2 := consult(t, a, b, c)

	a.fails(&csta.AlternateCall{HeldCall: csta.Connection(c2, "1001"), ActiveCall: csta.Connection(c1, "1001")}, csta.ErrNoHeldCall)
	a.fails(&csta.AlternateCall{HeldCall: csta.Connection(c1, "1001"), ActiveCall: csta.Connection(c2, "1003")}, errNotSameDevice)
	a.ok(&csta.AlternateCall{HeldCall: csta.Connection(c1, "1001"), ActiveCall: csta.Connection(c2, "1001")})
	a.expect("Held 1001 hold alternate", "Retrieved 1001 connected alternate")
	b.expect("Retrieved 1001 connected alternate")
	c.expect("Held 1001 connected alternate")

	// Now c1 is active and c2 held: reconnect drops c1, retrieves c2.
	a.ok(&csta.ReconnectCall{ActiveCall: csta.Connection(c1, "1001"), HeldCall: csta.Connection(c2, "1001")})
	a.expect("ConnectionCleared 1001 null normalClearing", "ConnectionCleared 1002 null normalClearing",
		"CallCleared - - normalClearing", "Retrieved 1001 connected normal")
	b.expect("ConnectionCleared 1001 connected normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing")
	c.expect("Retrieved 1001 connected normal")
	a.quiet()
	b.quiet()
	c.quiet()
}

func TestSingleStepTransfer(t *testing.T) {
	p, a, b, c := threeClients(t)
	id := established(t, a, b, "1001", "1002")

	a.fails(&csta.SingleStepTransferCall{ActiveCall: csta.Connection(id, "1001"), TransferredTo: csta.Device("3000")}, csta.ErrInvalidDestination)
	resp := a.ok(&csta.SingleStepTransferCall{ActiveCall: csta.Connection(id, "1001"), TransferredTo: csta.Device("1003")}).(*csta.SingleStepTransferCallResponse)
	assert.Equal(t, csta.Connection(id, "1003"), resp.TransferredCall)
	a.expect("Transfered 1001 null singleStepTransfer")
	b.expect("Transfered 1001 connected singleStepTransfer", "Delivered 1003 connected singleStepTransfer")
	d := c.expect("Delivered 1003 alerting singleStepTransfer")[0].(*csta.DeliveredEvent)
	assert.Equal(t, "1002", d.CallingDevice.String())
	assert.Equal(t, "1001", d.LastRedirectionDevice.String())
	c.ok(&csta.AnswerCall{CallToBeAnswered: csta.Connection(id, "1003")})
	b.expect("Established 1003 connected normal")
	c.expect("Established 1003 connected normal")
	ci, _ := p.LookupCall(id)
	assert.Equal(t, []PartyInfo{{ID: "1002", State: csta.StateConnected}, {ID: "1003", State: csta.StateConnected}}, ci.Parties)
	a.quiet()
}

func TestDeflect(t *testing.T) {
	_, a, b, c := threeClients(t)
	id := a.call("1001", "1002")
	a.expect("Delivered 1002 connected newCall")
	b.expect("Delivered 1002 alerting newCall")

	b.fails(&csta.DeflectCall{CallToBeDiverted: csta.Connection(id, "1002"), NewDestination: csta.Device("9999")}, csta.ErrInvalidDestination)
	b.fails(&csta.DeflectCall{CallToBeDiverted: csta.Connection(id, "1001"), NewDestination: csta.Device("1003")}, csta.ErrInvalidConnectionState)
	b.ok(&csta.DeflectCall{CallToBeDiverted: csta.Connection(id, "1002"), NewDestination: csta.Device("1003")})
	a.expect("Diverted 1002 connected redirected", "Delivered 1003 connected redirected")
	dv := b.expect("Diverted 1002 null redirected")[0].(*csta.DivertedEvent)
	assert.Equal(t, "1003", dv.NewDestination.String())
	d := c.expect("Delivered 1003 alerting redirected")[0].(*csta.DeliveredEvent)
	assert.Equal(t, "1002", d.LastRedirectionDevice.String())
	assert.Equal(t, "1002", d.CalledDevice.String())
	a.quiet()
	b.quiet()
	c.quiet()
}

func TestGenerateDigits(t *testing.T) {
	_, a, id := ringing(t)
	a.ok(&csta.GenerateDigits{ConnectionToSendDigits: csta.Connection(id, "1001"), CharactersToSend: "12#*"})
	a.expect("DigitsGenerated 1001 12#*")
	a.fails(&csta.GenerateDigits{ConnectionToSendDigits: csta.Connection(id, "1001"), CharactersToSend: "12x"}, errInvalidParameterValue)
	a.fails(&csta.GenerateDigits{ConnectionToSendDigits: csta.Connection(id, "3001"), CharactersToSend: "1"}, csta.ErrInvalidConnectionID)
	a.quiet()
}

func TestForwarding(t *testing.T) {
	_, a, b, c := threeClients(t)
	b.fails(&csta.SetForwarding{Device: csta.Device("1002"), ForwardingType: csta.ForwardImmediate, ActivateForward: true}, csta.ErrInvalidForwardingDestination)
	b.fails(&csta.SetForwarding{Device: csta.Device("1002"), ForwardingType: "forwardSometimes", ActivateForward: true, ForwardDN: ptr(csta.Device("1003"))}, errInvalidForwardingType)
	b.fails(&csta.SetForwarding{Device: csta.Device("1002"), ActivateForward: true, ForwardDN: ptr(csta.Device("1002"))}, csta.ErrInvalidForwardingDestination)
	b.fails(&csta.SetForwarding{Device: csta.Device("1009"), ActivateForward: true, ForwardDN: ptr(csta.Device("1002"))}, csta.ErrInvalidDeviceID)
	b.ok(&csta.SetForwarding{Device: csta.Device("1002"), ForwardingType: csta.ForwardImmediate, ActivateForward: true, ForwardDN: ptr(csta.Device("1003"))})
	fe := b.expect("Forwarding 1002 forwardImmediate true")[0].(*csta.ForwardingEvent)
	assert.Equal(t, "1003", fe.ForwardTo.ID)
	get := b.ok(&csta.GetForwarding{Device: csta.Device("1002")}).(*csta.GetForwardingResponse)
	require.Len(t, get.ForwardingList, 1)
	assert.Equal(t, csta.ForwardListItem{ForwardingType: csta.ForwardImmediate, ForwardStatus: true, ForwardDN: ptr(csta.Device("1003"))}, get.ForwardingList[0])

	id := a.call("1001", "1002")
	a.expect("Diverted 1002 connected callForwardImmediate", "Delivered 1003 connected callForwardImmediate")
	b.expect("Diverted 1002 null callForwardImmediate")
	d := c.expect("Delivered 1003 alerting callForwardImmediate")[0].(*csta.DeliveredEvent)
	assert.Equal(t, "1002", d.CalledDevice.String())
	assert.Equal(t, "1002", d.LastRedirectionDevice.String())
	c.ok(&csta.AnswerCall{CallToBeAnswered: csta.Connection(id, "1003")})
	a.expect("Established 1003 connected normal")
	c.expect("Established 1003 connected normal")

	// Switched off: calls ring at 1002 again.
	b.ok(&csta.SetForwarding{Device: csta.Device("1002"), ForwardingType: csta.ForwardImmediate, ActivateForward: false})
	b.expect("Forwarding 1002 forwardImmediate false")
	get = b.ok(&csta.GetForwarding{Device: csta.Device("1002")}).(*csta.GetForwardingResponse)
	assert.False(t, get.ForwardingList[0].ForwardStatus)

	// Forward on busy: 1003 is in a call, so a call to it goes to 2000.
	c.ok(&csta.SetForwarding{Device: csta.Device("1003"), ForwardingType: csta.ForwardBusy, ActivateForward: true, ForwardDN: ptr(csta.Device("2000"))})
	c.expect("Forwarding 1003 forwardBusy true")
	b.call("1002", "1003")
	b.expect("Diverted 1003 connected callForwardBusy", "NetworkReached 2000 connected normal",
		"Delivered 2000 connected callForwardBusy", "Established 2000 connected normal")
	c.expect("Diverted 1003 null callForwardBusy") // 1003 has no connection to this call
	a.quiet()
	b.quiet()
	c.quiet()
}

func TestDoNotDisturb(t *testing.T) {
	p, a, b, _ := threeClients(t)
	b.ok(&csta.SetDoNotDisturb{Device: csta.Device("1002"), DoNotDisturbOn: true})
	b.expect("DoNotDisturb 1002 true")
	assert.True(t, b.ok(&csta.GetDoNotDisturb{Device: csta.Device("1002")}).(*csta.GetDoNotDisturbResponse).DoNotDisturbOn)
	b.fails(&csta.GetDoNotDisturb{Device: csta.Device("nope")}, csta.ErrInvalidDeviceID)

	a.call("1001", "1002")
	f := a.expect("Failed 1001 fail busy")[0].(*csta.FailedEvent)
	assert.Equal(t, "1002", f.FailingDevice.String())

	// An external call to a line in do-not-disturb is refused and cleared.
	_, err := p.Call("2000", "1002")
	require.NoError(t, err)
	require.Len(t, p.Calls(), 1) // only 1001's failed call

	// With forwarding on do-not-disturb, calls are forwarded instead.
	b.ok(&csta.SetForwarding{Device: csta.Device("1002"), ForwardingType: csta.ForwardDND, ActivateForward: true, ForwardDN: ptr(csta.Device("2001"))})
	b.expect("Forwarding 1002 forwardDND true")
	_, err = p.Call("1004", "1002")
	require.NoError(t, err)
	b.expect("Diverted 1002 null callForward")

	b.ok(&csta.SetDoNotDisturb{Device: csta.Device("1002"), DoNotDisturbOn: false})
	b.expect("DoNotDisturb 1002 false")
	ls, ok := p.Line("1002")
	require.True(t, ok)
	assert.False(t, ls.DoNotDisturb)
	assert.Equal(t, 1, ls.Monitors)
	a.quiet()
	b.quiet()
}

func TestSnapshotDevice(t *testing.T) {
	_, a, b, c := threeClients(t)
	c1, c2 := consult(t, a, b, c)
	snap := a.ok(&csta.SnapshotDevice{SnapshotObject: csta.Device("1001")}).(*csta.SnapshotDeviceResponse)
	require.Len(t, snap.SnapshotData, 2)
	assert.Equal(t, csta.Connection(c1, "1001"), snap.SnapshotData[0].ConnectionIdentifier)
	assert.Equal(t, []csta.LocalConnectionState{csta.StateHold, csta.StateConnected}, snap.SnapshotData[0].LocalCallState.Compound)
	assert.Equal(t, csta.Connection(c2, "1001"), snap.SnapshotData[1].ConnectionIdentifier)
	assert.Equal(t, []csta.LocalConnectionState{csta.StateConnected, csta.StateConnected}, snap.SnapshotData[1].LocalCallState.Compound)

	empty := a.ok(&csta.SnapshotDevice{SnapshotObject: csta.Device("1004")}).(*csta.SnapshotDeviceResponse)
	assert.Empty(t, empty.SnapshotData)
	a.fails(&csta.SnapshotDevice{SnapshotObject: csta.Device("1009")}, csta.ErrInvalidDeviceID)
}

func TestFeaturesAndMonitors(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a, b := connect(t, s), connect(t, s)

	f := a.ok(&csta.GetCSTAFeatures{}).(*csta.GetCSTAFeaturesResponse)
	for _, name := range []string{"makeCall", "answerCall", "clearConnection", "clearCall", "holdCall", "retrieveCall", "consultationCall",
		"alternateCall", "reconnectCall", "transferCall", "singleStepTransfer", "conferenceCall", "deflectCall",
		"generateDigits", "setForwarding", "getForwarding", "setDoNotDisturb", "getDoNotDisturb", "snapshotDevice",
		"monitorStart", "monitorStop", "requestSystemStatus"} {
		assert.True(t, f.Features.Services.Supports(name), name)
	}
	for _, name := range []string{"serviceInitiated", "originated", "delivered", "established", "connectionCleared",
		"callCleared", "failed", "held", "retrieved", "transferred", "conferenced", "diverted", "netwReached",
		"digitsGenerated", "forwarding", "doNotDisturb"} {
		assert.True(t, f.Features.Events.Supports(name), name)
	}

	m1 := a.monitor("1001")
	m2 := a.monitor("tel:1001;phone-context=dialstring")
	assert.NotEqual(t, m1, m2)
	a.fails(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1009")}}, csta.ErrInvalidDeviceID)
	a.fails(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Call: ptr(csta.Connection("0_1", ""))}}, csta.ErrInvalidCallID)
	a.fails(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}, MonitorType: "sideways"}, errInvalidParameterValue)
	b.fails(&csta.MonitorStop{MonitorCrossRefID: m1}, csta.ErrInvalidMonitorCrossRefID)
	a.fails(&csta.MonitorStop{MonitorCrossRefID: "nope"}, csta.ErrInvalidMonitorCrossRefID)

	// Two monitors, two copies of each event.
	_, err := p.Call("2000", "1001")
	require.NoError(t, err)
	evs := a.expect("Delivered 1001 alerting newCall", "Delivered 1001 alerting newCall")
	assert.Equal(t, m1, evs[0].CrossRefID())
	assert.Equal(t, m2, evs[1].CrossRefID())

	a.ok(&csta.MonitorStop{MonitorCrossRefID: m1})
	_, err = p.Call("2001", "1001")
	require.NoError(t, err)
	assert.Equal(t, m2, a.expect("Delivered 1001 alerting newCall")[0].CrossRefID())
	a.quiet()
}

func TestServiceErrors(t *testing.T) {
	p, a, id := ringing(t)

	tests := []struct {
		name string
		req  csta.Request
		want error
	}{
		{"unknown calling device", &csta.MakeCall{CallingDevice: csta.Device("9"), CalledDirectoryNumber: csta.Device("1002")}, csta.ErrInvalidDeviceID},
		{"bad called number", &csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("tel:")}, csta.ErrInvalidCalledDevice},
		{"unknown call", &csta.ClearConnection{ConnectionToBeCleared: csta.Connection("0_ffffffff", "1001")}, csta.ErrInvalidCallID},
		{"no callID, device without calls", &csta.ClearConnection{ConnectionToBeCleared: csta.ConnectionID{DeviceID: csta.Device("1002")}}, csta.ErrInvalidConnectionID},
		{"no device", &csta.ClearConnection{ConnectionToBeCleared: csta.ConnectionID{CallID: id}}, csta.ErrInvalidConnectionID},
		{"device not in call", &csta.HoldCall{CallToBeHeld: csta.Connection(id, "1002")}, csta.ErrInvalidConnectionID},
		{"answer a connected line", &csta.AnswerCall{CallToBeAnswered: csta.Connection(id, "1001")}, csta.ErrNoCallToAnswer},
		{"consult from a held call", &csta.ConsultationCall{ExistingCall: csta.Connection(id, "3001"), ConsultedDevice: csta.Device("1002")}, csta.ErrInvalidConnectionID},
		{"transfer without held call", &csta.TransferCall{HeldCall: csta.Connection(id, "1001"), ActiveCall: csta.Connection(id, "1001")}, csta.ErrInvalidConnectionID},
		{"unsupported", &csta.SystemStatus{SystemStatus: csta.SystemNormal}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == nil {
				a.ok(tt.req)
				return
			}
			a.fails(tt.req, tt.want)
		})
	}

	// An element the codec does not know is not supported.
	body := `<SnapshotCall xmlns="` + csta.NamespaceEd3 + `"><snapshotObject><callID>x</callID></snapshotObject></SnapshotCall>`
	a.next++
	require.NoError(t, writeFrame(a, a.next, body))
	e, ok := a.answer(a.next).(*csta.CSTAErrorCode)
	require.True(t, ok)
	assert.ErrorIs(t, e.Err(), csta.ErrServiceNotSupported)
	assert.Equal(t, "SnapshotCall", p.Requests().Named("SnapshotCall")[0].Name)
	a.quiet()
}

func writeFrame(c *testClient, id int, body string) error {
	return writeRaw(c, id, []byte(body))
}
