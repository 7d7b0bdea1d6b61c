package ctitest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/csta/framing"
)

// conn is one client connection to an endpoint. Its reader goroutine reads
// and carries out requests; its writer goroutine writes responses and
// events from a bounded queue, so the PBX never waits for a slow client.
type conn struct {
	srv *Server
	nc  net.Conn
	log *slog.Logger
	id  uint64 // numbers the connection in the PBX

	out      chan outItem
	quit     chan struct{} // closed when the reader has finished; stops the writer
	done     chan struct{} // closed when both goroutines have finished
	dead     atomic.Bool
	killOnce sync.Once
	cause    error // why it was killed, set once by kill

	timers timerSet // session expiry, SystemStatus, delayed responses

	// Owned by the reader goroutine.
	session  string // application session ID, "" before it starts
	duration time.Duration
	expiry   *timer
	devices  map[string]bool // DMCC device IDs handed out by GetDeviceId
	version  atomic.Value    // string: the negotiated protocol version

	// Heartbeats the endpoint sends; guarded by hbMu.
	hbMu      sync.Mutex
	hbIDs     framing.InvokeIDs
	hbNext    int // the last ID taken from the configured range
	hbPending map[int]bool
}

// outItem is one thing to write: a message with its invoke ID, or raw
// bytes.
type outItem struct {
	id         int
	msg        csta.Message
	raw        []byte
	closeAfter bool
}

func newConn(s *Server, nc net.Conn) *conn {
	p := s.pbx
	p.mu.Lock()
	p.seq.conn++
	id := p.seq.conn
	p.mu.Unlock()
	return &conn{
		srv:       s,
		nc:        nc,
		id:        id,
		log:       s.log.With("conn", id, "remote", nc.RemoteAddr().String()),
		out:       make(chan outItem, s.cfg.QueueSize),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
		hbPending: make(map[int]bool),
	}
}

func (c *conn) start() {
	c.log.Debug("connection opened")
	writerDone := make(chan struct{})
	go c.writer(writerDone)
	go c.reader(writerDone)
	switch {
	case c.srv.d.ServerSpeaksFirst:
		c.heartbeatNow()
	case c.srv.cfg.NoSession:
		c.startHeartbeats()
	}
}

// kill ends the connection: it closes the socket, which ends the reader,
// which cleans up. Safe to call from anywhere, any number of times.
func (c *conn) kill(cause error) {
	c.killOnce.Do(func() {
		c.cause = cause
		c.dead.Store(true)
		_ = c.nc.Close()
	})
}

// enqueue queues an item for the writer without blocking. A full queue
// kills the connection. It reports whether the item was queued.
func (c *conn) enqueue(it outItem) bool {
	if c.dead.Load() {
		return false
	}
	select {
	case c.out <- it:
		return true
	default:
		c.srv.stats.overflows.Add(1)
		c.log.Warn("client too slow: write queue full, closing connection", "queue", cap(c.out))
		c.kill(errOverflow)
		return false
	}
}

// sendEvent queues an event, unless the endpoint is stalled, and reports
// whether it was queued.
func (c *conn) sendEvent(ev csta.Event) bool {
	if c.srv.stall.Load() {
		return false
	}
	return c.enqueue(outItem{id: framing.EventInvokeID, msg: ev})
}

// respond sends the response to the request with invoke ID id, unless a
// fault drops it; a delay fault sends it later. closeAfter closes the
// connection once the response is written (or dropped).
func (c *conn) respond(id int, resp csta.Message, closeAfter bool) {
	s := c.srv
	if s.takeDrop() {
		s.stats.dropped.Add(1)
		c.log.Debug("response dropped on command", "invokeID", id, "message", resp.MessageName())
		if closeAfter {
			c.enqueue(outItem{closeAfter: true})
		}
		return
	}
	it := outItem{id: id, msg: resp, closeAfter: closeAfter}
	if d := time.Duration(s.delay.Load()); d > 0 {
		c.timers.after(d, func() { c.enqueue(it) })
		return
	}
	c.enqueue(it)
}

