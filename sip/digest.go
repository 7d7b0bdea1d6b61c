package sip

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// This file holds the pieces of SIP digest authentication (RFC 3261
// section 22, RFC 7616's algorithms as RFC 8760 brings them to SIP) that
// both the server and the client use: the algorithms, HA1, and the parser
// of Authorization and WWW-Authenticate values.

// Digest algorithms, as named in the algorithm parameter.
const (
	// DigestMD5 is RFC 3261's algorithm, for clients that know no other.
	DigestMD5 = "MD5"
	// DigestSHA256 is RFC 8760's SHA-256, preferred.
	DigestSHA256 = "SHA-256"
)

// Credentials finds the stored credentials of users. The gateway's
// directory implements it (lineappearance.Store.HA1).
type Credentials interface {
	// HA1 returns the HA1 of the user with address of record aor (in the
	// canonical form "sip:user@host") in realm for algorithm (DigestMD5 or
	// DigestSHA256), in lower-case hex: H(username ":" realm ":"
	// password). ok is false when the user has no such credential.
	HA1(aor, realm, algorithm string) (ha1 string, ok bool)
}

// CredentialsFunc adapts a function to [Credentials].
type CredentialsFunc func(aor, realm, algorithm string) (string, bool)

// HA1 implements Credentials.
func (f CredentialsFunc) HA1(aor, realm, algorithm string) (string, bool) {
	return f(aor, realm, algorithm)
}

// HA1 computes the HA1 of a user for digest authentication, in lower-case
// hex: H(username ":" realm ":" password) with algorithm DigestMD5 or
// DigestSHA256 (case does not matter). This is what a directory stores
// instead of the password.
func HA1(algorithm, username, realm, password string) (string, error) {
	a, ok := digestAlgorithm(algorithm)
	if !ok {
		return "", fmt.Errorf("sip: unsupported digest algorithm %q (want MD5 or SHA-256)", algorithm)
	}
	return a.sum(username, ":", realm, ":", password), nil
}

// digestAlg is a digest algorithm.
type digestAlg uint8

const (
	algMD5 digestAlg = iota + 1
	algSHA256
)

// digestAlgorithm maps an algorithm parameter to its algorithm; an empty
// one is MD5 (RFC 3261 section 22.4). The -sess variants are not
// supported.
func digestAlgorithm(s string) (digestAlg, bool) {
	switch {
	case s == "" || strings.EqualFold(s, DigestMD5):
		return algMD5, true
	case strings.EqualFold(s, DigestSHA256):
		return algSHA256, true
	}
	return 0, false
}

// String returns the algorithm's name.
func (a digestAlg) String() string {
	if a == algSHA256 {
		return DigestSHA256
	}
	return DigestMD5
}

// hexLen is the length of the algorithm's digests in hex.
func (a digestAlg) hexLen() int {
	if a == algSHA256 {
		return 64
	}
	return 32
}

// sum returns the hex digest of the concatenated parts.
func (a digestAlg) sum(parts ...string) string {
	var h hash.Hash
	if a == algSHA256 {
		h = sha256.New()
	} else {
		h = md5.New()
	}
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// response computes the request-digest of qop=auth (RFC 2617 section
// 3.2.2.1): H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(method ":"
// uri)).
func (a digestAlg) response(ha1, method, uri, nonce, nc, cnonce string) string {
	ha2 := a.sum(method, ":", uri)
	return a.sum(ha1, ":", nonce, ":", nc, ":", cnonce, ":auth:", ha2)
}

// digestParams are the parameters of a Digest Authorization or
// WWW-Authenticate value.
type digestParams struct {
	username, realm, nonce, uri, response string
	algorithm, cnonce, opaque, qop, nc    string
	stale                                 bool
}

// maxDigestValue bounds the Authorization value the parser reads.
const maxDigestValue = 4096

// errNotDigest is the error of a credentials value that is not Digest.
var errNotDigest = errors.New("not Digest credentials")

// parseDigest reads a Digest credentials or challenge value: "Digest"
// then comma-separated name=value pairs, values tokens or quoted strings
// (RFC 3261 section 25.1). Unknown parameters are skipped; a parameter
// given twice is an error.
func parseDigest(v string) (digestParams, error) {
	var p digestParams
	if len(v) > maxDigestValue {
		return p, errors.New("credentials too long")
	}
	v = strings.TrimLeft(v, lws)
	if len(v) < 6 || !strings.EqualFold(v[:6], "digest") || (len(v) > 6 && !isLWS(v[6])) {
		return p, errNotDigest
	}
	rest := v[6:]
	seen := map[string]bool{}
	for {
		rest = strings.TrimLeft(rest, lws)
		if rest == "" {
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return p, errors.New("parameter without a value")
		}
		name := strings.ToLower(strings.TrimRight(rest[:eq], lws))
		for i := 0; i < len(name); i++ {
			if !isToken(name[i]) {
				return p, fmt.Errorf("bad parameter name %q", name)
			}
		}
		rest = strings.TrimLeft(rest[eq+1:], lws)
		var val string
		if strings.HasPrefix(rest, `"`) {
			i, escaped := 1, false
			for ; i < len(rest); i++ {
				c := rest[i]
				if c == '\\' && i+1 < len(rest) {
					i++
					escaped = true
					continue
				}
				if c == '"' {
					break
				}
			}
			if i >= len(rest) {
				return p, errors.New("unterminated quoted string")
			}
			val = rest[1:i]
			if escaped {
				val = unquotePairs(val)
			}
			rest = rest[i+1:]
		} else {
			end := strings.IndexAny(rest, ", \t\r\n")
			if end < 0 {
				end = len(rest)
			}
			val = rest[:end]
			rest = rest[end:]
			if val == "" {
				return p, fmt.Errorf("empty value of %s", name)
			}
		}
		rest = strings.TrimLeft(rest, lws)
		if rest != "" {
			if rest[0] != ',' {
				return p, fmt.Errorf("missing comma after %s", name)
			}
			rest = rest[1:]
		}
		if seen[name] {
			return p, fmt.Errorf("parameter %s given twice", name)
		}
		seen[name] = true
		switch name {
		case "username":
			p.username = val
		case "realm":
			p.realm = val
		case "nonce":
			p.nonce = val
		case "uri":
			p.uri = val
		case "response":
			p.response = val
		case "algorithm":
			p.algorithm = val
		case "cnonce":
			p.cnonce = val
		case "opaque":
			p.opaque = val
		case "qop":
			p.qop = val
		case "nc":
			p.nc = val
		case "stale":
			p.stale = strings.EqualFold(val, "true")
		}
	}
	return p, nil
}

// unquotePairs returns the text of a quoted string's contents (between
// the quotes) with each quoted-pair replaced by the character it escapes.
func unquotePairs(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// parseNC reads a nonce-count: exactly 8 hex digits.
func parseNC(s string) (uint32, bool) {
	if len(s) != 8 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 16, 32)
	return uint32(n), err == nil
}

// quote writes s as a quoted string.
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// qopHasAuth reports whether a challenge's qop list offers "auth".
func qopHasAuth(qop string) bool {
	for _, q := range strings.Split(qop, ",") {
		if strings.EqualFold(strings.TrimSpace(q), "auth") {
			return true
		}
	}
	return false
}
