// Package ctiscript is a small scripted CSTA XML over TCP server for the
// tests of ctipool and cstatcp: it answers the application session, status
// and monitor requests by default, lets a test override any answer, send
// events and requests, go silent, or drop connections. It serves real
// loopback listeners and in-memory net.Pipe connections (for
// testing/synctest).
package ctiscript
