package admin_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/lineappearance/dirfile"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/session/admin"
)

// newServer returns a server over src with a private registry and a fixed
// clock, and the registry.
func newServer(t *testing.T, src admin.Source, cfg admin.Config) (*admin.Server, *prometheus.Registry) {
	t.Helper()
	cfg.Source = src
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s, err := admin.New(cfg)
	require.NoError(t, err)
	admin.SetNow(s, func() time.Time { return t0 })
	admin.SetStarted(s, t0.Add(-(3*time.Hour + 7*time.Minute)))
	return s, cfg.Registry
}

// do serves one request and returns the status and body.
func do(t *testing.T, h http.Handler, method, target string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return rec.Code, rec.Result().Header, string(body)
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  admin.Config
		want string
	}{
		{"no source", admin.Config{}, "no Source"},
		{"negative refusals", admin.Config{Source: &fakeSource{}, RecentRefusals: -1}, "RecentRefusals is negative (-1)"},
		{"negative rows", admin.Config{Source: &fakeSource{}, SessionRows: -2}, "SessionRows is negative (-2)"},
		{"negative refresh", admin.Config{Source: &fakeSource{}, RefreshInterval: -time.Second}, "RefreshInterval is negative (-1s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := admin.New(tc.cfg)
			require.ErrorIs(t, err, admin.ErrConfig)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	t.Run("registry taken", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		_, err := admin.New(admin.Config{Source: &fakeSource{}, Registry: reg})
		require.NoError(t, err)
		_, err = admin.New(admin.Config{Source: &fakeSource{}, Registry: reg})
		require.ErrorContains(t, err, "admin: registering metrics")
		var are prometheus.AlreadyRegisteredError
		assert.ErrorAs(t, err, &are)
	})
}

func TestHealthz(t *testing.T) {
	// Alive even when nothing works.
	s, _ := newServer(t, &fakeSource{}, admin.Config{})
	code, hdr, body := do(t, s.Handler(), "GET", "/healthz")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok\n", body)
	assert.Equal(t, "text/plain; charset=utf-8", hdr.Get("Content-Type"))
	code, _, _ = do(t, s.Handler(), "POST", "/healthz")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	code, _, _ = do(t, s.Handler(), "GET", "/nothing-here")
	assert.Equal(t, http.StatusNotFound, code)
}

func TestReadyz(t *testing.T) {
	allDown := func(f *fakeSource) {
		f.cti.Healthy = 0
		for i := range f.cti.Endpoints {
			f.cti.Endpoints[i].State = ctipool.StateDown
		}
		f.cti.Endpoints[1].LastError = nil
	}
	for _, tc := range []struct {
		name     string
		change   func(*fakeSource)
		wantCode int
		want     []string
	}{
		{"ready", func(*fakeSource) {}, 200, []string{"ready\n"}},
		{"one endpoint is enough", func(f *fakeSource) {
			f.cti.Healthy = 1
			f.cti.Endpoints[0].State = ctipool.StateConnecting
		}, 200, []string{"ready\n"}},
		{"no CTI", allDown, 503, []string{
			"not ready: no CTI connection is up: cti-1 down, cti-2 down, cti-3 down (dial tcp 127.0.0.1:4003: connection refused)\n",
		}},
		{"no endpoints", func(f *fakeSource) { f.cti = ctipool.Stats{} }, 503, []string{
			"not ready: no CTI connection is up\n",
		}},
		{"SIP not listening", func(f *fakeSource) { f.listening = false }, 503, []string{
			"not ready: SIP server is not listening\n",
		}},
		{"neither", func(f *fakeSource) { allDown(f); f.listening = false }, 503, []string{
			"not ready: no CTI connection is up: ", "\nSIP server is not listening\n",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := healthySource()
			tc.change(src)
			s, _ := newServer(t, src, admin.Config{})
			code, _, body := do(t, s.Handler(), "GET", "/readyz")
			assert.Equal(t, tc.wantCode, code)
			for _, w := range tc.want {
				assert.Contains(t, body, w)
			}
		})
	}
}

