package sip

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// frontListener is the front door of a TCP or TLS listener. Its own
// goroutine accepts connections, applies the caps, runs the TLS handshake
// under HandshakeTimeout and decides trust; sipgo's Accept gets only
// connections from trusted peers, wrapped in a frontConn. Connections from
// untrusted peers are served here (403 to every request) and never reach
// sipgo.
type frontListener struct {
	net.Listener
	s         *Server
	transport string      // "TCP" or "TLS"
	tlsConfig *tls.Config // TLS only

	ready chan net.Conn
	done  chan struct{}
	once  sync.Once

	mu  sync.Mutex
	own map[net.Conn]struct{} // connections not handed to sipgo
}

// frontListen puts the front door in front of l; tlsConfig is nil for TCP.
func (s *Server) frontListen(l net.Listener, tlsConfig *tls.Config) *frontListener {
	fl := &frontListener{
		Listener:  l,
		s:         s,
		transport: "TCP",
		tlsConfig: tlsConfig,
		ready:     make(chan net.Conn),
		done:      make(chan struct{}),
		own:       make(map[net.Conn]struct{}),
	}
	if tlsConfig != nil {
		fl.transport = "TLS"
	}
	go fl.acceptLoop()
	return fl
}

// Accept returns the next connection from a trusted peer.
func (fl *frontListener) Accept() (net.Conn, error) {
	select {
	case c := <-fl.ready:
		return c, nil
	case <-fl.done:
		return nil, net.ErrClosed
	}
}

// Close closes the listener and the connections it has not handed on.
func (fl *frontListener) Close() error {
	var err error
	fl.once.Do(func() {
		close(fl.done)
		err = fl.Listener.Close()
		fl.mu.Lock()
		for c := range fl.own {
			c.Close()
		}
		fl.mu.Unlock()
	})
	return err
}

// track registers (or, with add false, forgets) a connection the listener
// must close when it closes. It reports false when the listener is closed.
func (fl *frontListener) track(c net.Conn, add bool) bool {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if !add {
		delete(fl.own, c)
		return true
	}
	select {
	case <-fl.done:
		return false
	default:
	}
	fl.own[c] = struct{}{}
	return true
}

// acceptLoop accepts connections until the listener closes. Errors that
// may pass (too many open files, say) are retried with a growing pause
// rather than ending the server.
func (fl *frontListener) acceptLoop() {
	pause := 5 * time.Millisecond
	for {
		c, err := fl.Listener.Accept()
		if err != nil {
			select {
			case <-fl.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				fl.Close()
				return
			}
			fl.s.log.Warn("front door: accept failed", "transport", fl.transport, "error", err, "retry", pause)
			select {
			case <-time.After(pause):
			case <-fl.done:
				return
			}
			pause = min(2*pause, time.Second)
			continue
		}
		pause = 5 * time.Millisecond
		fl.admit(c)
	}
}

// admit applies the caps to a new connection and starts serving it.
func (fl *frontListener) admit(c net.Conn) {
	s := fl.s
	ap := addrPort(c.RemoteAddr().String())
	trusted := s.trustedAddr(ap.Addr())
	mayTrust := trusted || s.authAddr(ap.Addr()) || (fl.tlsConfig != nil && len(s.cfg.TrustedSubjects) > 0)
	if !mayTrust && s.cfg.DropUntrusted {
		s.log.Debug("front door: closed a connection from an untrusted peer", "source", ap, "transport", fl.transport)
		c.Close()
		return
	}
	if !s.admitConn(ap.Addr(), trusted) {
		s.log.Debug("front door: connection cap reached", "source", ap, "transport", fl.transport)
		c.Close()
		return
	}
	if !fl.track(c, true) {
		c.Close()
		s.releaseConn(ap.Addr(), trusted)
		return
	}
	go fl.serve(c, ap, trusted)
}

