package csta

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorTables(t *testing.T) {
	sizes := map[ErrorCategory]int{
		CategoryOperation:                      193,
		CategorySecurity:                       4,
		CategoryStateIncompatibility:           28,
		CategorySystemResourceAvailability:     31,
		CategorySubscribedResourceAvailability: 5,
		CategoryPerformanceManagement:          2,
		CategoryPrivateData:                    1,
	}
	for cat, n := range sizes {
		t.Run(string(cat), func(t *testing.T) {
			values := ErrorValues(cat)
			assert.Len(t, values, n)
			numbers := map[int]string{}
			for _, v := range values {
				code := ErrorCode{cat, v}
				assert.True(t, code.Valid(), code.String())
				num, ok := code.Number()
				assert.True(t, ok)
				if other, dup := numbers[num]; dup {
					t.Errorf("%s and %s share number %d", v, other, num)
				}
				numbers[num] = v
			}
		})
	}
	assert.Nil(t, ErrorValues(CategoryUnspecified))
	assert.Nil(t, ErrorValues("bogus"))
}

// TestErrorCodeSpellings decodes and encodes every value of every category,
// with both spellings of the system resource category.
func TestErrorCodeSpellings(t *testing.T) {
	cats := map[string]ErrorCategory{
		"operation":                      CategoryOperation,
		"security":                       CategorySecurity,
		"stateIncompatibility":           CategoryStateIncompatibility,
		"systemResourceAvailibility":     CategorySystemResourceAvailability,
		"systemResourceAvailability":     CategorySystemResourceAvailability,
		"subscribedResourceAvailability": CategorySubscribedResourceAvailability,
		"performanceManagement":          CategoryPerformanceManagement,
		"privateData":                    CategoryPrivateData,
	}
	for spelling, cat := range cats {
		for _, v := range ErrorValues(cat) {
			t.Run(spelling+"/"+v, func(t *testing.T) {
				doc := fmt.Sprintf(`<CSTAErrorCode xmlns=%q><%s> %s </%s></CSTAErrorCode>`, NamespaceEd3, spelling, v, spelling)
				m, err := Decode([]byte(doc))
				require.NoError(t, err)
				e := as[*CSTAErrorCode](t, m)
				assert.Equal(t, ErrorCode{cat, v}, e.Code)
				assert.True(t, e.Code.Valid())
				out, err := Encode(e)
				require.NoError(t, err)
				want := fmt.Sprintf(`%s<CSTAErrorCode xmlns=%q><%s>%s</%s></CSTAErrorCode>`, xmlDecl, NamespaceEd3, cat, v, cat)
				assert.Equal(t, want, string(out))
			})
		}
	}
}

func TestErrorCodeValid(t *testing.T) {
	tests := []struct {
		code  ErrorCode
		valid bool
		num   int
	}{
		{ErrorCode{CategoryOperation, "invalidCallID"}, true, 11},
		{ErrorCode{CategoryOperation, "serviceNotSupported"}, true, 50},
		{ErrorCode{CategorySecurity, "generic"}, true, 0},
		{ErrorCode{CategoryStateIncompatibility, "invalidConnectionState"}, true, 25},
		{ErrorCode{CategorySystemResourceAvailability, "resourceOutOfService"}, true, 4},
		{ErrorCode{CategorySubscribedResourceAvailability, "outstandingReqLimitExceeded"}, true, 4},
		{ErrorCode{CategoryPerformanceManagement, "performanceLimitExceeded"}, true, 2},
		{ErrorCode{CategoryPrivateData, "cSTAPrivateDataInfoError"}, true, 1},
		{ErrorCode{CategoryUnspecified, ""}, true, -1},
		{ErrorCode{CategoryUnspecified, "x"}, false, -1},
		{ErrorCode{CategoryPrivateErrorCode, "E42"}, true, -1},
		{ErrorCode{CategoryPrivateErrorCode, ""}, false, -1},
		{ErrorCode{CategoryOperation, "invalidConnectionIdentifier"}, false, -1},
		{ErrorCode{CategoryOperation, "InvalidCallID"}, false, -1},
		{ErrorCode{"systemResourceAvailability", "resourceBusy"}, false, -1},
		{ErrorCode{"bogus", "generic"}, false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			assert.Equal(t, tt.valid, tt.code.Valid())
			n, ok := tt.code.Number()
			assert.Equal(t, tt.num >= 0, ok)
			if ok {
				assert.Equal(t, tt.num, n)
			}
		})
	}
}

