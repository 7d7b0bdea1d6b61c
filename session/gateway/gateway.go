package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/lineappearance/dirfile"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/session/admin"
	"github.com/rcc-go/rcc/session/poolcti"
	"github.com/rcc-go/rcc/sip"
	"github.com/rcc-go/rcc/sip/sessionhandler"
)

// Options are what the configuration file does not say: how the gateway is
// run.
type Options struct {
	// Endpoints, when not empty, are the CTI endpoints the gateway
	// connects to instead of the configuration's (cti.endpoints; cti.tls
	// does not apply to them). The demo (package demo) sets them to its
	// in-process fake PBX.
	Endpoints []ctipool.Endpoint
	// Logger receives the gateway's logs. Default: a logger built from
	// the configuration's log section, writing to standard error.
	Logger *slog.Logger
	// SessionObserver, PoolObserver and SIPObserver, when set, are plugged
	// into the library's observer hooks instead of the admin server's
	// (whose metrics then lack what they would have fed).
	SessionObserver *session.Observer
	PoolObserver    *ctipool.Observer
	SIPObserver     *sip.Observer
	// Directory, when set, is the line appearance directory the gateway
	// uses instead of the configuration's directory file; Reload then has
	// no file to read. Tests and embedding programs that build the
	// directory in code set it.
	Directory *lineappearance.Data
	// Version is the gateway's version, shown on the status page and in
	// rcc_build_info (admin.Config.Version). Default: the version in the
	// binary's build information.
	Version string
	// Closers are closed, in order, at the end of Shutdown, after the CTI
	// pool: what the gateway's parts depend on, such as the demo's fake
	// PBX. New does not close them when it fails.
	Closers []io.Closer
}

// Gateway is a running CTI gateway.
type Gateway struct {
	cfg  Config
	opts Options
	log  *slog.Logger

	dir   *lineappearance.Store
	pool  *ctipool.Pool
	mgr   *session.Manager
	sip   *sip.Server
	admin *admin.Server

	mu        sync.Mutex
	adminSrv  *http.Server
	adminAddr string
	listeners []Addr
	closers   []io.Closer
	serving   sync.WaitGroup
	shutdown  bool
	reloadMu  sync.Mutex
}

// Addr is a SIP listening address.
type Addr struct {
	// Transport is "udp", "tcp" or "tls".
	Transport string
	// Addr is the local address, with the port actually bound.
	Addr netip.AddrPort
}

func (a Addr) String() string { return a.Transport + ":" + a.Addr.String() }

