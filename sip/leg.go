package sip

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// leg is one end's view of a dialog: what it needs to build requests inside
// it (RFC 3261 section 12.2.1.1). The server keeps one per dialog, the client
// one per session. callID and transport are set before the leg is used.
type leg struct {
	callID    sipmsg.CallIDHeader
	transport string // "UDP", "TCP" or "TLS"

	mu       sync.Mutex
	local    sipmsg.FromHeader // our URI and tag: the From of our requests
	remote   sipmsg.ToHeader   // the peer's URI and tag: the To of our requests
	target   sipmsg.Uri        // remote target: the peer's Contact URI
	routes   []string          // route set, raw, in the order of our Route headers
	firstHop string            // host:port of the first route; "" without routes
	cseq     uint32            // our last CSeq
}

// setRoute sets the remote target and the route set.
func (l *leg) setRoute(target sipmsg.Uri, routes []string) {
	hop := ""
	if len(routes) > 0 {
		if u, ok := routeURI(routes[0]); ok {
			hop = hostPort(&u, l.transport)
		}
	}
	l.mu.Lock()
	l.target, l.routes, l.firstHop = target, routes, hop
	l.mu.Unlock()
}

// setTarget replaces the remote target (a target refresh).
func (l *leg) setTarget(target sipmsg.Uri) {
	l.mu.Lock()
	l.target = target
	l.mu.Unlock()
}

// hasRoutes reports whether the dialog has a route set.
func (l *leg) hasRoutes() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.routes) > 0
}

// viaAddr is where our Via headers say we listen.
type viaAddr struct {
	host string
	port int
}

// request builds a request in the dialog with the next CSeq (ACK takes
// cseq as given, for the INVITE it acknowledges). It sets the transport and,
// when the dialog has a route set, the destination (the first route); the
// caller may override the destination.
func (l *leg) request(method sipmsg.RequestMethod, ackCSeq uint32, via viaAddr, contact *sipmsg.ContactHeader, userAgent string) *sipmsg.Request {
	l.mu.Lock()
	target, routes, hop := l.target, l.routes, l.firstHop
	cseq := ackCSeq
	if method != sipmsg.ACK {
		l.cseq++
		cseq = l.cseq
	}
	from := sipmsg.HeaderClone(&l.local)
	to := sipmsg.HeaderClone(&l.remote)
	l.mu.Unlock()

	req := sipmsg.NewRequest(method, target)
	req.AppendHeader(&sipmsg.ViaHeader{
		ProtocolName:    "SIP",
		ProtocolVersion: "2.0",
		Transport:       l.transport,
		Host:            via.host,
		Port:            via.port,
		Params:          sipmsg.HeaderParams{{K: "branch", V: sipmsg.GenerateBranchN(16)}},
	})
	maxFwd := sipmsg.MaxForwardsHeader(70)
	req.AppendHeader(&maxFwd)
	req.AppendHeader(from)
	req.AppendHeader(to)
	callID := l.callID
	req.AppendHeader(&callID)
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: cseq, MethodName: method})
	for _, r := range routes {
		req.AppendHeader(sipmsg.NewHeader("Route", r))
	}
	if contact != nil {
		req.AppendHeader(sipmsg.HeaderClone(contact))
	}
	if userAgent != "" {
		req.AppendHeader(sipmsg.NewHeader("User-Agent", userAgent))
	}
	req.SetTransport(l.transport)
	if hop != "" {
		req.SetDestination(hop)
	}
	return req
}

// stack is a sipgo user agent with its server (request handlers) and
// client (our requests).
type stack struct {
	ua  *sipgo.UserAgent
	sgs *sipgo.Server
	cli *sipgo.Client
	// udpMax is the largest request roundTrip sends over UDP; 0 or less
	// means no limit but sipgo's (see setSipgoLimits).
	udpMax int
}

