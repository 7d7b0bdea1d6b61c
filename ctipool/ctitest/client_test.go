package ctitest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
)

// testClient is a minimal synchronous CSTA over TCP client for the tests,
// built on framing and csta directly: it writes a request and reads frames
// until the answer, keeping the events it meets on the way.
type testClient struct {
	t       testing.TB
	nc      net.Conn
	r       *framing.Reader
	next    int
	ns      string // namespace of the requests
	events  []csta.Event
	serverQ []framing.Frame // requests the server sent
	session string
}

// readTimeout bounds every read of a test client on a real socket, so a
// missing frame fails the test instead of hanging it.
const readTimeout = 10 * time.Second

// dialTCP connects to addr without starting a session.
func dialTCP(t testing.TB, addr string) *testClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	return &testClient{t: t, nc: nc, r: framing.NewReader(nc, 0), ns: csta.NamespaceEd3}
}

// dialPipe connects to s in memory without starting a session.
func dialPipe(t testing.TB, s *Server) *testClient {
	t.Helper()
	nc, err := s.Dial(context.Background(), "tcp", s.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	return &testClient{t: t, nc: nc, r: framing.NewReader(nc, 0), ns: csta.NamespaceEd3}
}

// connect dials s over TCP and starts an ed3 application session.
func connect(t testing.TB, s *Server) *testClient {
	t.Helper()
	c := dialTCP(t, s.Addr())
	c.start(csta.NamespaceEd3)
	return c
}

// start opens the application session.
func (c *testClient) start(version string) {
	c.t.Helper()
	resp := c.do(&csta.StartApplicationSession{ApplicationID: "test", RequestedProtocolVersions: []string{version}, RequestedSessionDuration: 600})
	pos, ok := resp.(*csta.StartApplicationSessionPosResponse)
	require.True(c.t, ok, "StartApplicationSession answered with %s", resp.MessageName())
	c.session = pos.SessionID
	c.ns = version
}

// send writes a request and returns its invoke ID.
func (c *testClient) send(req csta.Request) int {
	c.t.Helper()
	if h := req.MessageHeader(); h.Namespace == "" && !isACSE(req) {
		h.Namespace = c.ns
	}
	c.next = c.next%framing.MaxRequestInvokeID + 1
	body, err := csta.Encode(req)
	require.NoError(c.t, err)
	require.NoError(c.t, framing.WriteFrame(c.nc, c.next, body))
	return c.next
}

func isACSE(m csta.Message) bool {
	switch m.(type) {
	case *csta.StartApplicationSession, *csta.StopApplicationSession, *csta.ResetApplicationSessionTimer:
		return true
	}
	return false
}

// frame reads the next frame, failing the test on error.
func (c *testClient) frame() framing.Frame {
	c.t.Helper()
	f, err := c.tryFrame()
	require.NoError(c.t, err)
	return f
}

func (c *testClient) tryFrame() (framing.Frame, error) {
	// In-memory connections get no deadline: inside a synctest bubble it
	// would fire on the fake clock.
	if c.nc.LocalAddr().Network() != "pipe" {
		_ = c.nc.SetReadDeadline(time.Now().Add(readTimeout))
	}
	return c.r.ReadFrame()
}

// answer reads frames until the one with invoke ID id, keeping events and
// server requests, and returns its message.
func (c *testClient) answer(id int) csta.Message {
	c.t.Helper()
	for range 10000 {
		f := c.frame()
		m, err := csta.Decode(f.Body)
		require.NoError(c.t, err, "frame %04d: %q", f.InvokeID, f.Body)
		if ev, ok := m.(csta.Event); ok {
			require.Equal(c.t, framing.EventInvokeID, f.InvokeID, "event with invoke ID %d", f.InvokeID)
			c.events = append(c.events, ev)
			continue
		}
		if _, ok := m.(csta.Request); ok {
			c.serverQ = append(c.serverQ, f)
			continue
		}
		require.Equal(c.t, id, f.InvokeID, "answer %s for another request", m.MessageName())
		return m
	}
	c.t.Fatal("no answer")
	return nil
}

// do sends a request and returns its answer.
func (c *testClient) do(req csta.Request) csta.Message {
	c.t.Helper()
	return c.answer(c.send(req))
}

// ok sends a request and requires a positive answer.
func (c *testClient) ok(req csta.Request) csta.Message {
	c.t.Helper()
	m := c.do(req)
	if e, bad := m.(*csta.CSTAErrorCode); bad {
		c.t.Fatalf("%s refused: %s", req.MessageName(), e.Code)
	}
	return m
}

// fails sends a request and requires the CSTA error want.
func (c *testClient) fails(req csta.Request, want error) {
	c.t.Helper()
	m := c.do(req)
	e, ok := m.(*csta.CSTAErrorCode)
	require.True(c.t, ok, "%s answered with %s, want %v", req.MessageName(), m.MessageName(), want)
	require.ErrorIs(c.t, e.Err(), want)
}

// event returns the next event.
func (c *testClient) event() csta.Event {
	c.t.Helper()
	for len(c.events) == 0 {
		f := c.frame()
		m, err := csta.Decode(f.Body)
		require.NoError(c.t, err)
		switch m := m.(type) {
		case csta.Event:
			c.events = append(c.events, m)
		case csta.Request:
			c.serverQ = append(c.serverQ, f)
		default:
			c.t.Fatalf("unexpected %s (invoke ID %d) while waiting for an event", m.MessageName(), f.InvokeID)
		}
	}
	ev := c.events[0]
	c.events = c.events[1:]
	return ev
}

// expect reads len(want) events and compares their descriptions.
func (c *testClient) expect(want ...string) []csta.Event {
	c.t.Helper()
	evs := make([]csta.Event, len(want))
	got := make([]string, len(want))
	for i := range want {
		evs[i] = c.event()
		got[i] = describe(evs[i])
	}
	require.Equal(c.t, want, got)
	return evs
}

// quiet requires that no event is pending: it sends GetCSTAFeatures (not
// a heartbeat, which a fault may stall) and requires its answer to come
// before any event.
func (c *testClient) quiet() {
	c.t.Helper()
	require.Empty(c.t, describeAll(c.events), "events left over")
	id := c.send(&csta.GetCSTAFeatures{})
	f := c.frame()
	m, err := csta.Decode(f.Body)
	require.NoError(c.t, err)
	require.Equal(c.t, id, f.InvokeID, "got %s before the GetCSTAFeatures answer", describeMsg(m))
}

// monitor starts a monitor of device and returns its cross reference.
func (c *testClient) monitor(device string) csta.MonitorCrossRefID {
	c.t.Helper()
	m := c.ok(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(device)}})
	return m.(*csta.MonitorStartResponse).MonitorCrossRefID
}

