package sip

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"syscall"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// sipgo opens a connection of its own to answer a request whose TCP or TLS
// connection is gone by the time its transaction is made: to the host of
// the top Via, looked up in DNS. The front door already writes the source
// address into the top Via (received), so no name is ever looked up; the
// server's TCP and TLS transports also refuse every dial that the server
// did not ask for itself (an event or a BYE, which go where the dialog's
// route set or Contact says). A response therefore goes back on the
// connection its request came on, or nowhere.

// errDialRefused is the error of a connection the server did not ask for.
var errDialRefused = errors.New("sip: refusing to open a connection for a response (RFC 3261 section 18.2.2: answers go back on the request's connection)")

// dialAllowedKey marks the context of the server's own requests.
type dialAllowedKey struct{}

// allowDial marks ctx as the context of a request the server sends itself,
// for which sipgo may open a connection.
func allowDial(ctx context.Context) context.Context {
	return context.WithValue(ctx, dialAllowedKey{}, true)
}

// guardDial refuses a dial whose context was not marked by allowDial.
func guardDial(ctx context.Context, _, _ string, _ syscall.RawConn) error {
	if ctx.Value(dialAllowedKey{}) != nil {
		return nil
	}
	return errDialRefused
}

// serverStackOptions are the sipgo options of a server's user agent: TCP
// and TLS transports whose dialer refuses connections the server did not
// ask for. (sipgo's transports made this way log through sipgo's global
// logger; see quietHandler.)
func serverStackOptions() []sipgo.UserAgentOption {
	dialer := func(laddr net.Addr) net.Dialer {
		return net.Dialer{Timeout: time.Minute, LocalAddr: laddr, ControlContext: guardDial}
	}
	return []sipgo.UserAgentOption{
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerTransports(sipmsg.TransportsConfig{
			TCP: &sipmsg.TransportTCP{DialerCreate: dialer},
			TLS: &sipmsg.TransportTLS{TransportTCP: &sipmsg.TransportTCP{DialerCreate: dialer}},
		})),
	}
}

// demoted are sipgo log messages that report what peers do, not faults of
// the gateway; quietHandler logs them at debug level:
//   - "Server tx failed to handle request": a request sipgo could not make
//     a transaction for, such as an ACK or a retransmission that comes
//     after its connection closed, or a malformed request it answered 400.
//   - "... ref went negative": connection reference counting after a
//     connection was closed (see the package documentation).
//   - "failed to parse": a peer sent something that is not SIP.
//   - "Unhandled sip response": a response retransmitted after its
//     transaction ended.
//   - "send '100 Trying' response failed": the peer's connection is gone.
var demoted = map[string]bool{
	"Server tx failed to handle request":  true,
	"Client tx failed to handle response": true,
	"TCP ref went negative":               true,
	"UDP ref went negative on try close":  true,
	"WS ref went negative":                true,
	"failed to parse":                     true,
	"send '100 Trying' response failed":   true,
	"TransactionLayer: Unhandled sip response. Possible retransmissions. Set UnhandledResponseHandler": true,
}

// quietHandler passes sipgo's log records on, at debug level for the
// demoted messages. With a nil next it passes them to slog.Default's
// handler as it is at the time of each record.
type quietHandler struct {
	next slog.Handler
}

func (h quietHandler) handler() slog.Handler {
	if h.next != nil {
		return h.next
	}
	return slog.Default().Handler()
}

// Enabled implements slog.Handler.
func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.handler().Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	next := h.handler()
	if r.Level > slog.LevelDebug && demoted[r.Message] {
		if !next.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return next.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return quietHandler{next: h.handler().WithAttrs(as)}
}

// WithGroup implements slog.Handler.
func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{next: h.handler().WithGroup(name)}
}

// quiet wraps a logger so that sipgo's demoted messages are debug records.
func quiet(l *slog.Logger) *slog.Logger { return slog.New(quietHandler{next: l.Handler()}) }

func init() {
	// sipgo logs connection bookkeeping and its TCP and TLS transports
	// through a process-wide logger. Route it to slog.Default, as sipgo
	// does by default, with its routine messages at debug level. This runs
	// before any goroutine of the program, so it races with nothing; a
	// program may still call sip.SetDefaultLogger itself later.
	sipmsg.SetDefaultLogger(slog.New(quietHandler{}))
}
