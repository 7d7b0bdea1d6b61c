package cstatcp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/csta/framing"
)

// Errors of this package. They are wrapped with detail; compare with
// errors.Is.
var (
	// ErrClosed reports a connection that was closed or failed. Every
	// request pending when it happens, and every later one, fails with an
	// error wrapping ErrClosed and the cause.
	ErrClosed = errors.New("cstatcp: connection closed")
	// ErrSessionRefused reports a StartApplicationSession the server
	// answered negatively, or a ResetApplicationSessionTimer it refused.
	ErrSessionRefused = errors.New("cstatcp: application session refused")
	// ErrUnexpectedResponse reports an answer of the wrong type, for
	// example a response that is not one the request expects.
	ErrUnexpectedResponse = errors.New("cstatcp: unexpected response")
	// ErrNotXML is the cause of a connection that failed because the
	// server sent a frame that is not well-formed XML: garbage on the
	// link, after which nothing it sends can be trusted. A well-formed
	// message the codec does not know (a vendor's, say) fails only the
	// request it answers.
	ErrNotXML = errors.New("cstatcp: frame is not XML")
	// ErrWriteTimeout is the cause of a connection that failed because a
	// write did not complete within Config.WriteTimeout: the server has
	// stopped reading. Conn.Err wraps it together with ErrClosed.
	ErrWriteTimeout = errors.New("cstatcp: write timed out")
)

// Defaults of Config.
const (
	// DefaultApplicationID is the applicationID sent when Config leaves it
	// empty.
	DefaultApplicationID = "rcc"
	// DefaultSessionDuration is the application session duration asked
	// for when Config leaves it zero.
	DefaultSessionDuration = 10 * time.Minute
	// DefaultCloseTimeout bounds StopApplicationSession on Close.
	DefaultCloseTimeout = time.Second
	// DefaultAbandonedTTL is how long an invoke ID whose request was
	// abandoned stays reserved for its late response.
	DefaultAbandonedTTL = time.Minute
	// DefaultWriteTimeout bounds each write to the server. It equals
	// ctipool's default request timeout, so a request stuck behind a write
	// the server does not take waits no longer than its own timeout would
	// let it.
	DefaultWriteTimeout = 5 * time.Second
	// DefaultHandshakeTimeout bounds the handshake when Dial's context
	// has no earlier deadline.
	DefaultHandshakeTimeout = 10 * time.Second
)

// Config configures Dial. Only Addr is required. A zero field selects its
// default; a negative number or duration is an error that names the field.
type Config struct {
	// Addr is the server's host:port.
	Addr string
	// TLS, when not nil, wraps the connection in TLS with this
	// configuration. An empty ServerName is set from Addr's host.
	TLS *tls.Config
	// Dial opens the network connection. Default: a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// ApplicationID is sent in StartApplicationSession.
	// Default: DefaultApplicationID.
	ApplicationID string
	// ProtocolVersion is the ECMA-323 namespace requested in
	// StartApplicationSession. Default: csta.NamespaceEd3.
	ProtocolVersion string
	// SessionDuration is the application session duration requested. The
	// connection resets the session timer at half the duration the server
	// grants. Default: DefaultSessionDuration.
	SessionDuration time.Duration
	// NoSession skips the ECMA-354 application session for servers that
	// accept CSTA requests without one.
	NoSession bool
	// CloseTimeout bounds the StopApplicationSession exchange on Close
	// (a write the server does not take can hold it up to WriteTimeout).
	// Default: DefaultCloseTimeout.
	CloseTimeout time.Duration
	// AbandonedTTL is how long the invoke ID of a request abandoned by its
	// caller (context done) stays reserved, so that a late response cannot
	// be taken for the answer to a newer request. Default:
	// DefaultAbandonedTTL.
	AbandonedTTL time.Duration
	// WriteTimeout bounds each write to the server. A write blocks only
	// when the server has stopped reading and the network buffers are
	// full; one that does not complete in time fails the connection
	// ([ErrWriteTimeout]), so that a server that stops reading but keeps
	// sending events is not taken for a live one: every pending request
	// fails at once, those whose frame never left with an error that is
	// safe to retry. Zero means DefaultWriteTimeout; a negative value is an
	// error.
	WriteTimeout time.Duration
	// MaxFrameSize is the largest frame accepted from the server; a larger
	// one breaks the connection. Default: framing.MaxFrameSize.
	MaxFrameSize int
	// OnEvent receives every event the server sends, on the connection's
	// reader goroutine, in arrival order. It must not block: the reader
	// does nothing else while OnEvent runs. Nil drops events.
	OnEvent func(csta.Event)
	// Logger receives the connection's log records. Default: discard.
	Logger *slog.Logger

	// Dialect names the CSTA dialect the server speaks (see package
	// csta/dialect): "ecma354" (the default, ""), "openscape-voice",
	// "openscape-business" or "avaya-dmcc". It decides the handshake,
	// the login, the keepalive and the device and call ID forms; see
	// the package doc.
	Dialect string
	// Username and Password are the credentials of a dialect with a
	// login (openscape-business, avaya-dmcc). They are never logged.
	Username, Password string
	// SwitchName is the switchName avaya-dmcc's GetDeviceId names.
	SwitchName string
	// HandshakeTimeout bounds the handshake when ctx has no earlier
	// deadline. Default: DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
}

