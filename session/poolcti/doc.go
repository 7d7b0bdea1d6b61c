// Package wiring adapts rcc's concrete packages to the small interfaces
// package session declares, so that session imports neither ctipool nor
// sip. The example gateway and the tests use it.
//
// # Overview
//
// [CTI] turns a *ctipool.Pool into a session.CTI: Acquire hands out the
// pool's Handles as session.Links, monitors run as ctipool subscriptions,
// and ctipool's errors are wrapped so that session can classify them (see
// session's package documentation, "CTI errors"). The SIP side (sip's
// Handler and Session over session.Manager and session.Session) belongs
// here too.
//
// # Usage
//
//	pool, _ := ctipool.New(ctipool.Config{Endpoints: eps})
//	mgr, _ := session.NewManager(session.Config{
//		Directory: store,
//		CTI:       wiring.CTI(pool),
//	})
//
// # Concurrency
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