// newStack builds a sipgo user agent that logs to log (sipgo's routine
// messages at debug level, see quietHandler), keeps route sets unparsed,
// accepts bodies up to maxBody bytes and may send UDP messages of udpMax
// bytes (see ServerConfig.UDPMaxMessageSize), with extra options.
func newStack(name string, maxBody, udpMax int, tlsConfig *tls.Config, log *slog.Logger, extra ...sipgo.UserAgentOption) (stack, error) {
	log = quiet(log)
	opts := []sipgo.UserAgentOption{
		sipgo.WithUserAgent(name),
		sipgo.WithUserAgentParser(newParser(maxBody)),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(
			sipmsg.WithTransactionLayerLogger(log),
			// A request over a TCP or TLS connection that closes fails at
			// once instead of waiting for its timer.
			sipmsg.WithTransactionLayerTerminateOnConnClose(),
			// A response that matches no transaction is a retransmission
			// of one already handled.
			sipmsg.WithTransactionLayerUnhandledResponseHandler(func(r *sipmsg.Response) {
				log.Debug("response matching no transaction", "response", r.StartLine())
			}),
		),
	}
	opts = append(opts, extra...)
	if tlsConfig != nil {
		opts = append(opts, sipgo.WithUserAgenTLSConfig(tlsConfig))
	}
	st := stack{udpMax: udpMax}
	var err error
	if st.ua, err = sipgo.NewUA(opts...); err != nil {
		return st, fmt.Errorf("sip: %w", err)
	}
	if st.sgs, err = sipgo.NewServer(st.ua, sipgo.WithServerLogger(log)); err == nil {
		st.cli, err = sipgo.NewClient(st.ua, sipgo.WithClientLogger(log))
	}
	if err != nil {
		st.ua.Close()
		return st, fmt.Errorf("sip: %w", err)
	}
	return st, nil
}

// prebuilt is a sipgo request option that leaves a request as we built it.
func prebuilt(*sipgo.Client, *sipmsg.Request) error { return nil }

// roundTrip sends req in a new client transaction and waits for its final
// response. A transaction that ends without one gives an error wrapping
// ErrNoAnswer, and so does a request over UDP larger than the stack's
// limit, which is not sent.
func (st *stack) roundTrip(ctx context.Context, req *sipmsg.Request) (*sipmsg.Response, error) {
	tx, err := st.start(ctx, req)
	if err != nil {
		return nil, err
	}
	defer tx.Terminate()
	return awaitFinal(ctx, tx, req.Method)
}

// start sends req in a new client transaction; the request has been
// written when start returns. See roundTrip for the errors.
func (st *stack) start(ctx context.Context, req *sipmsg.Request) (sipmsg.ClientTransaction, error) {
	if req.Body() == nil {
		req.SetBody(nil)
	}
	// Only a request with a large body can be near the limit: the headers
	// of ours take well under 2 KiB.
	if st.udpMax > 0 && len(req.Body())+2048 > st.udpMax && req.Transport() == "UDP" {
		if n := len(req.String()); n > st.udpMax {
			return nil, fmt.Errorf("%w: %s: %d bytes, over the UDP limit of %d", ErrNoAnswer, req.Method, n, st.udpMax)
		}
	}
	// The server's front door lets sipgo open connections only for the
	// requests the server sends itself.
	tx, err := st.cli.TransactionRequest(allowDial(ctx), req, prebuilt)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNoAnswer, req.Method, err)
	}
	return tx, nil
}

// awaitFinal waits for the final response of a client transaction.
func awaitFinal(ctx context.Context, tx sipmsg.ClientTransaction, method sipmsg.RequestMethod) (*sipmsg.Response, error) {
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			return res, nil
		case <-tx.Done():
			return nil, fmt.Errorf("%w: %s: %w", ErrNoAnswer, method, tx.Err())
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %s: %w", ErrNoAnswer, method, context.Cause(ctx))
		}
	}
}

// refusalOf turns a failure response into a *RefusalError.
func refusalOf(res *sipmsg.Response) *RefusalError {
	r := &RefusalError{Status: res.StatusCode, Reason: res.Reason}
	if d, ok := deltaSeconds(header(res, "Retry-After")); ok {
		r.RetryAfter = d
	}
	return r
}

// contactHeader builds a Contact header <sip:user@host:port;transport=x>.
func contactHeader(user, host string, port int, transport string) *sipmsg.ContactHeader {
	u := sipmsg.Uri{Scheme: "sip", User: user, Host: host, Port: port}
	if t := transportParam(transport); t != "" {
		u.UriParams = sipmsg.HeaderParams{{K: "transport", V: t}}
	}
	return &sipmsg.ContactHeader{Address: u}
}

// splitHostPort splits "host:port" into its parts.
func splitHostPort(addr string) (string, int, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("bad port in %q", addr)
	}
	return h, port, nil
}
