// Package demo runs a gateway (package gateway) on an in-process fake PBX
// (package ctipool/ctitest): the example gateway's -demo and -demo-users
// modes, the load generator's in-process gateway and the interop tests use
// it. Nothing here is needed by a gateway configured for a real PBX, which
// is why it is a package of its own: package gateway does not import
// ctitest, and a program that does not import demo carries no fake PBX.
//
// # Overview
//
// [New] serves a PBX on [Endpoints] CTI endpoints on loopback, and builds a
// gateway from a configuration whose CTI endpoints and directory file it
// replaces (through gateway.Options.Endpoints and Directory): the demo
// directory (lineappearance.Demo) on the demo PBX (ctitest.DemoPBX), a
// generated directory of [Options].Users users
// (ctitest.GenerateDirectory) on a PBX provisioned from it, or a PBX the
// caller built, for other far-end behaviour. The PBX is closed when the
// gateway shuts down.
//
// # Usage
//
//	cfg, _ := gateway.ParseConfig("defaults", nil)
//	cfg.Admin.Listen = demo.AdminAddr
//	g, err := demo.New(cfg, gateway.Options{}, demo.Options{})
//	if err != nil { ... }
//	err = g.Start() // SIP on 127.0.0.1:5060, UDP and TCP
//	...
//	err = g.Shutdown(ctx) // also closes the fake PBX
//
// # Concurrency
//
// A [Gateway] is safe for concurrent use, as gateway.Gateway and
// ctitest.Cluster are.
//
// # Errors
//
// New fails when the PBX cannot be served or the gateway cannot be built;
// it then closes the PBX it was given.
package demo
