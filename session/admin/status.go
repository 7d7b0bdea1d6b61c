package admin

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
)

//go:embed status.html
var statusHTML string

// statusTemplate is the status page. html/template escapes every value
// for its context: user names, Line URIs and error texts come from peers.
var statusTemplate = template.Must(template.New("status").Parse(statusHTML))

// maxFilterLen bounds the ?user= filter.
const maxFilterLen = 256

// statusPage is what the status template shows; every value is formatted
// already.
type statusPage struct {
	Now          string
	Refresh      int // seconds; 0 for none
	Ready        bool
	NotReady     []string
	Version      string // "v1.2.0"
	Build        string // "go1.26.8, revision 0123456789ab (modified), 2026-03-01 10:00:00 UTC"
	Uptime       string // "3h07m"
	Started      string
	SIPListening bool
	SIPListeners []string
	SIPDialogs   int
	Dir          lineappearance.Stats

	CTI     []ctiRow
	Healthy int

	SessionCount  int    // open sessions
	SessionStates string // "2 active, 1 down"
	Filter        string
	Matching      int // sessions the filter matches
	Hidden        int // matching sessions not shown
	Sessions      []sessionRow

	RefusalCap int
	Refusals   []refusalRow
}

type ctiRow struct {
	// Since is how long the connection has been up, or down since its
	// first failure; SinceAt is that time.
	Name, Addr, State, Class, Since, SinceAt, RTT, LastError string
	Generation, Placed, Requests                             uint64
	Sessions, Pending                                        int
}

type sessionRow struct {
	User, Line, Device, CTI, State, Class, Age, LastRequest string
}

type refusalRow struct {
	Time, User, Line, Peer, Reason, Detail string
}

// serveStatus renders the status page.
func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	filter := strings.TrimSpace(r.URL.Query().Get("user"))
	if len(filter) > maxFilterLen {
		s.text(w, http.StatusBadRequest, fmt.Sprintf("user filter too long (%d bytes, at most %d)\n", len(filter), maxFilterLen))
		return
	}
	page := s.statusPage(filter)
	var buf bytes.Buffer
	if err := statusTemplate.Execute(&buf, page); err != nil {
		s.log.Error("rendering status page", "err", err)
		s.text(w, http.StatusInternalServerError, "rendering status page failed\n")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// The page runs no script and loads nothing: if an escaping mistake
	// ever let markup through, the browser still would not run it.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	if _, err := w.Write(buf.Bytes()); err != nil {
		s.log.Debug("writing status page", "err", err)
	}
}

// statusPage gathers and formats what the status page shows.
func (s *Server) statusPage(filter string) *statusPage {
	now := s.now()
	p := &statusPage{
		Now:          now.Format(timeFormat),
		NotReady:     s.notReady(),
		Version:      s.build.Version,
		Build:        s.build.describe(),
		Uptime:       formatAge(now.Sub(s.started)),
		Started:      s.started.Format(timeFormat),
		SIPListening: s.src.SIPListening(),
		SIPListeners: s.src.SIPListeners(),
		SIPDialogs:   s.src.SIPStats().Dialogs,
		Dir:          s.src.DirectoryStats(),
		Filter:       filter,
		RefusalCap:   s.cfg.RecentRefusals,
	}
	p.Ready = len(p.NotReady) == 0
	if !s.cfg.NoRefresh {
		p.Refresh = int((s.cfg.RefreshInterval + time.Second - 1) / time.Second)
	}

	sessions := s.src.Sessions()
	p.SessionCount = len(sessions)
	perCTI := make(map[string]int)
	var perState [5]int
	for i := range sessions {
		perCTI[sessions[i].CTI]++
		if st := sessions[i].State; int(st) < len(perState) {
			perState[st]++
		}
	}
	var states []string
	for _, st := range sessionStates {
		if n := perState[st]; n > 0 {
			states = append(states, fmt.Sprintf("%d %s", n, st))
		}
	}
	p.SessionStates = strings.Join(states, ", ")

	cti := s.src.CTIStats()
	p.Healthy = cti.Healthy
	for _, ep := range cti.Endpoints {
		row := ctiRow{
			Name: ep.Name, Addr: ep.Addr, State: ep.State.String(), Class: ctiClass(ep.State),
			Generation: ep.Generation, Placed: ep.Placed, Requests: ep.Requests,
			Sessions: perCTI[ep.Name], Pending: ep.Pending,
			RTT: "–", Since: "–",
		}
		// A connection that keeps failing re-enters Connecting and Down at
		// every attempt: show how long it has been unusable.
		since := ep.Since
		if ep.State != ctipool.StateUp && !ep.DownSince.IsZero() {
			since = ep.DownSince
		}
		if !since.IsZero() {
			row.Since = formatAge(now.Sub(since)) + " ago"
			row.SinceAt = since.Format(timeFormat)
		}
		if ep.LastHeartbeatRTT > 0 {
			row.RTT = formatRTT(ep.LastHeartbeatRTT)
		}
		if ep.LastError != nil {
			row.LastError = clipText(ep.LastError.Error(), maxErrorText)
		}
		p.CTI = append(p.CTI, row)
	}

	if filter != "" {
		f := strings.ToLower(filter)
		sessions = slices.DeleteFunc(sessions, func(in session.Info) bool {
			return !strings.Contains(strings.ToLower(in.User), f)
		})
	}
	p.Matching = len(sessions)
	sessions = newest(sessions, s.cfg.SessionRows)
	p.Hidden = p.Matching - len(sessions)
	p.Sessions = make([]sessionRow, len(sessions))
	for i, in := range sessions {
		row := sessionRow{
			User: clip(in.User), Line: clip(in.Line), Device: in.Appearance.Device,
			CTI:   fmt.Sprintf("%s (generation %d)", in.CTI, in.Generation),
			State: in.State.String(), Class: sessionClass(in.State),
			Age: formatAge(now.Sub(in.Opened)), LastRequest: "never",
		}
		if in.CTI == "" {
			row.CTI = "–"
		}
		if !in.LastRequest.IsZero() {
			row.LastRequest = formatAge(now.Sub(in.LastRequest)) + " ago"
		}
		p.Sessions[i] = row
	}

	for _, f := range s.refusals.list() {
		peer := f.Peer
		if peer == "" {
			peer = "–"
		}
		p.Refusals = append(p.Refusals, refusalRow{
			Time: f.Time.Format("2006-01-02 15:04:05"), User: f.User, Line: f.Line,
			Peer: peer, Reason: f.Reason, Detail: f.Detail,
		})
	}
	return p
}

