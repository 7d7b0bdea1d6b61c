// Command fakecti runs the fake CTI server of package ctipool/ctitest as a
// program, so that CTI tools written in any language can be tested against
// it.
//
// # Overview
//
// fakecti serves one simulated PBX on one to eight CSTA XML over TCP
// endpoints, like the CTI Managers of one cluster (over TLS with
// -tls-cert and -tls-key, or -tls-self-signed), and offers a JSON HTTP
// control plane to place calls, answer and hang up for phones and far ends,
// inject faults, stop and restart endpoints, list connections and
// monitors, inject events, script canned, late or missing answers, read
// the request, event and frame logs and reset everything between tests. The PBX's behaviour (event flows and causes,
// error codes, sessions, heartbeats) is that of package ctitest.
//
// # Usage
//
//	fakecti -demo
//	fakecti -directory directory.yaml -listen 127.0.0.1:2748 -http 127.0.0.1:8080
//
// -demo provisions the demo directory (lines 1001 to 1004), -directory the
// lines of a lineappearance directory file. -listen takes the endpoint
// addresses (comma separated or repeated; default 127.0.0.1:7001 to 7003),
// -http the control plane's (default 127.0.0.1:7080). README.md lists the
// other flags and every control plane route with curl examples.
//
// # Concurrency
//
// The control plane's handlers may run concurrently with each other and
// with the CTI clients; the PBX serialises them. SIGINT or SIGTERM shut the
// control plane down gracefully and close the endpoints.
//
// # Errors
//
// Bad flags, an unreadable directory or an address that cannot be bound
// stop fakecti at start with a message and exit status 1. The control
// plane answers errors as {"error": "..."} with status 400 for bad input,
// 404 for an unknown call, party, endpoint, connection, monitor or rule,
// 409 for a party in the wrong state and 503 while shutting down. Every
// JSON key is in lowerCamelCase.
package main
