package lineappearance

import (
	"strconv"
	"strings"
)

// LineURI is a parsed Line URI, the "tel:" URI a client names its line with,
// such as "tel:1001;phone-context=dialstring;device=SEP000000001001".
//
// Number is the normalised number (see [Line]): "+" and digits for a global
// number, otherwise the local number. PhoneContext is the phone-context
// value, lower-cased when it is a domain name such as "dialstring", without
// visual separators when it is a global number prefix; "" when absent.
// Device and Partition are the Cisco "device" and "partition" parameters,
// percent-decoded; "" when absent. Params holds every other parameter in
// the order written, names and values exactly as written. Raw is the
// string the URI was parsed from.
type LineURI struct {
	Number       string
	PhoneContext string
	Device       string
	Partition    string
	Params       []Param
	Raw          string
}

// Param is a "tel:" URI parameter other than phone-context, device and
// partition. Value is "" for a parameter written without "=".
type Param struct {
	Name  string
	Value string
}

// ParseLineURI parses a Line URI as clients send it. It follows the syntax
// of RFC 3966 with these rules:
//
//   - The scheme must be "tel", in any case; anything else is refused,
//     naming the scheme.
//   - A global number is "+" and digits; a local number is digits, "*",
//     "#" and hex letters. Either may contain the visual separators
//     "-", ".", "(" and ")", which are dropped.
//   - Parameter names are case-insensitive and may come in any order, but
//     none may appear twice. Values are 1*paramchar as RFC 3966 defines it,
//     percent-encoding included.
//   - phone-context is a domain name (compared case-insensitively) or a
//     global number prefix. It is not allowed on a global number. RFC 3966
//     requires it on local numbers; this parser tolerates its absence,
//     because clients and directories sometimes leave it out; "tel:1001"
//     resolves like "tel:1001;phone-context=dialstring", since resolution
//     looks at the number, device and partition only.
//   - device names a device (letters, digits, ".", "_", "-"), compared
//     case-insensitively; partition names a route partition, compared
//     exactly. Both are percent-decoded.
//   - No whitespace or control characters anywhere: callers trim the XML
//     text around a Line URI before parsing it.
//
// The error is a *[ParseError] that names the problem and wraps [ErrBadURI].
func ParseLineURI(s string) (LineURI, error) {
	u, err := parseTel(s, "line URI")
	if err != nil {
		return LineURI{}, err
	}
	return u, nil
}

