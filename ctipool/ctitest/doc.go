// Package ctitest is a fake CTI server for tests, shaped like
// net/http/httptest: a simulated PBX with lines, calls and monitors,
// served over CSTA XML over TCP (the built-in transport of package
// ctipool: ECMA-323 messages in csta/framing frames, an ECMA-354
// application session) on loopback endpoints that a test can stop,
// restart and make misbehave. It is good enough for testing any CTI tool
// that speaks this protocol, in any language (see examples/fakecti).
//
// # Overview
//
// A [PBX] holds provisioned lines (from code, [PBXConfig].Lines, or in the
// model and file format of package lineappearance, [PBXConfig].Directory),
// the calls between them and simulated external parties, and the monitors
// clients started. A [Server] is one endpoint serving the PBX, like one
// CTI Manager; a [Cluster] is up to eight of them serving the same PBX.
// Calls live in the PBX, so they survive an endpoint's [Server.Stop] and
// can be found again through another endpoint; monitors belong to the
// connection that started them and end with it.
//
// # Usage
//
//	pbx := ctitest.DemoPBX()          // lines 1001-1004, demo far ends
//	defer pbx.Close()
//	srv := ctitest.NewServer(pbx)     // listens on 127.0.0.1:0
//	// point the client under test at srv.Addr() ...
//	id, err := pbx.Call("+3222220220", "1001") // an incoming call
//	err = pbx.Answer(id, "1001")                // picked up on the phone
//	log := pbx.Requests().Named("MakeCall")     // what the client asked
//
// In tests, [NewDemo] starts the demo PBX on three endpoints and closes it
// at the end of the test. The test helpers take a [TB] (the part of
// testing.TB they use), so that a program importing ctitest for its fake
// PBX, such as the example gateway's demo mode, does not link package
// testing. [GenerateDirectory] builds a directory of any number of users
// for load tests, and [WriteGeneratedDirectory] writes it as a file, for a
// PBX and a gateway that must know the same lines. Inside a testing/synctest bubble use endpoints
// with [ServerConfig].InMemory and connect with [Server.Dial] or
// [Cluster.Dial], which have the signature of the Dial hooks of ctipool
// and cstatcp: real sockets would keep the bubble's clock from moving.
// Every delay of the PBX (far ends answering, forwarding on no answer,
// session expiry, heartbeats, delayed responses) runs on time.AfterFunc,
// so in a bubble it takes no real time and is exact.
//
// # Identifiers
//
// A line is identified by its key ([lineappearance.Line.Key]): its DN,
// or "DN/partition" when it has a partition. Events report lines by key
// and external parties by their number as dialled ("2000",
// "+3222220220"). Requests may also name a line by a "tel:" Line URI or
// by a DN only one line has. A connection is (callID, party); callIDs are
// unique in the PBX and written like Cisco's ("0_0000002a");
// monitorCrossRefIDs and application session IDs are counters.
//
// # Protocol
//
// Each TCP connection starts with StartApplicationSession: the first
// requested protocol version that is an ECMA-323 edition 3 to 6 namespace
// is granted with the requested duration ([ServerConfig].SessionDuration
// when none is asked), else StartApplicationSessionNegResponse
// requestedProtocolVersionNotSupported. ResetApplicationSessionTimer
// renews the session; a session not renewed in time ends and the
// connection is closed. StopApplicationSession is answered, then the
// connection closed. Any other request before the session starts is
// answered with CSTAErrorCode security/generic, unless
// [ServerConfig].NoSession is set. Answers are written in the namespace of
// the request, events in that of the MonitorStart that started their
// monitor; a request that declares no namespace is answered in the
// negotiated one (the session's protocol version, else the dialect's),
// never in none. Unsolicited events carry invoke ID 9999.
//
// RequestSystemStatus is answered with systemStatus normal and a client's
// SystemStatus with SystemStatusResponse. With
// [ServerConfig].SystemStatusInterval set, the endpoint sends SystemStatus
// to each client itself, in the negotiated namespace, and closes
// connections that leave [ServerConfig].SystemStatusMisses of them in a
// row unanswered. Its SystemStatus requests are numbered from
// [ServerConfig].InvokeIDs: the client's own range 1..9998 in ecma354,
// 9000..9998 in the vendor dialects, so that a client counting from 1
// never takes them for answers.
//
// # Dialects
//
// [ServerConfig].Dialect makes the endpoint speak as a real PBX does (see
// package csta/dialect for each dialect and its sources):
//
//   - ecma354 (default): as described above.
//   - openscape-voice: on accept the endpoint speaks first with
//     SystemStatus and then every minute (SystemStatusInterval); there is no
//     application session: SystemRegister is answered with
//     SystemRegisterResponse, StartApplicationSession with CSTAErrorCode
//     serviceNotSupported, and requests are served without a session.
//     Messages are in ed4; party devices are written N<number>;noa=nk,
//     call IDs as 32 hex digits, and both forms are taken back (plain
//     numbers too). A ConnectionID with only a deviceID names the line's
//     call when it is in exactly one.
//   - openscape-business: StartApplicationSession in ed4 with <user> and
//     <password> in applicationSpecificInfo; SystemStatus every minute,
//     whose answers keep the session alive.
//   - avaya-dmcc: StartApplicationSession asking for ".../ed3/privN" with
//     SessionLoginInfo (userName, password); GetDeviceId and
//     ReleaseDeviceId in http://www.avaya.com/csta hand out and take back
//     device IDs extension:switch:ip:0 ([ServerConfig].SwitchName,
//     SwitchIP), which every request takes and every message carries.
//
// With [ServerConfig].Username set, a dialect with a login accepts only
// that user and [ServerConfig].Password; without it any credentials, but
// some must be given. A refused login gets
// StartApplicationSessionNegResponse invalidApplicationInfo and is counted
// in [ServerStats].LoginFailures.
//
// Whatever the dialect, a well-formed request in a namespace that is no
// ECMA-323 edition (a vendor's, or a misspelt one) that the dialect does
// not serve is answered at once with CSTAErrorCode
// operation/serviceNotSupported in the negotiated namespace, never with
// silence; a response or event in such a namespace is counted as
// undecodable and ignored.
//
// With [ServerConfig].TLS set, an endpoint serves all of this over TLS
// (on its listener and over Dial alike); [SelfSignedTLS] makes a
// certificate for tests.
//
// A frame that is not CSTA XML is logged in the request log (with Err set),
// counted, and not answered (none of the dialects documents an answer). A request the codec knows but cannot read (a
// required element missing, a value of the wrong form) is logged and
// counted the same way, and answered: CSTAErrorCode
// operation/invalidParameterValue (security/generic before the session
// starts), or the Neg response of an application session request. A broken
// frame header, or a frame over [ServerConfig].MaxFrameSize, closes the
// connection. Responses and events
// a client sends are ignored, except answers to the endpoint's
// SystemStatus. A root element the codec does not know is answered with
// serviceNotSupported.
//
// # Call model
//
// # Monitors
//
// MonitorStart with a deviceObject monitors a line. Its monitorType is
// device (the default: the events of the line's calls while the line is
// in them) or call (a call-type device monitor: each call that reaches
// the line is followed for as long as it lives, even after the line has
// left it, for example by a transfer). MonitorStart with a callObject
// (a callID, or a connection) monitors that one call until it ends: after
// its CallClearedEvent the monitor is gone; its events carry no
// localConnectionInfo. requestedMonitorFilter is honoured as ECMA-269
// defines it: an event set to true in the filter is suppressed for that
// monitor (and not recorded in the event log); the filter in force comes
// back as actualMonitorFilter (empty when nothing is filtered). With
// Avaya's private <AvayaEvents><invertFilter>true</invertFilter> in the
// MonitorStart's extensions, the filter lists the events wanted instead,
// and actualMonitorFilter reports the events suppressed. See
// csta.MonitorFilter for the categories and spellings read. A monitor
// type other than device or call, or a filter value that is not a
// boolean, is answered with invalidParameterValue.
//
// # Call model
//
// Connection states are those of ECMA-323: null, initiated, alerting,
// connected, hold, queued (unused) and fail. An event about a call goes to
// the monitors of every line that is in the call at that moment, or leaves
// it with that event (a line that forwards or deflects a call gets the
// Diverted event); its localConnectionInfo is the monitored line's own
// state in the call (null when it has none). The events of one request or
// step are queued in order behind the request's response. The flows:
//
//	MakeCall A→B        response (callID, A); ServiceInitiated A initiated makeCall;
//	                    Originated A connected newCall; then the destination:
//	  line B            Delivered B (B alerting) newCall
//	  external, ringing NetworkReached, Delivered (the far end alerting) newCall
//	  external, refused Failed A (A in fail) busy | destNotObtainable; A stays in
//	                    fail until it is cleared
//	AnswerCall B        Established B connected normal
//	ClearConnection X   ConnectionCleared X normalClearing (or the request's reason);
//	                    when fewer than two parties would be left, the call ends:
//	                    ConnectionCleared for each party left, then CallCleared,
//	                    all to every line that was in the call
//	ClearCall C         the call ends: ConnectionCleared normalClearing for each
//	                    party (the request's device first), then CallCleared;
//	                    invalidCallID for a call the PBX does not have
//	HoldCall/RetrieveCall  Held hold normal / Retrieved connected normal
//	ConsultationCall    Held consultation on the existing call, then a new call as
//	                    for MakeCall with cause consultation; response initiatedCall
//	AlternateCall       Held, Retrieved, both cause alternate
//	ReconnectCall       the active call is cleared, the held one Retrieved
//	TransferCall        Transfered transfer (the transferring line leaves both calls;
//	                    the others join the held call, whose callID is kept)
//	SingleStepTransferCall  Transfered singleStepTransfer, then Delivered at the
//	                    new destination with that cause
//	ConferenceCall      Conferenced conference (the consulted parties join the
//	                    held call)
//	DeflectCall         Diverted redirected, then Delivered at the new destination
//	GenerateDigits      DigitsGenerated
//	SetForwarding       Forwarding (forwarded calls give Diverted at the forwarding
//	                    line and Delivered at the destination, cause
//	                    callForwardImmediate, callForwardBusy, callForwardNoAnswer or
//	                    callForward for do-not-disturb forwarding)
//	SetDoNotDisturb     DoNotDisturb (a line in do-not-disturb refuses calls as busy)
//	SnapshotDevice      the line's calls with their compound states (own first)
//	GetCSTAFeatures     [Features]
//
// Call events carry, where the event has the field: servicesPermitted (the
// services of the PBX that apply to the monitored line's connection in its
// state: answer, deflect and clear while alerting; clear, hold,
// consultation, single step transfer and generate digits while connected;
// clear and retrieve while held; clear while initiated or failed);
// callLinkageData (a globallyUniqueCallLinkageID made of the call's
// number, kept by a transfer or conference); correlatorData when the
// MakeCall or ConsultationCall that made the call carried one; and, for a
// call to or from an external party, networkCallingDevice and
// networkCalledDevice (the call's calling and called numbers).
//
// A ConnectionID may name a device without a callID, as the ECMA-323
// schema allows (OpenScape Voice clients clear connections that way): it
// names the device's only connection, or else its only connection that is
// not on hold; a device with several such connections, or none, gets
// invalidConnectionID with the connections listed in the error.
//
// Forwarding types with "Int" or "Ext" apply to calls from lines or from
// external parties only. A line is busy, for forwarding on busy, while it
// is alerting, connected or holding in another call; without forwarding
// on busy, further calls simply alert. Forwarding on no answer waits
// [PBXConfig].NoAnswerTime. SingleStepTransferCall and DeflectCall to a
// destination that would refuse the call fail with invalidDestination and
// change nothing.
//
// Numbers that are not provisioned lines are external far ends, ruled by
// [PBXConfig].FarEnds; by default the demo rules of [DemoFarEnds]: 2xxx
// rings and answers after a second, 3000 is busy, 3001 rings until the
// test answers, 3002 answers and hangs up after five seconds, anything
// else is unobtainable. Tests act for phones and far ends with [PBX.Call],
// [PBX.Answer] and [PBX.Hangup], inspect calls with [PBX.Calls] and wait
// for states with [PBX.WaitForCall].
//
// # Faults
//
// Each endpoint can, on command: refuse new connections
// ([Server.RefuseConnections]), close its connections
// ([Server.CloseConnections]), ignore heartbeats while the socket stays
// open ([Server.StallHeartbeats]), go silent altogether ([Server.Stall]),
// delay its responses ([Server.DelayResponses]; events are not delayed),
// drop the next responses ([Server.DropResponses]), and send malformed
// data ([Server.SendGarbage], [Server.SendRaw]). [Server.Stop] and
// [Server.Restart] take the endpoint down and back on the same address.
//
// # Scripting
//
// A test scripts the PBX's answers with rules ([PBX.AddRule]): for the
// requests with a root element name (and, optionally, a namespace and an
// endpoint), for the next N of them or for a time, a canned answer
// instead of the PBX's (any XML document: a vendor response, a made-up
// error), a late answer, or none. It sends events of its own with
// [PBX.InjectEvent] (a decoded event, to a monitor or a connection) and
// [PBX.InjectRaw] (any bytes, as an event frame), and finds connections
// and monitors with [PBX.Connections]. examples/fakecti offers the same
// over HTTP and JSON, for tests in any language.
//
// # Request and event logs
//
// Every request an endpoint receives is recorded in the PBX's request log
// ([PBX.Requests]), with its time, endpoint, connection number and invoke
// ID; [RequestLog] has filters. Every event the PBX sends to a monitor is
// recorded in its event log ([PBX.Events]), with a sequence number, the
// monitor and its line, so a test can check that a client received each
// event once and in order; [EventLog] has filters. Every frame both ways
// is recorded, as bytes on the wire, in the frame log ([PBX.Frames]), with
// its direction, endpoint, connection, invoke ID and root element name;
// [FrameLog] has filters. All three are bounded
// ([PBXConfig].RequestLogSize, EventLogSize, FrameLogSize). [PBX.Reset]
// clears calls, settings, the logs, the rules and every fault, for the
// next test.
//
// # Concurrency
//
// All methods are safe for concurrent use. The PBX has one lock; requests
// from all endpoints are carried out one at a time under it. Each
// connection has a reader goroutine and a writer goroutine fed by a
// bounded queue ([ServerConfig].QueueSize), so a slow client never holds
// up the PBX: a client whose queue is full is disconnected and counted in
// [ServerStats].Overflows, and one that stops reading for
// [ServerConfig].WriteTimeout is disconnected and counted in
// [ServerStats].WriteTimeouts. [PBX.Close] and [Server.Close] return once every
// goroutine they started has finished.
//
// # Errors
//
// CSTA requests that cannot be carried out are answered with CSTAErrorCode:
// operation/invalidDeviceID for an unknown line, invalidCallID for an
// unknown call, invalidConnectionID for a party not in the call (or an
// external party where a line is needed), invalidCalledDeviceID,
// invalidDestination, invalidForwardingDestination, invalidForwardingType,
// invalidMonitorCrossRefID, notSameDevice, invalidParameterValue;
// stateIncompatibility/noCallToAnswer, noHeldCall, noActiveCall or
// invalidConnectionState for the wrong state; operation/serviceNotSupported
// for anything else. The control methods return
// the same errors wrapped with detail: match them with errors.Is and the
// csta.ErrX values. Methods of a closed PBX or endpoint return [ErrClosed].
package ctitest
