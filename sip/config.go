package sip

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/rcc-go/rcc/csta"
)

// Defaults of ServerConfig.
const (
	// DefaultSessionExpires is the default ServerConfig.SessionExpires.
	DefaultSessionExpires = 600 * time.Second
	// DefaultMinSE is the default ServerConfig.MinSE, the smallest RFC
	// 4028 allows.
	DefaultMinSE = 90 * time.Second
	// DefaultEventQueueSize is the default ServerConfig.EventQueueSize.
	DefaultEventQueueSize = 256
	// DefaultEventTimeout is the default ServerConfig.EventTimeout.
	DefaultEventTimeout = 5 * time.Second
	// DefaultMaxEventTimeouts is the default ServerConfig.MaxEventTimeouts.
	DefaultMaxEventTimeouts = 3
	// DefaultRetryAfter is the default ServerConfig.RetryAfter.
	DefaultRetryAfter = 30 * time.Second
	// DefaultWriteTimeout is the default ServerConfig.WriteTimeout.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultUDPReadBuffer is the default ServerConfig.UDPReadBuffer.
	DefaultUDPReadBuffer = 4 << 20
	// DefaultUDPMaxMessageSize is the default UDPMaxMessageSize of
	// ServerConfig and ClientConfig.
	DefaultUDPMaxMessageSize = 32 << 10
	// DefaultContactUser is the default ServerConfig.ContactUser.
	DefaultContactUser = "cti"
	// DefaultUserAgent is the default ServerConfig.UserAgent.
	DefaultUserAgent = "rcc"
	// DefaultIdleTimeout is the least default ServerConfig.IdleTimeout.
	DefaultIdleTimeout = 15 * time.Minute
	// DefaultHandshakeTimeout is the default ServerConfig.HandshakeTimeout.
	DefaultHandshakeTimeout = 10 * time.Second
	// DefaultMessageTimeout is the default ServerConfig.MessageTimeout.
	DefaultMessageTimeout = 20 * time.Second
	// DefaultMaxConns is the default ServerConfig.MaxConns.
	DefaultMaxConns = 1024
	// DefaultMaxConnsPerPeer is the default ServerConfig.MaxConnsPerPeer.
	DefaultMaxConnsPerPeer = 128
	// DefaultMaxUDPTransactions is the default
	// ServerConfig.MaxUDPTransactions: at about 3.5 KB a sipgo server
	// transaction, some 70 MB.
	DefaultMaxUDPTransactions = 20000
)

