package sip

import (
	"context"
	"net/netip"
	"time"

	"github.com/rcc-go/rcc/csta"
)

// Handler is the session layer as the server sees it. The server calls it
// from the goroutine that handles the request; it must be safe for
// concurrent use.
type Handler interface {
	// Open opens a CSTA application session for a new dialog: the client's
	// INVITE carried req.Request. It returns the session, and the
	// RequestSystemStatusResponse for the 200 OK (nil means systemStatus
	// normal, in the request's namespace). An error refuses the INVITE: a
	// *RefusalError (found with errors.As) gives its status, reason and
	// Retry-After, any other error gives 500. When Open returns an error
	// the Session is ignored.
	//
	// ctx is cancelled when the client cancels the INVITE or the server
	// shuts down. If that happens while Open runs and Open still returns a
	// session, the server calls its Closed at once.
	Open(ctx context.Context, req *OpenRequest) (Session, *csta.RequestSystemStatusResponse, error)
	// Ready reports whether the node can take sessions: at least one CTI
	// connection is healthy. When it reports false, OPTIONS is answered
	// 503, so that a load balancer takes the node out. New INVITEs still
	// go to Open, which refuses them (503 with Retry-After, as the
	// session layer's refusals of this kind map) and can report who was
	// refused and why.
	Ready() bool
}

// Session is one CSTA application session, bound to one dialog. The server
// calls Handle from the goroutines that handle the client's INFO requests,
// possibly concurrently; Refreshed and Closed may be called from any
// goroutine.
type Session interface {
	// Handle serves one CSTA message from an INFO body: a request, or
	// *csta.Unknown for a root element the codec does not know. It returns
	// the message for the 200 OK body: a positive response or
	// *csta.CSTAErrorCode; nil gives a 200 OK without a body. A response
	// whose Header names no namespace is sent in the request's namespace.
	// An error refuses the INFO at SIP level, as for [Handler.Open]; a 481
	// RefusalError also ends the dialog (without BYE: the client considers it
	// gone) with ErrStaleSession.
	//
	// ctx is cancelled when the dialog ends.
	Handle(ctx context.Context, req csta.Message) (csta.Message, error)
	// Refreshed reports a session refresh before it is answered: the
	// client re-INVITEd or sent UPDATE, or the server, as the refresher, is
	// about to refresh. It returns nil to accept it; an error refuses a
	// client's refresh as for Handle: the refresh gets that status, and a
	// 481 RefusalError also ends the dialog (without BYE) with
	// ErrStaleSession. A 481 before the server's own refresh makes the
	// server end the dialog with BYE instead of refreshing it.
	// A session answers a refresh as it would answer its next INFO, so a
	// client that uses the refresh as its health check learns the same
	// truth.
	Refreshed() error
	// Closed reports that the dialog has ended, and why: ErrPeerBye,
	// ErrExpired, ErrCanceled, ErrNoACK, ErrEnded, ErrDialogGone,
	// ErrEventTimeouts, ErrConnectionFailed, ErrRefreshFailed,
	// ErrStaleSession or ErrServerClosed, possibly wrapped. It is called exactly once for every session Open returned,
	// whatever ended the dialog, including EventSink.End.
	Closed(reason error)
}

// EventSink is the dialog as the session layer sees it: the way back to the
// client. It is safe for concurrent use.
type EventSink interface {
	// SendEvent queues ev to be sent to the client as an INFO request in
	// the dialog and returns at once. Events are sent per dialog in the
	// order SendEvent was called, one at a time (see the package
	// documentation for clients that never answer them). SendEvent encodes ev before
	// it returns, so the caller may reuse ev afterwards; an event whose
	// Header names no namespace is sent in the namespace of the client's
	// INVITE. It returns ErrEventQueueFull when the dialog's queue is full,
	// ErrEventTooLarge when the event cannot travel over the dialog's
	// transport, ErrDialogEnded after the dialog has ended, or the encoding
	// error; the event is then not sent.
	SendEvent(ev csta.Event) error
	// End ends the dialog: the server sends BYE (after the client's ACK, if
	// that has not come yet) and drops any queued events. reason is logged
	// and passed on to Session.Closed wrapped in ErrEnded. End does not
	// block; calling it again does nothing.
	End(reason string)
}

// OpenRequest describes a new dialog to [Handler.Open].
type OpenRequest struct {
	// DialogID is a stable key for the dialog, unique in the server:
	// Call-ID, our tag and the client's tag, separated by "|".
	DialogID string
	// CallID is the dialog's Call-ID.
	CallID string
	// User is the From address of record, normalised by the rule the
	// directory compares users by (lineappearance.NormalizeUser; user part
	// and host as RFC 3261 section 19.1.4 compares them): no display name, parameters or headers; "sips" taken
	// as "sip"; the user part percent-decoded (and written with only what
	// must be escaped as %XX) and kept in its case; the host in lower
	// case. For example "sip:alice@example.com" for
	// "<sips:%61lice@Example.COM;transport=tls>". An INVITE whose From URI
	// carries a password is refused with 403 before Open.
	User string
	// Line is the Line URI from the lcs:line private data, as sent; empty
	// when the client sent none.
	Line string
	// Request is the decoded INVITE body.
	Request *csta.RequestSystemStatus
	// Peer is the address the INVITE came from.
	Peer netip.AddrPort
	// Transport is "udp", "tcp" or "tls".
	Transport string
	// TLSSubject is the common name of the verified client certificate the
	// peer presented over TLS, or empty.
	TLSSubject string
	// Events is the way back to the client.
	Events EventSink
}

// DialogInfo describes a dialog to an [Observer]. The fields are those of
// the dialog's [OpenRequest].
type DialogInfo struct {
	DialogID  string
	CallID    string
	User      string
	Line      string
	Peer      netip.AddrPort
	Transport string
}

// Observer holds the hooks the server calls to report what it does, for
// metrics and tracing; set the ones you need and leave the others nil, as
// with net/http/httptrace.ClientTrace. A nil hook costs one comparison.
// Hooks are called synchronously from the server's goroutines and must be
// quick and safe for concurrent use. NewServer copies the Observer: set
// its hooks before.
type Observer struct {
	// DialogOpened is called once the 200 OK to a new dialog's INVITE has
	// been sent.
	DialogOpened func(d DialogInfo)
	// DialogClosed is called when the dialog ends, with the reason also
	// given to Session.Closed.
	DialogClosed func(d DialogInfo, reason error)
	// RequestDone is called once for every request the server answered,
	// when its handling is over: its method, the final status it ended
	// with and how long that took. The status is the one sent; 487 for an
	// INVITE the client cancelled; 500 for a 2xx that could not be sent.
	// ACKs and INVITEs whose transaction had already ended are not
	// reported.
	RequestDone func(method string, status int, elapsed time.Duration)
	// EventDone is called when an event INFO got its final response or
	// failed: the status the client answered (0 when none came) and the
	// error, if the request failed.
	EventDone func(dialogID string, status int, err error)
}
