package main

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/lineappearance/dirfile"
	"github.com/rcc-go/rcc/sip"
)

// TestHashAndPassword: the credentials -hash prints, loaded as a
// directory, let rccclient in with the password, and not without.
func TestHashAndPassword(t *testing.T) {
	var out, errOut syncBuffer
	code := run(context.Background(), []string{"-user", "sip:alice@example.com", "-hash", "rcc.test"}, strings.NewReader("pa55\n"), &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	assert.NotContains(t, out.String(), "pa55", "the password is never printed")
	creds := out.String()
	require.Contains(t, creds, "ha1_sha256: ")

	dir := "version: 1\ndevices: [{name: SEP1, kind: hard}]\nusers:\n  - uri: sip:alice@example.com\n    devices: [SEP1]\n" +
		indent(creds[strings.Index(creds, "credentials:"):], "    ")
	d, err := dirfile.Parse([]byte(dir), dirfile.FormatYAML)
	require.NoError(t, err, dir)
	store, err := lineappearance.NewStore(d, lineappearance.Options{})
	require.NoError(t, err)

	srv, err := sip.NewServer(sip.ServerConfig{
		Handler:      phone{},
		TrustedPeers: []netip.Prefix{},
		AuthPeers:    []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Realm:        "rcc.test",
		Credentials:  store,
	})
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.ServeTCP(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	gw := "sip:cti@" + l.Addr().String() + ";transport=tcp"

	code, stdout, stderr := rcc(t, context.Background(), gw, "", "-attach=false", "features")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "SIP 401 Unauthorized (wrong user name or password", stdout)
	code, _, stderr = rcc(t, context.Background(), gw, "", "-attach=false", "-password", "wrong", "features")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "SIP 401")
	assert.NotContains(t, stderr, "wrong\"")
	t.Setenv("RCC_PASSWORD", "pa55")
	code, stdout, stderr = rcc(t, context.Background(), gw, "", "-attach=false", "features")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "services: ")
	assert.NotContains(t, stdout+stderr, "pa55")

	// -hash without a password anywhere is a usage error.
	t.Setenv("RCC_PASSWORD", "")
	code = run(context.Background(), []string{"-hash", "r"}, strings.NewReader(""), &out, &errOut)
	assert.Equal(t, 2, code)
}

func indent(s, by string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		b.WriteString(by + line)
	}
	return b.String()
}