// newest returns the n most recently opened sessions of ss, the newest
// first (ties by dialog ID). It keeps the n newest seen so far in a heap of
// indices, so a page of 500 out of 50,000 sessions costs little more than
// one pass, and copies only the Infos it returns.
func newest(ss []session.Info, n int) []session.Info {
	n = min(n, len(ss))
	if n == 0 {
		return nil
	}
	// cmp orders newer sessions first.
	cmp := func(a, b int32) int {
		if c := ss[b].Opened.Compare(ss[a].Opened); c != 0 {
			return c
		}
		return strings.Compare(ss[a].DialogID, ss[b].DialogID)
	}
	// h is a heap whose root is the oldest of the n kept.
	h := make([]int32, 0, n)
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && cmp(h[c+1], h[c]) > 0 {
				c++
			}
			if cmp(h[c], h[i]) <= 0 {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := range ss {
		x := int32(i)
		switch {
		case len(h) < n:
			h = append(h, x)
			for j := len(h) - 1; j > 0; {
				p := (j - 1) / 2
				if cmp(h[j], h[p]) <= 0 {
					break
				}
				h[j], h[p] = h[p], h[j]
				j = p
			}
		case cmp(x, h[0]) < 0:
			h[0] = x
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
	out := make([]session.Info, len(h))
	for i, x := range h {
		out[i] = ss[x]
	}
	return out
}

func ctiClass(st ctipool.State) string {
	switch st {
	case ctipool.StateUp:
		return "ok"
	case ctipool.StateConnecting:
		return "warn"
	}
	return "bad"
}

func sessionClass(st session.State) string {
	switch st {
	case session.StateActive:
		return "ok"
	case session.StateRehoming:
		return "warn"
	}
	return "bad"
}

// formatAge formats a duration the way a person reads an age: "45s",
// "12m05s", "3h07m", "2d04h".
func formatAge(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	sec := int64(d / time.Second)
	switch {
	case sec < 60:
		return fmt.Sprintf("%ds", sec)
	case sec < 3600:
		return fmt.Sprintf("%dm%02ds", sec/60, sec%60)
	case sec < 86400:
		return fmt.Sprintf("%dh%02dm", sec/3600, sec%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", sec/86400, sec%86400/3600)
}

// formatRTT formats a round trip time to three significant digits.
func formatRTT(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return fmt.Sprintf("%.3gms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.3gs", d.Seconds())
}

// timeFormat is how the status page writes times.
const timeFormat = "2006-01-02 15:04:05 MST"

// describe says how the binary was built, for the status page.
func (b buildInfo) describe() string {
	parts := []string{b.GoVersion}
	if b.RCC != "" {
		parts = append(parts, "rcc "+b.RCC)
	}
	if b.Revision != "" {
		r := "revision " + shortRevision(b.Revision)
		if b.Modified {
			r += " (modified)"
		}
		parts = append(parts, r)
	}
	if !b.Time.IsZero() {
		parts = append(parts, "committed "+b.Time.UTC().Format(timeFormat))
	}
	return strings.Join(parts, ", ")
}

// Bounds of the text of one table cell: maxCell for names and addresses
// a peer chose, maxErrorText for error texts, which the page shows whole
// (an error names every endpoint it tried, and a peer's Line URI) but
// not without bound.
const (
	maxCell      = 200
	maxErrorText = 4096
)

// clip shortens a string from a peer so that one cell cannot swell the
// page, cutting at a rune boundary.
func clip(s string) string { return clipText(s, maxCell) }

// clipText shortens s to at most max bytes and an ellipsis, cutting at a
// rune boundary.
func clipText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
