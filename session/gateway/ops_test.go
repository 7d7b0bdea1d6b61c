package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/sip"
)

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// httpGet fetches url from the admin listener.
func httpGet(t *testing.T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// TestNoCTIRefusalIsListed opens a session on a gateway whose only CTI
// endpoint is down: the INVITE gets 503 with Retry-After, and the refusal
// is on the status page with the user, the line and the whole error, in
// rcc_session_refusals_total{reason="no_cti"}; the page also shows the SIP
// listeners and how long the endpoint has been down.
func TestNoCTIRefusalIsListed(t *testing.T) {
	cfg, err := ParseConfig("test", nil)
	require.NoError(t, err)
	cfg.SIP.Listen = []Listener{{Transport: "tcp", Address: "127.0.0.1:0"}}
	cfg.Admin.Listen = "127.0.0.1:0"
	cfg.SIP.RetryAfter = Duration(7 * time.Second)
	cfg.CTI.Endpoints = []Endpoint{{Name: "pbx-a", Address: deadAddr(t)}}
	cfg.CTI.ReconnectMin = Duration(10 * time.Millisecond)
	cfg.CTI.ReconnectMax = Duration(50 * time.Millisecond)
	g, err := New(cfg, Options{Directory: lineappearance.Demo(), Logger: slog.New(slog.DiscardHandler), Version: "v0.9.0"})
	require.NoError(t, err)
	require.NoError(t, g.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		assert.NoError(t, g.Shutdown(ctx))
	})
	require.Eventually(t, func() bool { return g.Pool().Stats().Endpoints[0].ConnectFailures >= 3 }, waitTimeout, 5*time.Millisecond)
	require.False(t, g.Sessions().Ready())

	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	tcp := g.Addrs()[0]
	_, err = sip.Dial(ctx, sip.ClientConfig{Gateway: "sip:cti@" + tcp.Addr.String() + ";transport=tcp",
		User: aliceAOR, Line: aliceLine, Transport: "tcp"})
	var r *sip.RefusalError
	require.True(t, errors.As(err, &r), "%v", err)
	assert.Equal(t, 503, r.Status)
	assert.Equal(t, 7*time.Second, r.RetryAfter)

	admin := "http://" + g.AdminAddr() + "/"
	page := httpGet(t, admin)
	table := page[strings.Index(page, `<table id="refusals">`):]
	assert.Contains(t, table, `<td class="id">`+aliceAOR+`</td><td class="id">`+aliceLine+`</td>`)
	assert.Contains(t, table, `<td class="nowrap">no_cti</td>`)
	assert.Contains(t, table, "pbx-a", "the error names the endpoint")
	assert.Contains(t, table, "connection refused", "and why it is down")
	assert.Contains(t, page, `<li id="sip">SIP: <b class="ok">listening</b> on <span class="listener">`+tcp.String()+`</span>`)
	assert.Contains(t, page, `<span class="muted" id="version">v0.9.0</span>`)
	// The endpoint has been down since its first failure, not since its
	// last attempt.
	st := g.Pool().Stats().Endpoints[0]
	assert.True(t, st.DownSince.Before(st.Since), "%v %v", st.DownSince, st.Since)

	metrics := httpGet(t, admin+"metrics")
	assert.Contains(t, metrics, "\nrcc_session_refusals_total{reason=\"no_cti\"} 1\n")
	assert.Contains(t, metrics, `rcc_build_info{goversion=`)
}
