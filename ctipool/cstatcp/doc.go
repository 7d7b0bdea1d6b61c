// Package cstatcp is a client connection for CSTA XML over TCP, the
// protocol OpenScape, Avaya AES/DMCC and Zultys servers speak: ECMA-323
// documents in the 8-byte framing of package framing, inside an ECMA-354
// application session. It is the built-in transport of package ctipool,
// and usable on its own; it does not import ctipool.
//
// # Usage
//
//	c, err := cstatcp.Dial(ctx, cstatcp.Config{
//		Addr:    "10.0.0.1:2748",
//		OnEvent: func(ev csta.Event) { ... }, // must not block
//	})
//	if err != nil { ... }
//	defer c.Close()
//	resp, err := c.Do(ctx, &csta.MonitorStart{...})
//
// [Dial] connects (with TCP_NODELAY, and TLS when [Config.TLS] is set),
// sends StartApplicationSession with the application ID, the requested
// protocol version (ECMA-323 ed3 by default) and session duration, and
// returns once the server has accepted. The connection then resets the
// session timer at half the duration the server granted, answers the
// server's SystemStatus and RequestSystemStatus requests (any other server
// request gets operation/serviceNotSupported), and on [Conn.Close] ends
// the session with StopApplicationSession, waiting at most
// [Config.CloseTimeout] for the answer.
//
// # Dialects
//
// [Config.Dialect] names the dialect the server speaks (package
// csta/dialect describes each and its sources). ecma354, the default, is
// described above. openscape-voice waits for the server's first
// SystemStatus, answers it, and registers with SystemRegister instead of
// opening a session; it writes party devices as N<number>;noa=... and
// takes OpenScape's IDs back to plain numbers in what it returns.
// openscape-business opens the session in ed4 with [Config.Username] and
// [Config.Password] in applicationSpecificInfo and relies on the server's
// SystemStatus heartbeats, which it answers. avaya-dmcc opens the session
// asking for ".../ed3/priv5" with SessionLoginInfo, gets a device ID with
// GetDeviceId (on [Config.SwitchName]) for each device before a request
// names it, gives it back with ReleaseDeviceId when its last monitor stops
// and on Close, and resets the session timer. Credentials are never
// logged.
//
// The handshake is bounded by [Config.HandshakeTimeout]. A server that does
// not go through it as the dialect has it fails Dial with an error naming
// the address, the dialect and what was expected, wrapping
// [ErrHandshake], [ErrSessionRefused] or [ErrLoginRefused]; a frame that
// is not CSTA XML during the handshake fails it too. A DMCC server that
// refuses GetDeviceId as unknown fails the connection with
// [ErrDialectMismatch].
//
// # Requests and events
//
// [Conn.Do] takes an invoke ID (1..9998) for each request and matches the
// response by it. A CSTAErrorCode answer is returned as the *csta.Error it
// carries. When a caller gives up (its context ends) the invoke ID stays
// reserved until the late answer arrives or [Config.AbandonedTTL] passes,
// so a late answer is never taken for the answer to a newer request.
// Events (invoke ID 9999) go to [Config.OnEvent], on the reader goroutine,
// in arrival order.
//
// # Errors
//
// A well-formed XML frame that cannot be decoded (a vendor's message, an
// event without a mandatory field, a DTD) is counted
// ([Conn.DecodeErrors]) and logged at debug level; if it was the answer
// to a pending request, that request fails with the decode error; the
// connection stays up. A frame that is not well-formed XML is garbage on
// the link, after which nothing the server sends can be trusted: the
// connection ends with an error wrapping [ErrNotXML] that names the
// endpoint and what was expected, and the pool reconnects. Broken
// framing (a bad header, an oversized frame) or a read or write error ends
// the connection: [Conn.Done] is closed, [Conn.Err] says why, and every
// pending and later request fails with an error wrapping [ErrClosed]. So
// does a write that does not complete within [Config.WriteTimeout]
// ([ErrWriteTimeout]): a server that stops reading but keeps sending
// events would otherwise look alive while no request reaches it. A
// refused application session gives [ErrSessionRefused]. Errors for
// requests that never reached the network (refused before sending, or
// still queued when the connection failed) have a SafeToRetry() bool
// method that returns true.
//
// # Concurrency
//
// A Conn is safe for concurrent use. It runs three goroutines (reader,
// session keeper, replier), all ended and waited for by Close; writes are
// serialized so frames never interleave. A request whose frame is ready
// while another is being written is queued and goes out with the next
// write, so under load one write carries several requests; when 4 MiB wait
// (the server does not read), requests fail at once, safe to retry.
package cstatcp