func TestPredefinedErrors(t *testing.T) {
	all := map[string]error{
		"operation/generic":                                          ErrGeneric,
		"operation/invalidCallID":                                    ErrInvalidCallID,
		"operation/invalidConnectionID":                              ErrInvalidConnectionID,
		"operation/invalidDeviceID":                                  ErrInvalidDeviceID,
		"operation/invalidCallingDeviceID":                           ErrInvalidCallingDevice,
		"operation/invalidCalledDeviceID":                            ErrInvalidCalledDevice,
		"operation/invalidDestination":                               ErrInvalidDestination,
		"operation/invalidForwardingDestination":                     ErrInvalidForwardingDestination,
		"operation/invalidMonitorCrossRefID":                         ErrInvalidMonitorCrossRefID,
		"operation/invalidMonitorObject":                             ErrInvalidMonitorObject,
		"operation/privilegeViolationSpecifiedDevice":                ErrPrivilegeViolation,
		"operation/securityViolation":                                ErrSecurityViolation,
		"operation/serviceNotSupported":                              ErrServiceNotSupported,
		"operation/requestIncompatibleWithObject":                    ErrRequestIncompatibleWithObject,
		"operation/valueOutOfRange":                                  ErrValueOutOfRange,
		"operation/objectNotKnown":                                   ErrObjectNotKnown,
		"stateIncompatibility/invalidObjectState":                    ErrInvalidObjectState,
		"stateIncompatibility/invalidConnectionState":                ErrInvalidConnectionState,
		"stateIncompatibility/noActiveCall":                          ErrNoActiveCall,
		"stateIncompatibility/noHeldCall":                            ErrNoHeldCall,
		"stateIncompatibility/noCallToAnswer":                        ErrNoCallToAnswer,
		"stateIncompatibility/noConnectionToClear":                   ErrNoConnectionToClear,
		"stateIncompatibility/invalidDeviceState":                    ErrInvalidDeviceState,
		"systemResourceAvailibility/resourceBusy":                    ErrResourceBusy,
		"systemResourceAvailibility/resourceOutOfService":            ErrResourceOutOfService,
		"systemResourceAvailibility/networkBusy":                     ErrNetworkBusy,
		"systemResourceAvailibility/resourceLimitExceeded":           ErrResourceLimitExceeded,
		"systemResourceAvailibility/overallMonitorLimitExceeded":     ErrOverallMonitorLimitExceeded,
		"subscribedResourceAvailability/objectMonitorLimitExceeded":  ErrObjectMonitorLimitExceeded,
		"subscribedResourceAvailability/outstandingReqLimitExceeded": ErrOutstandingRequestLimitExceeded,
		"performanceManagement/performanceLimitExceeded":             ErrPerformanceLimitExceeded,
		"unspecified":      ErrUnspecified,
		"security/generic": ErrSecurity,
	}
	for want, err := range all {
		t.Run(want, func(t *testing.T) {
			code, ok := ErrorCodeOf(err)
			require.True(t, ok)
			assert.Equal(t, want, code.String())
			assert.True(t, code.Valid())
			assert.Equal(t, "csta: "+want, err.Error())

			wrapped := fmt.Errorf("ctipool: request 7: %w", NewErrorResponse(code).Err())
			assert.ErrorIs(t, wrapped, err)
			got, ok := ErrorCodeOf(wrapped)
			assert.True(t, ok)
			assert.Equal(t, code, got)
			for other, oerr := range all {
				if other != want {
					assert.NotErrorIs(t, wrapped, oerr)
				}
			}
		})
	}
	_, ok := ErrorCodeOf(errors.New("plain"))
	assert.False(t, ok)
	_, ok = ErrorCodeOf(nil)
	assert.False(t, ok)
}

