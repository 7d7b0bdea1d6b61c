package sip

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

func TestIsCSTA(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/csta+xml":                  true,
		"Application/CSTA+XML":                  true,
		" application/csta+xml ; charset=utf-8": true,
		"application/xml":                       false,
		"application/csta+xmlx":                 false,
		"":                                      false,
	} {
		assert.Equal(t, want, isCSTA(ct), ct)
	}
}

func TestSessionExpiresParsing(t *testing.T) {
	d, r, ok := sessionExpires("1800;refresher=uac")
	assert.True(t, ok)
	assert.Equal(t, 1800*time.Second, d)
	assert.Equal(t, "uac", r)
	d, r, ok = sessionExpires(" 90 ; Refresher = UAS ")
	assert.True(t, ok)
	assert.Equal(t, 90*time.Second, d)
	assert.Equal(t, "uas", r)
	for _, bad := range []string{"", "abc", "-1", "1.5"} {
		_, _, ok = sessionExpires(bad)
		assert.False(t, ok, bad)
	}
	m, ok := deltaSeconds("120;x=y")
	assert.True(t, ok)
	assert.Equal(t, 2*time.Minute, m)
	_, ok = deltaSeconds("soon")
	assert.False(t, ok)
}

func TestSeconds(t *testing.T) {
	assert.Equal(t, "600", seconds(600*time.Second))
	assert.Equal(t, "2", seconds(1500*time.Millisecond))
	assert.Equal(t, "1", seconds(0))
}

func TestReasonPhrase(t *testing.T) {
	assert.Equal(t, "Bad CSTA Body: csta: line 3: expected element", reasonPhrase("Bad CSTA Body: csta: line 3:\r\n\texpected  element\n"))
	assert.Equal(t, "x y", reasonPhrase("x\x00\x7fy"))
	assert.Equal(t, "Übel", reasonPhrase("Übel\xff"))
	long := reasonPhrase(strings.Repeat("é", 500))
	assert.LessOrEqual(t, len(long), 200)
	assert.True(t, strings.HasPrefix(long, "éé"))
}

// TestReasonPhraseCutAtSpace is the regression test of a phrase cut at the
// length limit just after a space: it ended with that space.
func TestReasonPhraseCutAtSpace(t *testing.T) {
	r := reasonPhrase(strings.Repeat("0", 199) + " 00")
	assert.Equal(t, strings.Repeat("0", 199), r)
}

func TestAddressOfRecord(t *testing.T) {
	for in, want := range map[string]string{
		"SIP:Alice@Example.COM;transport=tcp?x=y": "sip:Alice@example.com",
		"sip:bob@example.com:5061":                "sip:bob@example.com:5061",
		"sips:carol@EXAMPLE.com":                  "sip:carol@example.com",
		"sip:%62ob@example.com":                   "sip:bob@example.com",
		"tel:+1555;phone-context=x":               "tel:+1555",
	} {
		var u sipmsg.Uri
		require.NoError(t, sipmsg.ParseUri(in, &u), in)
		assert.Equal(t, want, addressOfRecord(&u), in)
	}
}

func TestSplitHeaderValuesAndRouteURI(t *testing.T) {
	v := `<sip:a.example.com;lr>;x="q,r", "Name, Jr" <sip:b@c;lr>,sip:d.example.com:5070;lr`
	parts := splitHeaderValues(v)
	require.Equal(t, []string{`<sip:a.example.com;lr>;x="q,r"`, `"Name, Jr" <sip:b@c;lr>`, `sip:d.example.com:5070;lr`}, parts)
	u, ok := routeURI(parts[2])
	require.True(t, ok)
	assert.Equal(t, "d.example.com:5070", hostPort(&u, "UDP"))
	u, ok = routeURI(parts[0])
	require.True(t, ok)
	assert.Equal(t, "a.example.com:5061", hostPort(&u, "TLS"))
	_, ok = routeURI("<sip:broken")
	assert.False(t, ok)
}

