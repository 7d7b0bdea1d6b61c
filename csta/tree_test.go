package csta

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sameTree reports the first difference between two parsed documents: the
// elements and text under the document node (the full parser also keeps
// the XML declaration and white space around the root, which decoding
// ignores).
func sameTree(a, b *element) error {
	docKids := func(d *element) []*element {
		var out []*element
		for _, c := range d.Child {
			if c.kind == elementNode || c.kind == textNode && !c.ws {
				out = append(out, c)
			}
		}
		return out
	}
	return sameNodes("", docKids(a), docKids(b))
}

func sameNodes(path string, a, b []*element) error {
	if len(a) != len(b) {
		return fmt.Errorf("%s: %d children against %d", path, len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		p := fmt.Sprintf("%s/%d:%s", path, i, x.Tag)
		switch {
		case x.kind != y.kind:
			return fmt.Errorf("%s: kind %d against %d", p, x.kind, y.kind)
		case x.Space != y.Space || x.Tag != y.Tag:
			return fmt.Errorf("%s: name %s:%s against %s:%s", p, x.Space, x.Tag, y.Space, y.Tag)
		case x.ws != y.ws:
			return fmt.Errorf("%s: white space %v against %v", p, x.ws, y.ws)
		case len(x.Attr) != len(y.Attr):
			return fmt.Errorf("%s: %d attributes against %d", p, len(x.Attr), len(y.Attr))
		}
		for j := range x.Attr {
			if x.Attr[j] != y.Attr[j] {
				return fmt.Errorf("%s: attribute %v against %v", p, x.Attr[j], y.Attr[j])
			}
		}
		for _, c := range x.Child {
			if c.parent != x {
				return fmt.Errorf("%s: child with the wrong parent", p)
			}
		}
		if err := sameNodes(p, x.Child, y.Child); err != nil {
			return err
		}
	}
	return nil
}

// TestParseFastSamples checks that the fast parser takes every sample and
// builds the tree the full parser builds.
func TestParseFastSamples(t *testing.T) {
	for file, data := range samples(t) {
		t.Run(file, func(t *testing.T) {
			data = bytes.TrimPrefix(data, utf8BOM)
			fast, ok := parseFast(data, DefaultMaxDepth)
			if bytes.Contains(data, []byte("<!--")) || bytes.Contains(data, []byte("\r")) {
				assert.False(t, ok, "comments and carriage returns are left to the full parser")
				return
			}
			require.True(t, ok, "the fast parser refused a sample")
			full, err := parseFull(data, DefaultMaxDepth)
			require.NoError(t, err)
			require.NoError(t, sameTree(fast, full))
		})
	}
}

// TestParseFastFallback checks what the fast parser leaves to the full
// parser, and that decoding such documents still works.
func TestParseFastFallback(t *testing.T) {
	const ns = `xmlns="` + NamespaceEd3 + `"`
	for _, doc := range []string{
		`<MakeCall ` + ns + `><!-- c --><callingDevice>1</callingDevice><calledDirectoryNumber>2</calledDirectoryNumber></MakeCall>`,
		`<MakeCall ` + ns + `><callingDevice><![CDATA[1]]></callingDevice><calledDirectoryNumber>2</calledDirectoryNumber></MakeCall>`,
		`<MakeCall ` + ns + `><callingDevice>&#49;</callingDevice><calledDirectoryNumber>2</calledDirectoryNumber></MakeCall>`,
		"<MakeCall " + ns + "><callingDevice>1</callingDevice>\r\n<calledDirectoryNumber>2</calledDirectoryNumber></MakeCall>",
		`<MakeCall ` + ns + `><?pi x?><callingDevice>1</callingDevice><calledDirectoryNumber>2</calledDirectoryNumber></MakeCall>`,
		`<MakeCall ` + ns + `><callingDevice>1</callingDevice><calledDirectoryNumber>2</calledDirectoryNumber><userData><dévice/></userData></MakeCall>`,
		`<?xml version="1.0" encoding="latin1"?><MakeCall/>`,
		`<?xml version="1.1"?><MakeCall/>`,
		`<MakeCall><callingDevice>1</callingdevice></MakeCall>`,
		`<MakeCall a=b/>`,
		`<MakeCall a="1"b="2"/>`,
		`<MakeCall>]]></MakeCall>`,
		`<MakeCall>&xxe;</MakeCall>`,
		`<MakeCall/>junk`,
		`<MakeCall/><MakeCall/>`,
		`<MakeCall>`,
		`<MakeCall a="<"/>`,
		"<MakeCall>\x01</MakeCall>",
		"<MakeCall>\uFFFE</MakeCall>",
		`<a:b:c/>`,
		`<1a/>`,
		` <?xml version="1.0"?><MakeCall/>`,
	} {
		t.Run(doc, func(t *testing.T) {
			_, ok := parseFast([]byte(doc), DefaultMaxDepth)
			assert.False(t, ok)
		})
	}
	// Over the depth limit.
	deep := strings.Repeat("<a>", 4) + strings.Repeat("</a>", 4)
	_, ok := parseFast([]byte(deep), 3)
	assert.False(t, ok)
	_, ok = parseFast([]byte(deep), 4)
	assert.True(t, ok)

	// A comment goes the slow way and decodes as before.
	m, err := Decode([]byte(`<MakeCall xmlns="` + NamespaceEd3 + `"><!-- c --><callingDevice>1</callingDevice><calledDirectoryNumber>&#50;</calledDirectoryNumber></MakeCall>`))
	require.NoError(t, err)
	assert.Equal(t, "2", m.(*MakeCall).CalledDirectoryNumber.ID)
}

// TestParseFastForms checks forms the fast parser takes.
func TestParseFastForms(t *testing.T) {
	for _, doc := range []string{
		`<?xml version="1.0"?><a/>`,
		`<?xml version='1.0' encoding='utf-8' standalone='yes'?>` + "\n<a/>\n",
		`<?xml version="1.0" encoding="US-ASCII"?><a/>`,
		`<a:b xmlns:a="urn:a" c = 'd"' e="&lt;&gt;&amp;&apos;&quot;x"><c-d.e_f>t &amp; u</c-d.e_f> <g/><h  /></a:b >`,
		"<a>\ttab\nnl é ü 😀</a>",
		`<a x="1" x="2"/>`,
	} {
		t.Run(doc, func(t *testing.T) {
			fast, ok := parseFast([]byte(doc), DefaultMaxDepth)
			require.True(t, ok)
			full, err := parseFull([]byte(doc), DefaultMaxDepth)
			require.NoError(t, err)
			require.NoError(t, sameTree(fast, full))
		})
	}
}

// FuzzParseFast holds the fast parser to the full one: whatever it accepts,
// the full parser accepts too, with the same tree.
func FuzzParseFast(f *testing.F) {
	for _, data := range samples(f) {
		f.Add(data)
	}
	f.Add([]byte(`<a:b xmlns:a="urn:a" c='d'><c>t &amp; u</c> <g/></a:b>`))
	f.Add([]byte(`<?xml version="1.0" encoding="UTF-8"?><a x="1"><b>&lt;</b></a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		data = bytes.TrimPrefix(data, utf8BOM)
		if !utf8.Valid(data) || hasDirective(data) || len(data) > DefaultMaxSize {
			return // Decode refuses these before parsing
		}
		fast, ok := parseFast(data, 8)
		if !ok {
			return
		}
		full, err := parseFull(data, 8)
		if err != nil {
			t.Fatalf("the fast parser accepted a document the full parser refuses (%v):\n%q", err, data)
		}
		if err := sameTree(fast, full); err != nil {
			t.Fatalf("trees differ: %v\n%q", err, data)
		}
	})
}
