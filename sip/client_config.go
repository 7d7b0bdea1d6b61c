package sip

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/rcc-go/rcc/csta"
)

// Defaults of ClientConfig.
const (
	// DefaultClientSessionExpires is the default ClientConfig.SessionExpires.
	DefaultClientSessionExpires = 600 * time.Second
	// DefaultClientEventQueueSize is the default ClientConfig.EventQueueSize.
	DefaultClientEventQueueSize = 256
	// DefaultClientUserAgent is the default ClientConfig.UserAgent.
	DefaultClientUserAgent = "rcc-client"
)

// ClientConfig configures [Dial]. The zero value of every field but
// Gateway and User selects its default; a negative number or duration is
// an error that names the field.
type ClientConfig struct {
	// Gateway is the SIP URI of the gateway, the Request-URI and To of the
	// INVITE, for example "sip:cti@gw.example.com:5060;transport=tcp".
	// Required.
	Gateway string
	// User is the SIP address of record of the user, the From of the
	// INVITE, for example "sip:alice@example.com". Required.
	User string
	// Line is the Line URI the session controls, sent as lcs:line in the
	// INVITE and GetCSTAFeatures and monitored by Monitor, for example
	// "tel:1001;phone-context=dialstring". Optional for gateways that do
	// not need it; Monitor needs it.
	Line string
	// Transport is "udp", "tcp" or "tls". Default: the transport parameter
	// of Gateway, "tls" for a sips URI, else "udp".
	Transport string
	// LocalAddr is the local "host:port" the client listens on for the
	// gateway's requests and puts in its Contact and Via. Default: port 0
	// on the local address that routes to the gateway (or to Proxy). Over
	// TLS the client listens only when TLSConfig carries a certificate;
	// otherwise its Contact names the local end of its connection.
	LocalAddr string
	// AuthUser and Password answer the digest challenges (401 and 407,
	// RFC 3261 section 22, RFC 8760) of a gateway or proxy, to the
	// INVITE and to requests in the dialog: SHA-256 when the challenge
	// offers it, else MD5. AuthUser defaults to the user part of User
	// (the gateway requires them to be equal). Without a Password the
	// client answers no challenge. The password is kept in memory only,
	// and never logged.
	AuthUser string
	Password string
	// Proxy is an outbound proxy, a SIP URI or "host:port", such as a
	// Kamailio in front of several gateways: every request goes to it
	// unless the dialog's route set says otherwise. Default: none.
	Proxy string
	// TLSConfig configures TLS: RootCAs to verify the gateway, a
	// certificate for mutual TLS. Default: the system roots.
	TLSConfig *tls.Config
	// Namespace is the ECMA-323 namespace of the requests the client sends
	// when they name none. Default: csta.NamespaceEd3, as Communicator.
	Namespace string
	// SessionExpires is the session interval the client asks for (RFC
	// 4028). The client refreshes the dialog with re-INVITE 60 seconds
	// before the interval the gateway grants runs out, or halfway when it
	// is under two minutes. Default: 600s.
	SessionExpires time.Duration
	// KeepAlive, when positive, makes the client watch that the gateway
	// is still there. Every KeepAlive it sends OPTIONS in the dialog; when
	// the gateway does not answer within KeepAlive (at most 32 seconds),
	// the session ends with an error wrapping ErrNoAnswer, and when it
	// answers 481, with ErrDialogGone. Over TCP and TLS it also watches the
	// connection the dialog uses: once that connection closes, the session
	// ends at once (within a quarter of a second, or KeepAlive when
	// shorter) with ErrConnectionLost. A gateway that answers OPTIONS
	// whatever the dialog (rcc's does, as a load balancer probe) is
	// found to have lost the dialog only by the next request or refresh.
	// Default: 0, no watching.
	KeepAlive time.Duration
	// OnEvent, if set, receives the events the gateway sends, one at a
	// time and in order, on a goroutine of the client's. Once a monitor has
	// been started (with Monitor or a MonitorStart through Do), events of
	// other monitors are dropped, as Communicator does.
	OnEvent func(ev csta.Event)
	// OnClose, if set, is called once when the session ends, after the
	// last OnEvent call: with nil after Close, otherwise with the reason
	// (ErrPeerBye, ErrDialogGone, ErrConnectionLost, a failed refresh or
	// keepalive).
	OnClose func(err error)
	// EventQueueSize is how many events may wait for OnEvent; more are
	// dropped and logged. Default: 256.
	EventQueueSize int
	// UserAgent is sent in User-Agent headers. Default: "rcc-client".
	UserAgent string
	// UDPMaxMessageSize is the largest SIP message the client sends over
	// UDP; see ServerConfig.UDPMaxMessageSize. Default: 32 KiB.
	UDPMaxMessageSize int
	// Logger receives the client's logs, and sipgo's where sipgo takes a
	// logger. nil discards them.
	Logger *slog.Logger
}

