package csta

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

// ErrorCode is a CSTA error: a category and the value inside it, as the XML
// writes them, for example {CategoryOperation, "invalidCallID"}. Unspecified
// has no value.
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

// Error is a CSTA error returned by a peer, or to be returned to one. Its Is
// method matches another *Error with the same code, so
// errors.Is(err, csta.ErrInvalidCallID) works on any error wrapping it.
type Error struct {
	Code ErrorCode
}

func (e *Error) Error() string { return "csta: " + e.Code.String() }

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

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

func (m *CSTAErrorCode) encode(w *writer) {
	cat := m.Code.Category
	if cat == "" {
		cat = CategoryUnspecified
	}
	if cat == CategoryUnspecified {
		w.empty(string(cat))
		return
	}
	w.req(string(cat), m.Code.Value)
}

func (m *CSTAErrorCode) decode(e *element) error {
	c := e.first()
	if c == nil {
		return e.errorf("no error category")
	}
	cat := ErrorCategory(c.name())
	if cat == "systemResourceAvailability" {
		cat = CategorySystemResourceAvailability
	}
	m.Code = ErrorCode{Category: cat, Value: c.text()}
	return nil
}

var errorMessages = []func() Message{
	func() Message { return new(CSTAErrorCode) },
}
