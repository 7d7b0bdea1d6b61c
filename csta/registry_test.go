package csta

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRegistryKinds checks that every message is exactly one of request,
// response or event, named accordingly.
func TestRegistryKinds(t *testing.T) {
	for name, f := range registry {
		m := f()
		assert.Equal(t, name, m.MessageName())
		_, req := m.(Request)
		_, resp := m.(Response)
		ev, isEvent := m.(Event)
		kinds := 0
		for _, k := range []bool{req, resp, isEvent} {
			if k {
				kinds++
			}
		}
		assert.Equal(t, 1, kinds, name)
		switch {
		case isEvent:
			assert.True(t, strings.HasSuffix(name, "Event"), name)
			ev.SetCrossRefID("42")
			assert.Equal(t, MonitorCrossRefID("42"), ev.CrossRefID())
		case resp:
			assert.True(t, strings.HasSuffix(name, "Response") || name == "CSTAErrorCode", name)
		}
	}
	assert.True(t, IsKnown("TransferredEvent"))
	assert.True(t, IsKnown("MakeCall"))
	assert.False(t, IsKnown("ButtonPress"))
}

func TestEncodeDefaultNamespaces(t *testing.T) {
	out, err := Encode(&StartApplicationSession{ApplicationID: "rcc", RequestedProtocolVersions: []string{NamespaceEd4}})
	require.NoError(t, err)
	assert.Equal(t, xmlDecl+`<StartApplicationSession xmlns="`+NamespaceACSE+`"><applicationInfo><applicationID>rcc</applicationID></applicationInfo><requestedProtocolVersions><protocolVersion>`+NamespaceEd4+`</protocolVersion></requestedProtocolVersions></StartApplicationSession>`, string(out))

	out, err = Encode(&StopApplicationSession{SessionID: "7"})
	require.NoError(t, err)
	assert.Equal(t, xmlDecl+`<StopApplicationSession xmlns="`+NamespaceACSE+`"><sessionID>7</sessionID><sessionEndReason><definedEndReason>normal</definedEndReason></sessionEndReason></StopApplicationSession>`, string(out))

	out, err = Encode(&MonitorStop{Header: Header{NoNamespace: true}, MonitorCrossRefID: "1"})
	require.NoError(t, err)
	assert.Equal(t, xmlDecl+`<MonitorStop><monitorCrossRefID>1</monitorCrossRefID></MonitorStop>`, string(out))

	out, err = Encode(&AnswerCallResponse{Header: Header{Namespace: NamespaceEd5, SOAP: true}})
	require.NoError(t, err)
	assert.Equal(t, xmlDecl+`<SOAP-ENV:Envelope xmlns:SOAP-ENV="`+NamespaceSOAP11+`"><SOAP-ENV:Body><AnswerCallResponse xmlns="`+NamespaceEd5+`"></AnswerCallResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>`, string(out))
}
