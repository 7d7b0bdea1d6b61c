package csta

// ForwardingType is a kind of call forwarding.
type ForwardingType string

// The forwarding types of ECMA-323: immediate, on busy, on no answer and
// on do-not-disturb, each for all calls or only internal or external ones.
const (
	ForwardImmediate ForwardingType = "forwardImmediate"
	ForwardBusy      ForwardingType = "forwardBusy"
	ForwardNoAns     ForwardingType = "forwardNoAns"
	ForwardDND       ForwardingType = "forwardDND"
	ForwardBusyInt   ForwardingType = "forwardBusyInt"
	ForwardBusyExt   ForwardingType = "forwardBusyExt"
	ForwardNoAnsInt  ForwardingType = "forwardNoAnsInt"
	ForwardNoAnsExt  ForwardingType = "forwardNoAnsExt"
	ForwardImmInt    ForwardingType = "forwardImmInt"
	ForwardImmExt    ForwardingType = "forwardImmExt"
	ForwardDNDInt    ForwardingType = "forwardDNDInt"
	ForwardDNDExt    ForwardingType = "forwardDNDExt"
)

// String returns the XML value.
func (f ForwardingType) String() string { return string(f) }

// Number returns the ASN.1 value of f, and false when f is not one of the
// schema's values.
func (f ForwardingType) Number() (int, bool) {
	switch f {
	case ForwardImmediate:
		return 0, true
	case ForwardBusy:
		return 1, true
	case ForwardNoAns:
		return 2, true
	case ForwardBusyInt:
		return 3, true
	case ForwardBusyExt:
		return 4, true
	case ForwardNoAnsInt:
		return 5, true
	case ForwardNoAnsExt:
		return 6, true
	case ForwardImmInt:
		return 7, true
	case ForwardImmExt:
		return 8, true
	case ForwardDND:
		return 9, true
	case ForwardDNDInt:
		return 10, true
	case ForwardDNDExt:
		return 11, true
	}
	return 0, false
}

// Valid reports whether f is one of the schema's values.
func (f ForwardingType) Valid() bool {
	_, ok := f.Number()
	return ok
}

// ForwardDefault says which part of a forwarding setting is the device's
// default.
type ForwardDefault string

// The forwardDefault values.
const (
	ForwardDefaultTypeAndDN ForwardDefault = "forwardingTypeAndForwardDN"
	ForwardDefaultType      ForwardDefault = "forwardingType"
	ForwardDefaultDN        ForwardDefault = "forwardDN"
)

// ForwardListItem is one forwarding setting of GetForwardingResponse.
type ForwardListItem struct {
	ForwardingType ForwardingType
	// ForwardStatus is true when the forwarding is active.
	ForwardStatus  bool
	ForwardDN      *DeviceID
	ForwardDefault ForwardDefault
	RingCount      *int
	RingDuration   *int
}

func (it *ForwardListItem) codec(c *fieldCodec) {
	optText(c, "forwardingType", &it.ForwardingType)
	c.boolean("forwardStatus", &it.ForwardStatus)
	c.optDevice("forwardDN", &it.ForwardDN)
	optText(c, "forwardDefault", &it.ForwardDefault)
	c.optInt("ringCount", &it.RingCount)
	c.optInt("ringDuration", &it.RingDuration)
}
