package ctipool

import (
	"fmt"
	"time"
)

// State is the state of one connection.
type State uint32

// Connection states. A connection starts Connecting, is Up while it has a
// live link, Down between a failure and the next attempt, and Closed once
// the pool is closed.
const (
	// StateConnecting is the state while dialling and handshaking.
	StateConnecting State = iota
	// StateUp is the state with a live link: requests and monitors are
	// accepted.
	StateUp
	// StateDown is the state after the link or the last attempt failed,
	// while waiting to reconnect.
	StateDown
	// StateClosed is the final state, once the pool is closed.
	StateClosed
)

// String returns "connecting", "up", "down" or "closed".
func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateUp:
		return "up"
	case StateDown:
		return "down"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", uint32(s))
}

// StateChange describes one connection state transition.
type StateChange struct {
	// Endpoint is the endpoint's name.
	Endpoint string
	// Index is the endpoint's position in Config.Endpoints.
	Index int
	// Gen is the connection's generation: the new one for a change to Up,
	// the one that ended for a change from Up, otherwise the last one (0
	// before the first connection).
	Gen uint64
	// Old and New are the states before and after.
	Old, New State
	// Err is why the connection went down or an attempt failed; nil
	// otherwise.
	Err error
}

// Observer holds the hooks a pool calls to report what its connections
// do; set the ones you need and leave the others nil, as with
// net/http/httptrace.ClientTrace. Hosts use it to export metrics or log.
// The pool calls the hooks on its dispatcher, in order, with no lock held;
// they must return quickly. NewPool copies the Observer: set its hooks
// before.
type Observer struct {
	// StateChanged is called for every connection state change.
	StateChanged func(StateChange)
	// HeartbeatDone is called after each heartbeat with its round trip
	// time, or the error when no answer came.
	HeartbeatDone func(endpoint string, gen uint64, rtt time.Duration, err error)
}

// Stats is a snapshot of a pool.
type Stats struct {
	// Endpoints holds one entry per endpoint, in configured order.
	Endpoints []EndpointStats
	// Healthy is how many connections are up.
	Healthy int
}

// EndpointStats is a snapshot of one connection. The counters only grow.
type EndpointStats struct {
	// Name and Addr are the endpoint's.
	Name, Addr string
	// State is the connection's state.
	State State
	// Generation is the current generation (the last one when not up).
	Generation uint64
	// Since is when the connection entered State. A connection that
	// keeps failing enters Connecting and Down again at every attempt.
	Since time.Time
	// DownSince is when the connection failed first since it was last
	// up: when it went down, or when the first connection attempt
	// failed. The reconnection attempts that follow do not move it; it
	// is zero while the connection is up and before the first attempt
	// has failed.
	DownSince time.Time
	// LastError is why the connection last went down or failed to connect.
	LastError error
	// LastHeartbeatRTT is the round trip time of the last answered
	// heartbeat; LastHeartbeat is when it was answered.
	LastHeartbeatRTT time.Duration
	LastHeartbeat    time.Time
	// Requests counts requests sent through the connection (heartbeats not
	// included); Failures those that failed for link reasons; Timeouts
	// those that timed out; CSTAErrors those the server answered with a
	// CSTA error.
	Requests, Failures, Timeouts, CSTAErrors uint64
	// Pending is how many requests are waiting for an answer.
	Pending int
	// Heartbeats counts heartbeats sent; HeartbeatFailures those without
	// an answer.
	Heartbeats, HeartbeatFailures uint64
	// Connects counts successful connections, Reconnects those after the
	// first, ConnectFailures failed attempts.
	Connects, Reconnects, ConnectFailures uint64
	// EventsIn counts events received; EventsDropped those for no
	// subscriber (unknown monitorCrossRefID); EventsOverflowed those
	// dropped because the subscriber's queue was full.
	EventsIn, EventsDropped, EventsOverflowed uint64
	// Subscribers is how many subscriptions have a live monitor on the
	// connection; Watchers how many wait for it to come back.
	Subscribers, Watchers int
	// Placed counts the Handles Acquire handed out on this connection.
	Placed uint64
}
