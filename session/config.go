package session

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rcc-go/rcc/csta"
)

// LossPolicy says what a session does when its CTI connection fails; see
// the package documentation, "CTI loss policies".
type LossPolicy uint8

// The CTI loss policies.
const (
	// Rehome moves the session to another healthy CTI connection at once:
	// its monitor is restarted there, its calls re-synchronised by
	// snapshot, and the client-facing identifiers are kept. The default.
	Rehome LossPolicy = iota
	// Reconnect is the behaviour of the model product: the session stays
	// bound to its connection, requests fail with resourceOutOfService
	// while it is down, and once it is back in a new generation the next
	// request is refused with ErrStaleSession (SIP 481), so that the
	// client opens a new session.
	Reconnect
)

// String returns "rehome" or "reconnect".
func (p LossPolicy) String() string {
	switch p {
	case Rehome:
		return "rehome"
	case Reconnect:
		return "reconnect"
	}
	return fmt.Sprintf("LossPolicy(%d)", uint8(p))
}

// Defaults of Config.
const (
	// DefaultMaxSessions is Config.MaxSessions's default.
	DefaultMaxSessions = 100000
	// DefaultMaxSessionsPerUser is Config.MaxSessionsPerUser's default.
	DefaultMaxSessionsPerUser = 8
	// DefaultRequestTimeout is Config.RequestTimeout's default.
	DefaultRequestTimeout = 5 * time.Second
	// DefaultStopTimeout is Config.StopTimeout's default.
	DefaultStopTimeout = time.Second
	// DefaultRehomeWorkers is Config.RehomeWorkers's default.
	DefaultRehomeWorkers = 16
)

// Config configures a Manager. Directory and CTI are required; every other
// zero field takes the default its comment gives, and a negative number or
// duration is an error that names the field.
type Config struct {
	// Directory resolves Line URIs to line appearances and says who may
	// control them. Required.
	Directory Directory
	// CTI provides the CTI links. Required.
	CTI CTI
	// LossPolicy is what sessions do when their CTI connection fails.
	// Default: Rehome.
	LossPolicy LossPolicy
	// MaxSessions bounds the sessions open at once; opens beyond it are
	// refused with ErrOverloaded. Default: 100000.
	MaxSessions int
	// MaxSessionsPerUser bounds the sessions one user has open at once;
	// opens beyond it are refused with ErrUserLimit. A session replaced by
	// the open does not count. Default: 8.
	MaxSessionsPerUser int
	// RequestTimeout bounds the handling of one request, including any
	// wait for a re-homing in progress, when the caller's context has no
	// earlier deadline. A re-homing done in the background is bounded by
	// three times RequestTimeout. Default: 5s.
	RequestTimeout time.Duration
	// StopTimeout bounds the MonitorStop sent when a session closes or is
	// replaced. Default: 1s.
	StopTimeout time.Duration
	// RehomeWorkers bounds how many sessions re-home at once after a CTI
	// connection fails, so that a failure does not flood the surviving
	// connections. Default: 16.
	RehomeWorkers int
	// Features is the most the gateway offers in GetCSTAFeaturesResponse:
	// a session offers these services and events intersected with what it
	// implements (Supported), with what its CTI link can do (Capable) and
	// with what the CTI side answers to GetCSTAFeatures, and refuses the
	// requests it does not offer with serviceNotSupported. Default:
	// Supported().
	Features *csta.Features
	// Observer, when not nil, holds hooks told of session life events and
	// requests; see [Observer]. Nil hooks are skipped.
	Observer *Observer
	// Logger receives one Info record per session event (opened, refused,
	// re-homed, closed) and request details at Debug. Default: discard.
	Logger *slog.Logger
}

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("session: invalid config")

// withDefaults validates cfg and returns a copy with defaults applied.
func (cfg Config) withDefaults() (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
	}
	switch {
	case cfg.Directory == nil:
		return bad("no Directory")
	case cfg.CTI == nil:
		return bad("no CTI")
	case cfg.LossPolicy > Reconnect:
		return bad("unknown LossPolicy %d", uint8(cfg.LossPolicy))
	}
	for _, n := range []struct {
		name string
		v    *int
		def  int
	}{
		{"MaxSessions", &cfg.MaxSessions, DefaultMaxSessions},
		{"MaxSessionsPerUser", &cfg.MaxSessionsPerUser, DefaultMaxSessionsPerUser},
		{"RehomeWorkers", &cfg.RehomeWorkers, DefaultRehomeWorkers},
	} {
		if *n.v < 0 {
			return bad("%s is negative (%d)", n.name, *n.v)
		}
		if *n.v == 0 {
			*n.v = n.def
		}
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"RequestTimeout", &cfg.RequestTimeout, DefaultRequestTimeout},
		{"StopTimeout", &cfg.StopTimeout, DefaultStopTimeout},
	} {
		if *d.v < 0 {
			return bad("%s is negative (%v)", d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if cfg.Features == nil {
		f := Supported()
		cfg.Features = &f
	} else {
		f := csta.Features{Services: cfg.Features.Services.Clone(), Events: cfg.Features.Events.Clone()}
		cfg.Features = &f
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}
