package sip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/rcc-go/rcc/internal/growstack"
)

// Server is the gateway side of TR/87: it takes CSTA application sessions
// from desktop clients over SIP and hands them to a [Handler]. Create it
// with [NewServer], serve one or more listeners, and stop it with
// [Server.Shutdown]. Its methods are safe for concurrent use.
type Server struct {
	stack
	cfg ServerConfig
	log *slog.Logger

	obs Observer // the configured hooks; the zero Observer without one

	// eventsOvertake turns off holding events back while a client request
	// is being handled, for tests of clients that must cope with events
	// that overtake answers (as a proxy's workers may reorder them).
	eventsOvertake atomic.Bool

	mu        sync.Mutex
	closing   bool
	dialogs   map[string]*dialog // by our tag
	listeners map[io.Closer]struct{}
	local     map[string]*endpoint // by transport, the first listener served

	opening cancelSet // Handler.Open calls
	invMu   sync.Mutex
	invites map[string]*inviteCtl // INVITEs being opened, for their CANCEL (see cancel.go)
	byes    cancelSet             // BYE requests
	dead    atomic.Bool           // the user agent is closed: handle nothing more

	handlers gate // request handlers running
	workers  gate // event senders and BYE requests running
	serving  gate // Serve calls running

	stats counters
	front frontDoor      // see frontdoor.go
	auth  *authenticator // digest authentication; nil without AuthPeers
}

// endpoint is what the server tells peers about one of its transports.
type endpoint struct {
	via     viaAddr
	contact *sipmsg.ContactHeader
	laddr   sipmsg.Addr // UDP: the listener, so requests leave from it
}

// NewServer validates cfg and returns a server ready to serve listeners.
func NewServer(cfg ServerConfig) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "sip")
	st, err := newStack(cfg.UserAgent, cfg.MaxBodySize, cfg.UDPMaxMessageSize, cfg.TLSConfig, log, serverStackOptions()...)
	if err != nil {
		return nil, err
	}
	s := &Server{
		stack:     st,
		cfg:       cfg,
		log:       log,
		dialogs:   make(map[string]*dialog),
		listeners: make(map[io.Closer]struct{}),
		local:     make(map[string]*endpoint),
	}
	s.initFront()
	s.auth = newAuthenticator(&cfg)
	if cfg.Observer != nil {
		s.obs = *cfg.Observer
	}

	for _, on := range []func(sipgo.RequestHandler){
		s.sgs.OnInvite, s.sgs.OnAck, s.sgs.OnBye, s.sgs.OnCancel,
		s.sgs.OnInfo, s.sgs.OnOptions, s.sgs.OnNoRoute,
	} {
		on(s.handle)
	}
	return s, nil
}

// handle serves one request: it counts it, tracks its handler so
// Shutdown can wait for it, and hands its exchange to the handler of its
// method; the exchange reports the request to the observer when the
// handler returns. The handlers are called directly, so the exchange stays
// on this goroutine's stack.
func (s *Server) handle(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if s.dead.Load() {
		closeConn(tx)
		return
	}
	// One stack growth now, while the stack is shallow, rather than
	// several on the way down to the CTI link.
	growstack.Grow()
	var anchor growstack.Anchor
	anchor.Set()
	s.handlers.enter()
	defer s.handlers.leave()
	s.stats.request(methodName(req))
	x := exchange{srv: s, req: req, tx: tx, start: time.Now()}
	defer x.finish()
	// sipgo routes by the method as sent; the methods not registered
	// (sipgo's no-route handler) are the others.
	switch req.Method {
	case sipmsg.INVITE:
		s.onInvite(&x)
	case sipmsg.ACK:
		s.onAck(&x)
	case sipmsg.BYE:
		s.onBye(&x)
	case sipmsg.CANCEL, cancelMethod:
		s.onCancel(&x)
	case sipmsg.INFO:
		s.onInfo(&x)
	case sipmsg.OPTIONS:
		s.onOptions(&x)
	case sipmsg.UPDATE:
		s.onUpdate(&x)
	default:
		s.onOther(&x)
	}
	anchor.Check() // the path fitted in the room Grow made
}

