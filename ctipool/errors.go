package ctipool

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Link failures. Requests fail with a *LinkError wrapping one of them;
// compare with errors.Is.
var (
	// ErrNoConnection reports that Acquire found no healthy connection.
	ErrNoConnection = errors.New("ctipool: no healthy connection")
	// ErrConnDown reports a connection that is down, or that went down
	// while the request was pending.
	ErrConnDown = errors.New("ctipool: connection down")
	// ErrStaleConn reports a Handle whose generation is no longer the
	// connection's current one: the connection was re-established since,
	// and everything bound to the old generation (monitors in particular)
	// is gone.
	ErrStaleConn = errors.New("ctipool: stale connection generation")
	// ErrPoolClosed reports a closed pool.
	ErrPoolClosed = errors.New("ctipool: pool closed")
	// ErrHeartbeat is the cause of a connection declared down because no
	// traffic arrived for HeartbeatMisses heartbeat intervals.
	ErrHeartbeat = errors.New("ctipool: heartbeat missed")
)

// ErrTimeout reports a request that got no answer before its deadline
// (Config.RequestTimeout or the context's). It also matches
// context.DeadlineExceeded. The request may have reached the server.
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string        { return "ctipool: request timed out" }
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
func (timeoutError) Timeout() bool        { return true }

// LinkError is the error of a request, or of a Handle, that failed because
// of the connection rather than the server's answer: ErrConnDown,
// ErrStaleConn or ErrPoolClosed, wrapped with the cause. CSTA errors the
// server returns are *csta.Error values instead, never LinkErrors.
type LinkError struct {
	// Endpoint is the name of the connection's endpoint.
	Endpoint string
	// Gen is the generation the request was made on.
	Gen uint64
	// Err wraps ErrConnDown, ErrStaleConn or ErrPoolClosed, and the cause.
	Err error
	// Sent reports that the request may have reached the server before the
	// failure, so it is not known whether it took effect.
	Sent bool
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("ctipool: %s gen %d: %s", e.Endpoint, e.Gen, strings.TrimPrefix(e.Err.Error(), "ctipool: "))
}

// Unwrap returns Err.
func (e *LinkError) Unwrap() error { return e.Err }

// SafeToRetry reports whether the request never left the process.
func (e *LinkError) SafeToRetry() bool { return !e.Sent }

// notSentError marks an error raised before anything was sent, such as
// Acquire finding no connection: SafeToRetry reports true for it.
type notSentError struct{ error }

func (e notSentError) Unwrap() error   { return e.error }
func (notSentError) SafeToRetry() bool { return true }

// SafeToRetry reports whether a failed request certainly never reached the
// server, so sending it again (on another connection, say) cannot do it
// twice. It is true for link errors raised before sending (a down or stale
// connection, a closed pool, no connection) and for transport errors that
// say so through a SafeToRetry() bool method; it is false for timeouts,
// failures while the request was pending, CSTA errors and anything else.
func SafeToRetry(err error) bool {
	var s interface{ SafeToRetry() bool }
	return errors.As(err, &s) && s.SafeToRetry()
}
