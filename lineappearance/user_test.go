package lineappearance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeUser(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sip:alice@example.com", "sip:alice@example.com"},
		{"SIP:alice@Example.COM", "sip:alice@example.com"},
		{"sips:alice@example.com", "sip:alice@example.com"},
		{"alice@example.com", "sip:alice@example.com"},
		{"  sip:alice@example.com\t", "sip:alice@example.com"},
		{"<sip:alice@example.com>", "sip:alice@example.com"},
		{`"Alice Smith" <sip:alice@example.com;transport=tls>;tag=1234`, "sip:alice@example.com"},
		{"sip:alice@example.com;transport=tls", "sip:alice@example.com"},
		{"sip:alice@example.com?subject=hi", "sip:alice@example.com"},
		{"sip:alice:secret@example.com", "sip:alice@example.com"},
		{"sip:Alice@example.com", "sip:Alice@example.com"},
		{"sip:%61lice@example.com", "sip:alice@example.com"},
		{"sip:al%20ice@example.com", "sip:al%20ice@example.com"},
		{"sip:al%2bice@example.com", "sip:al+ice@example.com"},
		{"sip:a%40b@example.com", "sip:a%40b@example.com"},
		{"sip:+14085551001;phone-context=x@example.com", "sip:+14085551001;phone-context=x@example.com"},
		{"sip:alice@example.com:5061", "sip:alice@example.com:5061"},
		{"sip:alice@192.0.2.1", "sip:alice@192.0.2.1"},
		{"sip:alice@[2001:DB8::1]:5060", "sip:alice@[2001:db8::1]:5060"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeUser(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			again, err := NormalizeUser(got)
			require.NoError(t, err)
			assert.Equal(t, got, again, "the canonical form is stable")
		})
	}
}

func TestNormalizeUserErrors(t *testing.T) {
	tests := []struct {
		in, msg string
		off     int
	}{
		{"", "empty", -1},
		{"   ", "empty", -1},
		{"<>", "empty", -1},
		{"<sip:alice@example.com", `"<" without ">"`, 0},
		{"tel:+14085551001", `scheme "tel" is not sip`, 0},
		{" <mailto:alice@example.com>", `scheme "mailto" is not sip`, 2},
		{"sip:example.com", "no user part (want sip:user@host)", -1},
		{"sip:@example.com", "empty user part", 4},
		{"sip:alice@", "empty host", -1},
		{"sip:alice@;transport=tls", "empty host", -1},
		{"sip:al ice@example.com", "invalid character ' ' in user part", 6},
		{"sip:al%4@example.com", "bad percent-encoding in user part", 6},
		{"sip:alice@exa_mple.com", "invalid character '_' in host", 13},
		{"sip:alice@example.com:", "bad port", 21},
		{"sip:alice@example.com:50x", "bad port", 21},
		{"sip:alice@example.com:123456", "bad port", 21},
		{"sip:alice@:5060", "empty host", -1},
		{"sip:alice@[::1", `"[" without "]" in host`, 10},
		{"sip:alice@[]", "empty IPv6 address", 10},
		{"sip:alice@[::g]", "invalid character 'g' in IPv6 address", 13},
		{"sip:alice@[::1]x", "invalid character after IPv6 address", 15},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := NormalizeUser(tt.in)
			require.ErrorIs(t, err, ErrBadURI)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "user address", pe.What)
			assert.Equal(t, tt.msg, pe.Msg)
			assert.Equal(t, tt.off, pe.Offset)
		})
	}
}
