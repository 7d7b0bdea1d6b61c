package cstatcp_test

import (
	"context"
	"errors"
	"net"
	"reflect"
	"testing"

	"github.com/rcc-go/rcc/ctipool/cstatcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNegativeIsAnError checks the configuration rule of rcc: zero selects
// the default, a negative number or duration is an error naming the field,
// reported before anything is dialled.
func TestNegativeIsAnError(t *testing.T) {
	typ := reflect.TypeFor[cstatcp.Config]()
	n := 0
	for i := range typ.NumField() {
		f := typ.Field(i)
		if k := f.Type.Kind(); k != reflect.Int && k != reflect.Int64 {
			continue
		}
		n++
		cfg := cstatcp.Config{Addr: "127.0.0.1:1", Dial: func(context.Context, string, string) (net.Conn, error) {
			t.Errorf("%s: dialled with a negative field", f.Name)
			return nil, errors.New("no")
		}}
		reflect.ValueOf(&cfg).Elem().Field(i).SetInt(-1)
		_, err := cstatcp.Dial(context.Background(), cfg)
		require.Error(t, err, f.Name)
		assert.Contains(t, err.Error(), "cstatcp: Config."+f.Name+" is negative")
	}
	require.Positive(t, n)
}
