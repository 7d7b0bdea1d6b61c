package csta

import (
	"context"
	"errors"
	"strings"
)

// ErrorCategory is the category of a CSTA error: the element chosen inside
// CSTAErrorCode.
type ErrorCategory string

// The categories of the ECMA-323 CSTAErrorCode choice. The schema spells the
// system resource category "systemResourceAvailibility"; Decode accepts it and
// the correct spelling, Encode writes the schema's.
const (
	CategoryOperation                      ErrorCategory = "operation"
	CategorySecurity                       ErrorCategory = "security"
	CategoryStateIncompatibility           ErrorCategory = "stateIncompatibility"
	CategorySystemResourceAvailability     ErrorCategory = "systemResourceAvailibility"
	CategorySubscribedResourceAvailability ErrorCategory = "subscribedResourceAvailability"
	CategoryPerformanceManagement          ErrorCategory = "performanceManagement"
	CategoryPrivateData                    ErrorCategory = "privateData"
	CategoryPrivateErrorCode               ErrorCategory = "privateErrorCode"
	CategoryUnspecified                    ErrorCategory = "unspecified"
)

// categoryAlias is the correct spelling of the system resource category,
// which some peers send.
const categoryAlias = "systemResourceAvailability"

// Valid reports whether c is one of the schema's categories.
func (c ErrorCategory) Valid() bool {
	switch c {
	case CategoryOperation, CategorySecurity, CategoryStateIncompatibility,
		CategorySystemResourceAvailability, CategorySubscribedResourceAvailability,
		CategoryPerformanceManagement, CategoryPrivateData, CategoryPrivateErrorCode,
		CategoryUnspecified:
		return true
	}
	return false
}

// values returns the value table of a category, or nil when the category
// has no enumerated values.
func (c ErrorCategory) values() map[string]int {
	switch c {
	case CategoryOperation:
		return operationErrors
	case CategorySecurity:
		return securityErrors
	case CategoryStateIncompatibility:
		return stateIncompatibilityErrors
	case CategorySystemResourceAvailability:
		return systemResourceAvailabilityErrors
	case CategorySubscribedResourceAvailability:
		return subscribedResourceAvailabilityErrors
	case CategoryPerformanceManagement:
		return performanceManagementErrors
	case CategoryPrivateData:
		return privateDataErrors
	}
	return nil
}

// ErrorValues returns the values the schema defines for category c, or nil
// for a category without enumerated values (privateErrorCode, unspecified)
// or an unknown one. The order is unspecified.
func ErrorValues(c ErrorCategory) []string {
	t := c.values()
	if t == nil {
		return nil
	}
	out := make([]string, 0, len(t))
	for v := range t {
		out = append(out, v)
	}
	return out
}

// ErrorCode is a CSTA error: a category and the value inside it, as the XML
// writes them, for example {CategoryOperation, "invalidCallID"}. Unspecified
// has no value; a privateErrorCode value is the peer's private text (or the
// raw XML of its content). Decode keeps values it does not know, for which
// Valid reports false.
type ErrorCode struct {
	Category ErrorCategory
	Value    string
}

// String returns "category/value", or the category alone when there is no
// value.
func (c ErrorCode) String() string {
	if c.Value == "" {
		return string(c.Category)
	}
	return string(c.Category) + "/" + c.Value
}

// Valid reports whether c is a value the schema defines: a known value of
// an enumerated category, unspecified without a value, or a privateErrorCode
// with a value.
func (c ErrorCode) Valid() bool {
	switch c.Category {
	case CategoryUnspecified:
		return c.Value == ""
	case CategoryPrivateErrorCode:
		return c.Value != ""
	}
	_, ok := c.Category.values()[c.Value]
	return ok
}

// Number returns the ASN.1 number of c's value within its category, and
// false when c is not a valid enumerated value.
func (c ErrorCode) Number() (int, bool) {
	n, ok := c.Category.values()[c.Value]
	return n, ok
}

// Error is a CSTA error returned by a peer, or to be returned to one. Its Is
// method matches another *Error with the same code, so
// errors.Is(err, csta.ErrInvalidCallID) works on any error wrapping it.
type Error struct {
	Code ErrorCode
}

// Error returns "csta: category/value".
func (e *Error) Error() string { return "csta: " + e.Code.String() }

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// ErrorCodeOf returns the code of the first *Error in err's chain.
func ErrorCodeOf(err error) (ErrorCode, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return ErrorCode{}, false
}

// NewErrorResponse returns the CSTAErrorCode response carrying code. Set its
// Header to the request's to answer in the peer's edition.
func NewErrorResponse(code ErrorCode) *CSTAErrorCode {
	return &CSTAErrorCode{Code: code}
}

