//go:build interop

package interop

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/session/gateway/demo"
	"github.com/stretchr/testify/require"
)

// waitTimeout bounds every single wait of the tests.
const waitTimeout = 30 * time.Second

// needProgram returns the path of a peer program, and fails the test when
// it is not installed: an interop test never skips.
func needProgram(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed; the interop tests need it (Debian package %s, which .ci/run installs): %v", name, debianPackage, err)
	}
	return p
}

// freePort returns a port of 127.0.0.1 that is free for both UDP and TCP,
// so a gateway or a proxy can listen on it with both.
func freePort(t testing.TB) int {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := l.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		_ = l.Close()
		if err == nil {
			_ = pc.Close()
			return port
		}
	}
	t.Fatal("no port free for both UDP and TCP on 127.0.0.1")
	return 0
}

// scenario returns the absolute path of a sipp scenario in testdata/sipp.
func scenario(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "sipp", name))
	require.NoError(t, err)
	_, err = os.Stat(p)
	require.NoError(t, err, "scenario %s", name)
	return p
}

// testLogger returns the logger the gateways of a test use: nothing,
// unless RCC_INTEROP_LOG names a level (debug, info, warn, error), when
// the logs go to standard error.
func testLogger() *slog.Logger {
	v := os.Getenv("RCC_INTEROP_LOG")
	if v == "" {
		return slog.New(slog.DiscardHandler)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(v))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// user is a test user with one line on one desk phone.
type user struct {
	Name string // the user part of sip:Name@example.com
	DN   string // the line's number
	URI  string // the Line URI to send, when not Line()'s default
}

// AOR returns the user's SIP address of record.
func (u user) AOR() string { return "sip:" + u.Name + "@example.com" }

// Line returns the user's Line URI as Communicator sends it.
func (u user) Line() string {
	if u.URI != "" {
		return u.URI
	}
	return "tel:" + u.DN + ";phone-context=dialstring"
}

// Demo users (lineappearance.Demo).
var (
	alice = user{Name: "alice", DN: "1001"}
	bob   = user{Name: "bob", DN: "1002"}
)

// directory returns the demo directory with n more users, user0001 ...,
// each with line 6001 ... on a desk phone of their own.
func directory(n int) (*lineappearance.Data, []user) {
	d := lineappearance.Demo()
	users := make([]user, n)
	for i := range users {
		u := user{Name: fmt.Sprintf("user%04d", i+1), DN: fmt.Sprintf("%d", 6001+i)}
		dev := fmt.Sprintf("SEP%012d", 6001+i)
		d.Lines = append(d.Lines, lineappearance.Line{DN: u.DN})
		d.Devices = append(d.Devices, lineappearance.Device{Name: dev, Model: "Cisco 7975", Kind: lineappearance.HardPhone, Registered: true})
		d.Appearances = append(d.Appearances, lineappearance.Appearance{Line: lineappearance.Line{DN: u.DN}, Device: dev, Index: 1})
		d.Users = append(d.Users, lineappearance.User{AOR: u.AOR(), Devices: []string{dev}})
		users[i] = u
	}
	return d, users
}

// newPBX returns a fake PBX provisioned with dir (nil: the demo
// directory) whose 2xxx far ends answer at once, closed when the test
// ends.
func newPBX(t testing.TB, dir *lineappearance.Data) *ctitest.PBX {
	t.Helper()
	if dir == nil {
		dir = lineappearance.Demo()
	}
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Directory: dir, FarEnds: ctitest.DemoFarEnds(0, 0), RequestLogSize: 200000})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pbx.Close() })
	return pbx
}

// node is a gateway running in the test process, listening for SIP on
// 127.0.0.1 over UDP and TCP on one port.
type node struct {
	*gateway.Gateway
	Port    int
	cluster *ctitest.Cluster
	stopped atomic.Bool
}

// Cluster returns the fake PBX's endpoints of a node in demo mode, or nil.
func (n *node) Cluster() *ctitest.Cluster { return n.cluster }

