package admin_test

import (
	"fmt"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/session/admin"
)

// TestBuildInfoMetric checks rcc_build_info: 1, labelled with the version
// the host gave, the Go release and the revision.
func TestBuildInfoMetric(t *testing.T) {
	s, reg := newServer(t, healthySource(), admin.Config{Version: "v1.2.3"})
	m := metric(t, reg, "rcc_build_info", "version", "v1.2.3", "goversion", runtime.Version(), "revision", "")
	assert.Equal(t, 1.0, m.GetGauge().GetValue())
	_, _, body := do(t, s.Handler(), "GET", "/metrics")
	assert.Contains(t, body, "\nrcc_build_info{goversion=\""+runtime.Version()+"\",revision=\"\",version=\"v1.2.3\"} 1\n")
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestBuildInfoDefaultVersion checks that without a version from the host
// the page and the metric show the same one, taken from the build
// information ("devel" for a test binary).
func TestBuildInfoDefaultVersion(t *testing.T) {
	s, reg := newServer(t, healthySource(), admin.Config{})
	_, _, body := do(t, s.Handler(), "GET", "/")
	m := regexp.MustCompile(`<span class="muted" id="version">([^<]+)</span>`).FindStringSubmatch(body)
	require.NotNil(t, m)
	assert.NotEmpty(t, m[1])
	metric(t, reg, "rcc_build_info", "version", m[1], "goversion", runtime.Version(), "revision", "")
}

// TestRehomesPresentFromStart checks that rcc_session_rehomes_total shows
// a zero for every pair of endpoints before any session re-homed.
func TestRehomesPresentFromStart(t *testing.T) {
	s, reg := newServer(t, healthySource(), admin.Config{})
	code, _, body := do(t, s.Handler(), "GET", "/metrics")
	require.Equal(t, http.StatusOK, code)
	for _, from := range []string{"cti-1", "cti-2", "cti-3"} {
		for _, to := range []string{"cti-1", "cti-2", "cti-3"} {
			line := fmt.Sprintf("\nrcc_session_rehomes_total{from=%q,to=%q} 0\n", from, to)
			if from == to {
				assert.NotContains(t, body, line)
				continue
			}
			assert.Contains(t, body, line)
		}
	}
	assert.Len(t, family(t, reg, "rcc_session_rehomes_total").GetMetric(), 6)
	// A second scrape changes nothing.
	_, _, body2 := do(t, s.Handler(), "GET", "/metrics")
	assert.Equal(t, strings.Count(body, "rcc_session_rehomes_total{"), strings.Count(body2, "rcc_session_rehomes_total{"))
}

// TestStatusPageShowsWholeErrors checks that the CTI connection's last
// error and a refusal's error are shown whole (an error naming every
// endpoint the pool tried is longer than a table cell), and bounded.
func TestStatusPageShowsWholeErrors(t *testing.T) {
	var eps []string
	for i := range 8 {
		eps = append(eps, fmt.Sprintf("cti-%d down (dial tcp 192.0.2.%d:2748: connect: connection refused)", i+1, i+1))
	}
	long := "no healthy CTI connection: " + strings.Join(eps, ", ")
	require.Greater(t, len(long), 400)
	src := healthySource()
	src.cti.Endpoints[2].LastError = errString(long)
	s, _ := newServer(t, src, admin.Config{})
	s.SessionObserver().SessionRefused("sip:alice@example.com", "tel:1001", "127.0.0.1:5060",
		fmt.Errorf("%w: %s", session.ErrNoCTI, long))
	_, _, body := do(t, s.Handler(), "GET", "/")
	assert.Contains(t, body, "<td>"+long+"</td>", "the CTI connection's last error, whole")
	assert.Contains(t, body, "<td>"+session.ErrNoCTI.Error()+": "+long+"</td>", "the refusal's error, whole")
	assert.Contains(t, body, `<td class="nowrap">no_cti</td>`)

	// An error of megabytes is cut, at 4096 bytes.
	huge := strings.Repeat("x", 1<<20)
	src.cti.Endpoints[2].LastError = errString(huge)
	_, _, body = do(t, s.Handler(), "GET", "/")
	assert.Contains(t, body, "<td>"+strings.Repeat("x", 4096)+"…</td>")
	assert.Less(t, len(body), 40000)
}
