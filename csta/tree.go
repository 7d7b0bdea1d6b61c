package csta

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// The decoder reads messages from a small document tree of its own. Two
// parsers build it:
//
//   - parseFast, a single pass over the bytes for documents in the form
//     CSTA peers send: an optional XML declaration, elements with ASCII
//     names and attributes, text with the five predefined entities. It
//     allocates a handful of blocks per document.
//   - etree (over encoding/xml), for everything else: comments, CDATA
//     sections, processing instructions, character references, carriage
//     returns, non-ASCII names, and every document that is not well-formed,
//     so that errors are found and reported by the full parser.
//
// Both give the same tree for the documents parseFast accepts (a fuzz test
// holds them to it), so the rest of the codec cannot tell which one ran.

// nodeKind says what a node of the tree is.
type nodeKind uint8

const (
	elementNode nodeKind = iota
	textNode
	commentNode
	procInstNode
	directiveNode
)

// element is a node of the document tree: an element (the only kind with
// a name, attributes and children; the document itself is an element with
// no name), or character data, a comment, a processing instruction or a
// directive. The two strings serve every kind, which keeps a node small (a
// tree is built for every message): an element's prefix and local name,
// the content of the other kinds in Tag (with a processing instruction's
// target in Space).
type element struct {
	kind   nodeKind
	ws     bool  // textNode: only white space
	nkids  int32 // parseFast: children counted while parsing
	Space  string
	Tag    string
	Attr   []attr
	Child  []*element // every child node, in document order
	parent *element
}

// Data returns the content of a node that is not an element.
func (e *element) Data() string { return e.Tag }

// attr is an attribute as written: prefix, local name and value.
type attr struct {
	Space, Key, Value string
}

// fullKey returns the attribute's name with its prefix.
func (a attr) fullKey() string {
	if a.Space == "" {
		return a.Key
	}
	return a.Space + ":" + a.Key
}

// fullTag returns the element's name with its prefix.
func (e *element) fullTag() string {
	if e.Space == "" {
		return e.Tag
	}
	return e.Space + ":" + e.Tag
}

// Parent returns the parent node, or nil for the document.
func (e *element) Parent() *element { return e.parent }

// NamespaceURI returns the namespace of the element's name, found from the
// declarations on it and its ancestors ("" when none applies).
func (e *element) NamespaceURI() string {
	v, _ := lookupNamespace(e, e.Space)
	return v
}

// Text returns the character data that follows the element's start tag, up
// to its first child element (comments skipped).
func (e *element) Text() string {
	var text string
	var b strings.Builder
	for _, c := range e.Child {
		switch c.kind {
		case textNode:
			if text == "" {
				text = c.Tag
			} else {
				if b.Len() == 0 {
					b.WriteString(text)
				}
				b.WriteString(c.Tag)
			}
			continue
		case commentNode:
			continue
		}
		break
	}
	if b.Len() > 0 {
		return b.String()
	}
	return text
}

// parseDocument parses data into a document node, with parseFast when it
// can and etree otherwise.
func parseDocument(data []byte, maxDepth int) (*element, error) {
	if doc, ok := parseFast(data, maxDepth); ok {
		return doc, nil
	}
	return parseFull(data, maxDepth)
}

// parseFull parses data with etree.
func parseFull(data []byte, maxDepth int) (*element, error) {
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{
		MaxDepth:      maxDepth,
		CharsetReader: utf8Only,
		// Keep duplicates so that checkAttributes can refuse them; this
		// also spares the parser its de-duplication map.
		PreserveDuplicateAttrs: true,
	}
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, parseError(err, data)
	}
	return fromEtree(&doc.Element, nil), nil
}

// fromEtree copies an etree tree.
func fromEtree(t etree.Token, parent *element) *element {
	var n *element
	switch t := t.(type) {
	case *etree.Element:
		n = &element{kind: elementNode, Space: t.Space, Tag: t.Tag, parent: parent}
		if len(t.Attr) > 0 {
			n.Attr = make([]attr, len(t.Attr))
			for i, a := range t.Attr {
				n.Attr[i] = attr{a.Space, a.Key, a.Value}
			}
		}
		if len(t.Child) > 0 {
			n.Child = make([]*element, 0, len(t.Child))
			for _, c := range t.Child {
				if k := fromEtree(c, n); k != nil {
					n.Child = append(n.Child, k)
				}
			}
		}
	case *etree.CharData:
		n = &element{kind: textNode, Tag: t.Data, ws: t.IsWhitespace(), parent: parent}
	case *etree.Comment:
		n = &element{kind: commentNode, Tag: t.Data, parent: parent}
	case *etree.ProcInst:
		n = &element{kind: procInstNode, Space: t.Target, Tag: t.Inst, parent: parent}
	case *etree.Directive:
		n = &element{kind: directiveNode, Tag: t.Data, parent: parent}
	}
	return n
}

