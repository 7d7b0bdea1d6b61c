package sip

import (
	"maps"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Header values the package sends.
const (
	contentTypeCSTA        = "application/csta+xml"
	contentDispositionCSTA = "signal;handling=required"
	allowMethods           = "INVITE, ACK, CANCEL, BYE, INFO, OPTIONS, UPDATE"
)

// newParser returns a sipgo parser that leaves Route and Record-Route
// headers unparsed, so route sets are kept and sent back byte for byte
// (sipgo's parsed Record-Route drops header parameters), and that accepts
// messages up to maxBody bytes of body.
func newParser(maxBody int) *sipmsg.Parser {
	hp := maps.Clone(sipmsg.DefaultHeadersParser())
	delete(hp, "route")
	delete(hp, "record-route")
	p := sipmsg.NewParser(sipmsg.WithHeadersParsers(hp))
	p.MaxMessageLength = maxBody + 32<<10
	return p
}

// maxReadSize is the read buffer sipgo needs to take in any UDP datagram
// whole (the largest IPv4 UDP payload is 65,507 bytes).
const maxReadSize = 65535

func init() { setSipgoLimits() }

// setSipgoLimits sets sipgo's process-wide buffer settings, once, when the
// package is initialised: before main runs, so before any goroutine of
// sipgo can read them, and never again, so there is no data race. The read
// buffer takes every UDP datagram whole: with sipgo's default of 32 KiB a
// larger one is cut short and dropped unanswered, where it should get its
// answer (413 for a body over the limit). The UDP send limit is raised to
// the largest datagram, since sipgo refuses messages over 1300 bytes by
// default and a GetCSTAFeaturesResponse is larger; the per-server and
// per-client limit (UDPMaxMessageSize) is enforced by this package. Neither
// setting is ever lowered.
func setSipgoLimits() {
	if sipmsg.TransportBufferReadSize < maxReadSize {
		sipmsg.TransportBufferReadSize = maxReadSize
	}
	// sipgo refuses a message longer than UDPMTUSize-200.
	if want := maxReadSize + 200; sipmsg.UDPMTUSize < want {
		sipmsg.UDPMTUSize = want
	}
}

// isCSTA reports whether a Content-Type value names application/csta+xml,
// ignoring case, white space and parameters.
func isCSTA(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.EqualFold(strings.TrimSpace(ct), contentTypeCSTA)
}

// contentType returns a message's Content-Type value, or "".
func contentType(m interface {
	ContentType() *sipmsg.ContentTypeHeader
}) string {
	if h := m.ContentType(); h != nil {
		return string(*h)
	}
	return ""
}

// header returns the first value of a header given by its full or compact
// name, or "".
func header(m interface{ GetHeader(string) sipmsg.Header }, names ...string) string {
	for _, n := range names {
		if h := m.GetHeader(n); h != nil {
			return strings.TrimSpace(h.Value())
		}
	}
	return ""
}

// tokens returns the comma-separated tokens of every header with one of the
// names, lower-cased.
func tokens(m interface{ GetHeaders(string) []sipmsg.Header }, names ...string) []string {
	var out []string
	for _, n := range names {
		for _, h := range m.GetHeaders(n) {
			for t := range strings.SplitSeq(h.Value(), ",") {
				if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

// sessionExpires parses a Session-Expires value ("1800;refresher=uac"). ok
// is false when the value is absent or malformed.
func sessionExpires(v string) (d time.Duration, refresher string, ok bool) {
	if v == "" {
		return 0, "", false
	}
	num, params, _ := strings.Cut(v, ";")
	n, err := strconv.ParseUint(strings.TrimSpace(num), 10, 32)
	if err != nil {
		return 0, "", false
	}
	for p := range strings.SplitSeq(params, ";") {
		k, val, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "refresher") {
			refresher = strings.ToLower(strings.TrimSpace(val))
		}
	}
	return time.Duration(n) * time.Second, refresher, true
}

// deltaSeconds parses a delta-seconds header value such as Min-SE.
func deltaSeconds(v string) (time.Duration, bool) {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// seconds formats d as whole seconds for a header, at least 1.
func seconds(d time.Duration) string {
	s := int64(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return strconv.FormatInt(s, 10)
}

// reasonPhrase turns an error text into a reason phrase: one line of
// printable characters, at most 200 bytes.
func reasonPhrase(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		n := utf8.RuneLen(r)
		if space {
			n++
		}
		if b.Len()+n > 200 {
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// addressOfRecord normalises a From URI to the user's address of record,
// by the one rule the gateway compares users by (the directory's,
// lineappearance.NormalizeUser; the user part and host as RFC 3261
// section 19.1.4 compares them): no display name, parameters or headers;
// "sips" is the same user as "sip" and is written "sip" (it asks for TLS,
// not for another user); the user part is compared case-sensitively after
// percent-decoding, and written with only the characters that need it
// escaped (as upper-case %XX); the host is compared without case and
// written in lower case; a port is kept. A URI of another scheme is
// returned as scheme:rest, without parameters. A URI with a password
// (sip:user:password@host) is not an address of record: the server
// refuses it (see userOf).
func addressOfRecord(u *sipmsg.Uri) string {
	scheme := strings.ToLower(u.Scheme)
	if scheme == "" {
		scheme = "sip"
	}
	if raw := u.Raw(); raw != "" || (scheme != "sip" && scheme != "sips") {
		if i := strings.IndexAny(raw, ";?"); i >= 0 {
			raw = raw[:i]
		}
		return scheme + ":" + raw
	}
	s := "sip:"
	if u.User != "" {
		s += canonicalUserPart(u.User) + "@"
	}
	s += strings.ToLower(u.Host)
	if u.Port > 0 {
		s += ":" + strconv.Itoa(u.Port)
	}
	return s
}

// canonicalUserPart percent-decodes a user part and writes it again with
// only the characters RFC 3261 does not allow plainly escaped. A bad
// escape is kept as it is.
func canonicalUserPart(u string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c == '%' && i+2 < len(u) && isHexDigit(u[i+1]) && isHexDigit(u[i+2]) {
			c = unhexDigit(u[i+1])<<4 | unhexDigit(u[i+2])
			i += 2
		}
		if isUserChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// isUserChar reports the characters RFC 3261 allows unescaped in a user
// part: unreserved and user-unreserved.
func isUserChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_.!~*'()&=+$,;?/", c) >= 0
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhexDigit(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// splitHeaderValues splits a header value into its comma-separated values,
// ignoring commas inside angle brackets and quoted strings.
func splitHeaderValues(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			depth++
		case c == '>':
			if depth > 0 {
				depth--
			}
		case c == ',' && depth == 0:
			if s := strings.TrimSpace(v[start:i]); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(v[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// routeSet returns the values of the Record-Route headers of m, in order,
// exactly as they were received.
func routeSet(m interface{ GetHeaders(string) []sipmsg.Header }) []string {
	var out []string
	for _, h := range m.GetHeaders("Record-Route") {
		out = append(out, splitHeaderValues(h.Value())...)
	}
	return out
}

// routeURI parses the URI of a route value ("<sip:p.example.com;lr>;x=y").
func routeURI(v string) (sipmsg.Uri, bool) {
	var u sipmsg.Uri
	if i := strings.IndexByte(v, '<'); i >= 0 {
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return u, false
		}
		v = v[i+1 : i+j]
	} else if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	if err := sipmsg.ParseUri(strings.TrimSpace(v), &u); err != nil || u.Host == "" {
		return u, false
	}
	return u, true
}

// hostPort returns the address a request to u goes to: its host and port,
// or the default port of the transport.
func hostPort(u *sipmsg.Uri, transport string) string {
	port := u.Port
	if port == 0 {
		port = sipmsg.DefaultPort(transport)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(u.Host, "["), "]")
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// addrPort parses a "host:port" source address; the zero value when it is
// not an IP address and port.
func addrPort(s string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// transportParam returns the lower-case transport name for a Contact or Via
// "transport" parameter: "" for UDP, which needs none.
func transportParam(transport string) string {
	if t := strings.ToLower(transport); t != "udp" {
		return t
	}
	return ""
}
