package csta

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// Limits that Decode applies when a Codec leaves them unset.
const (
	// DefaultMaxSize is the largest document Decode accepts, in bytes: the
	// largest frame CSTA over TCP can carry.
	DefaultMaxSize = 64 << 10
	// DefaultMaxDepth is the deepest element nesting Decode accepts,
	// counting the root element as depth 1.
	DefaultMaxDepth = 32
)

// Errors Decode returns for documents it refuses before looking at the
// message. They are wrapped with detail; compare with errors.Is.
var (
	// ErrEmpty reports an empty document.
	ErrEmpty = errors.New("csta: empty document")
	// ErrTooLarge reports a document over the size limit.
	ErrTooLarge = errors.New("csta: document too large")
	// ErrTooDeep reports elements nested deeper than the depth limit.
	ErrTooDeep = errors.New("csta: document nested too deeply")
	// ErrInvalidUTF8 reports bytes that are not UTF-8, or a declared
	// encoding other than UTF-8.
	ErrInvalidUTF8 = errors.New("csta: document is not valid UTF-8")
	// ErrDTD reports a document type declaration. DTDs, and so entity
	// definitions and entity expansion, are never accepted.
	ErrDTD = errors.New("csta: document type declarations are not allowed")
	// ErrTruncated reports a document that ends before its root element is
	// closed.
	ErrTruncated = errors.New("csta: document is truncated")
	// ErrMalformed reports XML that is not well-formed.
	ErrMalformed = errors.New("csta: malformed XML")
	// ErrNamespace reports a root element in a namespace that is neither an
	// ECMA-323 edition nor ECMA-354.
	ErrNamespace = errors.New("csta: unsupported namespace")
)

// DecodeError reports a well-formed document that is not a valid message:
// a missing required element, or a value of the wrong form. Path names the
// element, starting at the message's root, for example
// "MakeCall/callingDevice".
type DecodeError struct {
	Path string
	Msg  string
}

// Error returns "csta: path: message".
func (e *DecodeError) Error() string { return "csta: " + e.Path + ": " + e.Msg }

// EncodeError reports a message that cannot be encoded: a required field is
// empty, or a value cannot be written as XML.
type EncodeError struct {
	Path string
	Msg  string
}

// Error returns "csta: encode path: message".
func (e *EncodeError) Error() string { return "csta: encode " + e.Path + ": " + e.Msg }

// Codec decodes and encodes CSTA XML documents with configurable limits. The
// zero value is ready to use with the default limits. A Codec is safe for
// concurrent use; Decode and Encode use a zero Codec.
type Codec struct {
	// MaxSize is the largest document Decode accepts, in bytes.
	// Default: DefaultMaxSize.
	MaxSize int
	// MaxDepth is the deepest element nesting Decode accepts. Encode
	// accepts raw XML fragments nested as deep as this or DefaultMaxDepth,
	// whichever is larger. Default: DefaultMaxDepth.
	MaxDepth int
	// Namespace is the namespace Encode writes for a CSTA message whose
	// Header names none (and does not ask for NoNamespace), for example
	// the protocol version a CTI server granted. The ECMA-354 session
	// messages keep NamespaceACSE. Default: DefaultNamespace.
	Namespace string
}

var defaultCodec Codec

// Decode decodes a CSTA XML document with the default limits. See
// [Codec.Decode].
func Decode(data []byte) (Message, error) { return defaultCodec.Decode(data) }

// Encode encodes a message with the default settings. See [Codec.Encode].
func Encode(m Message) ([]byte, error) { return defaultCodec.Encode(m) }

