package ctitest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

func TestMonitorFilter(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a, b := connect(t, s), connect(t, s)
	a.monitor("1001")
	filter := csta.RawXML(`<requestedMonitorFilter><callcontrol><delivered>true</delivered><serviceInitiated>true</serviceInitiated><established>false</established></callcontrol>` +
		`<logicalDeviceFeature><doNotDisturb>true</doNotDisturb></logicalDeviceFeature></requestedMonitorFilter>`)
	resp := b.ok(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1002")}, RequestedMonitorFilter: filter}).(*csta.MonitorStartResponse)
	actual, err := csta.ParseMonitorFilter(resp.ActualMonitorFilter)
	require.NoError(t, err)
	assert.Equal(t, []string{"delivered", "serviceInitiated"}, actual.Filtered[csta.CategoryCallControl])
	assert.Equal(t, []string{"doNotDisturb"}, actual.Filtered[csta.CategoryLogicalDeviceFeature])

	id := a.call("1001", "1002")
	a.expect("Delivered 1002 connected newCall")
	b.ok(&csta.AnswerCall{CallToBeAnswered: csta.Connection(id, "1002")})
	b.expect("Established 1002 connected normal") // no Delivered
	a.expect("Established 1002 connected normal")
	b.ok(&csta.SetDoNotDisturb{Device: csta.Device("1002"), DoNotDisturbOn: true})
	b.ok(&csta.SetForwarding{Device: csta.Device("1002"), ForwardingType: csta.ForwardImmediate, ForwardDN: ptr(csta.Device("1003")), ActivateForward: true})
	b.expect("Forwarding 1002 forwardImmediate true") // no DoNotDisturb
	b.quiet()
	// The event log holds only what was sent.
	assert.Empty(t, p.Events().OnLine("1002").Named("DeliveredEvent", "DoNotDisturbEvent"))

	// No filter: an empty actualMonitorFilter, and every event.
	resp = a.ok(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1003")}}).(*csta.MonitorStartResponse)
	actual, err = csta.ParseMonitorFilter(resp.ActualMonitorFilter)
	require.NoError(t, err)
	assert.True(t, actual.IsZero())

	a.fails(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")},
		RequestedMonitorFilter: `<requestedMonitorFilter><callcontrol><held>perhaps</held></callcontrol></requestedMonitorFilter>`}, errInvalidParameterValue)
}

func TestCallMonitor(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a, obs := connect(t, s), connect(t, s)
	a.monitor("1001")
	id := a.call("1001", "3001")
	a.expect("NetworkReached 3001 connected normal", "Delivered 3001 connected newCall")

	// A call monitor by callID, and one by the call's connection.
	m := obs.ok(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Call: ptr(csta.ConnectionID{CallID: id})}}).(*csta.MonitorStartResponse).MonitorCrossRefID
	m2 := obs.ok(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Call: ptr(csta.Connection(id, "1001"))}, MonitorType: csta.MonitorTypeCall,
		RequestedMonitorFilter: `<requestedMonitorFilter><callcontrol><connectionCleared>true</connectionCleared></callcontrol></requestedMonitorFilter>`}).(*csta.MonitorStartResponse).MonitorCrossRefID
	require.NoError(t, p.Answer(id, "3001"))
	evs := obs.expect("Established 3001 - normal", "Established 3001 - normal")
	assert.Equal(t, m, evs[0].CrossRefID())
	assert.Equal(t, m2, evs[1].CrossRefID())
	a.expect("Established 3001 connected normal")
	require.NoError(t, p.Hangup(id, "3001"))
	evs = obs.expect("ConnectionCleared 3001 - normalClearing", "ConnectionCleared 1001 - normalClearing", "CallCleared - - normalClearing", "CallCleared - - normalClearing")
	assert.Equal(t, []csta.MonitorCrossRefID{m, m, m, m2}, []csta.MonitorCrossRefID{evs[0].CrossRefID(), evs[1].CrossRefID(), evs[2].CrossRefID(), evs[3].CrossRefID()})
	a.expect("ConnectionCleared 3001 connected normalClearing", "ConnectionCleared 1001 null normalClearing", "CallCleared - - normalClearing")
	// The monitors ended with the call.
	obs.fails(&csta.MonitorStop{MonitorCrossRefID: m}, csta.ErrInvalidMonitorCrossRefID)
	obs.fails(&csta.MonitorStop{MonitorCrossRefID: m2}, csta.ErrInvalidMonitorCrossRefID)
	obs.quiet()
}