// New builds a gateway from a validated configuration: it loads the
// directory, starts the CTI pool (which connects in the background) and the
// session manager, and prepares the SIP server. Start opens the listeners.
func New(cfg Config, opts Options) (*Gateway, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	g := &Gateway{cfg: cfg, opts: opts, log: opts.Logger}
	if g.log == nil {
		g.log = NewLogger(os.Stderr, cfg.Log)
	}
	ok := false
	defer func() {
		if !ok {
			g.closeParts()
		}
	}()

	var data *lineappearance.Data
	ctiTLS, err := clientTLS(cfg.CTI.TLS)
	if err != nil {
		return nil, fmt.Errorf("cti.tls: %w", err)
	}
	eps := append([]ctipool.Endpoint(nil), opts.Endpoints...)
	if len(eps) == 0 {
		if len(cfg.CTI.Endpoints) == 0 {
			return nil, &ConfigError{Path: "cti.endpoints", Msg: "cti.endpoints: at least one CTI endpoint is required (or run with -demo)"}
		}
		for i, ep := range cfg.CTI.Endpoints {
			e := ctipool.Endpoint{Name: ep.Name, Addr: ep.Address}
			if e.Name == "" {
				e.Name = fmt.Sprintf("cti%d", i+1)
			}
			if ep.TLS {
				e.TLS = ctiTLS
				if e.TLS == nil {
					e.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
				}
			}
			eps = append(eps, e)
		}
	}
	switch {
	case opts.Directory != nil:
		data = opts.Directory
	case cfg.Directory.File == "":
		return nil, &ConfigError{Path: "directory.file", Msg: "directory.file: a directory file is required (or run with -demo)"}
	default:
		if data, err = dirfile.Load(cfg.Directory.File); err != nil {
			return nil, fmt.Errorf("directory: %w", err)
		}
	}

	var prefs []lineappearance.Rule // nil: the library's default
	if cfg.Directory.Preference != nil {
		prefs = make([]lineappearance.Rule, 0, len(cfg.Directory.Preference))
	}
	for _, p := range cfg.Directory.Preference {
		r, err := lineappearance.ParseRule(p)
		if err != nil {
			return nil, fmt.Errorf("directory.preference: %w", err)
		}
		prefs = append(prefs, r)
	}
	if g.dir, err = lineappearance.NewStore(data, lineappearance.Options{Preference: prefs}); err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}

	// The admin server reads the gateway through adminSource, and its
	// observers go into the library's configurations below.
	if g.admin, err = admin.New(admin.Config{Source: adminSource{g}, Version: opts.Version, Logger: g.log}); err != nil {
		return nil, err
	}
	if opts.SessionObserver == nil {
		opts.SessionObserver = g.admin.SessionObserver()
	}
	if opts.PoolObserver == nil {
		opts.PoolObserver = g.admin.PoolObserver()
	}
	if opts.SIPObserver == nil {
		opts.SIPObserver = g.admin.SIPObserver()
	}

	d, err := dialect.Lookup(cfg.CTI.Dialect)
	if err != nil {
		return nil, err
	}
	password, err := cfg.CTI.ResolvePassword()
	if err != nil {
		return nil, err
	}
	if g.pool, err = ctipool.New(ctipool.Config{
		Endpoints:         eps,
		HeartbeatInterval: cfg.CTI.HeartbeatInterval.D(),
		HeartbeatMisses:   cfg.CTI.HeartbeatMisses,
		RequestTimeout:    cfg.CTI.RequestTimeout.D(),
		DialTimeout:       cfg.CTI.DialTimeout.D(),
		ReconnectMin:      cfg.CTI.ReconnectMin.D(),
		ReconnectMax:      cfg.CTI.ReconnectMax.D(),
		ApplicationID:     cfg.CTI.ApplicationID,
		Dialect:           cfg.CTI.Dialect,
		Username:          cfg.CTI.Username,
		Password:          password,
		SwitchName:        cfg.CTI.SwitchName,
		Observer:          opts.PoolObserver,
		Logger:            g.log,
	}); err != nil {
		return nil, err
	}

	policy := session.Rehome
	if cfg.Session.LossPolicy == "reconnect" {
		policy = session.Reconnect
	}
	if g.mgr, err = session.NewManager(session.Config{
		Directory:          g.dir,
		CTI:                poolcti.NewDialect(g.pool, d),
		LossPolicy:         policy,
		MaxSessions:        cfg.Session.MaxSessions,
		MaxSessionsPerUser: cfg.Session.MaxSessionsPerUser,
		RequestTimeout:     cfg.Session.RequestTimeout.D(),
		Observer:           opts.SessionObserver,
		Logger:             g.log,
	}); err != nil {
		return nil, err
	}

	peers, err := parsePrefixes("sip.trusted_peers", cfg.SIP.TrustedPeers) // nil: the library's default, loopback
	if err != nil {
		return nil, err
	}
	authPeers, err := parsePrefixes("sip.auth_peers", cfg.SIP.AuthPeers)
	if err != nil {
		return nil, err
	}
	var creds sip.Credentials
	if len(authPeers) > 0 {
		creds = g.dir // users' HA1, reloaded with the directory
	}
	sipTLS, err := serverTLS(cfg.SIP.TLS)
	if err != nil {
		return nil, fmt.Errorf("sip.tls: %w", err)
	}
	handler, err := sessionhandler.New(g.mgr, sessionhandler.Options{RetryAfter: cfg.SIP.RetryAfter.D()})
	if err != nil {
		return nil, err
	}
	if g.sip, err = sip.NewServer(sip.ServerConfig{
		Handler:            handler,
		TrustedPeers:       peers,
		TrustedSubjects:    cfg.SIP.TrustedSubjects,
		AuthPeers:          authPeers,
		Realm:              cfg.SIP.Realm,
		Credentials:        creds,
		NonceLifetime:      cfg.SIP.NonceLifetime.D(),
		DigestAlgorithms:   cfg.SIP.DigestAlgorithms,
		TLSConfig:          sipTLS,
		RequireClientCert:  cfg.SIP.TLS.RequireClientCert,
		SessionExpires:     cfg.SIP.SessionExpires.D(),
		MinSE:              cfg.SIP.MinSessionExpires.D(),
		MaxBodySize:        cfg.SIP.MaxBodySize,
		EventQueueSize:     cfg.SIP.EventQueueSize,
		EventTimeout:       cfg.SIP.EventTimeout.D(),
		MaxEventTimeouts:   cfg.SIP.MaxEventTimeouts,
		RetryAfter:         cfg.SIP.RetryAfter.D(),
		ContactHost:        cfg.SIP.Hostname,
		UDPReadBuffer:      cfg.SIP.UDPReadBuffer,
		MaxUDPTransactions: cfg.SIP.MaxUDPTransactions,
		Observer:           opts.SIPObserver,
		Logger:             g.log,
	}); err != nil {
		return nil, err
	}
	ok = true
	return g, nil
}

