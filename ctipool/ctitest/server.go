package ctitest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/csta/framing"
)

// Defaults of ServerConfig.
const (
	// DefaultAddr is the address an endpoint listens on when its config
	// names none: a free port on the IPv4 loopback interface.
	DefaultAddr = "127.0.0.1:0"
	// DefaultSessionDuration is the application session duration granted
	// to a StartApplicationSession that asks for none.
	DefaultSessionDuration = 10 * time.Minute
	// DefaultSystemStatusMisses is how many unanswered SystemStatus
	// requests in a row close a connection.
	DefaultSystemStatusMisses = 3
	// DefaultQueueSize bounds the messages waiting to be written to one
	// connection.
	DefaultQueueSize = 4096
	// DefaultWriteTimeout bounds each write to a client.
	DefaultWriteTimeout = 10 * time.Second
)

// ServerConfig configures one endpoint. The zero value listens on a free
// loopback port and requires an application session.
type ServerConfig struct {
	// Name identifies the endpoint in request records, logs and the
	// fakecti control plane. Names must be unique within a PBX.
	// Default: "cti" and the endpoint's number within the PBX ("cti1").
	Name string
	// Addr is the TCP address to listen on. Default: DefaultAddr.
	Addr string
	// InMemory makes an endpoint that listens on no socket: clients reach
	// it only through Dial, over net.Pipe. Use it inside testing/synctest
	// bubbles, where real sockets would keep the fake clock from moving.
	// Its Addr is then a made-up "<name>.ctitest.invalid:2748".
	InMemory bool
	// NoSession accepts CSTA requests outside an ECMA-354 application
	// session. By default a request other than StartApplicationSession
	// that arrives before the session is started is answered with
	// CSTAErrorCode security/generic.
	NoSession bool
	// SessionDuration is the session duration granted to a
	// StartApplicationSession that asks for none. A session that is not
	// reset within its duration ends: the connection is closed.
	// Default: DefaultSessionDuration.
	SessionDuration time.Duration
	// SystemStatusInterval, when positive, makes the endpoint send a
	// SystemStatus request to every client with an open session at this
	// interval, as switches do to check the application is alive.
	// Default: the dialect's (one minute for the OpenScape dialects), off
	// for ecma354 and avaya-dmcc.
	SystemStatusInterval time.Duration
	// SystemStatusMisses is how many SystemStatus requests in a row a
	// client may leave unanswered; at the next interval the endpoint
	// closes the connection. Default: DefaultSystemStatusMisses.
	SystemStatusMisses int
	// QueueSize bounds the responses and events waiting to be written to
	// one connection. A client that falls this far behind is
	// disconnected, so a slow client never holds up the PBX.
	// Default: DefaultQueueSize.
	QueueSize int
	// WriteTimeout bounds each write to a client: a client that stops
	// reading for that long is disconnected and counted in
	// ServerStats.WriteTimeouts, even when its queue never fills. Zero
	// means DefaultWriteTimeout; a negative value is an error.
	WriteTimeout time.Duration
	// MaxFrameSize is the largest frame accepted from a client, header
	// included; a larger one breaks the connection.
	// Default: framing.MaxFrameSize.
	MaxFrameSize int
	// Logger receives the endpoint's log records. Default: the PBX's.
	Logger *slog.Logger
	// TLS, when not nil, makes the endpoint serve CSTA over TLS with
	// this configuration (it needs a certificate), on its TCP listener
	// and over Dial alike.
	TLS *tls.Config

	// Dialect names the CSTA dialect the endpoint speaks (see package
	// csta/dialect): "ecma354" (the default, ""), "openscape-voice",
	// "openscape-business" or "avaya-dmcc". It decides the handshake and
	// who speaks first, the login, the keepalive, the vendor requests
	// served and the form of device and call IDs; see the package doc.
	Dialect string
	// Username and Password, when Username is set, are the only
	// credentials a dialect with a login (openscape-business, avaya-dmcc)
	// accepts; others get the dialect's negative answer. When Username
	// is empty any credentials are accepted, but a dialect with a login
	// still requires some.
	Username, Password string
	// SwitchName and SwitchIP go into the device IDs avaya-dmcc's
	// GetDeviceId hands out (extension:switch:ip:0).
	// Default: SwitchName "CM1", SwitchIP empty.
	SwitchName, SwitchIP string
	// InvokeIDs is the inclusive range of invoke IDs the endpoint numbers
	// its own SystemStatus requests from. {0, 0} takes the dialect's:
	// 9000..9998 for the vendor dialects, apart from the client's, and
	// the client's own range 1..9998 for ecma354. Set {1, 9998} to share
	// the client's range, or {9000, 9998} to keep ecma354's apart.
	InvokeIDs [2]int
}

