package csta

// Message is implemented by every CSTA XML message type of this package:
// requests, responses, events, the CSTAErrorCode negative response, the
// ECMA-354 application session messages, and Unknown. The set is sealed; a
// type outside this package cannot implement Message.
type Message interface {
	// MessageName returns the local name of the message's root element,
	// for example "MakeCall" or "TransferedEvent".
	MessageName() string
	// MessageHeader returns the message's envelope details: the namespace it
	// was decoded with, or is to be encoded with.
	MessageHeader() *Header

	// codec describes the message's fields in schema order; see fields.go.
	codec(c *fieldCodec)
}

// Request is a CSTA service request: a message that expects a response.
type Request interface {
	Message
	isRequest()
}

// Response is a positive response to a Request, or a CSTAErrorCode.
type Response interface {
	Message
	isResponse()
}

// Event is an unsolicited CSTA event reported for a monitor.
type Event interface {
	Message
	// CrossRefID returns the event's monitorCrossRefID.
	CrossRefID() MonitorCrossRefID
	// SetCrossRefID replaces the event's monitorCrossRefID.
	SetCrossRefID(id MonitorCrossRefID)
	isEvent()
}

// Header records how a message's root element was written. Decode fills it
// in; Encode follows it, so a reply can be written in the edition the peer
// used by copying the request's Header.
type Header struct {
	// Namespace is the XML namespace of the root element. When empty and
	// NoNamespace is false, Encode writes DefaultNamespace (NamespaceACSE for
	// the ECMA-354 session messages).
	Namespace string
	// NoNamespace records a root element that declared no namespace; Encode
	// then writes none.
	NoNamespace bool
	// SOAP records that the message came wrapped in a SOAP envelope; Encode
	// then wraps it in a SOAP 1.1 envelope.
	SOAP bool
}

// MessageHeader returns h. Every message type embeds a Header, so this method
// is promoted to all of them.
func (h *Header) MessageHeader() *Header { return h }

// Reply returns a Header for a message answering one that carried h: same
// namespace, same SOAP wrapping.
func (h Header) Reply() Header { return h }

// Unknown is a message whose root element this package does not know. It
// keeps the raw XML so it can be passed on or logged unchanged.
type Unknown struct {
	Header
	// Name is the local name of the root element.
	Name string
	// Raw is the whole document as it was decoded (without any SOAP
	// envelope). Encode writes it back unchanged.
	Raw RawXML
}

// MessageName returns the local name of the unknown root element.
func (m *Unknown) MessageName() string { return m.Name }

func (m *Unknown) codec(c *fieldCodec) {
	switch c.mode {
	case encoding:
		c.w.raw(m.Raw)
	case decoding:
		m.Name = c.e.name()
		raw, err := c.e.rawXML()
		if err != nil {
			c.fail(err)
			return
		}
		m.Raw = raw
	}
}
