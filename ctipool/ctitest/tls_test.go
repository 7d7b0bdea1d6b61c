package ctitest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
)

func TestTLSEndpoint(t *testing.T) {
	cfg, certPEM, err := SelfSignedTLS()
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(certPEM))

	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{TLS: cfg})
	ctx := context.Background()
	c, err := cstatcp.Dial(ctx, cstatcp.Config{Addr: s.Addr(), TLS: &tls.Config{RootCAs: pool}})
	require.NoError(t, err)
	defer c.Close()
	resp, err := c.Do(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}})
	require.NoError(t, err)
	assert.NotEmpty(t, resp.(*csta.MonitorStartResponse).MonitorCrossRefID)
	assert.Equal(t, []string{"StartApplicationSession", "MonitorStart"}, p.Requests().Names())

	// A client that does not trust the certificate is refused, and so is
	// one that does not speak TLS: it gets no CSTA answer.
	_, err = cstatcp.Dial(ctx, cstatcp.Config{Addr: s.Addr(), TLS: &tls.Config{}})
	assert.ErrorContains(t, err, "TLS handshake")
	plain := dialTCP(t, s.Addr())
	plain.send(&csta.StartApplicationSession{ApplicationID: "plain", RequestedProtocolVersions: []string{csta.NamespaceEd3}})
	_, err = plain.tryFrame()
	assert.Error(t, err)

	// In memory too.
	nc, err := s.Dial(ctx, "tcp", s.Addr())
	require.NoError(t, err)
	tc := tls.Client(nc, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	require.NoError(t, tc.HandshakeContext(ctx))
	_ = tc.Close()

	_, err = p.Serve(ServerConfig{TLS: &tls.Config{}})
	assert.ErrorContains(t, err, "no certificate")
}