// ServerStats counts what an endpoint did since it was created.
type ServerStats struct {
	// Connections is the number of connections open now.
	Connections int
	// Accepted counts the connections accepted.
	Accepted uint64
	// Requests counts the requests received (heartbeats included).
	Requests uint64
	// Responses counts the responses written; DroppedResponses those
	// dropped on command.
	Responses, DroppedResponses uint64
	// Events counts the events written.
	Events uint64
	// Undecodable counts frames that did not decode: not CSTA XML, or a
	// message missing what it needs.
	Undecodable uint64
	// FramingErrors counts connections closed for a broken frame.
	FramingErrors uint64
	// LoginFailures counts StartApplicationSession requests refused for
	// missing or wrong credentials.
	LoginFailures uint64
	// Overflows counts connections closed because their write queue was
	// full.
	Overflows uint64
	// WriteTimeouts counts connections closed because a write to the
	// client did not complete within ServerConfig.WriteTimeout.
	WriteTimeouts uint64
	// SystemStatusSent and SystemStatusAnswered count the endpoint's own
	// SystemStatus heartbeats and the answers to them.
	SystemStatusSent, SystemStatusAnswered uint64
}

// Server is one endpoint of a PBX: a CTI Manager speaking CSTA XML over
// TCP, shaped like net/http/httptest's Server. It can be stopped and
// restarted on the same address, and told to misbehave (see the fault
// methods). Its methods are safe for concurrent use.
type Server struct {
	pbx  *PBX
	cfg  ServerConfig
	name string
	log  *slog.Logger
	d    *dialect.Dialect

	// mu guards the fields below. The PBX's lock may be held while taking
	// mu, never the other way round.
	mu         sync.Mutex
	addr       string // the bound address, kept across restarts
	ln         net.Listener
	acceptDone chan struct{}
	conns      map[*conn]struct{}
	running    bool // started and not stopped
	refuse     bool
	closed     bool

	stallHB atomic.Bool
	stall   atomic.Bool
	delay   atomic.Int64 // time.Duration
	drop    atomic.Int64

	stats struct {
		accepted, requests, responses, dropped, events, undecodable, framing, overflows, writeTimeouts, ssSent, ssAnswered, logins atomic.Uint64
	}
}