// ServerConfig configures a [Server]. The zero value of every field but
// Handler selects its default; a negative number or duration is an error
// that names the field (the rule of every configuration in rcc).
type ServerConfig struct {
	// Handler is the session layer. Required.
	Handler Handler

	// TrustedPeers are the address prefixes of peers that may open and use
	// sessions as the user their From names: the SIP proxies that vouch
	// for their users (or the clients themselves, when nothing else can
	// reach the gateway). Any other peer, unless it is in AuthPeers, gets
	// 403 for every request, and costs no session state. A nil slice
	// trusts loopback only (127.0.0.0/8 and ::1/128); an empty non-nil slice
	// trusts no address, so only TrustedSubjects count.
	TrustedPeers []netip.Prefix
	// TrustedSubjects trusts a TLS peer that presented a client certificate
	// the TLS configuration verified, whose subject common name or one of
	// whose DNS names equals one of these (compared without regard to
	// case, no wildcards). A peer is trusted when its address or its
	// certificate is.
	TrustedSubjects []string
	// AuthPeers are the address prefixes of peers that must authenticate
	// with SIP digest (RFC 3261 section 22, RFC 8760): they may open and
	// use sessions as the user whose credentials they prove, found in
	// Credentials for Realm. A peer in TrustedPeers (or with a trusted
	// certificate) is trusted even when AuthPeers covers it too; any
	// peer in neither is refused. See "Digest authentication" in the
	// package documentation.
	AuthPeers []netip.Prefix
	// Realm is the digest realm of AuthPeers' challenges. Required with
	// AuthPeers.
	Realm string
	// Credentials finds the users' stored HA1. Required with AuthPeers.
	Credentials Credentials
	// NonceLifetime is how long a digest nonce is good for; a client
	// answering with an older one is challenged again (stale=true).
	// Default: 5 minutes.
	NonceLifetime time.Duration
	// DigestAlgorithms are the digest algorithms offered, in order of
	// preference, one WWW-Authenticate each (RFC 8760 section 2.4), and
	// the only ones accepted: DigestSHA256 and DigestMD5, any case. Some
	// old clients (sipp 3.6 among them) read only the first challenge and
	// know only MD5: put DigestMD5 first, or alone, for them.
	// Default: DigestSHA256, then DigestMD5.
	DigestAlgorithms []string
	// TLSConfig is the TLS configuration of ServeTLS listeners (it needs a
	// certificate) and of the TLS connections the server opens itself to
	// send events or BYE when the client's connection is gone (set RootCAs
	// for those). To verify client certificates set ClientCAs.
	TLSConfig *tls.Config
	// RequireClientCert makes TLS listeners require and verify a client
	// certificate (mutual TLS). Without it a certificate is requested and
	// verified only if the client offers one, when TrustedSubjects is set.
	RequireClientCert bool

	// SessionExpires is the session interval the server grants (RFC 4028):
	// the refresher (the client or the server, see the package
	// documentation) must refresh the dialog within it, or the server ends
	// it with BYE. A client asking for less (but not less than MinSE) gets
	// what it asked for. Default: 600s.
	SessionExpires time.Duration
	// MinSE is the smallest session interval the server accepts: an INVITE
	// asking for less gets 422 with a Min-SE header. RFC 4028 requires at
	// least 90s; smaller values are accepted for tests. Default: 90s.
	MinSE time.Duration
	// MaxBodySize is the largest INVITE or INFO body the server decodes, in
	// bytes; a larger body gets 413. Default: csta.DefaultMaxSize.
	MaxBodySize int

	// EventQueueSize is how many events may wait to be sent per dialog.
	// Default: 256.
	EventQueueSize int
	// EventTimeout is how long the server waits for the final response to
	// an event INFO. Default: 5s.
	EventTimeout time.Duration
	// MaxEventTimeouts is how many event INFOs in a row may go unanswered
	// (timeout or 408) before the server ends the dialog, once its client
	// has answered an event INFO; a client that never has is alive while
	// it keeps its session refreshed (see the package documentation).
	// Default: 3.
	MaxEventTimeouts int
	// RetryAfter is the Retry-After the server sends with the 503 answers
	// it makes itself (not ready, shutting down). Default: 30s.
	RetryAfter time.Duration
	// WriteTimeout bounds how long one write of a SIP message (a response,
	// an event INFO, a BYE) may block on a TCP or TLS connection the
	// server accepted. A peer that stops reading fills the socket buffers,
	// and without a bound the write, and every later write on that
	// connection, would block forever. A write that times out fails and
	// closes the connection (part of a message may have gone out), so
	// its requests fail and its dialogs end as for any lost connection.
	// Default: 10s; negative is an error.
	WriteTimeout time.Duration

	// ContactHost is the host name or address the server puts in its
	// Contact and Via headers. Default: the address of the listener the
	// dialog arrived on, or the machine's host name when that listener is
	// bound to an unspecified address.
	ContactHost string
	// ContactUser is the user part of the server's Contact. Default: "cti".
	ContactUser string
	// UserAgent is sent in Server and User-Agent headers. Default: "rcc".
	UserAgent string
	// RewriteContact sends the server's requests (events, BYE) to the
	// address the dialog's requests come from rather than to the client's
	// Contact, when the dialog has no route set: for clients behind NAT.
	// Over TCP and TLS the server always uses the connection the dialog's
	// requests arrive on while it is open; see the package documentation.
	RewriteContact bool

	// UDPReadBuffer is the socket receive and send buffer size ServeUDP
	// sets, in bytes (the kernel may cap it). Default: 4 MiB.
	UDPReadBuffer int
	// UDPMaxMessageSize is the largest SIP message the server sends over
	// UDP, in bytes. sipgo refuses UDP messages over 1300 bytes by default,
	// and a GetCSTAFeaturesResponse or a verbose event is larger, so the
	// package raises sipgo's process-wide limit (sip.UDPMTUSize) once, at
	// initialisation, to the largest datagram, and enforces this limit
	// itself. A response that is too large is
	// replaced by 500; an event that is too large is refused with
	// ErrEventTooLarge, and a BYE fails. Use TCP or TLS for large bodies
	// where you can. Default: 32 KiB.
	UDPMaxMessageSize int

	// DropUntrusted makes the server send nothing at all to peers that are
	// not trusted: their UDP requests are dropped rather than answered
	// 403, and their TCP connections (and TLS connections without a
	// trusted certificate) are closed at once.
	DropUntrusted bool
	// IdleTimeout closes a TCP or TLS connection on which nothing was
	// received or sent for this long. Default: SessionExpires plus one
	// minute, and at least 15 minutes (a dialog refreshed in time keeps its
	// connection).
	IdleTimeout time.Duration
	// HandshakeTimeout is how long a TLS client has to complete its
	// handshake. Default: 10s.
	HandshakeTimeout time.Duration
	// MessageTimeout is how long a peer has to send the rest of a message
	// over TCP or TLS once its first byte came (against slowloris and
	// half-sent requests); it is also the idle timeout of connections from
	// untrusted peers. Default: 20s.
	MessageTimeout time.Duration
	// MaxConns caps the TCP and TLS connections open at once; connections
	// from untrusted addresses (TLS ones until their certificate is
	// trusted) may use a quarter of them. A connection over a cap is closed
	// at once. Default: 1024.
	MaxConns int
	// MaxConnsPerPeer caps the TCP and TLS connections open at once from
	// one IP address. Default: 128.
	MaxConnsPerPeer int
	// MaxUDPTransactions bounds the memory UDP requests from trusted (and
	// authenticated) peers can hold: sipgo keeps a server transaction,
	// about 3.5 KB, for 32 s (Timer J, 64*T1) after answering each. The
	// front door counts the requests other than ACK it hands to sipgo over
	// UDP for 32 s each, and while the count is at this cap answers a new
	// one 503 with Retry-After itself, statelessly, before sipgo sees it.
	// Requests within an existing dialog (their To tag names one) may use
	// a reserve of a quarter of the cap above it, so that a flood of new
	// requests does not starve the dialogs already served. Refusals are
	// counted in Stats.UDPTransactionsRefused. Retransmissions are counted
	// again, so the count errs on the safe side. Default: 20,000 (about
	// 70 MB).
	MaxUDPTransactions int

	// Observer, if set, holds hooks the server calls on dialogs, requests
	// and events; see [Observer]. Nil hooks are skipped.
	Observer *Observer
	// Logger receives the server's logs, and sipgo's where sipgo takes a
	// logger. nil discards them.
	Logger *slog.Logger
}

