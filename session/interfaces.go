package session

import (
	"context"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
)

// Directory resolves a Line URI to the line appearance a user may control.
// *lineappearance.Store implements it. It must be safe for concurrent use.
type Directory interface {
	// Resolve returns the appearance lineURI selects for user, or an error
	// when there is none or the user may not control it. An error wrapping
	// lineappearance.ErrNotAllowed refuses the session with ErrNotAllowed;
	// any other error refuses it with ErrUnknownLine.
	Resolve(user string, lineURI lineappearance.LineURI) (lineappearance.Appearance, error)
}

// CTI is where sessions get their CTI connections: in the gateway, the
// CTI pool. It must be safe for concurrent use.
type CTI interface {
	// Acquire returns a healthy link, the next one in the pool's placement
	// order, without blocking. It fails when no link is healthy.
	Acquire() (Link, error)
	// Ready reports whether at least one link is healthy.
	Ready() bool
}

// Link is one CTI connection in one generation: the generation changes
// each time the connection is re-established, and a Link stays bound to the
// generation it was acquired in. Its methods must be safe for concurrent
// use. Errors are classified as the package documentation describes under
// "CTI errors".
type Link interface {
	// Do sends a request and returns the CTI server's answer. A
	// CSTAErrorCode answer is returned as an error wrapping *csta.Error.
	Do(ctx context.Context, req csta.Request) (csta.Response, error)
	// Monitor sends MonitorStart and, when the server accepts it, delivers
	// the monitor's events and link notifications to h, one call at a time
	// and in the order the server sent them, never while Monitor's caller
	// or any other of h's calls is running. h's methods must not block.
	Monitor(ctx context.Context, req *csta.MonitorStart, h MonitorHandler) (*csta.MonitorStartResponse, Monitor, error)
	// Check returns nil while the link is up in its generation, and
	// otherwise an error classified as for Do: a link-down error, or a
	// stale one once the connection is up again in a newer generation.
	Check() error
	// Endpoint names the CTI endpoint, for logs and Stats.
	Endpoint() string
	// Generation is the generation the link is bound to.
	Generation() uint64
}

// MonitorHandler receives what happens to one CTI monitor. A Link calls
// its methods one at a time, in order.
type MonitorHandler interface {
	// Event delivers an event of the monitor.
	Event(ev csta.Event)
	// LinkDown reports that the link went down: the monitor is gone.
	LinkDown(err error)
	// LinkUp reports that the link the monitor was on is up again, in
	// generation gen; the monitor was not restored.
	LinkUp(gen uint64)
	// EventsLost reports that n events of the monitor were dropped because
	// the handler did not keep up.
	EventsLost(n int)
}

// Monitor is a running CTI monitor.
type Monitor interface {
	// Stop ends the monitor: the handler gets no more calls once Stop
	// returns (one already running may finish), and MonitorStop is sent
	// when the link is still up, bounded by ctx. The error is that of
	// MonitorStop; the monitor is stopped locally in any case. Stop is
	// idempotent.
	Stop(ctx context.Context) error
}

// EventSink is the way back to the client: in the gateway, the SIP dialog.
// It must be safe for concurrent use.
type EventSink interface {
	// SendEvent queues ev for the client and returns at once. It returns
	// an error when ev cannot be queued (the queue is full, the dialog has
	// ended); the event is then lost. ev is not used after SendEvent
	// returns.
	SendEvent(ev csta.Event) error
	// End ends the dialog (the gateway sends BYE). It does not block; the
	// sink's owner later closes the session as for any dialog end. Calling
	// it again does nothing.
	End(reason string)
}
