package csta

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RawXML is a self-contained XML fragment: one element with the namespace
// declarations it needs. Decode uses it for content this package does not
// model (vendor private data, large optional structures, unknown messages) so
// that nothing is lost; Encode writes it back as it is, after checking that
// it is one well-formed element.
type RawXML string

// check reports whether r is one well-formed element nested no deeper than
// maxDepth or DefaultMaxDepth, whichever is larger, and returns its local
// name. An encoding Codec passes its MaxDepth, so that whatever it decoded
// it can write back.
func (r RawXML) check(maxDepth int) (string, error) {
	maxDepth = max(maxDepth, DefaultMaxDepth)
	if root, ok := fastCheck(r, maxDepth); ok {
		return root, nil
	}
	return slowCheck(r, maxDepth)
}

// slowCheck is check with encoding/xml, for every fragment fastCheck is
// not sure of.
func slowCheck(r RawXML, maxDepth int) (string, error) {
	d := xml.NewDecoder(strings.NewReader(string(r)))
	d.Strict = true
	depth := 0
	root := ""
	for {
		t, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", errors.New("raw XML is not well-formed")
		}
		switch t := t.(type) {
		case xml.StartElement:
			if depth == 0 {
				if root != "" {
					return "", errors.New("raw XML is more than one element")
				}
				root = t.Name.Local
			}
			depth++
			if depth > maxDepth {
				return "", errors.New("raw XML is nested too deeply")
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) != 0 {
				return "", errors.New("raw XML has text outside its element")
			}
		case xml.Directive:
			return "", errors.New("raw XML has a directive")
		}
	}
	if root == "" {
		return "", errors.New("raw XML is not an element")
	}
	return root, nil
}

// name returns the element's local name.
func (e *element) name() string { return e.Tag }

