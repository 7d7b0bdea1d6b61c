package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/rcc-go/rcc/csta"
)

// Refusals. Open and Handle return errors wrapping exactly one of them
// (with detail); Status and ErrorCode map each to a SIP status and a CSTA
// error code. Compare with errors.Is.
var (
	// ErrInvalidLine refuses an open whose lcs:line is missing or is not a
	// Line URI. SIP 400.
	ErrInvalidLine = errors.New("session: invalid line URI")
	// ErrUnknownLine refuses an open whose Line URI names no line, an
	// unknown device, a device without the line, or several appearances;
	// the directory's error is wrapped too. SIP 404.
	ErrUnknownLine = errors.New("session: unknown line")
	// ErrNotAllowed refuses an open by a user who may not control the
	// line appearance. SIP 403.
	ErrNotAllowed = errors.New("session: not allowed")
	// ErrNoCTI refuses an open when no CTI connection is healthy.
	// SIP 503 with Retry-After.
	ErrNoCTI = errors.New("session: no CTI connection")
	// ErrOverloaded refuses an open when Config.MaxSessions sessions are
	// open. SIP 503 with Retry-After.
	ErrOverloaded = errors.New("session: too many sessions")
	// ErrUserLimit refuses an open when the user already has
	// Config.MaxSessionsPerUser sessions. SIP 403.
	ErrUserLimit = errors.New("session: too many sessions for user")
	// ErrStaleSession refuses a request on a session whose CTI connection
	// was re-established under the Reconnect policy: the client must open a
	// new session. The session is closed. SIP 481.
	ErrStaleSession = errors.New("session: stale session")
	// ErrClosed refuses a request on a closed session. The error also
	// wraps why the session was closed. SIP 481.
	ErrClosed = errors.New("session: session closed")
	// ErrShutdown refuses an open after Shutdown, and is the reason of the
	// sessions Shutdown ends. It wraps ErrClosed. SIP 503 with Retry-After.
	ErrShutdown = fmt.Errorf("session: manager shut down: %w", ErrClosed)
)

// Reasons the manager closes a session for. Handle on the closed session
// returns an error wrapping ErrClosed and the reason.
var (
	// ErrReplaced: a new open for the same user and line appearance
	// replaced the session.
	ErrReplaced = errors.New("session: replaced by a new session")
	// ErrEventBacklog: the sink refused an event, or the CTI side dropped
	// events because the session did not keep up; the client must open a
	// new session to resynchronise.
	ErrEventBacklog = errors.New("session: event backlog")
	// ErrMonitorLost: the CTI monitor could not be restarted after the
	// session was re-homed to another CTI connection.
	ErrMonitorLost = errors.New("session: CTI monitor lost")
)

// refusal is one row of the refusal table.
type refusal struct {
	err    error
	status int
	retry  bool
	code   csta.ErrorCode
}

// refusals is the one table that maps refusals to SIP statuses and CSTA
// error codes. Order matters: ErrShutdown wraps ErrClosed and comes first,
// ErrStaleSession comes before ErrClosed because a stale session is also
// closed.
var refusals = []refusal{
	{ErrInvalidLine, 400, false, code(csta.ErrInvalidDeviceID)},
	{ErrUnknownLine, 404, false, code(csta.ErrInvalidDeviceID)},
	{ErrNotAllowed, 403, false, code(csta.ErrPrivilegeViolation)},
	{ErrNoCTI, 503, true, code(csta.ErrResourceOutOfService)},
	{ErrOverloaded, 503, true, code(csta.ErrResourceLimitExceeded)},
	{ErrUserLimit, 403, false, code(csta.ErrObjectMonitorLimitExceeded)},
	{ErrShutdown, 503, true, code(csta.ErrResourceOutOfService)},
	{ErrStaleSession, 481, false, code(csta.ErrResourceOutOfService)},
	{ErrClosed, 481, false, code(csta.ErrResourceOutOfService)},
}

func code(err error) csta.ErrorCode {
	c, _ := csta.ErrorCodeOf(err)
	return c
}

// Status returns the SIP status a refusal is answered with, and whether the
// answer should carry Retry-After: 400 ErrInvalidLine, 404 ErrUnknownLine,
// 403 ErrNotAllowed and ErrUserLimit, 503 with Retry-After ErrNoCTI,
// ErrOverloaded and ErrShutdown, 481 ErrStaleSession and ErrClosed. It
// returns 200 for nil and 500 for any other error.
func Status(err error) (sipStatus int, retryAfter bool) {
	if err == nil {
		return 200, false
	}
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r.status, r.retry
		}
	}
	return 500, false
}

// ErrorCode returns the CSTA error code that stands for err, for a SIP
// layer that answers with a CSTAErrorCode body: the refusal table's code
// for a refusal (see the package documentation, "Errors"), and otherwise
// the code csta.ErrorResponse gives it (a *csta.Error's own code,
// resourceBusy for a timeout, systemResourceAvailibility/generic for
// anything else).
func ErrorCode(err error) csta.ErrorCode {
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r.code
		}
	}
	return csta.ErrorResponse(csta.Header{}, err).Code
}

// The classes of CTI errors, found with errors.As; see the package
// documentation, "CTI errors".
type (
	linkDownError interface{ LinkDown() bool }
	staleError    interface{ Stale() bool }
	timeoutError  interface{ Timeout() bool }
	retryError    interface{ SafeToRetry() bool }
)

// isStale reports a link that is up again in a newer generation.
func isStale(err error) bool {
	var e staleError
	return errors.As(err, &e) && e.Stale()
}

// isLinkDown reports a failure of the link rather than of the request;
// stale links count.
func isLinkDown(err error) bool {
	var e linkDownError
	return errors.As(err, &e) && e.LinkDown() || isStale(err)
}

// isTimeout reports a request without an answer in time.
func isTimeout(err error) bool {
	var e timeoutError
	return errors.As(err, &e) && e.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

// safeToRetry reports a request that certainly never left the process.
func safeToRetry(err error) bool {
	var e retryError
	return errors.As(err, &e) && e.SafeToRetry()
}

// ctiError maps a CTI error to the error the client is answered with
// through csta.ErrorResponse: a link failure is resourceOutOfService;
// anything else is left as it is, so the server's own CSTA error keeps its
// code, a timeout is resourceBusy and any other failure
// systemResourceAvailibility/generic.
func ctiError(err error) error {
	var ce *csta.Error
	if !errors.As(err, &ce) && isLinkDown(err) {
		return csta.ErrResourceOutOfService
	}
	return err
}

// ErrAppearanceGone is the reason of a session that Revalidate ended because
// the directory no longer grants its user its line appearance.
var ErrAppearanceGone = errors.New("session: line appearance no longer in the directory")
