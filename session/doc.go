// Package session is the core of a remote call control gateway: it binds
// each client's CSTA application session (an ECMA TR/87 SIP dialog) to a
// line appearance and to a CTI connection, translates requests, responses
// and events between the client's identifiers and the CTI side's, allows a
// session to act only on its own line appearance, and keeps sessions
// working when a CTI connection fails.
//
// It knows nothing of SIP or of sockets, and imports neither package sip
// nor package ctipool. It declares the small interfaces it needs, and its
// neighbours satisfy them: a [Directory] (a *lineappearance.Store fits it
// as it is), a [CTI] that hands out [Link]s (a *ctipool.Pool through the
// adapter of package session/poolcti), and per session an [EventSink] (the
// SIP dialog: sip.EventSink has the same method set). In the other
// direction, package sip/sessionhandler makes a [Manager] the handler of a
// sip.Server. Each adapter lives next to the interface it satisfies, so a
// host can replace any part: its own directory (anything with Resolve),
// its own CTI transport (a ctipool.Transport) or its own CTI side
// altogether (a CTI). The example of package sip/sessionhandler composes
// ctipool, session and sip in about a page; package session/gateway does
// the same from a configuration file, with admin HTTP.
//
// # Usage
//
//	mgr, err := session.NewManager(session.Config{
//		Directory: store,             // *lineappearance.Store
//		CTI:       poolcti.New(pool), // *ctipool.Pool
//		Logger:    logger,
//	})
//	handler, err := sessionhandler.New(mgr, sessionhandler.Options{})
//	srv, err := sip.NewServer(sip.ServerConfig{Handler: handler})
//
// Without the SIP layer, the manager is driven directly:
//
//	// On INVITE:
//	s, resp, err := mgr.Open(ctx, session.OpenRequest{
//		DialogID: id, User: fromAOR, Line: lcsLine, Request: body, Peer: peer, Sink: dialog,
//	})
//	if err != nil {
//		status, retryAfter := session.Status(err) // answer the INVITE with it
//	}
//	// 200 OK with resp.
//
//	// On INFO:  answer, err := s.Handle(ctx, request)
//	// On BYE, expiry, transport loss:  s.Close(reason)
//	// On re-INVITE or UPDATE:  err := s.Refreshed() (481 when stale)
//	// On exit:  mgr.Shutdown(ctx)
//
// # Opening
//
// [Manager.Open] takes what the client's INVITE said: the dialog's key,
// the SIP user's address of record, the Line URI of the lcs:line private
// data and the RequestSystemStatus itself. Users are compared, for the
// directory and for the per-user limits, by one rule
// (lineappearance.NormalizeUser; user part and host as RFC 3261 section
// 19.1.4 compares them): "sips:" is the same user as "sip:", the user part is compared case-sensitively after
// percent-decoding ("sip:%62ob@example.com" is bob, "sip:Bob@..." is not),
// the host without case, and parameters and any password are ignored (the
// sip package refuses a From with a password before the session layer). The Line URI must parse
// ([ErrInvalidLine]) and resolve, through the Directory, to a line
// appearance the user may control ([ErrNotAllowed], [ErrUnknownLine]).
// The session is then bound to the CTI link [CTI.Acquire] gives
// ([ErrNoCTI] when none is healthy) and the answer is a
// RequestSystemStatusResponse with systemStatus normal, in the namespace
// of the request.
//
// A new open for the same user and the same appearance replaces the
// existing session: its CTI monitor is stopped (before the new session can
// start its own), its sink is told to End("replaced"), and it is closed
// with [ErrReplaced]. Opens for one user and appearance are serialised, so
// two concurrent opens cannot both win, and a session never has two CTI
// monitors.
//
// # Requests and translation
//
// [Session.Handle] answers every request of the remote call control
// profile. GetCSTAFeatures lists what works: [Config.Features] (by default
// everything the session implements, [Supported]: the RCC profile plus
// AlternateCall, ReconnectCall and feature exchange, and the callCleared,
// networkReached, queued and digitsGenerated events) intersected with what
// the session implements, with what the CTI link can do when it implements
// [Capable] (a dialect layer narrows the set this way), and with what the
// CTI side answers to GetCSTAFeatures (asked once per connection
// generation; when it does not tell, it limits nothing). The gateway's own
// services (feature exchange, system status) do not depend on the CTI
// side. A request for a service outside that list is refused with
// serviceNotSupported and never reaches the CTI side; GetCSTAFeatures,
// RequestSystemStatus, SystemStatus and MonitorStop are always answered.
// MonitorStart on the session's own device starts a CTI monitor on the
// line's CTI key and answers with a monitorCrossRefID the gateway makes (8
// random hex digits, unique among open sessions), fixed for the session's
// life: a second MonitorStart answers the same ID and starts nothing, and
// re-homing keeps it. MonitorStop with that ID stops the CTI monitor; no
// event is sent after it (it is answered positively even while the CTI
// connection is down, since the CTI monitor died with it). RequestSystemStatus is answered by the gateway
// (normal, or disabled while the session has no usable CTI connection);
// SystemStatus is acknowledged.
//
// SnapshotDevice, MakeCall, AnswerCall, ClearConnection, ClearCall,
// HoldCall, RetrieveCall, ConsultationCall, AlternateCall, ReconnectCall,
// TransferCall, SingleStepTransferCall, ConferenceCall, DeflectCall,
// GenerateDigits, Set/GetForwarding and Set/GetDoNotDisturb go to the CTI
// side, translated both ways with csta.WalkDevices and
// csta.WalkConnections:
//
//   - Client to CTI: the session's own device (see Authorization) becomes
//     the line's CTI key (lineappearance.Line.Key, "1001" or
//     "1001/partition"); a connection without a deviceID is taken to be
//     on the own device; destinations (calledDirectoryNumber,
//     consultedDevice, transferredTo, newDestination, forwardDN) become
//     dial strings (lineappearance.DialString; a Line URI naming a
//     partition becomes that line's key). The request goes with an empty
//     Header, so the CTI link writes its own edition; extensions pass
//     through unchanged.
//   - CTI to client: the line's key becomes the session's Line URI,
//     exactly as the client sent it; every other party becomes a "tel:"
//     URI with phone-context (lineappearance.PartyURI). The
//     MakeCallResponse's callingDevice deviceID is always the Line URI
//     byte for byte, as Communicator requires. Responses carry the
//     request's Header (namespace, SOAP wrapping).
//
// ClearCall is forwarded only for a call the session's line is in: one
// its monitor's events report, or else one a SnapshotDevice of the line
// lists; any other call is refused with privilegeViolation, since a
// switching function clears a call by its callID whatever device the
// request names.
//
// A *csta.Unknown, and any request not listed above, is answered
// operation/serviceNotSupported; a message that is not a request (a
// response, an event) is answered operation/requestIncompatibleWithObject.
// A CSTA error from the CTI server reaches the client with the same code.
// Handle returns an error, and no answer, only when the session itself is
// gone: [ErrStaleSession] or [ErrClosed]. Handle may modify the message it
// is given.
//
// # Authorization
//
// A session acts only on its own line appearance. A device designates it
// when it is the session's Line URI byte for byte, the CTI key of its
// line, or a Line URI that the Directory resolves, for the session's
// user, to the same appearance (so "tel:1001" works for a session opened
// with "tel:1001;phone-context=dialstring"). A request that names any
// other device or line (MakeCall from another line, MonitorStart on
// another device, forwarding or do-not-disturb of another device, a
// snapshot of another device), or a connection whose device is not the
// own one (or that has only a dynamicID, which the gateway cannot check),
// is answered operation/privilegeViolationSpecifiedDevice and never
// reaches the CTI server. MonitorStart on a call (callObject) is answered
// operation/invalidMonitorObject; MonitorStop with another
// monitorCrossRefID operation/invalidMonitorCrossRefID; a destination that
// cannot be dialled operation/invalidCalledDeviceID (MakeCall),
// invalidForwardingDestination (SetForwarding) or invalidDestination. A
// request whose lcs:line (Microsoft's RCC extension, which Communicator
// puts in GetCSTAFeatures) names another line is refused like the rest,
// and so is one carrying more than one lcs:line (the codec would keep the
// second as private data for the CTI server); the session's own lcs:line
// is accepted and not passed on to the CTI server. An open whose
// RequestSystemStatus carries more than one lcs:line is refused with
// ErrInvalidLine.
//
// # Events
//
// The events of the session's CTI monitor are translated (as responses
// are), given the session's monitorCrossRefID and an empty Header (the
// sink writes them in the dialog's namespace), and passed to the sink in
// the order the CTI link delivered them, which is the order the CTI
// server sent them. The CTI link routes events by monitor, so no session
// sees another's events; an event carrying another CTI cross reference
// is dropped. The session also tracks the calls at its device (callID and
// local connection state) from these events, for re-synchronisation.
//
// EventSink.SendEvent must not block. When it fails (the dialog's queue
// is full, or the dialog is gone), or when the CTI side reports that it
// dropped events for the session, the client has missed events and its
// view of its calls is wrong: the session is ended (EventSink.End("event
// backlog"), closed with [ErrEventBacklog], counted in Stats) so that the
// client opens a new session and starts afresh. Nothing blocks on a slow
// client, so no other session is slowed.
//
// # CTI loss policies
//
// When a session's CTI connection fails, requests on it fail at once with
// systemResourceAvailibility/resourceOutOfService, never hang.
// [Config.LossPolicy] decides what follows.
//
// [Rehome] (the default) moves the session at once to another healthy
// connection: when the monitor reports the link down, or a request finds
// it down, the session acquires a new link, restarts its CTI monitor there
// if the client has one, takes a SnapshotDevice, and compares it with the
// calls it tracked. A call that vanished gets a ConnectionClearedEvent
// (cause normalClearing, releasing device notKnown); a call whose state
// changed gets the event of its new state (Established, Held, Retrieved,
// Delivered or ServiceInitiated; a call the client never heard of gets
// Delivered, Established, or Established and Held); failed and queued
// states are tracked but get no event. Events of the new monitor that
// arrive meanwhile are held and sent after these, without a second
// ConnectionCleared for a call already reported cleared. The client-facing
// monitorCrossRefID and Line URI do not change. A request that arrives
// while the session re-homes waits for it (bounded by its context and
// RequestTimeout); a request whose link failed before it left the process
// is sent again on the new link. With no healthy connection the session
// stays, Down: requests fail at once with resourceOutOfService, and it
// re-homes when its old connection comes back (the monitor's LinkUp), when
// another Down session finds a link, or on its next request. Re-homings
// after a failure run on at most [Config.RehomeWorkers] goroutines. When
// the CTI side refuses the restarted monitor with a CSTA error the session
// ends ([ErrMonitorLost]): its client would wait for events that never
// come.
//
// [Reconnect] is the behaviour of the model product: the session stays
// bound to its connection and generation. While the connection is down
// every request fails with resourceOutOfService. Once it is back, in a new
// generation, the next request (whatever it is) gets [ErrStaleSession],
// which the SIP layer answers with 481, and the session closes itself
// without ending the dialog (the client considers it gone); the client then
// opens a new session, which succeeds. A refresh of the dialog (re-INVITE
// or UPDATE, [Session.Refreshed]) is such a request: a stale session
// refuses it with ErrStaleSession too, so one dialog never gets 200 to its
// refresh and 481 to its INFO (RFC 3261 section 12.2.2, RFC 5057). A client
// that uses the refresh as its health check learns the truth there and
// opens a new session.
//
// # CTI errors
//
// Errors from a [Link] or [CTI] are classified with errors.As against
// method sets, so that any CTI implementation (and session/poolcti) can
// say what happened without session importing it:
//
//   - *csta.Error: the CTI server's CSTA error; the client gets its code.
//   - LinkDown() bool returning true: the request failed because of the
//     connection (down, or the pool closed). The client gets
//     resourceOutOfService and the loss policy applies.
//   - Stale() bool returning true: the connection was re-established
//     since the link was acquired (a new generation); a link failure too.
//   - Timeout() bool returning true, or context.DeadlineExceeded: no
//     answer in time. The client gets resourceBusy.
//   - SafeToRetry() bool returning true: the request certainly never left
//     the process, so it may be sent again elsewhere.
//
// Anything else is answered systemResourceAvailibility/generic.
//
// # Errors
//
// Refusals of Open and Handle wrap one sentinel each. [Status] maps them
// to the SIP status the SIP layer answers with, and [ErrorCode] to a CSTA
// error code, from one table:
//
//	refusal           SIP               CSTA error code
//	ErrInvalidLine    400               operation/invalidDeviceID
//	ErrUnknownLine    404               operation/invalidDeviceID
//	ErrNotAllowed     403               operation/privilegeViolationSpecifiedDevice
//	ErrNoCTI          503 Retry-After   systemResourceAvailibility/resourceOutOfService
//	ErrOverloaded     503 Retry-After   systemResourceAvailibility/resourceLimitExceeded
//	ErrUserLimit      403               subscribedResourceAvailability/objectMonitorLimitExceeded
//	ErrShutdown       503 Retry-After   systemResourceAvailibility/resourceOutOfService
//	ErrStaleSession   481               systemResourceAvailibility/resourceOutOfService
//	ErrClosed         481               systemResourceAvailibility/resourceOutOfService
//
// ErrInvalidLine says whether lcs:line was missing or malformed (wrapping
// the parse error); ErrUnknownLine and ErrNotAllowed wrap the Directory's
// error. The error of a request on a closed session wraps ErrClosed and
// the reason it was closed: the reason given to [Session.Close], or
// [ErrReplaced], [ErrEventBacklog], [ErrMonitorLost], [ErrShutdown].
//
// # Limits
//
// [Config.MaxSessions] bounds the sessions open at once ([ErrOverloaded])
// and [Config.MaxSessionsPerUser] those of one user ([ErrUserLimit]); a
// session that an open replaces does not count against it. [Manager.Stats]
// counts sessions by state, opens and refusals by reason, closes by
// reason, requests by service and outcome, events delivered, dropped and
// synthesized, and re-homings; the hooks of [Config.Observer] are told
// of the same things as they happen, and [Config.Logger] gets one Info
// record per session event (opened, refused, re-homed, closed) with the
// user, line, device and CTI endpoint, and request details at Debug.
//
// # Observing
//
// [Observer] is a struct of optional hook functions (SessionOpened,
// SessionRefused, SessionClosed, SessionRehomed, RequestDone), the shape
// net/http/httptrace.ClientTrace has and the sip and ctipool packages
// share. Set the hooks you need; a nil hook is skipped at the cost of one
// comparison. Because the hooks are fields, the compiler checks their
// names and signatures: a renamed hook breaks the build of its user
// instead of silently turning a metric off.
//
// # Concurrency
//
// Manager and Session methods are safe for concurrent use; Handle may be
// called concurrently for one session. A session owns no goroutine and no
// timer: requests run on their callers' goroutines, events on the CTI
// link's delivery goroutines, and re-homings and monitor stops on small
// worker pools that exist only while there is work. Observer hooks and
// the sink are called with no lock of the package held; the sink's
// SendEvent calls for one session never overlap and come in event order.
// [Session.Close] does not block: the CTI monitor is stopped in the
// background, bounded by [Config.StopTimeout]. [Manager.Shutdown] refuses
// new opens, ends every session and waits, bounded by its context, for
// that background work.
package session