// closeConn closes the connection of a request that came in as the server
// closed: sipgo may have opened it just for the answer after the server
// had closed the others (a request read just before a listener closed is
// handled in its own goroutine), and nothing else would close it.
func closeConn(tx sipmsg.ServerTransaction) {
	if t, ok := tx.(interface{ Connection() sipmsg.Connection }); ok && t.Connection() != nil {
		t.Connection().Close()
	}
}

// ServeUDP serves SIP on pc until Shutdown, and then returns
// ErrServerClosed. It sets the socket buffers to ServerConfig.UDPReadBuffer
// when pc supports it. The server's requests over UDP leave from the first
// packet conn served.
func (s *Server) ServeUDP(pc net.PacketConn) error {
	if sb, ok := pc.(interface {
		SetReadBuffer(int) error
		SetWriteBuffer(int) error
	}); ok && s.cfg.UDPReadBuffer > 0 {
		if err := sb.SetReadBuffer(s.cfg.UDPReadBuffer); err != nil {
			s.log.Warn("cannot set UDP receive buffer", "size", s.cfg.UDPReadBuffer, "error", err)
		}
		if err := sb.SetWriteBuffer(s.cfg.UDPReadBuffer); err != nil {
			s.log.Warn("cannot set UDP send buffer", "size", s.cfg.UDPReadBuffer, "error", err)
		}
	}
	return s.serve("UDP", pc, pc.LocalAddr(), func() error { return s.sgs.ServeUDP(s.frontUDP(pc)) })
}

// ServeTCP serves SIP on l until Shutdown, and then returns
// ErrServerClosed. Writes on the connections it accepts are bounded by
// ServerConfig.WriteTimeout.
func (s *Server) ServeTCP(l net.Listener) error {
	wl := writeTimeoutListener{Listener: l, timeout: s.cfg.WriteTimeout}
	fl := s.frontListen(wl, nil)
	return s.serve("TCP", fl, l.Addr(), func() error { return s.sgs.ServeTCP(fl) })
}

// ServeTLS serves SIP over TLS on l, a plain TCP listener that ServeTLS
// wraps with ServerConfig.TLSConfig, until Shutdown, and then returns
// ErrServerClosed. Writes on the connections it accepts are bounded by
// ServerConfig.WriteTimeout.
func (s *Server) ServeTLS(l net.Listener) error {
	if s.cfg.TLSConfig == nil {
		l.Close()
		return errors.New("sip: ServeTLS needs ServerConfig.TLSConfig")
	}
	fl := s.frontListen(writeTimeoutListener{Listener: l, timeout: s.cfg.WriteTimeout}, s.cfg.TLSConfig)
	return s.serve("TLS", fl, l.Addr(), func() error { return s.sgs.ServeTLS(fl) })
}

// ListenAndServe listens on addr ("host:port") with network "udp", "tcp"
// or "tls" ("udp4", "tcp6" and so on select the IP version) and serves it
// until ctx is done, when it closes the listener and returns ctx's error,
// or until Shutdown, when it returns ErrServerClosed.
func (s *Server) ListenAndServe(ctx context.Context, network, addr string) error {
	network = strings.ToLower(network)
	var (
		closer io.Closer
		serve  func() error
	)
	base := strings.TrimRight(network, "46")
	version := network[len(base):]
	switch base {
	case "udp":
		pc, err := net.ListenPacket("udp"+version, addr)
		if err != nil {
			return fmt.Errorf("sip: %w", err)
		}
		closer, serve = pc, func() error { return s.ServeUDP(pc) }
	case "tcp", "tls":
		l, err := net.Listen("tcp"+version, addr)
		if err != nil {
			return fmt.Errorf("sip: %w", err)
		}
		closer, serve = l, func() error { return s.ServeTCP(l) }
		if base == "tls" {
			serve = func() error { return s.ServeTLS(l) }
		}
	default:
		return fmt.Errorf("sip: unsupported network %q", network)
	}
	stop := context.AfterFunc(ctx, func() { closer.Close() })
	defer stop()
	defer closer.Close()
	err := serve()
	if ctx.Err() != nil && !errors.Is(err, ErrServerClosed) {
		return ctx.Err()
	}
	return err
}

