package sip

import (
	"bytes"
	"hash/fnv"
	"net/netip"
	"strconv"
)

// This file brings requests that RFC 3261 allows but sipgo's parser
// misreads into the form it reads, before it parses them.
//
// sipgo v1.7.2 splits header parameters at ';' and '=' without trimming
// the white space RFC 3261 allows around them (section 25.1, SWS) and
// does not undo folding inside a parameter: in RFC 4475's wsinv,
// "To: sip:vivekg@... ;   tag    = 1918181833n" has no "tag" parameter for
// sipgo (so its answer got a second To tag) and the From has no tag
// either, so sipgo could not key the transaction and answered 400. And it
// keys the transaction of a request whose top Via has no RFC 3261 branch
// by the From tag, which an RFC 2543 request (RFC 4475 inv2543) need not
// have: 400 again.
//
// The front door therefore rewrites, in a request from a trusted peer
// that needs it, the values of the Via, From, To and Contact headers:
// folding becomes a space, white space around ';', '=', ',' (and '/' in
// Via) outside quoted strings and angle brackets is dropped, other runs of
// white space become one space. The meaning is unchanged (RFC 3261
// section 7.3.1). And when the From has no tag and the top Via no branch,
// it gives the top Via a branch made from what RFC 3261 section 17.2.3
// matches RFC 2543 requests by (Request-URI, From, Call-ID, CSeq number,
// top Via), the same for an INVITE and its ACK and CANCEL, so that sipgo
// keys the transaction as RFC 2543 would; the response carries it back in
// the Via, where an RFC 2543 client ignores it.

// rfc2543Branch starts the branch the front door gives an RFC 2543
// request.
const rfc2543Branch = "z9hG4bK.rfc2543."

// normalized reports whether a header of the given name is rewritten, and
// whether it is a Via.
func normalized(name []byte) (yes, via bool) {
	switch kind := headerKind(name); {
	case kind == hVia:
		return true, true
	case kind == hFrom || kind == hTo:
		return true, false
	}
	return equalFold(name, "contact") || equalFold(name, "m"), false
}

// isSep reports whether white space around c is not significant in a
// header value.
func isSep(c byte, via bool) bool {
	return c == ';' || c == '=' || c == ',' || (via && c == '/')
}

// appendValue appends the header value v rewritten as described above.
func appendValue(out, v []byte, via bool) []byte {
	quoted, escaped, angle := false, false, false
	space := false // white space seen and not yet written
	start := len(out)
	for _, c := range v {
		switch {
		case quoted:
			if c == '\r' || c == '\n' {
				c = ' '
			}
			out = append(out, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				quoted = false
			}
			continue
		case isLWS(c):
			space = true
			continue
		}
		if space {
			space = false
			if last := len(out); last > start && !isSep(out[last-1], via) && !isSep(c, via) && !angle {
				out = append(out, ' ')
			} else if angle && last > start {
				out = append(out, ' ')
			}
		}
		switch c {
		case '"':
			quoted = !angle
		case '<':
			angle = true
		case '>':
			angle = false
		}
		out = append(out, c)
	}
	return out
}

// valueNeedsRewrite reports whether appendValue would change v other than
// by trimming it.
func valueNeedsRewrite(v []byte, via bool) bool {
	v = bytes.Trim(v, lws)
	quoted, escaped := false, false
	for i, c := range v {
		switch {
		case quoted:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				quoted = false
			case c == '\r' || c == '\n':
				return true
			}
			continue
		case c == '"':
			quoted = true
		case c == '\r' || c == '\n' || c == '\t':
			return true
		case c == ' ':
			if isSep(v[i-1], via) || isSep(v[i+1], via) || v[i+1] == ' ' {
				return true
			}
		}
	}
	return false
}

// eachHeaderLine calls f with the name and value of each header of a
// message scanned into m, in order, and the span of the whole header
// (continuation lines included, without the final CRLF).
func eachHeaderLine(data []byte, m *rawMsg, f func(name, value, whole span)) {
	end := m.headersEnd - 2
	pos := bytes.Index(data, []byte("\r\n")) + 2
	for pos < end {
		start := pos
		le := pos + bytes.Index(data[pos:end], []byte("\r\n"))
		for le+2 < end && (data[le+2] == ' ' || data[le+2] == '\t') {
			le = le + 2 + bytes.Index(data[le+2:end], []byte("\r\n"))
		}
		if colon := bytes.IndexByte(data[start:le], ':'); colon > 0 {
			name := span{start, start + colon}
			for name.end > name.start && (data[name.end-1] == ' ' || data[name.end-1] == '\t') {
				name.end--
			}
			f(name, span{start + colon + 1, le}, span{start, le})
		}
		pos = le + 2
	}
}

