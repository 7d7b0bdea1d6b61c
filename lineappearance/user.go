package lineappearance

import (
	"strconv"
	"strings"
)

// NormalizeUser returns the canonical form of a user's SIP address of
// record, the form the directory compares users in:
//
//   - Surrounding whitespace is dropped. A name-addr such as
//     `"Alice" <sip:alice@example.com>;tag=1` is reduced to the URI inside
//     the angle brackets.
//   - The scheme is case-insensitive; "sips" is the same user as "sip"; an
//     address without a scheme ("alice@example.com") is taken as "sip".
//     Other schemes are refused.
//   - URI parameters and headers (";transport=tls", "?subject=x") and a
//     password are dropped.
//   - The user part is compared case-sensitively, as RFC 3261 says, after
//     percent-decoding; characters that need no escaping are written
//     plainly and the others as upper-case %XX escapes.
//   - The host is compared case-insensitively and written in lower case;
//     an explicit port is kept.
//
// The result is "sip:" + user + "@" + host. NormalizeUser returns s itself,
// without allocating, when s is already canonical. The error is a
// *[ParseError] wrapping [ErrBadURI].
func NormalizeUser(s string) (string, error) {
	fail := func(off int, msg string) (string, error) {
		return "", newParseError("user address", s, off, msg)
	}
	in := strings.TrimSpace(s)
	base := len(s) - len(strings.TrimLeft(s, " \t\r\n"))
	if lt := strings.IndexByte(in, '<'); lt >= 0 {
		gt := strings.IndexByte(in[lt:], '>')
		if gt < 0 {
			return fail(base+lt, `"<" without ">"`)
		}
		in = in[lt+1 : lt+gt]
		base += lt + 1
	}
	if in == "" {
		return fail(-1, "empty")
	}
	canonical := base == 0 && len(in) == len(s)

	rest := in
	at := strings.IndexByte(in, '@')
	colon := strings.IndexByte(in, ':')
	if colon >= 0 && (at < 0 || colon < at) && isScheme(in[:colon]) {
		scheme := in[:colon]
		switch {
		case scheme == "sip":
		case strings.EqualFold(scheme, "sip") || strings.EqualFold(scheme, "sips"):
			canonical = false
		default:
			return fail(base, "scheme "+strconv.Quote(scheme)+" is not sip")
		}
		rest = in[colon+1:]
		base += colon + 1
	} else {
		canonical = false
	}
	at = strings.IndexByte(rest, '@')
	if at < 0 {
		return fail(-1, "no user part (want sip:user@host)")
	}
	userinfo, hostpart := rest[:at], rest[at+1:]
	user := userinfo
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		user = userinfo[:i]
		canonical = false
	}
	if user == "" {
		return fail(base, "empty user part")
	}
	hostStart := base + at + 1
	host := hostpart
	if i := strings.IndexAny(hostpart, ";?"); i >= 0 {
		host = hostpart[:i]
		canonical = false
	}
	if msg, off := checkHost(host); msg != "" {
		if off >= 0 {
			off += hostStart
		}
		return fail(off, msg)
	}
	for i := 0; i < len(host); i++ {
		if 'A' <= host[i] && host[i] <= 'Z' {
			canonical = false
			break
		}
	}
	cuser, msg, off := canonicalUser(user)
	if msg != "" {
		return fail(base+off, msg)
	}
	if canonical && cuser == user {
		return s, nil
	}
	return "sip:" + cuser + "@" + strings.ToLower(host), nil
}

// isUserChar reports the characters RFC 3261 allows unescaped in the user
// part: unreserved (alphanumerics and -_.!~*'()) and user-unreserved
// (&=+$,;?/).
func isUserChar(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '-', '_', '.', '!', '~', '*', '\'', '(', ')', '&', '=', '+', '$', ',', ';', '?', '/':
		return true
	}
	return false
}

// canonicalUser percent-decodes a user part and re-encodes it canonically.
// It returns u itself when u is canonical already.
func canonicalUser(u string) (string, string, int) {
	clean := true
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c == '%' {
			if i+2 >= len(u) || !isHex(u[i+1]) || !isHex(u[i+2]) {
				return "", "bad percent-encoding in user part", i
			}
			clean = false
			i += 2
			continue
		}
		if !isUserChar(c) {
			return "", "invalid character " + quoteByte(c) + " in user part", i
		}
	}
	if clean {
		return u, "", 0
	}
	var b strings.Builder
	b.Grow(len(u))
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c == '%' {
			c = unhex(u[i+1])<<4 | unhex(u[i+2])
			i += 2
		}
		writeChar(&b, c, isUserChar)
	}
	return b.String(), "", 0
}

// checkHost checks a hostport: a host name or IPv4 address of letters,
// digits, "." and "-", or an IPv6 reference in brackets, and an optional
// ":port". It returns what is wrong and where, or "".
func checkHost(h string) (string, int) {
	if h == "" {
		return "empty host", -1
	}
	name := h
	port := ""
	if h[0] == '[' {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return `"[" without "]" in host`, 0
		}
		for i := 1; i < end; i++ {
			if c := h[i]; !isHex(c) && c != ':' && c != '.' {
				return "invalid character " + quoteByte(c) + " in IPv6 address", i
			}
		}
		name = h[:end+1]
		if end+1 < len(h) {
			if h[end+1] != ':' {
				return "invalid character after IPv6 address", end + 1
			}
			port = h[end+2:]
		}
		if name == "[]" {
			return "empty IPv6 address", 0
		}
	} else {
		if i := strings.IndexByte(h, ':'); i >= 0 {
			name, port = h[:i], h[i+1:]
		}
		if name == "" {
			return "empty host", -1
		}
		for i := 0; i < len(name); i++ {
			if c := name[i]; !isAlnum(c) && c != '.' && c != '-' {
				return "invalid character " + quoteByte(c) + " in host", i
			}
		}
	}
	if port != "" || len(name) < len(h) {
		if port == "" || len(port) > 5 {
			return "bad port", len(name)
		}
		for i := 0; i < len(port); i++ {
			if !isDigit(port[i]) {
				return "bad port", len(name)
			}
		}
	}
	return "", -1
}