// Conn is one CSTA XML over TCP connection with an open application
// session. Its methods are safe for concurrent use.
type Conn struct {
	cfg Config
	nc  net.Conn
	log *slog.Logger
	ids framing.InvokeIDs

	replies chan reply // answers to the server's requests

	// Frames are written by whichever sender finds no write under way: it
	// writes what is queued, then what was queued meanwhile, so that under
	// load one write carries the frames of several requests.
	outMu   sync.Mutex
	out     []byte // frames waiting to be written
	spare   []byte // the buffer of the last write, for reuse
	writing bool
	queued  uint64 // frames queued so far; a frame's number is its position
	handed  uint64 // frames handed to the network so far (they may have left)

	mu        sync.Mutex
	pending   map[int]chan result // nil channel: abandoned, awaiting a late answer
	abandoned []abandonedID
	err       error
	done      chan struct{}

	closeOnce sync.Once
	wg        sync.WaitGroup

	lastRecv     atomic.Int64 // UnixNano of the last frame received
	decodeErrors atomic.Uint64

	sessionID       string
	protocolVersion string
	sessionDuration time.Duration

	dx dialectState // what the dialect needs; see dialect.go
}

type result struct {
	resp csta.Response
	raw  []byte // the answer to a vendor request, undecoded
	err  error
}

type abandonedID struct {
	id int
	at time.Time
}