// Start opens the configured SIP listeners, and the admin HTTP listener
// when admin.listen is set, and serves them in the background. It fails,
// closing what it opened, when a listener cannot be opened.
func (g *Gateway) Start() error {
	if a := g.cfg.Admin.Listen; a != "" {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("admin listen %s: %w", a, err)
		}
		srv := &http.Server{Handler: g.admin.Handler(), ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(g.log.Handler(), slog.LevelDebug)}
		g.mu.Lock()
		g.adminSrv, g.adminAddr = srv, ln.Addr().String()
		g.mu.Unlock()
		g.serving.Add(1)
		go func() {
			defer g.serving.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				g.log.Error("admin listener failed", "addr", ln.Addr().String(), "err", err)
			}
		}()
	}
	for _, l := range g.cfg.SIP.Listen {
		if err := g.listen(strings.ToLower(l.Transport), l.Address); err != nil {
			g.mu.Lock()
			closers := g.closers
			g.closers, g.listeners = nil, nil
			g.mu.Unlock()
			for _, c := range closers {
				_ = c.Close()
			}
			g.stopAdmin(context.Background())
			return fmt.Errorf("sip listen %s %s: %w", l.Transport, l.Address, err)
		}
	}
	return nil
}

func (g *Gateway) listen(transport, addr string) error {
	var (
		closer io.Closer
		local  net.Addr
		serve  func() error
	)
	switch transport {
	case "udp":
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return err
		}
		closer, local, serve = pc, pc.LocalAddr(), func() error { return g.sip.ServeUDP(pc) }
	case "tcp", "tls":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		closer, local = ln, ln.Addr()
		if transport == "tcp" {
			serve = func() error { return g.sip.ServeTCP(ln) }
		} else {
			serve = func() error { return g.sip.ServeTLS(ln) }
		}
	default:
		return fmt.Errorf("unknown transport %q", transport)
	}
	ap, err := netip.ParseAddrPort(local.String())
	if err != nil {
		_ = closer.Close()
		return err
	}
	g.mu.Lock()
	g.closers = append(g.closers, closer)
	g.listeners = append(g.listeners, Addr{Transport: transport, Addr: ap})
	g.mu.Unlock()
	g.serving.Add(1)
	go func() {
		defer g.serving.Done()
		if err := serve(); err != nil && !errors.Is(err, sip.ErrServerClosed) {
			g.log.Error("sip listener failed", "transport", transport, "addr", ap.String(), "err", err)
		}
	}()
	return nil
}

// Addrs returns the SIP listening addresses, with the ports actually bound.
func (g *Gateway) Addrs() []Addr {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Addr(nil), g.listeners...)
}

// Listening reports whether at least one SIP listener is open.
func (g *Gateway) Listening() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.listeners) > 0 && !g.shutdown
}

// Pool returns the CTI connection pool.
func (g *Gateway) Pool() *ctipool.Pool { return g.pool }

// Sessions returns the session manager.
func (g *Gateway) Sessions() *session.Manager { return g.mgr }

// SIP returns the SIP server.
func (g *Gateway) SIP() *sip.Server { return g.sip }

// Directory returns the line appearance directory.
func (g *Gateway) Directory() *lineappearance.Store { return g.dir }

// Config returns the configuration the gateway runs with.
func (g *Gateway) Config() Config { return g.cfg }

// Logger returns the gateway's logger.
func (g *Gateway) Logger() *slog.Logger { return g.log }

// ErrNoDirectoryFile is returned by Reload when the gateway runs on the
// directory given in Options.Directory (the demo's, or one built in code).
var ErrNoDirectoryFile = errors.New("gateway: no directory file to reload (the directory is built in)")

