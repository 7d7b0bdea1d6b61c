package sip

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Peer classes and the rules of digest authentication on the server.
//
// A peer is trusted (ServerConfig.TrustedPeers, TrustedSubjects): it
// vouches for the identity in From, as a proxy does. A peer in AuthPeers
// (and not trusted) must authenticate. Any other peer is refused by the
// front door (403, or nothing with DropUntrusted).
//
// For a peer that must authenticate, the front door decides every
// request statelessly, before sipgo sees it (so before any transaction or
// dialog exists):
//
//   - A request outside a dialog (no To tag) other than ACK and CANCEL
//     must carry digest credentials for the realm, qop=auth, answering a
//     nonce of ours issued to the same address and not expired, for the
//     user of its From URI. Without them, or with a wrong password or an
//     unknown user, it gets the same 401 with a fresh challenge (SHA-256
//     first, then MD5). Correct credentials with an expired nonce get 401
//     with stale=true. Correct credentials of another user than From's get
//     403. A nonce-count not above the last one accepted with that nonce
//     (a replay) gets 401 with stale=true; over UDP, a retransmission
//     (same count, same Via branch, within 64*T1) passes, for the
//     transaction layer to absorb. Over TCP and TLS the same request sent
//     again is a replay.
//   - A request in a dialog (a To tag) passes only when the tag names a
//     dialog opened by digest authentication from the same IP address;
//     otherwise it gets 481 (an ACK is dropped). In-dialog requests are
//     not challenged again: the dialog stays bound to the user who opened
//     it, and nobody else (no other address, no trusted-peer dialog, no
//     other authenticated user) can use it. Its identifiers include our
//     random 128-bit tag.
//   - CANCEL cannot be challenged (RFC 3261 section 22.1): it passes, for
//     sipgo to match with its INVITE, only when it names (by peer address
//     and Via branch) an INVITE the front door authenticated in the last
//     64*T1; any other gets 481 statelessly.
//
// The exchange checks the same again from the parsed request (without
// the lifetime and replay checks the front door made) and binds the
// dialog it opens to the authenticated user and address.

// authOutcome is what authorize decided.
type authOutcome uint8

const (
	authNotApplicable authOutcome = iota // the peer is not one that must authenticate
	authAccepted
	authDenied // refused, answered (or, an ACK, dropped)
)

// authAddr reports whether a peer address must authenticate (and is not
// trusted).
func (s *Server) authAddr(a netip.Addr) bool {
	if s.auth == nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.cfg.AuthPeers {
		if p.Contains(a) {
			return !s.trustedAddr(a)
		}
	}
	return false
}

// boundTo reports whether the dialog with our tag was opened through
// digest authentication from peer.
func (s *Server) boundTo(tag string, peer netip.Addr) (authBinding, bool) {
	s.mu.Lock()
	d := s.dialogs[tag]
	s.mu.Unlock()
	if d == nil || !d.auth.peer.IsValid() || d.auth.peer != peer.Unmap() {
		return authBinding{}, false
	}
	return d.auth, true
}

// authorize decides a request from a peer that is not trusted: it
// accepts it (x.auth set), refuses it (answered), or reports that the peer
// is not one that may authenticate.
func (x *exchange) authorize() authOutcome {
	s, req := x.srv, x.req
	ap := addrPort(req.Source())
	if !ap.IsValid() || !s.authAddr(ap.Addr()) {
		return authNotApplicable
	}
	peer := ap.Addr().Unmap()
	if req.Method == sipmsg.CANCEL || req.Method == cancelMethod {
		return authAccepted
	}
	to, from := req.To(), req.From()
	if to == nil || from == nil {
		x.refuse(400, "Missing From or To")
		return authDenied
	}
	if tag, ok := to.Params.Get("tag"); ok && tag != "" {
		if b, ok := s.boundTo(tag, peer); ok {
			x.auth = b
			return authAccepted
		}
		if !req.IsAck() {
			x.refuse(481, "")
		}
		return authDenied
	}
	if req.IsAck() {
		return authDenied
	}
	var authz []string
	for _, h := range req.GetHeaders("Authorization") {
		authz = append(authz, h.Value())
	}
	v := s.auth.verify(&authRequest{
		method:   string(req.Method),
		authz:    authz,
		fromUser: from.Address.User,
		fromHost: hostWithPort(&from.Address),
		peer:     peer,
		recheck:  true,
	}, s.auth.now())
	if v.status != 0 {
		var hdrs []sipmsg.Header
		if v.status == 401 {
			for _, c := range s.auth.challenges(peer, v.stale) {
				hdrs = append(hdrs, sipmsg.NewHeader("WWW-Authenticate", c))
			}
		}
		x.refuse(v.status, v.reason, hdrs...)
		return authDenied
	}
	x.auth = authBinding{user: v.user, peer: peer}
	return authAccepted
}