func TestCallTypeDeviceMonitor(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a, dev := connect(t, s), connect(t, s)
	mc := a.ok(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}, MonitorType: csta.MonitorTypeCall}).(*csta.MonitorStartResponse).MonitorCrossRefID
	dev.monitor("1001")

	// 1001 calls 3001, consults 3002... transfers: 1001 leaves the call,
	// but its call-type monitor still follows it.
	id := a.call("1001", "3001")
	dev.expect("ServiceInitiated 1001 initiated makeCall", "Originated 1001 connected newCall")
	a.expect("NetworkReached 3001 connected normal", "Delivered 3001 connected newCall")
	dev.expect("NetworkReached 3001 connected normal", "Delivered 3001 connected newCall")
	require.NoError(t, p.Answer(id, "3001"))
	a.expect("Established 3001 connected normal")
	dev.expect("Established 3001 connected normal")
	resp := a.ok(&csta.ConsultationCall{ExistingCall: csta.Connection(id, "1001"), ConsultedDevice: csta.Device("2000")}).(*csta.ConsultationCallResponse)
	a.expect("Held 1001 hold consultation", "ServiceInitiated 1001 initiated consultation", "Originated 1001 connected consultation",
		"NetworkReached 2000 connected normal", "Delivered 2000 connected newCall", "Established 2000 connected normal")
	dev.expect("Held 1001 hold consultation", "ServiceInitiated 1001 initiated consultation", "Originated 1001 connected consultation",
		"NetworkReached 2000 connected normal", "Delivered 2000 connected newCall", "Established 2000 connected normal")
	a.ok(&csta.TransferCall{HeldCall: csta.Connection(id, "1001"), ActiveCall: resp.InitiatedCall})
	a.expect("Transfered 1001 null transfer")
	dev.expect("Transfered 1001 null transfer")

	require.NoError(t, p.Hangup(id, "2000"))
	evs := a.expect("ConnectionCleared 2000 null normalClearing", "ConnectionCleared 3001 null normalClearing", "CallCleared - - normalClearing")
	for _, ev := range evs {
		assert.Equal(t, mc, ev.CrossRefID())
	}
	a.quiet()
	dev.quiet() // the device monitor no longer hears the call
}

func TestDeviceOnlyConnectionID(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a := connect(t, s)
	a.monitor("1001")
	only := csta.ConnectionID{DeviceID: csta.Device("1001")}

	// One call: the device's connection is that call's.
	id1, err := p.Call("2000", "1001")
	require.NoError(t, err)
	a.expect("Delivered 1001 alerting newCall")
	a.ok(&csta.AnswerCall{CallToBeAnswered: only})
	a.expect("Established 1001 connected normal")

	// Two calls, one of them held: the other one.
	a.ok(&csta.HoldCall{CallToBeHeld: only})
	a.expect("Held 1001 hold normal")
	id2, err := p.Call("2001", "1001")
	require.NoError(t, err)
	a.expect("Delivered 1001 alerting newCall")
	a.ok(&csta.AnswerCall{CallToBeAnswered: only})
	ev := a.expect("Established 1001 connected normal")[0]
	assert.Equal(t, id2, callOf(ev))

	// Two calls, neither on hold: ambiguous.
	a.ok(&csta.RetrieveCall{CallToBeRetrieved: csta.Connection(id1, "1001")})
	a.expect("Retrieved 1001 connected normal")
	m := a.do(&csta.ClearConnection{ConnectionToBeCleared: only})
	e, ok := m.(*csta.CSTAErrorCode)
	require.True(t, ok, "answered with %s", m.MessageName())
	require.ErrorIs(t, e.Err(), csta.ErrInvalidConnectionID)
	assert.Len(t, p.Calls(), 2)

	// Decoded from the wire as OpenScape Voice clients write it.
	require.NoError(t, p.Hangup(id2, ""))
	a.expect("ConnectionCleared 2001 connected normalClearing", "ConnectionCleared 1001 null normalClearing", "CallCleared - - normalClearing")
	body := `<ClearConnection xmlns="` + csta.NamespaceEd3 + `"><connectionToBeCleared><deviceID>1001</deviceID></connectionToBeCleared></ClearConnection>`
	a.next++
	require.NoError(t, writeFrame(a, a.next, body))
	_, ok = a.answer(a.next).(*csta.ClearConnectionResponse)
	require.True(t, ok)
	a.expect("ConnectionCleared 1001 null normalClearing", "ConnectionCleared 2000 null normalClearing", "CallCleared - - normalClearing")
	assert.Empty(t, p.Calls())
}