// ErrorResponse returns the CSTAErrorCode that answers, with err, a request
// whose header is h: its Header is h.Reply(), so the answer goes out in the
// request's edition, and its code is
//
//   - the code of the first *Error in err's chain (errors.As), so any
//     predefined error such as ErrInvalidCallID, a CSTA error a peer
//     returned, or an error wrapping either, keeps its code;
//   - otherwise, for context.DeadlineExceeded or an error with a
//     Timeout() bool method returning true (as net.Error has) anywhere in
//     err's chain: systemResourceAvailibility/resourceBusy
//     (ErrResourceBusy), no answer in time;
//   - otherwise, the one fallback, for any other error and for nil:
//     systemResourceAvailibility/generic (ErrSystemGeneric), a failure of
//     the answering system that no other code describes.
//
// Pass an error carrying the code to answer with a specific one, for
// example ErrServiceNotSupported for a request that is not served.
func ErrorResponse(h Header, err error) *CSTAErrorCode {
	return &CSTAErrorCode{Header: h.Reply(), Code: errorCodeFor(err)}
}

// errorCodeFor is ErrorResponse's mapping.
func errorCodeFor(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var t interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &t) && t.Timeout() {
		return ErrResourceBusy.(*Error).Code
	}
	return ErrSystemGeneric.(*Error).Code
}

func opErr(v string) error { return &Error{Code: ErrorCode{CategoryOperation, v}} }
func stateErr(v string) error {
	return &Error{Code: ErrorCode{CategoryStateIncompatibility, v}}
}
func sysErr(v string) error {
	return &Error{Code: ErrorCode{CategorySystemResourceAvailability, v}}
}
func subErr(v string) error {
	return &Error{Code: ErrorCode{CategorySubscribedResourceAvailability, v}}
}

// Predefined errors for the codes a remote call control gateway uses. Match
// them with errors.Is; return them (or wrap them) to have a CSTAErrorCode
// sent.
var (
	// ErrGeneric is operation/generic.
	ErrGeneric error = opErr("generic")
	// ErrRequestIncompatibleWithObject is operation/requestIncompatibleWithObject.
	ErrRequestIncompatibleWithObject error = opErr("requestIncompatibleWithObject")
	// ErrValueOutOfRange is operation/valueOutOfRange.
	ErrValueOutOfRange error = opErr("valueOutOfRange")
	// ErrObjectNotKnown is operation/objectNotKnown.
	ErrObjectNotKnown error = opErr("objectNotKnown")
	// ErrInvalidCallingDevice is operation/invalidCallingDeviceID.
	ErrInvalidCallingDevice error = opErr("invalidCallingDeviceID")
	// ErrInvalidCalledDevice is operation/invalidCalledDeviceID.
	ErrInvalidCalledDevice error = opErr("invalidCalledDeviceID")
	// ErrInvalidForwardingDestination is operation/invalidForwardingDestination.
	ErrInvalidForwardingDestination error = opErr("invalidForwardingDestination")
	// ErrPrivilegeViolation is operation/privilegeViolationSpecifiedDevice:
	// the requester may not control that device.
	ErrPrivilegeViolation error = opErr("privilegeViolationSpecifiedDevice")
	// ErrInvalidCallID is operation/invalidCallID.
	ErrInvalidCallID error = opErr("invalidCallID")
	// ErrInvalidDeviceID is operation/invalidDeviceID.
	ErrInvalidDeviceID error = opErr("invalidDeviceID")
	// ErrInvalidConnectionID is operation/invalidConnectionID.
	ErrInvalidConnectionID error = opErr("invalidConnectionID")
	// ErrInvalidDestination is operation/invalidDestination.
	ErrInvalidDestination error = opErr("invalidDestination")
	// ErrSecurityViolation is operation/securityViolation.
	ErrSecurityViolation error = opErr("securityViolation")
	// ErrServiceNotSupported is operation/serviceNotSupported.
	ErrServiceNotSupported error = opErr("serviceNotSupported")
	// ErrInvalidMonitorCrossRefID is operation/invalidMonitorCrossRefID.
	ErrInvalidMonitorCrossRefID error = opErr("invalidMonitorCrossRefID")
	// ErrInvalidMonitorObject is operation/invalidMonitorObject.
	ErrInvalidMonitorObject error = opErr("invalidMonitorObject")

	// ErrSecurity is security/generic.
	ErrSecurity error = &Error{Code: ErrorCode{CategorySecurity, "generic"}}

	// ErrInvalidObjectState is stateIncompatibility/invalidObjectState.
	ErrInvalidObjectState error = stateErr("invalidObjectState")
	// ErrNoActiveCall is stateIncompatibility/noActiveCall.
	ErrNoActiveCall error = stateErr("noActiveCall")
	// ErrNoHeldCall is stateIncompatibility/noHeldCall.
	ErrNoHeldCall error = stateErr("noHeldCall")
	// ErrNoConnectionToClear is stateIncompatibility/noConnectionToClear.
	ErrNoConnectionToClear error = stateErr("noConnectionToClear")
	// ErrNoCallToAnswer is stateIncompatibility/noCallToAnswer.
	ErrNoCallToAnswer error = stateErr("noCallToAnswer")
	// ErrInvalidDeviceState is stateIncompatibility/invalidDeviceState.
	ErrInvalidDeviceState error = stateErr("invalidDeviceState")
	// ErrInvalidConnectionState is stateIncompatibility/invalidConnectionState.
	ErrInvalidConnectionState error = stateErr("invalidConnectionState")

	// ErrSystemGeneric is systemResourceAvailibility/generic: a failure of
	// the system that no other code describes. It is ErrorResponse's
	// fallback.
	ErrSystemGeneric error = sysErr("generic")
	// ErrResourceBusy is systemResourceAvailibility/resourceBusy, for example
	// a CTI request that timed out.
	ErrResourceBusy error = sysErr("resourceBusy")
	// ErrResourceOutOfService is systemResourceAvailibility/resourceOutOfService,
	// for example a CTI link that is down.
	ErrResourceOutOfService error = sysErr("resourceOutOfService")
	// ErrNetworkBusy is systemResourceAvailibility/networkBusy.
	ErrNetworkBusy error = sysErr("networkBusy")
	// ErrOverallMonitorLimitExceeded is
	// systemResourceAvailibility/overallMonitorLimitExceeded.
	ErrOverallMonitorLimitExceeded error = sysErr("overallMonitorLimitExceeded")
	// ErrResourceLimitExceeded is systemResourceAvailibility/resourceLimitExceeded.
	ErrResourceLimitExceeded error = sysErr("resourceLimitExceeded")

	// ErrObjectMonitorLimitExceeded is
	// subscribedResourceAvailability/objectMonitorLimitExceeded.
	ErrObjectMonitorLimitExceeded error = subErr("objectMonitorLimitExceeded")
	// ErrOutstandingRequestLimitExceeded is
	// subscribedResourceAvailability/outstandingReqLimitExceeded.
	ErrOutstandingRequestLimitExceeded error = subErr("outstandingReqLimitExceeded")

	// ErrPerformanceLimitExceeded is performanceManagement/performanceLimitExceeded.
	ErrPerformanceLimitExceeded error = &Error{Code: ErrorCode{CategoryPerformanceManagement, "performanceLimitExceeded"}}

	// ErrUnspecified is unspecified.
	ErrUnspecified error = &Error{Code: ErrorCode{Category: CategoryUnspecified}}
)

