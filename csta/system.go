package csta

// SystemStatusValue is a systemStatus value.
type SystemStatusValue string

// The systemStatus values of ECMA-323.
const (
	SystemDisabled          SystemStatusValue = "disabled"
	SystemPartiallyDisabled SystemStatusValue = "partiallyDisabled"
	SystemEnabled           SystemStatusValue = "enabled"
	SystemInitializing      SystemStatusValue = "initializing"
	SystemMessagesLost      SystemStatusValue = "messagesLost"
	SystemNormal            SystemStatusValue = "normal"
	SystemOverloadImminent  SystemStatusValue = "overloadImminent"
	SystemOverloadReached   SystemStatusValue = "overloadReached"
	SystemOverloadRelieved  SystemStatusValue = "overloadRelieved"
)

// RequestSystemStatus asks the switching function for its status. A TR/87
// client opens its application session with it in the INVITE body, its Line
// URI in Extensions.Line.
type RequestSystemStatus struct {
	Header
	// SysStatRegisterID is the optional sysStatRegisterID.
	SysStatRegisterID string
	Extensions        *Extensions
}

// MessageName returns "RequestSystemStatus".
func (*RequestSystemStatus) MessageName() string { return "RequestSystemStatus" }
func (*RequestSystemStatus) isRequest()          {}

func (m *RequestSystemStatus) codec(c *fieldCodec) {
	optText(c, "sysStatRegisterID", &m.SysStatRegisterID)
	c.extensions(&m.Extensions)
}

// RequestSystemStatusResponse answers RequestSystemStatus. Decode accepts one
// without systemStatus, leaving SystemStatus empty, and Encode then writes
// none: a TR/87 client treats anything but normal as a refusal.
type RequestSystemStatusResponse struct {
	Header
	SystemStatus SystemStatusValue
	Extensions   *Extensions
}

// MessageName returns "RequestSystemStatusResponse".
func (*RequestSystemStatusResponse) MessageName() string { return "RequestSystemStatusResponse" }
func (*RequestSystemStatusResponse) isResponse()         {}

func (m *RequestSystemStatusResponse) codec(c *fieldCodec) {
	optText(c, "systemStatus", &m.SystemStatus)
	c.extensions(&m.Extensions)
}

// SystemStatus reports the status of one side to the other; over CSTA/TCP a
// switch sends it periodically as a heartbeat, and the application answers
// SystemStatusResponse. Some switches send the heartbeat empty
// (<SystemStatus/>, without systemStatus): Decode accepts it with
// SystemStatus empty, and Encode then writes none.
type SystemStatus struct {
	Header
	SystemStatus SystemStatusValue
	Extensions   *Extensions
}

// MessageName returns "SystemStatus".
func (*SystemStatus) MessageName() string { return "SystemStatus" }
func (*SystemStatus) isRequest()          {}

func (m *SystemStatus) codec(c *fieldCodec) {
	optText(c, "systemStatus", &m.SystemStatus)
	c.extensions(&m.Extensions)
}

// SystemStatusResponse acknowledges SystemStatus.
type SystemStatusResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "SystemStatusResponse".
func (*SystemStatusResponse) MessageName() string { return "SystemStatusResponse" }
func (*SystemStatusResponse) isResponse()         {}

func (m *SystemStatusResponse) codec(c *fieldCodec) { c.extensions(&m.Extensions) }

var systemMessages = []func() Message{
	func() Message { return new(RequestSystemStatus) },
	func() Message { return new(RequestSystemStatusResponse) },
	func() Message { return new(SystemStatus) },
	func() Message { return new(SystemStatusResponse) },
}