// serve registers a listener, runs sipgo's serve loop and maps its end.
func (s *Server) serve(transport string, l io.Closer, addr net.Addr, run func() error) error {
	ep, err := s.endpointFor(transport, addr)
	if err != nil {
		l.Close()
		return err
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	if _, ok := s.local[transport]; !ok {
		s.local[transport] = ep
	}
	s.serving.enter()
	s.mu.Unlock()
	defer s.serving.leave()
	s.log.Info("serving SIP", "transport", transport, "addr", addr.String())

	err = run()
	s.mu.Lock()
	closing := s.closing
	delete(s.listeners, l)
	s.mu.Unlock()
	if closing {
		return ErrServerClosed
	}
	if err == nil {
		return errors.New("sip: listener closed")
	}
	return fmt.Errorf("sip: %w", err)
}

// endpointFor works out the Contact and Via of a listener.
func (s *Server) endpointFor(transport string, addr net.Addr) (*endpoint, error) {
	host, port, err := splitHostPort(addr.String())
	if err != nil {
		return nil, fmt.Errorf("sip: listener address: %w", err)
	}
	ep := &endpoint{}
	if transport == "UDP" {
		ep.laddr = sipmsg.Addr{IP: net.ParseIP(host), Port: port}
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = ""
	}
	if s.cfg.ContactHost != "" {
		host = s.cfg.ContactHost
	}
	if host == "" {
		if host, err = os.Hostname(); err != nil || host == "" {
			return nil, errors.New("sip: listener is bound to an unspecified address and the host name is unknown: set ServerConfig.ContactHost")
		}
		s.log.Warn("listener bound to an unspecified address: using the host name in Contact; set ContactHost", "host", host)
	}
	ep.via = viaAddr{host: host, port: port}
	ep.contact = contactHeader(s.cfg.ContactUser, host, port, transport)
	return ep, nil
}

// Shutdown stops the server: new INVITEs and OPTIONS get 503, INVITEs
// being opened are cancelled, every dialog is ended with BYE (sessions get
// Closed(ErrServerClosed)), then the listeners and connections are closed.
// It waits for all of that and for running handlers until ctx is done, and
// returns ctx's error if it had to stop waiting. Calling it again waits
// again.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	dialogs := make([]*dialog, 0, len(s.dialogs))
	for _, d := range s.dialogs {
		dialogs = append(dialogs, d)
	}
	s.mu.Unlock()
	s.opening.cancelAll(ErrServerClosed)

	s.byeAll(ctx, dialogs)
	var errs []error
	if err := s.workers.wait(ctx); err != nil {
		errs = append(errs, fmt.Errorf("sip: shutdown: waiting for BYE and event requests: %w", err))
	}
	if err := s.handlers.wait(ctx); err != nil {
		errs = append(errs, fmt.Errorf("sip: shutdown: waiting for request handlers: %w", err))
	}
	// Whatever still runs (when ctx ended first) is stopped now, so that
	// nothing sends once the user agent is closed.
	s.byes.cancelAll(ErrServerClosed)
	s.workers.wait(context.Background())

	s.dead.Store(true)
	s.mu.Lock()
	for l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	if err := s.ua.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		s.log.Debug("closing the user agent", "error", err)
	}
	if err := s.serving.wait(ctx); err != nil {
		errs = append(errs, fmt.Errorf("sip: shutdown: waiting for listeners to close: %w", err))
	}
	return errors.Join(errs...)
}