// Dial connects to cfg.Addr, sets TCP_NODELAY, performs the TLS handshake
// when cfg.TLS is set, and opens the ECMA-354 application session. The
// context bounds the whole setup; it does not govern the connection
// afterwards. On failure everything is closed again.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	if cfg.Addr == "" {
		return nil, errors.New("cstatcp: no address")
	}
	if cfg.ApplicationID == "" {
		cfg.ApplicationID = DefaultApplicationID
	}
	d, err := dialect.Lookup(cfg.Dialect)
	if err != nil {
		return nil, fmt.Errorf("cstatcp: %s: %w", cfg.Addr, err)
	}
	if cfg.ProtocolVersion == "" {
		cfg.ProtocolVersion = d.ProtocolVersion
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"SessionDuration", &cfg.SessionDuration, DefaultSessionDuration},
		{"CloseTimeout", &cfg.CloseTimeout, DefaultCloseTimeout},
		{"AbandonedTTL", &cfg.AbandonedTTL, DefaultAbandonedTTL},
		{"WriteTimeout", &cfg.WriteTimeout, DefaultWriteTimeout},
		{"HandshakeTimeout", &cfg.HandshakeTimeout, DefaultHandshakeTimeout},
	} {
		if *d.v < 0 {
			return nil, fmt.Errorf("cstatcp: Config.%s is negative (%v)", d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if cfg.MaxFrameSize < 0 {
		return nil, fmt.Errorf("cstatcp: Config.MaxFrameSize is negative (%d)", cfg.MaxFrameSize)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "cstatcp", "addr", cfg.Addr)
	dial := cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	nc, err := dial(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("cstatcp: dial %s: %w", cfg.Addr, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if cfg.TLS != nil {
		tcfg := cfg.TLS.Clone()
		if tcfg.ServerName == "" {
			if host, _, err := net.SplitHostPort(cfg.Addr); err == nil {
				tcfg.ServerName = host
			}
		}
		tc := tls.Client(nc, tcfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = nc.Close()
			return nil, fmt.Errorf("cstatcp: TLS handshake with %s: %w", cfg.Addr, err)
		}
		nc = tc
	}
	c := &Conn{
		cfg:     cfg,
		nc:      nc,
		log:     log,
		replies: make(chan reply, maxReplies),
		pending: make(map[int]chan result),
		done:    make(chan struct{}),
	}
	c.dx.init(d)
	c.lastRecv.Store(time.Now().UnixNano())
	c.wg.Add(2)
	go c.readLoop()
	go c.replier()
	if err := c.open(ctx); err != nil {
		c.fail(err)
		c.wg.Wait()
		return nil, err
	}
	return c, nil
}

// startSession opens the ECMA-354 application session.
func (c *Conn) startSession(ctx context.Context) error {
	resp, err := c.Do(ctx, &csta.StartApplicationSession{
		ApplicationID:             c.cfg.ApplicationID,
		ApplicationSpecificInfo:   c.dx.d.LoginInfo(c.cfg.Username, c.cfg.Password),
		RequestedProtocolVersions: []string{c.cfg.ProtocolVersion},
		RequestedSessionDuration:  int(c.cfg.SessionDuration / time.Second),
	})
	if err != nil {
		return fmt.Errorf("cstatcp: StartApplicationSession: %w", err)
	}
	switch r := resp.(type) {
	case *csta.StartApplicationSessionPosResponse:
		c.sessionID = r.SessionID
		c.protocolVersion = r.ActualProtocolVersion
		if c.protocolVersion == "" {
			c.protocolVersion = c.cfg.ProtocolVersion
		}
		c.sessionDuration = time.Duration(r.ActualSessionDuration) * time.Second
		c.log.Debug("application session started", "session", c.sessionID,
			"version", c.protocolVersion, "duration", c.sessionDuration)
		return nil
	case *csta.StartApplicationSessionNegResponse:
		return c.sessionRefused(r)
	default:
		return fmt.Errorf("%w: %s to StartApplicationSession", ErrUnexpectedResponse, resp.MessageName())
	}
}

// keepSession resets the application session timer at half the granted
// duration until the connection ends.
func (c *Conn) keepSession() {
	defer c.wg.Done()
	period := c.sessionDuration / 2
	if period <= 0 {
		return
	}
	t := time.NewTimer(period)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), period)
		resp, err := c.Do(ctx, &csta.ResetApplicationSessionTimer{
			SessionID:                c.sessionID,
			RequestedSessionDuration: int(c.cfg.SessionDuration / time.Second),
		})
		cancel()
		switch r := resp.(type) {
		case nil:
			if errors.Is(err, ErrClosed) {
				return
			}
			c.log.Warn("application session timer reset failed", "err", err)
		case *csta.ResetApplicationSessionTimerPosResponse:
			if r.ActualSessionDuration > 0 {
				period = time.Duration(r.ActualSessionDuration) * time.Second / 2
			}
		case *csta.ResetApplicationSessionTimerNegResponse:
			c.fail(fmt.Errorf("%w: ResetApplicationSessionTimer: %s", ErrSessionRefused, r.ErrorCode))
			return
		default:
			c.log.Warn("unexpected answer to ResetApplicationSessionTimer", "message", resp.MessageName())
		}
		t.Reset(period)
	}
}

// SessionID returns the application session's ID, empty with NoSession.
func (c *Conn) SessionID() string { return c.sessionID }

// ProtocolVersion returns the protocol version the server granted, or the
// one requested when it named none.
func (c *Conn) ProtocolVersion() string { return c.protocolVersion }

// SessionDuration returns the session duration the server granted.
func (c *Conn) SessionDuration() time.Duration { return c.sessionDuration }

// DecodeErrors returns how many frames from the server could not be
// decoded. Such frames are logged at debug level and otherwise ignored;
// a request whose answer could not be decoded fails with the decode error.
func (c *Conn) DecodeErrors() uint64 { return c.decodeErrors.Load() }

// LastReceived returns when the last frame arrived from the server, or when
// the connection was opened if none has.
func (c *Conn) LastReceived() time.Time { return time.Unix(0, c.lastRecv.Load()) }

// Done returns a channel closed when the connection has failed or been
// closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended, an error wrapping ErrClosed, or nil
// while it is open.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Heartbeat sends RequestSystemStatus and waits for the answer. Any answer,
// even a CSTA error, shows the server is alive; a CSTA error is returned as
// the *csta.Error it carries.
func (c *Conn) Heartbeat(ctx context.Context) error {
	resp, err := c.Do(ctx, &csta.RequestSystemStatus{})
	if err != nil {
		return err
	}
	if _, ok := resp.(*csta.RequestSystemStatusResponse); !ok {
		return fmt.Errorf("%w: %s to RequestSystemStatus", ErrUnexpectedResponse, resp.MessageName())
	}
	return nil
}

// Close ends the application session with StopApplicationSession (best
// effort, bounded by Config.CloseTimeout), closes the connection, fails
// pending requests and waits for the connection's goroutines. It is
// idempotent; after it returns OnEvent is not called again.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.releaseDevices()
		if c.sessionID != "" && c.Err() == nil {
			ctx, cancel := context.WithTimeout(context.Background(), c.cfg.CloseTimeout)
			if _, err := c.Do(ctx, &csta.StopApplicationSession{SessionID: c.sessionID}); err != nil {
				c.log.Debug("StopApplicationSession failed", "err", err)
			}
			cancel()
		}
		err = c.fail(ErrClosed)
		c.wg.Wait()
	})
	return err
}

