// Package interop holds rcc's interop and reliability tests: the gateway
// of package session/gateway (the example gateway's assembly; on fake PBXs
// through session/gateway/demo) run on loopback against real peer programs — sipp as the desktop client and load
// generator, Kamailio as the SIP load balancer in front of several gateway
// nodes — and against the fake CTI servers of package ctipool/ctitest,
// stopped, restarted and made to misbehave while the load runs.
//
// The package has no code of its own; its tests are behind the build tag
// "interop", which .ci/run enables:
//
//	go test -race -tags interop ./internal/interop/
//
// # Peers
//
// The tests need sipp (Debian package sip-tester) and kamailio (Debian
// package kamailio) on the PATH, and fail, never skip, when one is missing.
// Every peer listens on and talks to 127.0.0.1 (and 127.0.0.2 for an
// untrusted peer) only, on ports chosen free at run time; every run is
// bounded (sipp -m and -timeout, a context on every process) and every
// process a test starts is killed by its process ID when the test ends.
//
// # Scenarios
//
// testdata/sipp holds the sipp scenarios, usable by hand against
// `go run ./examples/gateway -demo` with the injection files beside them
// (the comment at the top of each says how): communicator.xml is Office
// Communicator's session (INVITE with RequestSystemStatus and lcs:line,
// GetCSTAFeatures, MonitorStart, MakeCall, the events, ClearConnection,
// MonitorStop, BYE), refresh.xml a session refresh, refusals.xml the bad
// requests of a trusted client and their answers, untrusted.xml a peer the
// gateway does not trust. The tests write their own injection files.
//
// # Soak
//
// TestSoak runs for RCC_SOAK (a Go duration, default 2m); see
// RELIABILITY.md at the repository root for what each test proves and
// its last figures.
package interop
