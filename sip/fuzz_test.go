package sip

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	sipmsg "github.com/emiago/sipgo/sip"
)

// FuzzHeaderValues feeds the header parsers of the package, which read
// values straight from the network, with arbitrary input: they never
// panic, numbers stay in range, split values are trimmed and non-empty,
// and a reason phrase made from any text is one printable line (so that
// nothing a peer sends can inject a header into an answer).
func FuzzHeaderValues(f *testing.F) {
	for _, s := range []string{
		"1800;refresher=uac", "90", " 600 ; Refresher = UAS ", "-1", "99999999999", ";refresher=uac",
		`<sip:p1.example.com;lr>, <sip:p2.example.com;lr;ftag=x>`, `"a,b" <sip:x@y>, <sip:z>`,
		"sip:alice@Example.COM;transport=tcp", "tel:+1-201-555-0123", "sips:[::1]:5061",
		"Bad CSTA Body: csta: line 3\r\nVia: evil", "\xff\xfe\x00", strings.Repeat("é", 150),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d, _, ok := sessionExpires(v); ok && (d < 0 || d > math.MaxUint32*time.Second) {
			t.Errorf("sessionExpires(%q) = %v", v, d)
		}
		if d, ok := deltaSeconds(v); ok && (d < 0 || d > math.MaxUint32*time.Second) {
			t.Errorf("deltaSeconds(%q) = %v", v, d)
		}
		r := reasonPhrase(v)
		if !utf8.ValidString(r) || len(r) > 200 {
			t.Errorf("reasonPhrase(%q) = %q", v, r)
		}
		for _, c := range r {
			if c != ' ' && (!unicode.IsPrint(c) || unicode.IsSpace(c)) {
				t.Errorf("reasonPhrase(%q) = %q has %U", v, r, c)
			}
		}
		for _, p := range splitHeaderValues(v) {
			if p == "" || p != strings.TrimSpace(p) {
				t.Errorf("splitHeaderValues(%q) has %q", v, p)
			}
		}
		if u, ok := routeURI(v); ok && u.Host == "" {
			t.Errorf("routeURI(%q) has no host", v)
		}
		var u sipmsg.Uri
		if sipmsg.ParseUri(v, &u) == nil {
			aor := addressOfRecord(&u)
			if !strings.Contains(aor, ":") {
				t.Errorf("addressOfRecord(%q) = %q", v, aor)
			}
		}
	})
}
