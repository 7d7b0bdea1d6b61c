package csta

// The ECMA-354 application session messages that CSTA XML over TCP uses to
// open, keep alive and close an application association. They live in the
// ECMA-354 namespace (NamespaceACSE), which Encode writes when a message's
// Header names none. Their extensions element is free-form (xs:any), so it
// is kept as a list of raw elements, for example Siemens' <actualHBT>.

// acseMessage gives the session messages their default namespace.
type acseMessage struct{}

func (acseMessage) defaultNamespace() string { return NamespaceACSE }

// SessionErrorValue is a definedError value of a negative ECMA-354
// response.
type SessionErrorValue string

// The definedError values of ECMA-354.
const (
	// SessionInvalidApplicationInfo rejects StartApplicationSession.
	SessionInvalidApplicationInfo SessionErrorValue = "invalidApplicationInfo"
	// SessionProtocolVersionNotSupported rejects StartApplicationSession.
	SessionProtocolVersionNotSupported SessionErrorValue = "requestedProtocolVersionNotSupported"
	// SessionServerResourcesBusy rejects StartApplicationSession.
	SessionServerResourcesBusy SessionErrorValue = "serverResourcesBusy"
	// SessionMaxNumberSessions rejects StartApplicationSession.
	SessionMaxNumberSessions SessionErrorValue = "maxNumberSessions"
	// SessionInvalidSessionID rejects StopApplicationSession and
	// ResetApplicationSessionTimer.
	SessionInvalidSessionID SessionErrorValue = "invalidSessionID"
	// SessionCannotResetTimer rejects ResetApplicationSessionTimer.
	SessionCannotResetTimer SessionErrorValue = "serverCannotResetSessionTimer"
)

// SessionError is the errorCode of a negative ECMA-354 response: the
// choice of a defined error or an application-specific one. Exactly one
// should be set; Decode refuses an errorCode with neither.
type SessionError struct {
	// Defined is the definedError choice.
	Defined SessionErrorValue
	// Application is the applError choice, used when Defined is empty.
	Application string
}

// String returns the defined error, or the application error.
func (e SessionError) String() string {
	if e.Defined != "" {
		return string(e.Defined)
	}
	return e.Application
}

func (e *SessionError) codec(c *fieldCodec) {
	switch c.mode {
	case encoding:
		c.w.open("errorCode")
		switch {
		case e.Defined != "":
			c.w.text("definedError", string(e.Defined))
		case e.Application != "":
			c.w.text("applError", e.Application)
		default:
			c.w.fail("", "errorCode has neither definedError nor applError")
		}
		c.w.close("errorCode")
	case decoding:
		if c.failed() {
			return
		}
		ch := c.e.child("errorCode")
		if ch == nil {
			c.fail(c.e.missing("errorCode"))
			return
		}
		e.Defined = SessionErrorValue(ch.childText("definedError"))
		if e.Defined == "" {
			e.Application = ch.childText("applError")
		}
		if e.Defined == "" && e.Application == "" {
			c.fail(ch.errorf("neither definedError nor applError"))
		}
	}
}

// EndReason is the sessionEndReason of StopApplicationSession: a defined
// reason ("normal" is the only one ECMA-354 defines) or an application
// reason. The zero value is written as definedEndReason normal.
type EndReason struct {
	// Defined is the definedEndReason choice.
	Defined string
	// Application is the appEndReason choice, used when Defined is empty.
	Application string
}

// EndNormal is the defined end reason "normal".
const EndNormal = "normal"

func (r *EndReason) codec(c *fieldCodec) {
	switch c.mode {
	case encoding:
		c.w.open("sessionEndReason")
		switch {
		case r.Defined != "":
			c.w.text("definedEndReason", r.Defined)
		case r.Application != "":
			c.w.text("appEndReason", r.Application)
		default:
			c.w.text("definedEndReason", EndNormal)
		}
		c.w.close("sessionEndReason")
	case decoding:
		if ch := c.child("sessionEndReason"); ch != nil {
			r.Defined = ch.childText("definedEndReason")
			if r.Defined == "" {
				r.Application = ch.childText("appEndReason")
			}
		}
		if r.Defined == "" && r.Application == "" {
			r.Defined = EndNormal
		}
	}
}

