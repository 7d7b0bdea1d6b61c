package ctipool

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
)

// MaxEndpoints is the largest number of CTI endpoints a pool takes.
const MaxEndpoints = 8

// Defaults of Config.
const (
	// DefaultHeartbeatInterval is Config.HeartbeatInterval's default.
	DefaultHeartbeatInterval = 10 * time.Second
	// DefaultHeartbeatMisses is Config.HeartbeatMisses's default.
	DefaultHeartbeatMisses = 3
	// DefaultRequestTimeout is Config.RequestTimeout's default.
	DefaultRequestTimeout = 5 * time.Second
	// DefaultDialTimeout is Config.DialTimeout's default.
	DefaultDialTimeout = 10 * time.Second
	// DefaultReconnectMin is Config.ReconnectMin's default.
	DefaultReconnectMin = 500 * time.Millisecond
	// DefaultReconnectMax is Config.ReconnectMax's default.
	DefaultReconnectMax = 30 * time.Second
	// DefaultEventQueueSize is Config.EventQueueSize's default.
	DefaultEventQueueSize = 256
	// DefaultDispatchWorkers is Config.DispatchWorkers's default.
	DefaultDispatchWorkers = 4
	// DefaultApplicationID is Config.ApplicationID's default, the
	// built-in transport's.
	DefaultApplicationID = cstatcp.DefaultApplicationID
)

// Endpoint is one CTI server the pool connects to.
type Endpoint struct {
	// Name identifies the endpoint in Stats, logs and errors.
	// Default: Addr.
	Name string
	// Addr is the server's host:port.
	Addr string
	// TLS, when not nil, makes the built-in transport use TLS with this
	// configuration.
	TLS *tls.Config
}

// Config configures a Pool. Only Endpoints is required; every other zero
// field takes the default its comment gives, and a negative number or
// duration is an error that names the field.
type Config struct {
	// Endpoints are the CTI servers, 1 to MaxEndpoints, in priority
	// order. Names must be unique.
	Endpoints []Endpoint
	// Transport dials links. Default: the built-in CSTA XML over TCP
	// transport (package cstatcp), configured from Dial, ApplicationID,
	// ProtocolVersion, SessionDuration and Logger.
	Transport Transport
	// Dial opens network connections for the built-in transport; tests
	// use it to supply in-memory connections or inject faults. It must be
	// safe for concurrent use. Default: a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// DialTimeout bounds one connection attempt, handshakes included.
	// Default: 10s.
	DialTimeout time.Duration
	// HeartbeatInterval is how long a connection may go without receiving
	// anything before the pool sends a heartbeat. Default: 10s.
	HeartbeatInterval time.Duration
	// HeartbeatMisses is how many consecutive heartbeat intervals may pass
	// without any inbound traffic before the connection is declared down,
	// so a stalled server is detected within HeartbeatInterval ×
	// HeartbeatMisses of the last frame received. With 1 no heartbeat gets
	// a chance to be answered: the server must send something every
	// interval on its own. Default: 3.
	HeartbeatMisses int
	// RequestTimeout bounds every request whose context has no earlier
	// deadline. Default: 5s.
	RequestTimeout time.Duration
	// ReconnectMin and ReconnectMax bound the delay between connection
	// attempts: attempt n waits a random time between ReconnectMin and
	// min(ReconnectMax, ReconnectMin·2ⁿ). The attempt count starts again
	// after a connection stayed up for ReconnectMax.
	// Default: 500ms and 30s.
	ReconnectMin, ReconnectMax time.Duration
	// EventQueueSize is how many undelivered callbacks a subscriber may
	// have queued before further events for it are dropped (see the
	// package documentation, "Events"). Default: 256.
	EventQueueSize int
	// DispatchWorkers is how many goroutines run subscriber callbacks.
	// A callback that blocks holds one of them. Default: 4.
	DispatchWorkers int
	// ApplicationID is the built-in transport's ECMA-354 applicationID.
	// Default: "rcc".
	ApplicationID string
	// ProtocolVersion is the ECMA-323 namespace the built-in transport
	// requests. Default: the dialect's (csta.NamespaceEd3 for ecma354).
	ProtocolVersion string
	// Dialect names the CSTA dialect the built-in transport speaks (see
	// package csta/dialect): "ecma354" (the default, ""),
	// "openscape-voice", "openscape-business" or "avaya-dmcc".
	Dialect string
	// Username and Password are the built-in transport's credentials for
	// a dialect with a login. They are never logged.
	Username, Password string
	// SwitchName is the switch avaya-dmcc's GetDeviceId names.
	SwitchName string
	// SessionDuration is the application session duration the built-in
	// transport requests. Default: cstatcp.DefaultSessionDuration.
	SessionDuration time.Duration
	// WriteTimeout bounds each write of the built-in transport: a server
	// that stops reading for that long fails the connection, its pending
	// requests fail at once, and the pool reconnects (see
	// cstatcp.Config.WriteTimeout). Default: cstatcp.DefaultWriteTimeout.
	WriteTimeout time.Duration
	// Observer, when not nil, holds hooks told of state changes and
	// heartbeats, on the dispatcher; see [Observer]. Nil hooks are
	// skipped.
	Observer *Observer
	// Logger receives the pool's log records. Default: discard.
	Logger *slog.Logger
}

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("ctipool: invalid config")