// byeAll ends dialogs with BYE, a bounded number at a time.
func (s *Server) byeAll(ctx context.Context, dialogs []*dialog) {
	const parallel = 64
	work := make(chan *dialog)
	var wg sync.WaitGroup
	for range min(parallel, len(dialogs)) {
		wg.Go(func() {
			for d := range work {
				if d.terminate(ErrServerClosed) {
					d.bye(ctx)
				}
			}
		})
	}
	for _, d := range dialogs {
		work <- d
	}
	close(work)
	wg.Wait()
}

// isClosing reports whether Shutdown has begun.
func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// endpoint returns the endpoint of a transport.
func (s *Server) endpoint(transport string) *endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.local[transport]
}

// lookup finds the dialog an in-dialog request belongs to: our tag in To,
// the peer's in From, and the Call-ID must all match.
func (s *Server) lookup(req *sipmsg.Request) *dialog {
	to, from, callID := req.To(), req.From(), req.CallID()
	if to == nil || from == nil || callID == nil {
		return nil
	}
	tag, _ := to.Params.Get("tag")
	s.mu.Lock()
	d := s.dialogs[tag]
	s.mu.Unlock()
	if d == nil {
		return nil
	}
	rtag, _ := from.Params.Get("tag")
	if string(*callID) != string(d.leg.callID) || rtag != d.remoteTag {
		return nil
	}
	return d
}

// remove drops a dialog from the map.
func (s *Server) remove(d *dialog) {
	s.mu.Lock()
	if s.dialogs[d.tag] == d {
		delete(s.dialogs, d.tag)
	}
	s.mu.Unlock()
}

// connOpen reports whether the transport still has a connection to addr.
func (s *Server) connOpen(transport, addr string) bool {
	c, err := s.ua.TransportLayer().GetConnection(transport, addr)
	if err != nil || c == nil {
		return false
	}
	c.TryClose() // undo the reference GetConnection took
	return true
}

// send sends a prepared response and counts it.
func (s *Server) send(tx sipmsg.ServerTransaction, req *sipmsg.Request, res *sipmsg.Response, hdrs ...sipmsg.Header) error {
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	res.AppendHeader(sipmsg.NewHeader("Server", s.cfg.UserAgent))
	// sipgo answers in the request's version; a 505 is in ours.
	res.SipVersion = "SIP/2.0"
	err := tx.Respond(res)
	if err == nil {
		s.stats.response(res.StatusCode)
	} else {
		s.log.Debug("cannot send response", "method", req.Method, "status", res.StatusCode, "error", err)
	}
	return err
}

// accept sends the 2xx to an INVITE or re-INVITE and counts it. Over TCP
// and TLS it ends the INVITE transaction and writes the 2xx straight on
// the request's connection: the transaction adds nothing there (nothing is
// retransmitted on a reliable transport), and sipgo v1.7.2 keeps an INVITE
// transaction that answered 2xx, with the INVITE and the 2xx, reachable
// for Timer L (64*T1, 32 s) through a timer its Terminate does not stop:
// about 4 KB for every session opened in the last 32 s. Over UDP the 2xx
// goes through the transaction, which the dialog uses to resend it until
// the ACK. A CANCEL never reaches sipgo's INVITE transaction (see
// inviteCtl), so nothing else answers the INVITE. accept records the
// 2xx's status as the request's, or 500 when it was not sent.
func (x *exchange) accept(res *sipmsg.Response, reliable bool) error {
	s, tx, req := x.srv, x.tx, x.req
	c, ok := tx.(interface{ Connection() sipmsg.Connection })
	if !reliable || !ok || c.Connection() == nil {
		return x.sendFinal(res)
	}
	x.status = 500
	conn := c.Connection()
	conn.Ref(1) // the transaction's reference goes with it
	defer conn.TryClose()
	tx.Terminate()
	res.AppendHeader(sipmsg.NewHeader("Server", s.cfg.UserAgent))
	if err := conn.WriteMsg(res); err != nil {
		s.log.Debug("cannot send response", "method", req.Method, "status", res.StatusCode, "error", err)
		return err
	}
	s.stats.response(res.StatusCode)
	x.status = res.StatusCode
	return nil
}
