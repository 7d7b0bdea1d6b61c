package sip

import (
	"net/netip"
	"testing"
	"time"
)

// FuzzDigestCredentials feeds the Authorization (and WWW-Authenticate)
// parser, which reads what any peer that must authenticate sends, with
// arbitrary input: it never panics; what it reads, written again with
// quoted values, reads back the same; and credentials nobody computed
// from a nonce of ours never authenticate.
func FuzzDigestCredentials(f *testing.F) {
	for _, s := range []string{
		`Digest username="alice", realm="rcc.test", nonce="abc", uri="sip:cti@gw", response="0123456789abcdef0123456789abcdef", algorithm=MD5, qop=auth, nc=00000001, cnonce="x"`,
		`Digest realm="rcc.test", nonce="n", algorithm=SHA-256, qop="auth", stale=true`,
		`digest username="a\"b\\c",realm=r`, `Digest`, `Digest ,`, `Digest a=`, `Digest a="`, "Digest\r\n realm=x",
	} {
		f.Add(s)
	}
	a := &authenticator{realm: "rcc.test", creds: CredentialsFunc(func(aor, realm, alg string) (string, bool) {
		h, _ := HA1(alg, "alice", realm, "pw")
		return h, aor == "sip:alice@example.com"
	}), lifetime: time.Minute, now: time.Now, replay: replayGuard{max: 16}}
	a.dummy = [2]string{algMD5.sum("x"), algSHA256.sum("x")}
	f.Fuzz(func(t *testing.T, v string) {
		p, err := parseDigest(v)
		if err != nil {
			return
		}
		again := "Digest username=" + quote(p.username) + ", realm=" + quote(p.realm) + ", nonce=" + quote(p.nonce) +
			", uri=" + quote(p.uri) + ", response=" + quote(p.response) + ", algorithm=" + quote(p.algorithm) +
			", cnonce=" + quote(p.cnonce) + ", opaque=" + quote(p.opaque) + ", qop=" + quote(p.qop) + ", nc=" + quote(p.nc)
		q, err := parseDigest(again)
		if err != nil {
			t.Fatalf("parseDigest(%q) read %+v, written as %q: %v", v, p, again, err)
		}
		q.stale = p.stale
		if q != p {
			t.Fatalf("parseDigest(%q) = %+v, written again reads %+v", v, p, q)
		}
		verdict := a.verify(&authRequest{method: "INVITE", authz: []string{v}, fromUser: "alice", fromHost: "example.com",
			peer: netip.MustParseAddr("192.0.2.1")}, time.Now())
		if verdict.status == 0 {
			t.Fatalf("forged credentials %q authenticated", v)
		}
	})
}
