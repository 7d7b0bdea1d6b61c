//go:build interop

package admin_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/session/gateway/demo"
	"github.com/rcc-go/rcc/sip"
)

var updateScreenshot = flag.Bool("update-screenshot", false,
	"write the status page's screenshot to docs/status-page.png")

// browserTimeout bounds each step of the browser test.
const browserTimeout = 30 * time.Second

type demoStack struct {
	g     *gateway.Gateway
	admin string // the admin listener's base URL
	sip   string // the gateway's SIP URI over TCP
}

func startDemo(t *testing.T) *demoStack {
	t.Helper()
	cfg, err := gateway.ParseConfig("test", nil)
	require.NoError(t, err)
	cfg.SIP.Listen = []gateway.Listener{{Transport: "tcp", Address: "127.0.0.1:0"}}
	// Heartbeats soon, so the page has round trip times to show.
	cfg.CTI.HeartbeatInterval = gateway.Duration(200 * time.Millisecond)

	// The gateway serves its own admin listener, as the binary does.
	cfg.Admin.Listen = "127.0.0.1:0"
	dg, err := demo.New(cfg, gateway.Options{Logger: testLogger(t)}, demo.Options{})
	require.NoError(t, err)
	g := dg.Gateway
	require.NoError(t, g.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
		defer cancel()
		assert.NoError(t, g.Shutdown(ctx))
	})
	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()
	require.NoError(t, g.Pool().WaitHealthy(ctx, demo.Endpoints))

	return &demoStack{g: g, admin: "http://" + g.AdminAddr(), sip: "sip:cti@" + g.Addrs()[0].Addr.String() + ";transport=tcp"}
}

// dial opens a session as user on line; the session is closed at the end
// of the test.
func (d *demoStack) dial(t *testing.T, user, line string) (*sip.ClientSession, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()
	s, err := sip.Dial(ctx, sip.ClientConfig{Gateway: d.sip, User: user, Line: line, Transport: "tcp"})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s, nil
}

// chromium starts a headless Chromium with a fresh profile and returns a
// browser context; the browser is stopped at the end of the test. The test
// fails when Chromium is not installed. RCC_CHROMIUM names another
// Chromium binary.
func chromium(t *testing.T) context.Context {
	t.Helper()
	name := os.Getenv("RCC_CHROMIUM")
	if name == "" {
		name = "chromium"
	}
	path, err := exec.LookPath(name)
	require.NoError(t, err, "the browser test needs Debian's chromium package (apt-get install chromium)")

	// The browser lives as long as the test, bounded.
	life, cancelLife := context.WithTimeout(t.Context(), 4*browserTimeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(life,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelLife()
	})
	// Start the browser now, so a browser that cannot start fails here
	// with its own error. The first run ties the browser to its context,
	// so it runs on ctx itself.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")), "starting %s", path)
	return ctx
}

// run runs actions in the browser, bounded by browserTimeout.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	require.NoError(t, err)
	return v
}

