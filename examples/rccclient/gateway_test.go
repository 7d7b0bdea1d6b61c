package main

// Tests against the real gateway: the demo PBX behind a CTI pool, the
// session manager and the SIP server, in process, on loopback sockets.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	gw "github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/session/gateway/demo"
	"github.com/rcc-go/rcc/sip"
)

// realGateway is a demo gateway listening on TCP at addr ("127.0.0.1:0"
// picks a port).
type realGateway struct {
	*demo.Gateway
	pbx *ctitest.PBX
}

func startGateway(t *testing.T, addr string) *realGateway {
	t.Helper()
	cfg, err := gw.ParseConfig("test", nil)
	require.NoError(t, err)
	cfg.SIP.Listen = []gw.Listener{{Transport: "tcp", Address: addr}}
	cfg.CTI.ReconnectMin = gw.Duration(10 * time.Millisecond)
	cfg.CTI.ReconnectMax = gw.Duration(100 * time.Millisecond)
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Directory: lineappearance.Demo(), FarEnds: ctitest.DemoFarEnds(0, 0)})
	require.NoError(t, err)
	g, err := demo.New(cfg, gw.Options{Logger: slog.New(slog.DiscardHandler)}, demo.Options{PBX: pbx})
	require.NoError(t, err)
	require.NoError(t, g.Start())
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			g.Shutdown(ctx)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, g.Pool().WaitHealthy(ctx, demo.Endpoints))
	return &realGateway{Gateway: g, pbx: pbx}
}

// uri returns the gateway's SIP URI.
func (g *realGateway) uri() string {
	return fmt.Sprintf("sip:cti@%s;transport=tcp", g.Addrs()[0].Addr)
}

// stop shuts the gateway down (BYE to every session).
func (g *realGateway) stop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, g.Shutdown(ctx))
}

// aliceCalls returns the PBX's calls that alice's line is in, with her
// connection's state.
func (g *realGateway) aliceCalls() map[csta.CallID]csta.LocalConnectionState {
	out := map[csta.CallID]csta.LocalConnectionState{}
	for _, c := range g.pbx.Calls() {
		for _, p := range c.Parties {
			if p.ID == "1001" {
				out[c.ID] = p.State
			}
		}
	}
	return out
}

// running is an rccclient running in the background.
type running struct {
	out, err syncBuffer
	in       *io.PipeWriter
	cancel   context.CancelFunc
	done     chan int
}

// start runs rccclient in the background with args after the common
// flags; its standard input is a pipe.
func start(t *testing.T, gw, control string, args ...string) *running {
	t.Helper()
	r := &running{done: make(chan int, 1)}
	in, w := io.Pipe()
	r.in = w
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	all := append([]string{"-gateway", gw, "-line", line, "-local", "127.0.0.1:0", "-control", control}, args...)
	go func() { r.done <- run(ctx, all, in, &r.out, &r.err) }()
	t.Cleanup(func() {
		cancel()
		w.Close()
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
			t.Error("rccclient did not stop")
		}
	})
	return r
}

// stop interrupts it and returns its exit code.
func (r *running) stop(t *testing.T) int {
	t.Helper()
	r.cancel()
	r.in.Close()
	select {
	case code := <-r.done:
		r.done <- code
		return code
	case <-time.After(15 * time.Second):
		t.Fatal("rccclient did not stop")
		return -1
	}
}

// typeLine types a line on its standard input.
func (r *running) typeLine(t *testing.T, l string) {
	t.Helper()
	_, err := io.WriteString(r.in, l+"\n")
	require.NoError(t, err)
}