// fail ends the connection with cause, once; it returns the error from
// closing the network connection when this call ended it.
func (c *Conn) fail(cause error) error {
	if !errors.Is(cause, ErrClosed) {
		cause = fmt.Errorf("%w: %w", ErrClosed, cause)
	}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil
	}
	c.err = cause
	c.pending = nil
	close(c.done)
	c.mu.Unlock()
	if cause != ErrClosed {
		c.log.Info("connection failed", "err", cause)
	}
	return c.nc.Close()
}

// notSent marks errors for requests that never reached the network.
type notSent struct{ err error }

func (e notSent) Error() string     { return e.err.Error() }
func (e notSent) Unwrap() error     { return e.err }
func (e notSent) SafeToRetry() bool { return true }

// do sends a request and waits for its answer; see Do.
func (c *Conn) do(ctx context.Context, req csta.Request) (csta.Response, error) {
	if req == nil {
		return nil, notSent{errors.New("cstatcp: nil request")}
	}
	if err := ctx.Err(); err != nil {
		return nil, notSent{err}
	}
	// A request whose Header names no namespace is written in the
	// protocol version the server granted.
	codec := csta.Codec{}
	if csta.Edition(c.protocolVersion) != 0 {
		codec.Namespace = c.protocolVersion
	}
	body, err := codec.Encode(req)
	if err != nil {
		return nil, notSent{fmt.Errorf("cstatcp: %w", err)}
	}
	if body, err = c.toWire(ctx, body); err != nil {
		return nil, err
	}
	if len(body) > framing.MaxBodySize {
		return nil, notSent{fmt.Errorf("cstatcp: %s: %w", req.MessageName(), framing.ErrTooLarge)}
	}
	id, ch, err := c.register()
	if err != nil {
		return nil, notSent{err}
	}
	r, err := c.exchange(ctx, id, ch, body, req.MessageName())
	if err != nil {
		return nil, err
	}
	return r.resp, r.err
}

// exchange writes body as the frame of the request registered as id and
// waits for its answer on ch. The error is the connection's or ctx's,
// never the answer's; name, when not empty, is logged once the frame is
// queued.
func (c *Conn) exchange(ctx context.Context, id int, ch chan result, body []byte, name string) (result, error) {
	seq, err := c.send(id, body)
	if err != nil {
		if errors.Is(err, errWriteQueueFull) {
			c.unregister(id)
			return result{}, notSent{err}
		}
		return result{}, c.linkErr(seq)
	}
	if name != "" && c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.Debug("sent", "invokeID", id, "message", name)
	}
	select {
	case r := <-ch:
		return r, nil
	case <-c.done:
		return result{}, c.linkErr(seq)
	case <-ctx.Done():
		select {
		case r := <-ch: // answered at the last moment
			return r, nil
		case <-c.done: // the connection's failure says more
			return result{}, c.linkErr(seq)
		default:
		}
		c.abandon(id, ch)
		return result{}, ctx.Err()
	}
}

// linkErr returns the error of a request whose frame is number seq once
// the connection has ended: the connection's error, safe to retry when the
// frame was never handed to the network.
func (c *Conn) linkErr(seq uint64) error {
	err := c.Err()
	c.outMu.Lock()
	sent := seq <= c.handed
	c.outMu.Unlock()
	if !sent {
		return notSent{err}
	}
	return err
}