// nodeConfig says how to run a node.
type nodeConfig struct {
	// PBX runs the node in demo mode on this PBX, served on the node's
	// own three CTI endpoints. Ignored when CTI is set.
	PBX *ctitest.PBX
	// CTI are the CTI endpoints of a node outside demo mode.
	CTI []string
	// Directory is the node's directory. Default: the demo directory.
	Directory *lineappearance.Data
	// Port is the SIP port. Default: a free port.
	Port int
	// Config changes the configuration before the node starts.
	Config func(*gateway.Config)
}

// startNode starts a gateway, waits until all its CTI connections are up,
// and shuts it down when the test ends.
func startNode(t testing.TB, nc nodeConfig) *node {
	t.Helper()
	cfg, err := gateway.ParseConfig("interop", nil)
	require.NoError(t, err)
	port := nc.Port
	if port == 0 {
		port = freePort(t)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cfg.SIP.Listen = []gateway.Listener{{Transport: "udp", Address: addr}, {Transport: "tcp", Address: addr}}
	cfg.CTI.ReconnectMin = gateway.Duration(20 * time.Millisecond)
	cfg.CTI.ReconnectMax = gateway.Duration(250 * time.Millisecond)
	for _, a := range nc.CTI {
		cfg.CTI.Endpoints = append(cfg.CTI.Endpoints, gateway.Endpoint{Address: a})
	}
	if nc.Config != nil {
		nc.Config(&cfg)
	}
	opts := gateway.Options{Directory: nc.Directory, Logger: testLogger()}
	n := &node{Port: port}
	if len(nc.CTI) == 0 {
		g, err := demo.New(cfg, opts, demo.Options{PBX: nc.PBX})
		require.NoError(t, err)
		n.Gateway, n.cluster = g.Gateway, g.Cluster()
	} else {
		n.Gateway, err = gateway.New(cfg, opts)
		require.NoError(t, err)
	}
	g := n.Gateway
	if err := g.Start(); err != nil {
		n.Stop(t)
		t.Fatalf("start gateway on %s: %v", addr, err)
	}
	t.Cleanup(func() { n.Stop(t) })
	endpoints := len(cfg.CTI.Endpoints)
	if len(nc.CTI) == 0 {
		endpoints = demo.Endpoints
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, g.Pool().WaitHealthy(ctx, endpoints))
	return n
}

// Stop shuts the node down (BYE to every session), once.
func (n *node) Stop(t testing.TB) {
	if n.stopped.Swap(true) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := n.Shutdown(ctx); err != nil {
		t.Errorf("gateway shutdown: %v", err)
	}
}

// Target returns the node's "127.0.0.1:port".
func (n *node) Target() string { return fmt.Sprintf("127.0.0.1:%d", n.Port) }

// URI returns the node's SIP URI on a transport ("udp" or "tcp").
func (n *node) URI(transport string) string {
	return fmt.Sprintf("sip:cti@127.0.0.1:%d;transport=%s", n.Port, transport)
}

// openSessions returns how many sessions the node has open.
func (n *node) openSessions() int {
	total := 0
	for _, c := range n.Sessions().Stats().Sessions {
		total += c
	}
	return total
}

// eventually waits until cond holds, checking every 20ms, for at most
// waitTimeout, and fails the test with msg otherwise.
func eventually(t testing.TB, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting: "+msg, append([]any{waitTimeout}, args...)...)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// goroutines returns the number of goroutines, after letting finished ones
// exit.
func goroutines() int {
	runtime.GC()
	return runtime.NumGoroutine()
}

// figures logs a test's figures on one line that RELIABILITY.md quotes.
func figures(t testing.TB, kv ...any) {
	t.Helper()
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%v: %v", kv[i], kv[i+1])
	}
	t.Logf("FIGURES %s: %s", t.Name(), b.String())
}

// TestMain routes the logs sipgo writes through its global logger
// (slog.Default) to the tests' logger, so they are quiet unless asked for,
// and makes the directory for the programs the tests build.
func TestMain(m *testing.M) {
	slog.SetDefault(testLogger())
	var err error
	if binDir, err = os.MkdirTemp("", "rcc-interop-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(binDir)
	os.Exit(code)
}