func TestEventFieldsOfRealPBXs(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a := connect(t, s)
	a.monitor("1001")
	a.monitor("1002")

	// An incoming call from the network.
	id, err := p.Call("+3222220220", "1001")
	require.NoError(t, err)
	d := a.expect("Delivered 1001 alerting newCall")[0].(*csta.DeliveredEvent)
	require.NotNil(t, d.NetworkCallingDevice)
	assert.Equal(t, "+3222220220", d.NetworkCallingDevice.String())
	require.NotNil(t, d.NetworkCalledDevice)
	assert.Equal(t, "1001", d.NetworkCalledDevice.String())
	assert.Contains(t, string(d.ServicesPermitted), "<answerCall>true</answerCall>")
	assert.Contains(t, string(d.CallLinkageData), "<globallyUniqueCallLinkageID>")
	a.ok(&csta.AnswerCall{CallToBeAnswered: csta.Connection(id, "1001")})
	e := a.expect("Established 1001 connected normal")[0].(*csta.EstablishedEvent)
	assert.Contains(t, string(e.ServicesPermitted), "<holdCall>true</holdCall>")
	assert.NotContains(t, string(e.ServicesPermitted), "answerCall")
	assert.Equal(t, d.CallLinkageData, e.CallLinkageData)
	require.NoError(t, p.Hangup(id, ""))
	a.expect("ConnectionCleared +3222220220 connected normalClearing", "ConnectionCleared 1001 null normalClearing", "CallCleared - - normalClearing")

	// An internal call carries the MakeCall's correlatorData and no
	// network devices.
	resp := a.ok(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002"), CorrelatorData: "C0FFEE"}).(*csta.MakeCallResponse)
	evs := a.expect("ServiceInitiated 1001 initiated makeCall", "Originated 1001 connected newCall", "Delivered 1002 connected newCall", "Delivered 1002 alerting newCall")
	for _, ev := range evs {
		var corr string
		var net *csta.ExtendedDeviceID
		switch ev := ev.(type) {
		case *csta.ServiceInitiatedEvent:
			corr, net = ev.CorrelatorData, ev.NetworkCallingDevice
		case *csta.OriginatedEvent:
			corr, net = ev.CorrelatorData, ev.NetworkCallingDevice
		case *csta.DeliveredEvent:
			corr, net = ev.CorrelatorData, ev.NetworkCallingDevice
		}
		assert.Equal(t, "C0FFEE", corr, describe(ev))
		assert.Nil(t, net, describe(ev))
	}
	require.NoError(t, p.Hangup(resp.CallingDevice.CallID, ""))
	cleared := a.expect("ConnectionCleared 1001 null normalClearing", "ConnectionCleared 1001 alerting normalClearing",
		"ConnectionCleared 1002 null normalClearing", "ConnectionCleared 1002 null normalClearing",
		"CallCleared - - normalClearing", "CallCleared - - normalClearing")
	assert.Equal(t, "C0FFEE", cleared[5].(*csta.CallClearedEvent).CorrelatorData)
}

func TestMonitorInvertFilter(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a := connect(t, s)
	a.ok(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")},
		RequestedMonitorFilter: `<requestedMonitorFilter><callcontrol><established>true</established><callCleared>true</callCleared></callcontrol></requestedMonitorFilter>`,
		Extensions:             &csta.Extensions{Private: []csta.RawXML{`<AvayaEvents xmlns="http://www.avaya.com/csta"><invertFilter>true</invertFilter></AvayaEvents>`}}})
	id, err := p.Call("2000", "1001")
	require.NoError(t, err)
	require.NoError(t, p.Answer(id, "1001"))
	require.NoError(t, p.Hangup(id, ""))
	a.expect("Established 1001 connected normal", "CallCleared - - normalClearing")
	a.quiet()
}
