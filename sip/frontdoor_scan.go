package sip

import (
	"bytes"
	"errors"
	"net/netip"
	"strconv"
)

// This file reads just enough of a raw SIP message for the front door (see
// frontdoor.go): where its header section ends, how long its body is, the
// headers RFC 3261 allows once, and the top Via. It allocates nothing and
// keeps nothing.

// hdrKind is a header the front door looks at.
type hdrKind uint8

const (
	hOther hdrKind = iota
	hVia
	hFrom
	hTo
	hCallID
	hCSeq
	hContentLength
	nKinds
)

// hdrNames are the names in messages and refusals.
var hdrNames = [nKinds]string{"", "Via", "From", "To", "Call-ID", "CSeq", "Content-Length"}

// span is a range of byte offsets into a message.
type span struct{ start, end int }

// rawMsg is what the front door knows of a message.
type rawMsg struct {
	request bool
	method  span // requests: the method
	// headersEnd is the offset of the first body byte (after the empty
	// line).
	headersEnd int
	count      [nKinds]int
	first      [nKinds]span // value of the first header of each kind
	// contentLength is the Content-Length value, -1 when there is none.
	contentLength int
	// malformed says why the header section cannot be read, or "".
	malformed string
	// unsafe is set when the header section must not be echoed.
	unsafe bool
}

// errIncomplete means the header section has not ended yet.
var errIncomplete = errors.New("incomplete header section")

// errNotSIP means the start line is neither a request nor a status line.
var errNotSIP = errors.New("not a SIP message")

// scanMessage reads the start line and header section of the message at the
// start of data. It returns errIncomplete when data holds no complete
// header section, errNotSIP when the start line is not SIP. A header section
// it can frame but not read is reported in rawMsg.malformed.
func scanMessage(data []byte) (rawMsg, error) {
	m := rawMsg{contentLength: -1}
	end := bytes.Index(data, []byte("\r\n\r\n"))
	if end < 0 {
		return m, errIncomplete
	}
	m.headersEnd = end + 4
	lineEnd := bytes.Index(data, []byte("\r\n"))
	if !m.startLine(data[:lineEnd]) {
		return m, errNotSIP
	}
	pos := lineEnd + 2
	var kind hdrKind
	var val span
	flush := func() {
		if kind == hOther {
			return
		}
		if m.count[kind] == 0 {
			m.first[kind] = val
		}
		m.count[kind]++
		if kind == hContentLength && m.malformed == "" {
			n, ok := parseContentLength(data[val.start:val.end])
			switch {
			case !ok:
				m.malformed = "Bad Content-Length"
			case m.contentLength >= 0 && n != m.contentLength:
				m.malformed = "Conflicting Content-Length"
			default:
				m.contentLength = n
			}
		}
	}
	for pos < end+2 {
		le := pos + bytes.Index(data[pos:end+2], []byte("\r\n"))
		line := data[pos:le]
		if bytes.IndexByte(line, '\r') >= 0 || bytes.IndexByte(line, '\n') >= 0 {
			// Not echoed in an answer: a client might take it for a line
			// end, and see a header we did not write.
			m.unsafe = true
			if m.malformed == "" {
				m.malformed = "Bare CR or LF in Header"
			}
		}
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			// A continuation of the header before.
			if kind == hOther && pos == lineEnd+2 && m.malformed == "" {
				m.malformed = "Header Continuation Without Header"
			}
			val.end = le
			pos = le + 2
			continue
		}
		flush()
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			if m.malformed == "" {
				m.malformed = "Malformed Header Line"
			}
			kind = hOther
			pos = le + 2
			continue
		}
		kind = headerKind(bytes.TrimRight(line[:colon], " \t"))
		val = span{pos + colon + 1, le}
		pos = le + 2
	}
	flush()
	return m, nil
}

// startLine reads a request or status line.
func (m *rawMsg) startLine(line []byte) bool {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return false
	}
	if hasPrefixFold(line, "SIP/") {
		return true
	}
	sp2 := bytes.LastIndexByte(line, ' ')
	if sp2 <= sp1 || !hasPrefixFold(line[sp2+1:], "SIP/") {
		return false
	}
	for _, c := range line[:sp1] {
		if !isToken(c) {
			return false
		}
	}
	m.request = true
	m.method = span{0, sp1}
	return true
}

// duplicate returns the name of a header that appears more often than RFC
// 3261 allows (From, To, Call-ID, CSeq and Content-Length once), or "".
func (m *rawMsg) duplicate() string {
	for k := hFrom; k < nKinds; k++ {
		if m.count[k] > 1 {
			return hdrNames[k]
		}
	}
	return ""
}

// isMethod reports whether a request's method is name.
func (m *rawMsg) isMethod(data []byte, name string) bool {
	return m.request && string(data[m.method.start:m.method.end]) == name
}

