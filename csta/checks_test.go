package csta

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// as asserts m's type and returns it.
func as[T Message](t *testing.T, m Message) T {
	t.Helper()
	v, ok := m.(T)
	require.True(t, ok, "decoded %T", m)
	return v
}

// checks holds, for every sample under testdata, the field checks its
// decoded message must pass.
var checks = map[string]func(t *testing.T, m Message){
	"StartApplicationSession.xml": func(t *testing.T, m Message) {
		v := as[*StartApplicationSession](t, m)
		assert.Equal(t, "pythontsm", v.ApplicationID)
		assert.Equal(t, []string{NamespaceEd4}, v.RequestedProtocolVersions)
		assert.Equal(t, 600, v.RequestedSessionDuration)
		assert.True(t, v.NoNamespace)
		assert.Empty(t, v.ApplicationSpecificInfo)
	},
	"StartApplicationSession.avaya.xml": func(t *testing.T, m Message) {
		v := as[*StartApplicationSession](t, m)
		assert.Equal(t, NamespaceACSE, v.Namespace)
		assert.Equal(t, "TestApp", v.ApplicationID)
		assert.Contains(t, string(v.ApplicationSpecificInfo), `<ns1:SessionLoginInfo xmlns:ns1="http://www.avaya.com/csta">`)
		assert.Contains(t, string(v.ApplicationSpecificInfo), `<ns1:password>secret</ns1:password>`)
		assert.Equal(t, []string{NamespaceEd3 + "/priv2", NamespaceEd3}, v.RequestedProtocolVersions)
		assert.Equal(t, 180, v.RequestedSessionDuration)
	},
	"StartApplicationSessionPosResponse.xml": func(t *testing.T, m Message) {
		v := as[*StartApplicationSessionPosResponse](t, m)
		assert.Equal(t, "009968951", v.SessionID)
		assert.Equal(t, NamespaceEd4, v.ActualProtocolVersion)
		assert.Equal(t, 600, v.ActualSessionDuration)
		assert.Equal(t, []RawXML{"<actualHBT>0</actualHBT>"}, v.Extensions)
	},
	"StartApplicationSessionNegResponse.xml": func(t *testing.T, m Message) {
		v := as[*StartApplicationSessionNegResponse](t, m)
		assert.Equal(t, SessionError{Defined: SessionProtocolVersionNotSupported}, v.ErrorCode)
	},
	"StopApplicationSession.xml": func(t *testing.T, m Message) {
		v := as[*StopApplicationSession](t, m)
		assert.Equal(t, "009968951", v.SessionID)
		assert.Equal(t, EndReason{Defined: EndNormal}, v.SessionEndReason)
	},
	"StopApplicationSessionPosResponse.xml": func(t *testing.T, m Message) {
		v := as[*StopApplicationSessionPosResponse](t, m)
		assert.Nil(t, v.Extensions)
	},
	"StopApplicationSessionNegResponse.xml": func(t *testing.T, m Message) {
		v := as[*StopApplicationSessionNegResponse](t, m)
		assert.Equal(t, SessionInvalidSessionID, v.ErrorCode.Defined)
	},
	"ResetApplicationSessionTimer.xml": func(t *testing.T, m Message) {
		v := as[*ResetApplicationSessionTimer](t, m)
		assert.Equal(t, "009968951", v.SessionID)
		assert.Equal(t, 600, v.RequestedSessionDuration)
	},
	"ResetApplicationSessionTimerPosResponse.xml": func(t *testing.T, m Message) {
		v := as[*ResetApplicationSessionTimerPosResponse](t, m)
		assert.Equal(t, 600, v.ActualSessionDuration)
	},
	"ResetApplicationSessionTimerNegResponse.xml": func(t *testing.T, m Message) {
		v := as[*ResetApplicationSessionTimerNegResponse](t, m)
		assert.Equal(t, SessionError{Application: "session timer is fixed"}, v.ErrorCode)
		assert.Equal(t, "session timer is fixed", v.ErrorCode.String())
	},
}