// parseFast parses the documents CSTA peers send in a single pass. It
// reports false, leaving the document to the full parser, for anything it
// does not handle and for anything not well-formed; it never reports an
// error itself. It never accepts a document the full parser refuses, and
// gives the same tree.
func parseFast(data []byte, maxDepth int) (*element, bool) {
	if bytes.IndexByte(data, '\r') >= 0 {
		return nil, false // line-end normalisation: the full parser's job
	}
	// Every element starts at a '<', text nodes lie between a '>' and the
	// next '<', and every attribute has an '=': upper bounds that let the
	// tree live in three blocks that never grow.
	lt := bytes.Count(data, []byte{'<'})
	gaps := max(0, lt-1-bytes.Count(data, []byte("><")))
	p := fastParser{
		s:     string(data),
		nodes: make([]element, 0, lt+gaps+1),
		attrs: make([]attr, 0, bytes.Count(data, []byte{'='})),
	}
	doc := p.node(elementNode, nil)
	if !p.prolog() {
		return nil, false
	}
	top, depth := doc, 0
	for {
		if p.i >= len(p.s) {
			return nil, false // truncated
		}
		if p.s[p.i] != '<' {
			if !p.text(top) {
				return nil, false
			}
			continue
		}
		if p.i+1 >= len(p.s) {
			return nil, false
		}
		switch c := p.s[p.i+1]; {
		case c == '/':
			if !p.endTag(top) {
				return nil, false
			}
			top = top.parent
			depth--
		case isNameStart(c):
			depth++
			if depth > maxDepth {
				return nil, false
			}
			e, empty, ok := p.startTag(top)
			if !ok {
				return nil, false
			}
			if empty {
				depth--
			} else {
				top = e
			}
		default:
			return nil, false // comment, CDATA, processing instruction, directive
		}
		if depth == 0 {
			return p.finish(doc) // the root element is closed
		}
	}
}

// fastParser is the state of parseFast.
type fastParser struct {
	s     string
	i     int
	nodes []element
	attrs []attr
}

// node adds a node to the tree, or returns nil when the preallocated block
// is full.
func (p *fastParser) node(kind nodeKind, parent *element) *element {
	if len(p.nodes) == cap(p.nodes) {
		return nil
	}
	p.nodes = append(p.nodes, element{kind: kind, parent: parent})
	n := &p.nodes[len(p.nodes)-1]
	if parent != nil {
		parent.nkids++
	}
	return n
}

// finish checks that only white space follows the root element and links
// every node to its parent's children.
func (p *fastParser) finish(doc *element) (*element, bool) {
	for ; p.i < len(p.s); p.i++ {
		if !isSpace(p.s[p.i]) {
			return nil, false
		}
	}
	total := 0
	for i := range p.nodes {
		total += int(p.nodes[i].nkids)
	}
	kids := make([]*element, total)
	off := 0
	for i := range p.nodes {
		n := &p.nodes[i]
		if n.nkids > 0 {
			n.Child = kids[off : off : off+int(n.nkids)]
			off += int(n.nkids)
		}
	}
	for i := 1; i < len(p.nodes); i++ {
		n := &p.nodes[i]
		n.parent.Child = append(n.parent.Child, n)
	}
	return doc, true
}

// prolog reads an optional XML declaration and white space before the
// root element.
func (p *fastParser) prolog() bool {
	if strings.HasPrefix(p.s, "<?") {
		if !strings.HasPrefix(p.s, "<?xml") || len(p.s) < 6 || !isSpace(p.s[5]) {
			return false
		}
		end := strings.Index(p.s, "?>")
		if end < 0 || !xmlDecl10(p.s[6:end]) {
			return false
		}
		p.i = end + 2
	}
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
	return p.i+1 < len(p.s) && p.s[p.i] == '<' && isNameStart(p.s[p.i+1])
}

// xmlDecl10 reports whether the content of an XML declaration is one this
// parser accepts as is: version 1.0, an encoding Decode takes, and an
// optional standalone.
func xmlDecl10(decl string) bool {
	seen := 0
	for _, want := range []string{"version", "encoding", "standalone"} {
		decl = strings.TrimLeft(decl, " \t\n")
		name, rest, ok := strings.Cut(decl, "=")
		if !ok || strings.TrimRight(name, " \t\n") != want {
			if want == "version" {
				return false
			}
			continue
		}
		rest = strings.TrimLeft(rest, " \t\n")
		if rest == "" || rest[0] != '"' && rest[0] != '\'' {
			return false
		}
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return false
		}
		v := rest[1 : 1+end]
		switch want {
		case "version":
			if v != "1.0" {
				return false
			}
		case "encoding":
			switch strings.ToLower(v) {
			case "utf-8", "utf8", "us-ascii", "ascii":
			default:
				return false
			}
		case "standalone":
			if v != "yes" && v != "no" {
				return false
			}
		}
		decl = rest[2+end:]
		seen++
	}
	return seen > 0 && strings.TrimLeft(decl, " \t\n") == ""
}