// closed requires the server to close the connection (EOF) after at most
// a few frames, which it returns.
func (c *testClient) closed() []framing.Frame {
	c.t.Helper()
	var got []framing.Frame
	for range 100 {
		f, err := c.tryFrame()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isReset(err) {
				c.t.Fatalf("want the connection closed, got %v", err)
			}
			return got
		}
		got = append(got, f)
	}
	c.t.Fatal("connection not closed")
	return nil
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset") || errors.Is(err, framing.ErrTruncated)
}

// describe writes an event compactly: its name without "Event", the
// device of its subject connection, the local connection state and the
// cause, for example "Delivered 1002 alerting newCall".
func describe(ev csta.Event) string {
	var conn csta.ConnectionID
	var local csta.LocalConnectionState
	var cause csta.EventCause
	switch e := ev.(type) {
	case *csta.ServiceInitiatedEvent:
		conn, local, cause = e.InitiatedConnection, e.LocalConnectionInfo, e.Cause
	case *csta.OriginatedEvent:
		conn, local, cause = e.OriginatedConnection, e.LocalConnectionInfo, e.Cause
	case *csta.NetworkReachedEvent:
		conn, local, cause = e.OutboundConnection, e.LocalConnectionInfo, e.Cause
	case *csta.DeliveredEvent:
		conn, local, cause = e.Connection, e.LocalConnectionInfo, e.Cause
	case *csta.EstablishedEvent:
		conn, local, cause = e.EstablishedConnection, e.LocalConnectionInfo, e.Cause
	case *csta.FailedEvent:
		conn, local, cause = e.FailedConnection, e.LocalConnectionInfo, e.Cause
	case *csta.ConnectionClearedEvent:
		conn, local, cause = e.DroppedConnection, e.LocalConnectionInfo, e.Cause
	case *csta.CallClearedEvent:
		conn, cause = e.ClearedCall, e.Cause
	case *csta.HeldEvent:
		conn, local, cause = e.HeldConnection, e.LocalConnectionInfo, e.Cause
	case *csta.RetrievedEvent:
		conn, local, cause = e.RetrievedConnection, e.LocalConnectionInfo, e.Cause
	case *csta.TransferredEvent:
		conn, local, cause = e.PrimaryOldCall, e.LocalConnectionInfo, e.Cause
	case *csta.ConferencedEvent:
		conn, local, cause = e.PrimaryOldCall, e.LocalConnectionInfo, e.Cause
	case *csta.DivertedEvent:
		conn, local, cause = e.Connection, e.LocalConnectionInfo, e.Cause
	case *csta.DigitsGeneratedEvent:
		return "DigitsGenerated " + e.Connection.DeviceID.ID + " " + e.DigitGeneratedList
	case *csta.ForwardingEvent:
		return fmt.Sprintf("Forwarding %s %s %v", e.Device, e.ForwardingType, e.ForwardStatus)
	case *csta.DoNotDisturbEvent:
		return fmt.Sprintf("DoNotDisturb %s %v", e.Device, e.DoNotDisturbOn)
	}
	dev := conn.DeviceID.ID
	if dev == "" {
		dev = "-"
	}
	if local == "" {
		local = "-"
	}
	return fmt.Sprintf("%s %s %s %s", strings.TrimSuffix(ev.MessageName(), "Event"), dev, local, cause)
}

func describeAll(evs []csta.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = describe(ev)
	}
	return out
}

func describeMsg(m csta.Message) string {
	if ev, ok := m.(csta.Event); ok {
		return describe(ev)
	}
	return m.MessageName()
}

// callOf returns the callID of an event's subject connection.
func callOf(ev csta.Event) csta.CallID {
	var id csta.CallID
	csta.WalkConnections(ev, func(_ string, c *csta.ConnectionID) {
		if id == "" {
			id = c.CallID
		}
	})
	return id
}

// newTestPBX returns a PBX with lines 1001 to 1004 whose far ends answer
// at once, and closes it when the test ends.
func newTestPBX(t testing.TB, cfg PBXConfig) *PBX {
	t.Helper()
	if cfg.Directory == nil && cfg.Lines == nil {
		cfg.Lines = []string{"1001", "1002", "1003", "1004"}
	}
	if cfg.FarEnds == nil {
		cfg.FarEnds = DemoFarEnds(0, 0)
	}
	p, err := NewPBX(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// serve starts a loopback endpoint of p.
func serve(t testing.TB, p *PBX, cfg ServerConfig) *Server {
	t.Helper()
	s, err := p.Serve(cfg)
	require.NoError(t, err)
	return s
}

// writeRaw writes a frame with body as it is.
func writeRaw(c *testClient, id int, body []byte) error {
	return framing.WriteFrame(c.nc, id, body)
}
