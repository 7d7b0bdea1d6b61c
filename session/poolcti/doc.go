// Package poolcti makes a *ctipool.Pool the CTI of a session manager
// (session.CTI), so that package session imports neither ctipool nor any
// transport.
//
// # Overview
//
// rcc's packages meet through small interfaces that the consumer
// declares: package session declares CTI, Link and Monitor for what it
// needs of the CTI side, and package sip declares Handler and Session for
// what it needs of the session layer. Where a library's concrete type does
// not fit the other's interface as it is, an adapter sits in a
// sub-package next to the interface it satisfies: this package for
// session.CTI, package sip/sessionhandler for sip.Handler. A host that
// composes the gateway by hand uses the two adapters; a host that wants
// the configured gateway (configuration file, admin HTTP) uses package
// session/gateway, which does the same.
//
// [New] turns a pool into a session.CTI: Acquire hands out the pool's
// Handles as session.Links (one connection in one generation), monitors
// run as ctipool subscriptions, and ctipool's errors are wrapped so that
// session can classify them (see session's package documentation, "CTI
// errors").
//
// # Usage
//
//	pool, _ := ctipool.New(ctipool.Config{Endpoints: eps})
//	mgr, _ := session.NewManager(session.Config{
//		Directory: store,
//		CTI:       poolcti.New(pool),
//	})
//
// The example of package sip/sessionhandler composes a whole gateway.
//
// # Concurrency
//
// [NewDialect] is New for a pool that speaks a CSTA dialect (package
// csta/dialect): its CTI also implements session.Capable with what the
// dialect's PBX offers, so a session neither advertises nor forwards a
// service the PBX lacks (Dialect.Lacks). The gateway uses it.
//
// Every adapter is safe for concurrent use, as the types it adapts are.
//
// # Errors
//
// Errors of a request that failed because of the connection (a
// *ctipool.LinkError) are wrapped in an error with the methods
// LinkDown() bool (always true), Stale() bool (the connection is up again
// in a newer generation) and SafeToRetry() bool (the request never left
// the process); the ctipool error stays in the chain for errors.Is and
// errors.As. Other errors (CSTA errors, timeouts) pass unchanged.
package poolcti
