package admin_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/session/admin"
)

// rows returns the data attribute values of the rows of table id, in
// page order.
func rows(t *testing.T, body, id, attr string) []string {
	t.Helper()
	start := strings.Index(body, `<table id="`+id+`">`)
	require.GreaterOrEqual(t, start, 0, "table %s", id)
	table := body[start:]
	table = table[:strings.Index(table, "</table>")]
	var out []string
	for _, m := range regexp.MustCompile(`<tr `+attr+`="([^"]*)"`).FindAllStringSubmatch(table, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestStatusPage(t *testing.T) {
	s, _ := newServer(t, healthySource(), admin.Config{Version: "v1.2.3"})
	code, _, body := do(t, s.Handler(), "GET", "/")
	require.Equal(t, http.StatusOK, code)

	assert.Contains(t, body, `<span class="badge ok" id="ready">ready</span>`)
	assert.Equal(t, []string{"cti-1", "cti-2", "cti-3"}, rows(t, body, "cti", "data-endpoint"))
	for _, want := range []string{
		// CTI rows: state, since, generation, RTT, sessions now and placed,
		// requests, pending, last error.
		`<tr data-endpoint="cti-1" data-state="up" data-rtt="1.23ms"><td>cti-1</td><td>127.0.0.1:4001</td><td><span class="badge ok">up</span></td><td class="nowrap" title="2026-03-14 15:07:56 UTC">1m30s ago</td><td class="num">3</td><td class="num rtt">1.23ms</td><td class="num">1</td><td class="num">7</td><td class="num">42</td><td class="num">1</td><td></td></tr>`,
		// cti-3 has been down for ten minutes, though its last attempt was
		// 5s ago.
		`<td><span class="badge bad">down</span></td><td class="nowrap" title="2026-03-14 14:59:26 UTC">10m00s ago</td><td class="num">2</td><td class="num rtt">–</td><td class="num">1</td>`,
		`<td>dial tcp 127.0.0.1:4003: connection refused</td>`,
		// Sessions: user, line, device, CTI connection, state, age, last request.
		`<tr data-user="sip:alice@example.com"><td class="id">sip:alice@example.com</td><td class="id">tel:1001;phone-context=dialstring</td><td>SEP000000001001</td><td>cti-1 (generation 3)</td><td><span class="badge ok">active</span></td><td class="nowrap">2m05s</td><td class="nowrap">3s ago</td></tr>`,
		`<td>cti-3 (generation 2)</td><td><span class="badge bad">down</span></td><td class="nowrap">2h00m</td><td class="nowrap">never</td></tr>`,
		// Summary.
		`<li>Sessions: <b>2</b> (1 active, 1 down)</li>`,
		`<li>CTI: <b>2</b> of 3 connections up</li>`,
		`<li>Directory: generation 1, 3 users, 4 lines, 4 devices, 5 appearances</li>`,
		`<li id="sip">SIP: <b class="ok">listening</b> on <span class="listener">udp:127.0.0.1:5060</span>, <span class="listener">tcp:127.0.0.1:5060</span>, 2 dialogs</li>`,
		// Version, build and uptime.
		`<h1>rcc gateway <span class="muted" id="version">v1.2.3</span></h1>`,
		`<li id="build">Version <b>v1.2.3</b> (` + runtime.Version(),
		`<li id="uptime">Up <b>3h07m</b>, since 2026-03-14 12:02:26 UTC</li>`,
		`<td colspan="6" class="empty">no refusals</td>`,
	} {
		assert.Contains(t, body, want)
	}
	// Newest first.
	assert.Equal(t, []string{"sip:alice@example.com", "sip:bob@example.com"}, rows(t, body, "sessions", "data-user"))
	assert.NotContains(t, body, `id="hidden"`)
}

func TestStatusPageNotReady(t *testing.T) {
	src := healthySource()
	src.listening = false
	s, _ := newServer(t, src, admin.Config{})
	_, _, body := do(t, s.Handler(), "GET", "/")
	assert.Contains(t, body, `<span class="badge bad" id="ready">not ready</span>`)
	assert.Contains(t, body, "<li>SIP server is not listening</li>")
	assert.Contains(t, body, `<b class="bad">not listening</b>`)
}

func TestStatusPageEscapes(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	const evilAttr = `"><img src=x onerror=alert(2)>`
	src := healthySource()
	src.sessions[0].User = "sip:" + evil + "@example.com"
	src.sessions[0].Line = evilAttr
	src.sessions[0].Appearance.Device = evil
	src.sessions[1].CTI = evil
	src.cti.Endpoints[2].LastError = errString(evil)
	src.cti.Endpoints[2].Name = evilAttr
	s, _ := newServer(t, src, admin.Config{})
	s.SessionObserver().SessionRefused(evil, evilAttr, evil, errors.New(evil))

	for _, target := range []string{"/", "/?user=" + url.QueryEscape(evilAttr), "/?user=" + url.QueryEscape(evil)} {
		code, _, body := do(t, s.Handler(), "GET", target)
		require.Equal(t, http.StatusOK, code)
		// No markup from a peer survives (a failure would print the page).
		assert.False(t, strings.Contains(body, "<script"), target)
		assert.False(t, strings.Contains(body, "<img"), target)
	}
	_, _, body := do(t, s.Handler(), "GET", "/")
	assert.Contains(t, body, `<td class="id">sip:&lt;script&gt;alert(1)&lt;/script&gt;@example.com</td>`, "shown as text")
	assert.Contains(t, body, `data-user="sip:&lt;script&gt;alert(1)&lt;/script&gt;@example.com"`)
	assert.Contains(t, body, `<td class="id">&#34;&gt;&lt;img src=x onerror=alert(2)&gt;</td>`)
	assert.Contains(t, body, `data-endpoint="&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"`)
	// The filter is echoed into the search box, escaped.
	_, _, body = do(t, s.Handler(), "GET", "/?user="+url.QueryEscape(evilAttr))
	assert.Contains(t, body, `name="user" value="&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"`)
}

func TestStatusPageFilter(t *testing.T) {
	s, _ := newServer(t, healthySource(), admin.Config{})
	_, _, body := do(t, s.Handler(), "GET", "/?user=ALICE")
	assert.Equal(t, []string{"sip:alice@example.com"}, rows(t, body, "sessions", "data-user"))
	assert.Contains(t, body, "(1 of 2 match)")
	assert.Contains(t, body, `name="user" value="ALICE"`)
	assert.Contains(t, body, `<a class="button" href="?">Show all</a>`)
	// Summary counts stay those of all sessions.
	assert.Contains(t, body, `<li>Sessions: <b>2</b> (1 active, 1 down)</li>`)

	_, _, body = do(t, s.Handler(), "GET", "/?user=carol")
	assert.Empty(t, rows(t, body, "sessions", "data-user"))
	assert.Contains(t, body, `<td colspan="7" class="empty">no session matches</td>`)

	code, _, body := do(t, s.Handler(), "GET", "/?user="+strings.Repeat("a", 257))
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "user filter too long (257 bytes, at most 256)\n", body)
}

func TestStatusPageCapsSessions(t *testing.T) {
	src := healthySource()
	src.sessions = nil
	for i := range 7 {
		src.sessions = append(src.sessions, session.Info{
			User:   fmt.Sprintf("sip:u%d@example.com", i),
			Opened: t0.Add(-time.Duration((i*5)%7) * time.Minute), // 0, 5, 3, 1, 6, 4, 2 minutes ago
			CTI:    "cti-1", State: session.StateActive,
			Appearance: lineappearance.Appearance{Device: "SEP1"},
		})
	}
	s, _ := newServer(t, src, admin.Config{SessionRows: 3})
	_, _, body := do(t, s.Handler(), "GET", "/")
	assert.Equal(t, []string{"sip:u0@example.com", "sip:u3@example.com", "sip:u6@example.com"},
		rows(t, body, "sessions", "data-user"))
	assert.Contains(t, body, "(7, newest 3 shown)")
	assert.Contains(t, body, `<p class="muted" id="hidden">4 older sessions not shown; filter by user to find one.</p>`)
	assert.Contains(t, body, `<td class="num">7</td>`, "sessions now counts all sessions on cti-1")

	// The filter applies before the cap.
	_, _, body = do(t, s.Handler(), "GET", "/?user=u4")
	assert.Equal(t, []string{"sip:u4@example.com"}, rows(t, body, "sessions", "data-user"))
	assert.NotContains(t, body, `id="hidden"`)
}

func TestStatusPageRefusals(t *testing.T) {
	s, _ := newServer(t, healthySource(), admin.Config{RecentRefusals: 3})
	ro := s.SessionObserver()
	for i := range 5 {
		ro.SessionRefused(fmt.Sprintf("sip:u%d@example.com", i), "tel:1001", "192.0.2.9:5060",
			fmt.Errorf("session: open %d: %w", i, session.ErrUnknownLine))
	}
	_, _, body := do(t, s.Handler(), "GET", "/")
	assert.Contains(t, body, "Recent refusals <span class=\"count\">(last 3)</span>")
	table := body[strings.Index(body, `<table id="refusals">`):]
	var users []string
	for _, m := range regexp.MustCompile(`<td class="id">(sip:u\d@example.com)</td>`).FindAllStringSubmatch(table, -1) {
		users = append(users, m[1])
	}
	assert.Equal(t, []string{"sip:u4@example.com", "sip:u3@example.com", "sip:u2@example.com"}, users)
	assert.Contains(t, table, `<tr><td class="nowrap">2026-03-14 15:09:26</td><td class="id">sip:u4@example.com</td><td class="id">tel:1001</td><td class="nowrap">192.0.2.9:5060</td><td class="nowrap">unknown_line</td><td>session: open 4: `+
		session.ErrUnknownLine.Error()+"</td></tr>")
}

func TestStatusPageClipsLongText(t *testing.T) {
	src := healthySource()
	src.sessions[0].User = "sip:" + strings.Repeat("é", 5000) + "@example.com"
	s, _ := newServer(t, src, admin.Config{})
	s.SessionObserver().SessionRefused(src.sessions[0].User, strings.Repeat("1", 100000), "127.0.0.1:5060", errors.New("x"))
	_, _, body := do(t, s.Handler(), "GET", "/")
	assert.Less(t, len(body), 20000)
	assert.Contains(t, body, `<td class="id">sip:`+strings.Repeat("é", 98)+"…</td>")
}

func TestStatusPageRefresh(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		off      bool
		want     string
	}{
		{0, false, `<meta http-equiv="refresh" content="2">`},
		{1500 * time.Millisecond, false, `<meta http-equiv="refresh" content="2">`},
		{10 * time.Second, false, `<meta http-equiv="refresh" content="10">`},
		{10 * time.Second, true, ""},
	} {
		t.Run(fmt.Sprint(tc.interval, tc.off), func(t *testing.T) {
			s, _ := newServer(t, healthySource(), admin.Config{RefreshInterval: tc.interval, NoRefresh: tc.off})
			_, _, body := do(t, s.Handler(), "GET", "/")
			if tc.want == "" {
				assert.NotContains(t, body, `http-equiv="refresh"`)
				assert.NotContains(t, body, "reloads every")
				return
			}
			assert.Contains(t, body, tc.want)
		})
	}
}
