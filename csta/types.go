package csta

// MonitorCrossRefID identifies a monitor: MonitorStartResponse returns it and
// every event of that monitor carries it.
type MonitorCrossRefID string

// CallID identifies a call within the switching function.
type CallID string

// DeviceID identifies a device: the element text plus the schema's optional
// attributes. An attribute left empty is not written.
type DeviceID struct {
	// ID is the identifier itself, for example "tel:1001;phone-context=dialstring"
	// or "SEP001122334455".
	ID string
	// TypeOfNumber is the typeOfNumber attribute: "dialingNumber" (the
	// schema default), "deviceNumber", "implicitPublic", "explicitPublic:…",
	// "implicitPrivate", "explicitPrivate:…" or "other".
	TypeOfNumber string
	// MediaClass is the mediaClass attribute, a list of voice, data, image,
	// audio, other, notKnown.
	MediaClass string
	// BitRate is the bitRate attribute ("constant" or "variable").
	BitRate string
	// ConnectionRate is the connectionRate attribute.
	ConnectionRate string
	// DelayTolerance is the delayTolerance attribute.
	DelayTolerance string
	// SwitchingSubDomainCCIEType is the switchingSubDomainCCIEType attribute.
	SwitchingSubDomainCCIEType string
	// SwitchingSubDomainInformationElements is the
	// switchingSubDomainInformationElements attribute (hexBinary).
	SwitchingSubDomainInformationElements string
}

// Device returns a DeviceID with the given identifier and no attributes.
func Device(id string) DeviceID { return DeviceID{ID: id} }

// IsZero reports whether d has no identifier and no attributes.
func (d DeviceID) IsZero() bool { return d == DeviceID{} }

// String returns the identifier.
func (d DeviceID) String() string { return d.ID }

func decodeDeviceID(e *element) DeviceID {
	d := DeviceID{ID: e.text()}
	if len(e.Attr) == 0 {
		return d
	}
	d.TypeOfNumber = e.attr("typeOfNumber")
	d.MediaClass = e.attr("mediaClass")
	d.BitRate = e.attr("bitRate")
	d.ConnectionRate = e.attr("connectionRate")
	d.DelayTolerance = e.attr("delayTolerance")
	d.SwitchingSubDomainCCIEType = e.attr("switchingSubDomainCCIEType")
	d.SwitchingSubDomainInformationElements = e.attr("switchingSubDomainInformationElements")
	return d
}

