package ctiscript

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
)

// Options configures the peers a server creates.
type Options struct {
	// Answer, when set, is asked first for each request. It returns the
	// answer and true, or nil and true for no answer at all, or false to
	// fall back to the default answer. It runs on the peer's reader
	// goroutine and may call Send.
	Answer func(p *Peer, id int, req csta.Message) (csta.Message, bool)
	// OnMessage, when set, is called for every message received, on the
	// peer's reader goroutine, before a request is answered.
	OnMessage func(p *Peer, id int, m csta.Message)
}

// Peer is the server side of one connection.
type Peer struct {
	addr string
	conn net.Conn
	opts Options

	wmu    sync.Mutex
	silent atomic.Bool
	deaf   atomic.Bool
	xrefs  atomic.Uint64

	closeOnce sync.Once
	closing   chan struct{} // closed by Close

	mu       sync.Mutex
	received []string

	done chan struct{}
}

// Serve starts serving conn and returns at once. addr is the address the
// client dialled, for tests with several servers.
func Serve(addr string, conn net.Conn, opts Options) *Peer {
	p := &Peer{addr: addr, conn: conn, opts: opts, done: make(chan struct{}), closing: make(chan struct{})}
	go p.read()
	return p
}

// Addr returns the address the client dialled.
func (p *Peer) Addr() string { return p.addr }

// Done is closed when the peer's reader has stopped.
func (p *Peer) Done() <-chan struct{} { return p.done }

// Close closes the connection; the reader stops soon after.
func (p *Peer) Close() error {
	p.closeOnce.Do(func() { close(p.closing) })
	return p.conn.Close()
}

// Deafen makes the peer stop reading for good after the frame it reads
// next, which it records but does not answer: a server that no longer
// takes what the client writes, while Send still works. Close ends it.
func (p *Peer) Deafen() { p.deaf.Store(true) }

// SetSilent makes the peer stop answering when on is true: a stalled
// server. It still reads and records what it receives, so nothing blocks.
func (p *Peer) SetSilent(on bool) { p.silent.Store(on) }

// Received returns the names of the requests received so far.
func (p *Peer) Received() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.received...)
}

// Count returns how many requests named name were received.
func (p *Peer) Count(name string) int {
	n := 0
	for _, r := range p.Received() {
		if r == name {
			n++
		}
	}
	return n
}

// Send writes a message with the invoke ID.
func (p *Peer) Send(id int, m csta.Message) error {
	body, err := csta.Encode(m)
	if err != nil {
		return err
	}
	return p.SendRaw(id, body)
}

// SendRaw writes a frame with the body as it is.
func (p *Peer) SendRaw(id int, body []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return framing.WriteFrame(p.conn, id, body)
}

// SendEvent writes an event with the event invoke ID.
func (p *Peer) SendEvent(ev csta.Event) error { return p.Send(framing.EventInvokeID, ev) }

// Write writes raw bytes, for broken frames.
func (p *Peer) Write(b []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	_, err := p.conn.Write(b)
	return err
}

func (p *Peer) read() {
	defer close(p.done)
	defer p.conn.Close()
	r := framing.NewReader(p.conn, 0)
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return
		}
		m, err := csta.Decode(f.Body)
		if err != nil {
			continue
		}
		p.mu.Lock()
		p.received = append(p.received, m.MessageName())
		p.mu.Unlock()
		if p.deaf.Load() {
			<-p.closing
			return
		}
		if p.opts.OnMessage != nil {
			p.opts.OnMessage(p, f.InvokeID, m)
		}
		if _, ok := m.(csta.Request); !ok || p.silent.Load() {
			continue // an answer to one of our requests, or stalled
		}
		var resp csta.Message
		handled := false
		if p.opts.Answer != nil {
			resp, handled = p.opts.Answer(p, f.InvokeID, m)
		}
		if !handled {
			resp = p.DefaultAnswer(m)
		}
		if resp != nil && !p.silent.Load() {
			if err := p.Send(f.InvokeID, resp); err != nil {
				return
			}
		}
	}
}

// NextCrossRefID returns a fresh monitorCrossRefID.
func (p *Peer) NextCrossRefID() csta.MonitorCrossRefID {
	return csta.MonitorCrossRefID(fmt.Sprintf("x%d", p.xrefs.Add(1)))
}

