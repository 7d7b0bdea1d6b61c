package sip

import (
	"bytes"
	"net"
	"net/netip"
)

// frontPacketConn is the front door of a UDP socket: sipgo reads through
// it, and only datagrams from trusted peers that pass the checks reach
// sipgo; the others are answered (or dropped) here. Its ReadFrom is called
// by sipgo's single reader goroutine, which owns the scratch buffer.
type frontPacketConn struct {
	net.PacketConn
	s       *Server
	scratch []byte
}

// frontUDP puts the front door in front of pc.
func (s *Server) frontUDP(pc net.PacketConn) net.PacketConn {
	return &frontPacketConn{PacketConn: pc, s: s, scratch: make([]byte, 0, 4096)}
}

// ReadFrom returns the next datagram sipgo should see.
func (c *frontPacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil {
			return n, addr, err
		}
		ua, ok := addr.(*net.UDPAddr)
		if !ok {
			continue
		}
		ap := ua.AddrPort()
		src := netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		if n = c.datagram(b, n, src); n > 0 {
			return n, addr, nil
		}
	}
}

// datagram checks the datagram b[:n] from src. It answers or drops what
// sipgo must not see and returns 0, or returns the length of the datagram
// (its top Via annotated, a CANCEL renamed, headers sipgo would misread
// normalised, in place) for sipgo.
func (c *frontPacketConn) datagram(b []byte, n int, src netip.AddrPort) int {
	s := c.s
	data := b[:n]
	if len(bytes.Trim(data, "\r\n\x00")) == 0 {
		return 0 // keep-alive
	}
	m, err := scanMessage(data)
	if err != nil {
		s.log.Debug("front door: dropped a datagram that is not SIP", "source", src, "error", err)
		return 0
	}
	trusted := s.trustedAddr(src.Addr())
	auth := !trusted && s.authAddr(src.Addr()) // must authenticate: auth_server.go
	if !m.request {
		if !(trusted || auth) || m.malformed != "" {
			return 0
		}
		return n
	}
	var t topVia
	viaOK := false
	if m.count[hVia] > 0 {
		t, viaOK = parseTopVia(data, m.first[hVia])
	}
	ack := m.isMethod(data, "ACK")
	if !trusted && !auth {
		code := 403
		if ack || !viaOK || m.unsafe || s.cfg.DropUntrusted {
			code = 0
		}
		s.log.Debug("front door: request from an untrusted peer", "source", src, "transport", "UDP", "answered", code)
		c.reply(data, &m, t, viaOK, src, code, "Forbidden (Untrusted Peer)")
		return 0
	}
	code, reason := refusalFor(data, &m)
	if code == 0 && m.contentLength > n-m.headersEnd {
		code, reason = 400, "Content-Length Exceeds Datagram" // RFC 3261 section 18.3
	}
	if code == 0 && m.count[hVia] > 0 && !viaOK {
		s.log.Debug("front door: dropped a request with an unreadable Via", "source", src)
		return 0
	}
	var extra []string
	if code == 0 && auth {
		if code, reason, extra = s.authGate(data, &m, t, src, true); code < 0 {
			s.frontAnswered(data, &m, 0)
			return 0
		}
	}
	if code != 0 {
		s.log.Debug("front door: refused a request", "source", src, "transport", "UDP", "status", code, "reason", reason)
		c.reply(data, &m, t, viaOK, src, code, reason, extra...)
		return 0
	}
	if !ack && !c.admit(data, &m, t, src, viaOK) {
		return 0
	}
	norm := needsNormalizing(data, &m, t, viaOK)
	if !norm && !m.isMethod(data, "CANCEL") && (!viaOK || !needsAnnotation(data, t, src)) {
		return n
	}
	out := prepareRequest(c.scratch[:0], data, &m, t, viaOK, norm, src)
	c.scratch = out[:0]
	if len(out) > len(b) {
		s.log.Debug("front door: dropped a datagram too large to annotate", "source", src, "size", n)
		return 0
	}
	return copy(b, out)
}

// reply counts the request data the front door consumed and sends it a
// stateless response, when statelessResponse makes one.
func (c *frontPacketConn) reply(data []byte, m *rawMsg, t topVia, viaOK bool, src netip.AddrPort, code int, reason string, extra ...string) {
	out, ok := c.s.statelessResponse(c.scratch[:0], data, m, t, viaOK, src, code, reason, extra...)
	c.scratch = out[:0]
	if !ok {
		return
	}
	if _, err := c.PacketConn.WriteTo(out, udpReply(t, src)); err != nil {
		c.s.log.Debug("front door: cannot send a response", "source", src, "error", err)
	}
}

// admit applies ServerConfig.MaxUDPTransactions to a request (not an ACK)
// that is about to go to sipgo: it counts it and reports true, or answers
// it 503 statelessly and reports false. A retransmission is counted again
// (recognising it would take state per request), which only errs on the
// safe side.
func (c *frontPacketConn) admit(data []byte, m *rawMsg, t topVia, src netip.AddrPort, viaOK bool) bool {
	s := c.s
	ok, retry, logNow := s.front.udp.admit(func() bool { return s.inExistingDialog(data, m) })
	if ok {
		return true
	}
	if logNow {
		count, refused := s.front.udp.counts()
		s.log.Warn("front door: UDP transaction cap reached, new requests answered 503",
			"max_udp_transactions", s.cfg.MaxUDPTransactions, "counted", count, "refused_total", refused, "source", src)
	}
	c.reply(data, m, t, viaOK, src, 503, "Service Unavailable (Too Many Transactions)", retryAfter(retry))
	return false
}
