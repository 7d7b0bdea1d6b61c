package csta

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// as asserts m's type and returns it.
func as[T Message](t *testing.T, m Message) T {
	t.Helper()
	v, ok := m.(T)
	require.True(t, ok, "decoded %T", m)
	return v
}

// ocLine is the Line URI of the Communicator samples.
const ocLine = "tel:73124;phone-context=dialstring;partition=BE_BRS_INT"

// checks holds, for every sample under testdata, the field checks its
// decoded message must pass.
var checks = map[string]func(t *testing.T, m Message){
	"StartApplicationSession.xml": func(t *testing.T, m Message) {
		v := as[*StartApplicationSession](t, m)
		assert.Equal(t, "pythontsm", v.ApplicationID)
		assert.Equal(t, []string{NamespaceEd4}, v.RequestedProtocolVersions)
		assert.Equal(t, 600, v.RequestedSessionDuration)
		assert.True(t, v.NoNamespace)
		assert.Empty(t, v.ApplicationSpecificInfo)
	},
	"StartApplicationSession.avaya.xml": func(t *testing.T, m Message) {
		v := as[*StartApplicationSession](t, m)
		assert.Equal(t, NamespaceACSE, v.Namespace)
		assert.Equal(t, "TestApp", v.ApplicationID)
		assert.Contains(t, string(v.ApplicationSpecificInfo), `<ns1:SessionLoginInfo xmlns:ns1="http://www.avaya.com/csta">`)
		assert.Contains(t, string(v.ApplicationSpecificInfo), `<ns1:password>secret</ns1:password>`)
		assert.Equal(t, []string{NamespaceEd3 + "/priv2", NamespaceEd3}, v.RequestedProtocolVersions)
		assert.Equal(t, 180, v.RequestedSessionDuration)
	},
	"StartApplicationSessionPosResponse.xml": func(t *testing.T, m Message) {
		v := as[*StartApplicationSessionPosResponse](t, m)
		assert.Equal(t, "009968951", v.SessionID)
		assert.Equal(t, NamespaceEd4, v.ActualProtocolVersion)
		assert.Equal(t, 600, v.ActualSessionDuration)
		assert.Equal(t, []RawXML{"<actualHBT>0</actualHBT>"}, v.Extensions)
	},
	"StartApplicationSessionNegResponse.xml": func(t *testing.T, m Message) {
		v := as[*StartApplicationSessionNegResponse](t, m)
		assert.Equal(t, SessionError{Defined: SessionProtocolVersionNotSupported}, v.ErrorCode)
	},
	"StopApplicationSession.xml": func(t *testing.T, m Message) {
		v := as[*StopApplicationSession](t, m)
		assert.Equal(t, "009968951", v.SessionID)
		assert.Equal(t, EndReason{Defined: EndNormal}, v.SessionEndReason)
	},
	"StopApplicationSessionPosResponse.xml": func(t *testing.T, m Message) {
		v := as[*StopApplicationSessionPosResponse](t, m)
		assert.Nil(t, v.Extensions)
	},
	"StopApplicationSessionNegResponse.xml": func(t *testing.T, m Message) {
		v := as[*StopApplicationSessionNegResponse](t, m)
		assert.Equal(t, SessionInvalidSessionID, v.ErrorCode.Defined)
	},
	"ResetApplicationSessionTimer.xml": func(t *testing.T, m Message) {
		v := as[*ResetApplicationSessionTimer](t, m)
		assert.Equal(t, "009968951", v.SessionID)
		assert.Equal(t, 600, v.RequestedSessionDuration)
	},
	"ResetApplicationSessionTimerPosResponse.xml": func(t *testing.T, m Message) {
		v := as[*ResetApplicationSessionTimerPosResponse](t, m)
		assert.Equal(t, 600, v.ActualSessionDuration)
	},
	"ResetApplicationSessionTimerNegResponse.xml": func(t *testing.T, m Message) {
		v := as[*ResetApplicationSessionTimerNegResponse](t, m)
		assert.Equal(t, SessionError{Application: "session timer is fixed"}, v.ErrorCode)
		assert.Equal(t, "session timer is fixed", v.ErrorCode.String())
	},
	"ServiceInitiatedEvent.xml": func(t *testing.T, m Message) {
		v := as[*ServiceInitiatedEvent](t, m)
		assert.Equal(t, NamespaceEd4, v.Namespace)
		assert.Equal(t, MonitorCrossRefID("1169730059"), v.CrossRefID())
		assert.Equal(t, Connection("FF000100000000002D65C85C1C750000", "302118840100"), v.InitiatedConnection)
		assert.Equal(t, Known("N<302118840100>;noa=nk"), v.InitiatingDevice)
		assert.Equal(t, StateInitiated, v.LocalConnectionInfo)
		assert.Equal(t, CauseMakeCall, v.Cause)
		assert.Contains(t, string(v.ServicesPermitted), "<clearConnection>true</clearConnection>")
		assert.Contains(t, string(v.MediaCallCharacteristics), "<voice>true</voice>")
		require.NotNil(t, v.Extensions)
		assert.Equal(t, []RawXML{`<scx:extendedServicesPermitted xmlns:scx="http://www.siemens.com/schema/csta"/>`}, v.Extensions.Private)
	},
	"OriginatedEvent.xml": func(t *testing.T, m Message) {
		v := as[*OriginatedEvent](t, m)
		assert.Equal(t, Connection("FF000100000000002D65C85C1C750000", "302118840100"), v.OriginatedConnection)
		assert.Equal(t, Known("302118840100"), v.CallingDevice)
		assert.Equal(t, "N<302118840101>;displayNumber=302118840101;noa=nk", v.CalledDevice.Device.ID)
		assert.Equal(t, StateConnected, v.LocalConnectionInfo)
		assert.Equal(t, CauseNewCall, v.Cause)
	},
	"DeliveredEvent.xml": func(t *testing.T, m Message) {
		v := as[*DeliveredEvent](t, m)
		assert.Equal(t, NamespaceEd3, v.Namespace)
		assert.Equal(t, MonitorCrossRefID("99fda87c"), v.MonitorCrossRefID)
		assert.Equal(t, Connection("0_99f261b4", "tel:1001;phone-context=dialstring"), v.Connection)
		assert.Equal(t, Known("tel:1001;phone-context=dialstring"), v.AlertingDevice)
		assert.Equal(t, DeviceID{ID: "tel:+3222220220;phone-context=dialstring", TypeOfNumber: "explicitPublic:international"}, v.CallingDevice.Device)
		assert.Equal(t, RedirectionDeviceID{NotKnown: true}, v.LastRedirectionDevice)
		assert.Equal(t, StateAlerting, v.LocalConnectionInfo)
		assert.Equal(t, CauseNewCall, v.Cause)
		n, ok := v.Cause.Number()
		assert.True(t, ok)
		assert.Equal(t, 22, n)
	},
	"DeliveredEvent.yealink.xml": func(t *testing.T, m Message) {
		v := as[*DeliveredEvent](t, m)
		assert.Equal(t, NamespaceEd5, v.Namespace)
		assert.Equal(t, Connection("5", "sip:1001@192.168.1.10:5060"), v.Connection)
		assert.Equal(t, "sip:2001@192.168.1.10", v.CalledDevice.String())
		assert.Equal(t, StateConnected, v.LocalConnectionInfo)
		assert.Equal(t, CauseNormal, v.Cause)
		assert.Equal(t, "notKnown", v.LastRedirectionDevice.String())
	},
	"EstablishedEvent.xml": func(t *testing.T, m Message) {
		v := as[*EstablishedEvent](t, m)
		assert.Equal(t, Connection("5", "sip:1001@192.168.1.10:5060"), v.EstablishedConnection)
		assert.Equal(t, Known("sip:2001@192.168.1.10"), v.AnsweringDevice)
		assert.Equal(t, StateConnected, v.LocalConnectionInfo)
		assert.Equal(t, CauseNormal, v.Cause)
	},
	"ConnectionClearedEvent.xml": func(t *testing.T, m Message) {
		v := as[*ConnectionClearedEvent](t, m)
		assert.Equal(t, Connection("0_99f261b4", "tel:+3222220220"), v.DroppedConnection)
		assert.Equal(t, Known("tel:+3222220220"), v.ReleasingDevice)
		assert.Equal(t, StateNull, v.LocalConnectionInfo)
		assert.Equal(t, CauseNormalClearing, v.Cause)
	},
	"FailedEvent.xml": func(t *testing.T, m Message) {
		v := as[*FailedEvent](t, m)
		assert.Equal(t, CallID("7"), v.FailedConnection.CallID)
		assert.Equal(t, Known("sip:3000@192.168.1.10"), v.FailingDevice)
		assert.Equal(t, CauseCallCancelled, v.Cause)
	},
	"HeldEvent.xml": func(t *testing.T, m Message) {
		v := as[*HeldEvent](t, m)
		assert.Equal(t, NamespaceEd6, v.Namespace)
		assert.Equal(t, Connection("4711", "1001"), v.HeldConnection)
		assert.Equal(t, Known("1001"), v.HoldingDevice)
		assert.Equal(t, StateHold, v.LocalConnectionInfo)
	},
	"RetrievedEvent.xml": func(t *testing.T, m Message) {
		v := as[*RetrievedEvent](t, m)
		assert.Equal(t, NamespaceEd4, v.Namespace)
		assert.Equal(t, Connection("FF000100000000002D65C85C1C750000", "302118840100"), v.RetrievedConnection)
		assert.Equal(t, Known("302118840100"), v.RetrievingDevice)
		assert.Equal(t, StateConnected, v.LocalConnectionInfo)
	},
	"TransferedEvent.xml": func(t *testing.T, m Message) {
		v := as[*TransferredEvent](t, m)
		assert.Equal(t, "TransferedEvent", v.MessageName())
		assert.Equal(t, Connection("5", "sip:1001@192.168.1.10:5060"), v.PrimaryOldCall)
		require.NotNil(t, v.SecondaryOldCall)
		assert.Equal(t, CallID("6"), v.SecondaryOldCall.CallID)
		assert.Equal(t, Known("sip:2002@192.168.1.10"), v.TransferredToDevice)
		require.Len(t, v.TransferredConnections, 2)
		first := v.TransferredConnections[0]
		assert.Equal(t, &ConnectionID{CallID: "5|6", DeviceID: Device("sip:2001@192.168.1.10")}, first.NewConnection)
		assert.Equal(t, CallID("5"), first.OldConnection.CallID)
		assert.Equal(t, &ExtendedDeviceID{Device: Device("sip:2001@192.168.1.10")}, first.Endpoint)
		assert.Equal(t, &ExtendedDeviceID{Restricted: true}, v.TransferredConnections[1].Endpoint)
		assert.Equal(t, CauseTransfer, v.Cause)
	},
	"TransferedEvent.alias.xml": func(t *testing.T, m Message) {
		v := as[*TransferredEvent](t, m)
		assert.Equal(t, "TransferedEvent", v.MessageName())
		assert.Nil(t, v.SecondaryOldCall)
		assert.Empty(t, v.TransferredConnections)
		assert.Equal(t, CauseSingleStepTransfer, v.Cause)
	},
	"ConferencedEvent.xml": func(t *testing.T, m Message) {
		v := as[*ConferencedEvent](t, m)
		assert.Equal(t, Known("tel:2001"), v.AddedParty)
		require.Len(t, v.ConferenceConnections, 2)
		assert.Equal(t, &ExtendedDeviceID{NotKnown: true}, v.ConferenceConnections[1].Endpoint)
		assert.Equal(t, &ExtendedDeviceID{Device: Device("N2001")}, v.ConferenceConnections[1].AssociatedNID)
		assert.Nil(t, v.ConferenceConnections[1].OldConnection)
		assert.Equal(t, CauseConference, v.Cause)
	},
	"DivertedEvent.xml": func(t *testing.T, m Message) {
		v := as[*DivertedEvent](t, m)
		assert.Equal(t, Known("tel:+4930123456"), v.NewDestination)
		assert.Equal(t, &ExtendedDeviceID{Restricted: true}, v.CallingDevice)
		assert.Equal(t, "restricted", v.CallingDevice.String())
		assert.Nil(t, v.CalledDevice)
		assert.Equal(t, RedirectionDeviceID{NumberDialed: Device("tel:1001;phone-context=dialstring")}, v.LastRedirectionDevice)
		assert.Equal(t, CauseRedirected, v.Cause)
	},
	"NetworkReachedEvent.xml": func(t *testing.T, m Message) {
		v := as[*NetworkReachedEvent](t, m)
		assert.Equal(t, Known("T1"), v.NetworkInterfaceUsed)
		assert.Equal(t, RedirectionDeviceID{NotRequired: true}, v.LastRedirectionDevice)
		assert.Equal(t, "notRequired", v.LastRedirectionDevice.String())
	},
	"QueuedEvent.xml": func(t *testing.T, m Message) {
		v := as[*QueuedEvent](t, m)
		assert.Equal(t, Known("5000"), v.Queue)
		require.NotNil(t, v.NumberQueued)
		assert.Equal(t, 3, *v.NumberQueued)
		assert.Equal(t, 2, *v.CallsInFront)
		assert.Equal(t, RedirectionDeviceID{NotSpecified: true}, v.LastRedirectionDevice)
		assert.Equal(t, StateQueued, v.LocalConnectionInfo)
		assert.Equal(t, CauseEnteringDistribution, v.Cause)
	},
	"DigitsGeneratedEvent.xml": func(t *testing.T, m Message) {
		v := as[*DigitsGeneratedEvent](t, m)
		assert.Equal(t, "1234#", v.DigitGeneratedList)
		assert.Equal(t, CallID("0_99f261b4"), v.Connection.CallID)
	},
	"CallClearedEvent.xml": func(t *testing.T, m Message) {
		v := as[*CallClearedEvent](t, m)
		assert.Equal(t, NamespaceEd2, v.Namespace)
		assert.Equal(t, 2, Edition(v.Namespace))
		assert.Equal(t, ConnectionID{CallID: "33"}, v.ClearedCall)
		assert.Equal(t, CauseNormalClearing, v.Cause)
	},
	"ForwardingEvent.xml": func(t *testing.T, m Message) {
		v := as[*ForwardingEvent](t, m)
		assert.Equal(t, Known("tel:1001;phone-context=dialstring"), v.Device)
		assert.Equal(t, ForwardImmediate, v.ForwardingType)
		assert.True(t, v.ForwardStatus)
		assert.Equal(t, &DeviceID{ID: "tel:+4930123456"}, v.ForwardTo)
	},
	"DoNotDisturbEvent.xml": func(t *testing.T, m Message) {
		v := as[*DoNotDisturbEvent](t, m)
		assert.True(t, v.SOAP)
		assert.Equal(t, NamespaceEd4, v.Namespace)
		assert.Equal(t, MonitorCrossRefID("12"), v.MonitorCrossRefID)
		assert.Equal(t, Known("101"), v.Device)
		assert.True(t, v.DoNotDisturbOn)
	},
	"RequestSystemStatus.xml": func(t *testing.T, m Message) {
		v := as[*RequestSystemStatus](t, m)
		assert.Equal(t, NamespaceEd3, v.Namespace)
		assert.Equal(t, ocLine, v.Extensions.LineOf())
		assert.Empty(t, v.Extensions.Private)
	},
	"RequestSystemStatusResponse.xml": func(t *testing.T, m Message) {
		v := as[*RequestSystemStatusResponse](t, m)
		assert.Equal(t, NamespaceEd5, v.Namespace)
		assert.Equal(t, SystemNormal, v.SystemStatus)
	},
	"SystemStatus.xml": func(t *testing.T, m Message) {
		v := as[*SystemStatus](t, m)
		assert.Equal(t, SystemNormal, v.SystemStatus)
	},
	"SystemStatusResponse.xml": func(t *testing.T, m Message) {
		v := as[*SystemStatusResponse](t, m)
		assert.Equal(t, NamespaceEd4, v.Namespace)
		assert.Nil(t, v.Extensions)
	},
	"GetCSTAFeatures.xml": func(t *testing.T, m Message) {
		v := as[*GetCSTAFeatures](t, m)
		assert.Equal(t, ocLine, v.Extensions.LineOf())
	},
	"GetCSTAFeaturesResponse.xml": func(t *testing.T, m Message) {
		v := as[*GetCSTAFeaturesResponse](t, m)
		assert.Equal(t, RCCFeatures(), v.Features)
		assert.True(t, v.Features.Services.Supports("makeCall"))
		mc, _ := v.Features.Services.Get("makeCall")
		val, ok := mc.Detail("autoOriginateDoNotPrompt")
		assert.True(t, ok)
		assert.True(t, val)
		assert.True(t, v.Features.Events.Supports("transferred"))
		assert.False(t, v.Features.Services.Supports("alternateCall"))
	},
	"GetCSTAFeaturesResponse.ed4.xml": func(t *testing.T, m Message) {
		v := as[*GetCSTAFeaturesResponse](t, m)
		assert.Equal(t, []string{"getCSTAFeatures", "alternateCall", "makeCall", "transferCall", "vendorCall", "fancyThing"}, v.Features.Services.Names())
		fancy, ok := v.Features.Services.Get("fancyThing")
		require.True(t, ok)
		assert.Equal(t, Capability{List: "vendorServList", Name: "fancyThing", Details: []CapabilityDetail{{Name: "on", Value: true}}}, fancy)
		mc, _ := v.Features.Services.Get("makeCall")
		assert.Equal(t, []CapabilityDetail{{"offHook", true}, {"autoOriginatePrompt", false}}, mc.Details)
		assert.Equal(t, []string{"delivered", "netwReached", "forwarding"}, v.Features.Events.Names())
	},
	"MonitorStart.xml": func(t *testing.T, m Message) {
		v := as[*MonitorStart](t, m)
		assert.Equal(t, MonitorObject{Device: Device(ocLine)}, v.MonitorObject)
		assert.Empty(t, v.MonitorType)
	},
	"MonitorStart.ed4.xml": func(t *testing.T, m Message) {
		v := as[*MonitorStart](t, m)
		assert.Equal(t, DeviceID{ID: "302118840100", TypeOfNumber: "dialingNumber"}, v.MonitorObject.Device)
		assert.Contains(t, string(v.RequestedMonitorFilter), "<buttonInformation>true</buttonInformation>")
		assert.Equal(t, MonitorTypeDevice, v.MonitorType)
		assert.Equal(t, []RawXML{`<scx:staticOndDN xmlns:scx="http://www.siemens.com/schema/csta">302118840100</scx:staticOndDN>`}, v.Extensions.Private)
	},
	"MonitorStart.call.xml": func(t *testing.T, m Message) {
		v := as[*MonitorStart](t, m)
		assert.Equal(t, &ConnectionID{CallID: "77", DeviceID: Device("1001")}, v.MonitorObject.Call)
		assert.Equal(t, MonitorTypeCall, v.MonitorType)
	},
	"MonitorStartResponse.xml": func(t *testing.T, m Message) {
		v := as[*MonitorStartResponse](t, m)
		assert.Equal(t, MonitorCrossRefID("99fda87c"), v.MonitorCrossRefID)
		require.NotNil(t, v.MonitorExistingCalls)
		assert.False(t, *v.MonitorExistingCalls)
	},
	"MonitorStop.xml": func(t *testing.T, m Message) {
		v := as[*MonitorStop](t, m)
		assert.Equal(t, MonitorCrossRefID("99fda87c"), v.MonitorCrossRefID)
	},
	"MonitorStopResponse.xml": func(t *testing.T, m Message) {
		v := as[*MonitorStopResponse](t, m)
		assert.Equal(t, NamespaceEd5, v.Namespace)
	},
	"SnapshotDevice.xml": func(t *testing.T, m Message) {
		v := as[*SnapshotDevice](t, m)
		assert.Equal(t, Device("tel:1001;phone-context=dialstring"), v.SnapshotObject)
	},
	"SnapshotDeviceResponse.xml": func(t *testing.T, m Message) {
		v := as[*SnapshotDeviceResponse](t, m)
		assert.Empty(t, v.ServiceCrossRefID)
		require.Len(t, v.SnapshotData, 2)
		assert.Equal(t, Connection("5", "sip:1001@192.168.1.10:5060"), v.SnapshotData[0].ConnectionIdentifier)
		assert.Equal(t, []LocalConnectionState{StateConnected}, v.SnapshotData[0].LocalCallState.Compound)
		assert.Equal(t, StateHold, v.SnapshotData[1].LocalCallState.Local())
	},
	"SnapshotDeviceResponse.ed3.xml": func(t *testing.T, m Message) {
		v := as[*SnapshotDeviceResponse](t, m)
		require.Len(t, v.SnapshotData, 1)
		it := v.SnapshotData[0]
		assert.Equal(t, CallEstablished, it.LocalCallState.Simple)
		assert.Equal(t, &ExtendedDeviceID{Device: Device("tel:2001")}, it.EndpointDevice)
		assert.Contains(t, string(it.ServicesPermitted), "<holdCall>true</holdCall>")
	},
	"SnapshotDeviceResponse.crossref.xml": func(t *testing.T, m Message) {
		v := as[*SnapshotDeviceResponse](t, m)
		assert.Equal(t, "4711", v.ServiceCrossRefID)
		assert.Nil(t, v.SnapshotData)
	},
	"MakeCall.xml": func(t *testing.T, m Message) {
		v := as[*MakeCall](t, m)
		assert.Equal(t, NamespaceEd3, v.Namespace)
		assert.Equal(t, Device(ocLine), v.CallingDevice)
		assert.Equal(t, Device("tel:+3222220220"), v.CalledDirectoryNumber)
		assert.Equal(t, AutoOriginateDoNotPrompt, v.AutoOriginate)
		assert.Nil(t, v.Extensions)
	},
	"MakeCall.ed6.xml": func(t *testing.T, m Message) {
		v := as[*MakeCall](t, m)
		assert.Equal(t, NamespaceEd6, v.Namespace)
		assert.Equal(t, DeviceID{ID: "1001", TypeOfNumber: "deviceNumber"}, v.CallingDevice)
		assert.Equal(t, "77", v.AccountCode)
		assert.Equal(t, AutoOriginatePrompt, v.AutoOriginate)
		assert.Equal(t, "c0ffee", v.CorrelatorData)
		assert.Equal(t, RawXML("<userData><string>hello</string></userData>"), v.UserData)
		assert.Equal(t, "Budget", v.SubjectOfCall)
	},
	"MakeCallResponse.xml": func(t *testing.T, m Message) {
		v := as[*MakeCallResponse](t, m)
		assert.True(t, v.NoNamespace)
		assert.Equal(t, Connection("25", "3095"), v.CallingDevice)
		assert.Equal(t, &DeviceID{ID: "1099"}, v.CalledDevice)
	},
	"MakeCallResponse.ed3.xml": func(t *testing.T, m Message) {
		v := as[*MakeCallResponse](t, m)
		assert.Equal(t, Connection("0_99f261b4", ocLine), v.CallingDevice)
		assert.Nil(t, v.CalledDevice)
	},
	"AnswerCall.xml": func(t *testing.T, m Message) {
		v := as[*AnswerCall](t, m)
		assert.True(t, v.SOAP)
		assert.Equal(t, NamespaceEd4, v.Namespace)
		assert.Equal(t, Connection("3", "101"), v.CallToBeAnswered)
	},
	"AnswerCall.ed3.xml": func(t *testing.T, m Message) {
		v := as[*AnswerCall](t, m)
		assert.False(t, v.SOAP)
		assert.Equal(t, Connection("0_99f261b4", "tel:1001;phone-context=dialstring"), v.CallToBeAnswered)
	},
	"AnswerCallResponse.xml": func(t *testing.T, m Message) {
		v := as[*AnswerCallResponse](t, m)
		assert.Nil(t, v.Extensions)
	},
	"ClearConnection.xml": func(t *testing.T, m Message) {
		v := as[*ClearConnection](t, m)
		assert.Equal(t, Connection("0_99f261b4", "tel:73124;phone-context=dialstring"), v.ConnectionToBeCleared)
		assert.Empty(t, v.Reason)
	},
	"ClearConnectionResponse.xml": func(t *testing.T, m Message) {
		v := as[*ClearConnectionResponse](t, m)
		require.NotNil(t, v.Extensions)
		assert.Empty(t, v.Extensions.Line)
		assert.Equal(t, []RawXML{`<x:trace xmlns:x="urn:example:trace">abc</x:trace>`}, v.Extensions.Private)
	},
	"ClearCall.xml": func(t *testing.T, m Message) {
		v := as[*ClearCall](t, m)
		assert.Equal(t, NamespaceEd5, v.Namespace)
		assert.Equal(t, Connection("0_99f261b4", "tel:73124;phone-context=dialstring"), v.CallToBeCleared)
		assert.Equal(t, "c0ffee", v.CorrelatorData)
		assert.Equal(t, RawXML("<userData><string>bye</string></userData>"), v.UserData)
		assert.Equal(t, ocLine, v.Extensions.LineOf())
	},
	"ClearCall.ed3.xml": func(t *testing.T, m Message) {
		v := as[*ClearCall](t, m)
		assert.Equal(t, NamespaceEd3, v.Namespace)
		assert.Equal(t, ConnectionID{CallID: "FF000100000000002D65C85C1C750000"}, v.CallToBeCleared)
		assert.Empty(t, v.CorrelatorData)
		assert.Empty(t, v.UserData)
		assert.Nil(t, v.Extensions)
	},
	"ClearCall.ed6.xml": func(t *testing.T, m Message) {
		v := as[*ClearCall](t, m)
		assert.True(t, v.SOAP)
		assert.Equal(t, NamespaceEd6, v.Namespace)
		assert.Equal(t, ConnectionID{CallID: "7", DeviceID: DeviceID{ID: "1001", TypeOfNumber: "deviceNumber"}}, v.CallToBeCleared)
	},
	"ClearCallResponse.xml": func(t *testing.T, m Message) {
		v := as[*ClearCallResponse](t, m)
		require.NotNil(t, v.Extensions)
		assert.Equal(t, []RawXML{`<x:trace xmlns:x="urn:example:trace">abc</x:trace>`}, v.Extensions.Private)
	},
	"ClearCallResponse.ed4.xml": func(t *testing.T, m Message) {
		v := as[*ClearCallResponse](t, m)
		assert.Equal(t, NamespaceEd4, v.Namespace)
		assert.Nil(t, v.Extensions)
	},
	"HoldCall.xml": func(t *testing.T, m Message) {
		v := as[*HoldCall](t, m)
		assert.Equal(t, NamespaceEd4, v.Namespace)
		assert.Equal(t, Connection("FF01", "302118840100"), v.CallToBeHeld)
		require.NotNil(t, v.ConnectionReservation)
		assert.True(t, *v.ConnectionReservation)
	},
	"HoldCallResponse.xml": func(t *testing.T, m Message) {
		as[*HoldCallResponse](t, m)
	},
	"RetrieveCall.xml": func(t *testing.T, m Message) {
		v := as[*RetrieveCall](t, m)
		assert.Equal(t, CallID("0_1"), v.CallToBeRetrieved.CallID)
	},
	"RetrieveCallResponse.xml": func(t *testing.T, m Message) {
		as[*RetrieveCallResponse](t, m)
	},
	"ConsultationCall.xml": func(t *testing.T, m Message) {
		v := as[*ConsultationCall](t, m)
		assert.Equal(t, CallID("0_1"), v.ExistingCall.CallID)
		assert.Equal(t, Device("tel:2002"), v.ConsultedDevice)
		assert.Equal(t, TransferOnly, v.ConsultOptions)
	},
	"ConsultationCallResponse.xml": func(t *testing.T, m Message) {
		v := as[*ConsultationCallResponse](t, m)
		assert.Equal(t, CallID("0_2"), v.InitiatedCall.CallID)
	},
	"AlternateCall.xml": func(t *testing.T, m Message) {
		v := as[*AlternateCall](t, m)
		assert.Equal(t, CallID("0_1"), v.HeldCall.CallID)
		assert.Equal(t, CallID("0_2"), v.ActiveCall.CallID)
	},
	"AlternateCallResponse.xml": func(t *testing.T, m Message) {
		as[*AlternateCallResponse](t, m)
	},
	"ReconnectCall.xml": func(t *testing.T, m Message) {
		v := as[*ReconnectCall](t, m)
		assert.Equal(t, CallID("0_2"), v.ActiveCall.CallID)
		assert.Equal(t, CallID("0_1"), v.HeldCall.CallID)
	},
	"ReconnectCallResponse.xml": func(t *testing.T, m Message) {
		as[*ReconnectCallResponse](t, m)
	},
	"TransferCall.xml": func(t *testing.T, m Message) {
		v := as[*TransferCall](t, m)
		assert.Equal(t, CallID("0_1"), v.HeldCall.CallID)
		assert.Equal(t, CallID("0_2"), v.ActiveCall.CallID)
	},
	"TransferCallResponse.xml": func(t *testing.T, m Message) {
		v := as[*TransferCallResponse](t, m)
		assert.Equal(t, Connection("0_3", "tel:2002"), v.TransferredCall)
		require.Len(t, v.Connections, 1)
		assert.Equal(t, CallID("0_1"), v.Connections[0].OldConnection.CallID)
	},
	"SingleStepTransferCall.xml": func(t *testing.T, m Message) {
		v := as[*SingleStepTransferCall](t, m)
		assert.Equal(t, Device("tel:+4930123456"), v.TransferredTo)
	},
	"SingleStepTransferCallResponse.xml": func(t *testing.T, m Message) {
		v := as[*SingleStepTransferCallResponse](t, m)
		assert.Equal(t, CallID("0_9"), v.TransferredCall.CallID)
		assert.Nil(t, v.Connections)
	},
	"ConferenceCall.xml": func(t *testing.T, m Message) {
		v := as[*ConferenceCall](t, m)
		assert.Equal(t, CallID("0_1"), v.HeldCall.CallID)
	},
	"ConferenceCallResponse.xml": func(t *testing.T, m Message) {
		v := as[*ConferenceCallResponse](t, m)
		assert.Equal(t, CallID("0_3"), v.ConferenceCall.CallID)
	},
	"DeflectCall.xml": func(t *testing.T, m Message) {
		v := as[*DeflectCall](t, m)
		assert.Equal(t, CallID("0_5"), v.CallToBeDiverted.CallID)
		assert.Equal(t, Device("tel:+4915112345678"), v.NewDestination)
	},
	"DeflectCallResponse.xml": func(t *testing.T, m Message) {
		as[*DeflectCallResponse](t, m)
	},
	"GenerateDigits.xml": func(t *testing.T, m Message) {
		v := as[*GenerateDigits](t, m)
		assert.Equal(t, "1234#", v.CharactersToSend)
		assert.Empty(t, v.DigitMode)
		assert.Nil(t, v.ToneDuration)
	},
	"GenerateDigitsResponse.xml": func(t *testing.T, m Message) {
		as[*GenerateDigitsResponse](t, m)
	},
	"SetForwarding.xml": func(t *testing.T, m Message) {
		v := as[*SetForwarding](t, m)
		assert.Equal(t, ForwardImmediate, v.ForwardingType)
		assert.True(t, v.ActivateForward)
		assert.Equal(t, &DeviceID{ID: "tel:+4930123456"}, v.ForwardDN)
	},
	"SetForwardingResponse.xml": func(t *testing.T, m Message) {
		as[*SetForwardingResponse](t, m)
	},
	"GetForwarding.xml": func(t *testing.T, m Message) {
		v := as[*GetForwarding](t, m)
		assert.Equal(t, Device("tel:1001;phone-context=dialstring"), v.Device)
	},
	"GetForwardingResponse.xml": func(t *testing.T, m Message) {
		v := as[*GetForwardingResponse](t, m)
		require.Len(t, v.ForwardingList, 2)
		assert.Equal(t, ForwardListItem{ForwardingType: ForwardImmediate, ForwardStatus: true, ForwardDN: &DeviceID{ID: "tel:+4930123456"}}, v.ForwardingList[0])
		four := 4
		assert.Equal(t, ForwardListItem{ForwardingType: ForwardNoAns, RingCount: &four}, v.ForwardingList[1])
	},
	"SetDoNotDisturb.xml": func(t *testing.T, m Message) {
		v := as[*SetDoNotDisturb](t, m)
		assert.True(t, v.DoNotDisturbOn)
	},
	"SetDoNotDisturbResponse.xml": func(t *testing.T, m Message) {
		as[*SetDoNotDisturbResponse](t, m)
	},
	"GetDoNotDisturb.xml": func(t *testing.T, m Message) {
		v := as[*GetDoNotDisturb](t, m)
		assert.Equal(t, Device("tel:1001;phone-context=dialstring"), v.Device)
	},
	"GetDoNotDisturbResponse.xml": func(t *testing.T, m Message) {
		v := as[*GetDoNotDisturbResponse](t, m)
		assert.False(t, v.DoNotDisturbOn)
	},
	"CSTAErrorCode.xml": func(t *testing.T, m Message) {
		v := as[*CSTAErrorCode](t, m)
		assert.Equal(t, ErrorCode{Category: CategoryUnspecified}, v.Code)
		assert.ErrorIs(t, v.Err(), ErrUnspecified)
	},
	"CSTAErrorCode.ed3.xml": func(t *testing.T, m Message) {
		v := as[*CSTAErrorCode](t, m)
		assert.ErrorIs(t, v.Err(), ErrInvalidDeviceID)
		n, ok := v.Code.Number()
		assert.True(t, ok)
		assert.Equal(t, 12, n)
	},
	"CSTAErrorCode.spelling.xml": func(t *testing.T, m Message) {
		v := as[*CSTAErrorCode](t, m)
		assert.ErrorIs(t, v.Err(), ErrResourceOutOfService)
	},
	"CSTAErrorCode.yealink.xml": func(t *testing.T, m Message) {
		v := as[*CSTAErrorCode](t, m)
		assert.Equal(t, ErrorCode{CategoryOperation, "invalidConnectionIdentifier"}, v.Code)
		assert.False(t, v.Code.Valid())
	},
}