// startTag reads a start tag at p.i and adds its element under parent.
func (p *fastParser) startTag(parent *element) (e *element, empty, ok bool) {
	p.i++ // '<'
	e = p.node(elementNode, parent)
	if e == nil {
		return nil, false, false
	}
	if e.Space, e.Tag, ok = p.name(); !ok {
		return nil, false, false
	}
	first := len(p.attrs)
	for {
		sp := p.space()
		if p.i >= len(p.s) {
			return nil, false, false
		}
		switch p.s[p.i] {
		case '>':
			p.i++
			e.Attr = p.attrs[first:len(p.attrs):len(p.attrs)]
			return e, false, true
		case '/':
			if p.i+1 >= len(p.s) || p.s[p.i+1] != '>' {
				return nil, false, false
			}
			p.i += 2
			e.Attr = p.attrs[first:len(p.attrs):len(p.attrs)]
			return e, true, true
		}
		if !sp || len(p.attrs) == cap(p.attrs) {
			return nil, false, false
		}
		var a attr
		if a.Space, a.Key, ok = p.name(); !ok {
			return nil, false, false
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '=' {
			return nil, false, false
		}
		p.i++
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' && p.s[p.i] != '\'' {
			return nil, false, false
		}
		q := p.s[p.i]
		end := strings.IndexByte(p.s[p.i+1:], q)
		if end < 0 {
			return nil, false, false
		}
		raw := p.s[p.i+1 : p.i+1+end]
		if strings.IndexByte(raw, '<') >= 0 {
			return nil, false, false
		}
		if a.Value, ok = unescape(raw); !ok {
			return nil, false, false
		}
		p.i += end + 2
		p.attrs = append(p.attrs, a)
	}
}

// endTag reads an end tag at p.i, which must close e.
func (p *fastParser) endTag(e *element) bool {
	p.i += 2 // "</"
	space, tag, ok := p.name()
	if !ok || space != e.Space || tag != e.Tag {
		return false
	}
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '>' {
		return false
	}
	p.i++
	return true
}

// text reads character data up to the next '<' and adds it under parent.
func (p *fastParser) text(parent *element) bool {
	end := strings.IndexByte(p.s[p.i:], '<')
	if end < 0 {
		return false // truncated
	}
	raw := p.s[p.i : p.i+end]
	if strings.Contains(raw, "]]>") {
		return false
	}
	v, ok := unescape(raw)
	if !ok {
		return false
	}
	n := p.node(textNode, parent)
	if n == nil {
		return false
	}
	n.Tag, n.ws = v, isWhitespace(v)
	p.i += end
	return true
}

// name reads an XML name of ASCII letters, digits, '_', '-' and '.',
// with at most one ':' between a non-empty prefix and local name.
func (p *fastParser) name() (space, local string, ok bool) {
	start, colon := p.i, -1
scan:
	for ; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		switch {
		case isNameStart(c):
		case c >= '0' && c <= '9' || c == '-' || c == '.':
			if p.i == start || p.i == colon+1 {
				return "", "", false
			}
		case c == ':':
			if colon >= 0 || p.i == start {
				return "", "", false
			}
			colon = p.i
		case c >= utf8.RuneSelf:
			return "", "", false // non-ASCII names: the full parser
		default:
			break scan
		}
	}
	switch {
	case p.i == start || colon == p.i-1:
		return "", "", false
	case colon < 0:
		return "", p.s[start:p.i], true
	}
	return p.s[start:colon], p.s[colon+1 : p.i], true
}

// space skips white space and reports whether there was any.
func (p *fastParser) space() bool {
	start := p.i
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
	return p.i > start
}

// unescape checks character data (or an attribute value) and replaces the
// five predefined entities. It reports false for what it leaves to the
// full parser: other references, and characters XML does not allow.
func unescape(s string) (string, bool) {
	amp := false
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '&':
			amp = true
		case c < 0x20 && c != '\t' && c != '\n':
			return "", false
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError || r == 0xFFFE || r == 0xFFFF {
				return "", false
			}
			i += n
			continue
		}
		i++
	}
	if !amp {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:i])
		s = s[i:]
		var r byte
		switch {
		case strings.HasPrefix(s, "&lt;"):
			r, s = '<', s[4:]
		case strings.HasPrefix(s, "&gt;"):
			r, s = '>', s[4:]
		case strings.HasPrefix(s, "&amp;"):
			r, s = '&', s[5:]
		case strings.HasPrefix(s, "&apos;"):
			r, s = '\'', s[6:]
		case strings.HasPrefix(s, "&quot;"):
			r, s = '"', s[6:]
		default:
			return "", false
		}
		b.WriteByte(r)
	}
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

// isWhitespace reports whether s holds only XML white space, as etree
// decides it.
func isWhitespace(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