// CSTAErrorCode is the negative response to any request.
type CSTAErrorCode struct {
	Header
	Code ErrorCode
}

// MessageName returns "CSTAErrorCode".
func (*CSTAErrorCode) MessageName() string { return "CSTAErrorCode" }
func (*CSTAErrorCode) isResponse()         {}

// Err returns the error the message carries as an *Error.
func (m *CSTAErrorCode) Err() error { return &Error{Code: m.Code} }

func (m *CSTAErrorCode) codec(c *fieldCodec) {
	switch c.mode {
	case encoding:
		m.encode(c.w)
	case decoding:
		if err := m.decode(c.e); err != nil {
			c.fail(err)
		}
	}
}

func (m *CSTAErrorCode) encode(w *writer) {
	cat := m.Code.Category
	switch cat {
	case "", CategoryUnspecified:
		if m.Code.Value != "" {
			w.fail(string(CategoryUnspecified), "unspecified takes no value")
		}
		w.empty(string(CategoryUnspecified))
		return
	case categoryAlias:
		cat = CategorySystemResourceAvailability
	}
	if !validName(string(cat)) {
		w.fail("", "error category "+string(cat)+" is not an XML name")
		return
	}
	if cat == CategoryPrivateErrorCode && strings.HasPrefix(m.Code.Value, "<") {
		if _, err := RawXML("<x>" + m.Code.Value + "</x>").check(w.maxDepth); err == nil {
			w.open(string(cat))
			w.b = append(w.b, m.Code.Value...)
			w.close(string(cat))
			return
		}
	}
	w.req(string(cat), m.Code.Value)
}

func (m *CSTAErrorCode) decode(e *element) error {
	c := e.first()
	if c == nil {
		return e.errorf("no error category")
	}
	cat := ErrorCategory(c.name())
	if cat == categoryAlias {
		cat = CategorySystemResourceAvailability
	}
	m.Code = ErrorCode{Category: cat}
	if cat == CategoryUnspecified {
		return nil
	}
	if cat == CategoryPrivateErrorCode && c.first() != nil {
		m.Code.Value = c.innerXML()
	} else {
		m.Code.Value = c.text()
	}
	if m.Code.Value == "" {
		return c.errorf("empty error value")
	}
	return nil
}

// validName reports whether s can be written as an element name: letters,
// digits, '_', '-' and '.', not starting with a digit, '-' or '.'. Bytes of
// multi-byte characters are let through: decoded names come from the parser.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c >= 0x80:
		case (c >= '0' && c <= '9') || c == '-' || c == '.':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

var errorMessages = []func() Message{
	func() Message { return new(CSTAErrorCode) },
}
