package csta

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCapabilitySetOrder(t *testing.T) {
	// Built in any order, a set keeps the schema's order.
	a := Capabilities(
		ServiceCapability("transferCall"),
		Capability{List: "zzzServList", Name: "b"},
		ServiceCapability("monitorStart"),
		Capability{List: "callControlServList", Name: "vendorCall"},
		ServiceCapability("answerCall"),
		Capability{List: "aaaServList", Name: "z"},
		ServiceCapability("getCSTAFeatures"),
	)
	b := Capabilities(
		ServiceCapability("getCSTAFeatures"),
		Capability{List: "aaaServList", Name: "z"},
		ServiceCapability("answerCall"),
		Capability{List: "callControlServList", Name: "vendorCall"},
		ServiceCapability("monitorStart"),
		Capability{List: "zzzServList", Name: "b"},
		ServiceCapability("transferCall"),
	)
	assert.Equal(t, a, b)
	assert.Equal(t, []string{"getCSTAFeatures", "monitorStart", "answerCall", "transferCall", "vendorCall", "z", "b"}, a.Names())
}

func TestCapabilitySetEdit(t *testing.T) {
	var s CapabilitySet
	assert.Equal(t, 0, s.Len())
	assert.False(t, s.Supports("makeCall"))

	s.Add(ServiceCapability("makeCall", CapabilityDetail{Name: "autoOriginateDoNotPrompt", Value: true}))
	s.Add(ServiceCapability("makeCall", CapabilityDetail{Name: "offHook", Value: true}))
	require.Equal(t, 1, s.Len())
	c, ok := s.Get("makeCall")
	require.True(t, ok)
	assert.Equal(t, "callControlServList", c.List)
	_, has := c.Detail("autoOriginateDoNotPrompt")
	assert.False(t, has, "Add replaces a capability")
	v, has := c.Detail("offHook")
	assert.True(t, has)
	assert.True(t, v)

	clone := s.Clone()
	s.Remove("makeCall", "nothing")
	assert.Equal(t, 0, s.Len())
	assert.True(t, clone.Supports("makeCall"), "Clone is independent")

	all := clone.All()
	all[0].Details[0].Value = false
	c, _ = clone.Get("makeCall")
	assert.True(t, c.Details[0].Value, "All returns a copy")
}

func TestCapabilityLists(t *testing.T) {
	tests := []struct {
		c    Capability
		list string
	}{
		{ServiceCapability("requestSystemStatus"), "systemStatServList"},
		{ServiceCapability("monitorStop"), "monitoringServList"},
		{ServiceCapability("snapshotDevice"), "snapshotServList"},
		{ServiceCapability("singleStepTransfer"), "callControlServList"},
		{ServiceCapability("generateDigits"), "callAssociatedServList"},
		{ServiceCapability("setForwarding"), "logicalServList"},
		{ServiceCapability("getCSTAFeatures"), "capExchangeServList"},
		{ServiceCapability("callBack"), "callControlServList"},
		{EventCapability("callBack"), "logicalEvtsList"},
		{EventCapability("transferred"), "callControlEvtsList"},
		{EventCapability("digitsGenerated"), "callAssociatedEvtsList"},
		{EventCapability("forwarding"), "logicalEvtsList"},
		{EventCapability("outOfService"), "deviceMaintEvtsList"},
		{ServiceCapability("noSuchService"), ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.list, tt.c.List, tt.c.Name)
	}
}

func TestFeaturesIntersect(t *testing.T) {
	gateway := RCCFeatures()
	var cti Features
	cti.Services.Add(
		ServiceCapability("makeCall", CapabilityDetail{Name: "autoOriginateDoNotPrompt", Value: false}, CapabilityDetail{Name: "offHook", Value: true}),
		ServiceCapability("answerCall"),
		ServiceCapability("alternateCall"),
		ServiceCapability("monitorStart", CapabilityDetail{Name: "monitorObjectDevice", Value: true}),
	)
	cti.Events.Add(EventCapability("delivered"), EventCapability("netwReached"))

	both := gateway.Intersect(cti)
	assert.Equal(t, []string{"monitorStart", "answerCall", "makeCall"}, both.Services.Names())
	mc, _ := both.Services.Get("makeCall")
	assert.Equal(t, []CapabilityDetail{{Name: "autoOriginateDoNotPrompt", Value: false}}, mc.Details)
	ms, _ := both.Services.Get("monitorStart")
	assert.Equal(t, []CapabilityDetail{{Name: "monitorObjectDevice", Value: true}}, ms.Details)
	assert.Equal(t, []string{"delivered"}, both.Events.Names())
}

func TestFeaturesEncoding(t *testing.T) {
	m := &GetCSTAFeaturesResponse{Features: RCCFeatures()}
	out, err := Encode(m)
	require.NoError(t, err)
	want, err := Decode(mustRead(t, "testdata/GetCSTAFeaturesResponse.xml"))
	require.NoError(t, err)
	got, err := Decode(out)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	empty, err := Encode(&GetCSTAFeaturesResponse{})
	require.NoError(t, err)
	assert.Equal(t, xmlDecl+`<GetCSTAFeaturesResponse xmlns="`+NamespaceEd3+`"></GetCSTAFeaturesResponse>`, string(empty))

	bad := []Capability{
		{Name: "unlisted"},
		{List: "callControlServList", Name: "bad name"},
		{List: "callControlServList", Name: "makeCall", Details: []CapabilityDetail{{Name: "<x>"}}},
	}
	for _, c := range bad {
		_, err := Encode(&GetCSTAFeaturesResponse{Features: Features{Services: Capabilities(c)}})
		var ee *EncodeError
		assert.ErrorAs(t, err, &ee, c.Name)
	}
}

func TestCapabilityName(t *testing.T) {
	for _, tt := range []struct {
		m    Message
		name string
		ok   bool
	}{
		{&MakeCall{}, "makeCall", true},
		{&SingleStepTransferCall{}, "singleStepTransfer", true},
		{&ClearCall{}, "clearCall", true},
		{&ClearConnection{}, "clearConnection", true},
		{&GetCSTAFeatures{}, "getCSTAFeatures", true},
		{&RequestSystemStatus{}, "requestSystemStatus", true},
		{&SetDoNotDisturb{}, "setDoNotDisturb", true},
		{&TransferredEvent{}, "transferred", true},
		{&NetworkReachedEvent{}, "netwReached", true},
		{&DigitsGeneratedEvent{}, "digitsGenerated", true},
		{&CallClearedEvent{}, "callCleared", true},
		{&ForwardingEvent{}, "forwarding", true},
		{&MakeCallResponse{}, "", false},
		{nil, "", false},
	} {
		name, ok := CapabilityName(tt.m)
		assert.Equal(t, tt.ok, ok, "%T", tt.m)
		if tt.ok {
			assert.Equal(t, tt.name, name, "%T", tt.m)
		}
	}
	// Every request and event the codec knows, but the ECMA-354
	// application session messages, has a capability.
	for name, f := range registry {
		m := f()
		_, isReq := m.(Request)
		_, isEv := m.(Event)
		if !isReq && !isEv || strings.HasSuffix(name, "ApplicationSession") || name == "ResetApplicationSessionTimer" {
			continue
		}
		_, ok := CapabilityName(m)
		assert.True(t, ok, name)
	}
}