// writer writes queued items until the reader has finished.
func (c *conn) writer(done chan struct{}) {
	defer close(done)
	s := c.srv
	w := bufio.NewWriterSize(c.nc, 16<<10)
	var frame []byte
	for {
		var it outItem
		select {
		case it = <-c.out:
		case <-c.quit:
			return
		}
		if c.dead.Load() {
			continue
		}
		// A client that stops reading blocks the write below; the
		// deadline ends the connection even if its queue never fills.
		_ = c.nc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		if it.msg != nil {
			body, err := c.encode(it.msg)
			if err != nil {
				c.log.Error("cannot encode message; not sent", "message", it.msg.MessageName(), "err", err)
				continue
			}
			frame, err = framing.AppendFrame(frame[:0], it.id, body)
			if err != nil {
				c.log.Error("cannot frame message; not sent", "message", it.msg.MessageName(), "err", err)
				continue
			}
			if _, err := w.Write(frame); err != nil {
				c.writeFailed(err)
				continue
			}
			c.logFrame(FrameOut, it.id, body)
			if c.log.Enabled(context.Background(), slog.LevelDebug) {
				c.log.Debug("sent", "invokeID", it.id, "message", it.msg.MessageName())
			}
			if it.id == framing.EventInvokeID {
				s.stats.events.Add(1)
			} else if isResponse(it.msg) {
				s.stats.responses.Add(1)
			}
		} else {
			if _, err := w.Write(it.raw); err != nil {
				c.writeFailed(err)
				continue
			}
			c.logRaw(it.raw)
		}
		if len(c.out) == 0 || it.closeAfter {
			if err := w.Flush(); err != nil {
				c.writeFailed(err)
				continue
			}
		}
		if it.closeAfter {
			c.kill(errClosedByTest)
		}
	}
}

// writeFailed ends the connection after a failed write.
func (c *conn) writeFailed(err error) {
	if errors.Is(err, os.ErrDeadlineExceeded) && !c.dead.Load() {
		c.srv.stats.writeTimeouts.Add(1)
		c.log.Warn("client not reading: write timed out, closing connection", "timeout", c.srv.cfg.WriteTimeout)
	}
	c.kill(fmt.Errorf("write: %w", err))
}

// reader reads and handles frames until the connection ends, then cleans
// up: timers, monitors, the endpoint's table, the writer.
func (c *conn) reader(writerDone chan struct{}) {
	r := framing.NewReader(c.nc, c.srv.cfg.MaxFrameSize)
	for {
		f, err := r.ReadFrame()
		if err != nil {
			c.readFailed(err)
			break
		}
		c.handleFrame(f)
	}
	c.kill(errors.New("reader finished"))
	c.timers.close()
	c.srv.pbx.dropConnMonitors(c)
	c.srv.removeConn(c)
	close(c.quit)
	<-writerDone
	c.log.Debug("connection closed", "cause", c.cause)
	close(c.done)
}

// readFailed records why reading stopped.
func (c *conn) readFailed(err error) {
	switch {
	case c.dead.Load(), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	case errors.Is(err, framing.ErrBadFormat), errors.Is(err, framing.ErrShortFrame),
		errors.Is(err, framing.ErrTooLarge), errors.Is(err, framing.ErrBadInvokeID):
		c.srv.stats.framing.Add(1)
		c.log.Info("broken frame from client; closing connection", "err", err)
	default:
		c.log.Debug("read failed", "err", err)
	}
	c.kill(err)
}