func TestServerConfigDefaults(t *testing.T) {
	h := &fakeHandler{}
	c, err := ServerConfig{Handler: h}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, c.TrustedPeers)
	assert.Equal(t, DefaultSessionExpires, c.SessionExpires)
	assert.Equal(t, DefaultMinSE, c.MinSE)
	assert.Equal(t, csta.DefaultMaxSize, c.MaxBodySize)
	assert.Equal(t, DefaultEventQueueSize, c.EventQueueSize)
	assert.Equal(t, DefaultEventTimeout, c.EventTimeout)
	assert.Equal(t, DefaultMaxEventTimeouts, c.MaxEventTimeouts)
	assert.Equal(t, DefaultRetryAfter, c.RetryAfter)
	assert.Equal(t, DefaultWriteTimeout, c.WriteTimeout)
	assert.Equal(t, DefaultContactUser, c.ContactUser)
	assert.NotNil(t, c.Logger)

	in := &tls.Config{}
	c, err = ServerConfig{Handler: h, TLSConfig: in, TrustedSubjects: []string{" OCS.Example.com "}}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, tls.VerifyClientCertIfGiven, c.TLSConfig.ClientAuth)
	assert.Equal(t, tls.NoClientCert, in.ClientAuth, "the caller's TLS config is not changed")
	assert.Equal(t, []string{"ocs.example.com"}, c.TrustedSubjects)
	c, err = ServerConfig{Handler: h, TLSConfig: in, RequireClientCert: true}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, tls.RequireAndVerifyClientCert, c.TLSConfig.ClientAuth)

	for name, bad := range map[string]ServerConfig{
		"no handler":          {},
		"negative timeout":    {Handler: h, EventTimeout: -1},
		"negative queue":      {Handler: h, EventQueueSize: -1},
		"MinSE over interval": {Handler: h, SessionExpires: time.Minute, MinSE: 2 * time.Minute},
		"interval under 1s":   {Handler: h, SessionExpires: time.Millisecond, MinSE: time.Millisecond},
		"mutual TLS, no TLS":  {Handler: h, RequireClientCert: true},
		"invalid peer prefix": {Handler: h, TrustedPeers: []netip.Prefix{{}}},
	} {
		_, err := NewServer(bad)
		assert.Error(t, err, name)
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "sip: "), err.Error())
		}
	}
	_, err = NewServer(ServerConfig{Handler: h, WriteTimeout: -time.Second})
	assert.EqualError(t, err, "sip: ServerConfig.WriteTimeout is negative (-1s)")
}

func TestClientConfigSetup(t *testing.T) {
	s, err := ClientConfig{Gateway: "sips:cti@gw.example.com", User: "sip:a@b"}.setup()
	require.NoError(t, err)
	assert.Equal(t, "TLS", s.transport)
	assert.Equal(t, "gw.example.com:5061", s.firstHop)
	assert.Equal(t, csta.NamespaceEd3, s.Namespace)
	s, err = ClientConfig{Gateway: "sip:cti@gw.example.com;transport=TCP", User: "sip:a@b", Proxy: "10.0.0.1:5070"}.setup()
	require.NoError(t, err)
	assert.Equal(t, "TCP", s.transport)
	assert.Equal(t, "10.0.0.1:5070", s.firstHop)
	s, err = ClientConfig{Gateway: "sip:cti@gw", User: "sip:a@b", Proxy: "sip:proxy.example.com;lr"}.setup()
	require.NoError(t, err)
	assert.Equal(t, "proxy.example.com:5060", s.firstHop)

	for name, bad := range map[string]ClientConfig{
		"no gateway":     {User: "sip:a@b"},
		"bad gateway":    {Gateway: "nonsense", User: "sip:a@b"},
		"no user":        {Gateway: "sip:gw"},
		"bad transport":  {Gateway: "sip:gw", User: "sip:a@b", Transport: "sctp"},
		"negative timer": {Gateway: "sip:gw", User: "sip:a@b", SessionExpires: -1},
	} {
		_, err := bad.setup()
		assert.Error(t, err, name)
	}
}

func TestInNamespaceDoesNotChangeTheMessage(t *testing.T) {
	ev := event(1, "m")
	ed5 := csta.Header{Namespace: csta.NamespaceEd5}
	got := inNamespace(ev, ed5)
	assert.Equal(t, ed5, got.Header)
	assert.Equal(t, csta.Header{}, ev.Header)
	assert.Equal(t, ev.Connection, got.Connection)
	assert.Same(t, ev, inNamespace(ev, csta.Header{Namespace: csta.DefaultNamespace}))
	ev.Header = csta.Header{Namespace: csta.NamespaceEd4}
	assert.Same(t, ev, inNamespace(ev, ed5), "a message that names its namespace keeps it")
}

func TestRefusalError(t *testing.T) {
	assert.Equal(t, "sip: refused: 503 Service Unavailable (retry after 30s)", (&RefusalError{Status: 503, RetryAfter: 30 * time.Second}).Error())
	assert.Equal(t, "sip: refused: 404 No Such Line", (&RefusalError{Status: 404, Reason: "No Such Line"}).Error())
	assert.Equal(t, "Server Error", statusText(599))
}

// The package set sipgo's process-wide limits when it was initialised, so
// nothing writes them while sipgo runs.
func TestSipgoLimitsSetAtInit(t *testing.T) {
	assert.Equal(t, uint16(maxReadSize), sipmsg.TransportBufferReadSize)
	assert.GreaterOrEqual(t, sipmsg.UDPMTUSize, maxReadSize+200)
}

// A request over UDP larger than the stack's limit is refused before it is
// sent; over TCP the limit does not apply.
func TestRoundTripUDPLimit(t *testing.T) {
	st, err := newStack("test", 1<<20, 4096, nil, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer st.ua.Close()
	req := sipmsg.NewRequest(sipmsg.INFO, sipmsg.Uri{Scheme: "sip", Host: "127.0.0.1", Port: 9})
	req.SetBody([]byte(strings.Repeat("x", 5000)))
	req.SetTransport("UDP")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = st.roundTrip(ctx, req)
	require.ErrorIs(t, err, ErrNoAnswer)
	assert.Contains(t, err.Error(), "over the UDP limit of 4096")
}