// Reload reads the directory file again. A file that fails validation is
// refused with the reason and the directory in use stays; after a good
// reload, sessions whose line appearance the new directory no longer grants
// are ended. It returns how many sessions were ended.
func (g *Gateway) Reload() (ended int, err error) {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	if g.opts.Directory != nil || g.cfg.Directory.File == "" {
		return 0, ErrNoDirectoryFile
	}
	if err := dirfile.Reload(g.dir, g.cfg.Directory.File); err != nil {
		g.log.Warn("directory reload refused; keeping the directory in use", "file", g.cfg.Directory.File, "err", err)
		return 0, err
	}
	ended = g.mgr.Revalidate()
	st := g.dir.Stats()
	g.log.Info("directory reloaded", "file", g.cfg.Directory.File, "users", st.Users, "lines", st.Lines, "devices", st.Devices, "sessions_ended", ended)
	return ended, nil
}

// Shutdown stops taking new sessions, ends the open ones (BYE), closes the
// SIP listeners, the session manager, the CTI pool and then
// Options.Closers. It waits for all of it, bounded by ctx.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	if g.shutdown {
		g.mu.Unlock()
		return nil
	}
	g.shutdown = true
	g.mu.Unlock()
	var errs []error
	if err := g.sip.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("sip: %w", err))
	}
	if err := g.mgr.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	g.mu.Lock()
	closers := g.closers
	g.closers = nil
	g.mu.Unlock()
	for _, c := range closers {
		_ = c.Close()
	}
	if err := g.stopAdmin(ctx); err != nil {
		errs = append(errs, fmt.Errorf("admin: %w", err))
	}
	done := make(chan struct{})
	go func() { g.serving.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("waiting for listeners: %w", ctx.Err()))
	}
	g.closeParts()
	for _, c := range g.opts.Closers {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// stopAdmin shuts the admin HTTP listener down, if it runs.
func (g *Gateway) stopAdmin(ctx context.Context) error {
	g.mu.Lock()
	srv := g.adminSrv
	g.adminSrv = nil
	g.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Shutdown(ctx)
}

// Admin returns the admin server: health, readiness, metrics, the status
// page and the directory reload endpoint.
func (g *Gateway) Admin() *admin.Server { return g.admin }

// AdminAddr returns the address the admin HTTP listener is bound to, or ""
// when it does not run.
func (g *Gateway) AdminAddr() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.adminAddr
}

// adminSource is the gateway as the admin server sees it.
type adminSource struct{ g *Gateway }

func (s adminSource) CTIStats() ctipool.Stats     { return s.g.pool.Stats() }
func (s adminSource) SessionStats() session.Stats { return s.g.mgr.Stats() }
func (s adminSource) Sessions() []session.Info    { return s.g.mgr.Sessions() }
func (s adminSource) SIPStats() sip.Stats         { return s.g.sip.Stats() }
func (s adminSource) SIPListening() bool          { return s.g.Listening() }
func (s adminSource) SIPListeners() []string {
	addrs := s.g.Addrs()
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}
func (s adminSource) DirectoryStats() lineappearance.Stats { return s.g.dir.Stats() }
func (s adminSource) ReloadDirectory(context.Context) (int, error) {
	return s.g.Reload()
}

// closeParts closes the pool.
func (g *Gateway) closeParts() {
	if g.pool != nil {
		g.pool.Close()
	}
}

// WaitReady waits until at least one CTI connection is up, bounded by ctx.
func (g *Gateway) WaitReady(ctx context.Context) error {
	return g.pool.WaitHealthy(ctx, 1)
}

// serverTLS builds the SIP listeners' TLS configuration from files, or nil
// when no certificate is configured.
func serverTLS(f TLSFiles) (*tls.Config, error) {
	if f.CertFile == "" && f.KeyFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
	if err != nil {
		return nil, err
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if f.ClientCAFile != "" {
		if c.ClientCAs, err = certPool(f.ClientCAFile); err != nil {
			return nil, err
		}
	}
	if f.CAFile != "" {
		if c.RootCAs, err = certPool(f.CAFile); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// clientTLS builds the TLS configuration for connections the gateway opens
// (to CTI endpoints), or nil when nothing is configured.
func clientTLS(f TLSFiles) (*tls.Config, error) {
	if f == (TLSFiles{}) {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: f.ServerName}
	if f.CertFile != "" || f.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{cert}
	}
	if f.CAFile != "" {
		var err error
		if c.RootCAs, err = certPool(f.CAFile); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func certPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificates", file)
	}
	return p, nil
}

// NewLogger builds the gateway's logger from the log section.
func NewLogger(w io.Writer, c LogConfig) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
