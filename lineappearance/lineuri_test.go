package lineappearance

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLineURI(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want LineURI // Raw is checked separately: it is always in
	}{
		{"dialstring", "tel:1001;phone-context=dialstring",
			LineURI{Number: "1001", PhoneContext: "dialstring"}},
		{"global", "tel:+14085551001", LineURI{Number: "+14085551001"}},
		{"global with separators", "tel:+1-408-(555).1001", LineURI{Number: "+14085551001"}},
		{"local with separators", "tel:10-01;phone-context=dialstring", LineURI{Number: "1001", PhoneContext: "dialstring"}},
		{"local without phone-context is tolerated", "tel:1001", LineURI{Number: "1001"}},
		{"star and hash", "tel:*99#;phone-context=dialstring", LineURI{Number: "*99#", PhoneContext: "dialstring"}},
		{"hex letters lowered", "tel:12AB;phone-context=dialstring", LineURI{Number: "12ab", PhoneContext: "dialstring"}},
		{"device", "tel:1001;phone-context=dialstring;device=SEP0002FD3BB5C5",
			LineURI{Number: "1001", PhoneContext: "dialstring", Device: "SEP0002FD3BB5C5"}},
		{"device and partition", "tel:1001;phone-context=dialstring;device=SEP0002FD3BB5C5;partition=myPartition",
			LineURI{Number: "1001", PhoneContext: "dialstring", Device: "SEP0002FD3BB5C5", Partition: "myPartition"}},
		{"sipe example", "tel:73124;phone-context=dialstring;partition=BE_BRS_INT",
			LineURI{Number: "73124", PhoneContext: "dialstring", Partition: "BE_BRS_INT"}},
		{"any parameter order", "tel:1001;partition=P1;device=CSFCAROL;phone-context=dialstring",
			LineURI{Number: "1001", PhoneContext: "dialstring", Device: "CSFCAROL", Partition: "P1"}},
		{"scheme case-insensitive", "TEL:1001;phone-context=dialstring", LineURI{Number: "1001", PhoneContext: "dialstring"}},
		{"parameter names case-insensitive", "Tel:1001;Phone-Context=DialString;DEVICE=sep000000001001;Partition=P",
			LineURI{Number: "1001", PhoneContext: "dialstring", Device: "sep000000001001", Partition: "P"}},
		{"partition kept exactly", "tel:1001;partition=MiXeD", LineURI{Number: "1001", Partition: "MiXeD"}},
		{"partition percent-decoded", "tel:1001;partition=My%20Partition", LineURI{Number: "1001", Partition: "My Partition"}},
		{"device percent-decoded", "tel:1001;device=SEP%30001", LineURI{Number: "1001", Device: "SEP0001"}},
		{"domain phone-context", "tel:1001;phone-context=Example.COM", LineURI{Number: "1001", PhoneContext: "example.com"}},
		{"domain phone-context with final dot", "tel:1001;phone-context=example.com.", LineURI{Number: "1001", PhoneContext: "example.com."}},
		{"global phone-context", "tel:1001;phone-context=+1-408-555", LineURI{Number: "1001", PhoneContext: "+1408555"}},
		{"other parameters kept in order", "tel:+14085551001;ext=22;foo=Bar;isub=x1;flag",
			LineURI{Number: "+14085551001", Params: []Param{{"ext", "22"}, {"foo", "Bar"}, {"isub", "x1"}, {"flag", ""}}}},
		{"param value characters", "tel:1001;x=a-_.!~*'()[]/:&+$%41",
			LineURI{Number: "1001", Params: []Param{{"x", "a-_.!~*'()[]/:&+$%41"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLineURI(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.in, got.Raw)
			assert.Equal(t, tt.in, got.String(), "String echoes the input byte for byte")
			got.Raw = ""
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseLineURIErrors(t *testing.T) {
	tests := []struct {
		in, msg string
		off     int
	}{
		{"", "empty", -1},
		{"1001", `missing "tel:" scheme`, -1},
		{"+1001;x=y:z", `missing "tel:" scheme`, -1},
		{"sip:alice@example.com", `scheme "sip" is not tel`, 0},
		{"tel:", "no number after tel:", 4},
		{"tel:;phone-context=dialstring", "no number after tel:", 4},
		{"tel: 1001", "whitespace or control character", 4},
		{"tel:1001 ", "whitespace or control character", 8},
		{"tel:10\x0001", "whitespace or control character", 6},
		{"tel:+", "global number has no digits", -1},
		{"tel:+-()", "global number has no digits", -1},
		{"tel:+1408a", "invalid character 'a' in global number (want digits after +)", 9},
		{"tel:+14*", "invalid character '*' in global number (want digits after +)", 7},
		{"tel:--", "number has no digits", -1},
		{"tel:10x1", "invalid character 'x' in number", 6},
		{"tel:10\xff1", "invalid character 0xff in number", 6},
		{"tel:1001;", "empty parameter", 8},
		{"tel:1001;;device=X", "empty parameter", 8},
		{"tel:1001;=x", "parameter has no name", 9},
		{"tel:1001;dev_ice=x", "invalid character '_' in parameter name", 12},
		{"tel:1001;device=", `parameter "device" has an empty value`, 15},
		{"tel:1001;foo=", `parameter "foo" has an empty value`, 12},
		{"tel:1001;foo=a=b", `invalid character '=' in parameter "foo"`, 14},
		{"tel:1001;foo=a#b", `invalid character '#' in parameter "foo"`, 14},
		{"tel:1001;foo=%4", `bad percent-encoding in parameter "foo"`, 13},
		{"tel:1001;foo=%zz", `bad percent-encoding in parameter "foo"`, 13},
		{"tel:1001;device", `parameter "device" needs a value`, 9},
		{"tel:1001;partition", `parameter "partition" needs a value`, 9},
		{"tel:1001;phone-context", `parameter "phone-context" needs a value`, 9},
		{"tel:1001;device=A;Device=B", `duplicate parameter "Device"`, 18},
		{"tel:1001;partition=A;partition=A", `duplicate parameter "partition"`, 21},
		{"tel:1001;phone-context=a;phone-context=a", `duplicate parameter "phone-context"`, 25},
		{"tel:1001;foo=1;FOO=2", `duplicate parameter "FOO"`, 15},
		{"tel:+14085551001;phone-context=dialstring", "phone-context is not allowed on a global number", 17},
		{"tel:1001;phone-context=-bad", `phone-context "-bad": domain label starts or ends with '-'`, 23},
		{"tel:1001;phone-context=a..b", `phone-context "a..b": empty domain label`, 23},
		{"tel:1001;phone-context=.", `phone-context ".": not a domain name or global number`, 23},
		{"tel:1001;phone-context=example.123", `phone-context "example.123": top-level domain label must start with a letter`, 23},
		{"tel:1001;phone-context=a%41", `phone-context "a%41": invalid character '%' in domain name`, 23},
		{"tel:1001;phone-context=+", "phone-context: global number has no digits", 23},
		{"tel:1001;device=SEP%2F1", "invalid character '/' in device name", 16},
		{"tel:1001;partition=a%2Fb", `partition contains "/"`, 19},
		{"tel:1001;partition=a%0Ab", "control character in partition", 19},
		{"tel:1001;partition=%FF", "partition is not valid UTF-8", 19},
		{"tel:+1408;ext=12a", "extension must be digits", 14},
		{"tel:+1408;ext=-", "extension must be digits", 14},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseLineURI(tt.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrBadURI)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "line URI", pe.What)
			assert.Equal(t, tt.msg, pe.Msg)
			assert.Equal(t, tt.off, pe.Offset)
			assert.Equal(t, tt.in, pe.Input)
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := ParseLineURI("tel:10x1")
	assert.EqualError(t, err, `lineappearance: bad line URI "tel:10x1": invalid character 'x' in number at byte 6`)
	_, err = ParseLineURI("")
	assert.EqualError(t, err, `lineappearance: bad line URI "": empty`)

	long := "tel:1001;x=" + string(make([]byte, 200))
	_, err = ParseLineURI(long)
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Len(t, pe.Input, maxQuoted+3, "long input is cut short")
}

func TestLineURIFormat(t *testing.T) {
	tests := []struct {
		name string
		in   LineURI
		want string
	}{
		{"zero", LineURI{}, ""},
		{"raw wins", LineURI{Number: "1001", Raw: "TEL:10-01"}, "TEL:10-01"},
		{"local", LineURI{Number: "1001", PhoneContext: "dialstring"}, "tel:1001;phone-context=dialstring"},
		{"global", LineURI{Number: "+14085551001"}, "tel:+14085551001"},
		{"cisco order", LineURI{Number: "1001", Partition: "P", Device: "SEP1", PhoneContext: "dialstring"},
			"tel:1001;phone-context=dialstring;device=SEP1;partition=P"},
		{"escaped partition", LineURI{Number: "1001", Partition: "My Part:%é"}, "tel:1001;partition=My%20Part:%25%C3%A9"},
		{"ext and isub first", LineURI{Number: "+1408", Params: []Param{{"foo", "1"}, {"isub", "2"}, {"ext", "3"}, {"flag", ""}}},
			"tel:+1408;isub=2;ext=3;foo=1;flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.in.String())
		})
	}
}

func TestLineURIAccessors(t *testing.T) {
	u, err := ParseLineURI("tel:1003;phone-context=dialstring;partition=P;Foo=bar")
	require.NoError(t, err)
	assert.Equal(t, Line{DN: "1003", Partition: "P"}, u.Line())
	assert.False(t, u.Global())
	v, ok := u.Param("foo")
	assert.True(t, ok)
	assert.Equal(t, "bar", v)
	_, ok = u.Param("baz")
	assert.False(t, ok)

	g, err := ParseLineURI("tel:+14085551001")
	require.NoError(t, err)
	assert.True(t, g.Global())
	assert.False(t, LineURI{}.Global())
}

func TestLineURIEqual(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		{"tel:1001;phone-context=dialstring", "TEL:10-01;PHONE-CONTEXT=DialString", true},
		{"tel:1001;phone-context=dialstring;device=SEP1;partition=P", "tel:1001;partition=P;device=sep1;phone-context=dialstring", true},
		{"tel:1001;foo=a;bar=b", "tel:1001;bar=B;foo=%61", true},
		{"tel:+1-408", "tel:+1408", true},
		{"tel:1001;partition=P", "tel:1001;partition=p", false},
		{"tel:1001;phone-context=dialstring", "tel:1001", false},
		{"tel:1001;device=A", "tel:1001;device=B", false},
		{"tel:1001;foo=a", "tel:1001;bar=a", false},
		{"tel:1001;foo=a", "tel:1001;foo=a;bar=b", false},
		{"tel:1001", "tel:1002", false},
		{"tel:1001", "tel:+1001", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+" "+tt.b, func(t *testing.T) {
			a, err := ParseLineURI(tt.a)
			require.NoError(t, err)
			b, err := ParseLineURI(tt.b)
			require.NoError(t, err)
			assert.Equal(t, tt.equal, a.Equal(b))
			assert.Equal(t, tt.equal, b.Equal(a))
		})
	}
	// Hand-built values with a bad escape compare without panicking.
	assert.False(t, LineURI{Number: "1", Params: []Param{{"a", "%"}}}.Equal(LineURI{Number: "1", Params: []Param{{"a", "%4"}}}))
}

// FuzzParseLineURI checks that parsing never panics, that a parsed URI
// echoes its input, and that formatting a parsed URI (without Raw) parses
// back to the same value.
func FuzzParseLineURI(f *testing.F) {
	for _, s := range []string{
		"tel:1001;phone-context=dialstring",
		"tel:+14085551001",
		"tel:1003;phone-context=dialstring;device=SEP000000001003",
		"tel:73124;phone-context=dialstring;partition=BE_BRS_INT",
		"TEL:+1-(408).555;EXT=1;isub=%41;flag",
		"tel:12ab*#;phone-context=+1-408;partition=My%20P",
		"tel:1001;phone-context=example.com.",
		"sip:alice@example.com",
		"tel:1001;foo=%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseLineURI(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrBadURI) || pe.Msg == "" {
				t.Fatalf("error %v is not a *ParseError with a message", err)
			}
			return
		}
		if u.String() != s {
			t.Fatalf("String() = %q, want the input %q", u.String(), s)
		}
		u.Raw = ""
		formatted := u.String()
		v, err := ParseLineURI(formatted)
		if err != nil {
			t.Fatalf("formatted %q (from %q) does not parse: %v", formatted, s, err)
		}
		if v.Raw != formatted {
			t.Fatalf("Raw = %q, want %q", v.Raw, formatted)
		}
		v.Raw = ""
		if !u.Equal(v) || v.String() != formatted || !equalURI(u, v) {
			t.Fatalf("parse(format(parse(%q))) = %#v, want %#v", s, v, u)
		}
	})
}

// equalURI compares every field exactly.
func equalURI(a, b LineURI) bool {
	if a.Number != b.Number || a.PhoneContext != b.PhoneContext || a.Device != b.Device ||
		a.Partition != b.Partition || a.Raw != b.Raw || len(a.Params) != len(b.Params) {
		return false
	}
	// String orders ext and isub first, so compare as sets.
	for _, p := range a.Params {
		found := false
		for _, q := range b.Params {
			if p == q {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