// register reserves an invoke ID and a pending entry for its answer.
func (c *Conn) register() (int, chan result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, nil, c.err
	}
	c.expireAbandoned(time.Now())
	id, err := c.ids.Acquire()
	if err != nil {
		return 0, nil, fmt.Errorf("cstatcp: %w", err)
	}
	ch := make(chan result, 1)
	c.pending[id] = ch
	return id, ch, nil
}

// unregister frees an invoke ID whose request was never written.
func (c *Conn) unregister(id int) {
	c.mu.Lock()
	if c.pending != nil {
		delete(c.pending, id)
	}
	c.mu.Unlock()
	c.ids.Release(id)
}

// abandon keeps the invoke ID of a sent request whose caller gave up
// reserved until its answer arrives or AbandonedTTL passes.
func (c *Conn) abandon(id int, ch chan result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending != nil && c.pending[id] == ch {
		c.pending[id] = nil
		c.abandoned = append(c.abandoned, abandonedID{id: id, at: time.Now()})
	}
}

// expireAbandoned frees abandoned invoke IDs older than AbandonedTTL. The
// caller holds c.mu.
func (c *Conn) expireAbandoned(now time.Time) {
	n := 0
	for _, a := range c.abandoned {
		if now.Sub(a.at) < c.cfg.AbandonedTTL {
			break
		}
		if ch, ok := c.pending[a.id]; ok && ch == nil {
			delete(c.pending, a.id)
			c.ids.Release(a.id)
		}
		n++
	}
	if n > 0 {
		c.abandoned = append(c.abandoned[:0], c.abandoned[n:]...)
	}
}

// readLoop reads frames until the connection ends.
func (c *Conn) readLoop() {
	defer c.wg.Done()
	r := framing.NewReader(c.nc, c.cfg.MaxFrameSize)
	for {
		f, err := r.ReadFrame()
		if err != nil {
			c.fail(fmt.Errorf("read: %w", err))
			return
		}
		c.lastRecv.Store(time.Now().UnixNano())
		c.handleFrame(f)
	}
}

// handleFrame dispatches one frame by the kind of message it carries.
func (c *Conn) handleFrame(f framing.Frame) {
	debug := c.log.Enabled(context.Background(), slog.LevelDebug)
	if c.rawAnswer(f) {
		return
	}
	m, err := csta.Decode(f.Body)
	if err != nil {
		c.decodeErrors.Add(1)
		if c.handshaking(f, err) {
			return
		}
		if errors.Is(err, csta.ErrMalformed) || errors.Is(err, csta.ErrTruncated) {
			c.fail(fmt.Errorf("cstatcp: %s: %w: expected a CSTA XML message, got %d bytes (invoke ID %d): %w",
				c.cfg.Addr, ErrNotXML, len(f.Body), f.InvokeID, err))
			return
		}
		if debug {
			c.log.Debug("undecodable frame", "invokeID", f.InvokeID, "err", err, "bytes", len(f.Body))
		}
		if f.InvokeID != framing.EventInvokeID {
			c.answer(f.InvokeID, result{err: fmt.Errorf("cstatcp: undecodable answer: %w", err)})
		}
		return
	}
	if debug {
		c.log.Debug("received", "invokeID", f.InvokeID, "message", m.MessageName())
	}
	c.fromWire(m)
	switch m := m.(type) {
	case csta.Event:
		if c.cfg.OnEvent != nil {
			c.cfg.OnEvent(m)
		}
	case *csta.CSTAErrorCode:
		c.answer(f.InvokeID, result{err: m.Err()})
	case csta.Response:
		c.answer(f.InvokeID, result{resp: m})
	case csta.Request:
		c.serveRequest(f.InvokeID, m)
	default:
		if debug {
			c.log.Debug("ignored message", "invokeID", f.InvokeID, "message", m.MessageName())
		}
		c.answer(f.InvokeID, result{err: fmt.Errorf("%w: %s", ErrUnexpectedResponse, m.MessageName())})
	}
}

// answer hands a result to the request waiting for invoke ID id.
func (c *Conn) answer(id int, r result) {
	c.mu.Lock()
	ch, ok := c.pending[id]
	if ok {
		delete(c.pending, id)
	}
	c.mu.Unlock()
	if !ok {
		c.log.Debug("answer for no pending request", "invokeID", id)
		return
	}
	c.ids.Release(id)
	if ch != nil {
		ch <- r // buffered, never blocks
	}
}