// withDefaults validates cfg and returns a copy with defaults applied.
func (cfg Config) withDefaults() (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
	}
	switch n := len(cfg.Endpoints); {
	case n == 0:
		return bad("no endpoints")
	case n > MaxEndpoints:
		return bad("%d endpoints, at most %d", n, MaxEndpoints)
	}
	eps := make([]Endpoint, len(cfg.Endpoints))
	names := make(map[string]bool, len(eps))
	for i, ep := range cfg.Endpoints {
		if ep.Addr == "" {
			return bad("endpoint %d has no address", i)
		}
		if ep.Name == "" {
			ep.Name = ep.Addr
		}
		if names[ep.Name] {
			return bad("endpoint name %q used twice", ep.Name)
		}
		names[ep.Name] = true
		if ep.TLS != nil {
			ep.TLS = ep.TLS.Clone()
		}
		eps[i] = ep
	}
	cfg.Endpoints = eps
	if _, err := dialect.Lookup(cfg.Dialect); err != nil {
		return bad("%v", err)
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"DialTimeout", &cfg.DialTimeout, DefaultDialTimeout},
		{"HeartbeatInterval", &cfg.HeartbeatInterval, DefaultHeartbeatInterval},
		{"RequestTimeout", &cfg.RequestTimeout, DefaultRequestTimeout},
		{"ReconnectMin", &cfg.ReconnectMin, DefaultReconnectMin},
		{"ReconnectMax", &cfg.ReconnectMax, DefaultReconnectMax},
	} {
		if *d.v < 0 {
			return bad("%s is negative (%v)", d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if cfg.ReconnectMax < cfg.ReconnectMin {
		return bad("ReconnectMax %v is below ReconnectMin %v", cfg.ReconnectMax, cfg.ReconnectMin)
	}
	for _, n := range []struct {
		name string
		v    *int
		def  int
	}{
		{"HeartbeatMisses", &cfg.HeartbeatMisses, DefaultHeartbeatMisses},
		{"EventQueueSize", &cfg.EventQueueSize, DefaultEventQueueSize},
		{"DispatchWorkers", &cfg.DispatchWorkers, DefaultDispatchWorkers},
	} {
		if *n.v < 0 {
			return bad("%s is negative (%d)", n.name, *n.v)
		}
		if *n.v == 0 {
			*n.v = n.def
		}
	}
	if cfg.SessionDuration < 0 {
		return bad("SessionDuration is negative (%v)", cfg.SessionDuration)
	}
	if cfg.WriteTimeout < 0 {
		return bad("WriteTimeout is negative (%v)", cfg.WriteTimeout)
	}
	if cfg.ApplicationID == "" {
		cfg.ApplicationID = DefaultApplicationID
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}