// Decode decodes one CSTA XML document. It dispatches on the root element's
// local name, in any accepted namespace (none, ECMA-323 ed2 to ed6, ECMA-354),
// with or without a prefix, bare or wrapped in a SOAP envelope, and records
// what it saw in the message's Header. A root it does not know decodes to
// *Unknown. Documents over the size or depth limit, with a DTD, not UTF-8,
// truncated or malformed are refused with an error wrapping one of the Err
// values; a bad message body gives a *DecodeError. Decode never panics.
func (c *Codec) Decode(data []byte) (Message, error) {
	maxSize := c.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	maxDepth := c.MaxDepth
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return nil, ErrEmpty
	case len(data) > maxSize:
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), maxSize)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: invalid byte at offset %d", ErrInvalidUTF8, invalidUTF8Offset(data))
	}
	if hasDirective(data) {
		return nil, ErrDTD
	}
	doc, err := parseDocument(data, maxDepth)
	if err != nil {
		return nil, err
	}
	root, err := documentRoot(doc)
	if err != nil {
		return nil, err
	}
	if err := checkAttributes(root); err != nil {
		return nil, err
	}
	var hdr Header
	if root.Tag == "Envelope" && isSOAP(root.NamespaceURI()) {
		if root, err = soapBody(root); err != nil {
			return nil, err
		}
		hdr.SOAP = true
	}
	hdr.Namespace = ownNamespace(root.NamespaceURI())
	hdr.NoNamespace = hdr.Namespace == ""
	if !acceptableNamespace(hdr.Namespace) {
		return nil, fmt.Errorf("%w: %q", ErrNamespace, hdr.Namespace)
	}
	m := newMessage(root.Tag)
	if err := decodeMessage(m, root); err != nil {
		return nil, err
	}
	*m.MessageHeader() = hdr
	return m, nil
}

// Encode encodes m as a UTF-8 XML document with an XML declaration, its
// elements in schema order and no insignificant white space, so the same
// message always gives the same bytes. The root element carries the
// namespace m's Header names; a SOAP Header wraps it in a SOAP 1.1 envelope.
// Encode refuses a message whose required fields are empty with an
// *EncodeError.
func (c *Codec) Encode(m Message) ([]byte, error) {
	if m == nil {
		return nil, errors.New("csta: encode nil message")
	}
	w := &writer{b: make([]byte, 0, 512), maxDepth: c.MaxDepth}
	w.path = w.pathBuf[:0]
	w.b = append(w.b, xmlDecl...)
	h := m.MessageHeader()
	if h.SOAP {
		w.b = append(w.b, `<SOAP-ENV:Envelope xmlns:SOAP-ENV="`+NamespaceSOAP11+`"><SOAP-ENV:Body>`...)
	}
	name := m.MessageName()
	w.path = append(w.path, name)
	if u, ok := m.(*Unknown); ok {
		raw := stripDecl(u.Raw)
		if _, err := RawXML(raw).check(c.MaxDepth); err != nil {
			return nil, &EncodeError{Path: name, Msg: err.Error()}
		}
		w.b = append(w.b, raw...)
	} else {
		ns := h.Namespace
		if ns == "" && !h.NoNamespace {
			ns = DefaultNamespace
			if c.Namespace != "" {
				ns = c.Namespace
			}
			if d, ok := m.(interface{ defaultNamespace() string }); ok {
				ns = d.defaultNamespace()
			}
		}
		w.b = append(w.b, '<')
		w.b = append(w.b, name...)
		if ns != "" {
			w.b = append(w.b, ` xmlns="`...)
			w.escape(ns, true)
			w.b = append(w.b, '"')
		}
		w.b = append(w.b, '>')
		encodeMessage(m, w)
		w.b = append(w.b, "</"...)
		w.b = append(w.b, name...)
		w.b = append(w.b, '>')
	}
	if h.SOAP {
		w.b = append(w.b, `</SOAP-ENV:Body></SOAP-ENV:Envelope>`...)
	}
	if w.err != nil {
		return nil, w.err
	}
	return w.b, nil
}

const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>`

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func invalidUTF8Offset(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// errCharset is what utf8Only reports; encoding/xml wraps it without %w, so
// parseError recognises it by its text.
const errCharset = "declared encoding is not UTF-8"

func utf8Only(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	}
	return nil, errors.New(errCharset)
}

// hasDirective reports whether data holds a markup declaration such as
// <!DOCTYPE, <!ENTITY or <!ELEMENT: "<!" followed by a letter. Comments,
// CDATA sections and processing instructions are skipped, since their
// content is text that may say "<!DOCTYPE" without declaring anything; one
// left open ends the scan, and the parser reports the document truncated.
func hasDirective(data []byte) bool {
	if !bytes.Contains(data, []byte("<!")) {
		return false // the usual case: no comment, CDATA or declaration at all
	}
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			return false
		}
		i += j
		rest := data[i:]
		var end []byte
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end, i = []byte("-->"), i+4
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end, i = []byte("]]>"), i+9
		case bytes.HasPrefix(rest, []byte("<?")):
			end, i = []byte("?>"), i+2
		case len(rest) > 2 && rest[1] == '!':
			if c := rest[2] | 0x20; c >= 'a' && c <= 'z' {
				return true
			}
			i += 2
			continue
		default:
			i++
			continue
		}
		k := bytes.Index(data[i:], end)
		if k < 0 {
			return false
		}
		i += k + len(end)
	}
}

// parseError maps an error from the XML parser to one of the Err values,
// with detail.
func parseError(err error, data []byte) error {
	var se *xml.SyntaxError
	switch {
	case errors.Is(err, etree.ErrMaxDepth):
		return ErrTooDeep
	case strings.Contains(err.Error(), errCharset):
		charset := "?"
		if _, rest, ok := strings.Cut(err.Error(), `"`); ok {
			charset, _, _ = strings.Cut(rest, `"`)
		}
		return fmt.Errorf("%w: declared encoding %q", ErrInvalidUTF8, charset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, etree.ErrXML):
		// The tree builder does not say what is wrong; a strict
		// tokenizer does.
		return diagnose(data)
	case errors.As(err, &se):
		return syntaxError(se)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}

