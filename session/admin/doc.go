// Package admin is the operations side of a gateway: an HTTP handler with
// health and readiness checks, Prometheus metrics, a status page and a
// directory reload endpoint, plus the observers that feed it from the
// library's hooks. The library packages stay free of any metrics
// dependency; this package turns their Stats snapshots and observer calls
// into metrics with github.com/prometheus/client_golang. Package
// session/gateway serves it on admin.listen; a host that composes the
// gateway by hand gives it a [Source] over its own parts.
//
// Its surface is small: [New] with a [Config], [Server.Handler] to serve,
// [Server.Reload] for a reload that comes from elsewhere (SIGHUP), and the
// three observers to plug into the libraries' configurations.
//
// # Overview
//
// [New] takes a [Config] whose [Source] is the running gateway: the CTI
// pool's, session manager's, SIP server's and directory's snapshots, and a
// way to reload the directory. [Server.Handler] serves:
//
//	GET  /           status page: version, uptime, SIP listeners, CTI connections, sessions, recent refusals
//	GET  /healthz    200 "ok" while the process runs
//	GET  /readyz     200 "ready" when a CTI connection is up and SIP listens, else 503 and why
//	GET  /metrics    Prometheus text format
//	POST /-/reload   reload the directory: 200, 422 (file refused) or 500
//
// The status page is server-rendered HTML with embedded CSS and no script;
// it reloads itself every [Config.RefreshInterval]. It shows the version
// ([Config.Version], else the binary's build information), the Go release,
// the revision when the build recorded it, and the uptime; the SIP
// listeners; for each CTI connection its state and since when (for one
// that is not up, since its first failure: ctipool.EndpointStats.DownSince)
// and its last error, whole (up to 4 KiB); and the recent refusals with
// their whole error. Every value a peer
// chose (user names, Line URIs, error texts) is escaped by html/template,
// clipped to 200 bytes, and the page's Content-Security-Policy forbids
// scripts besides. The session table shows the [Config.SessionRows] most
// recently opened sessions and counts the rest, so that 50,000 sessions
// make a page of a few hundred kilobytes; ?user= filters it by a
// case-insensitive part of the user's address.
//
// # Metrics
//
// All metric names start with rcc_. Gauges and counters the library
// keeps itself are read from the Source at scrape time (rcc_sessions,
// rcc_requests_total, rcc_cti_connection_state, rcc_sip_responses_total,
// rcc_directory_users and the rest). Histograms and labelled counters the
// snapshots do not carry come from the observer hooks (structs of
// optional functions, so the compiler checks every hook's name and
// signature):
//
//   - [Server.SessionObserver] for session.Config.Observer:
//     rcc_request_duration_seconds{service}, rcc_session_duration_seconds,
//     rcc_session_rehomes_total{from,to}, and the recent refusals.
//   - [Server.PoolObserver] for ctipool.Config.Observer:
//     rcc_cti_state_changes_total{endpoint,state},
//     rcc_cti_heartbeat_rtt_seconds{endpoint}.
//   - [Server.SIPObserver] for sip.ServerConfig.Observer:
//     rcc_sip_request_duration_seconds{method},
//     rcc_sip_event_answers_total{code}.
//
// Label values come from the gateway's configuration (endpoint names) or
// from closed sets (services, outcomes, reasons, methods, status codes);
// a SIP method the server does not handle counts as "OTHER", so a peer
// cannot create series at will. rcc_build_info{version,goversion,revision}
// is 1; rcc_session_rehomes_total shows a zero for every pair of endpoints
// from the first scrape on. Metrics go to a private registry, never
// to prometheus.DefaultRegisterer.
//
// # Usage
//
// The hooks must go into the library's configurations before the
// gateway's objects exist, and the Source reads those objects, so the
// Source is built first and pointed at the gateway once it is built; the
// server calls the Source only from its handler, which is served after
// that:
//
//	src := &hostSource{}                     // implements admin.Source over the host's parts
//	adm, err := admin.New(admin.Config{Source: src, Logger: logger})
//	pool, err := ctipool.New(ctipool.Config{..., Observer: adm.PoolObserver()})
//	mgr, err := session.NewManager(session.Config{..., Observer: adm.SessionObserver()})
//	srv, err := sip.NewServer(sip.ServerConfig{..., Observer: adm.SIPObserver()})
//	src.pool, src.mgr, src.srv = pool, mgr, srv
//	srv := &http.Server{Handler: adm.Handler(), ReadHeaderTimeout: 5 * time.Second}
//	go srv.Serve(adminListener)
//	// on SIGHUP, so that rcc_directory_reloads_total counts it too:
//	adm.Reload(ctx)
//
// The admin endpoints have no authentication: bind the listener to
// loopback or a management network. POST /-/reload refuses cross-origin
// browser requests (http.CrossOriginProtection), so a web page the
// operator visits cannot trigger it.
//
// # Concurrency
//
// A Server owns no goroutine and needs no Close. Its handler and its
// observers are safe for concurrent use; the observers only update
// metrics or a small mutex-guarded ring and never block.
//
// # Errors
//
// [New] fails with an error wrapping [ErrConfig] for an invalid Config,
// or with the registry's error when the registry already holds metrics of
// the same names. [Server.Reload] returns the Source's error; one that
// wraps lineappearance.ErrInvalid or ErrUnknownFormat means the file was
// refused and the old directory stays (HTTP 422), any other a failure to
// read it (HTTP 500).
package admin
