package lineappearance

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// isVisualSeparator reports the RFC 3966 visual separators, which may appear
// anywhere in a number and are ignored when numbers are compared.
func isVisualSeparator(c byte) bool {
	return c == '-' || c == '.' || c == '(' || c == ')'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHexLetter(c byte) bool { return 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// numberError is a problem with a number: a message and the byte offset in
// the number where it is (-1 for the number as a whole).
type numberError struct {
	off int
	msg string
}

// normalizeNumber checks a number as RFC 3966 writes one and returns it in
// normal form: a global number is "+" and digits; a local number is digits,
// "*", "#" and hex letters, which are lowered (RFC 3966 compares numbers
// case-insensitively). Visual separators are removed. It returns s itself,
// without allocating, when s is already in normal form.
func normalizeNumber(s string) (string, *numberError) {
	if s == "" {
		return "", &numberError{-1, "empty number"}
	}
	global := s[0] == '+'
	start := 0
	if global {
		start = 1
	}
	clean := true
	significant := 0
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			significant++
		case isVisualSeparator(c):
			clean = false
		case global:
			return "", &numberError{i, "invalid character " + quoteByte(c) + " in global number (want digits after +)"}
		case c == '*' || c == '#' || 'a' <= c && c <= 'f':
			significant++
		case 'A' <= c && c <= 'F':
			significant++
			clean = false
		default:
			return "", &numberError{i, "invalid character " + quoteByte(c) + " in number"}
		}
	}
	if significant == 0 {
		if global {
			return "", &numberError{-1, "global number has no digits"}
		}
		return "", &numberError{-1, "number has no digits"}
	}
	if clean {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isVisualSeparator(c):
		case 'A' <= c && c <= 'F':
			b = append(b, c+('a'-'A'))
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return "0x" + strconv.FormatUint(uint64(c), 16)
}

// PartyURI returns how a party other than the user appears to the client,
// given the identifier the CTI side reports for it (a bare DN, or a line
// key DN/partition as [Line.Key] writes it). A number starting with "+"
// becomes "tel:+E164"; any other number becomes
// "tel:<number>;phone-context=dialstring", the form Office Communicator
// matches against its normalisation rules; a partition is kept as a
// ";partition=" parameter, so [ParseLineURI] and [LineURI.Line] recover the
// key. Visual separators are dropped. An identifier that is not a number
// (a SIP URI, an opaque device name) is returned unchanged, and so is "".
func PartyURI(ctiID string) string {
	if ctiID == "" {
		return ""
	}
	dn, partition, hasPartition := strings.Cut(ctiID, "/")
	n, err := normalizeNumber(dn)
	if err != nil || (hasPartition && checkPartition(partition) != "") {
		return ctiID
	}
	var b strings.Builder
	b.Grow(len(n) + len(partition) + 40)
	b.WriteString("tel:")
	b.WriteString(n)
	if n[0] != '+' {
		b.WriteString(";phone-context=dialstring")
	}
	if partition != "" {
		b.WriteString(";partition=")
		writeEscaped(&b, partition)
	}
	return b.String()
}

// DialString returns the string the CTI side dials for a number a client
// asks to call: the number of a "tel:" URI ("tel:+3222220220" and
// "tel:2000;phone-context=dialstring" give "+3222220220" and "2000"), or a
// bare number such as "+32-2-222-0220". Visual separators are removed;
// spaces are not allowed. Parameters other than
// "ext" are ignored; "ext" is refused, because dialling the number without
// the extension would reach someone else. Any other scheme is refused. The
// error is a *[ParseError] naming the problem.
func DialString(uri string) (string, error) {
	if len(uri) >= 4 && strings.EqualFold(uri[:4], "tel:") {
		u, err := parseTel(uri, "number")
		if err != nil {
			return "", err
		}
		for _, p := range u.Params {
			if strings.EqualFold(p.Name, "ext") {
				return "", newParseError("number", uri, -1, "extension parameter is not supported for dialling")
			}
		}
		return u.Number, nil
	}
	if i := strings.IndexByte(uri, ':'); i > 0 && isScheme(uri[:i]) {
		return "", newParseError("number", uri, 0, "scheme "+strconv.Quote(uri[:i])+" is not tel")
	}
	n, err := normalizeNumber(uri)
	if err != nil {
		return "", newParseError("number", uri, err.off, err.msg)
	}
	return n, nil
}

// isScheme reports whether s has the form of a URI scheme.
func isScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// checkPartition returns what is wrong with a partition name, or "".
// Partition names may hold any printable UTF-8 except "/", which separates
// DN and partition in a line key.
func checkPartition(p string) string {
	if p == "" {
		return "empty partition"
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < 0x20 || c == 0x7f {
			return "control character in partition"
		}
		if c == '/' {
			return `partition contains "/"`
		}
	}
	if !utf8.ValidString(p) {
		return "partition is not valid UTF-8"
	}
	return ""
}

// checkDeviceName returns what is wrong with a device name, or "". Names
// are letters, digits, ".", "_" and "-", as CUCM allows.
func checkDeviceName(n string) string {
	if n == "" {
		return "empty device name"
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return "invalid character " + quoteByte(c) + " in device name"
		}
	}
	return ""
}