// clientSetup is a validated ClientConfig and what was parsed from it.
type clientSetup struct {
	ClientConfig
	gateway   sipmsg.Uri
	user      sipmsg.Uri
	transport string // "UDP", "TCP" or "TLS"
	firstHop  string // host:port of the proxy, or of the gateway
	proxied   bool
}

func (c ClientConfig) setup() (*clientSetup, error) {
	s := &clientSetup{ClientConfig: c}
	if c.Gateway == "" {
		return nil, errors.New("sip: ClientConfig.Gateway is required")
	}
	if err := sipmsg.ParseUri(c.Gateway, &s.gateway); err != nil || s.gateway.Host == "" {
		return nil, fmt.Errorf("sip: ClientConfig.Gateway %q is not a SIP URI", c.Gateway)
	}
	if c.User == "" {
		return nil, errors.New("sip: ClientConfig.User is required")
	}
	if err := sipmsg.ParseUri(c.User, &s.user); err != nil {
		return nil, fmt.Errorf("sip: ClientConfig.User %q is not a SIP URI", c.User)
	}
	t := strings.ToUpper(c.Transport)
	if t == "" {
		if p, ok := s.gateway.UriParams.Get("transport"); ok {
			t = strings.ToUpper(p)
		} else if s.gateway.IsEncrypted() {
			t = "TLS"
		} else {
			t = "UDP"
		}
	}
	if t != "UDP" && t != "TCP" && t != "TLS" {
		return nil, fmt.Errorf("sip: unsupported transport %q", c.Transport)
	}
	s.transport = t
	s.firstHop = hostPort(&s.gateway, t)
	if c.Proxy != "" {
		var pu sipmsg.Uri
		proxy := c.Proxy
		if l := strings.ToLower(proxy); !strings.HasPrefix(l, "sip:") && !strings.HasPrefix(l, "sips:") {
			proxy = "sip:" + proxy
		}
		if err := sipmsg.ParseUri(proxy, &pu); err != nil || pu.Host == "" {
			return nil, fmt.Errorf("sip: ClientConfig.Proxy %q is neither a SIP URI nor host:port", c.Proxy)
		}
		s.firstHop = hostPort(&pu, t)
		s.proxied = true
	}
	if c.Password != "" && s.AuthUser == "" {
		s.AuthUser = s.user.User
	}
	if s.Namespace == "" {
		s.Namespace = csta.NamespaceEd3
	}
	if s.SessionExpires < 0 {
		return nil, fmt.Errorf("sip: ClientConfig.SessionExpires is negative (%v)", s.SessionExpires)
	}
	if s.KeepAlive < 0 {
		return nil, errors.New("sip: ClientConfig.KeepAlive is negative")
	}
	if s.SessionExpires == 0 {
		s.SessionExpires = DefaultClientSessionExpires
	}
	for _, f := range []struct {
		p    *int
		v    int
		name string
	}{
		{&s.EventQueueSize, DefaultClientEventQueueSize, "EventQueueSize"},
		{&s.UDPMaxMessageSize, DefaultUDPMaxMessageSize, "UDPMaxMessageSize"},
	} {
		if *f.p < 0 {
			return nil, fmt.Errorf("sip: ClientConfig.%s is negative (%d)", f.name, *f.p)
		}
		if *f.p == 0 {
			*f.p = f.v
		}
	}
	if s.UserAgent == "" {
		s.UserAgent = DefaultClientUserAgent
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	return s, nil
}