// handleFrame decodes and carries out one frame from the client.
func (c *conn) handleFrame(f framing.Frame) {
	s, p := c.srv, c.srv.pbx
	now := time.Now()
	c.logFrame(FrameIn, f.InvokeID, f.Body)
	if c.vendorFrame(f, now) {
		return
	}
	m, err := csta.Decode(f.Body)
	if err != nil {
		s.stats.undecodable.Add(1)
		c.log.Debug("undecodable frame; ignored", "invokeID", f.InvokeID, "err", err, "bytes", len(f.Body))
		p.mu.Lock()
		p.reqs.add(RequestRecord{Time: now, Endpoint: s.name, Conn: c.id, InvokeID: f.InvokeID, Err: err})
		p.notifyLocked()
		p.mu.Unlock()
		if resp := malformedRequestAnswer(f.Body, err, c.session != "" || c.sessionless()); resp != nil && !s.stall.Load() {
			c.ownNamespace(resp)
			c.respond(f.InvokeID, resp, false)
		}
		return
	}
	if c.log.Enabled(context.Background(), slog.LevelDebug) {
		c.log.Debug("received", "invokeID", f.InvokeID, "message", m.MessageName())
	}
	switch m := m.(type) {
	case csta.Response:
		c.clientResponse(f.InvokeID, m)
		return
	case csta.Event:
		c.log.Debug("event from a client; ignored", "message", m.MessageName())
		return
	}
	c.fromWire(m)
	c.ownNamespace(m)
	s.stats.requests.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs.add(RequestRecord{Time: now, Endpoint: s.name, Conn: c.id, InvokeID: f.InvokeID, Name: m.MessageName(), Message: m})
	c.completeConnections(m)
	if !s.stall.Load() {
		if rule := c.matchRule(m); !rule.answered(c, f.InvokeID) {
			if resp := c.serve(m); resp != nil {
				*resp.MessageHeader() = m.MessageHeader().Reply()
				_, stop := resp.(*csta.StopApplicationSessionPosResponse)
				rule.respond(c, f.InvokeID, resp, stop)
			}
		}
	}
	p.flushLocked()
}

// serve carries out a request and returns its answer, or nil for none.
// The caller holds the PBX lock.
func (c *conn) serve(m csta.Message) csta.Message {
	s := c.srv
	switch r := m.(type) {
	case *csta.ResetApplicationSessionTimer:
		if c.session == "" || r.SessionID != c.session {
			return &csta.ResetApplicationSessionTimerNegResponse{ErrorCode: csta.SessionError{Defined: csta.SessionInvalidSessionID}}
		}
		if r.RequestedSessionDuration > 0 {
			c.duration = time.Duration(r.RequestedSessionDuration) * time.Second
		}
		c.armExpiry()
		return &csta.ResetApplicationSessionTimerPosResponse{ActualSessionDuration: int(c.duration / time.Second)}
	case *csta.StopApplicationSession:
		if c.session == "" || r.SessionID != c.session {
			return &csta.StopApplicationSessionNegResponse{ErrorCode: csta.SessionError{Defined: csta.SessionInvalidSessionID}}
		}
		c.timers.stop(c.expiry)
		c.session = ""
		return &csta.StopApplicationSessionPosResponse{}
	}
	if _, ok := m.(*csta.StartApplicationSession); ok {
		return c.startSession(m.(*csta.StartApplicationSession))
	}
	if c.session == "" && !c.sessionless() {
		return csta.ErrorResponse(csta.Header{}, cerr(csta.ErrSecurity, "%s before StartApplicationSession", m.MessageName()))
	}
	switch r := m.(type) {
	case *csta.RequestSystemStatus:
		if s.stallHB.Load() {
			return nil
		}
		return &csta.RequestSystemStatusResponse{SystemStatus: csta.SystemNormal}
	case *csta.SystemStatus:
		if s.stallHB.Load() {
			return nil
		}
		return &csta.SystemStatusResponse{}
	case csta.Request:
		resp, err := s.pbx.serve(c, r)
		if err != nil {
			c.log.Debug("request refused", "message", r.MessageName(), "err", err)
			return csta.ErrorResponse(csta.Header{}, err)
		}
		return resp
	}
	return csta.ErrorResponse(csta.Header{}, cerr(csta.ErrServiceNotSupported, "unknown message %s", m.MessageName()))
}