// TestStatusPageInBrowser loads the status page of a running demo gateway
// in headless Chromium and checks that it shows the CTI connections, a
// session the test opened, and a refusal, and that it refreshes itself.
func TestStatusPageInBrowser(t *testing.T) {
	d := startDemo(t)
	alice, err := d.dial(t, "sip:alice@example.com", "tel:1001;phone-context=dialstring")
	require.NoError(t, err)
	mctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()
	_, err = alice.Monitor(mctx)
	require.NoError(t, err)
	// mallory is not in the directory: refused.
	_, err = d.dial(t, "sip:mallory@example.com", "tel:1001;phone-context=dialstring")
	require.Error(t, err)

	ctx := chromium(t)
	run(t, ctx, chromedp.Navigate(d.admin+"/"))
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#cti`)))

	title := run(t, ctx, chromedp.Title())
	assert.Equal(t, "rcc gateway status", title)
	ready := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("ready").innerText`))
	assert.Equal(t, "ready", ready)

	// Version, build, uptime and the SIP listeners with their bound ports.
	version := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("version").innerText`))
	assert.NotEmpty(t, version)
	build := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("build").innerText`))
	assert.Contains(t, build, "Version "+version+" (go")
	uptime := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("uptime").innerText`))
	assert.Regexp(t, `^Up \d+s, since \d{4}-\d\d-\d\d `, uptime)
	listeners := run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#sip .listener")].map(e => e.innerText)`))
	assert.Equal(t, []string{d.g.Addrs()[0].String()}, listeners)

	endpoints := run(t, ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#cti tbody tr[data-endpoint]")].map(r => r.dataset.endpoint + " " + r.dataset.state)`))
	assert.Equal(t, []string{"cti1 up", "cti2 up", "cti3 up"}, endpoints)

	sessions := run(t, ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#sessions tbody tr[data-user]")].map(r => r.innerText)`))
	require.Len(t, sessions, 1)
	assert.Contains(t, sessions[0], "sip:alice@example.com")
	assert.Contains(t, sessions[0], "tel:1001;phone-context=dialstring")
	assert.Contains(t, sessions[0], "SEP000000001001")
	assert.Contains(t, sessions[0], "active")
	infos := d.g.Sessions().Sessions()
	require.Len(t, infos, 1)
	assert.Contains(t, sessions[0], fmt.Sprintf("%s (generation %d)", infos[0].CTI, infos[0].Generation))

	refusals := run(t, ctx, chromedp.Evaluate[string](`document.querySelector("#refusals tbody").innerText`))
	assert.Contains(t, refusals, "sip:mallory@example.com")
	assert.Contains(t, refusals, "not_allowed")

	// The page reloads itself: bob's session shows without navigating.
	_, err = d.dial(t, "sip:bob@example.com", "tel:1002;phone-context=dialstring")
	require.NoError(t, err)
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#sessions tr[data-user="sip:bob@example.com"]`)))
	// And shows the heartbeats' round trip times once they come.
	for _, ep := range []string{"cti1", "cti2", "cti3"} {
		run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#cti tr[data-endpoint="`+ep+`"]:not([data-rtt="–"])`)))
	}

	if *updateScreenshot {
		png := run(t, ctx, chromedp.FullScreenshot(100))
		path := filepath.Join("..", "..", "docs", "status-page.png")
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, png, 0o644))
		t.Logf("wrote %s (%d bytes)", path, len(png))
	}
}

// TestAdminEndpointsOnDemo checks the plain endpoints against the same
// stack over real HTTP.
func TestAdminEndpointsOnDemo(t *testing.T) {
	d := startDemo(t)
	carol, err := d.dial(t, "sip:carol@example.com", "tel:1004;phone-context=dialstring")
	require.NoError(t, err)
	fctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()
	_, err = carol.Features(fctx)
	require.NoError(t, err)

	request := func(method, path string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, d.admin+path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	code, body := request("GET", "/readyz")
	assert.Equal(t, 200, code)
	assert.Equal(t, "ready\n", body)
	code, body = request("GET", "/metrics")
	assert.Equal(t, 200, code)
	for _, want := range []string{
		`rcc_sessions{state="active"} 1`,
		`rcc_session_opens_total 1`,
		`rcc_cti_connection_state{endpoint="cti2",state="up"} 1`,
		`rcc_cti_state_changes_total{endpoint="cti1",state="up"} 1`,
		`rcc_sip_responses_total{code="200"}`,
		`rcc_sip_request_duration_seconds_count{method="INVITE"} 1`,
		`rcc_request_duration_seconds_count{service="GetCSTAFeatures"} 1`,
		`rcc_requests_total{outcome="ok",service="GetCSTAFeatures"} 1`,
		`rcc_directory_users 3`,
		"\nrcc_build_info{goversion=",
		"\nrcc_session_rehomes_total{from=\"cti1\",to=\"cti2\"} 0\n",
	} {
		assert.Contains(t, body, want)
	}

	// The demo directory is built in: nothing to reload.
	code, body = request("POST", "/-/reload")
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Equal(t, "directory reload failed: "+gateway.ErrNoDirectoryFile.Error()+"\n", body)
}

// testLogger logs to standard error with -v, else nowhere.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}