// serve finishes the TLS handshake, decides trust and hands the
// connection to sipgo or serves it here.
func (fl *frontListener) serve(c net.Conn, ap netip.AddrPort, trusted bool) {
	s := fl.s
	release := func() { s.releaseConn(ap.Addr(), trusted) }
	var conn net.Conn = c
	if fl.tlsConfig != nil {
		tc := tls.Server(c, fl.tlsConfig)
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.HandshakeTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			s.log.Debug("front door: TLS handshake failed", "source", ap, "error", err)
			fl.track(c, false)
			c.Close()
			release()
			return
		}
		if !trusted {
			st := tc.ConnectionState()
			if s.trustedCert(&st) {
				s.promoteConn()
				trusted = true
			}
		}
		conn = tc
	}
	fc := &frontConn{Conn: conn, s: s, src: ap, transport: fl.transport, trusted: trusted, release: release}
	fc.auth = !trusted && s.authAddr(ap.Addr())
	fc.touch()
	if !trusted && !fc.auth {
		if !s.cfg.DropUntrusted {
			for fc.frame() == nil {
			}
		}
		fl.track(c, false)
		fc.Close()
		return
	}
	select {
	case fl.ready <- fc:
		fl.track(c, false)
	case <-fl.done:
		fl.track(c, false)
		fc.Close()
	}
}

// frontConn is a connection from a peer as the front door serves it. For
// a trusted peer sipgo reads from it and gets whole, checked messages;
// for an untrusted one the front door answers every request itself.
// Read is called from one goroutine at a time; Write and Close may be
// called from any.
type frontConn struct {
	net.Conn
	s         *Server
	src       netip.AddrPort
	transport string
	trusted   bool
	auth      bool // not trusted, must authenticate (auth_server.go)
	passed    bool // a request of an auth peer has passed the front door
	release   func()

	buf      []byte // bytes received and not yet framed
	out      []byte // framed bytes sipgo has yet to read
	outBuf   []byte
	skip     int       // body bytes of a refused message still to discard
	msgStart time.Time // when the message being received began; zero between messages

	active    atomic.Int64 // unix nanoseconds of the last read or write
	closeOnce sync.Once
}

// errConnDone ends a connection the front door closed.
var errConnDone = errors.New("connection closed by the front door")

// touch records activity.
func (c *frontConn) touch() { c.active.Store(time.Now().UnixNano()) }

// Read gives sipgo the next bytes of checked messages. Every error is
// reported as io.EOF, which sipgo takes quietly; the reason is logged
// here at debug level.
func (c *frontConn) Read(b []byte) (int, error) {
	for len(c.out) == 0 {
		if err := c.frame(); err != nil {
			return 0, io.EOF
		}
	}
	n := copy(b, c.out)
	c.out = c.out[n:]
	return n, nil
}

// Write writes to the peer and counts as activity for the idle timeout.
func (c *frontConn) Write(b []byte) (int, error) {
	c.touch()
	return c.Conn.Write(b)
}

// SetReadDeadline does nothing: the front door sets the read deadlines
// (idle and complete-message timeouts) itself.
func (c *frontConn) SetReadDeadline(time.Time) error { return nil }

// SetDeadline sets only the write deadline; see SetReadDeadline.
func (c *frontConn) SetDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(t) }

// Close closes the connection and gives back its slot. Closing it again
// does nothing (the front door may have closed it before sipgo does).
func (c *frontConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		err = c.Conn.Close()
		c.release()
	})
	return err
}

// ConnectionState returns the TLS state of a TLS connection (the zero
// value otherwise).
func (c *frontConn) ConnectionState() tls.ConnectionState {
	if tc, ok := c.Conn.(*tls.Conn); ok {
		return tc.ConnectionState()
	}
	return tls.ConnectionState{}
}

// maxMessage is the largest message the front door frames: sipgo's parser
// limit (see newParser).
func (c *frontConn) maxMessage() int { return c.s.cfg.MaxBodySize + 32<<10 }

