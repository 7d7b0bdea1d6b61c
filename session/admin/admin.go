package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/sip"
)

// Source is the running gateway as the admin server sees it. Its methods
// are called from HTTP handlers, concurrently; they must be safe for
// concurrent use and, but for ReloadDirectory, quick.
type Source interface {
	// CTIStats returns the CTI pool's snapshot (ctipool.Pool.Stats).
	CTIStats() ctipool.Stats
	// SessionStats returns the session manager's counters
	// (session.Manager.Stats).
	SessionStats() session.Stats
	// Sessions describes the open sessions (session.Manager.Sessions).
	Sessions() []session.Info
	// SIPStats returns the SIP server's counters (sip.Server.Stats).
	SIPStats() sip.Stats
	// SIPListening reports whether the SIP server is serving on all its
	// listeners.
	SIPListening() bool
	// SIPListeners returns the SIP listening addresses as
	// "transport:host:port", with the ports actually bound; none before
	// the listeners are open.
	SIPListeners() []string
	// DirectoryStats returns the directory's counts
	// (lineappearance.Store.Stats).
	DirectoryStats() lineappearance.Stats
	// ReloadDirectory reads the directory file again and, when it is
	// valid, puts it in place and ends the sessions whose appearance
	// vanished, returning how many it ended. A file that fails validation
	// is refused with an error wrapping lineappearance.ErrInvalid (or
	// ErrUnknownFormat), and the directory in place stays. It logs the
	// outcome itself (the server does not). ctx bounds the work.
	ReloadDirectory(ctx context.Context) (ended int, err error)
}

// Defaults of Config.
const (
	DefaultRefreshInterval = 2 * time.Second
	DefaultRecentRefusals  = 50
	DefaultSessionRows     = 500
)

// Config configures a Server. Source is required; every other zero field
// takes the default its comment gives, and a negative number or duration
// is an error that names the field.
type Config struct {
	// Source is the gateway the server reports on. Required.
	Source Source
	// Version is the gateway's version as its host states it (for
	// example set at link time), shown on the status page and in
	// rcc_build_info. Default: the main module's version from the
	// binary's build information, or "devel" when it has none.
	Version string
	// RefreshInterval is how often the status page reloads itself, rounded
	// up to whole seconds. Default: 2s.
	RefreshInterval time.Duration
	// NoRefresh turns the status page's reload off.
	NoRefresh bool
	// RecentRefusals is how many refused session opens the status page
	// keeps, the newest first. Default: 50.
	RecentRefusals int
	// SessionRows bounds the rows of the status page's session table: the
	// most recently opened sessions are shown, and the count of the rest.
	// Default: 500.
	SessionRows int
	// Registry is where the server registers its metrics, and what
	// /metrics serves. Default: a new private registry that also holds the
	// Go runtime and process collectors (never the global default one).
	Registry *prometheus.Registry
	// Logger receives the server's records: failures to render the
	// status page or gather metrics, at Warn or Error, and failures to
	// write a response, at Debug. Default: discard.
	Logger *slog.Logger
}

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("admin: invalid config")

// withDefaults validates cfg and returns a copy with defaults applied.
func (cfg Config) withDefaults() (Config, error) {
	switch {
	case cfg.Source == nil:
		return Config{}, fmt.Errorf("%w: no Source", ErrConfig)
	case cfg.RefreshInterval < 0:
		return Config{}, fmt.Errorf("%w: RefreshInterval is negative (%v)", ErrConfig, cfg.RefreshInterval)
	case cfg.RecentRefusals < 0:
		return Config{}, fmt.Errorf("%w: RecentRefusals is negative (%d)", ErrConfig, cfg.RecentRefusals)
	case cfg.SessionRows < 0:
		return Config{}, fmt.Errorf("%w: SessionRows is negative (%d)", ErrConfig, cfg.SessionRows)
	}
	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval = DefaultRefreshInterval
	}
	if cfg.RecentRefusals == 0 {
		cfg.RecentRefusals = DefaultRecentRefusals
	}
	if cfg.SessionRows == 0 {
		cfg.SessionRows = DefaultSessionRows
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
		cfg.Registry.MustRegister(
			collectors.NewGoCollector(),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}

// Server is the gateway's admin HTTP side: health and readiness checks,
// Prometheus metrics, the status page and the directory reload endpoint.
// It owns no goroutine and no listener: the gateway serves
// [Server.Handler] on its own listener, and plugs the observers the
// server hands out into the library's configurations. Its methods are safe
// for concurrent use.
type Server struct {
	cfg      Config
	src      Source
	log      *slog.Logger
	metrics  *metrics
	refusals *refusalRing
	build    buildInfo
	started  time.Time
	handler  http.Handler
	now      func() time.Time // replaced by tests
}

// New validates and copies cfg, registers the server's metrics in the
// registry and returns the server. It fails when cfg is invalid or when
// the registry already holds metrics of the same names.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		src:      cfg.Source,
		log:      cfg.Logger.With("component", "admin"),
		refusals: newRefusalRing(cfg.RecentRefusals),
		build:    readBuildInfo(cfg.Version),
		started:  time.Now(),
		now:      time.Now,
	}
	s.metrics = newMetrics(s.src, s.build)
	if err := s.metrics.register(cfg.Registry); err != nil {
		return nil, fmt.Errorf("admin: registering metrics: %w", err)
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the admin HTTP handler:
//
//	GET  /           the status page (?user= filters the sessions)
//	GET  /healthz    200 "ok" while the process runs
//	GET  /readyz     200 "ready", or 503 with the reasons
//	GET  /metrics    the metrics, in the Prometheus text format
//	POST /-/reload   reloads the directory file
//
// Anything else gets 404 (or 405 for a known path with the wrong method).
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveStatus)
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /readyz", s.serveReady)
	mux.Handle("GET /metrics", s.metrics.handler(s.src, s.cfg.Registry, s.log))
	// A page of another origin that the operator's browser visits must
	// not be able to make it reload the directory.
	mux.Handle("POST /-/reload", http.NewCrossOriginProtection().Handler(http.HandlerFunc(s.serveReload)))
	return mux
}
