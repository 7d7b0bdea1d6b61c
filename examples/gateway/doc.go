// Command gateway runs the rcc CTI gateway: Remote Call Control for Office
// Communicator and other ECMA TR/87 clients, in front of a pool of CSTA CTI
// connections.
//
// Run it with a configuration file (see config.example.yaml beside this
// file, and the sample directory it names, directory.example.yaml):
//
//	go run ./examples/gateway -config gateway.yaml
//
// -version prints the version; set it at build time with
// -ldflags "-X main.version=v1.2.0" (the status page and rcc_build_info
// show it too).
//
// or, with nothing to configure, on an in-process fake PBX and the demo
// directory:
//
//	go run ./examples/gateway -demo
//
// The PBX's CSTA dialect is cti.dialect, or -cti-dialect (ecma354,
// openscape-voice, openscape-business, avaya-dmcc); config.<dialect>.yaml
// beside this file is a sample for each PBX. With -demo the fake PBX
// speaks it too, so each can be tried without one:
//
//	go run ./examples/gateway -demo -cti-dialect avaya-dmcc
//
// SIGINT and SIGTERM shut it down cleanly (every session gets a BYE); SIGHUP
// reloads the directory file.
//
// # A host like any other
//
// The command uses public packages only, so a copy of this folder in a
// module of its own builds and runs: session/gateway reads the
// configuration file and assembles the gateway (ctipool, session, sip and
// the admin HTTP handlers of session/admin); session/gateway/demo runs it
// on the in-process fake PBX of ctipool/ctitest for -demo and -demo-users
// (see demo.go). A program that composes the packages by hand instead
// uses the adapters session/poolcti and sip/sessionhandler, as the
// example in package session's documentation shows.
package main