// frame reads until one message is framed: for a trusted peer it is put
// in c.out for sipgo, unless it is refused; for an untrusted one it is
// answered. An error ends the connection (it is then closed).
func (c *frontConn) frame() error {
	for {
		if err := c.discard(); err != nil {
			return err
		}
		if len(c.buf) > 0 && c.keepAlive() {
			continue
		}
		if len(bytes.Trim(c.buf, "\r\n")) == 0 {
			// Nothing yet, or part of a keep-alive: still idle.
			if len(c.buf) > 4 {
				return c.fail("not SIP")
			}
			if err := c.fill(); err != nil {
				return err
			}
			continue
		}
		if c.msgStart.IsZero() {
			c.msgStart = time.Now()
		}
		m, err := scanMessage(c.buf)
		switch {
		case errors.Is(err, errIncomplete):
			if len(c.buf) > maxHeaderSection {
				return c.fail("header section too large")
			}
			if err := c.fill(); err != nil {
				return err
			}
			continue
		case err != nil:
			return c.fail("not SIP")
		}
		if m.malformed == "Bad Content-Length" || m.malformed == "Conflicting Content-Length" {
			// No way to know where the next message starts.
			c.refuse(&m, 400, m.malformed)
			return c.fail(m.malformed)
		}
		body := max(m.contentLength, 0)
		if m.headersEnd+body > c.maxMessage() {
			c.refuse(&m, 513, "Message Too Large")
			return c.fail("message too large")
		}
		if !c.trusted && !c.auth {
			c.refuse(&m, 403, "Forbidden (Untrusted Peer)")
			c.consume(m.headersEnd, body)
			return nil
		}
		if len(c.buf) < m.headersEnd+body {
			if err := c.fill(); err != nil {
				return err
			}
			continue
		}
		if m.contentLength < 0 && m.malformed == "" {
			// RFC 3261 section 18.3: required on a stream; sipgo would
			// close the connection.
			m.malformed = "Missing Content-Length"
		}
		var t topVia
		viaOK := false
		if m.request {
			if code, reason := refusalFor(c.buf, &m); code != 0 {
				c.refuse(&m, code, reason)
				c.consume(m.headersEnd, body)
				return nil
			}
			t, viaOK = parseTopVia(c.buf, m.first[hVia])
			viaOK = viaOK && m.count[hVia] > 0
			if m.count[hVia] > 0 && !viaOK {
				// No address to answer to that sipgo and we read alike.
				c.s.log.Debug("front door: dropped a request with an unreadable Via", "source", c.src)
				c.s.frontAnswered(c.buf, &m, 0)
				c.consume(m.headersEnd, body)
				return nil
			}
			if c.auth {
				if code, reason, extra := c.s.authGate(c.buf[:m.headersEnd+body], &m, t, c.src, false); code != 0 {
					if code > 0 {
						c.refuse(&m, code, reason, extra...)
					} else {
						c.s.frontAnswered(c.buf, &m, 0)
					}
					c.consume(m.headersEnd, body)
					return nil
				}
			}
		} else if m.malformed != "" {
			c.consume(m.headersEnd, body) // a response sipgo could not read
			return nil
		}
		c.pass(&m, m.headersEnd+body, t, viaOK)
		return nil
	}
}

// keepAlive consumes CRLF keep-alives between messages (RFC 5626 section
// 3.5.1), answering a double CRLF with a CRLF. It reports whether it
// consumed anything.
func (c *frontConn) keepAlive() bool {
	switch {
	case bytes.HasPrefix(c.buf, []byte("\r\n\r\n")):
		c.buf = c.buf[:copy(c.buf, c.buf[4:])]
		if c.trusted || c.auth {
			c.Write([]byte("\r\n"))
		}
		return true
	case bytes.HasPrefix(c.buf, []byte("\r\n")) && (len(c.buf) > 2 && c.buf[2] != '\r'):
		c.buf = c.buf[:copy(c.buf, c.buf[2:])]
		return true
	}
	return false
}

// pass hands the first n bytes of the buffer, a message from a trusted
// peer, to sipgo, with its top Via (t, when viaOK) annotated (and a
// CANCEL renamed, see appendRequest, and headers sipgo would misread
// normalised, see prepareRequest).
func (c *frontConn) pass(m *rawMsg, n int, t topVia, viaOK bool) {
	data := c.buf[:n]
	out := c.outBuf[:0]
	if m.request {
		out = prepareRequest(out, data, m, t, viaOK, needsNormalizing(data, m, t, viaOK), c.src)
	} else {
		out = append(out, data...)
	}
	c.outBuf = out[:0]
	c.out = out
	c.passed = c.passed || (c.auth && m.request && !m.isMethod(data, "CANCEL"))
	c.consume(n, 0)
}