// device writes a DeviceID element; an empty identifier is an error.
func (w *writer) device(name string, d DeviceID) {
	if d.ID == "" {
		w.fail(name, "required device identifier is empty")
	}
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.attr("typeOfNumber", d.TypeOfNumber)
	w.attr("mediaClass", d.MediaClass)
	w.attr("bitRate", d.BitRate)
	w.attr("connectionRate", d.ConnectionRate)
	w.attr("delayTolerance", d.DelayTolerance)
	w.attr("switchingSubDomainCCIEType", d.SwitchingSubDomainCCIEType)
	w.attr("switchingSubDomainInformationElements", d.SwitchingSubDomainInformationElements)
	w.b = append(w.b, '>')
	w.escape(d.ID, false)
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// reqDevice decodes a required DeviceID child.
func (e *element) reqDevice(name string) (DeviceID, error) {
	c := e.child(name)
	if c == nil {
		return DeviceID{}, e.missing(name)
	}
	d := decodeDeviceID(c)
	if d.ID == "" {
		return d, c.errorf("empty device identifier")
	}
	return d, nil
}

// ConnectionID identifies one device's connection to one call. Either part
// may be absent in some contexts; together they are the key.
type ConnectionID struct {
	// CallID is the callID element.
	CallID CallID
	// DeviceID is the deviceID element (the schema's static LocalDeviceID).
	DeviceID DeviceID
	// DynamicID is the dynamicID element, used instead of deviceID by some
	// switches.
	DynamicID string
}

// Connection returns a ConnectionID for the call and device identifiers.
func Connection(callID CallID, deviceID string) ConnectionID {
	return ConnectionID{CallID: callID, DeviceID: DeviceID{ID: deviceID}}
}

// IsZero reports whether c identifies nothing.
func (c ConnectionID) IsZero() bool { return c == ConnectionID{} }

func decodeConnectionID(e *element) (ConnectionID, error) {
	var c ConnectionID
	c.CallID = CallID(e.childText("callID"))
	if d := e.child("deviceID"); d != nil {
		c.DeviceID = decodeDeviceID(d)
	}
	if c.DeviceID.ID == "" {
		// An empty deviceID says nothing, whatever its attributes.
		c.DeviceID = DeviceID{}
		c.DynamicID = e.childText("dynamicID")
	}
	if c.IsZero() {
		return c, e.errorf("connection identifier has neither callID nor deviceID")
	}
	return c, nil
}

// connection writes a ConnectionID element.
func (w *writer) connection(name string, c ConnectionID) {
	if c.IsZero() {
		w.fail(name, "connection identifier is empty")
	}
	w.open(name)
	w.opt("callID", string(c.CallID))
	switch {
	case c.DeviceID.ID != "":
		w.device("deviceID", c.DeviceID)
	case c.DynamicID != "":
		w.text("dynamicID", c.DynamicID)
	}
	w.close(name)
}

// reqConnection decodes a required ConnectionID child.
func (e *element) reqConnection(name string) (ConnectionID, error) {
	c := e.child(name)
	if c == nil {
		return ConnectionID{}, e.missing(name)
	}
	return decodeConnectionID(c)
}

// ExtendedDeviceID is a party in an event or response: a known device, or a
// device that is not known or whose identity is restricted. The zero value
// encodes as notKnown.
type ExtendedDeviceID struct {
	// Device is the deviceIdentifier, used when neither NotKnown nor
	// Restricted is set.
	Device DeviceID
	// NotKnown is the notKnown choice.
	NotKnown bool
	// Restricted is the restricted choice.
	Restricted bool
}

// Known returns an ExtendedDeviceID for a known device identifier.
func Known(id string) ExtendedDeviceID { return ExtendedDeviceID{Device: DeviceID{ID: id}} }

// IsKnown reports whether x names a device.
func (x ExtendedDeviceID) IsKnown() bool { return !x.NotKnown && !x.Restricted && x.Device.ID != "" }

// String returns the device identifier, "notKnown" or "restricted".
func (x ExtendedDeviceID) String() string {
	switch {
	case x.Restricted:
		return "restricted"
	case x.IsKnown():
		return x.Device.ID
	}
	return "notKnown"
}

// decodeExtendedDeviceIDAs decodes an ExtendedDeviceID whose device choice
// is named devName ("deviceIdentifier", or "deviceID" in connection lists).
// Anything that names no device reads as notKnown.
func decodeExtendedDeviceIDAs(e *element, devName string) ExtendedDeviceID {
	var x ExtendedDeviceID
	switch {
	case e.has(devName):
		x.Device = decodeDeviceID(e.child(devName))
	case e.has("restricted"):
		x.Restricted = true
	case e.has("notKnown"):
	default:
		// Some switches put the identifier directly in the element.
		if e.first() == nil {
			x.Device = decodeDeviceID(e)
		}
	}
	if !x.Restricted && x.Device.ID == "" {
		x = ExtendedDeviceID{NotKnown: true}
	}
	return x
}

// extDeviceAs writes an ExtendedDeviceID element whose device choice is
// named devName.
func (w *writer) extDeviceAs(name, devName string, x ExtendedDeviceID) {
	w.open(name)
	switch {
	case x.Restricted:
		w.empty("restricted")
	case x.IsKnown():
		w.device(devName, x.Device)
	default:
		w.empty("notKnown")
	}
	w.close(name)
}

// LocalConnectionState is the state of a device's connection to a call, the
// localConnectionInfo of events.
type LocalConnectionState string

// The connection states of ECMA-323.
const (
	StateNull      LocalConnectionState = "null"
	StateInitiated LocalConnectionState = "initiated"
	StateAlerting  LocalConnectionState = "alerting"
	StateConnected LocalConnectionState = "connected"
	StateHold      LocalConnectionState = "hold"
	StateQueued    LocalConnectionState = "queued"
	StateFail      LocalConnectionState = "fail"
)

// String returns the XML value.
func (s LocalConnectionState) String() string { return string(s) }

// Valid reports whether s is one of the schema's values.
func (s LocalConnectionState) Valid() bool {
	switch s {
	case StateNull, StateInitiated, StateAlerting, StateConnected, StateHold, StateQueued, StateFail:
		return true
	}
	return false
}

// Number returns the ASN.1 value of s, or false when s is not one of the
// schema's values.
func (s LocalConnectionState) Number() (int, bool) {
	switch s {
	case StateNull:
		return 0, true
	case StateInitiated:
		return 1, true
	case StateAlerting:
		return 2, true
	case StateConnected:
		return 3, true
	case StateHold:
		return 4, true
	case StateQueued:
		return 5, true
	case StateFail:
		return 6, true
	}
	return 0, false
}

// RedirectionDeviceID is the lastRedirectionDevice of an event: the number
// dialed, or why there is none. The zero value encodes as notKnown.
type RedirectionDeviceID struct {
	// NumberDialed is the numberDialed choice, used when no flag is set.
	NumberDialed DeviceID
	// NotKnown is the notKnown choice.
	NotKnown bool
	// NotRequired is the notRequired choice.
	NotRequired bool
	// NotSpecified is the notSpecified choice.
	NotSpecified bool
	// Restricted is the restricted choice.
	Restricted bool
}

// IsKnown reports whether r names the number dialed.
func (r RedirectionDeviceID) IsKnown() bool {
	return !r.NotKnown && !r.NotRequired && !r.NotSpecified && !r.Restricted && r.NumberDialed.ID != ""
}

// String returns the number dialed or the name of the choice.
func (r RedirectionDeviceID) String() string {
	switch {
	case r.NotRequired:
		return "notRequired"
	case r.NotSpecified:
		return "notSpecified"
	case r.Restricted:
		return "restricted"
	case r.IsKnown():
		return r.NumberDialed.ID
	}
	return "notKnown"
}

func decodeRedirectionDeviceID(e *element) RedirectionDeviceID {
	var r RedirectionDeviceID
	switch {
	case e.has("numberDialed"):
		r.NumberDialed = decodeDeviceID(e.child("numberDialed"))
	case e.has("notRequired"):
		r.NotRequired = true
	case e.has("notSpecified"):
		r.NotSpecified = true
	case e.has("restricted"):
		r.Restricted = true
	case e.has("notKnown"):
	default:
		if e.first() == nil {
			r.NumberDialed = decodeDeviceID(e)
		}
	}
	if !r.NotRequired && !r.NotSpecified && !r.Restricted && r.NumberDialed.ID == "" {
		r = RedirectionDeviceID{NotKnown: true}
	}
	return r
}

// redirection writes a RedirectionDeviceID element.
func (w *writer) redirection(name string, r RedirectionDeviceID) {
	w.open(name)
	switch {
	case r.NotRequired:
		w.empty("notRequired")
	case r.NotSpecified:
		w.empty("notSpecified")
	case r.Restricted:
		w.empty("restricted")
	case r.IsKnown():
		w.device("numberDialed", r.NumberDialed)
	default:
		w.empty("notKnown")
	}
	w.close(name)
}