// serveRequest answers a request the server sent: SystemStatus (the
// server's heartbeat) and RequestSystemStatus positively, anything else with
// operation/serviceNotSupported. The answer is written by the replier
// goroutine, so the reader never waits for the write lock: with a peer that
// only reads while it is not writing, that could deadlock.
func (c *Conn) serveRequest(id int, req csta.Request) {
	var resp csta.Message
	switch req := req.(type) {
	case *csta.SystemStatus:
		resp = &csta.SystemStatusResponse{Header: req.Header.Reply()}
		c.dx.sawSystemStatus()
	case *csta.RequestSystemStatus:
		resp = &csta.RequestSystemStatusResponse{Header: req.Header.Reply(), SystemStatus: csta.SystemNormal}
	default:
		resp = csta.ErrorResponse(*req.MessageHeader(), csta.ErrServiceNotSupported)
	}
	body, err := csta.Encode(resp)
	if err != nil {
		c.log.Debug("cannot encode answer", "message", resp.MessageName(), "err", err)
		return
	}
	select {
	case c.replies <- reply{id: id, body: body}:
	default:
		c.log.Debug("too many unanswered server requests; dropping answer", "invokeID", id, "message", resp.MessageName())
	}
}

type reply struct {
	id   int
	body []byte
}

// maxReplies bounds the answers to server requests waiting to be written.
const maxReplies = 32

// replier writes the answers to the server's requests.
func (c *Conn) replier() {
	defer c.wg.Done()
	for {
		var r reply
		select {
		case <-c.done:
			return
		case r = <-c.replies:
		}
		if _, err := c.send(r.id, r.body); err != nil {
			return
		}
	}
}

// maxWriteQueue bounds the frames waiting to be written: beyond it the
// server is not reading, and requests fail before they are queued.
const maxWriteQueue = 4 << 20

// errWriteQueueFull reports a request refused because maxWriteQueue bytes
// wait to be written.
var errWriteQueueFull = errors.New("cstatcp: write queue full: the server does not read")

// send queues a frame and, when no other sender is writing, writes the
// queue until it is empty; it returns the frame's number (see linkErr). A
// frame queued behind another sender's write is written by that sender; if
// the write fails the connection fails, which the frame's sender learns
// from Done. The frames of one sender go out in the order it sent them.
// Each write must complete within WriteTimeout.
func (c *Conn) send(id int, body []byte) (uint64, error) {
	c.outMu.Lock()
	if len(c.out) > maxWriteQueue {
		c.outMu.Unlock()
		return 0, errWriteQueueFull
	}
	c.out, _ = framing.AppendFrame(c.out, id, body) // id and size are valid
	c.queued++
	seq := c.queued
	if c.writing {
		c.outMu.Unlock()
		return seq, nil
	}
	c.writing = true
	for len(c.out) > 0 {
		select {
		case <-c.done:
			// The connection has ended: what is queued never leaves. A
			// request checks c.handed under outMu after Done, so it is
			// told its frame was not sent only when it was not.
			c.writing = false
			c.out = c.out[:0]
			c.outMu.Unlock()
			return seq, ErrClosed
		default:
		}
		buf := c.out
		c.out = c.spare[:0]
		before := c.handed
		c.handed = c.queued
		c.outMu.Unlock()
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
		n, err := c.nc.Write(buf)
		c.outMu.Lock()
		c.spare = buf[:0]
		if err != nil {
			c.handed = before + framesStarted(buf, n, c.handed-before)
			c.writing = false
			c.out = c.out[:0]
			c.outMu.Unlock()
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = fmt.Errorf("%w: a write did not complete within %v (the server is not reading)",
					ErrWriteTimeout, c.cfg.WriteTimeout)
			} else {
				err = fmt.Errorf("write: %w", err)
			}
			c.fail(err)
			return seq, err
		}
	}
	c.writing = false
	c.outMu.Unlock()
	return seq, nil
}

// framesStarted returns how many of the all frames in buf begin within its
// first n bytes: the others certainly never left.
func framesStarted(buf []byte, n int, all uint64) uint64 {
	var k uint64
	for off := 0; off < n && k < all; k++ {
		if off+framing.HeaderSize > len(buf) {
			return all // not frames as send writes them: assume all left
		}
		size := int(buf[off+2])<<8 | int(buf[off+3])
		if size < framing.HeaderSize {
			return all
		}
		off += size
	}
	return k
}

// String returns the server address and session ID, for logs.
func (c *Conn) String() string {
	if c.sessionID == "" {
		return "cstatcp " + c.cfg.Addr
	}
	return "cstatcp " + c.cfg.Addr + " session " + strconv.Quote(c.sessionID)
}
