package csta

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// rawCheckCases are fragments for the fast and the full check of raw XML.
var rawCheckCases = []string{
	`<a/>`, ` <a/> `, `<a></a>`, `<a>text</a>`, `<a b="1" c='2'><d/>x<e>y</e></a>`,
	`<servicesPermitted><callControlServices><clearConnection>true</clearConnection></callControlServices></servicesPermitted>`,
	`<a><b></a></b>`, `<a>`, `<a/><b/>`, `x<a/>`, `<a/>x`, `<a b=1/>`, `<a b="<"/>`, `<a>&amp;</a>`,
	`<a>&bogus;</a>`, `<x:a xmlns:x="u"/>`, `<a><!-- c --></a>`, `<a><![CDATA[x]]></a>`, `<?xml version="1.0"?><a/>`,
	`<!DOCTYPE a><a/>`, `<a b="1"c="2"/>`, `<a b="1" b="2"/>`, `<1a/>`, `<a>é</a>`, `<a>` + "\x01" + `</a>`,
	`</a>`, `<a></b>`, `<a/ >`, `<a b = "1" />`, `<a>>`, `<a>x</a >`, `<a.b-c_d/>`, ``, `   `,
	strings.Repeat("<a>", 70) + strings.Repeat("</a>", 70),
}

func TestFastRawCheckAgreesWithFullCheck(t *testing.T) {
	for _, c := range rawCheckCases {
		checkFastAgainstFull(t, c)
	}
	root, ok := fastCheck(`<a b="1"><c/></a>`, DefaultMaxDepth)
	assert.True(t, ok)
	assert.Equal(t, "a", root)
}

func FuzzFastRawCheck(f *testing.F) {
	for _, c := range rawCheckCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) { checkFastAgainstFull(t, s) })
}

// checkFastAgainstFull requires that whatever the fast check accepts, the
// full check (encoding/xml) accepts with the same root.
func checkFastAgainstFull(t *testing.T, s string) {
	t.Helper()
	root, ok := fastCheck(RawXML(s), DefaultMaxDepth)
	if !ok {
		return
	}
	full, err := slowCheck(RawXML(s), DefaultMaxDepth)
	if err != nil || full != root {
		t.Fatalf("fast check accepted %q as <%s>; full check: <%s> %v", s, root, full, err)
	}
}