// startSession opens the application session: the first requested
// protocol version that is an ECMA-323 edition 3 to 6 namespace is
// granted, with the requested duration.
func (c *conn) startSession(r *csta.StartApplicationSession) csta.Message {
	d := c.srv.d
	if d.Session == dialect.SessionSystemRegister {
		// OpenScape Voice has no application session.
		return csta.ErrorResponse(csta.Header{}, cerr(csta.ErrServiceNotSupported, "%s opens no application session; SystemRegister instead", d.Name))
	}
	if c.session != "" {
		return &csta.StartApplicationSessionNegResponse{ErrorCode: csta.SessionError{Application: "application session already started"}}
	}
	version := ""
	for _, v := range r.RequestedProtocolVersions {
		if d.Accepts(v) {
			version = v
			break
		}
	}
	if version == "" {
		return &csta.StartApplicationSessionNegResponse{ErrorCode: csta.SessionError{Defined: csta.SessionProtocolVersionNotSupported}}
	}
	if neg := c.checkLogin(r); neg != nil {
		return neg
	}
	p := c.srv.pbx
	p.seq.session++
	c.session = fmt.Sprintf("%08d", p.seq.session)
	c.version.Store(version)
	c.duration = c.srv.cfg.SessionDuration
	if r.RequestedSessionDuration > 0 {
		c.duration = time.Duration(r.RequestedSessionDuration) * time.Second
	}
	c.armExpiry()
	c.startHeartbeats()
	return &csta.StartApplicationSessionPosResponse{
		SessionID:             c.session,
		ActualProtocolVersion: version,
		ActualSessionDuration: int(c.duration / time.Second),
	}
}

// armExpiry (re)starts the session timer: a session not reset in time
// ends, and so does the connection.
func (c *conn) armExpiry() {
	c.timers.stop(c.expiry)
	session := c.session
	c.expiry = c.timers.after(c.duration, func() {
		c.log.Info("application session expired; closing connection", "session", session)
		c.kill(errors.New("application session expired"))
	})
}

// startHeartbeats starts the endpoint's own SystemStatus heartbeats, when
// configured.
func (c *conn) startHeartbeats() {
	if iv := c.srv.cfg.SystemStatusInterval; iv > 0 {
		c.timers.after(iv, c.heartbeat)
	}
}

// heartbeat sends SystemStatus, or closes the connection when too many
// went unanswered, and schedules the next one.
func (c *conn) heartbeat() {
	s := c.srv
	if c.dead.Load() {
		return
	}
	if !s.stallHB.Load() && !s.stall.Load() {
		c.hbMu.Lock()
		if missed := len(c.hbPending); missed >= s.cfg.SystemStatusMisses {
			c.hbMu.Unlock()
			c.log.Info("client left SystemStatus unanswered; closing connection", "missed", missed)
			c.kill(fmt.Errorf("%d SystemStatus requests unanswered", missed))
			return
		}
		c.hbMu.Unlock()
		c.sendSystemStatus()
	}
	c.timers.after(s.cfg.SystemStatusInterval, c.heartbeat)
}

// clientResponse takes a response from the client: the answer to one of
// the endpoint's SystemStatus requests, which shows the client is alive
// and so settles every one pending, or something unexpected.
func (c *conn) clientResponse(id int, m csta.Message) {
	c.hbMu.Lock()
	ok := c.hbPending[id]
	if ok {
		for pid := range c.hbPending {
			if c.srv.cfg.InvokeIDs == [2]int{} {
				c.hbIDs.Release(pid)
			}
		}
		clear(c.hbPending)
	}
	c.hbMu.Unlock()
	if ok {
		c.srv.stats.ssAnswered.Add(1)
		if c.session != "" && !c.srv.d.ClientResetsTimer && c.srv.d.Name != dialect.ECMA354 {
			c.armExpiry() // the answered heartbeat keeps the session (OpenScape Business)
		}
		return
	}
	c.log.Debug("response to nothing the endpoint asked; ignored", "invokeID", id, "message", m.MessageName())
}
