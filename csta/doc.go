// Package csta encodes and decodes the ECMA-323 CSTA XML messages that remote
// call control uses, as carried by ECMA TR/87 (uaCSTA) in SIP INFO bodies and
// by CSTA XML over TCP. It is a pure codec: no sockets, no goroutines, and no
// XML library types in its API.
//
// # Messages
//
// Every message is a plain Go struct implementing [Message], with its fields
// named after the ECMA-323 schema elements and in schema order; optional
// elements are pointers, empty strings or nil slices. The set is sealed:
//
//   - requests ([Request]): [RequestSystemStatus], [SystemStatus],
//     [GetCSTAFeatures], [MonitorStart], [MonitorStop], [SnapshotDevice],
//     [MakeCall], [AnswerCall], [ClearConnection], [ClearCall], [HoldCall],
//     [RetrieveCall], [ConsultationCall], [AlternateCall], [ReconnectCall],
//     [TransferCall], [SingleStepTransferCall], [ConferenceCall],
//     [DeflectCall], [GenerateDigits], [SetForwarding], [GetForwarding],
//     [SetDoNotDisturb], [GetDoNotDisturb];
//   - their positive responses ([Response]), named after the request with
//     "Response" appended, and the negative response [CSTAErrorCode];
//   - events ([Event]), each starting with its monitorCrossRefID:
//     [ServiceInitiatedEvent], [OriginatedEvent], [DeliveredEvent],
//     [EstablishedEvent], [ConnectionClearedEvent], [FailedEvent],
//     [HeldEvent], [RetrievedEvent], [TransferredEvent] (the schema's
//     TransferedEvent element), [ConferencedEvent], [DivertedEvent],
//     [NetworkReachedEvent], [QueuedEvent], [DigitsGeneratedEvent],
//     [CallClearedEvent], [ForwardingEvent], [DoNotDisturbEvent];
//   - the ECMA-354 application session messages CSTA over TCP opens with:
//     [StartApplicationSession], [StopApplicationSession] and
//     [ResetApplicationSessionTimer], with their positive and negative
//     responses;
//   - [Unknown], for any other root element, keeping its raw XML.
//
// Identifiers and values are types: [DeviceID] (with typeOfNumber and the
// schema's other attributes), [ConnectionID] (callID plus deviceID),
// [ExtendedDeviceID] (a device, notKnown or restricted),
// [RedirectionDeviceID], [MonitorCrossRefID], [EventCause],
// [LocalConnectionState], [ForwardingType]. Structures nobody in a gateway
// reads (servicesPermitted, call and media characteristics, user data,
// connection information) are kept as [RawXML], so nothing is lost.
//
// [WalkDevices] and [WalkConnections] visit every device identifier and
// connection identifier of a message, with their paths, and may change them
// in place: a gateway uses them to translate between the client's Line URI
// and the CTI side's device identifiers, and to check what a request may
// touch.
//
// [Features], in [GetCSTAFeaturesResponse], holds the supported services and
// events as capability sets kept in schema order; [RCCFeatures] is the
// profile Office Communicator expects, and [Features.Intersect] combines it
// with what the CTI side reports.
//
// # Decoding and encoding
//
// [Decode] takes one XML document and returns the message its root element
// names; [Encode] writes a message as a UTF-8 document with an XML
// declaration, elements in schema order and no insignificant white space, so
// the same message always gives the same bytes. A [Codec] sets other size
// and depth limits.
//
//	m, err := csta.Decode(body)
//	if err != nil { /* answer 400 */ }
//	switch req := m.(type) {
//	case *csta.MakeCall:
//		resp := &csta.MakeCallResponse{
//			Header:        req.Header.Reply(),
//			CallingDevice: csta.Connection(callID, req.CallingDevice.ID),
//		}
//		out, err := csta.Encode(resp)
//	}
//
// Decode is liberal in what it accepts: child elements it does not know are
// ignored, white space around values is trimmed, children may come in any
// order, a party or lastRedirectionDevice an event leaves out reads as
// notKnown. It is strict about what makes a message: a request without the
// connection or device it acts on, or an event without its monitorCrossRefID
// or subject connection, is a [*DecodeError] naming the element. Whatever
// Decode accepts, Encode writes back, and decoding that gives an equal value.
//
// # Editions and namespaces
//
// Decode matches the root element by local name and accepts no namespace,
// the ECMA-323 namespaces of editions 2 to 6 (including the ecma.ch domain,
// vendor suffixes such as Avaya's ".../ed3/priv2" and the misspelled
// "ecmainternational.org" some phones send), and the ECMA-354 namespace;
// the root may be prefixed ("csta:MakeCall") and may come wrapped in a SOAP
// 1.1 or 1.2 envelope. What it saw is recorded in the message's [Header]:
// copy a request's Header into the response (see [Header.Reply]) to answer
// in the peer's edition, namespace and SOAP wrapping. A message with an empty
// Header is written in [DefaultNamespace] (ed3, as Communicator speaks it),
// or [NamespaceACSE] for the session messages. [Edition] tells which
// edition a namespace names.
//
// # Microsoft RCC extension
//
// Communicator sends its Line URI in
// extensions/privateData/private/lcs:line, in Microsoft's
// [NamespaceRCC] namespace, with RequestSystemStatus and GetCSTAFeatures.
// [Extensions].Line holds it wherever extensions may appear; every other
// piece of private data (Siemens' scx: elements, for example) is kept as raw
// XML in the same Extensions and written back unchanged.
//
// # Errors
//
// Documents Decode refuses before looking at the message wrap one of
// [ErrEmpty], [ErrTooLarge], [ErrTooDeep], [ErrInvalidUTF8], [ErrDTD],
// [ErrTruncated], [ErrMalformed] and [ErrNamespace], with detail; a
// well-formed document that is not a valid message gives a [*DecodeError]
// with the element's path; a message Encode cannot write gives an
// [*EncodeError]. Compare with errors.Is and errors.As.
//
// CSTA's own errors are values: an [ErrorCode] is a category and a value
// ("operation"/"invalidCallID"), with the schema's complete value tables
// ([ErrorCode.Valid], [ErrorCode.Number]). An [*Error] carries one and
// matches others with the same code, so errors.Is(err, [ErrInvalidCallID])
// works through any wrapping; [CSTAErrorCode.Err] turns a negative response
// into an error, [NewErrorResponse] and [ErrorCodeOf] go the other way.
// [ErrorResponse] is the one place any Go error becomes the CSTAErrorCode
// answer to a request: a CSTA error keeps its code, a timeout is
// resourceBusy, anything else systemResourceAvailibility/generic.
// The schema spells one category "systemResourceAvailibility": Decode
// accepts both spellings, Encode writes the schema's.
//
// # Hostile input
//
// Decode is meant for documents from untrusted peers. It refuses documents
// over [DefaultMaxSize] bytes or nested deeper than [DefaultMaxDepth]
// elements (both configurable in a Codec), any document type or other markup
// declaration (so no entity definitions and no entity expansion), bytes that
// are not UTF-8 and declared encodings other than UTF-8, truncated documents,
// repeated attributes and anything else that is not well-formed, each with an
// error that says what is wrong. Its work is linear in the size of the
// document, and it never panics: a fuzz test checks both that and that
// decode, encode, decode gives an equal value.
//
// # Concurrency
//
// The package keeps no mutable state: Decode, Encode, WalkDevices and a Codec
// are safe for concurrent use. A message value is not; a goroutine that
// changes one must own it.
package csta
