package csta

// MonitorType is the monitorType of MonitorStart.
type MonitorType string

// The monitorType values.
const (
	MonitorTypeCall   MonitorType = "call"
	MonitorTypeDevice MonitorType = "device"
)

// MonitorObject is what MonitorStart monitors: a device (the deviceObject
// choice) or a call (the callObject choice).
type MonitorObject struct {
	// Device is the deviceObject choice, used when Call is nil.
	// Communicator sends its Line URI.
	Device DeviceID
	// Call is the callObject choice.
	Call *ConnectionID
}

func (o *MonitorObject) codec(c *fieldCodec) {
	switch c.mode {
	case encoding:
		c.w.open("monitorObject")
		if o.Call != nil {
			c.connection("callObject", o.Call)
		} else {
			c.device("deviceObject", &o.Device)
		}
		c.w.close("monitorObject")
	case decoding:
		if c.failed() {
			return
		}
		ch := c.e.child("monitorObject")
		if ch == nil {
			c.fail(c.e.missing("monitorObject"))
			return
		}
		s := c.sub(ch, "monitorObject")
		switch {
		case ch.has("callObject"):
			o.Call = new(ConnectionID)
			s.connection("callObject", o.Call)
		case ch.has("deviceObject"):
			s.device("deviceObject", &o.Device)
		case ch.first() == nil && ch.text() != "":
			// Some clients write the device straight into monitorObject.
			o.Device = decodeDeviceID(ch)
		default:
			c.fail(ch.errorf("neither deviceObject nor callObject"))
		}
	case walking:
		s := c.sub(nil, "monitorObject")
		if o.Call != nil {
			s.connection("callObject", o.Call)
		} else {
			s.device("deviceObject", &o.Device)
		}
	}
}

// MonitorStart asks for the events of a device or a call. Communicator
// monitors its Line URI:
// <monitorObject><deviceObject>tel:…</deviceObject></monitorObject>.
type MonitorStart struct {
	Header
	MonitorObject MonitorObject
	// RequestedMonitorFilter is kept as raw XML.
	RequestedMonitorFilter RawXML
	MonitorType            MonitorType
	// RequestedMonitorMediaClass is kept as raw XML.
	RequestedMonitorMediaClass RawXML
	Extensions                 *Extensions
}

// MessageName returns "MonitorStart".
func (*MonitorStart) MessageName() string { return "MonitorStart" }
func (*MonitorStart) isRequest()          {}

func (m *MonitorStart) codec(c *fieldCodec) {
	m.MonitorObject.codec(c)
	c.raw("requestedMonitorFilter", &m.RequestedMonitorFilter)
	optText(c, "monitorType", &m.MonitorType)
	c.raw("requestedMonitorMediaClass", &m.RequestedMonitorMediaClass)
	c.extensions(&m.Extensions)
}

// MonitorStartResponse answers MonitorStart with the monitorCrossRefID every
// event of the monitor will carry.
type MonitorStartResponse struct {
	Header
	MonitorCrossRefID MonitorCrossRefID
	// ActualMonitorFilter is kept as raw XML.
	ActualMonitorFilter RawXML
	// ActualMonitorMediaClass is kept as raw XML.
	ActualMonitorMediaClass RawXML
	MonitorExistingCalls    *bool
	Extensions              *Extensions
}

// MessageName returns "MonitorStartResponse".
func (*MonitorStartResponse) MessageName() string { return "MonitorStartResponse" }
func (*MonitorStartResponse) isResponse()         {}

func (m *MonitorStartResponse) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.raw("actualMonitorFilter", &m.ActualMonitorFilter)
	c.raw("actualMonitorMediaClass", &m.ActualMonitorMediaClass)
	c.optBool("monitorExistingCalls", &m.MonitorExistingCalls)
	c.extensions(&m.Extensions)
}

// MonitorStop ends a monitor.
type MonitorStop struct {
	Header
	MonitorCrossRefID MonitorCrossRefID
	Extensions        *Extensions
}

// MessageName returns "MonitorStop".
func (*MonitorStop) MessageName() string { return "MonitorStop" }
func (*MonitorStop) isRequest()          {}

func (m *MonitorStop) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.extensions(&m.Extensions)
}

// MonitorStopResponse acknowledges MonitorStop.
type MonitorStopResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "MonitorStopResponse".
func (*MonitorStopResponse) MessageName() string { return "MonitorStopResponse" }
func (*MonitorStopResponse) isResponse()         {}

func (m *MonitorStopResponse) codec(c *fieldCodec) { c.extensions(&m.Extensions) }

// GetCSTAFeatures asks which services and events the other side supports.
// Communicator sends its Line URI in Extensions.Line.
type GetCSTAFeatures struct {
	Header
	Extensions *Extensions
}

// MessageName returns "GetCSTAFeatures".
func (*GetCSTAFeatures) MessageName() string { return "GetCSTAFeatures" }
func (*GetCSTAFeatures) isRequest()          {}

func (m *GetCSTAFeatures) codec(c *fieldCodec) { c.extensions(&m.Extensions) }

// GetCSTAFeaturesResponse answers GetCSTAFeatures with the supported
// services and events. Communicator shows a feature only when it is
// listed here.
type GetCSTAFeaturesResponse struct {
	Header
	Features   Features
	Extensions *Extensions
}

// MessageName returns "GetCSTAFeaturesResponse".
func (*GetCSTAFeaturesResponse) MessageName() string { return "GetCSTAFeaturesResponse" }
func (*GetCSTAFeaturesResponse) isResponse()         {}

func (m *GetCSTAFeaturesResponse) codec(c *fieldCodec) {
	m.Features.Services.codec(c, "supportedServices")
	m.Features.Events.codec(c, "supportedEvents")
	c.extensions(&m.Extensions)
}

var monitorMessages = []func() Message{
	func() Message { return new(MonitorStart) },
	func() Message { return new(MonitorStartResponse) },
	func() Message { return new(MonitorStop) },
	func() Message { return new(MonitorStopResponse) },
	func() Message { return new(GetCSTAFeatures) },
	func() Message { return new(GetCSTAFeaturesResponse) },
}