// headerKind maps a header name (full or compact, any case) to its kind.
func headerKind(name []byte) hdrKind {
	switch len(name) {
	case 1:
		switch name[0] | 0x20 {
		case 'v':
			return hVia
		case 'f':
			return hFrom
		case 't':
			return hTo
		case 'i':
			return hCallID
		case 'l':
			return hContentLength
		}
	case 2:
		if equalFold(name, "to") {
			return hTo
		}
	case 3:
		if equalFold(name, "via") {
			return hVia
		}
	case 4:
		switch {
		case equalFold(name, "from"):
			return hFrom
		case equalFold(name, "cseq"):
			return hCSeq
		}
	case 7:
		if equalFold(name, "call-id") {
			return hCallID
		}
	case 14:
		if equalFold(name, "content-length") {
			return hContentLength
		}
	}
	return hOther
}

// parseContentLength reads a Content-Length value: digits, with optional
// white space around them, at most 9 of them.
func parseContentLength(v []byte) (int, bool) {
	v = bytes.Trim(v, " \t")
	if len(v) == 0 || len(v) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// equalFold compares ASCII b with lower-case s without regard to case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether b starts with upper-case s, in any case.
func hasPrefixFold(b []byte, s string) bool {
	if len(b) < len(s) {
		return false
	}
	for i := range len(s) {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// isToken reports whether c may appear in a SIP token (RFC 3261 section 25.1).
func isToken(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '!', '%', '*', '_', '+', '`', '\'', '~':
		return true
	}
	return false
}

// topVia is the first value of the first Via header of a message.
type topVia struct {
	all      span // the via-parm, in the message
	host     span // sent-by host, without brackets
	port     int  // sent-by port; 0 when absent
	rport    bool // an rport parameter is present (with or without value)
	received bool // a received parameter is present
	params   span // from the first ';' (or all.end) to all.end
}

// parseTopVia finds the top via-parm in the value v (offsets of data). It
// returns false when the value is not a Via.
func parseTopVia(data []byte, v span) (topVia, bool) {
	var t topVia
	s := v.start
	for s < v.end && isLWS(data[s]) {
		s++
	}
	// The value ends at the first comma outside quotes.
	e, quoted := s, false
	for ; e < v.end; e++ {
		c := data[e]
		if c == '"' {
			quoted = !quoted
		} else if c == ',' && !quoted {
			break
		}
	}
	for e > s && isLWS(data[e-1]) {
		e--
	}
	t.all = span{s, e}
	// sent-protocol: three tokens separated by '/', then white space.
	p := s
	for range 2 {
		slash := bytes.IndexByte(data[p:e], '/')
		if slash < 0 {
			return t, false
		}
		p += slash + 1
	}
	for p < e && isLWS(data[p]) {
		p++ // "SIP / 2.0 / UDP" (RFC 4475 wsinv)
	}
	for p < e && !isLWS(data[p]) {
		p++
	}
	for p < e && isLWS(data[p]) {
		p++
	}
	if p >= e {
		return t, false
	}
	// sent-by: host[:port], up to ';' (host may be [v6]).
	hs := p
	semi := bytes.IndexByte(data[p:e], ';')
	sentEnd := e
	if semi >= 0 {
		sentEnd = p + semi
	}
	t.params = span{sentEnd, e}
	sb := bytes.TrimRight(data[hs:sentEnd], lws)
	if len(sb) == 0 {
		return t, false
	}
	var portPart []byte
	if sb[0] == '[' {
		rb := bytes.IndexByte(sb, ']')
		if rb < 0 {
			return t, false
		}
		t.host = span{hs + 1, hs + rb}
		portPart = sb[rb+1:]
	} else if c := bytes.IndexByte(sb, ':'); c >= 0 {
		t.host = span{hs, hs + c}
		portPart = sb[c:]
	} else {
		t.host = span{hs, hs + len(sb)}
	}
	if len(portPart) > 0 {
		if portPart[0] != ':' {
			return t, false
		}
		n, err := strconv.Atoi(string(bytes.Trim(portPart[1:], lws)))
		if err != nil || n <= 0 || n > 65535 {
			return t, false
		}
		t.port = n
	}
	good := true
	forEachParam(data, t.params, func(name, whole span) {
		n := bytes.Trim(data[name.start:name.end], lws)
		if !validParam(n, bytes.Trim(data[name.end:whole.end], lws)) {
			good = false
		}
		switch {
		case equalFold(n, "rport"):
			t.rport = true
		case equalFold(n, "received"):
			t.received = true
		}
	})
	// A parameter sipgo might read otherwise than we do could hide the
	// received we add: such a Via is not read at all.
	return t, good
}

// validParam reports whether a Via parameter is a token, with an optional
// value ("=..." as given) that is a token, an IPv6 reference or a quoted
// string (RFC 3261 section 25.1).
func validParam(name, value []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if !isToken(c) {
			return false
		}
	}
	if len(value) == 0 {
		return true
	}
	if value[0] != '=' {
		return false
	}
	v := bytes.Trim(value[1:], lws)
	if len(v) == 0 {
		return false
	}
	if v[0] == '"' {
		return len(v) >= 2 && v[len(v)-1] == '"' && bytes.IndexByte(v[1:len(v)-1], '"') < 0 && bytes.IndexByte(v, '\\') < 0
	}
	for _, c := range v {
		if !isToken(c) && c != ':' && c != '[' && c != ']' {
			return false
		}
	}
	return true
}

// lws are the bytes of linear white space, folding included.
const lws = " \t\r\n"

// isLWS reports whether c is linear white space.
func isLWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// forEachParam calls f with the name and the whole of each ';' parameter
// in the span (which starts at a ';' or is empty). Quoted values are
// skipped over.
func forEachParam(data []byte, ps span, f func(name, whole span)) {
	i := ps.start
	for i < ps.end {
		if data[i] != ';' {
			i++
			continue
		}
		start := i
		i++
		nameEnd := -1
		quoted := false
		for ; i < ps.end; i++ {
			c := data[i]
			if c == '"' {
				quoted = !quoted
			}
			if quoted {
				continue
			}
			if c == '=' && nameEnd < 0 {
				nameEnd = i
			}
			if c == ';' {
				break
			}
		}
		if nameEnd < 0 {
			nameEnd = i
		}
		f(span{start + 1, nameEnd}, span{start, i})
	}
}

// appendAnnotatedVia appends the top via-parm t of data with the
// parameters RFC 3261 section 18.2.1 and RFC 3581 have the server add: any
// received or rport the peer wrote is dropped; received is the source
// address when the sent-by host differs from it or rport is present; rport
// gets the source port when present.
func appendAnnotatedVia(out, data []byte, t topVia, src netip.AddrPort) []byte {
	out = append(out, data[t.all.start:t.params.start]...)
	forEachParam(data, t.params, func(name, whole span) {
		n := bytes.TrimSpace(data[name.start:name.end])
		if equalFold(n, "rport") || equalFold(n, "received") {
			return
		}
		out = append(out, data[whole.start:whole.end]...)
	})
	if t.rport || !sameHost(data[t.host.start:t.host.end], src.Addr()) {
		out = append(out, ";received="...)
		out = src.Addr().AppendTo(out)
	}
	if t.rport {
		out = append(out, ";rport="...)
		out = strconv.AppendUint(out, uint64(src.Port()), 10)
	}
	return out
}

// cancelMethod is the method the front door gives a CANCEL before sipgo
// parses it. sipgo's transaction layer answers a CANCEL that matches an
// INVITE transaction itself (200, then 487 to the INVITE, from its own
// goroutine, racing the server's answer to the INVITE); under another
// method the CANCEL goes through an ordinary transaction to the server,
// which matches it to the INVITE and settles which final response the
// INVITE gets (see inviteCtl). Responses carry the CSeq method, CANCEL,
// so the peer sees nothing of this.
const cancelMethod = "CANCEL.RCC"

// appendRequest appends a request from a trusted peer as sipgo is to see
// it: a CANCEL renamed cancelMethod and, when viaOK and it needs it, the
// top Via t annotated for src.
func appendRequest(out, data []byte, m *rawMsg, t topVia, viaOK bool, src netip.AddrPort) []byte {
	pos := 0
	if m.isMethod(data, "CANCEL") {
		out = append(out, cancelMethod...)
		pos = m.method.end
	}
	if viaOK && needsAnnotation(data, t, src) {
		out = append(out, data[pos:t.all.start]...)
		out = appendAnnotatedVia(out, data, t, src)
		pos = t.all.end
	}
	return append(out, data[pos:]...)
}

// sameHost reports whether a sent-by host is the address a.
func sameHost(host []byte, a netip.Addr) bool {
	h, err := netip.ParseAddr(string(host))
	return err == nil && h.Unmap() == a
}

// needsAnnotation reports whether appendAnnotatedVia would change the top
// Via.
func needsAnnotation(data []byte, t topVia, src netip.AddrPort) bool {
	return t.rport || t.received || !sameHost(data[t.host.start:t.host.end], src.Addr())
}

// replyPort is the port a response over UDP goes to (RFC 3261 section
// 18.2.2, RFC 3581): the source port when the request asked with rport,
// the sent-by port otherwise, 5060 when that is absent.
func replyPort(t topVia, src netip.AddrPort) uint16 {
	switch {
	case t.rport:
		return src.Port()
	case t.port > 0:
		return uint16(t.port)
	}
	return 5060
}