func TestReload(t *testing.T) {
	invalid := fmt.Errorf("gateway: reloading directory.yaml: %w",
		errors.Join(&lineappearance.DataError{Path: "users[0].aor", Msg: "duplicate user"}))
	require.ErrorIs(t, invalid, lineappearance.ErrInvalid)
	for _, tc := range []struct {
		name     string
		ended    int
		err      error
		wantCode int
		wantBody string
	}{
		{"ok", 2, nil, 200,
			"directory reloaded: generation 2, 3 users, 4 lines, 4 devices, 5 appearances; 2 sessions ended\n"},
		{"invalid", 0, invalid, 422,
			"directory refused, the old one stays: " + invalid.Error() + "\n"},
		{"unknown format", 0, fmt.Errorf("x: %w", dirfile.ErrUnknownFormat), 422,
			"directory refused, the old one stays: x: lineappearance: unknown directory format\n"},
		{"io error", 0, errors.New("open dir.yaml: permission denied"), 500,
			"directory reload failed: open dir.yaml: permission denied\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := healthySource()
			src.reload = func(context.Context) (int, error) {
				if tc.err == nil {
					src.dir.Generation++ // called without the lock held
				}
				return tc.ended, tc.err
			}
			s, reg := newServer(t, src, admin.Config{})
			code, _, body := do(t, s.Handler(), "POST", "/-/reload")
			assert.Equal(t, tc.wantCode, code)
			assert.Equal(t, tc.wantBody, body)
			assert.Equal(t, 1, src.reloads)

			want := map[string]float64{"ok": 0, "invalid": 0, "error": 0}
			want[map[int]string{200: "ok", 422: "invalid", 500: "error"}[tc.wantCode]] = 1
			for result, n := range want {
				assert.Equal(t, n, value(t, reg, "rcc_directory_reloads_total", "result", result), result)
			}
		})
	}
	t.Run("GET", func(t *testing.T) {
		src := healthySource()
		s, _ := newServer(t, src, admin.Config{})
		code, _, _ := do(t, s.Handler(), "GET", "/-/reload")
		assert.Equal(t, http.StatusMethodNotAllowed, code)
		assert.Zero(t, src.reloads)
	})
	t.Run("cross origin", func(t *testing.T) {
		src := healthySource()
		s, _ := newServer(t, src, admin.Config{})
		code, _, _ := do(t, s.Handler(), "POST", "/-/reload", "Sec-Fetch-Site", "cross-site")
		assert.Equal(t, http.StatusForbidden, code)
		code, _, _ = do(t, s.Handler(), "POST", "http://127.0.0.1:9090/-/reload", "Origin", "http://evil.example")
		assert.Equal(t, http.StatusForbidden, code)
		assert.Zero(t, src.reloads)
		// curl sends neither header.
		code, _, _ = do(t, s.Handler(), "POST", "/-/reload")
		assert.Equal(t, http.StatusOK, code)
	})
	t.Run("Reload", func(t *testing.T) {
		src := healthySource()
		src.reload = func(ctx context.Context) (int, error) { return 0, ctx.Err() }
		s, reg := newServer(t, src, admin.Config{})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := s.Reload(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1.0, value(t, reg, "rcc_directory_reloads_total", "result", "error"))
		sum, err := s.Reload(t.Context())
		require.NoError(t, err)
		assert.Equal(t, admin.ReloadSummary{Directory: src.dir}, sum)
	})
}

func TestStatusPageHeaders(t *testing.T) {
	s, _ := newServer(t, healthySource(), admin.Config{})
	code, hdr, body := do(t, s.Handler(), "GET", "/")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "text/html; charset=utf-8", hdr.Get("Content-Type"))
	assert.Equal(t, "no-store", hdr.Get("Cache-Control"))
	assert.Contains(t, hdr.Get("Content-Security-Policy"), "default-src 'none'")
	assert.True(t, strings.HasPrefix(body, "<!doctype html>"))
	assert.Contains(t, body, `<meta http-equiv="refresh" content="2">`)
	assert.NotContains(t, body, "<script")
}

// TestConcurrentUse runs the observers, scrapes, page renders and reloads
// at once; the race detector checks them.
func TestConcurrentUse(t *testing.T) {
	src := healthySource()
	s, _ := newServer(t, src, admin.Config{RecentRefusals: 4})
	h := s.Handler()
	so := s.SessionObserver()
	po := s.PoolObserver()
	sp := s.SIPObserver()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				so.RequestDone("MakeCall", session.OutcomeOK, time.Millisecond)
				so.SessionRefused(fmt.Sprintf("sip:u%d@example.com", w), "tel:1", "127.0.0.1:5060", session.ErrNotAllowed)
				so.SessionRehomed(session.Info{CTI: "cti-2"}, "cti-1")
				po.StateChanged(ctipool.StateChange{Endpoint: "cti-1", New: ctipool.StateUp})
				po.HeartbeatDone("cti-1", 1, time.Millisecond, nil)
				sp.RequestDone("INFO", 200, time.Millisecond)
				if i%50 == 0 {
					for _, target := range []string{"/", "/metrics", "/readyz"} {
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
						assert.Equal(t, http.StatusOK, rec.Code, target)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest("POST", "/-/reload", nil))
					assert.Equal(t, http.StatusOK, rec.Code)
				}
			}
		})
	}
	wg.Wait()
	_, _, body := do(t, h, "GET", "/")
	assert.Equal(t, 4, strings.Count(body, "<td class=\"nowrap\">not_allowed</td>"), "the ring keeps 4")
}
