package lineappearance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPartyURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2000", "tel:2000;phone-context=dialstring"},
		{"+3222220220", "tel:+3222220220"},
		{"+32-2-222-0220", "tel:+3222220220"},
		{"*99#", "tel:*99#;phone-context=dialstring"},
		{"1003/Internal", "tel:1003;phone-context=dialstring;partition=Internal"},
		{"1003/My Part", "tel:1003;phone-context=dialstring;partition=My%20Part"},
		{"+14085551001/E164", "tel:+14085551001;partition=E164"},
		{"", ""},
		{"sip:bob@example.com", "sip:bob@example.com"},
		{"SEP000000001001", "SEP000000001001"},
		{"N<302118840100>;noa=nk", "N<302118840100>;noa=nk"},
		{"1003/", "1003/"},
		{"1003/a/b", "1003/a/b"},
		{"1003/a\x01", "1003/a\x01"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, PartyURI(tt.in))
		})
	}
}

func TestPartyURIRoundTrip(t *testing.T) {
	for _, key := range []string{"2000", "+3222220220", "1003/Internal", "1003/My Part"} {
		u, err := ParseLineURI(PartyURI(key))
		require.NoError(t, err)
		assert.Equal(t, key, u.Line().Key())
	}
}

func TestDialString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"tel:+3222220220", "+3222220220"},
		{"tel:2000;phone-context=dialstring", "2000"},
		{"TEL:+32-2-222-0220", "+3222220220"},
		{"tel:(020)7946.0000;phone-context=example.com", "02079460000"},
		{"tel:2000;phone-context=dialstring;device=SEP1;isub=7", "2000"},
		{"2000", "2000"},
		{"+3222220220", "+3222220220"},
		{"+32-2-222-0220", "+3222220220"},
		{"*99#", "*99#"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := DialString(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDialStringErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "empty number"},
		{"sip:2000@example.com", `scheme "sip" is not tel`},
		{"tel:", "no number after tel:"},
		{"tel:+32 2", "whitespace or control character"},
		{"+32 2", "invalid character ' ' in global number (want digits after +)"},
		{"20x0", "invalid character 'x' in number"},
		{"tel:+1408;ext=22", "extension parameter is not supported for dialling"},
		{"tel:+1408;phone-context=dialstring", "phone-context is not allowed on a global number"},
		{"2000;phone-context=dialstring", "invalid character ';' in number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := DialString(tt.in)
			require.ErrorIs(t, err, ErrBadURI)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "number", pe.What)
			assert.Equal(t, tt.msg, pe.Msg)
		})
	}
}

func TestNormalizeNumberKeepsCleanInput(t *testing.T) {
	in := "1001"
	out, err := normalizeNumber(in)
	require.Nil(t, err)
	assert.Equal(t, in, out)
	out, err = normalizeNumber("+1-408")
	require.Nil(t, err)
	assert.Equal(t, "+1408", out)
}
