package sip

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eachNumber calls f with the index and name of every int and
// time.Duration field of a struct type.
func eachNumber(t *testing.T, typ reflect.Type, f func(i int, name string)) {
	t.Helper()
	n := 0
	for i := range typ.NumField() {
		fld := typ.Field(i)
		if k := fld.Type.Kind(); k == reflect.Int || k == reflect.Int64 {
			n++
			f(i, fld.Name)
		}
	}
	require.Positive(t, n)
}

// TestNegativeIsAnError checks the configuration rule of rcc: zero selects
// the default, a negative number or duration is an error naming the field.
func TestNegativeIsAnError(t *testing.T) {
	eachNumber(t, reflect.TypeFor[ServerConfig](), func(i int, name string) {
		c := ServerConfig{Handler: &fakeHandler{}}
		reflect.ValueOf(&c).Elem().Field(i).SetInt(-1)
		_, err := c.withDefaults()
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "ServerConfig."+name+" is negative")
	})
	eachNumber(t, reflect.TypeFor[ClientConfig](), func(i int, name string) {
		c := ClientConfig{Gateway: "sip:cti@gw", User: "sip:a@b"}
		reflect.ValueOf(&c).Elem().Field(i).SetInt(-1)
		_, err := c.setup()
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "ClientConfig."+name+" is negative")
	})

	c, err := ServerConfig{Handler: &fakeHandler{}}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, DefaultUDPReadBuffer, c.UDPReadBuffer)
	assert.Equal(t, DefaultUDPMaxMessageSize, c.UDPMaxMessageSize)
	s, err := ClientConfig{Gateway: "sip:cti@gw", User: "sip:a@b"}.setup()
	require.NoError(t, err)
	assert.Equal(t, DefaultClientEventQueueSize, s.EventQueueSize)
	assert.Equal(t, DefaultUDPMaxMessageSize, s.UDPMaxMessageSize)
	assert.Equal(t, DefaultClientSessionExpires, s.SessionExpires)
}
