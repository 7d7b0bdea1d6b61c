package csta

// The logical device services for forwarding and do-not-disturb, with their
// responses.

// SetForwarding turns a kind of forwarding on or off for a device.
type SetForwarding struct {
	Header
	Device         DeviceID
	ForwardingType ForwardingType
	// ActivateForward turns the forwarding on (true) or off.
	ActivateForward bool
	ForwardDN       *DeviceID
	RingCount       *int
	RingDuration    *int
	Extensions      *Extensions
}

// MessageName returns "SetForwarding".
func (*SetForwarding) MessageName() string { return "SetForwarding" }
func (*SetForwarding) isRequest()          {}

func (m *SetForwarding) codec(c *fieldCodec) {
	c.device("device", &m.Device)
	optText(c, "forwardingType", &m.ForwardingType)
	c.reqBool("activateForward", &m.ActivateForward)
	c.optDevice("forwardDN", &m.ForwardDN)
	c.optInt("ringCount", &m.RingCount)
	c.optInt("ringDuration", &m.RingDuration)
	c.extensions(&m.Extensions)
}

// SetForwardingResponse acknowledges SetForwarding.
type SetForwardingResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "SetForwardingResponse".
func (*SetForwardingResponse) MessageName() string { return "SetForwardingResponse" }
func (*SetForwardingResponse) isResponse()         {}

func (m *SetForwardingResponse) codec(c *fieldCodec) {
	c.extensions(&m.Extensions)
}

// GetForwarding asks for a device's forwarding settings.
type GetForwarding struct {
	Header
	Device     DeviceID
	Extensions *Extensions
}

// MessageName returns "GetForwarding".
func (*GetForwarding) MessageName() string { return "GetForwarding" }
func (*GetForwarding) isRequest()          {}

func (m *GetForwarding) codec(c *fieldCodec) {
	c.device("device", &m.Device)
	c.extensions(&m.Extensions)
}

// GetForwardingResponse answers GetForwarding with the device's forwarding
// settings.
type GetForwardingResponse struct {
	Header
	ForwardingList []ForwardListItem
	Extensions     *Extensions
}

// MessageName returns "GetForwardingResponse".
func (*GetForwardingResponse) MessageName() string { return "GetForwardingResponse" }
func (*GetForwardingResponse) isResponse()         {}

func (m *GetForwardingResponse) codec(c *fieldCodec) {
	list(c, "forwardingList", "forwardListItem", false, &m.ForwardingList, (*ForwardListItem).codec)
	c.extensions(&m.Extensions)
}

// SetDoNotDisturb turns do-not-disturb on or off for a device.
type SetDoNotDisturb struct {
	Header
	Device            DeviceID
	DoNotDisturbOn    bool
	CallOrigination   RawXML
	CallingDeviceList RawXML
	Extensions        *Extensions
}

// MessageName returns "SetDoNotDisturb".
func (*SetDoNotDisturb) MessageName() string { return "SetDoNotDisturb" }
func (*SetDoNotDisturb) isRequest()          {}

func (m *SetDoNotDisturb) codec(c *fieldCodec) {
	c.device("device", &m.Device)
	c.reqBool("doNotDisturbOn", &m.DoNotDisturbOn)
	c.raw("callOrigination", &m.CallOrigination)
	c.raw("callingDeviceList", &m.CallingDeviceList)
	c.extensions(&m.Extensions)
}

// SetDoNotDisturbResponse acknowledges SetDoNotDisturb.
type SetDoNotDisturbResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "SetDoNotDisturbResponse".
func (*SetDoNotDisturbResponse) MessageName() string { return "SetDoNotDisturbResponse" }
func (*SetDoNotDisturbResponse) isResponse()         {}

func (m *SetDoNotDisturbResponse) codec(c *fieldCodec) {
	c.extensions(&m.Extensions)
}

// GetDoNotDisturb asks for a device's do-not-disturb setting.
type GetDoNotDisturb struct {
	Header
	Device     DeviceID
	Extensions *Extensions
}

// MessageName returns "GetDoNotDisturb".
func (*GetDoNotDisturb) MessageName() string { return "GetDoNotDisturb" }
func (*GetDoNotDisturb) isRequest()          {}

func (m *GetDoNotDisturb) codec(c *fieldCodec) {
	c.device("device", &m.Device)
	c.extensions(&m.Extensions)
}

// GetDoNotDisturbResponse answers GetDoNotDisturb.
type GetDoNotDisturbResponse struct {
	Header
	DoNotDisturbOn    bool
	CallOrigination   RawXML
	CallingDeviceList RawXML
	Extensions        *Extensions
}

// MessageName returns "GetDoNotDisturbResponse".
func (*GetDoNotDisturbResponse) MessageName() string { return "GetDoNotDisturbResponse" }
func (*GetDoNotDisturbResponse) isResponse()         {}

func (m *GetDoNotDisturbResponse) codec(c *fieldCodec) {
	c.boolean("doNotDisturbOn", &m.DoNotDisturbOn)
	c.raw("callOrigination", &m.CallOrigination)
	c.raw("callingDeviceList", &m.CallingDeviceList)
	c.extensions(&m.Extensions)
}

var logicalMessages = []func() Message{
	func() Message { return new(SetForwarding) },
	func() Message { return new(SetForwardingResponse) },
	func() Message { return new(GetForwarding) },
	func() Message { return new(GetForwardingResponse) },
	func() Message { return new(SetDoNotDisturb) },
	func() Message { return new(SetDoNotDisturbResponse) },
	func() Message { return new(GetDoNotDisturb) },
	func() Message { return new(GetDoNotDisturbResponse) },
}
