package csta

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMonitorFilter(t *testing.T) {
	f, err := ParseMonitorFilter(`<requestedMonitorFilter><callcontrol><delivered>true</delivered><established>false</established><held>1</held></callcontrol>` +
		`<logicalDeviceFeature><doNotDisturb>true</doNotDisturb></logicalDeviceFeature></requestedMonitorFilter>`)
	require.NoError(t, err)
	assert.True(t, f.Suppresses("DeliveredEvent"))
	assert.True(t, f.Suppresses("HeldEvent"))
	assert.False(t, f.Suppresses("EstablishedEvent"))
	assert.True(t, f.Suppresses("DoNotDisturbEvent"))
	assert.False(t, f.Suppresses("ForwardingEvent"))
	assert.Equal(t, RawXML(`<actualMonitorFilter><callcontrol><delivered>true</delivered><held>true</held></callcontrol>`+
		`<logicalDeviceFeature><doNotDisturb>true</doNotDisturb></logicalDeviceFeature></actualMonitorFilter>`), f.XML("actualMonitorFilter"))

	// Round trip through its own XML.
	g, err := ParseMonitorFilter(f.XML("requestedMonitorFilter"))
	require.NoError(t, err)
	assert.Equal(t, f, g)

	// A category given as a whole, and spellings seen from clients.
	f, err = ParseMonitorFilter(`<requestedMonitorFilter><callcontrol>true</callcontrol><maintenance>true</maintenance><physicalDeviceFeature><hookswitch>true</hookswitch></physicalDeviceFeature></requestedMonitorFilter>`)
	require.NoError(t, err)
	assert.True(t, f.Suppresses("ConnectionClearedEvent"))
	assert.False(t, f.Suppresses("DigitsGeneratedEvent"))
	assert.True(t, f.Suppresses("HookswitchEvent"))
	assert.Equal(t, []string{"hookswitch"}, f.Filtered[CategoryPhysicalDeviceFeature])

	zero, err := ParseMonitorFilter("")
	require.NoError(t, err)
	assert.True(t, zero.IsZero())
	assert.False(t, zero.Suppresses("DeliveredEvent"))
	assert.Equal(t, RawXML(`<actualMonitorFilter></actualMonitorFilter>`), zero.XML("actualMonitorFilter"))

	for _, bad := range []RawXML{`<requestedMonitorFilter><callcontrol><delivered>maybe</delivered></callcontrol></requestedMonitorFilter>`, `<requestedMonitorFilter>`} {
		_, err := ParseMonitorFilter(bad)
		assert.Error(t, err, bad)
	}
	tr, err := ParseMonitorFilter(`<requestedMonitorFilter><callcontrol><transferred>true</transferred></callcontrol></requestedMonitorFilter>`)
	require.NoError(t, err)
	assert.True(t, tr.Suppresses("TransferedEvent"))
	s := MonitorFilter{}.Suppress(CategoryCallAssociated, "digitsGenerated")
	assert.True(t, s.Suppresses("DigitsGeneratedEvent"))
}

func TestMonitorFilterInMessages(t *testing.T) {
	req := `<MonitorStart xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><monitorObject><deviceObject>1001</deviceObject></monitorObject>` +
		`<requestedMonitorFilter><callcontrol><delivered>true</delivered></callcontrol></requestedMonitorFilter><monitorType>call</monitorType></MonitorStart>`
	m, err := Decode([]byte(req))
	require.NoError(t, err)
	ms := m.(*MonitorStart)
	assert.Equal(t, MonitorTypeCall, ms.MonitorType)
	f, err := ParseMonitorFilter(ms.RequestedMonitorFilter)
	require.NoError(t, err)
	assert.True(t, f.Suppresses("DeliveredEvent"))

	resp := &MonitorStartResponse{Header: Header{Namespace: NamespaceEd3}, MonitorCrossRefID: "7", ActualMonitorFilter: f.XML("actualMonitorFilter")}
	b, err := Encode(resp)
	require.NoError(t, err)
	back, err := Decode(b)
	require.NoError(t, err)
	g, err := ParseMonitorFilter(back.(*MonitorStartResponse).ActualMonitorFilter)
	require.NoError(t, err)
	assert.Equal(t, f, g)
}