func TestErrorResponseEncoding(t *testing.T) {
	tests := []struct {
		name string
		code ErrorCode
		want string
	}{
		{"operation", ErrorCode{CategoryOperation, "invalidDeviceID"}, `<operation>invalidDeviceID</operation>`},
		{"system", ErrorCode{CategorySystemResourceAvailability, "resourceBusy"}, `<systemResourceAvailibility>resourceBusy</systemResourceAvailibility>`},
		{"correct spelling written as the schema's", ErrorCode{"systemResourceAvailability", "resourceBusy"}, `<systemResourceAvailibility>resourceBusy</systemResourceAvailibility>`},
		{"unspecified", ErrorCode{Category: CategoryUnspecified}, `<unspecified/>`},
		{"zero", ErrorCode{}, `<unspecified/>`},
		{"private text", ErrorCode{CategoryPrivateErrorCode, "E42 & more"}, `<privateErrorCode>E42 &amp; more</privateErrorCode>`},
		{"private element", ErrorCode{CategoryPrivateErrorCode, `<v:err xmlns:v="urn:v">7</v:err>`}, `<privateErrorCode><v:err xmlns:v="urn:v">7</v:err></privateErrorCode>`},
		{"unknown value kept", ErrorCode{CategoryOperation, "invalidConnectionIdentifier"}, `<operation>invalidConnectionIdentifier</operation>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Encode(NewErrorResponse(tt.code))
			require.NoError(t, err)
			assert.Equal(t, xmlDecl+`<CSTAErrorCode xmlns="`+NamespaceEd3+`">`+tt.want+`</CSTAErrorCode>`, string(out))
			m, err := Decode(out)
			require.NoError(t, err)
			want := tt.code
			if want.Category == "" {
				want.Category = CategoryUnspecified
			}
			if want.Category == "systemResourceAvailability" {
				want.Category = CategorySystemResourceAvailability
			}
			assert.Equal(t, want, as[*CSTAErrorCode](t, m).Code)
		})
	}

	bad := []ErrorCode{
		{CategoryUnspecified, "x"},
		{CategoryOperation, ""},
		{"not a name", "x"},
	}
	for _, code := range bad {
		_, err := Encode(NewErrorResponse(code))
		var ee *EncodeError
		assert.ErrorAs(t, err, &ee, code.String())
	}
}

func TestErrorResponseDecoding(t *testing.T) {
	tests := []struct {
		name, body string
		want       ErrorCode
		err        string
	}{
		{"private element", `<privateErrorCode> <x:e xmlns:x="urn:x">1</x:e> </privateErrorCode>`, ErrorCode{CategoryPrivateErrorCode, `<x:e xmlns:x="urn:x">1</x:e>`}, ""},
		{"unknown category kept", `<vendorTrouble>bad</vendorTrouble>`, ErrorCode{"vendorTrouble", "bad"}, ""},
		{"unspecified with text", `<unspecified>ignored</unspecified>`, ErrorCode{Category: CategoryUnspecified}, ""},
		{"empty value", `<operation/>`, ErrorCode{}, "csta: CSTAErrorCode/operation: empty error value"},
		{"no category", ``, ErrorCode{}, "csta: CSTAErrorCode: no error category"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode([]byte(`<CSTAErrorCode xmlns="` + NamespaceEd3 + `">` + tt.body + `</CSTAErrorCode>`))
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				var de *DecodeError
				assert.ErrorAs(t, err, &de)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, as[*CSTAErrorCode](t, m).Code)
		})
	}
}

type timeoutErr bool

func (e timeoutErr) Error() string { return "timeout" }
func (e timeoutErr) Timeout() bool { return bool(e) }

func TestErrorResponse(t *testing.T) {
	busy := ErrorCode{CategorySystemResourceAvailability, "resourceBusy"}
	generic := ErrorCode{CategorySystemResourceAvailability, "generic"}
	peer := (&CSTAErrorCode{Code: ErrorCode{CategoryPrivateErrorCode, "E42"}}).Err()
	for _, tt := range []struct {
		name string
		err  error
		want ErrorCode
	}{
		{"predefined", ErrInvalidCallID, ErrorCode{CategoryOperation, "invalidCallID"}},
		{"wrapped", fmt.Errorf("clear: %w", ErrNoCallToAnswer), ErrorCode{CategoryStateIncompatibility, "noCallToAnswer"}},
		{"from a peer", fmt.Errorf("cti: %w", peer), ErrorCode{CategoryPrivateErrorCode, "E42"}},
		{"CSTA error before timeout", errors.Join(context.DeadlineExceeded, ErrInvalidDeviceID), ErrorCode{CategoryOperation, "invalidDeviceID"}},
		{"deadline", fmt.Errorf("request: %w", context.DeadlineExceeded), busy},
		{"net timeout", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, busy},
		{"Timeout method", fmt.Errorf("x: %w", timeoutErr(true)), busy},
		{"Timeout method false", timeoutErr(false), generic},
		{"canceled", context.Canceled, generic},
		{"plain", errors.New("boom"), generic},
		{"nil", nil, generic},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ErrorResponse(Header{}, tt.err)
			assert.Equal(t, tt.want, r.Code)
			assert.True(t, r.Code.Valid(), r.Code.String())
		})
	}
	assert.Equal(t, ErrResourceBusy, &Error{Code: busy})
	assert.Equal(t, ErrSystemGeneric, &Error{Code: generic})

	// The answer goes out in the request's edition and wrapping.
	h := Header{Namespace: NamespaceEd5, SOAP: true}
	r := ErrorResponse(h, ErrServiceNotSupported)
	assert.Equal(t, h, r.Header)
	b, err := Encode(r)
	require.NoError(t, err)
	m, err := Decode(b)
	require.NoError(t, err)
	assert.Equal(t, r, m)
}
