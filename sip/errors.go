package sip

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Reasons a server dialog ends, passed to [Session.Closed], and errors the
// server and client return. Compare with errors.Is.
var (
	// ErrServerClosed is returned by the Serve methods after Shutdown, and is
	// the reason for dialogs the shutdown ended.
	ErrServerClosed = errors.New("sip: server closed")
	// ErrPeerBye reports a dialog the peer ended with BYE.
	ErrPeerBye = errors.New("sip: peer ended the dialog with BYE")
	// ErrExpired reports a dialog whose session timer ran out: the client
	// did not refresh it in time (RFC 4028).
	ErrExpired = errors.New("sip: session timer expired")
	// ErrCanceled reports an INVITE the client cancelled before the answer.
	ErrCanceled = errors.New("sip: INVITE cancelled")
	// ErrNoACK reports a dialog whose 2xx was never acknowledged.
	ErrNoACK = errors.New("sip: no ACK for the 2xx response")
	// ErrEnded reports a dialog ended through [EventSink.End]; the reason
	// given to End is appended.
	ErrEnded = errors.New("sip: dialog ended by the session layer")
	// ErrDialogGone reports a dialog the peer no longer knows: it answered a
	// request of ours with 481.
	ErrDialogGone = errors.New("sip: peer answered 481 (no such dialog)")
	// ErrEventTimeouts reports a dialog ended because too many event INFO
	// requests in a row went unanswered.
	ErrEventTimeouts = errors.New("sip: too many unanswered event requests")
	// ErrConnectionFailed reports a dialog whose TCP or TLS connection
	// failed while the server sent it an event: its client is gone.
	ErrConnectionFailed = errors.New("sip: the dialog's connection failed")
	// ErrRefreshFailed reports a dialog the server refreshed itself, as the
	// refresher (RFC 4028), whose refresh got 408 or 481 or no answer; the
	// error wraps the refusal or ErrNoAnswer.
	ErrRefreshFailed = errors.New("sip: session refresh failed")
	// ErrStaleSession reports a dialog whose session the session layer
	// refused as stale (Session.Handle returned a 481 RefusalError).
	ErrStaleSession = errors.New("sip: session is stale")

	// ErrEventQueueFull is returned by [EventSink.SendEvent] when the
	// dialog's event queue is full; the event is not sent.
	ErrEventQueueFull = errors.New("sip: event queue full")
	// ErrEventTooLarge is returned by [EventSink.SendEvent] when the encoded
	// event cannot travel over the dialog's transport (UDP size limit).
	ErrEventTooLarge = errors.New("sip: event too large for the transport")
	// ErrDialogEnded is returned by [EventSink.SendEvent] and by client
	// calls after the dialog has ended.
	ErrDialogEnded = errors.New("sip: dialog ended")

	// ErrSystemStatus is returned by [Dial] when the gateway answers the
	// INVITE with a systemStatus other than normal.
	ErrSystemStatus = errors.New("sip: gateway system status is not normal")
	// ErrNoAnswer reports a request that got no final response in time.
	ErrNoAnswer = errors.New("sip: no answer")
	// ErrConnectionLost: the TCP or TLS connection the client's dialog
	// used closed (the gateway, or the proxy before it, went away); see
	// ClientConfig.KeepAlive.
	ErrConnectionLost = errors.New("sip: connection to the gateway lost")
	// ErrBadResponse reports a gateway response the client cannot use, such
	// as a 200 OK whose body is not CSTA XML.
	ErrBadResponse = errors.New("sip: unusable response")
)

// RefusalError is a SIP-level refusal: a final response with a failure status.
// [Handler.Open] and [Session.Handle] return one (possibly wrapped) to make
// the server answer with that status, reason phrase and, when RetryAfter is
// set, a Retry-After header. The client returns one when the gateway answers
// a request with a failure status.
type RefusalError struct {
	// Status is the SIP status code, 300 to 699.
	Status int
	// Reason is the reason phrase. Empty means the standard phrase.
	Reason string
	// RetryAfter, when positive, is sent as a Retry-After header in whole
	// seconds (at least 1).
	RetryAfter time.Duration
}

// Error returns "sip: refused: 503 Service Unavailable".
func (r *RefusalError) Error() string {
	s := "sip: refused: " + strconv.Itoa(r.Status) + " " + r.reason()
	if r.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", r.RetryAfter)
	}
	return s
}

func (r *RefusalError) reason() string {
	if r.Reason != "" {
		return r.Reason
	}
	return statusText(r.Status)
}

// statusText returns the standard reason phrase of the status codes the
// package uses, and a generic one for the others.
func statusText(code int) string {
	switch code {
	case 100:
		return "Trying"
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 408:
		return "Request Timeout"
	case 413:
		return "Request Entity Too Large"
	case 415:
		return "Unsupported Media Type"
	case 420:
		return "Bad Extension"
	case 422:
		return "Session Interval Too Small"
	case 480:
		return "Temporarily Unavailable"
	case 481:
		return "Call/Transaction Does Not Exist"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 491:
		return "Request Pending"
	case 500:
		return "Server Internal Error"
	case 501:
		return "Not Implemented"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Server Time-out"
	case 505:
		return "Version Not Supported"
	case 603:
		return "Decline"
	}
	switch {
	case code >= 600:
		return "Global Failure"
	case code >= 500:
		return "Server Error"
	case code >= 400:
		return "Client Error"
	case code >= 300:
		return "Redirection"
	case code >= 200:
		return "Success"
	}
	return "Provisional"
}