// once runs a one-shot rccclient command.
func once(t *testing.T, gw, control string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut syncBuffer
	all := append([]string{"-gateway", gw, "-line", line, "-local", "127.0.0.1:0", "-control", control}, args...)
	code := run(context.Background(), all, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// waitSince waits until out, after its first from bytes, contains s.
func waitSince(t *testing.T, out *syncBuffer, from int, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String()[from:], s) {
		require.True(t, time.Now().Before(deadline), "no %q in %q", s, out.String()[from:])
		time.Sleep(10 * time.Millisecond)
	}
}

// callIDIn finds the call ID a "calling" result names.
func callIDIn(t *testing.T, s string) string {
	t.Helper()
	i := strings.Index(s, ": call ")
	require.GreaterOrEqual(t, i, 0, s)
	f := strings.Fields(s[i+len(": call "):])
	require.NotEmpty(t, f)
	return strings.TrimRight(f[0], ",;")
}

// TestTwoTerminals runs the documented workflow: monitor in one terminal,
// commands in another for the same line. The commands go through the
// monitor's session, which stays open and prints the events; a second
// monitor watches through it too. The gateway sees one session.
func TestTwoTerminals(t *testing.T) {
	g := startGateway(t, "127.0.0.1:0")
	control := filepath.Join(t.TempDir(), "ctl")
	mon := start(t, g.uri(), control, "monitor")
	waitOutput(t, &mon.out, "monitoring "+line)

	code, stdout, stderr := once(t, g.uri(), control, "call", "2000")
	require.Equal(t, 0, code, stderr)
	id := callIDIn(t, stdout)
	waitOutput(t, &mon.out, "from another terminal: call 2000")
	waitOutput(t, &mon.out, "Established call="+id)

	watcher := start(t, g.uri(), control, "monitor")
	waitOutput(t, &watcher.out, "watching "+line)

	code, stdout, stderr = once(t, g.uri(), control, "calls")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "call "+id+": connected with tel:2000")

	// An interactive rccclient attaches too: its commands run in the
	// monitor's session, it prints the events.
	inter := start(t, g.uri(), control, "interactive")
	waitOutput(t, &inter.out, "watching "+line)
	inter.typeLine(t, "snapshot")
	waitOutput(t, &inter.out, "call "+id+": connected with tel:2000")
	inter.typeLine(t, "quit")
	select {
	case code := <-inter.done:
		inter.done <- code
		assert.Equal(t, 0, code, inter.err.String())
	case <-time.After(10 * time.Second):
		t.Fatal("interactive did not quit")
	}

	code, stdout, stderr = once(t, g.uri(), control, "hangup")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "hung up call "+id)
	waitOutput(t, &mon.out, "ConnectionCleared call="+id)
	waitOutput(t, &watcher.out, "ConnectionCleared call="+id)

	code, _, stderr = once(t, g.uri(), control, "hold")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no connected call")

	assert.Len(t, g.Sessions().Sessions(), 1, "the commands used the monitor's session")
	assert.NotContains(t, mon.out.String(), "session lost")
	// The first monitor stops: the second takes over with a session of
	// its own, and the commands go through it.
	assert.Equal(t, 0, mon.stop(t))
	waitOutput(t, &watcher.out, "monitoring "+line)
	code, stdout, stderr = once(t, g.uri(), control, "calls")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "no calls at "+line)
	assert.Equal(t, 0, watcher.stop(t))

	// With the monitor gone, a command opens a session of its own.
	code, stdout, stderr = once(t, g.uri(), control, "dnd")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "do not disturb is off")
}

// TestConferenceBusy checks that "conference 3000" (busy) returns with the
// cause at once, not after -answer-wait, and leaves the first call
// connected and no consultation call behind.
func TestConferenceBusy(t *testing.T) {
	g := startGateway(t, "127.0.0.1:0")
	control := filepath.Join(t.TempDir(), "ctl")
	r := start(t, g.uri(), control, "-answer-wait", "10m", "interactive")
	waitOutput(t, &r.out, "session open")
	r.typeLine(t, "call 2000")
	waitOutput(t, &r.out, "Established call=")
	id := callIDIn(t, r.out.String())
	r.typeLine(t, "conference 3000")
	// Bounded by waitOutput's 10 s, far below the 10 minutes of
	// -answer-wait.
	waitOutput(t, &r.err, "did not answer")
	assert.Contains(t, r.err.String(), "conference: tel:3000 did not answer the consultation call")
	assert.Contains(t, r.err.String(), "busy")
	assert.Contains(t, r.err.String(), "took back call "+id)
	assert.Equal(t, map[csta.CallID]csta.LocalConnectionState{csta.CallID(id): csta.StateConnected}, g.aliceCalls())

	r.typeLine(t, "calls")
	waitOutput(t, &r.out, "call "+id+": connected with tel:2000")
	out := r.out.String()
	assert.NotContains(t, out[strings.LastIndex(out, "call "+id+": connected"):], "hold")
	r.typeLine(t, "hangup")
	waitOutput(t, &r.out, "CallCleared call="+id)
	from := len(r.out.String())
	r.typeLine(t, "calls")
	waitSince(t, &r.out, from, "no calls at "+line)
	assert.Equal(t, 0, r.stop(t))
}

