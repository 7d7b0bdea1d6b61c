// Package sessionhandler makes a *session.Manager the handler of a
// sip.Server (sip.Handler), so that neither package sip nor package
// session imports the other.
//
// # Overview
//
// rcc's packages meet through small interfaces that the consumer
// declares, and an adapter sits in a sub-package next to the interface it
// satisfies: this package for sip.Handler, package session/poolcti for
// session.CTI. The dialog needs no adapter: sip.EventSink and
// session.EventSink have the same method set. With the two adapters a
// host composes ctipool, session and sip by hand, with its own directory
// and its own CTI transport, in about a page (see the example); package
// session/gateway does the same from a configuration file.
//
// [New] returns a [Handler]: a session INVITE opens a session with
// session.Manager.Open, its INFOs are handled by session.Session.Handle,
// re-INVITEs refresh it and the end of the dialog closes it. The
// manager's errors become SIP refusals through session.Status: 403, 404,
// 400 and 481 for the refusals of the session package, 503 with a
// Retry-After for overload and a missing CTI connection, and 500 for
// anything else.
//
// # Usage
//
//	mgr, err := session.NewManager(session.Config{Directory: store, CTI: poolcti.New(pool)})
//	h, err := sessionhandler.New(mgr, sessionhandler.Options{})
//	srv, err := sip.NewServer(sip.ServerConfig{Handler: h})
//	go srv.ServeTCP(listener)
//
// # Concurrency
//
// A Handler and the sessions it returns are safe for concurrent use, as
// session.Manager and session.Session are.
//
// # Errors
//
// Every error of the manager or a session is returned as an error that is
// both a *sip.RefusalError (the status, the session error's text as reason
// phrase, and the Retry-After) and the session error, for errors.Is and
// errors.As.
package sessionhandler