// hostWithPort returns host[:port] of a URI.
func hostWithPort(u *sipmsg.Uri) string {
	if u.Port > 0 {
		return u.Host + ":" + strconv.Itoa(u.Port)
	}
	return u.Host
}

// authGate is the front door's decision on a request from a peer that
// must authenticate (see the rules above), received over UDP or not: 0
// passes it to sipgo, -1 drops it, a status answers it statelessly with
// the given extra header lines.
func (s *Server) authGate(data []byte, m *rawMsg, t topVia, src netip.AddrPort, udp bool) (code int, reason string, extra []string) {
	peer := src.Addr().Unmap()
	if m.isMethod(data, "CANCEL") {
		if s.auth.invites.has(peer, viaBranch(data, t), s.auth.now()) {
			return 0, "", nil
		}
		return 481, statusText(481), nil
	}
	ack := m.isMethod(data, "ACK")
	if m.count[hTo] == 0 || m.count[hFrom] == 0 {
		if ack {
			return -1, "", nil
		}
		return 400, "Missing From or To", nil
	}
	var to, from sipmsg.Uri
	var toParams, fromParams sipmsg.HeaderParams
	_, errTo := sipmsg.ParseAddressValue(strings.TrimSpace(string(data[m.first[hTo].start:m.first[hTo].end])), &to, &toParams)
	_, errFrom := sipmsg.ParseAddressValue(strings.TrimSpace(string(data[m.first[hFrom].start:m.first[hFrom].end])), &from, &fromParams)
	if errTo != nil || errFrom != nil {
		if ack {
			return -1, "", nil
		}
		return 400, "Bad From or To", nil
	}
	if tag, ok := toParams.Get("tag"); ok && tag != "" {
		if _, ok := s.boundTo(tag, peer); ok {
			return 0, "", nil
		}
		if ack {
			return -1, "", nil
		}
		return 481, statusText(481), nil
	}
	if ack {
		return -1, "", nil
	}
	ar := &authRequest{
		method:   string(data[m.method.start:m.method.end]),
		uri:      requestURI(data),
		authz:    rawHeaderValues(data, m, "authorization"),
		fromUser: from.User,
		fromHost: hostWithPort(&from),
		peer:     peer,
	}
	if udp {
		ar.branch = viaBranch(data, t) // retransmissions are UDP's only
	}
	v := s.auth.verify(ar, s.auth.now())
	switch v.status {
	case 0:
		if m.isMethod(data, "INVITE") {
			s.auth.invites.add(peer, viaBranch(data, t), s.auth.now())
		}
		return 0, "", nil
	case 401:
		for _, c := range s.auth.challenges(peer, v.stale) {
			extra = append(extra, "WWW-Authenticate: "+c)
		}
	}
	s.log.Debug("front door: digest authentication refused", "source", src, "status", v.status, "stale", v.stale)
	return v.status, v.reason, extra
}

// requestURI returns the Request-URI of a request as sent.
func requestURI(data []byte) string {
	line := data[:bytes.Index(data, []byte("\r\n"))]
	sp1 := bytes.IndexByte(line, ' ')
	sp2 := bytes.LastIndexByte(line, ' ')
	if sp1 < 0 || sp2 <= sp1 {
		return ""
	}
	return string(bytes.TrimSpace(line[sp1+1 : sp2]))
}

// rawHeaderValues returns the values of the headers named name (lower
// case, no compact form) of a message scanned into m, folded lines joined.
func rawHeaderValues(data []byte, m *rawMsg, name string) []string {
	var out []string
	end := m.headersEnd - 2
	pos := bytes.Index(data, []byte("\r\n")) + 2
	cur := -1
	for pos < end {
		le := pos + bytes.Index(data[pos:end], []byte("\r\n"))
		line := data[pos:le]
		pos = le + 2
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if cur >= 0 {
				out[cur] += " " + string(bytes.TrimSpace(line))
			}
			continue
		}
		cur = -1
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !equalFold(bytes.TrimRight(line[:colon], " \t"), name) {
			continue
		}
		out = append(out, string(bytes.TrimSpace(line[colon+1:])))
		cur = len(out) - 1
	}
	return out
}

// viaBranch returns the branch parameter of the top Via t.
func viaBranch(data []byte, t topVia) string {
	branch := ""
	forEachParam(data, t.params, func(name, whole span) {
		if equalFold(bytes.TrimSpace(data[name.start:name.end]), "branch") && name.end < whole.end {
			branch = string(bytes.TrimSpace(data[name.end+1 : whole.end]))
		}
	})
	return branch
}