// Serve starts an endpoint of p. The error reports a bad config, a name
// already in use, or an address it cannot listen on.
func (p *PBX) Serve(cfg ServerConfig) (*Server, error) {
	switch {
	case cfg.SessionDuration < 0:
		return nil, fmt.Errorf("ctitest: SessionDuration is negative (%v)", cfg.SessionDuration)
	case cfg.SystemStatusInterval < 0:
		return nil, fmt.Errorf("ctitest: SystemStatusInterval is negative (%v)", cfg.SystemStatusInterval)
	case cfg.SystemStatusMisses < 0:
		return nil, fmt.Errorf("ctitest: SystemStatusMisses is negative (%d)", cfg.SystemStatusMisses)
	case cfg.QueueSize < 0:
		return nil, fmt.Errorf("ctitest: QueueSize is negative (%d)", cfg.QueueSize)
	case cfg.WriteTimeout < 0:
		return nil, fmt.Errorf("ctitest: WriteTimeout is negative (%v)", cfg.WriteTimeout)
	case cfg.MaxFrameSize < 0 || cfg.MaxFrameSize > framing.MaxFrameSize:
		return nil, fmt.Errorf("ctitest: MaxFrameSize %d is outside 0..%d", cfg.MaxFrameSize, framing.MaxFrameSize)
	case cfg.TLS != nil && len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil && cfg.TLS.GetConfigForClient == nil:
		return nil, errors.New("ctitest: TLS config has no certificate")
	case cfg.InvokeIDs != [2]int{} && (cfg.InvokeIDs[0] < 1 || cfg.InvokeIDs[1] > framing.MaxRequestInvokeID || cfg.InvokeIDs[0] > cfg.InvokeIDs[1]):
		return nil, fmt.Errorf("ctitest: InvokeIDs %v is not a range within 1..%d", cfg.InvokeIDs, framing.MaxRequestInvokeID)
	}
	d, err := dialect.Lookup(cfg.Dialect)
	if err != nil {
		return nil, fmt.Errorf("ctitest: %w", err)
	}
	if cfg.InvokeIDs == [2]int{} {
		cfg.InvokeIDs = d.ServerInvokeIDs
	}
	if cfg.SystemStatusInterval == 0 {
		cfg.SystemStatusInterval = d.ServerHeartbeat
	}
	if cfg.SwitchName == "" {
		cfg.SwitchName = "CM1"
	}
	if cfg.SessionDuration == 0 {
		cfg.SessionDuration = DefaultSessionDuration
	}
	if cfg.SystemStatusMisses == 0 {
		cfg.SystemStatusMisses = DefaultSystemStatusMisses
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Logger == nil {
		cfg.Logger = p.cfg.Logger
	}
	s := &Server{pbx: p, cfg: cfg, d: d, conns: make(map[*conn]struct{})}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	p.seq.server++
	s.name = cfg.Name
	if s.name == "" {
		s.name = "cti" + strconv.FormatUint(p.seq.server, 10)
	}
	for _, o := range p.servers {
		if o.name == s.name {
			p.mu.Unlock()
			return nil, fmt.Errorf("ctitest: endpoint name %q used twice", s.name)
		}
	}
	p.servers = append(p.servers, s)
	p.mu.Unlock()
	s.log = cfg.Logger.With("component", "ctitest", "endpoint", s.name)
	if cfg.InMemory {
		s.addr = s.name + ".ctitest.invalid:2748"
	} else {
		s.addr = cfg.Addr
	}
	s.mu.Lock()
	s.running = true
	err = s.listenLocked()
	s.mu.Unlock()
	if err != nil {
		p.removeServer(s)
		return nil, err
	}
	return s, nil
}

// NewServer starts an endpoint of p on a free loopback port, like
// httptest.NewServer. It panics when it cannot listen; use
// [PBX.Serve] to get the error instead.
func NewServer(p *PBX) *Server {
	s, err := p.Serve(ServerConfig{})
	if err != nil {
		panic(err)
	}
	return s
}

func (p *PBX) removeServer(s *Server) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, o := range p.servers {
		if o == s {
			p.servers = append(p.servers[:i], p.servers[i+1:]...)
			return
		}
	}
}

// Dialect returns the name of the dialect the endpoint speaks.
func (s *Server) Dialect() string { return s.d.Name }

// Name returns the endpoint's name.
func (s *Server) Name() string { return s.name }

// Addr returns the endpoint's address, "127.0.0.1:port" for a listening
// endpoint. It stays the same across Stop and Restart.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// PBX returns the PBX the endpoint serves.
func (s *Server) PBX() *PBX { return s.pbx }

// Running reports whether the endpoint is started: not stopped and not
// closed. A running endpoint that refuses connections still reports true.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// listenLocked opens the listener when the endpoint should accept
// connections and has none. The caller holds s.mu.
func (s *Server) listenLocked() error {
	if s.cfg.InMemory || !s.running || s.refuse || s.closed || s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("ctitest: endpoint %s: %w", s.name, err)
	}
	if s.cfg.TLS != nil {
		ln = tls.NewListener(ln, s.cfg.TLS)
	}
	s.ln = ln
	s.addr = ln.Addr().String()
	done := make(chan struct{})
	s.acceptDone = done
	go s.acceptLoop(ln, done)
	return nil
}

// unlistenLocked closes the listener, if any, and returns a channel
// closed when its accept loop has ended. The caller holds s.mu.
func (s *Server) unlistenLocked() <-chan struct{} {
	if s.ln == nil {
		return nil
	}
	_ = s.ln.Close()
	s.ln = nil
	done := s.acceptDone
	s.acceptDone = nil
	return done
}

func (s *Server) acceptLoop(ln net.Listener, done chan struct{}) {
	defer close(done)
	for {
		nc, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Warn("accept failed; endpoint stops accepting", "err", err)
			}
			return
		}
		s.serveConn(nc)
	}
}

// errRefused is what dialling a stopped or refusing endpoint in memory
// gives, like a TCP connection refused.
func (s *Server) errRefused(addr string) error {
	return &net.OpError{Op: "dial", Net: "pipe", Addr: pipeAddr(addr), Err: syscall.ECONNREFUSED}
}

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