// DefaultAnswer is the answer a peer gives when Options.Answer does not.
func (p *Peer) DefaultAnswer(m csta.Message) csta.Message {
	h := m.MessageHeader().Reply()
	switch m := m.(type) {
	case *csta.StartApplicationSession:
		r := &csta.StartApplicationSessionPosResponse{Header: h, SessionID: "session-1",
			ActualSessionDuration: m.RequestedSessionDuration}
		if len(m.RequestedProtocolVersions) > 0 {
			r.ActualProtocolVersion = m.RequestedProtocolVersions[0]
		}
		return r
	case *csta.ResetApplicationSessionTimer:
		return &csta.ResetApplicationSessionTimerPosResponse{Header: h, ActualSessionDuration: m.RequestedSessionDuration}
	case *csta.StopApplicationSession:
		return &csta.StopApplicationSessionPosResponse{Header: h}
	case *csta.RequestSystemStatus:
		return &csta.RequestSystemStatusResponse{Header: h, SystemStatus: csta.SystemNormal}
	case *csta.MonitorStart:
		return &csta.MonitorStartResponse{Header: h, MonitorCrossRefID: p.NextCrossRefID()}
	case *csta.MonitorStop:
		return &csta.MonitorStopResponse{Header: h}
	case *csta.MakeCall:
		return &csta.MakeCallResponse{Header: h, CallingDevice: csta.Connection("call-1", m.CallingDevice.ID)}
	}
	return csta.ErrorResponse(h, csta.ErrServiceNotSupported)
}

// Peers collects the peers of a server and hands them to a test as they
// connect.
type Peers struct {
	mu   sync.Mutex
	all  []*Peer
	next chan *Peer
}

func newPeers() *Peers { return &Peers{next: make(chan *Peer, 64)} }

func (ps *Peers) add(p *Peer) {
	ps.mu.Lock()
	ps.all = append(ps.all, p)
	ps.mu.Unlock()
	select {
	case ps.next <- p:
	default:
	}
}

// All returns every peer so far.
func (ps *Peers) All() []*Peer {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]*Peer(nil), ps.all...)
}

// Next waits for the next peer to connect (the first 64 are buffered).
func (ps *Peers) Next(ctx context.Context) (*Peer, error) {
	select {
	case p := <-ps.next:
		return p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// CloseAll closes every peer and waits for their readers.
func (ps *Peers) CloseAll() {
	for _, p := range ps.All() {
		_ = p.Close()
		<-p.Done()
	}
}

// Listener is a loopback server.
type Listener struct {
	*Peers
	ln   net.Listener
	opts Options
	done chan struct{}
}

// Listen starts a server on 127.0.0.1 with a free port.
func Listen(opts Options) (*Listener, error) {
	return ListenAddr("127.0.0.1:0", opts)
}

// ListenTLS starts a TLS server on 127.0.0.1 with a free port.
func ListenTLS(cfg *tls.Config, opts Options) (*Listener, error) {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		return nil, err
	}
	return serveListener(ln, opts), nil
}

// ListenAddr starts a server on addr, for restarting one on the same port.
func ListenAddr(addr string, opts Options) (*Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return serveListener(ln, opts), nil
}

func serveListener(ln net.Listener, opts Options) *Listener {
	l := &Listener{Peers: newPeers(), ln: ln, opts: opts, done: make(chan struct{})}
	go l.accept()
	return l
}

func (l *Listener) accept() {
	defer close(l.done)
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.add(Serve(l.Addr(), c, l.opts))
	}
}

// Addr returns the listening address.
func (l *Listener) Addr() string { return l.ln.Addr().String() }

// Close stops listening, closes every peer and waits for all goroutines.
func (l *Listener) Close() {
	_ = l.ln.Close()
	<-l.done
	l.CloseAll()
}

// ErrRefused is what a Pipes dialler returns for a refused address.
var ErrRefused = errors.New("ctiscript: connection refused")

// Pipes dials in-memory connections, each served by a Peer: a Config.Dial
// for tests in testing/synctest.
type Pipes struct {
	*Peers
	opts Options

	mu      sync.Mutex
	refused map[string]bool
	dials   map[string]int
}

// NewPipes returns a dialler whose peers use opts.
func NewPipes(opts Options) *Pipes {
	return &Pipes{Peers: newPeers(), opts: opts, refused: make(map[string]bool), dials: make(map[string]int)}
}

// Refuse makes dials to addr fail (true) or succeed (false).
func (ps *Pipes) Refuse(addr string, refuse bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.refused[addr] = refuse
}

// Dials returns how many times addr was dialled.
func (ps *Pipes) Dials(addr string) int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.dials[addr]
}

// Dial is a Config.Dial.
func (ps *Pipes) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	ps.mu.Lock()
	ps.dials[addr]++
	refused := ps.refused[addr]
	ps.mu.Unlock()
	if refused {
		return nil, fmt.Errorf("dial %s %s: %w", network, addr, ErrRefused)
	}
	client, server := net.Pipe()
	ps.add(Serve(addr, server, ps.opts))
	return client, nil
}
