package sip

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
)

// The front door is the layer between the network and sipgo's transport
// and transaction layers. Every datagram and every byte of every TCP or
// TLS connection passes through it before sipgo parses anything:
//
//   - A request from a peer that is not trusted is answered 403 (or
//     dropped, ServerConfig.DropUntrusted) by the front door itself,
//     statelessly, from the raw bytes: sipgo never sees it, so it creates
//     no transaction and no connection state. Over TCP and TLS an untrusted
//     connection is never handed to sipgo at all.
//   - A request with more than one From, To, Call-ID, CSeq or
//     Content-Length header, or a header section it cannot read, is
//     answered 400 statelessly (RFC 3261 section 7.3.1 and 20 allow one).
//   - The top Via of every request gets received and rport as RFC 3261
//     section 18.2.1 and RFC 3581 have a server add, and whatever received
//     or rport the peer wrote is dropped, so that sipgo's response routing
//     only ever names the address the request came from.
//   - A CANCEL is renamed (cancelMethod) so that sipgo hands it to the
//     server instead of answering it and its INVITE itself; Via, From, To
//     and Contact values sipgo would misread are normalised, and an RFC
//     2543 request gets a branch (frontdoor_normalize.go).
//   - TCP and TLS connections are capped per peer and in total, and get a
//     TLS handshake timeout, a complete-message timeout and an idle
//     timeout; messages are framed here, so sipgo only ever reads whole
//     messages that passed these checks.
//
//   - Over UDP, the requests from trusted peers (and authenticated ones)
//     handed to sipgo are counted for sipgo's Timer J (64*T1, 32 s), the
//     longest a server transaction outlives its final response; at
//     ServerConfig.MaxUDPTransactions a new request is answered 503 with
//     Retry-After statelessly (frontdoor_udpcap.go).
//
// The front door keeps no state per request; per connection it keeps the
// bytes of the message being received, and over UDP a fixed ring of
// counters.

// maxHeaderSection is the largest header section the front door reads.
const maxHeaderSection = 32 << 10

// frontDoor is the front door's state shared by a server's listeners.
type frontDoor struct {
	tag string // To tag of the front door's stateless responses

	mu        sync.Mutex
	total     int
	untrusted int
	perPeer   map[netip.Addr]int

	udp udpTxnCap // ServerConfig.MaxUDPTransactions: frontdoor_udpcap.go
}

// initFront prepares the front door of a server.
func (s *Server) initFront() {
	s.front.tag = "fd" + strings.ToLower(rand.Text()[:10])
	s.front.perPeer = make(map[netip.Addr]int)
	s.front.udp.init(s.cfg.MaxUDPTransactions, udpTxnWindow)
}