// Dial connects to the endpoint in memory, over net.Pipe, whatever
// network and address it is given; it has the signature of the Dial
// hooks of ctipool and cstatcp. A stopped, closed or refusing endpoint
// refuses with an error wrapping syscall.ECONNREFUSED. The connection is
// served exactly like a TCP one.
func (s *Server) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	ok := s.running && !s.refuse && !s.closed
	s.mu.Unlock()
	if !ok {
		return nil, s.errRefused(s.Addr())
	}
	client, pipe := net.Pipe()
	var server net.Conn = pipe
	if s.cfg.TLS != nil {
		server = tls.Server(pipe, s.cfg.TLS)
	}
	if !s.serveConn(server) {
		_ = client.Close()
		return nil, s.errRefused(s.Addr())
	}
	return client, nil
}

// serveConn starts serving nc, or closes it and returns false when the
// endpoint does not accept connections now.
func (s *Server) serveConn(nc net.Conn) bool {
	c := newConn(s, nc) // takes the PBX lock, which is never taken under s.mu
	s.mu.Lock()
	if !s.running || s.refuse || s.closed {
		s.mu.Unlock()
		_ = nc.Close()
		return false
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	s.stats.accepted.Add(1)
	s.pbx.notify()
	c.start()
	return true
}

// removeConn forgets a connection that has ended.
func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.pbx.notify()
}

// WaitConnections waits until the endpoint has n connections open. A
// connection counts from when it is accepted until it has ended
// completely: its monitors gone and its goroutines finished or finishing.
// It returns an error wrapping ctx.Err() when ctx is done first, and
// ErrClosed when the PBX closes.
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	return s.pbx.waitFor(ctx, func() bool { return s.Connections() == n })
}

// closeConns closes every connection and waits until each has ended:
// its monitors are gone and its goroutines have exited.
func (s *Server) closeConns() int {
	s.mu.Lock()
	cs := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.kill(errClosedByTest)
	}
	for _, c := range cs {
		<-c.done
	}
	return len(cs)
}

var (
	errClosedByTest = errors.New("closed by the test")
	errOverflow     = errors.New("write queue full")
)

// Stop stops the endpoint as if its CTI Manager went down: the listener
// closes (new connections are refused), every connection closes, and its
// monitors end. The PBX and its calls carry on. Stop returns once all of
// that has happened. The address is kept: Restart listens on it again.
func (s *Server) Stop() error {
	if !s.halt(false) {
		return ErrClosed
	}
	return nil
}

// halt stops the endpoint, and closes it for good when close is set; it
// reports false, doing nothing, when the endpoint was already closed.
func (s *Server) halt(close bool) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.running = false
	s.closed = close
	done := s.unlistenLocked()
	s.mu.Unlock()
	if done != nil {
		<-done
	}
	s.closeConns()
	return true
}

// Restart stops the endpoint if it is running, then starts it again on
// the same address. It fails when the address cannot be bound again (a
// TCP port another program took meanwhile) or the endpoint is closed.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.running = true
	return s.listenLocked()
}

// Close stops the endpoint for good and waits for all its goroutines.
// It is idempotent.
func (s *Server) Close() error {
	if s.halt(true) {
		s.pbx.removeServer(s)
	}
	return nil
}

// Connections returns how many connections are open.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Stats returns the endpoint's counters.
func (s *Server) Stats() ServerStats {
	st := ServerStats{
		Connections:          s.Connections(),
		Accepted:             s.stats.accepted.Load(),
		Requests:             s.stats.requests.Load(),
		Responses:            s.stats.responses.Load(),
		DroppedResponses:     s.stats.dropped.Load(),
		Events:               s.stats.events.Load(),
		Undecodable:          s.stats.undecodable.Load(),
		FramingErrors:        s.stats.framing.Load(),
		LoginFailures:        s.stats.logins.Load(),
		Overflows:            s.stats.overflows.Load(),
		WriteTimeouts:        s.stats.writeTimeouts.Load(),
		SystemStatusSent:     s.stats.ssSent.Load(),
		SystemStatusAnswered: s.stats.ssAnswered.Load(),
	}
	return st
}

// String returns the endpoint's name and address, for logs.
func (s *Server) String() string { return s.name + " " + s.Addr() }
