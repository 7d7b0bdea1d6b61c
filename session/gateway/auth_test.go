package gateway

import (
	"context"
	"errors"
	"testing"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withPassword returns the demo directory with a digest credential for
// alice in realm "rcc.test".
func withPassword(t *testing.T, password string) *lineappearance.Data {
	d := lineappearance.Demo()
	md5, err := sip.HA1(sip.DigestMD5, "alice", "rcc.test", password)
	require.NoError(t, err)
	sha, err := sip.HA1(sip.DigestSHA256, "alice", "rcc.test", password)
	require.NoError(t, err)
	for i := range d.Users {
		if d.Users[i].AOR == aliceAOR {
			d.Users[i].Credentials = []lineappearance.Credential{{Realm: "rcc.test", HA1MD5: md5, HA1SHA256: sha}}
		}
	}
	return d
}

// TestDigestThroughTheGateway: clients on loopback must authenticate
// against the directory's credentials, which change with the directory.
func TestDigestThroughTheGateway(t *testing.T) {
	g := startGateway(t, func(c *Config) {
		c.SIP.TrustedPeers = []string{}
		c.SIP.AuthPeers = []string{"127.0.0.0/8"}
		c.SIP.Realm = "rcc.test"
	}, "udp", "tcp")
	require.NoError(t, g.Directory().Replace(withPassword(t, "first")))
	dial := func(transport, password string) (*sip.ClientSession, error) {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		s, err := sip.Dial(ctx, sip.ClientConfig{Gateway: g.uri(t, transport), User: aliceAOR, Line: aliceLine, Transport: transport, Password: password})
		if err == nil {
			t.Cleanup(func() { s.Close(context.Background()) })
		}
		return s, err
	}
	for _, tr := range []string{"udp", "tcp"} {
		s, err := dial(tr, "first")
		require.NoError(t, err, tr)
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		_, err = s.Monitor(ctx)
		cancel()
		require.NoError(t, err, tr)
	}
	_, err := dial("udp", "second")
	var r *sip.RefusalError
	require.True(t, errors.As(err, &r), "got %v", err)
	assert.Equal(t, 401, r.Status)

	// The directory changes: the new password works, the old one no more.
	require.NoError(t, g.Directory().Replace(withPassword(t, "second")))
	_, err = dial("tcp", "second")
	require.NoError(t, err)
	_, err = dial("tcp", "first")
	require.True(t, errors.As(err, &r), "got %v", err)
	assert.Equal(t, 401, r.Status)
}
