package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/lineappearance/dirfile"
	"github.com/rcc-go/rcc/session/gateway"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunDemo starts the binary's run in demo mode on free ports, reloads
// (a no-op in demo mode) with SIGHUP and stops it with SIGTERM.
func TestRunDemo(t *testing.T) {
	runDemo(t, "Demo directory: alice", nil)
}

// TestRunDemoUsers runs the demo on a generated directory whose far ends
// answer at once.
func TestRunDemoUsers(t *testing.T) {
	runDemo(t, "Generated directory: 7 users, sip:user1@example.com", nil, "-demo-users", "7", "-demo-answer-delay", "0")
}

// TestRunDemoDialects runs the demo in each dialect but the default: the
// fake PBX and the gateway's client speak it, with the demo's credentials.
func TestRunDemoDialects(t *testing.T) {
	for _, d := range []string{"openscape-voice", "openscape-business", "avaya-dmcc"} {
		t.Run(d, func(t *testing.T) {
			runDemo(t, "dialect  "+d, func(admin string) {
				// Ready: a CTI connection in the dialect is up.
				require.Eventually(t, func() bool {
					resp, err := http.Get(admin + "readyz")
					if err != nil {
						return false
					}
					resp.Body.Close()
					return resp.StatusCode == http.StatusOK
				}, 15*time.Second, 10*time.Millisecond)
			}, "-cti-dialect", d, "-demo-answer-delay", "0")
		})
	}
}

// runDemo runs the binary's run in demo mode with more arguments, checks
// its banner, calls check (when not nil) with the admin listener's URL,
// reloads with SIGHUP and stops it with SIGTERM.
func runDemo(t *testing.T, banner string, check func(admin string), args ...string) {
	// A SIGHUP that reaches the process after run has stopped listening
	// (run may take the SIGTERM first) must not kill the test binary.
	guard := make(chan os.Signal, 4)
	signal.Notify(guard, syscall.SIGHUP)
	defer signal.Stop(guard)
	var out, errs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(append([]string{"-demo", "-sip", "udp:127.0.0.1:0,tcp:127.0.0.1:0", "-admin", "127.0.0.1:0", "-log-level", "warn"}, args...), &out, &errs)
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "Stop with Ctrl-C") }, 15*time.Second, 10*time.Millisecond, "banner; stderr: %s", errs.String())
	assert.Contains(t, out.String(), "SIP      udp:127.0.0.1:")
	assert.Contains(t, out.String(), "SIP      tcp:127.0.0.1:")
	assert.Contains(t, out.String(), "CTI      cti3")
	assert.Contains(t, out.String(), "admin    http://127.0.0.1:")
	assert.Contains(t, out.String(), banner)
	if check != nil {
		m := regexp.MustCompile(`admin    (http://\S+/)`).FindStringSubmatch(out.String())
		require.NotNil(t, m, out.String())
		check(m[1])
	}
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGHUP))
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after SIGTERM")
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-sip", "udp"}, `-sip "udp": want transport:host:port`},
		{[]string{"stray"}, "unexpected arguments"},
		{[]string{"-config", "/nonexistent/gw.yaml"}, "config: /nonexistent/gw.yaml"},
		{[]string{"-loss-policy", "sometimes"}, `session.loss_policy: "sometimes" is not rehome or reconnect`},
		{[]string{}, "cti.endpoints: at least one CTI endpoint is required (or run with -demo)"},
		{[]string{"-cti", "127.0.0.1:1"}, "directory.file: a directory file is required (or run with -demo)"},
		{[]string{"-demo", "-demo-users", "-1", "-admin", "127.0.0.1:0"}, "-demo-users -1: must not be negative"},
		{[]string{"-demo", "-cti-dialect", "cisco"}, `-cti-dialect: "cisco" is not a known dialect (known: avaya-dmcc, ecma354, openscape-business, openscape-voice)`},
		{[]string{"-cti", "127.0.0.1:1", "-cti-dialect", "avaya-dmcc"}, "cti.username: dialect avaya-dmcc logs in to AES: a user name is required"},
		{[]string{"-demo", "-demo-answer-delay", "-1s", "-admin", "127.0.0.1:0"}, "-demo-answer-delay -1s: must not be negative"},
		{[]string{"-cti", "127.0.0.1:notaport"}, `cti.endpoints[0].address: "127.0.0.1:notaport": port "notaport" is not a number`},
		{[]string{"-cti", "127.0.0.1:65536"}, `cti.endpoints[0].address: "127.0.0.1:65536": port 65536 is out of range`},
		{[]string{"-demo", "-admin", "127.0.0.1"}, `admin.listen: "127.0.0.1": missing port in address`},
		{[]string{"-demo", "-sip", "udp:127.0.0.1:x", "-admin", "127.0.0.1:0"}, `sip.listen[0].address: "127.0.0.1:x": port "x" is not a number`},
	}
	for _, tt := range tests {
		var out, errs syncBuffer
		err := run(tt.args, &out, &errs)
		require.Error(t, err, "%v", tt.args)
		assert.Contains(t, err.Error(), tt.want, "%v", tt.args)
	}
}