// path returns the element's path from the message root, for errors.
func (e *element) path() string {
	var parts []string
	for p := e; p != nil && p.Tag != ""; p = p.Parent() {
		if p.Tag == "Body" || p.Tag == "Envelope" {
			if p.Parent() != nil && (p.Parent().Tag == "Envelope" || p.Parent().Tag == "") {
				break
			}
		}
		parts = append(parts, p.Tag)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}

// errorf returns a *DecodeError for this element.
func (e *element) errorf(msg string) error { return &DecodeError{Path: e.path(), Msg: msg} }

// missing returns a *DecodeError for a required child that is absent.
func (e *element) missing(child string) error {
	return &DecodeError{Path: e.path(), Msg: "missing " + child}
}

// child returns the first child element with the given local name, or nil.
func (e *element) child(name string) *element {
	for _, c := range e.Child {
		if c.kind == elementNode && c.Tag == name {
			return c
		}
	}
	return nil
}

// has reports whether a child element with the given local name exists.
func (e *element) has(name string) bool { return e.child(name) != nil }

// children calls fn for every child element, in document order, and stops
// at the first error.
func (e *element) children(fn func(c *element) error) error {
	for _, c := range e.Child {
		if c.kind == elementNode {
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// first returns the first child element, or nil.
func (e *element) first() *element {
	for _, c := range e.Child {
		if c.kind == elementNode {
			return c
		}
	}
	return nil
}

// text returns the element's character data with surrounding white space
// removed.
func (e *element) text() string {
	if len(e.Child) == 1 && e.Child[0].kind == textNode {
		return strings.TrimSpace(e.Child[0].Data())
	}
	return strings.TrimSpace(e.Text())
}

// childText returns the text of the named child, or "" when it is absent.
func (e *element) childText(name string) string {
	if c := e.child(name); c != nil {
		return c.text()
	}
	return ""
}

// attr returns the value of the attribute with the given local name.
func (e *element) attr(name string) string {
	for _, a := range e.Attr {
		if a.Key == name && a.Space != "xmlns" {
			return a.Value
		}
	}
	return ""
}

// boolean parses an xsd:boolean.
func (e *element) boolean() (bool, error) {
	switch e.text() {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, e.errorf("not a boolean: " + strconv.Quote(e.text()))
}

// optBool returns a pointer to the boolean value of the named child, or nil
// when it is absent.
func (e *element) optBool(name string) (*bool, error) {
	c := e.child(name)
	if c == nil {
		return nil, nil
	}
	v, err := c.boolean()
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// optInt returns a pointer to the integer value of the named child, or nil
// when it is absent.
func (e *element) optInt(name string) (*int, error) {
	c := e.child(name)
	if c == nil {
		return nil, nil
	}
	v, err := strconv.Atoi(c.text())
	if err != nil {
		return nil, c.errorf("not an integer: " + strconv.Quote(c.text()))
	}
	return &v, nil
}

// rawXML serializes the element as a self-contained fragment. It declares
// on the element the namespace prefixes used inside it that an ancestor
// declares, and the default namespace it inherits when that differs from the
// message's own namespace (so a fragment in the message's namespace takes the
// namespace of whatever document it is written into).
func (e *element) rawXML() (RawXML, error) {
	b := make([]byte, 0, 256)
	b = appendElement(b, e, e.inheritedNamespaces())
	return RawXML(b), nil
}

// innerXML serializes the content of the element: child elements as raw
// XML, text escaped, comments dropped; surrounding white space is trimmed.
func (e *element) innerXML() string {
	var b []byte
	for _, c := range e.Child {
		switch c.kind {
		case elementNode:
			b = appendElement(b, c, c.inheritedNamespaces())
		case textNode:
			b = appendEscaped(b, c.Data(), false)
		}
	}
	return strings.TrimSpace(string(b))
}

// asElement returns t and whether it is an element.
func asElement(t *element) (*element, bool) { return t, t.kind == elementNode }

// messageRoot returns the message's root element: the document element, or
// the element inside a SOAP Body.
func (e *element) messageRoot() *element {
	p := e
	for {
		up := p.Parent()
		if up == nil || up.Tag == "" {
			return p
		}
		if up.Tag == "Body" && isSOAP(up.NamespaceURI()) {
			return p
		}
		p = up
	}
}

// inheritedNamespaces returns the namespace declarations (as attributes) that
// a raw copy of e needs because they are made on its ancestors.
func (e *element) inheritedNamespaces() []attr {
	own := map[string]bool{}
	for _, a := range e.Attr {
		switch {
		case a.Space == "xmlns":
			own[a.Key] = true
		case a.Space == "" && a.Key == "xmlns":
			own[""] = true
		}
	}
	used := map[string]bool{}
	collectPrefixes(e, used)
	var out []attr
	for p := range used {
		if own[p] || p == "" {
			continue
		}
		if v, ok := lookupNamespace(e.Parent(), p); ok {
			out = append(out, attr{Space: "xmlns", Key: p, Value: v})
		}
	}
	if !own[""] {
		if v, ok := lookupNamespace(e.Parent(), ""); ok {
			root := e.messageRoot()
			if root == e || v != root.NamespaceURI() {
				out = append(out, attr{Key: "xmlns", Value: v})
			}
		}
	}
	if len(out) > 1 {
		sortAttrs(out)
	}
	return out
}

// collectPrefixes records the namespace prefixes elements and attributes use
// in the subtree of e.
func collectPrefixes(e *element, used map[string]bool) {
	if e.Space != "" && e.Space != "xml" {
		used[e.Space] = true
	}
	for _, a := range e.Attr {
		if a.Space != "" && a.Space != "xmlns" && a.Space != "xml" {
			used[a.Space] = true
		}
	}
	for _, c := range e.Child {
		if c.kind == elementNode {
			collectPrefixes(c, used)
		}
	}
}

// lookupNamespace finds the declaration of prefix ("" for the default
// namespace) on e or its ancestors.
func lookupNamespace(e *element, prefix string) (string, bool) {
	for ; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if prefix == "" && a.Space == "" && a.Key == "xmlns" {
				return a.Value, true
			}
			if prefix != "" && a.Space == "xmlns" && a.Key == prefix {
				return a.Value, true
			}
		}
	}
	return "", false
}

func sortAttrs(a []attr) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && attrKey(a[j]) < attrKey(a[j-1]); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func attrKey(a attr) string { return a.Space + ":" + a.Key }

// appendElement serializes e and its content, adding the extra attributes
// to its start tag. Text is escaped so that parsing the result gives the same
// text back (carriage returns included); directives are dropped.
func appendElement(b []byte, e *element, extra []attr) []byte {
	b = append(b, '<')
	b = appendQName(b, e.Space, e.Tag)
	for _, a := range e.Attr {
		b = appendAttr(b, a)
	}
	for _, a := range extra {
		b = appendAttr(b, a)
	}
	if len(e.Child) == 0 {
		return append(b, "/>"...)
	}
	b = append(b, '>')
	for _, t := range e.Child {
		switch t.kind {
		case elementNode:
			b = appendElement(b, t, nil)
		case textNode:
			b = appendEscaped(b, t.Data(), false)
		case commentNode:
			b = append(b, "<!--"...)
			b = append(b, t.Data()...)
			b = append(b, "-->"...)
		case procInstNode:
			b = append(b, "<?"...)
			b = append(b, t.Space...)
			if t.Data() != "" {
				b = append(b, ' ')
				b = append(b, t.Data()...)
			}
			b = append(b, "?>"...)
		}
	}
	b = append(b, "</"...)
	b = appendQName(b, e.Space, e.Tag)
	return append(b, '>')
}

func appendQName(b []byte, space, local string) []byte {
	if space != "" {
		b = append(b, space...)
		b = append(b, ':')
	}
	return append(b, local...)
}

func appendAttr(b []byte, a attr) []byte {
	b = append(b, ' ')
	b = appendQName(b, a.Space, a.Key)
	b = append(b, `="`...)
	b = appendEscaped(b, a.Value, true)
	return append(b, '"')
}

// appendEscaped appends s escaped for text or an attribute value, the way
// the writer escapes: carriage returns too, so that parsing the result gives
// s back. s comes from the parser, so it holds only characters XML allows.
func appendEscaped(b []byte, s string, inAttr bool) []byte {
	w := writer{b: b}
	w.escape(s, inAttr)
	return w.b
}

// writer builds an encoded document. Methods record the first error and keep
// going, so encoders need not check after every call.
type writer struct {
	b        []byte
	err      error
	maxDepth int      // the Codec's MaxDepth, for checking raw XML fragments
	path     []string // for errors: the elements open
	pathBuf  [8]string
}

func (w *writer) fail(name, msg string) {
	if w.err == nil {
		p := strings.Join(w.path, "/")
		if name != "" {
			p += "/" + name
		}
		w.err = &EncodeError{Path: p, Msg: msg}
	}
}

// open writes a start tag.
func (w *writer) open(name string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
	w.path = append(w.path, name)
}

// close writes an end tag.
func (w *writer) close(name string) {
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
	if len(w.path) > 0 {
		w.path = w.path[:len(w.path)-1]
	}
}

// empty writes an empty element.
func (w *writer) empty(name string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, "/>"...)
}

// text writes an element with character data, even when v is empty.
func (w *writer) text(name, v string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
	w.escape(v, false)
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// opt writes an element with character data when v is not empty.
func (w *writer) opt(name, v string) {
	if v != "" {
		w.text(name, v)
	}
}

// req writes an element with character data, failing when v is empty.
func (w *writer) req(name, v string) {
	if v == "" {
		w.fail(name, "required value is empty")
	}
	w.text(name, v)
}

// boolean writes an xsd:boolean element.
func (w *writer) boolean(name string, v bool) {
	if v {
		w.text(name, "true")
	} else {
		w.text(name, "false")
	}
}

// optBool writes an xsd:boolean element when v is not nil.
func (w *writer) optBool(name string, v *bool) {
	if v != nil {
		w.boolean(name, *v)
	}
}

// optInt writes an integer element when v is not nil.
func (w *writer) optInt(name string, v *int) {
	if v != nil {
		w.text(name, strconv.Itoa(*v))
	}
}

// attr writes one attribute inside a start tag being built by the caller.
func (w *writer) attr(name, v string) {
	if v == "" {
		return
	}
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, `="`...)
	w.escape(v, true)
	w.b = append(w.b, '"')
}

// raw writes a RawXML fragment after checking it.
func (w *writer) raw(r RawXML) {
	s := stripDecl(r)
	if _, err := RawXML(s).check(w.maxDepth); err != nil {
		w.fail("", err.Error())
		return
	}
	w.b = append(w.b, s...)
}

// rawNamed writes a RawXML fragment that must be an element with the given
// local name.
func (w *writer) rawNamed(name string, r RawXML) {
	s := stripDecl(r)
	got, err := RawXML(s).check(w.maxDepth)
	switch {
	case err != nil:
		w.fail(name, err.Error())
		return
	case got != name:
		w.fail(name, "raw XML is a <"+got+"> element")
		return
	}
	w.b = append(w.b, s...)
}

// escape appends s with XML escaping; inAttr also escapes quotes. Characters
// XML cannot carry make the encoding fail.
func (w *writer) escape(s string, inAttr bool) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch c {
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '"':
				if inAttr {
					esc = "&quot;"
				}
			case '\r':
				esc = "&#xD;"
			case '\n':
				if inAttr {
					esc = "&#xA;"
				}
			case '\t':
				if inAttr {
					esc = "&#x9;"
				}
			default:
				if c < 0x20 {
					w.fail("", "control character in text")
					esc = ""
					w.b = append(w.b, s[last:i]...)
					last = i + 1
				}
			}
			if esc != "" {
				w.b = append(w.b, s[last:i]...)
				w.b = append(w.b, esc...)
				last = i + 1
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || r == 0xFFFE || r == 0xFFFF {
			w.fail("", "invalid UTF-8 in text")
			w.b = append(w.b, s[last:i]...)
			last = i + n
		}
		i += n
	}
	w.b = append(w.b, s[last:]...)
}