// StartApplicationSession opens an ECMA-354 application session.
type StartApplicationSession struct {
	Header
	acseMessage
	// ApplicationID is applicationInfo/applicationID.
	ApplicationID string
	// ApplicationSpecificInfo is the whole applicationInfo/
	// applicationSpecificInfo element, for example Avaya's SessionLoginInfo
	// credentials.
	ApplicationSpecificInfo RawXML
	// RequestedProtocolVersions lists the protocol versions the application
	// accepts, usually ECMA-323 namespaces such as NamespaceEd4.
	RequestedProtocolVersions []string
	// RequestedSessionDuration is the session duration asked for, in
	// seconds; zero leaves the element out.
	RequestedSessionDuration int
	// Extensions holds the children of the extensions element.
	Extensions []RawXML
}

// MessageName returns "StartApplicationSession".
func (*StartApplicationSession) MessageName() string { return "StartApplicationSession" }
func (*StartApplicationSession) isRequest()          {}

func (m *StartApplicationSession) codec(c *fieldCodec) {
	c.group("applicationInfo", func(c *fieldCodec) {
		reqText(c, "applicationID", &m.ApplicationID)
		c.raw("applicationSpecificInfo", &m.ApplicationSpecificInfo)
	})
	if c.mode == decoding && !c.failed() && c.e.child("applicationInfo") == nil {
		c.fail(c.e.missing("applicationInfo"))
	}
	list(c, "requestedProtocolVersions", "protocolVersion", true, &m.RequestedProtocolVersions, value[string])
	c.intOmitZero("requestedSessionDuration", &m.RequestedSessionDuration)
	c.rawList("extensions", &m.Extensions)
}

// StartApplicationSessionPosResponse accepts StartApplicationSession.
type StartApplicationSessionPosResponse struct {
	Header
	acseMessage
	// SessionID identifies the session in later session messages.
	SessionID string
	// ActualProtocolVersion is the protocol version chosen.
	ActualProtocolVersion string
	// ActualSessionDuration is the session duration granted, in seconds.
	ActualSessionDuration int
	// Extensions holds the children of the extensions element, for example
	// <actualHBT>.
	Extensions []RawXML
}

// MessageName returns "StartApplicationSessionPosResponse".
func (*StartApplicationSessionPosResponse) MessageName() string {
	return "StartApplicationSessionPosResponse"
}
func (*StartApplicationSessionPosResponse) isResponse() {}

func (m *StartApplicationSessionPosResponse) codec(c *fieldCodec) {
	reqText(c, "sessionID", &m.SessionID)
	optText(c, "actualProtocolVersion", &m.ActualProtocolVersion)
	c.integer("actualSessionDuration", &m.ActualSessionDuration)
	c.rawList("extensions", &m.Extensions)
}

// StartApplicationSessionNegResponse rejects StartApplicationSession.
type StartApplicationSessionNegResponse struct {
	Header
	acseMessage
	ErrorCode SessionError
	// Extensions holds the children of the extensions element.
	Extensions []RawXML
}

// MessageName returns "StartApplicationSessionNegResponse".
func (*StartApplicationSessionNegResponse) MessageName() string {
	return "StartApplicationSessionNegResponse"
}
func (*StartApplicationSessionNegResponse) isResponse() {}

func (m *StartApplicationSessionNegResponse) codec(c *fieldCodec) {
	m.ErrorCode.codec(c)
	c.rawList("extensions", &m.Extensions)
}

// StopApplicationSession closes an application session.
type StopApplicationSession struct {
	Header
	acseMessage
	SessionID        string
	SessionEndReason EndReason
	// Extensions holds the children of the extensions element.
	Extensions []RawXML
}

// MessageName returns "StopApplicationSession".
func (*StopApplicationSession) MessageName() string { return "StopApplicationSession" }
func (*StopApplicationSession) isRequest()          {}

func (m *StopApplicationSession) codec(c *fieldCodec) {
	reqText(c, "sessionID", &m.SessionID)
	m.SessionEndReason.codec(c)
	c.rawList("extensions", &m.Extensions)
}

// StopApplicationSessionPosResponse accepts StopApplicationSession.
type StopApplicationSessionPosResponse struct {
	Header
	acseMessage
	// Extensions holds the children of the extensions element.
	Extensions []RawXML
}

