package demo_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/session/gateway/demo"
	"github.com/rcc-go/rcc/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	waitTimeout = 15 * time.Second
	aliceAOR    = "sip:alice@example.com"
	aliceLine   = "tel:1001;phone-context=dialstring"
	bobAOR      = "sip:bob@example.com"
	bobLine     = "tel:1002;phone-context=dialstring"
)

// start runs a demo gateway listening for SIP over TCP on a free port, and
// shuts it down when the test ends.
func start(t *testing.T, opts gateway.Options, o demo.Options) (*demo.Gateway, string) {
	t.Helper()
	return startIn(t, "", opts, o)
}

// startIn is start with the gateway and the demo PBX in dialect d.
func startIn(t *testing.T, d string, opts gateway.Options, o demo.Options) (*demo.Gateway, string) {
	t.Helper()
	cfg, err := gateway.ParseConfig("test", nil)
	require.NoError(t, err)
	cfg.CTI.Dialect = d
	cfg.SIP.Listen = []gateway.Listener{{Transport: "tcp", Address: "127.0.0.1:0"}}
	opts.Logger = slog.New(slog.DiscardHandler)
	g, err := demo.New(cfg, opts, o)
	require.NoError(t, err)
	require.NoError(t, g.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		assert.NoError(t, g.Shutdown(ctx))
		_, err := g.Cluster().PBX().Call("2000", "1001")
		assert.ErrorIs(t, err, ctitest.ErrClosed, "Shutdown closed the PBX")
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, g.Pool().WaitHealthy(ctx, demo.Endpoints))
	return g, fmt.Sprintf("sip:cti@%s;transport=tcp", g.Addrs()[0].Addr)
}

// TestDemo runs the demo as the example gateway's -demo does: alice opens
// a session on the demo directory, and the directory has no file to
// reload.
func TestDemo(t *testing.T) {
	g, uri := start(t, gateway.Options{}, demo.Options{})
	assert.Len(t, g.Cluster().Endpoints(), demo.Endpoints)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	s, err := sip.Dial(ctx, sip.ClientConfig{Gateway: uri, User: aliceAOR, Line: aliceLine})
	require.NoError(t, err)
	defer s.Close(ctx)
	_, err = s.Monitor(ctx)
	require.NoError(t, err)
	_, err = g.Reload()
	assert.ErrorIs(t, err, gateway.ErrNoDirectoryFile)
}

// TestDialects runs the demo in each dialect: every endpoint of the demo
// PBX comes up in it, with the demo's credentials where the dialect logs
// in, and alice's session monitors her line.
func TestDialects(t *testing.T) {
	for _, d := range []string{"openscape-voice", "openscape-business", "avaya-dmcc"} {
		t.Run(d, func(t *testing.T) {
			g, uri := startIn(t, d, gateway.Options{}, demo.Options{})
			for _, ep := range g.Cluster().Endpoints() {
				assert.Equal(t, d, ep.Dialect())
				assert.Zero(t, ep.Stats().LoginFailures)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			s, err := sip.Dial(ctx, sip.ClientConfig{Gateway: uri, User: aliceAOR, Line: aliceLine})
			require.NoError(t, err)
			defer s.Close(ctx)
			_, err = s.Monitor(ctx)
			require.NoError(t, err)
		})
	}
}

// TestUsers opens a session for a user of a generated directory on a demo
// gateway that provisions its own PBX from it.
func TestUsers(t *testing.T) {
	g, uri := start(t, gateway.Options{}, demo.Options{Users: 20})
	assert.Equal(t, 20, g.Directory().Stats().Users)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()

	aor, line := ctitest.GeneratedUser(20)
	s, err := sip.Dial(ctx, sip.ClientConfig{Gateway: uri, User: aor, Line: line})
	require.NoError(t, err)
	defer s.Close(ctx)
	mon, err := s.Monitor(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, mon.MonitorCrossRefID)

	// The demo directory's users are not in it: not allowed.
	_, err = sip.Dial(ctx, sip.ClientConfig{Gateway: uri, User: aliceAOR, Line: aliceLine})
	var r *sip.RefusalError
	require.ErrorAs(t, err, &r)
	assert.Equal(t, 403, r.Status)
}

// TestGivenDirectory checks that a directory given in code replaces the
// demo directory: a demo user it leaves out is refused.
func TestGivenDirectory(t *testing.T) {
	dir := lineappearance.Demo()
	dir.Users = dir.Users[1:] // no alice
	_, uri := start(t, gateway.Options{Directory: dir}, demo.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	_, err := sip.Dial(ctx, sip.ClientConfig{Gateway: uri, User: aliceAOR, Line: aliceLine})
	var r *sip.RefusalError
	require.True(t, errors.As(err, &r), "got %v", err)
	assert.Equal(t, 403, r.Status)
	s, err := sip.Dial(ctx, sip.ClientConfig{Gateway: uri, User: bobAOR, Line: bobLine})
	require.NoError(t, err)
	defer s.Close(ctx)
	_, err = s.Monitor(ctx)
	require.NoError(t, err)
}

// TestNewFails checks that New closes the PBX it was given when it fails,
// and refuses a negative user count.
func TestNewFails(t *testing.T) {
	cfg, err := gateway.ParseConfig("test", nil)
	require.NoError(t, err)
	cfg.Directory.Preference = []string{"nonsense"}
	pbx := ctitest.DemoPBX()
	_, err = demo.New(cfg, gateway.Options{}, demo.Options{PBX: pbx})
	require.Error(t, err)
	_, err = pbx.Call("2000", "1001")
	assert.ErrorIs(t, err, ctitest.ErrClosed, "New closed the PBX")

	_, err = demo.New(cfg, gateway.Options{}, demo.Options{Users: -1})
	assert.ErrorContains(t, err, "Options.Users is negative")
}