// TestEveryCommand runs each command against the real gateway, in states
// where it works, and checks that results come before the events they
// cause and that the events print their content.
func TestEveryCommand(t *testing.T) {
	g := startGateway(t, "127.0.0.1:0")
	control := filepath.Join(t.TempDir(), "ctl")
	r := start(t, g.uri(), control, "interactive")
	waitOutput(t, &r.out, "session open")
	assert.Contains(t, r.out.String(), "rcc> ")
	// step types a command and waits for want in what follows.
	step := func(cmd, want string) {
		t.Helper()
		from := len(r.out.String())
		r.typeLine(t, cmd)
		waitSince(t, &r.out, from, want)
	}
	step("features", "alternateCall")
	assert.Contains(t, r.out.String(), "reconnectCall")
	assert.Contains(t, r.out.String(), "clearCall")
	assert.Contains(t, r.out.String(), "netwReached")
	step("calls", "no calls at "+line)
	step("call 2000", "Established call=")
	first := callIDIn(t, r.out.String())
	out := r.out.String()
	assert.Less(t, strings.Index(out, "calling tel:2000"), strings.Index(out, "Originated call="+first), "result before its events")
	step("digits 12#", "DigitsGenerated call="+first+" digits=12#")
	step("consult 2001", "Established call=")
	second := callIDIn(t, r.out.String()[strings.LastIndex(r.out.String(), "consulting tel:2001"):])
	step("snapshot", "call "+first+": hold with tel:2000")
	step("alternate", "Retrieved call="+first)
	step("alternate", "Retrieved call="+second)
	step("reconnect", "Retrieved call="+first)
	step("consult 2002", "Established call=")
	step("transfer", "Transferred call=")
	assert.Contains(t, r.out.String(), "transferred call "+first)
	step("calls", "no calls at "+line)
	step("call 2003", "Established call=")
	step("transfer 2004", "transferred call")
	step("forward immediate 2005", "Forwarding device="+line+" type=forwardImmediate forwarding=on to=tel:2005")
	step("forward", "forwarding (forwardImmediate) to tel:2005")
	step("forward immediate off", "forwarding=off")
	step("dnd on", "DoNotDisturb device="+line+" dnd=on")
	step("dnd", "do not disturb is on")
	step("dnd off", "dnd=off")
	step("call 2006", "NetworkReached call=")
	step("hangup", "CallCleared call=")
	step("call 2007", "Established call=")
	last := callIDIn(t, r.out.String()[strings.LastIndex(r.out.String(), "calling tel:2007"):])
	step("clearcall", "CallCleared call="+last)
	out = r.out.String()
	assert.Less(t, strings.Index(out, "cleared call "+last), strings.Index(out, "CallCleared call="+last), "result before its events")
	assert.Equal(t, 0, r.stop(t))
	assert.Empty(t, r.err.String())
}

// TestClearCall ends a three-party conference with "clearcall": every
// party leaves, the PBX has no call left. A call ID of a call the line is
// not in is refused by the gateway, and the call goes on.
func TestClearCall(t *testing.T) {
	g := startGateway(t, "127.0.0.1:0")
	control := filepath.Join(t.TempDir(), "ctl")
	r := start(t, g.uri(), control, "interactive")
	waitOutput(t, &r.out, "session open")
	r.typeLine(t, "call 2000")
	waitOutput(t, &r.out, "Established call=")
	id := callIDIn(t, r.out.String())
	r.typeLine(t, "conference 2001")
	waitOutput(t, &r.out, "Conferenced call=")
	require.Eventually(t, func() bool {
		c, ok := g.pbx.LookupCall(csta.CallID(id))
		return ok && len(c.Parties) == 3
	}, 10*time.Second, 10*time.Millisecond)

	// Bob's call, from another far end: not alice's to clear.
	other, err := g.pbx.Call("2500", "1002")
	require.NoError(t, err)
	code, _, stderr := once(t, g.uri(), control, "clearcall", string(other))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "ClearCall: the gateway refused it: operation/privilegeViolationSpecifiedDevice")
	_, ok := g.pbx.LookupCall(other)
	assert.True(t, ok, "the refused ClearCall left the call alone")

	r.typeLine(t, "clearcall "+id)
	waitOutput(t, &r.out, "CallCleared call="+id)
	assert.Contains(t, r.out.String(), "cleared call "+id)
	assert.Equal(t, 3, strings.Count(r.out.String()[strings.Index(r.out.String(), "cleared call "+id):], "ConnectionCleared call="+id))
	assert.Empty(t, g.aliceCalls())
	assert.Len(t, g.pbx.Calls(), 1, "only bob's call is left")
	assert.Equal(t, 0, r.stop(t))
}

