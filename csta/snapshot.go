package csta

// SimpleCallState is the simpleCallState form of a call's state at a
// device: the local and remote connection states in one value.
type SimpleCallState string

// The simpleCallState values.
const (
	CallNull              SimpleCallState = "callNull"
	CallPending           SimpleCallState = "callPending"
	CallOriginated        SimpleCallState = "callOriginated"
	CallDelivered         SimpleCallState = "callDelivered"
	CallDeliveredHeld     SimpleCallState = "callDeliveredHeld"
	CallReceived          SimpleCallState = "callReceived"
	CallEstablished       SimpleCallState = "callEstablished"
	CallEstablishedHeld   SimpleCallState = "callEstablishedHeld"
	CallReceivedOnHold    SimpleCallState = "callReceivedOnHold"
	CallEstablishedOnHold SimpleCallState = "callEstablishedOnHold"
	CallQueued            SimpleCallState = "callQueued"
	CallQueuedHeld        SimpleCallState = "callQueuedHeld"
	CallFailed            SimpleCallState = "callFailed"
	CallFailedHeld        SimpleCallState = "callFailedHeld"
	CallBlocked           SimpleCallState = "callBlocked"
)

// CallState is the localCallState of a snapshot entry: the choice of a
// compoundCallState (the connection states of the call, the device's own
// first), a simpleCallState, or unknown. The zero value is an empty
// compoundCallState.
type CallState struct {
	// Compound is the compoundCallState choice, used when Simple is empty
	// and Unknown is false.
	Compound []LocalConnectionState
	// Simple is the simpleCallState choice.
	Simple SimpleCallState
	// Unknown is the unknown choice.
	Unknown bool
}

// Local returns the state of the device's own connection: the first
// compound state, or StateNull when there is none.
func (s CallState) Local() LocalConnectionState {
	if len(s.Compound) > 0 {
		return s.Compound[0]
	}
	return StateNull
}

func (s *CallState) codec(c *fieldCodec) {
	switch c.mode {
	case encoding:
		c.w.open("localCallState")
		switch {
		case s.Simple != "":
			c.w.text("simpleCallState", string(s.Simple))
		case s.Unknown:
			c.w.empty("unknown")
		default:
			list(c, "compoundCallState", "localConnectionState", true, &s.Compound, value[LocalConnectionState])
		}
		c.w.close("localCallState")
	case decoding:
		ch := c.child("localCallState")
		if ch == nil {
			return
		}
		switch {
		case ch.childText("simpleCallState") != "":
			s.Simple = SimpleCallState(ch.childText("simpleCallState"))
		case ch.has("unknown"):
			s.Unknown = true
		default:
			list(c.sub(ch, "localCallState"), "compoundCallState", "localConnectionState", true, &s.Compound, value[LocalConnectionState])
		}
	}
}

// SnapshotDeviceResponseInfo is one call at the device in a
// SnapshotDeviceResponse.
type SnapshotDeviceResponseInfo struct {
	ConnectionIdentifier ConnectionID
	EndpointDevice       *ExtendedDeviceID
	LocalCallState       CallState
	// ServicesPermitted, MediaServiceInfoList, MediaCallCharacteristics and
	// CallLinkageData are kept as raw XML.
	ServicesPermitted        RawXML
	MediaServiceInfoList     RawXML
	MediaCallCharacteristics RawXML
	CallLinkageData          RawXML
}

func (it *SnapshotDeviceResponseInfo) codec(c *fieldCodec) {
	c.connection("connectionIdentifier", &it.ConnectionIdentifier)
	c.optParty("endpointDevice", &it.EndpointDevice)
	it.LocalCallState.codec(c)
	c.raw("servicesPermitted", &it.ServicesPermitted)
	c.raw("mediaServiceInfoList", &it.MediaServiceInfoList)
	c.raw("mediaCallCharacteristics", &it.MediaCallCharacteristics)
	c.raw("callLinkageData", &it.CallLinkageData)
}

// SnapshotDevice asks for the calls at a device and their states.
type SnapshotDevice struct {
	Header
	SnapshotObject DeviceID
	Extensions     *Extensions
}

// MessageName returns "SnapshotDevice".
func (*SnapshotDevice) MessageName() string { return "SnapshotDevice" }
func (*SnapshotDevice) isRequest()          {}

func (m *SnapshotDevice) codec(c *fieldCodec) {
	c.device("snapshotObject", &m.SnapshotObject)
	c.extensions(&m.Extensions)
}

// SnapshotDeviceResponse answers SnapshotDevice: the choice
// crossRefIDorSnapshotData of a service cross reference (the data follows in
// later messages) or the snapshot data itself.
type SnapshotDeviceResponse struct {
	Header
	// ServiceCrossRefID is the serviceCrossRefID choice, used when not
	// empty.
	ServiceCrossRefID string
	// SnapshotData is the snapshotData choice: one entry per call.
	SnapshotData []SnapshotDeviceResponseInfo
	Extensions   *Extensions
}

// MessageName returns "SnapshotDeviceResponse".
func (*SnapshotDeviceResponse) MessageName() string { return "SnapshotDeviceResponse" }
func (*SnapshotDeviceResponse) isResponse()         {}

func (m *SnapshotDeviceResponse) codec(c *fieldCodec) {
	switch c.mode {
	case encoding:
		c.w.open("crossRefIDorSnapshotData")
		if m.ServiceCrossRefID != "" {
			c.w.text("serviceCrossRefID", m.ServiceCrossRefID)
		} else {
			list(c, "snapshotData", "snapshotDeviceResponseInfo", true, &m.SnapshotData, (*SnapshotDeviceResponseInfo).codec)
		}
		c.w.close("crossRefIDorSnapshotData")
	case decoding:
		// Accept snapshotData directly under the root too.
		s := c
		if ch := c.child("crossRefIDorSnapshotData"); ch != nil {
			s = c.sub(ch, "crossRefIDorSnapshotData")
		}
		if s.failed() {
			return
		}
		if id := s.e.childText("serviceCrossRefID"); id != "" {
			m.ServiceCrossRefID = id
		} else {
			list(s, "snapshotData", "snapshotDeviceResponseInfo", true, &m.SnapshotData, (*SnapshotDeviceResponseInfo).codec)
		}
	case walking:
		s := c.sub(nil, "crossRefIDorSnapshotData")
		list(s, "snapshotData", "snapshotDeviceResponseInfo", true, &m.SnapshotData, (*SnapshotDeviceResponseInfo).codec)
	}
	c.extensions(&m.Extensions)
}

var snapshotMessages = []func() Message{
	func() Message { return new(SnapshotDevice) },
	func() Message { return new(SnapshotDeviceResponse) },
}