// parseTel parses a tel URI; what names the input in errors.
func parseTel(s, what string) (LineURI, error) {
	fail := func(off int, msg string) (LineURI, error) {
		return LineURI{}, newParseError(what, s, off, msg)
	}
	if s == "" {
		return fail(-1, "empty")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return fail(i, "whitespace or control character")
		}
	}
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return fail(-1, `missing "tel:" scheme`)
	}
	if !strings.EqualFold(s[:colon], "tel") {
		if isScheme(s[:colon]) {
			return fail(0, "scheme "+strconv.Quote(s[:colon])+" is not tel")
		}
		return fail(-1, `missing "tel:" scheme`)
	}
	u := LineURI{Raw: s}
	rest := s[colon+1:]
	end := strings.IndexByte(rest, ';')
	if end < 0 {
		end = len(rest)
	}
	number := rest[:end]
	if number == "" {
		return fail(colon+1, "no number after tel:")
	}
	n, nerr := normalizeNumber(number)
	if nerr != nil {
		off := nerr.off
		if off >= 0 {
			off += colon + 1
		}
		return fail(off, nerr.msg)
	}
	u.Number = n
	global := n[0] == '+'

	var seen uint8 // bits: phone-context, device, partition
	off := colon + 1 + end
	for off < len(s) {
		// s[off] == ';'
		start := off + 1
		stop := strings.IndexByte(s[start:], ';')
		if stop < 0 {
			stop = len(s)
		} else {
			stop += start
		}
		param := s[start:stop]
		if param == "" {
			return fail(off, "empty parameter")
		}
		name, value, hasValue := strings.Cut(param, "=")
		if name == "" {
			return fail(start, "parameter has no name")
		}
		for i := 0; i < len(name); i++ {
			if c := name[i]; !isAlnum(c) && c != '-' {
				return fail(start+i, "invalid character "+quoteByte(c)+" in parameter name")
			}
		}
		if hasValue {
			if value == "" {
				return fail(start+len(name), "parameter "+strconv.Quote(name)+" has an empty value")
			}
			if i, msg := checkParamValue(value); msg != "" {
				return fail(start+len(name)+1+i, msg+" in parameter "+strconv.Quote(name))
			}
		}
		valueOff := start + len(name) + 1
		var bit uint8
		switch {
		case strings.EqualFold(name, "phone-context"):
			bit = 1
		case strings.EqualFold(name, "device"):
			bit = 2
		case strings.EqualFold(name, "partition"):
			bit = 4
		}
		if bit != 0 {
			if seen&bit != 0 {
				return fail(start, "duplicate parameter "+strconv.Quote(name))
			}
			seen |= bit
			if !hasValue {
				return fail(start, "parameter "+strconv.Quote(name)+" needs a value")
			}
		}
		switch bit {
		case 1:
			if global {
				return fail(start, "phone-context is not allowed on a global number")
			}
			ctx, msg := normalizePhoneContext(value)
			if msg != "" {
				return fail(valueOff, msg)
			}
			u.PhoneContext = ctx
		case 2:
			dev := unescape(value)
			if msg := checkDeviceName(dev); msg != "" {
				return fail(valueOff, msg)
			}
			u.Device = dev
		case 4:
			part := unescape(value)
			if msg := checkPartition(part); msg != "" {
				return fail(valueOff, msg)
			}
			u.Partition = part
		default:
			for _, p := range u.Params {
				if strings.EqualFold(p.Name, name) {
					return fail(start, "duplicate parameter "+strconv.Quote(name))
				}
			}
			if strings.EqualFold(name, "ext") {
				if !isExtension(value) {
					return fail(valueOff, "extension must be digits")
				}
			}
			u.Params = append(u.Params, Param{Name: name, Value: value})
		}
		off = stop
	}
	return u, nil
}

// isExtension reports RFC 3966's 1*phonedigit with at least one digit.
func isExtension(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch {
		case isDigit(s[i]):
			digits++
		case !isVisualSeparator(s[i]):
			return false
		}
	}
	return digits > 0
}

// isParamChar reports the unescaped characters RFC 3966 allows in a
// parameter value: unreserved (alphanumerics and the marks -_.!~*'()) and
// param-unreserved ([]/:&+$).
func isParamChar(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '-', '_', '.', '!', '~', '*', '\'', '(', ')', '[', ']', '/', ':', '&', '+', '$':
		return true
	}
	return false
}

func isHex(c byte) bool { return isDigit(c) || isHexLetter(c) }

// checkParamValue returns the offset of and reason for the first invalid
// character in a parameter value, or "" when the value is valid.
func checkParamValue(v string) (int, string) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '%' {
			if i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2]) {
				return i, "bad percent-encoding"
			}
			i += 2
			continue
		}
		if !isParamChar(c) {
			return i, "invalid character " + quoteByte(c)
		}
	}
	return 0, ""
}

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// unescape percent-decodes a value. A "%" that does not start a valid
// escape is kept as it is. It returns v itself when there is nothing to
// decode.
func unescape(v string) string {
	if strings.IndexByte(v, '%') < 0 {
		return v
	}
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
			b = append(b, unhex(v[i+1])<<4|unhex(v[i+2]))
			i += 2
			continue
		}
		b = append(b, v[i])
	}
	return string(b)
}

// writeEscaped writes v percent-encoding every byte that is not a plain
// parameter character.
func writeEscaped(b *strings.Builder, v string) {
	for i := 0; i < len(v); i++ {
		writeChar(b, v[i], isParamChar)
	}
}

