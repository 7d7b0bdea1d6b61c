package sip

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

// testPKI is a throwaway certificate authority.
type testPKI struct {
	t    testing.TB
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
	n    int64
}

func newPKI(t testing.TB) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "rcc test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testPKI{t: t, cert: cert, key: key, pool: pool, n: 1}
}

// issue returns a certificate for cn, valid for client and server use on
// 127.0.0.1 and the DNS names.
func (p *testPKI) issue(cn string, dns ...string) tls.Certificate {
	p.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(p.t, err)
	p.n++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.n),
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     dns,
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	require.NoError(p.t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestTLSTrustedSubjects(t *testing.T) {
	pki := newPKI(t)
	ts := startServer(t, ServerConfig{
		TrustedPeers:    []netip.Prefix{}, // only certificates count
		TrustedSubjects: []string{"OCS.example.com"},
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{pki.issue("gw.test")},
			ClientCAs:    pki.pool,
			RootCAs:      pki.pool,
		},
	})
	dial := func(cert *tls.Certificate, onEvent func(csta.Event)) (*ClientSession, error) {
		cfg := &tls.Config{RootCAs: pki.pool}
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return Dial(ctx, ClientConfig{Gateway: ts.gateway("tls"), User: "sip:ocs@example.com", Line: "tel:1001",
			LocalAddr: "127.0.0.1:0", TLSConfig: cfg, OnEvent: onEvent})
	}

	t.Run("trusted subject", func(t *testing.T) {
		cert := pki.issue("someone", "ocs.example.com")
		got := make(chan csta.Event, 1)
		c, err := dial(&cert, func(ev csta.Event) { got <- ev })
		require.NoError(t, err)
		sess := ts.handler.session(t, 0)
		assert.Equal(t, "tls", sess.req.Transport)
		assert.Equal(t, "someone", sess.req.TLSSubject)
		ctx := context.Background()
		_, err = c.Monitor(ctx)
		require.NoError(t, err)
		require.NoError(t, sess.req.Events.SendEvent(event(1, "mon1")))
		select {
		case ev := <-got:
			assert.Equal(t, csta.MonitorCrossRefID("mon1"), ev.CrossRefID())
		case <-time.After(10 * time.Second):
			t.Fatal("no event over TLS")
		}
		require.NoError(t, c.Close(ctx))
	})
	t.Run("untrusted subject", func(t *testing.T) {
		cert := pki.issue("evil.example.com")
		_, err := dial(&cert, nil)
		var r *RefusalError
		require.True(t, errors.As(err, &r), "got %v", err)
		assert.Equal(t, 403, r.Status)
	})
	t.Run("no certificate", func(t *testing.T) {
		_, err := dial(nil, nil)
		var r *RefusalError
		require.True(t, errors.As(err, &r), "got %v", err)
		assert.Equal(t, 403, r.Status)
	})
	assert.Equal(t, 1, ts.handler.count())
}

func TestTLSRequireClientCert(t *testing.T) {
	pki := newPKI(t)
	ts := startServer(t, ServerConfig{
		RequireClientCert: true,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{pki.issue("gw.test")},
			ClientCAs:    pki.pool,
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Dial(ctx, ClientConfig{Gateway: ts.gateway("tls"), User: "sip:a@example.com", Line: "tel:1001",
		LocalAddr: "127.0.0.1:0", TLSConfig: &tls.Config{RootCAs: pki.pool}})
	assert.NoError(t, ctx.Err(), "the refusal is seen at once")
	require.Error(t, err, "a client without a certificate cannot connect")
	var r *RefusalError
	assert.False(t, errors.As(err, &r))

	cert := pki.issue("client")
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, ClientConfig{Gateway: ts.gateway("tls"), User: "sip:a@example.com", Line: "tel:1001",
		LocalAddr: "127.0.0.1:0", TLSConfig: &tls.Config{RootCAs: pki.pool, Certificates: []tls.Certificate{cert}}})
	require.NoError(t, err, "loopback is trusted by default")
	require.NoError(t, c.Close(ctx))
}
