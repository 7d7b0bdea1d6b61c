// Package ctipool keeps a pool of connections to up to eight CTI servers
// (CTI Managers) and carries CSTA requests, responses and events over them.
// A remote call control gateway binds each new client session to one
// connection, round-robin; the pool keeps every connection alive with
// heartbeats, notices failures within a bounded time, reconnects with
// backoff, and tells the sessions on a connection when it went down and
// when it came back.
//
// # Usage
//
//	pool, err := ctipool.New(ctipool.Config{
//		Endpoints: []ctipool.Endpoint{
//			{Name: "cti-a", Addr: "10.0.0.1:2748"},
//			{Name: "cti-b", Addr: "10.0.0.2:2748"},
//		},
//		Logger: logger,
//	})
//	if err != nil { ... }
//	defer pool.Close()
//
//	h, err := pool.Acquire() // for a new session
//	resp, sub, err := h.Monitor(ctx, &csta.MonitorStart{...}, subscriber)
//	resp, err := h.Do(ctx, &csta.MakeCall{...})
//
// [New] validates and copies the [Config] and starts connecting to every
// endpoint at once, in parallel; it does not wait. [Pool.WaitHealthy]
// waits for connections to come up; [Pool.Acquire] fails with
// [ErrNoConnection] until one is.
//
// # Placement and generations
//
// [Pool.Acquire] hands out connections round-robin over those that are up,
// in configured (priority) order, and fails at once with [ErrNoConnection]
// when none is. It returns a [Handle]: the connection plus its current
// generation. Every successful (re)connection gets a new generation number,
// unique across the pool and never reused, so a Handle from before a
// reconnect is recognisably stale: everything done through it fails at once
// with [ErrStaleConn]. A session keeps its Handle; the pool never moves a
// session. To move one (for example to re-home it after a failure), the
// session acquires a new Handle and monitors again.
//
// # Heartbeats and reconnects
//
// Whenever a connection has received nothing for
// [Config.HeartbeatInterval], the pool sends a heartbeat (the built-in
// transport sends RequestSystemStatus). A heartbeat interval that passes
// with no inbound traffic at all is a miss; after [Config.HeartbeatMisses]
// consecutive misses the connection is declared down, so a stalled server
// is detected within HeartbeatInterval × HeartbeatMisses of the last frame
// received. Any inbound frame counts: responses, events, the server's own
// status requests. The heartbeat's round trip time is kept in [Stats].
// A server that stops reading while it still sends is caught by the write
// side instead: a write of the built-in transport that does not complete
// within [Config.WriteTimeout] takes the connection down too.
//
// A connection that goes down, or fails to connect, is retried forever
// until the pool is closed, with capped exponential backoff and jitter:
// attempt n waits a random time between [Config.ReconnectMin] and
// min(ReconnectMax, ReconnectMin·2ⁿ). The first attempt is immediate.
//
// # Requests and errors
//
// [Handle.Do] sends a request and waits for its answer, bounded by the
// context and by [Config.RequestTimeout]. Errors fall into three kinds:
//
//   - A *csta.Error: the server answered with CSTAErrorCode. Match it with
//     errors.Is and the csta.ErrX values.
//   - A *[LinkError] wrapping [ErrConnDown], [ErrStaleConn] or
//     [ErrPoolClosed]: the connection failed the request. A request on a
//     connection that is down, stale or closed fails at once; when a
//     connection goes down, every request pending on it fails at once.
//   - An error matching [ErrTimeout] (and context.DeadlineExceeded): no
//     answer in time. The connection stays up.
//
// [SafeToRetry] tells whether the request certainly never reached the
// server (true for requests refused before sending), so that repeating it
// elsewhere cannot do it twice.
//
// # Events
//
// Events are delivered to subscribers by monitorCrossRefID. [Handle.Monitor]
// sends MonitorStart and subscribes a [Subscriber] to the new monitor. It
// closes the race between the server's response and the first events:
// while a MonitorStart is pending on a connection, events for unknown
// monitorCrossRefIDs are held (up to 1024 per connection), and the new
// subscription gets those for its monitor first, in order. Other events
// for unknown monitors are dropped and counted (EventsDropped).
// [Handle.StopMonitor] unsubscribes and sends MonitorStop;
// [Subscription.Stop] only unsubscribes.
//
// Subscriber callbacks run on a dispatcher: a fixed set of
// [Config.DispatchWorkers] goroutines serving one bounded queue per
// subscription, never a goroutine per subscriber. Callbacks for one
// subscription run one at a time, in order; they are never called from a
// connection's reader and never with a pool lock held, so a slow
// subscriber cannot delay heartbeats, requests or other subscribers
// (unless it blocks every worker). Callbacks must still return quickly.
//
// Overflow policy: when a subscription has [Config.EventQueueSize]
// callbacks queued, further events for it are dropped and counted
// (EventsOverflowed). Once it has drained its queue, a subscriber that
// implements [LossHandler] is told, once per gap and at the place of the
// gap, how many events it lost, so it can resynchronise (with a snapshot,
// say). LinkDown and LinkUp are never dropped.
//
// # Connection loss, seen by a subscriber
//
// When a connection goes down, every live subscription on it gets
// [Subscriber.LinkDown] at once (after the events queued before it), with
// a *LinkError wrapping ErrConnDown. The server's monitors died with the
// link, so the subscriptions are no longer bound to a monitor
// ([Subscription.Active] is false), but they keep watching their
// connection: when it is up again they get [Subscriber.LinkUp] with the new
// generation, and again after every later reconnect, until
// [Subscription.Stop]. A session can therefore either re-home at LinkDown
// (Acquire another connection, Monitor there, Stop the old subscription),
// or wait for LinkUp and monitor again on the same connection
// ([Conn.Handle]). When the pool closes, every subscription not stopped
// gets a last LinkDown with ErrPoolClosed.
//
// # Observability
//
// Each connection has a [State] (connecting, up, down, closed).
// [Pool.Stats] returns a value snapshot per endpoint: state, generation,
// last heartbeat round trip, and counters for requests, failures,
// timeouts, CSTA errors, heartbeats, connects, events in, dropped and
// overflowed, subscribers and placements. The hooks of an [Observer] in the
// Config (a struct of optional functions, as in the session and sip
// packages) are told of every state change and every heartbeat; they are
// called on the dispatcher, in order. Log records go to [Config.Logger]: state changes at Info, failed
// connection attempts at Warn, details at Debug.
//
// # Transports
//
// The pool works on the [Transport] and [Link] interfaces. The built-in
// transport, used when [Config.Transport] is nil, is CSTA XML over TCP
// (package cstatcp): ECMA-323 framing, an ECMA-354 application session
// kept alive with ResetApplicationSessionTimer, RequestSystemStatus
// heartbeats, answers to the server's SystemStatus requests, optional TLS
// per endpoint. It dials through [Config.Dial], which tests use to supply
// in-memory connections or inject faults. [Config.Dialect] makes it speak
// the CSTA dialect of a real PBX (openscape-voice, openscape-business,
// avaya-dmcc; see package csta/dialect), with [Config.Username] and
// [Config.Password] for the dialects with a login; a handshake or login
// the server refuses is an endpoint failure like any other: the endpoint
// is down with that error and retried with backoff.
//
// # Concurrency and closing
//
// All methods of Pool, Conn, Handle and Subscription are safe for
// concurrent use. [Pool.Close] fails pending requests with ErrPoolClosed,
// closes every link (politely, with StopApplicationSession, bounded), runs
// the callbacks already queued and waits for all the pool's goroutines. It
// is idempotent. Do not call Close from a subscriber or observer callback:
// it waits for the dispatcher that runs them.
package ctipool
