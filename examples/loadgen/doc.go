// Command loadgen is rcc's load harness: it drives a TR/87 gateway over
// real loopback sockets the way OCS does, many users' dialogs over a few
// connections, and reports request rate, latency percentiles, events, errors
// and the gateway's memory, goroutines and CPU.
//
// # Overview
//
// A run opens N sessions (INVITE with RequestSystemStatus and the user's
// Line URI, then MonitorStart), then sends CSTA requests in INFO for the
// measured window: MakeCall and ClearConnection pairs and SnapshotDevice
// requests, while the fake PBX produces the events of the calls, which the
// harness answers and counts. At the end it stops the monitors and sends
// BYE.
//
// The load is closed loop (-concurrency requests in flight, as fast as the
// target answers) or open loop (-rate requests per second, started on
// schedule whatever the answers do; latency counts from when a request was
// due, so a slow target is not hidden). Latencies go into a log-linear
// histogram of fixed size (1.6 % resolution).
//
// Targets:
//
//   - -target gateway starts the demo gateway (session/gateway/demo)
//     in-process on a generated directory (ctitest.GenerateDirectory) with
//     far ends that answer after -answer-delay, or drives one running
//     elsewhere (-addr, with -pid to measure it and -metrics for its
//     goroutines).
//   - -target baseline starts a bare sipgo responder in-process (or drives
//     one given by -baseline-addr, started with -serve baseline): INVITE,
//     INFO and BYE answered 200 OK with fixed bodies, nothing else.
//   - -compare drives the baseline and then the gateway with the same load,
//     then the gateway in open loop at half the rate it reached (and the
//     baseline at that rate, for the latency floor of the harness and the
//     machine), and prints the throughput ratio and the p99 at half rate
//     against the targets.
//
// With -duration 0 the harness opens the sessions, waits -idle, measures
// the target's memory and tears down: the scale run.
//
// # Usage
//
//	go run ./examples/loadgen -compare -sessions 1000 -duration 10s
//	go run ./examples/loadgen -addr 127.0.0.1:5060 -pid $(pidof gateway) -rate 2000
//	go run ./examples/loadgen -addr 127.0.0.1:5060 -pid $PID -sessions 50000 -duration 0 -idle 40s
//
// See README.md beside this file for the full procedure.
//
// # Concurrency
//
// The harness shares one sipgo user agent among the sessions of each of
// its -conns connections; each session sends one request at a time.
//
// # Errors
//
// SIP failures, CSTAErrorCode answers, timeouts and BYEs from the target are
// counted by kind and reported; they do not stop the run.
package main