// withDefaults validates c and returns a copy with the defaults filled in.
func (c ServerConfig) withDefaults() (ServerConfig, error) {
	if c.Handler == nil {
		return c, errors.New("sip: ServerConfig.Handler is required")
	}
	if c.TrustedPeers == nil {
		c.TrustedPeers = []netip.Prefix{
			netip.MustParsePrefix("127.0.0.0/8"),
			netip.MustParsePrefix("::1/128"),
		}
	} else {
		c.TrustedPeers = append([]netip.Prefix{}, c.TrustedPeers...)
	}
	for i, p := range c.TrustedPeers {
		if !p.IsValid() {
			return c, fmt.Errorf("sip: ServerConfig.TrustedPeers[%d] is not a valid prefix", i)
		}
		c.TrustedPeers[i] = p.Masked()
	}
	subjects := make([]string, 0, len(c.TrustedSubjects))
	for _, s := range c.TrustedSubjects {
		if s = strings.TrimSpace(s); s != "" {
			subjects = append(subjects, strings.ToLower(s))
		}
	}
	c.TrustedSubjects = subjects
	if c.TLSConfig != nil {
		c.TLSConfig = c.TLSConfig.Clone()
		switch {
		case c.RequireClientCert:
			c.TLSConfig.ClientAuth = tls.RequireAndVerifyClientCert
		case len(subjects) > 0 && c.TLSConfig.ClientAuth == tls.NoClientCert:
			c.TLSConfig.ClientAuth = tls.VerifyClientCertIfGiven
		}
	} else if c.RequireClientCert {
		return c, errors.New("sip: ServerConfig.RequireClientCert needs a TLSConfig")
	}
	def := func(d *time.Duration, v time.Duration, name string) error {
		if *d < 0 {
			return fmt.Errorf("sip: ServerConfig.%s is negative (%v)", name, *d)
		}
		if *d == 0 {
			*d = v
		}
		return nil
	}
	for _, f := range []struct {
		d    *time.Duration
		v    time.Duration
		name string
	}{
		{&c.SessionExpires, DefaultSessionExpires, "SessionExpires"},
		{&c.MinSE, DefaultMinSE, "MinSE"},
		{&c.EventTimeout, DefaultEventTimeout, "EventTimeout"},
		{&c.RetryAfter, DefaultRetryAfter, "RetryAfter"},
		{&c.WriteTimeout, DefaultWriteTimeout, "WriteTimeout"},
		{&c.HandshakeTimeout, DefaultHandshakeTimeout, "HandshakeTimeout"},
		{&c.MessageTimeout, DefaultMessageTimeout, "MessageTimeout"},
		{&c.IdleTimeout, max(DefaultIdleTimeout, c.SessionExpires+time.Minute), "IdleTimeout"},
	} {
		if err := def(f.d, f.v, f.name); err != nil {
			return c, err
		}
	}
	if err := c.authDefaults(); err != nil {
		return c, err
	}
	if c.MinSE > c.SessionExpires {
		return c, fmt.Errorf("sip: ServerConfig.MinSE (%s) exceeds SessionExpires (%s)", c.MinSE, c.SessionExpires)
	}
	if c.SessionExpires < time.Second {
		return c, fmt.Errorf("sip: ServerConfig.SessionExpires (%s) is under one second", c.SessionExpires)
	}
	ints := []struct {
		p    *int
		v    int
		name string
	}{
		{&c.MaxBodySize, csta.DefaultMaxSize, "MaxBodySize"},
		{&c.EventQueueSize, DefaultEventQueueSize, "EventQueueSize"},
		{&c.MaxEventTimeouts, DefaultMaxEventTimeouts, "MaxEventTimeouts"},
		{&c.UDPReadBuffer, DefaultUDPReadBuffer, "UDPReadBuffer"},
		{&c.UDPMaxMessageSize, DefaultUDPMaxMessageSize, "UDPMaxMessageSize"},
		{&c.MaxConns, DefaultMaxConns, "MaxConns"},
		{&c.MaxConnsPerPeer, DefaultMaxConnsPerPeer, "MaxConnsPerPeer"},
		{&c.MaxUDPTransactions, DefaultMaxUDPTransactions, "MaxUDPTransactions"},
	}
	for _, f := range ints {
		if *f.p < 0 {
			return c, fmt.Errorf("sip: ServerConfig.%s is negative (%d)", f.name, *f.p)
		}
		if *f.p == 0 {
			*f.p = f.v
		}
	}
	if c.ContactUser == "" {
		c.ContactUser = DefaultContactUser
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