// TestRunVersion checks -version, and that the version set at build time
// reaches the status page and rcc_build_info.
func TestRunVersion(t *testing.T) {
	var out, errs syncBuffer
	require.NoError(t, run([]string{"-version"}, &out, &errs))
	assert.Regexp(t, `^rcc gateway \S+ \(go1[^)]*\)\n$`, out.String())

	old := version
	version = "v0.0.0-test"
	t.Cleanup(func() { version = old })
	out = syncBuffer{}
	require.NoError(t, run([]string{"-version"}, &out, &errs))
	assert.Equal(t, "rcc gateway v0.0.0-test ("+runtime.Version()+")\n", out.String())

	runDemo(t, "Demo directory: alice", func(admin string) {
		get := func(path string) string {
			resp, err := http.Get(admin + path)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			return string(b)
		}
		assert.Contains(t, get(""), `<span class="muted" id="version">v0.0.0-test</span>`)
		assert.Contains(t, get("metrics"), `version="v0.0.0-test"`)
	})
}

// TestSampleFiles loads the sample configuration and the sample directory
// beside it with the loaders the binary uses: the configuration names the
// directory sample, which loads, grants the demo users their lines, and
// is what a gateway built from the configuration runs on.
func TestSampleFiles(t *testing.T) {
	cfg, err := gateway.LoadConfig("config.example.yaml")
	require.NoError(t, err)
	assert.Equal(t, "directory.example.yaml", cfg.Directory.File)

	store, err := dirfile.LoadStore(cfg.Directory.File, lineappearance.Options{})
	require.NoError(t, err)
	st := store.Stats()
	assert.Equal(t, 3, st.Users)
	assert.Equal(t, 4, st.Lines)
	assert.Equal(t, 4, st.Devices)
	for user, line := range map[string]string{
		"sip:alice@example.com": "tel:1001;phone-context=dialstring",
		"sip:bob@example.com":   "tel:1002;phone-context=dialstring",
		"sip:carol@example.com": "tel:1004;phone-context=dialstring",
	} {
		uri, err := lineappearance.ParseLineURI(line)
		require.NoError(t, err)
		_, err = store.Resolve(user, uri)
		assert.NoError(t, err, "%s on %s", user, line)
	}
	// The sample is the demo world, which the fake CTI server provisions.
	assert.Equal(t, lineappearance.Demo().Users, mustLoad(t, cfg.Directory.File).Users)

	// A gateway built from the sample loads it the same way. Its TLS
	// files and CTI Managers are the sample's placeholders: leave TLS out
	// and point the CTI side at a loopback port nothing listens on.
	cfg.SIP.TLS, cfg.CTI.TLS = gateway.TLSFiles{}, gateway.TLSFiles{}
	cfg.SIP.Listen = []gateway.Listener{{Transport: "udp", Address: "127.0.0.1:0"}}
	cfg.CTI.Endpoints = []gateway.Endpoint{{Address: "127.0.0.1:1"}}
	cfg.Admin.Listen = ""
	g, err := gateway.New(cfg, gateway.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	assert.Equal(t, st.Appearances, g.Directory().Stats().Appearances)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, g.Shutdown(ctx))
}

// mustLoad loads a directory file.
func mustLoad(t *testing.T, path string) *lineappearance.Data {
	t.Helper()
	d, err := dirfile.Load(path)
	require.NoError(t, err)
	return d
}