// TestReopen checks that monitor re-opens its session, with backoff, when
// the gateway restarts (BYE, then nobody listening) and when the gateway
// no longer knows the dialog (481), and says so.
func TestReopen(t *testing.T) {
	g := startGateway(t, "127.0.0.1:0")
	addr := g.Addrs()[0].Addr.String()
	uri := g.uri()
	control := filepath.Join(t.TempDir(), "ctl")
	r := start(t, uri, control, "-reopen-min", "20ms", "-reopen-max", "200ms", "-keepalive", "200ms", "interactive")
	waitOutput(t, &r.out, "session open")

	g.stop(t)
	waitOutput(t, &r.out, "session lost: the gateway ended the session (BYE); re-opening it")
	waitOutput(t, &r.out, "re-opening failed")
	g2 := startGateway(t, addr)
	waitOutput(t, &r.out, "session re-opened on "+line)
	require.Eventually(t, func() bool { return len(g2.Sessions().Sessions()) == 1 }, 10*time.Second, 10*time.Millisecond)
	r.typeLine(t, "call 2000")
	waitOutput(t, &r.out, "Established call=")

	// The gateway forgets the dialog without a BYE: the next request gets
	// 481, and the session is opened again.
	before := strings.Count(r.out.String(), "session re-opened")
	for _, in := range g2.Sessions().Sessions() {
		g2.Sessions().Lookup(in.DialogID).Close(errors.New("test: forgotten"))
	}
	r.typeLine(t, "dnd")
	waitOutput(t, &r.err, "481")
	assert.Contains(t, r.err.String(), "re-opening the session")
	require.Eventually(t, func() bool { return strings.Count(r.out.String(), "session re-opened") > before },
		10*time.Second, 10*time.Millisecond)
	r.typeLine(t, "calls")
	waitOutput(t, &r.out, "connected with tel:2000")
	assert.Equal(t, 0, r.stop(t))
}

// trackingListener remembers the connections it accepts, so a test can
// cut them as a crashed gateway would, without a BYE.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

// cut closes every connection accepted so far.
func (l *trackingListener) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

// TestReopenAfterConnectionLoss checks that monitor notices at once when
// its TCP connection to the gateway is cut (no BYE, no 481) and re-opens
// the session.
func TestReopenAfterConnectionLoss(t *testing.T) {
	srv, err := sip.NewServer(sip.ServerConfig{Handler: phone{}})
	require.NoError(t, err)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l := &trackingListener{Listener: inner}
	go srv.ServeTCP(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	uri := "sip:cti@" + inner.Addr().String() + ";transport=tcp"
	control := filepath.Join(t.TempDir(), "ctl")
	// A keepalive of an hour: only the connection watch can notice.
	r := start(t, uri, control, "-reopen-min", "20ms", "-reopen-max", "200ms", "-keepalive", "1h", "monitor")
	waitOutput(t, &r.out, "monitoring "+line)
	l.cut()
	waitOutput(t, &r.out, "session lost: connection to the gateway lost (TCP ")
	waitOutput(t, &r.out, "session re-opened on "+line)
	assert.Equal(t, 0, r.stop(t))
}

// TestReopenAfterKeepaliveUDP checks that over UDP monitor notices a
// gateway that stopped answering (its OPTIONS keepalive goes unanswered)
// and re-opens the session once a gateway answers there again.
func TestReopenAfterKeepaliveUDP(t *testing.T) {
	serve := func(addr string, grace time.Duration) net.PacketConn {
		srv, err := sip.NewServer(sip.ServerConfig{Handler: phone{}})
		require.NoError(t, err)
		pc, err := net.ListenPacket("udp", addr)
		require.NoError(t, err)
		go srv.ServeUDP(pc)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			srv.Shutdown(ctx)
		})
		return pc
	}
	// The first gateway's socket is closed under it: its BYEs at shutdown
	// cannot leave, so do not wait for their answers.
	pc := serve("127.0.0.1:0", 100*time.Millisecond)
	addr := pc.LocalAddr().String()
	uri := "sip:cti@" + addr + ";transport=udp"
	control := filepath.Join(t.TempDir(), "ctl")
	r := start(t, uri, control, "-reopen-min", "50ms", "-reopen-max", "200ms", "-keepalive", "100ms", "-timeout", "1s", "monitor")
	waitOutput(t, &r.out, "monitoring "+line)
	// The gateway dies without a BYE: its socket closes.
	pc.Close()
	waitOutput(t, &r.out, "session lost: no answer from the gateway (sip: keepalive")
	waitOutput(t, &r.out, "re-opening failed: no answer from the gateway in time")
	serve(addr, 10*time.Second)
	waitOutput(t, &r.out, "session re-opened on "+line)
	assert.Equal(t, 0, r.stop(t))
}