// MessageName returns "StopApplicationSessionPosResponse".
func (*StopApplicationSessionPosResponse) MessageName() string {
	return "StopApplicationSessionPosResponse"
}
func (*StopApplicationSessionPosResponse) isResponse() {}

func (m *StopApplicationSessionPosResponse) codec(c *fieldCodec) {
	c.rawList("extensions", &m.Extensions)
}

// StopApplicationSessionNegResponse rejects StopApplicationSession.
type StopApplicationSessionNegResponse struct {
	Header
	acseMessage
	ErrorCode SessionError
	// Extensions holds the children of the extensions element.
	Extensions []RawXML
}

// MessageName returns "StopApplicationSessionNegResponse".
func (*StopApplicationSessionNegResponse) MessageName() string {
	return "StopApplicationSessionNegResponse"
}
func (*StopApplicationSessionNegResponse) isResponse() {}

func (m *StopApplicationSessionNegResponse) codec(c *fieldCodec) {
	m.ErrorCode.codec(c)
	c.rawList("extensions", &m.Extensions)
}

// ResetApplicationSessionTimer keeps an application session alive.
type ResetApplicationSessionTimer struct {
	Header
	acseMessage
	SessionID string
	// RequestedSessionDuration is the new session duration asked for, in
	// seconds; zero leaves the element out.
	RequestedSessionDuration int
	// Extensions holds the children of the extensions element.
	Extensions []RawXML
}

// MessageName returns "ResetApplicationSessionTimer".
func (*ResetApplicationSessionTimer) MessageName() string { return "ResetApplicationSessionTimer" }
func (*ResetApplicationSessionTimer) isRequest()          {}

func (m *ResetApplicationSessionTimer) codec(c *fieldCodec) {
	reqText(c, "sessionID", &m.SessionID)
	c.intOmitZero("requestedSessionDuration", &m.RequestedSessionDuration)
	c.rawList("extensions", &m.Extensions)
}

// ResetApplicationSessionTimerPosResponse accepts
// ResetApplicationSessionTimer.
type ResetApplicationSessionTimerPosResponse struct {
	Header
	acseMessage
	// ActualSessionDuration is the session duration granted, in seconds;
	// zero leaves the element out.
	ActualSessionDuration int
	// Extensions holds the children of the extensions element.
	Extensions []RawXML
}

// MessageName returns "ResetApplicationSessionTimerPosResponse".
func (*ResetApplicationSessionTimerPosResponse) MessageName() string {
	return "ResetApplicationSessionTimerPosResponse"
}
func (*ResetApplicationSessionTimerPosResponse) isResponse() {}

func (m *ResetApplicationSessionTimerPosResponse) codec(c *fieldCodec) {
	c.intOmitZero("actualSessionDuration", &m.ActualSessionDuration)
	c.rawList("extensions", &m.Extensions)
}

// ResetApplicationSessionTimerNegResponse rejects
// ResetApplicationSessionTimer.
type ResetApplicationSessionTimerNegResponse struct {
	Header
	acseMessage
	ErrorCode SessionError
	// Extensions holds the children of the extensions element.
	Extensions []RawXML
}

// MessageName returns "ResetApplicationSessionTimerNegResponse".
func (*ResetApplicationSessionTimerNegResponse) MessageName() string {
	return "ResetApplicationSessionTimerNegResponse"
}
func (*ResetApplicationSessionTimerNegResponse) isResponse() {}

func (m *ResetApplicationSessionTimerNegResponse) codec(c *fieldCodec) {
	m.ErrorCode.codec(c)
	c.rawList("extensions", &m.Extensions)
}

var acseMessages = []func() Message{
	func() Message { return new(StartApplicationSession) },
	func() Message { return new(StartApplicationSessionPosResponse) },
	func() Message { return new(StartApplicationSessionNegResponse) },
	func() Message { return new(StopApplicationSession) },
	func() Message { return new(StopApplicationSessionPosResponse) },
	func() Message { return new(StopApplicationSessionNegResponse) },
	func() Message { return new(ResetApplicationSessionTimer) },
	func() Message { return new(ResetApplicationSessionTimerPosResponse) },
	func() Message { return new(ResetApplicationSessionTimerNegResponse) },
}