func TestCorrelatorDataForms(t *testing.T) {
	for _, body := range []string{
		`<correlatorData>C0FFEE</correlatorData>`,
		`<correlatorData><string>C0FFEE</string></correlatorData>`,
	} {
		m, err := Decode([]byte(`<MakeCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><callingDevice>1001</callingDevice><calledDirectoryNumber>1002</calledDirectoryNumber>` + body + `</MakeCall>`))
		require.NoError(t, err, body)
		assert.Equal(t, "C0FFEE", m.(*MakeCall).CorrelatorData, body)
	}
	ev := &DeliveredEvent{Header: Header{Namespace: NamespaceEd3}, MonitorCrossRefID: "1", Connection: Connection("c1", "1002"),
		AlertingDevice: Known("1002"), CallingDevice: Known("1001"), CalledDevice: Known("1002"),
		LastRedirectionDevice: RedirectionDeviceID{NotKnown: true}, CorrelatorData: "C0FFEE"}
	b, err := Encode(ev)
	require.NoError(t, err)
	back, err := Decode(b)
	require.NoError(t, err)
	assert.Equal(t, "C0FFEE", back.(*DeliveredEvent).CorrelatorData)
}

func TestEventNetworkFieldsRoundTrip(t *testing.T) {
	ev := &EstablishedEvent{Header: Header{Namespace: NamespaceEd3}, MonitorCrossRefID: "1",
		EstablishedConnection: Connection("c1", "1001"), AnsweringDevice: Known("1001"),
		CallingDevice: Known("+3222220220"), CalledDevice: Known("1001"),
		LastRedirectionDevice: RedirectionDeviceID{NotKnown: true},
		LocalConnectionInfo:   StateConnected, CorrelatorData: "0A0B", Cause: CauseNormal,
		ServicesPermitted:    `<servicesPermitted><callControlServices><clearConnection>true</clearConnection></callControlServices></servicesPermitted>`,
		NetworkCallingDevice: refOf(Known("+3222220220")),
		NetworkCalledDevice:  refOf(Known("1001")),
		CallLinkageData:      `<callLinkageData><globalCallData><globalCallLinkageID><globallyUniqueCallLinkageID>0000002a</globallyUniqueCallLinkageID></globalCallLinkageID></globalCallData></callLinkageData>`,
	}
	b, err := Encode(ev)
	require.NoError(t, err)
	back, err := Decode(b)
	require.NoError(t, err)
	got := back.(*EstablishedEvent)
	assert.Equal(t, ev.NetworkCallingDevice, got.NetworkCallingDevice)
	assert.Equal(t, ev.NetworkCalledDevice, got.NetworkCalledDevice)
	assert.Equal(t, ev.ServicesPermitted, got.ServicesPermitted)
	assert.Equal(t, ev.CallLinkageData, got.CallLinkageData)
	assert.Equal(t, "0A0B", got.CorrelatorData)
}
func refOf[T any](v T) *T { return &v }

func TestInvertedMonitorFilter(t *testing.T) {
	req := `<MonitorStart xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><monitorObject><deviceObject>1001</deviceObject></monitorObject>` +
		`<requestedMonitorFilter><callcontrol><delivered>true</delivered><established>true</established></callcontrol></requestedMonitorFilter>` +
		`<extensions><privateData><private><AvayaEvents xmlns="http://www.avaya.com/csta"><invertFilter>true</invertFilter></AvayaEvents></private></privateData></extensions></MonitorStart>`
	m, err := Decode([]byte(req))
	require.NoError(t, err)
	ms := m.(*MonitorStart)
	require.True(t, InvertFilter(ms.Extensions))
	f, err := ParseMonitorFilter(ms.RequestedMonitorFilter)
	require.NoError(t, err)
	inv := f.Inverted()
	assert.False(t, inv.Suppresses("DeliveredEvent"))
	assert.False(t, inv.Suppresses("EstablishedEvent"))
	assert.True(t, inv.Suppresses("ConnectionClearedEvent"))
	assert.True(t, inv.Suppresses("DoNotDisturbEvent"))
	assert.False(t, InvertFilter(nil))
	assert.False(t, InvertFilter(&Extensions{Private: []RawXML{`<AvayaEvents><invertFilter>false</invertFilter></AvayaEvents>`}}))
}
