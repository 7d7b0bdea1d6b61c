package lineappearance

import (
	"strings"
)

// checkCredentials validates a user's credentials and returns them with
// their hex in lower case; each problem is reported to bad.
func checkCredentials(cs []Credential, bad func(format string, args ...any)) []Credential {
	if len(cs) == 0 {
		return nil
	}
	out := make([]Credential, 0, len(cs))
	seen := make(map[string]bool, len(cs))
	for i, c := range cs {
		switch {
		case c.Realm == "":
			bad("credentials[%d]: empty realm", i)
			continue
		case seen[c.Realm]:
			bad("credentials[%d]: realm %q given twice", i, c.Realm)
			continue
		case c.HA1MD5 == "" && c.HA1SHA256 == "":
			bad("credentials[%d] (realm %q): no ha1_md5 nor ha1_sha256", i, c.Realm)
			continue
		case c.HA1MD5 != "" && !hexDigits(c.HA1MD5, 32):
			bad("credentials[%d] (realm %q): ha1_md5 is not 32 hex digits", i, c.Realm)
			continue
		case c.HA1SHA256 != "" && !hexDigits(c.HA1SHA256, 64):
			bad("credentials[%d] (realm %q): ha1_sha256 is not 64 hex digits", i, c.Realm)
			continue
		}
		seen[c.Realm] = true
		out = append(out, Credential{Realm: c.Realm, HA1MD5: strings.ToLower(c.HA1MD5), HA1SHA256: strings.ToLower(c.HA1SHA256)})
	}
	return out
}

// hexDigits reports whether s is n hex digits.
func hexDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// HA1 returns the stored HA1 of the user with address of record aor (any
// form [NormalizeUser] takes) in realm for algorithm ("MD5" or "SHA-256",
// any case), in lower-case hex; ok is false when the user is unknown or
// has no such credential. It reads the directory as it is now, so a
// Replace (or a reload of the directory file) takes effect at once. Store
// implements the sip package's Credentials interface with it.
func (s *Store) HA1(aor, realm, algorithm string) (ha1 string, ok bool) {
	key, err := NormalizeUser(aor)
	if err != nil {
		return "", false
	}
	snap := s.snapshot()
	u, found := snap.userByAOR[key]
	if !found {
		return "", false
	}
	for _, c := range snap.users[u].creds {
		if c.Realm != realm {
			continue
		}
		switch {
		case strings.EqualFold(algorithm, "MD5"):
			return c.HA1MD5, c.HA1MD5 != ""
		case strings.EqualFold(algorithm, "SHA-256"):
			return c.HA1SHA256, c.HA1SHA256 != ""
		}
		return "", false
	}
	return "", false
}