// trustedAddr reports whether a peer address is trusted.
func (s *Server) trustedAddr(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.cfg.TrustedPeers {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// trustedCert reports whether a TLS peer presented a verified certificate
// with a trusted subject.
func (s *Server) trustedCert(st *tls.ConnectionState) bool {
	if len(s.cfg.TrustedSubjects) == 0 || st == nil || len(st.VerifiedChains) == 0 {
		return false
	}
	leaf := st.PeerCertificates[0]
	for _, t := range s.cfg.TrustedSubjects {
		if strings.EqualFold(leaf.Subject.CommonName, t) {
			return true
		}
		for _, n := range leaf.DNSNames {
			if strings.EqualFold(n, t) {
				return true
			}
		}
	}
	return false
}

// untrustedCap is how many connections from untrusted addresses may be
// open at once: a quarter of MaxConns, so that they never crowd out
// trusted peers.
func (s *Server) untrustedCap() int { return max(1, s.cfg.MaxConns/4) }

// admitConn takes a connection slot for a peer; it reports false when a
// cap is reached.
func (s *Server) admitConn(a netip.Addr, trusted bool) bool {
	f := &s.front
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.total >= s.cfg.MaxConns || f.perPeer[a] >= s.cfg.MaxConnsPerPeer ||
		(!trusted && f.untrusted >= s.untrustedCap()) {
		return false
	}
	f.total++
	f.perPeer[a]++
	if !trusted {
		f.untrusted++
	}
	return true
}

// promoteConn moves a connection slot from untrusted to trusted (a TLS
// peer whose certificate is trusted).
func (s *Server) promoteConn() {
	s.front.mu.Lock()
	s.front.untrusted--
	s.front.mu.Unlock()
}

// releaseConn gives back a connection slot.
func (s *Server) releaseConn(a netip.Addr, trusted bool) {
	f := &s.front
	f.mu.Lock()
	defer f.mu.Unlock()
	f.total--
	if !trusted {
		f.untrusted--
	}
	if f.perPeer[a]--; f.perPeer[a] <= 0 {
		delete(f.perPeer, a)
	}
}

// connCount returns the connections open now, in total and from untrusted
// addresses.
func (s *Server) connCount() (total, untrusted int) {
	s.front.mu.Lock()
	defer s.front.mu.Unlock()
	return s.front.total, s.front.untrusted
}

// frontAnswered counts a request the front door consumed and, when code
// is not 0, the response it sent.
func (s *Server) frontAnswered(data []byte, m *rawMsg, code int) {
	method := data[m.method.start:m.method.end]
	counted := false
	for i, name := range methods[:len(methods)-1] {
		if string(method) == name {
			s.stats.requests[i].Add(1)
			counted = true
			break
		}
	}
	if !counted {
		s.stats.request("OTHER")
	}
	if code == 0 {
		return
	}
	s.stats.response(code)
	if s.obs.RequestDone != nil {
		s.obs.RequestDone(string(method), code, 0)
	}
}

// appendResponse appends a stateless response to the request data (read
// by scanMessage into m) whose top Via is t: the request's Via headers,
// the top one annotated for src, and its first From, To (with a tag),
// Call-ID and CSeq, then the extra header lines.
func (s *Server) appendResponse(out, data []byte, m *rawMsg, t topVia, src netip.AddrPort, code int, reason string, extra ...string) []byte {
	out = append(out, "SIP/2.0 "...)
	out = strconv.AppendInt(out, int64(code), 10)
	out = append(out, ' ')
	out = append(out, reason...)
	out = append(out, "\r\n"...)
	top := true
	eachHeader(data, m, func(k hdrKind, v span) {
		if k != hVia {
			return
		}
		out = append(out, "Via: "...)
		if top {
			out = appendAnnotatedVia(out, data, t, src)
			out = append(out, data[t.all.end:v.end]...)
			top = false
		} else {
			out = append(out, bytes.TrimLeft(data[v.start:v.end], " \t")...)
		}
		out = append(out, "\r\n"...)
	})
	for _, k := range [...]hdrKind{hFrom, hTo, hCallID, hCSeq} {
		if m.count[k] == 0 {
			continue
		}
		v := m.first[k]
		out = append(out, hdrNames[k]...)
		out = append(out, ": "...)
		out = append(out, bytes.TrimLeft(data[v.start:v.end], " \t")...)
		if k == hTo && !hasTag(data, v) {
			out = append(out, ";tag="...)
			out = append(out, s.front.tag...)
		}
		out = append(out, "\r\n"...)
	}
	for _, h := range extra {
		out = append(out, h...)
		out = append(out, "\r\n"...)
	}
	out = append(out, "Server: "...)
	out = append(out, s.cfg.UserAgent...)
	out = append(out, "\r\nContent-Length: 0\r\n\r\n"...)
	return out
}

// statelessResponse counts a request the front door consumed and, unless
// code is 0 or the request is an ACK, has no readable top Via (viaOK
// false) or is unsafe to answer, appends to out the response code (see
// appendResponse). It reports whether it appended one to send.
func (s *Server) statelessResponse(out, data []byte, m *rawMsg, t topVia, viaOK bool, src netip.AddrPort, code int, reason string, extra ...string) ([]byte, bool) {
	if code == 0 || !viaOK || m.unsafe || m.isMethod(data, "ACK") {
		s.frontAnswered(data, m, 0)
		return out, false
	}
	s.frontAnswered(data, m, code)
	return s.appendResponse(out, data, m, t, src, code, reason, extra...), true
}

// eachHeader calls f with the kind and value of each header of a message
// scanned into m, in order.
func eachHeader(data []byte, m *rawMsg, f func(k hdrKind, v span)) {
	end := m.headersEnd - 2
	pos := bytes.Index(data, []byte("\r\n")) + 2
	kind, val := hOther, span{}
	for pos < end {
		le := pos + bytes.Index(data[pos:end], []byte("\r\n"))
		line := data[pos:le]
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			val.end = le
			pos = le + 2
			continue
		}
		if kind != hOther {
			f(kind, val)
		}
		kind = hOther
		if colon := bytes.IndexByte(line, ':'); colon > 0 {
			kind = headerKind(bytes.TrimRight(line[:colon], " \t"))
			val = span{pos + colon + 1, le}
		}
		pos = le + 2
	}
	if kind != hOther {
		f(kind, val)
	}
}

// hasTag reports whether a To value has a tag parameter (after the
// name-addr's '>', or after the addr-spec).
func hasTag(data []byte, v span) bool {
	val := data[v.start:v.end]
	from := 0
	if i := bytes.LastIndexByte(val, '>'); i >= 0 {
		from = i + 1
	}
	semi := bytes.IndexByte(val[from:], ';')
	if semi < 0 {
		return false
	}
	found := false
	forEachParam(data, span{v.start + from + semi, v.end}, func(name, _ span) {
		if equalFold(bytes.TrimSpace(data[name.start:name.end]), "tag") {
			found = true
		}
	})
	return found
}

// refusalFor returns the status and reason the front door answers a
// request from a trusted peer with, or 0 when the request may go on: 400
// for a header section it cannot read, a header RFC 3261 allows once given
// twice, or a CSeq whose method is not the request's (RFC 3261 section
// 8.1.1.5; RFC 4475 mismatch01), and 416 for a Request-URI whose scheme is
// not sip or sips (section 8.2.2.1; RFC 4475 unkscm, which sipgo's parser
// drops unanswered).
func refusalFor(data []byte, m *rawMsg) (int, string) {
	switch {
	case m.malformed != "":
		return 400, m.malformed
	case m.duplicate() != "":
		return 400, "Duplicate " + m.duplicate() + " Header"
	}
	method := data[m.method.start:m.method.end]
	if cm, ok := cseqMethod(data, m); ok && !bytes.Equal(cm, method) {
		return 400, "CSeq Method Does Not Match"
	}
	if scheme, ok := uriScheme(data, m); ok && !equalFold(scheme, "sip") && !equalFold(scheme, "sips") {
		return 416, "Unsupported URI Scheme"
	}
	return 0, ""
}

// cseqMethod returns the method of a request's CSeq, when it has one
// that reads as a number and a token.
func cseqMethod(data []byte, m *rawMsg) ([]byte, bool) {
	if m.count[hCSeq] == 0 {
		return nil, false
	}
	v := bytes.TrimFunc(data[m.first[hCSeq].start:m.first[hCSeq].end], func(r rune) bool { return r < 128 && isLWS(byte(r)) })
	i := 0
	for i < len(v) && '0' <= v[i] && v[i] <= '9' {
		i++
	}
	if i == 0 {
		return nil, false
	}
	j := i
	for j < len(v) && isLWS(v[j]) {
		j++
	}
	if j == i || j == len(v) {
		return nil, false
	}
	for _, c := range v[j:] {
		if !isToken(c) {
			return nil, false
		}
	}
	return v[j:], true
}

// uriScheme returns the scheme of a request's Request-URI, when it has
// one.
func uriScheme(data []byte, m *rawMsg) ([]byte, bool) {
	line := data[m.method.end:]
	if i := bytes.Index(line, []byte("\r\n")); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimLeft(line, " ")
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, false
	}
	for _, c := range line[:colon] {
		if !isToken(c) {
			return nil, false
		}
	}
	return line[:colon], true
}

// udpReply is where a stateless response over UDP goes.
func udpReply(t topVia, src netip.AddrPort) *net.UDPAddr {
	return net.UDPAddrFromAddrPort(netip.AddrPortFrom(src.Addr(), replyPort(t, src)))
}