// needsNormalizing reports whether a request from a trusted peer must be
// rewritten before sipgo parses it: a Via, From, To or Contact that
// sipgo would misread, or an RFC 2543 request (no From tag, no branch in
// the top Via).
func needsNormalizing(data []byte, m *rawMsg, t topVia, viaOK bool) bool {
	if m.count[hFrom] > 0 && !hasTag(data, m.first[hFrom]) && viaOK && !hasParam(data, t.params, "branch") {
		return true
	}
	found := false
	eachHeaderLine(data, m, func(name, value, _ span) {
		if found {
			return
		}
		if yes, via := normalized(data[name.start:name.end]); yes && valueNeedsRewrite(data[value.start:value.end], via) {
			found = true
		}
	})
	return found
}

// hasParam reports whether the ';' parameters in ps include name.
func hasParam(data []byte, ps span, name string) bool {
	found := false
	forEachParam(data, ps, func(n, _ span) {
		if equalFold(bytes.Trim(data[n.start:n.end], lws), name) {
			found = true
		}
	})
	return found
}

// appendNormalized appends the request data (scanned into m, its top Via
// t) rewritten as described at the top of this file.
func appendNormalized(out, data []byte, m *rawMsg, t topVia, viaOK bool) []byte {
	lineEnd := bytes.Index(data, []byte("\r\n")) + 2
	out = append(out, data[:lineEnd]...)
	addBranch := m.count[hFrom] > 0 && !hasTag(data, m.first[hFrom]) && viaOK && !hasParam(data, t.params, "branch")
	pos := lineEnd
	eachHeaderLine(data, m, func(name, value, whole span) {
		out = append(out, data[pos:whole.start]...)
		pos = whole.end
		yes, via := normalized(data[name.start:name.end])
		if !yes {
			out = append(out, data[whole.start:whole.end]...)
			return
		}
		out = append(out, data[name.start:name.end]...)
		out = append(out, ": "...)
		if via && addBranch && value.start <= t.all.start && t.all.end <= value.end {
			out = appendValue(out, data[value.start:t.all.end], true)
			out = append(out, ";branch="...)
			out = append(out, rfc2543Branch...)
			out = strconv.AppendUint(out, rfc2543Hash(data, m, t), 16)
			out = appendValue(out, data[t.all.end:value.end], true)
			addBranch = false
			return
		}
		out = appendValue(out, data[value.start:value.end], via)
	})
	return append(out, data[pos:]...)
}

// rfc2543Hash hashes what RFC 3261 section 17.2.3 matches an RFC 2543
// request's transaction by, except the method and To tag (so that an
// INVITE, its ACK and its CANCEL get the same branch).
func rfc2543Hash(data []byte, m *rawMsg, t topVia) uint64 {
	h := fnv.New64a()
	line := data[:bytes.Index(data, []byte("\r\n"))]
	if sp := bytes.LastIndexByte(line, ' '); sp > m.method.end {
		h.Write(bytes.Trim(line[m.method.end:sp], lws))
	}
	for _, k := range [...]hdrKind{hFrom, hCallID} {
		h.Write([]byte{0})
		h.Write(bytes.Trim(data[m.first[k].start:m.first[k].end], lws))
	}
	h.Write([]byte{0})
	if m.count[hCSeq] > 0 {
		v := bytes.TrimLeft(data[m.first[hCSeq].start:m.first[hCSeq].end], lws)
		i := 0
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i++
		}
		h.Write(bytes.TrimLeft(v[:i], "0"))
	}
	h.Write([]byte{0})
	h.Write(data[t.host.start:t.host.end])
	h.Write([]byte(strconv.Itoa(t.port)))
	return h.Sum64()
}

// prepareRequest appends a request from a trusted peer (scanned into m,
// its top Via t) as sipgo is to see it: normalised when normalize (what
// needsNormalizing reported for it), then as appendRequest makes it.
func prepareRequest(out, data []byte, m *rawMsg, t topVia, viaOK, normalize bool, src netip.AddrPort) []byte {
	if normalize {
		// Rare (a peer that folds or spaces its headers, or speaks RFC
		// 2543): a buffer of its own.
		norm := appendNormalized(make([]byte, 0, len(data)+64), data, m, t, viaOK)
		if nm, err := scanMessage(norm); err == nil && nm.request {
			nt, nok := topVia{}, false
			if nm.count[hVia] > 0 {
				nt, nok = parseTopVia(norm, nm.first[hVia])
			}
			return appendRequest(out, norm, &nm, nt, nok, src)
		}
	}
	return appendRequest(out, data, m, t, viaOK, src)
}