func syntaxError(se *xml.SyntaxError) error {
	switch {
	case strings.Contains(se.Msg, "unexpected EOF"):
		return fmt.Errorf("%w: line %d", ErrTruncated, se.Line)
	case strings.Contains(se.Msg, "UTF-8"):
		return fmt.Errorf("%w: line %d", ErrInvalidUTF8, se.Line)
	}
	return fmt.Errorf("%w: line %d: %s", ErrMalformed, se.Line, se.Msg)
}

// diagnose tokenizes a document the tree builder refused, to tell a
// truncated document from mismatched or stray end tags.
func diagnose(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = utf8Only
	for {
		_, err := d.Token()
		var se *xml.SyntaxError
		switch {
		case err == nil:
			continue
		case errors.As(err, &se):
			return syntaxError(se)
		case err == io.EOF:
			return ErrTruncated
		default:
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
	}
}

// checkAttributes refuses an element that repeats an attribute, anywhere in
// the tree under e.
func checkAttributes(e *element) error {
	if len(e.Attr) > 8 {
		seen := make(map[attr]bool, len(e.Attr))
		for _, a := range e.Attr {
			k := attr{Space: a.Space, Key: a.Key}
			if seen[k] {
				return fmt.Errorf("%w: attribute %s repeated on <%s>", ErrMalformed, a.fullKey(), e.fullTag())
			}
			seen[k] = true
		}
	} else {
		for i := 1; i < len(e.Attr); i++ {
			for j := 0; j < i; j++ {
				if e.Attr[i].Space == e.Attr[j].Space && e.Attr[i].Key == e.Attr[j].Key {
					return fmt.Errorf("%w: attribute %s repeated on <%s>", ErrMalformed, e.Attr[i].fullKey(), e.fullTag())
				}
			}
		}
	}
	for _, c := range e.Child {
		if c.kind == elementNode {
			if err := checkAttributes(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// documentRoot returns the single root element of a parsed document, refusing
// directives, stray text and more than one root.
func documentRoot(doc *element) (*element, error) {
	var root *element
	for _, t := range doc.Child {
		switch t.kind {
		case elementNode:
			if root != nil {
				return nil, fmt.Errorf("%w: more than one root element", ErrMalformed)
			}
			root = t
		case directiveNode:
			return nil, ErrDTD
		case textNode:
			if !t.ws {
				return nil, fmt.Errorf("%w: text outside the root element", ErrMalformed)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no root element", ErrTruncated)
	}
	return root, nil
}

func isSOAP(ns string) bool { return ns == NamespaceSOAP11 || ns == NamespaceSOAP12 }

// soapBody returns the message element inside a SOAP envelope.
func soapBody(env *element) (*element, error) {
	for _, c := range env.Child {
		if c.kind != elementNode || c.Tag != "Body" {
			continue
		}
		var msg *element
		for _, m := range c.Child {
			if m.kind != elementNode {
				continue
			}
			if msg != nil {
				return nil, &DecodeError{Path: "Envelope/Body", Msg: "more than one message in SOAP body"}
			}
			msg = m
		}
		if msg == nil {
			return nil, &DecodeError{Path: "Envelope/Body", Msg: "empty SOAP body"}
		}
		return msg, nil
	}
	return nil, &DecodeError{Path: "Envelope", Msg: "SOAP envelope without Body"}
}

func stripDecl(raw RawXML) string {
	s := strings.TrimSpace(string(raw))
	if strings.HasPrefix(s, "<?xml") {
		if i := strings.Index(s, "?>"); i >= 0 {
			s = strings.TrimSpace(s[i+2:])
		}
	}
	return s
}