// writeChar writes c as it is when plain says so, otherwise as an
// upper-case %XX escape.
func writeChar(b *strings.Builder, c byte, plain func(byte) bool) {
	const hexDigits = "0123456789ABCDEF"
	if plain(c) {
		b.WriteByte(c)
		return
	}
	b.WriteByte('%')
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&15])
}

// normalizePhoneContext checks a phone-context descriptor: a global number
// prefix or a domain name. It returns it without visual separators or
// lower-cased.
func normalizePhoneContext(v string) (string, string) {
	if v[0] == '+' {
		n, err := normalizeNumber(v)
		if err != nil {
			return "", "phone-context: " + err.msg
		}
		return n, ""
	}
	if msg := checkDomainName(v); msg != "" {
		return "", "phone-context " + strconv.Quote(v) + ": " + msg
	}
	return strings.ToLower(v), ""
}

// checkDomainName checks RFC 3966's domainname: dot-separated labels of
// letters, digits and inner hyphens, the last starting with a letter, with
// an optional final dot.
func checkDomainName(v string) string {
	name := strings.TrimSuffix(v, ".")
	if name == "" {
		return "not a domain name or global number"
	}
	last := ""
	for label := range strings.SplitSeq(name, ".") {
		if label == "" {
			return "empty domain label"
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "domain label starts or ends with '-'"
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !isAlnum(c) && c != '-' {
				return "invalid character " + quoteByte(c) + " in domain name"
			}
		}
		last = label
	}
	if !isAlpha(last[0]) {
		return "top-level domain label must start with a letter"
	}
	return ""
}

// Global reports whether the number is a global (E.164) number.
func (u LineURI) Global() bool { return u.Number != "" && u.Number[0] == '+' }

// Line returns the line the URI names: its number and partition.
func (u LineURI) Line() Line { return Line{DN: u.Number, Partition: u.Partition} }

// Param returns the value of the parameter named name (case-insensitively)
// among Params, and whether it is present.
func (u LineURI) Param(name string) (string, bool) {
	for _, p := range u.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return "", false
}

// String returns Raw when it is set, so a reply echoes the client's Line
// URI byte for byte, and otherwise formats the URI: number, ext and isub,
// phone-context, device, partition, then the other parameters in order.
// The zero LineURI formats as "".
func (u LineURI) String() string {
	if u.Raw != "" {
		return u.Raw
	}
	if u.Number == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(64)
	b.WriteString("tel:")
	b.WriteString(u.Number)
	first := func(p Param) bool {
		return strings.EqualFold(p.Name, "ext") || strings.EqualFold(p.Name, "isub")
	}
	writeParam := func(p Param) {
		b.WriteByte(';')
		b.WriteString(p.Name)
		if p.Value != "" {
			b.WriteByte('=')
			b.WriteString(p.Value)
		}
	}
	for _, p := range u.Params {
		if first(p) {
			writeParam(p)
		}
	}
	if u.PhoneContext != "" {
		b.WriteString(";phone-context=")
		b.WriteString(u.PhoneContext)
	}
	if u.Device != "" {
		b.WriteString(";device=")
		writeEscaped(&b, u.Device)
	}
	if u.Partition != "" {
		b.WriteString(";partition=")
		writeEscaped(&b, u.Partition)
	}
	for _, p := range u.Params {
		if !first(p) {
			writeParam(p)
		}
	}
	return b.String()
}

// Equal reports whether two Line URIs are equivalent as RFC 3966 compares
// them: same number, phone-context and device compared case-insensitively,
// the other parameters compared by name regardless of order with values
// compared case-insensitively; the partition is compared exactly. Raw is
// ignored.
func (u LineURI) Equal(o LineURI) bool {
	if u.Number != o.Number || !strings.EqualFold(u.PhoneContext, o.PhoneContext) ||
		!strings.EqualFold(u.Device, o.Device) || u.Partition != o.Partition ||
		len(u.Params) != len(o.Params) {
		return false
	}
	for _, p := range u.Params {
		v, ok := o.Param(p.Name)
		if !ok || !strings.EqualFold(unescape(v), unescape(p.Value)) {
			return false
		}
	}
	return true
}
