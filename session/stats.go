package session

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
)

// State is the state of a session.
type State uint8

// The session states. A session starts Active; it is Rehoming while it
// moves to another CTI connection, Down while it has no usable connection,
// Stale when (under the Reconnect policy) its connection came back in a new
// generation, and Closed at the end.
const (
	StateActive State = iota
	StateRehoming
	StateDown
	StateStale
	StateClosed
	numStates
)

// String returns "active", "rehoming", "down", "stale" or "closed".
func (s State) String() string {
	switch s {
	case StateActive:
		return "active"
	case StateRehoming:
		return "rehoming"
	case StateDown:
		return "down"
	case StateStale:
		return "stale"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Outcome classifies how a request ended, for Stats and Observer.RequestDone.
type Outcome uint8

// The request outcomes.
const (
	// OutcomeOK is a positive response.
	OutcomeOK Outcome = iota
	// OutcomeCTIError is a CSTA error from the CTI server, passed on to
	// the client.
	OutcomeCTIError
	// OutcomeRefused is a CSTA error the gateway answered without asking
	// the CTI server: not the session's own device, an unsupported service,
	// a malformed request.
	OutcomeRefused
	// OutcomeUnavailable is a CSTA error for a CTI side that could not
	// answer: the link is down, the request timed out or failed.
	OutcomeUnavailable
	// OutcomeRejected is a request refused because the session itself is
	// gone (ErrStaleSession, ErrClosed); there is no CSTA answer.
	OutcomeRejected
	numOutcomes
)

// String returns "ok", "cti_error", "refused", "unavailable" or
// "rejected".
func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "ok"
	case OutcomeCTIError:
		return "cti_error"
	case OutcomeRefused:
		return "refused"
	case OutcomeUnavailable:
		return "unavailable"
	case OutcomeRejected:
		return "rejected"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// services are the request names Stats counts separately; anything else
// counts as "other".
var services = []string{
	"GetCSTAFeatures", "MonitorStart", "MonitorStop", "SnapshotDevice",
	"MakeCall", "AnswerCall", "ClearConnection", "ClearCall", "HoldCall", "RetrieveCall",
	"ConsultationCall", "AlternateCall", "ReconnectCall", "TransferCall",
	"SingleStepTransferCall", "ConferenceCall", "DeflectCall",
	"GenerateDigits", "SetForwarding", "GetForwarding", "SetDoNotDisturb",
	"GetDoNotDisturb", "RequestSystemStatus", "SystemStatus", "other",
}

var serviceIndex = func() map[string]int {
	m := make(map[string]int, len(services))
	for i, s := range services {
		m[s] = i
	}
	return m
}()

// serviceOf returns the Stats index of a message.
func serviceOf(msg csta.Message) int {
	if msg != nil {
		if _, isUnknown := msg.(*csta.Unknown); !isUnknown {
			if i, ok := serviceIndex[msg.MessageName()]; ok {
				return i
			}
		}
	}
	return len(services) - 1
}

// reasons maps errors to short names for Stats and metrics labels; an
// error none of its entries matches gets the last name.
type reasons []struct {
	err  error
	name string
}

// index returns the index of the entry err matches, len(r) for none.
func (r reasons) index(err error) int {
	for i, e := range r {
		if errors.Is(err, e.err) {
			return i
		}
	}
	return len(r)
}

// name returns the name of the entry err matches, or other.
func (r reasons) name(err error, other string) string {
	if i := r.index(err); i < len(r) {
		return r[i].name
	}
	return other
}

// load puts the non-zero counters cs, indexed as index returns, into m by
// name.
func (r reasons) load(cs []atomic.Uint64, other string, m map[string]uint64) {
	for i := range cs {
		if n := cs[i].Load(); n > 0 {
			name := other
			if i < len(r) {
				name = r[i].name
			}
			m[name] = n
		}
	}
}

// closeReasons name the reasons Stats counts closes by; the reasons the
// dialog's owner gives count as "dialog".
var closeReasons = reasons{
	{ErrReplaced, "replaced"},
	{ErrEventBacklog, "event_backlog"},
	{ErrMonitorLost, "monitor_lost"},
	{ErrStaleSession, "stale"},
	{ErrShutdown, "shutdown"},
	{ErrAppearanceGone, "appearance_gone"},
}

// closeReason returns the Stats name of a close reason.
func closeReason(err error) string { return closeReasons.name(err, "dialog") }

// refusalReasons name the refusals Stats counts opens refused by, "other"
// for the rest.
var refusalReasons = reasons{
	{ErrInvalidLine, "invalid_line"},
	{ErrUnknownLine, "unknown_line"},
	{ErrNotAllowed, "not_allowed"},
	{ErrNoCTI, "no_cti"},
	{ErrOverloaded, "overloaded"},
	{ErrUserLimit, "user_limit"},
	{ErrShutdown, "shutdown"},
}

// RefusalReason returns a short name for why an open was refused, for
// metrics labels: "invalid_line", "unknown_line", "not_allowed", "no_cti",
// "overloaded", "user_limit", "shutdown" or "other".
func RefusalReason(err error) string { return refusalReasons.name(err, "other") }

// RequestStats counts the requests of one service by outcome.
type RequestStats struct {
	OK, CTIError, Refused, Unavailable, Rejected uint64
}

// Stats is a snapshot of a Manager. Counters only grow.
type Stats struct {
	// Sessions is how many sessions are open, by state (StateClosed is
	// never present).
	Sessions map[State]int
	// Opened counts sessions opened; Refused counts refused opens by
	// RefusalReason; Closed counts closed sessions by reason: "dialog"
	// (closed by the dialog's owner), "replaced", "event_backlog",
	// "monitor_lost", "stale", "shutdown" or "appearance_gone" (Revalidate).
	Opened  uint64
	Refused map[string]uint64
	Closed  map[string]uint64
	// Requests counts requests by service (the request's message name, or
	// "other") and outcome. Services without requests are absent.
	Requests map[string]RequestStats
	// EventsDelivered counts events the sinks accepted (synthesized ones
	// included); EventsDropped counts events lost: refused by a sink, or
	// dropped on the CTI side because a session did not keep up.
	EventsDelivered, EventsDropped uint64
	// EventsSynthesized counts events made up by re-synchronisation after
	// a re-homing.
	EventsSynthesized uint64
	// Rehomes counts sessions moved to another CTI connection;
	// RehomeFailures counts attempts that found no healthy connection or
	// could not restart the monitor.
	Rehomes, RehomeFailures uint64
}

// counters are the Manager's counters.
type counters struct {
	states      [numStates]atomic.Int64
	opened      atomic.Uint64
	refused     [8]atomic.Uint64 // by refusalReasons index
	closed      [7]atomic.Uint64 // by closeReasons index
	requests    [][numOutcomes]atomic.Uint64
	delivered   atomic.Uint64
	dropped     atomic.Uint64
	synthesized atomic.Uint64
	rehomes     atomic.Uint64
	rehomeFails atomic.Uint64
}

func newCounters() *counters {
	return &counters{requests: make([][numOutcomes]atomic.Uint64, len(services))}
}

func (c *counters) refusal(err error) { c.refused[refusalReasons.index(err)].Add(1) }

func (c *counters) close(reason error) { c.closed[closeReasons.index(reason)].Add(1) }

func (c *counters) snapshot() Stats {
	s := Stats{
		Sessions: make(map[State]int),
		Refused:  make(map[string]uint64),
		Closed:   make(map[string]uint64),
		Requests: make(map[string]RequestStats),
	}
	for st := range StateClosed {
		if n := c.states[st].Load(); n > 0 {
			s.Sessions[st] = int(n)
		}
	}
	s.Opened = c.opened.Load()
	refusalReasons.load(c.refused[:], "other", s.Refused)
	closeReasons.load(c.closed[:], "dialog", s.Closed)
	for i, name := range services {
		r := &c.requests[i]
		rs := RequestStats{
			OK:          r[OutcomeOK].Load(),
			CTIError:    r[OutcomeCTIError].Load(),
			Refused:     r[OutcomeRefused].Load(),
			Unavailable: r[OutcomeUnavailable].Load(),
			Rejected:    r[OutcomeRejected].Load(),
		}
		if rs != (RequestStats{}) {
			s.Requests[name] = rs
		}
	}
	s.EventsDelivered = c.delivered.Load()
	s.EventsDropped = c.dropped.Load()
	s.EventsSynthesized = c.synthesized.Load()
	s.Rehomes = c.rehomes.Load()
	s.RehomeFailures = c.rehomeFails.Load()
	return s
}

// Info describes one session, for status pages and observers.
type Info struct {
	// DialogID is the key of the session's dialog.
	DialogID string
	// User is the SIP address of record the session was opened for.
	User string
	// Line is the client's Line URI, as sent.
	Line string
	// Appearance is the line appearance the session controls.
	Appearance lineappearance.Appearance
	// Peer is the peer the open request came from.
	Peer string
	// CTI names the CTI endpoint the session is bound to, and Generation
	// the connection's generation.
	CTI        string
	Generation uint64
	// State is the session's state.
	State State
	// Monitoring reports a monitor started by the client;
	// MonitorCrossRefID is the session's monitorCrossRefID.
	Monitoring        bool
	MonitorCrossRefID csta.MonitorCrossRefID
	// Calls is how many calls the session knows at its device.
	Calls int
	// Opened is when the session was opened, LastRequest when it last
	// handled a request (zero if never) and Refreshed when the dialog was
	// last refreshed (zero if never).
	Opened, LastRequest, Refreshed time.Time
}

// Observer holds the hooks a Manager calls to report what sessions do, for
// metrics and tracing; set the ones you need and leave the others nil, as
// with net/http/httptrace.ClientTrace. A nil hook costs one comparison.
// Hooks are called synchronously from the goroutine doing the work, with
// no lock held; they must be quick and safe for concurrent use. NewManager
// copies the Observer: set its hooks before.
type Observer struct {
	// SessionOpened is called for every session opened.
	SessionOpened func(info Info)
	// SessionRefused is called for every open refused, with the refusal
	// (see RefusalReason for a short name of it).
	SessionRefused func(user, line, peer string, err error)
	// SessionClosed is called for every session closed, and why.
	SessionClosed func(info Info, reason error)
	// SessionRehomed is called for every session moved to another CTI
	// connection; from names the endpoint it left.
	SessionRehomed func(info Info, from string)
	// RequestDone is called for every request handled: its service (the
	// request's message name, or "other"), its outcome and how long it
	// took.
	RequestDone func(service string, outcome Outcome, elapsed time.Duration)
}
