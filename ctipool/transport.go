package ctipool

import (
	"context"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
)

// Transport opens links to CTI endpoints. The pool calls Dial from one
// goroutine per endpoint, so a Transport must be safe for concurrent use.
type Transport interface {
	// Dial connects to ep and completes any handshake, bounded by ctx.
	// The returned link calls onEvent for every event it receives, from a
	// single goroutine, in arrival order; onEvent does not block.
	Dial(ctx context.Context, ep Endpoint, onEvent func(csta.Event)) (Link, error)
}

// Link is one live connection made by a Transport. All methods must be
// safe for concurrent use.
type Link interface {
	// Do sends a request and returns its answer. A CSTAErrorCode answer
	// must be returned as the *csta.Error it carries. Do must return
	// promptly once ctx is done or the link has ended. An error for a
	// request that certainly never left the process should have a
	// SafeToRetry() bool method returning true.
	Do(ctx context.Context, req csta.Request) (csta.Response, error)
	// Heartbeat sends a status request and waits for its answer.
	Heartbeat(ctx context.Context) error
	// LastReceived returns when anything was last received from the
	// server (or when the link was established). The pool's heartbeat
	// logic depends on it.
	LastReceived() time.Time
	// Close ends the link, fails its pending requests and waits for its
	// goroutines; onEvent is not called after Close returns. It is
	// idempotent.
	Close() error
	// Done is closed when the link has ended, by Close or by failure.
	Done() <-chan struct{}
	// Err returns why the link ended, or nil while it is live.
	Err() error
}

// tcpTransport is the built-in transport: package cstatcp.
type tcpTransport struct {
	cfg *Config
}

func (t tcpTransport) Dial(ctx context.Context, ep Endpoint, onEvent func(csta.Event)) (Link, error) {
	c, err := cstatcp.Dial(ctx, cstatcp.Config{
		Addr:            ep.Addr,
		TLS:             ep.TLS,
		Dial:            t.cfg.Dial,
		ApplicationID:   t.cfg.ApplicationID,
		ProtocolVersion: t.cfg.ProtocolVersion,
		SessionDuration: t.cfg.SessionDuration,
		WriteTimeout:    t.cfg.WriteTimeout,
		Dialect:         t.cfg.Dialect,
		Username:        t.cfg.Username,
		Password:        t.cfg.Password,
		SwitchName:      t.cfg.SwitchName,
		OnEvent:         onEvent,
		Logger:          t.cfg.Logger.With("endpoint", ep.Name),
	})
	if err != nil {
		return nil, err // not a nil *cstatcp.Conn in a non-nil Link
	}
	return c, nil
}
