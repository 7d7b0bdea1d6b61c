// Package sip carries ECMA TR/87 ("uaCSTA") remote call control over SIP:
// a desktop client such as Microsoft Office Communicator opens a CSTA
// application session with an INVITE whose body is a CSTA
// RequestSystemStatus, sends CSTA requests in INFO requests of that dialog,
// and gets the phone's events back as INFO requests from the gateway.
//
// The package has both ends. [Server] is the gateway side: it takes
// dialogs from trusted peers over UDP, TCP and TLS and hands the CSTA work
// to a [Handler], the session layer, which the package knows only through
// the small interfaces [Handler], [Session] and [EventSink]. [Dial] is the
// client side, for tools and tests: it opens a session to any TR/87
// gateway and returns a [ClientSession].
//
// It is built on github.com/emiago/sipgo v1.7.2 (its transport and
// transaction layers). sipgo's own sip package is imported as sipmsg.
//
// # Server
//
// Create the server with [NewServer], serve listeners with
// [Server.ServeUDP], [Server.ServeTCP] and [Server.ServeTLS] (or
// [Server.ListenAndServe]), and stop it with [Server.Shutdown]:
//
//	srv, err := sip.NewServer(sip.ServerConfig{Handler: h})
//	...
//	go srv.ListenAndServe(ctx, "udp", "0.0.0.0:5060")
//	go srv.ListenAndServe(ctx, "tcp", "0.0.0.0:5060")
//	...
//	err = srv.Shutdown(ctx)
//
// What the server does with each request:
//
//   - Every request from a peer that is not trusted (ServerConfig.TrustedPeers,
//     or a verified TLS client certificate named in TrustedSubjects) gets
//     403 from the front door (below), statelessly, or nothing with
//     ServerConfig.DropUntrusted. ACKs from such peers are dropped.
//   - An INVITE without a To tag opens a dialog. Its body must be
//     application/csta+xml (415 with an Accept header otherwise), at most
//     MaxBodySize (413), a RequestSystemStatus that decodes (400 with a
//     reason phrase naming the problem). A Session-Expires under MinSE gets
//     422 with Min-SE (RFC 4028); a Require naming anything but "timer"
//     gets 420. When the server is shutting down, it gets 503 with
//     Retry-After. Otherwise [Handler.Open] runs, also while the handler is
//     not Ready: the handler refuses then (503), and can report who it
//     refused and why (a CANCEL meanwhile cancels its context, see below)
//     and the INVITE is answered 200 OK with the RequestSystemStatusResponse,
//     Content-Type application/csta+xml, Content-Disposition
//     signal;handling=required, Session-Expires with the refresher (see
//     Session timers), Require: timer when the client supports timers, and
//     Allow. A *[RefusalError] from Open gives that status; any other
//     error 500. A peer that is not a trusted proxy (one admitted
//     otherwise, by authenticating itself) gets 403 Forbidden for a 403
//     and a 404 alike, so that it cannot learn which users and lines
//     exist; the detail is logged.
//   - The user is the From address of record, by one rule (see
//     OpenRequest.User): sips is the same user as sip, the user part is
//     compared case-sensitively after percent-decoding, the host without
//     case. A new INVITE whose From URI carries a password
//     (sip:bob:secret@...) gets 403.
//   - An INVITE with a To tag is a refresh (re-INVITE): it asks
//     [Session.Refreshed], restarts the session timer, updates the remote
//     target from its Contact and is answered 200 with the same body. A
//     session that refuses the refresh gets it answered as its INFO would
//     be: a stale session (the CTI connection came back in a new
//     generation under the reconnect policy) answers 481 and the dialog
//     ends without BYE (RFC 3261 section 12.2.2, RFC 5057), so the client
//     opens a new session instead of keeping a dead one.
//   - UPDATE in a dialog (RFC 3311) is a refresh too, answered like a
//     re-INVITE but without body and without ACK.
//   - INFO in a dialog carries a CSTA request for [Session.Handle]; the
//     response (or CSTAErrorCode) goes back in the 200 OK. An INFO for an
//     unknown or ended dialog, or outside a dialog, gets 481; body problems
//     get 415, 413 or 400 as for INVITE; an INFO without body and
//     Content-Type is a keep-alive and gets 200.
//   - A CANCEL and its INVITE get one answer each, and the INVITE exactly
//     one final response, whatever order sipgo's goroutines run them in:
//     the server settles under one lock whether the CANCEL came first (the
//     INVITE is answered 487, and no dialog or session remains) or the
//     INVITE's answer did (the CANCEL gets 200 and has no effect, RFC 3261
//     section 9.2). A CANCEL that matches no INVITE being opened gets 481.
//   - Any request but ACK and CANCEL whose Require names an extension
//     other than timer gets 420 with Unsupported naming them (RFC 3261
//     section 8.2.2.3).
//   - BYE ends the dialog; OPTIONS is answered 200 while [Handler.Ready]
//     reports true and 503 otherwise, for load balancers; other methods get
//     405 with Allow.
//
// Route sets are kept byte for byte: the server leaves Record-Route and
// Route headers unparsed (sipgo's parser would drop their header
// parameters) and sends the Record-Route values back as Route headers in
// the same order. The remote target (the client's Contact URI, used as
// Request-URI) keeps every URI parameter, including OCS's ms-opaque and
// ms-route-sig.
//
// # The front door
//
// Between the network and sipgo's transport and transaction layers sits
// the server's front door: ServeUDP wraps the net.PacketConn, ServeTCP and
// ServeTLS the net.Listener and every connection, before sipgo gets them.
// It reads just enough of each message (start line, header names, the top
// Via, Content-Length) and:
//
//   - answers a request from an untrusted peer itself, 403 built from the
//     raw bytes and written straight to the source, so that sipgo creates
//     no transaction for it: an untrusted request costs no memory that
//     outlives it. A TCP connection from an untrusted address (or a TLS one
//     without a trusted certificate) is never handed to sipgo; the front
//     door answers its requests and closes it after MessageTimeout idle.
//   - answers 416, statelessly, a request whose Request-URI scheme is not
//     sip or sips (sipgo's parser would drop it unanswered), and 400 one
//     whose CSeq method is not its method (RFC 3261 section 8.1.1.5).
//   - answers 400, statelessly, a request with more than one From, To,
//     Call-ID, CSeq or Content-Length (sipgo would take the last), with a
//     header line it cannot read, over UDP with a Content-Length beyond the
//     datagram, or over TCP and TLS without a Content-Length (RFC 3261
//     section 18.3; sipgo would close the connection); a request with a Via it cannot read, or with a bare CR
//     or LF in a header, gets nothing (the answer would echo it).
//   - rewrites, in a request that needs it, the Via, From, To and Contact
//     values that sipgo's parser would misread: folding and white space
//     around ';', '=' and ',' (RFC 4475 wsinv: sipgo saw no To or From
//     tag, answered 400 and added a second To tag); and gives an RFC 2543
//     request (no From tag, no Via branch; RFC 4475 inv2543), which sipgo
//     cannot key a transaction for, a branch made from what RFC 3261
//     section 17.2.3 matches such requests by. See frontdoor_normalize.go.
//   - renames CANCEL (to CANCEL.RCC, in the request line only) so that
//     sipgo's transaction layer does not answer it, and its INVITE, on its
//     own: it hands it to the server like any request, and the server
//     matches it to its INVITE (RFC 3261 section 9.2). Responses carry the
//     CSeq method, so the peer sees a CANCEL answered.
//   - writes received (when the sent-by host is not the source address, or
//     rport is asked for) and rport (with the source port, when asked for)
//     into the top Via of every request, dropping any the peer wrote (RFC
//     3261 section 18.2.1, RFC 3581). sipgo routes answers by these, so
//     over UDP an answer goes to the source address, at the sent-by port or
//     with rport the source port (RFC 3261 section 18.2.2), and nothing is
//     ever looked up in DNS for an answer.
//   - frames TCP and TLS streams itself (the same boundaries as sipgo's
//     stream parser: header section to the first empty line, then
//     Content-Length bytes), so sipgo reads only whole messages that passed
//     these checks; a message larger than MaxBodySize plus 32 KiB (after a
//     513), an unreadable or conflicting Content-Length (after a 400), or
//     bytes that are not SIP close the connection. It answers RFC 5626
//     keep-alives.
//   - caps TCP and TLS connections (MaxConns in total, a quarter of them
//     for untrusted addresses, MaxConnsPerPeer per IP address), runs the
//     TLS handshake under HandshakeTimeout, and closes a connection that
//     takes longer than MessageTimeout to send a message it has begun or
//     on which nothing was received or sent for IdleTimeout. Accept errors
//     (too many open files) are retried with a pause instead of ending the
//     listener.
//   - bounds the sipgo transactions UDP requests from trusted and
//     authenticated peers can hold (each about 3.5 KB, kept for Timer J,
//     32 s, after the answer): it counts the requests other than ACK it
//     hands to sipgo over UDP for 32 s each, and while the count is at
//     MaxUDPTransactions answers a new one 503 with Retry-After,
//     statelessly. Requests of an open dialog may use a reserve of a
//     quarter of the cap; Stats.UDPTransactionsRefused counts refusals.
//
// sipgo also opens a connection of its own to answer a request when the
// request's TCP or TLS connection has closed before its transaction was
// made (a peer that sends and closes at once): to the top Via's host, after
// DNS lookups. The server's TCP and TLS transports refuse every dial that
// is not for a request the server sends itself (an event or a BYE, to the
// dialog's route or Contact), so such an answer is dropped instead. All of
// this is done from outside sipgo, with its public options (transports
// with our dialer, transaction-layer handlers) and wrapped sockets, rather
// than a patched copy: a replace directive in this module would not apply
// to programs that import it as a library.
//
// # Digest authentication
//
// Peers in ServerConfig.AuthPeers (and not trusted) must authenticate
// with SIP digest (RFC 3261 section 22; SHA-256 of RFC 8760 preferred, MD5
// for old clients; qop=auth) against ServerConfig.Credentials in
// ServerConfig.Realm; any other untrusted peer is refused. The front door
// challenges them (401) statelessly, with HMAC-signed nonces that carry
// their issue time and the peer's address, so a failed login costs the
// server nothing; a nonce older than NonceLifetime is challenged again with
// stale=true, and a nonce-count seen before is refused as a replay. A
// wrong password and an unknown user get the same 401; correct credentials
// of another user than the From get 403. A dialog a client opens is bound
// to the authenticated user and the client's address: in-dialog requests
// are not challenged again, and are accepted only from that address. The
// credentials store keeps HA1 hashes, not passwords; [HA1] computes them,
// and lineappearance.Store implements [Credentials]. The client answers
// challenges (401, 407) to its INVITE and in-dialog requests with
// ClientConfig.AuthUser and Password.
//
// # Dialogs, session timers and events
//
// The server keeps its own dialogs rather than sipgo's DialogServerSession:
// sipgo does not handle re-INVITE, its Respond blocks until the ACK, its
// CSeq check races the ACK against the first INFO (each request is handled
// in its own goroutine, so an INFO can be seen before the ACK that was sent
// first), and concurrent in-dialog requests can reuse a CSeq. Here:
//
//   - The 200 OK to an INVITE is resent over UDP at T1, 2*T1, ... T2 until
//     the ACK comes, for 64*T1 at most; without an ACK the dialog is ended
//     with BYE (ErrNoACK). An INFO that overtakes the ACK is served.
//   - An in-dialog INFO or re-INVITE is refused with 500 (RFC 3261
//     section 12.2.2) when its CSeq is not above the CSeq of the INVITE
//     that opened the dialog, when the dialog has seen that CSeq already
//     (a replay, even under a new branch: its CSTA request is not run
//     again), or when it is more than 64 below the highest CSeq seen in
//     the dialog. Below the highest but within those 64, a CSeq not seen
//     before is served: requests a client sends back to back (pipelined)
//     arrive in order, but sipgo hands each to its own goroutine, so the
//     server may handle them in another order, and refusing every CSeq
//     lower than the last would refuse a legitimate client's requests. The
//     server keeps, per dialog, the highest CSeq and a 64-bit map of the
//     ones below it. (A retransmission with the same branch is absorbed by
//     sipgo's transaction and answered again, not run again.)
//   - Session timers follow RFC 4028; see Session timers below. A dialog
//     its client must refresh and does not is ended with BYE at the
//     session interval minus the smaller of 32 s and a third of it (RFC
//     4028 section 10), and its session is closed with ErrExpired.
//   - Events go out through [EventSink.SendEvent]: encoded at once, queued
//     per dialog (EventQueueSize, ErrEventQueueFull when full) and sent in
//     order, each waiting for its final response (EventTimeout) before the
//     next; the server numbers its own requests per dialog. A failed event
//     INFO is counted and logged and does not end the dialog; a 481 ends it
//     at once (ErrDialogGone), and so does a TCP or TLS connection that
//     fails under an event (ErrConnectionFailed, BYE). A client that has
//     answered event INFOs and then leaves MaxEventTimeouts in a row
//     unanswered is ended with BYE (ErrEventTimeouts).
//   - A client that has never answered an event INFO is alive as long as
//     it keeps its session refreshed: pidgin-sipe sends no response to a
//     CSTA INFO at all. Once its first event goes unanswered for
//     EventTimeout, its events are no longer waited for: each is written,
//     in order, on the dialog's connection as soon as it is queued (over
//     UDP its transaction retransmits it meanwhile without holding the
//     next back), at most 32 at a time, and an unanswered one is counted
//     as failed but never towards MaxEventTimeouts. Its dialog ends when it
//     stops refreshing (the session timer, or the server's refresh when
//     the server is the refresher, fails) or when its TCP or TLS
//     connection fails. The first answer it gives to an event makes it a
//     client that answers, waited for and counted as above; a 408 does not
//     count as its answer (a proxy such as OCS answers 408 for a client
//     that did not).
//   - Events queued while a client INFO is being handled wait until its
//     answer has gone out: the client sees a MakeCallResponse, with the
//     call's ID, before the events of that call. (A proxy between the two
//     may still reorder them; clients should cope, as [Dial]'s does.)
//   - Every BYE the server sends says why, in a Reason header (RFC 3326)
//     of protocol SIP whose cause is the SIP status that best names the
//     situation, and the same words are logged ("ending the dialog with
//     BYE", at info): replaced by a new session (the session layer's
//     End("replaced"), cause 200), session timer expired (408), session
//     refresh failed (481 when the client answered 481, 408 otherwise),
//     events undeliverable: no answer (408, MaxEventTimeouts), no ACK for
//     the 2xx (408), gateway shutting down (503, Shutdown or the session
//     layer's End("shutdown")), CTI connection lost (503, End("CTI monitor
//     lost"), or a stale session found when the server refreshes), events
//     undeliverable: event backlog (503), line no longer allowed:
//     directory changed (403); any other End reason is sent as given with
//     cause 200. For example:
//     Reason: SIP;cause=200;text="replaced by a new session".
//   - An idle dialog costs no goroutine: a sender goroutine runs only while
//     its queue holds events, and the timers are time.AfterFunc.
//
// # Session timers
//
// Every INVITE, re-INVITE and UPDATE of the client's is a session refresh
// request (RFC 4028). The interval is ServerConfig.SessionExpires, or the
// client's Session-Expires when smaller, never under its Min-SE; one under
// MinSE gets 422. Who refreshes follows Table 2 of RFC 4028 section 9; the
// server's choice in each case is:
//
//	client supports timer  refresher asked  2xx says       Require: timer
//	no                     (none)           refresher=uas  no (it cannot be sent)
//	yes                    none             refresher=uac  yes
//	yes                    uac              refresher=uac  yes
//	yes                    uas              refresher=uas  yes
//
// A client supports timers when its request has "timer" in Supported or
// Require. When the client may choose and does not (Communicator and
// pidgin-sipe send Supported: timer without a refresher), the client
// refreshes, as both do. A client without the extension gets no Require,
// which it could not understand, and is refreshed by the server; a
// Session-Expires a proxy added on its behalf names the interval. Each
// refresh request negotiates again, so a client can hand the refreshing
// over either way.
//
// When the server is the refresher (refresher=uas) it refreshes the dialog
// at half the interval (RFC 4028 section 10), after asking
// [Session.Refreshed] (a stale session makes it end the dialog with BYE,
// reason "CTI connection lost", instead). It sends UPDATE without body when
// the client's Allow (of its latest INVITE, re-INVITE or UPDATE) lists
// UPDATE, and otherwise a re-INVITE without body, whose 2xx it
// acknowledges: a TR/87 body is a CSTA request (the client's
// RequestSystemStatus), not a session description to renegotiate, so the
// gateway, which answers CSTA requests rather than making them, sends
// none, and the refresh is the transaction itself. Both carry
// Session-Expires with refresher=uac (the server sends the request),
// Supported: timer and Allow. Then:
//
//   - a 2xx restarts the session timer, for the interval its
//     Session-Expires names, if any; refresher=uas in it hands the
//     refreshing to the client. A 2xx without Session-Expires (a client
//     without the extension) keeps the server refreshing.
//   - 408, 481, or no answer within 64*T1 (a timeout, or the TCP or TLS
//     connection failing) ends the dialog with BYE (reason "session
//     refresh failed") and the session with ErrRefreshFailed.
//   - 405 or 501 to an UPDATE: the server sends a re-INVITE at once and
//     uses re-INVITE from then on. 491 (glare): it tries again after a
//     random 0 to 2 s in units of 10 ms, the wait RFC 3261 section 14.1
//     gives a UAC that does not own the dialog's Call-ID (the client
//     chose it in the INVITE that created the dialog; 2.1 to 4 s is the
//     owner's). 422: again with the Min-SE asked for.
//   - any other failure leaves the dialog up; the server tries again after
//     an eighth of the interval (at least 1 s), until the interval runs
//     out, when the dialog ends with BYE as expired.
//
// Glare: the server's refresh and one of the client's never overlap in a
// dialog. A re-INVITE or UPDATE from the client that arrives while the
// server's own refresh request (re-INVITE or UPDATE) waits for its final
// response crossed it and gets 491 Request Pending (RFC 3261 section 14.2
// for INVITE, RFC 3311 section 5.2 for UPDATE; the bodies are empty, and
// what crosses is the session timer each request renegotiates, so UPDATE
// and re-INVITE cross each other too), the server's refresh goes on, and
// the client tries again later. Conversely the server does not send its
// refresh while a re-INVITE or UPDATE of the client's is being answered,
// or a 2xx to a re-INVITE waits for its ACK (RFC 3261 section 14.1): it
// waits as after a 491, and gives the refresh up when the client's
// request refreshed the session meanwhile (the timer restarted, or the
// client took the refreshing over).
//
// The server's requests in a dialog (events, BYE) go over TCP and TLS on
// the connection the dialog's requests last came on while it is open, so
// they reach clients (and proxies such as OCS, which record-route a port
// they do not accept connections on from us) without a new connection;
// otherwise to the first route, or to the Contact (or, with
// ServerConfig.RewriteContact and no route set, to the address the
// requests come from). Over UDP they leave from the first UDP socket
// served.
//
// # Client
//
// [Dial] opens a session: INVITE with RequestSystemStatus and the Line URI
// in Microsoft's lcs:line element, Supported: timer and Session-Expires,
// retried once with a larger interval after 422; it checks that the
// gateway's systemStatus is normal. Then [ClientSession.Do] sends CSTA
// requests one at a time, [ClientSession.Features] and
// [ClientSession.Monitor] are the requests Communicator sends first, events
// arrive on ClientConfig.OnEvent (in order, filtered by the monitor's
// monitorCrossRefID; events that overtake the MonitorStart response are
// held until it comes), the dialog is refreshed with re-INVITE before its
// session interval runs out, and [ClientSession.Close] sends MonitorStop and
// BYE. The client listens for the gateway's requests on
// ClientConfig.LocalAddr and can go through an outbound proxy.
// With ClientConfig.KeepAlive it watches the gateway: OPTIONS in the dialog
// every KeepAlive (no answer, or 481, ends the session) and, over TCP and
// TLS, the dialog's connection (its close ends the session at once with
// ErrConnectionLost). The session does not reopen itself: a program that
// wants to stay connected waits on [ClientSession.Done] and dials again,
// with backoff, as examples/rccclient does.
//
// # Transports and sizes
//
// sipgo refuses to send UDP messages over 1300 bytes, and a
// GetCSTAFeaturesResponse with its SIP headers is larger; its read buffer,
// 32 KiB, cuts a larger datagram short, and it is dropped unanswered.
// These are process-wide variables of sipgo, so the package sets them
// once, when it is initialised (before main, so without a data race):
// the send limit (sip.UDPMTUSize) to the largest datagram and the read
// buffer (sip.TransportBufferReadSize) to 64 KiB, so that every datagram
// is read whole and answered. It never lowers either, and never writes
// them again. The limit of each server and client is its own
// UDPMaxMessageSize (default 32 KiB), which this package enforces. On a
// LAN or loopback IP fragmentation carries such datagrams; across other
// networks prefer TCP or TLS, as OCS does. A program that sets sipgo's
// variables itself should do so before any server or client starts. A
// response too large is replaced by 500, and SendEvent refuses an event
// too large with ErrEventTooLarge. ServeUDP sets the socket buffers
// (UDPReadBuffer, default 4 MiB), which sustained load needs.
//
// # Concurrency
//
// Server and ClientSession methods are safe for concurrent use. The server
// calls the Handler and Session from sipgo's request goroutines, possibly
// several at once for one session; Closed is called exactly once per
// session. Observer hooks are called synchronously. The client calls
// OnEvent and OnClose from one goroutine of its own, never concurrently.
//
// # Observing
//
// ServerConfig.Observer is a *[Observer]: a struct of optional hook
// functions (DialogOpened, DialogClosed, RequestDone, EventDone), the
// shape net/http/httptrace.ClientTrace has and the session and ctipool
// packages share. Set the hooks you need; a nil hook is skipped at the
// cost of one comparison. Because the hooks are fields, the compiler
// checks their names and signatures: a renamed hook breaks the build of
// its user instead of silently turning a metric off. RequestDone is called
// once per answered request, when its handling is over.
//
// # Errors
//
// SIP failures are *[RefusalError] values (status, reason, Retry-After),
// both the ones a Handler returns and the ones a gateway sends the
// client.
// Why a dialog ended is one of the Err values (ErrPeerBye, ErrExpired, ...),
// possibly wrapped; compare with errors.Is. A CSTAErrorCode answer to a
// client request is a *csta.Error.
//
// # Logging
//
// ServerConfig.Logger and ClientConfig.Logger receive the package's logs
// and, where sipgo takes a logger, sipgo's. Some of sipgo's call sites
// (connection bookkeeping, lazy header parsing, and the server's TCP and
// TLS transports, which the server builds itself) log through sipgo's
// process-wide logger; importing this package sets that logger
// (sip.SetDefaultLogger, once, at init) to pass its records to
// slog.Default as sipgo would. On both paths sipgo's routine messages,
// which report what peers do rather than faults, are logged at debug
// level: "Server tx failed to handle request" (a request, often the ACK
// of a refused INVITE, whose connection closed before sipgo made its
// transaction, or a malformed one sipgo answered 400), "TCP ref went
// negative" and its UDP and WS forms, "failed to parse", and responses
// that match no transaction (retransmissions). A program may still set
// sipgo's logger itself afterwards.
//
// "TCP ref went negative" is not a race that loses anything. sipgo counts
// references to a connection: its reader and an idle reference, plus one
// per transaction and per lookup. When the peer closes, the reader's
// cleanup hard-closes the connection, which sets the count to 0 while
// transactions still hold references; each of those then decrements below
// zero when it ends, and sipgo logs the warning and does nothing more (the
// connection is already closed). Every change of the count is made under
// the connection's mutex. The only effect besides the log line is that a
// transaction still answering writes to a closed connection and fails,
// which is right: its peer is gone. A request that arrives just before the
// close is what used to make sipgo dial the Via host (see The front door).
package sip
