// Package gateway is rcc's CTI gateway as one configured thing: the
// session manager (package session) with its SIP front (package sip) and
// its CTI back (package ctipool), authorizing sessions against a line
// appearance directory (package lineappearance) and reporting through the
// admin HTTP handlers of package session/admin, all assembled from a
// configuration file. The example gateway, the load generator and the
// interop tests start their gateways through it.
//
// # Overview
//
// rcc composes through interfaces that the consumer declares, with the
// adapters in sub-packages next to the interface they satisfy:
// session/poolcti makes a *ctipool.Pool a session.CTI and
// sip/sessionhandler makes a *session.Manager a sip.Handler. A host that
// composes the gateway by hand, with its own directory and CTI transport,
// uses those (see the example of package sip/sessionhandler). A host that
// wants the whole configured gateway uses this package:
//
//   - [Config] is the configuration file's schema (see
//     docs/configuration.md), read by [LoadConfig] or [ParseConfig] with
//     errors that name the file, line and column. Every setting a library
//     has a default for takes the library's own (its Default constants);
//     a zero selects it too, and a negative value is an error.
//   - [New] assembles the parts from a Config and [Options] (what the file
//     does not say: a logger, observers, a directory or CTI endpoints given
//     in code), and [Gateway.Start] opens the SIP and admin listeners.
//   - [Gateway.Reload] re-reads the directory file, as SIGHUP and the
//     admin endpoint do; [Gateway.Shutdown] ends it all.
//
// # Demo mode
//
// Nothing here knows the fake PBX of package ctipool/ctitest: a gateway
// configured for a real PBX carries none of it. Package
// session/gateway/demo runs a gateway on that fake PBX, through
// Options.Endpoints, Options.Directory and Options.Closers, for the example
// gateway's -demo mode, the load generator and the tests.
//
// # Usage
//
//	cfg, err := gateway.LoadConfig("gateway.yaml")
//	if err != nil { ... }
//	g, err := gateway.New(cfg, gateway.Options{})
//	if err != nil { ... }
//	if err := g.Start(); err != nil { ... }
//	// ... on SIGHUP: g.Reload(); on exit:
//	err = g.Shutdown(ctx)
//
// # Concurrency
//
// A Gateway's methods are safe for concurrent use.
//
// # Errors
//
// Configuration problems are *[ConfigError]s. New fails on a configuration
// it cannot run (no CTI endpoint, no directory, a file that does not load,
// TLS files that do not), Start when a listener cannot be opened;
// Reload refuses a directory file that fails validation and keeps the one
// in use ([ErrNoDirectoryFile] when there is no file).
package gateway
