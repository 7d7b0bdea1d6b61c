package session

import (
	"reflect"
	"testing"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noCTI is a CTI with no link, for configuration tests.
type noCTI struct{}

func (noCTI) Acquire() (Link, error) { return nil, ErrNoCTI }
func (noCTI) Ready() bool            { return false }

// TestNegativeIsAnError checks the configuration rule of rcc: zero selects
// the default, a negative number or duration is an error naming the field.
func TestNegativeIsAnError(t *testing.T) {
	typ := reflect.TypeFor[Config]()
	n := 0
	for i := range typ.NumField() {
		f := typ.Field(i)
		if k := f.Type.Kind(); k != reflect.Int && k != reflect.Int64 {
			continue
		}
		n++
		cfg := Config{Directory: &lineappearance.Store{}, CTI: noCTI{}}
		reflect.ValueOf(&cfg).Elem().Field(i).SetInt(-1)
		_, err := cfg.withDefaults()
		require.ErrorIs(t, err, ErrConfig, f.Name)
		assert.Contains(t, err.Error(), f.Name+" is negative")
	}
	require.Positive(t, n)
}