// refuse answers a request statelessly on the connection; ACKs and
// responses get nothing.
func (c *frontConn) refuse(m *rawMsg, code int, reason string, extra ...string) {
	s := c.s
	if !m.request {
		return
	}
	data := c.buf
	t, ok := topVia{}, false
	if m.count[hVia] > 0 {
		t, ok = parseTopVia(data, m.first[hVia])
	}
	if !c.trusted && !c.auth {
		code, reason = 403, "Forbidden (Untrusted Peer)"
		if s.cfg.DropUntrusted {
			code = 0
		}
	}
	out, answered := s.statelessResponse(c.outBuf[:0], data, m, t, ok, c.src, code, reason, extra...)
	c.outBuf = out[:0]
	if !answered {
		return
	}
	s.log.Debug("front door: refused a request", "source", c.src, "transport", c.transport, "status", code, "reason", reason)
	c.Write(out)
}

// consume drops a framed message of n buffered bytes and skip body bytes
// (some of which may not have arrived yet).
func (c *frontConn) consume(n, skip int) {
	c.skip = skip
	c.buf = c.buf[:copy(c.buf, c.buf[n:])]
	c.msgStart = time.Time{}
	if cap(c.buf) > 16<<10 && len(c.buf) < 4<<10 {
		c.buf = append([]byte(nil), c.buf...) // let a large buffer go
	}
}

// discard drops body bytes of a refused message.
func (c *frontConn) discard() error {
	for c.skip > 0 {
		if len(c.buf) == 0 {
			if err := c.fill(); err != nil {
				return err
			}
		}
		n := min(c.skip, len(c.buf))
		c.buf = c.buf[:copy(c.buf, c.buf[n:])]
		c.skip -= n
		if c.skip == 0 {
			c.msgStart = time.Time{}
		} else if c.msgStart.IsZero() {
			c.msgStart = time.Now()
		}
	}
	return nil
}

// fill reads more bytes, under the complete-message timeout while a
// message is being received and the idle timeout between messages.
func (c *frontConn) fill() error {
	s := c.s
	idle := s.cfg.IdleTimeout
	if !c.trusted && !c.passed {
		// An auth peer gets the full idle timeout once a request of its
		// passed (was authenticated, or belongs to its dialog).
		idle = min(idle, s.cfg.MessageTimeout)
	}
	if len(c.buf) == cap(c.buf) {
		c.buf = append(c.buf, make([]byte, max(4096, len(c.buf)))...)[:len(c.buf)]
	}
	for {
		var deadline time.Time
		if c.msgStart.IsZero() && c.skip == 0 {
			deadline = time.Unix(0, c.active.Load()).Add(idle)
		} else {
			deadline = c.msgStart.Add(s.cfg.MessageTimeout)
		}
		if err := c.Conn.SetReadDeadline(deadline); err != nil {
			return c.fail("set deadline: " + err.Error())
		}
		n, err := c.Conn.Read(c.buf[len(c.buf):cap(c.buf)])
		if n > 0 {
			c.buf = c.buf[:len(c.buf)+n]
			c.touch()
			return nil
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if c.msgStart.IsZero() && c.skip == 0 && time.Since(time.Unix(0, c.active.Load())) < idle {
				continue // something was written meanwhile
			}
			if c.msgStart.IsZero() && c.skip == 0 {
				return c.fail("idle timeout")
			}
			return c.fail("incomplete message timeout")
		}
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
			return c.fail("closed")
		}
		return c.fail(err.Error())
	}
}

// fail closes the connection for a reason and returns errConnDone.
func (c *frontConn) fail(reason string) error {
	c.s.log.Debug("front door: connection ends", "source", c.src, "transport", c.transport, "reason", reason)
	c.Close()
	return errConnDone
}
