package csta

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// RawXML is a self-contained XML fragment: one element with the namespace
// declarations it needs. Decode uses it for content this package does not
// model (vendor private data, unknown messages) so that nothing is lost; Encode
// writes it back as it is, after checking it is well-formed.
type RawXML string

// check reports whether r is one well-formed element.
func (r RawXML) check() error {
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{MaxDepth: DefaultMaxDepth, CharsetReader: utf8Only}
	if err := doc.ReadFromString(string(r)); err != nil {
		return errors.New("raw XML is not well-formed")
	}
	if _, err := documentRoot(&doc.Element); err != nil {
		return errors.New("raw XML is not a single element")
	}
	return nil
}

// element is an etree element with the reading helpers the message decoders
// use. It is a defined type over etree.Element so that no etree type shows in
// the package's API.
type element etree.Element

func (e *element) et() *etree.Element { return (*etree.Element)(e) }

// name returns the element's local name.
func (e *element) name() string { return e.Tag }

// path returns the element's path from the message root, for errors.
func (e *element) path() string {
	var parts []string
	for p := e.et(); p != nil && p.Tag != ""; p = p.Parent() {
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
	for _, t := range e.Child {
		if c, ok := t.(*etree.Element); ok && c.Tag == name {
			return (*element)(c)
		}
	}
	return nil
}

// has reports whether a child element with the given local name exists.
func (e *element) has(name string) bool { return e.child(name) != nil }

// children calls fn for every child element, in document order, and stops
// at the first error.
func (e *element) children(fn func(c *element) error) error {
	for _, t := range e.Child {
		if c, ok := t.(*etree.Element); ok {
			if err := fn((*element)(c)); err != nil {
				return err
			}
		}
	}
	return nil
}

// first returns the first child element, or nil.
func (e *element) first() *element {
	for _, t := range e.Child {
		if c, ok := t.(*etree.Element); ok {
			return (*element)(c)
		}
	}
	return nil
}

// text returns the element's character data with surrounding white space
// removed.
func (e *element) text() string {
	if len(e.Child) == 1 {
		if cd, ok := e.Child[0].(*etree.CharData); ok {
			return strings.TrimSpace(cd.Data)
		}
	}
	return strings.TrimSpace(e.et().Text())
}

// childText returns the text of the named child, or "" when it is absent.
func (e *element) childText(name string) string {
	if c := e.child(name); c != nil {
		return c.text()
	}
	return ""
}

// reqText returns the text of a required child.
func (e *element) reqText(name string) (string, error) {
	c := e.child(name)
	if c == nil {
		return "", e.missing(name)
	}
	return c.text(), nil
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

// rawXML serializes the element as a self-contained fragment, declaring on
// it every namespace prefix it inherits from its ancestors.
func (e *element) rawXML() (RawXML, error) {
	cp := e.et().Copy()
	declared := map[string]bool{}
	for _, a := range cp.Attr {
		if a.Space == "xmlns" {
			declared[a.Key] = true
		} else if a.Space == "" && a.Key == "xmlns" {
			declared[""] = true
		}
	}
	for p := e.et().Parent(); p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			switch {
			case a.Space == "xmlns" && !declared[a.Key]:
				declared[a.Key] = true
				cp.CreateAttr("xmlns:"+a.Key, a.Value)
			case a.Space == "" && a.Key == "xmlns" && !declared[""]:
				declared[""] = true
				cp.CreateAttr("xmlns", a.Value)
			}
		}
	}
	doc := etree.NewDocumentWithRoot(cp)
	s, err := doc.WriteToString()
	if err != nil {
		return "", e.errorf("cannot serialize: " + err.Error())
	}
	return RawXML(s), nil
}

// writer builds an encoded document. Methods record the first error and keep
// going, so encoders need not check after every call.
type writer struct {
	b    []byte
	err  error
	path []string
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

// flag writes an empty element when v is true.
func (w *writer) flag(name string, v bool) {
	if v {
		w.empty(name)
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
	if err := r.check(); err != nil {
		w.fail("", err.Error())
		return
	}
	w.b = append(w.b, stripDecl(r)...)
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

// optRaw returns the named child as a RawXML fragment, or "" when absent.
func (e *element) optRaw(name string) (RawXML, error) {
	c := e.child(name)
	if c == nil {
		return "", nil
	}
	return c.rawXML()
}

// optRaw writes a RawXML fragment when it is not empty.
func (w *writer) optRaw(r RawXML) {
	if r != "" {
		w.raw(r)
	}
}
