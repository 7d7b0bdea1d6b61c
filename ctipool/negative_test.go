package ctipool_test

import (
	"reflect"
	"testing"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNegativeIsAnError checks the configuration rule of rcc: zero selects
// the default, a negative number or duration is an error naming the field.
func TestNegativeIsAnError(t *testing.T) {
	typ := reflect.TypeFor[ctipool.Config]()
	n := 0
	for i := range typ.NumField() {
		f := typ.Field(i)
		if k := f.Type.Kind(); k != reflect.Int && k != reflect.Int64 {
			continue
		}
		n++
		cfg := ctipool.Config{Endpoints: []ctipool.Endpoint{{Addr: "127.0.0.1:1"}}}
		reflect.ValueOf(&cfg).Elem().Field(i).SetInt(-1)
		p, err := ctipool.New(cfg)
		if err == nil {
			p.Close()
		}
		require.ErrorIs(t, err, ctipool.ErrConfig, f.Name)
		assert.Contains(t, err.Error(), f.Name+" is negative")
	}
	require.Positive(t, n)
}
