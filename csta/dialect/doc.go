// Package dialect describes the dialects of CSTA XML over TCP that real
// PBXs speak, as data plus a few small hooks, so that the client
// (package ctipool/cstatcp) and the fake server (package ctipool/ctitest)
// speak exactly the same set. It is pure: no sockets, no goroutines.
//
// A [Dialect] is everything a client of one kind of PBX sees: the connect
// handshake and who speaks first, how the session opens and logs in, the
// keepalive and its direction, the namespaces and editions, the form of
// device and call identifiers, the invoke IDs the server uses for its own
// requests, and the vendor requests that exist. [Lookup] finds one by
// name; "" is [ECMA354].
//
// # ecma354 (default)
//
// ECMA-323 ed3 in an ECMA-354 application session: the client speaks
// first with StartApplicationSession (no login), keeps the session with
// ResetApplicationSessionTimer and ends it with StopApplicationSession.
// Device and call IDs are as the directory has them. SystemRegister
// (ECMA-269's System Register service) is answered in the session. The
// server grants ECMA-323's own namespaces (ed3 to ed6) only: a vendor
// version such as DMCC's ".../ed3/privN" belongs to another dialect and
// is refused, so a DMCC client is told at once. The server may send
// SystemStatus heartbeats when configured, numbered in the client's range
// 1..9998 (the behaviour the fake always had). Source: ECMA-323, ECMA-354,
// ECMA TR/88.
//
// # openscape-voice
//
// OpenScape Voice opens no application session. On accept the server
// speaks first with SystemStatus; the client answers SystemStatusResponse
// with the same invoke ID and registers with SystemRegister
// (requestTypes/systemStatus true), answered by SystemRegisterResponse
// with a sysStatRegisterID. The server then sends SystemStatus as its
// heartbeat, which the client answers; messages are ECMA-323 ed4. Party
// devices are written N<number>;noa=nk (noa=international for +E.164),
// connection deviceIDs plain, call IDs as 32 hex digits
// (FF000100000000002D65C85C1C750000); Siemens private data lives in
// <private xmlns:scx="http://www.siemens.com/schema/csta">. Events carry
// invoke ID 9999. Sources: OpenScape Voice V9 Interface Manual Volume 4,
// CSTA Interface (A31003-H8090-T103); skarcos/pyssimist
// csta/CstaApplication.py (connect) and csta/CstaPool/*.xml, whose
// ServiceInitiatedEvent and OriginatedEvent show the ID forms.
//
// # openscape-business
//
// OpenScape Business listens on port 8800 and protects its CSTA links
// with a login: the client opens an ECMA-354 session in ed4 with <user>
// and <password> inside applicationInfo/applicationSpecificInfo; wrong
// or missing credentials get StartApplicationSessionNegResponse. The
// switch sends SystemStatus heartbeats the application must answer; the
// fake numbers them from 9000 up, apart from the client's IDs (a client
// that numbers from 1 would otherwise take them for answers). Sources:
// OpenScape Business V1 service manual (CSTA port 8800, CSTA link access
// protection); psco-tech/gw-coach-recording-agent pbx/osbiz/pbx.go and
// csta/system_services.go.
//
// # avaya-dmcc
//
// Avaya AES DMCC: the client opens an ECMA-354 session asking for
// protocol version ".../csta/ed3/priv5" (DMCC 6.1; priv6, priv7 later)
// with <SessionLoginInfo> (userName, password, sessionCleanupDelay) in
// namespace http://www.avaya.com/csta inside applicationSpecificInfo; bad
// credentials get StartApplicationSessionNegResponse. Before using a
// device the client asks GetDeviceId (switchName, extension) in the Avaya
// namespace and gets a device ID extension:switch:ip:instance, which
// MonitorStart and the call control services take; ReleaseDeviceId gives
// it back. A number to dial (MakeCall's calledDirectoryNumber) gets its
// device ID from GetThirdPartyDeviceId, as f-me/dmcc does. The client keeps the session with ResetApplicationSessionTimer;
// the server sends no heartbeat. Sources: Avaya AES DMCC XML Programmer's
// Guide; f-me/dmcc src/DMCC/XML/Request.hs and Response.hs;
// psco-tech/gw-coach-recording-agent pbx/avaya/aes.go and
// csta/dmcc_services.go; rresender/csta-integration
// cti/provider/messages.go.
//
// # Services
//
// [Dialect.Lacks] names the services and events of the remote call
// control profile a dialect's PBX does not offer; [Dialect.Narrow] takes
// them out of a feature set, and a gateway (session/poolcti.NewDialect)
// neither advertises nor forwards them. None of the sources above
// documents such a gap for the four dialects, so their lists are empty.
//
// # Unknown requests and garbage
//
// In every dialect, a well-formed request the server cannot serve, in any
// namespace (a vendor one, or a misspelt one), is answered at once with
// CSTAErrorCode operation/serviceNotSupported in the negotiated namespace.
// None of the sources documents an answer to a frame that is not XML, so
// the fake logs and counts it.
package dialect
