package dirfile

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
	"github.com/rcc-go/rcc/lineappearance"
)

// maxYAMLDepth bounds how deeply a YAML directory file may nest
// collections, as yamlDepth counts them. The parser recurses, and its time
// and memory grow with the square of the depth; a directory nests five
// levels.
const maxYAMLDepth = 1000

// yamlSource walks a parsed YAML document.
type yamlSource struct {
	cur    ast.Node
	stack  []yamlFrame
	intern map[string]string // strings shared by equal values
}

// newYAMLSource parses one YAML document.
func newYAMLSource(data []byte) (*yamlSource, *lineappearance.DataError) {
	if line, col, ok := yamlTooDeep(data, maxYAMLDepth); !ok {
		return nil, &lineappearance.DataError{Line: line, Column: col,
			Msg: "YAML: nested more than " + strconv.Itoa(maxYAMLDepth) + " levels deep"}
	}
	f, err := parseYAML(data)
	if err != nil {
		return nil, yamlSyntaxError(err)
	}
	var root ast.Node
	for i, doc := range f.Docs {
		if doc == nil || doc.Body == nil && doc.Start == nil {
			continue
		}
		if root != nil || i > 0 && f.Docs[0].Body != nil {
			line, col := tokenPos(doc.Start)
			if doc.Start == nil {
				line, col = nodePos(doc.Body)
			}
			return nil, &lineappearance.DataError{Line: line, Column: col, Msg: "more than one YAML document"}
		}
		if doc.Body != nil {
			root = doc.Body
		}
	}
	if root == nil {
		return nil, &lineappearance.DataError{Msg: "no directory in the file (it is empty)"}
	}
	return &yamlSource{cur: root, intern: make(map[string]string)}, nil
}

// parseYAML parses data. The parser is not expected to panic, but it
// reads untrusted files: a panic is reported as an error.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	return parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
}

// yamlSyntaxError turns the parser's error into a DataError at the token
// where the parser failed.
func yamlSyntaxError(err error) *lineappearance.DataError {
	var ye yaml.Error
	if errors.As(err, &ye) {
		line, col := tokenPos(ye.GetToken())
		return &lineappearance.DataError{Line: line, Column: col, Msg: "YAML: " + ye.GetMessage()}
	}
	return &lineappearance.DataError{Msg: "YAML: " + err.Error()}
}

// yamlTooDeep reports, with ok false, the line and column where data nests
// collections deeper than limit. It counts an upper bound without parsing:
// flow collections ("[", "{", quotes not regarded) open across lines, and
// on each line twice its indentation plus every block indicator ("-", "?"
// or ":" followed by a space or the end of the line).
func yamlTooDeep(data []byte, limit int) (line, col int, ok bool) {
	flow := 0
	line, col = 1, 0
	lineStart, indent, indicators := true, 0, 0
	for i, c := range data {
		col++
		switch c {
		case '\n':
			line, col = line+1, 0
			lineStart, indent, indicators = true, 0, 0
			continue
		case ' ':
			if lineStart {
				indent++
			}
			continue
		case '[', '{':
			flow++
		case ']', '}':
			flow = max(flow-1, 0)
		case '-', '?', ':':
			if i+1 == len(data) || data[i+1] == ' ' || data[i+1] == '\t' || data[i+1] == '\n' || data[i+1] == '\r' {
				indicators++
			}
		}
		lineStart = false
		if flow+2*indent+indicators > limit {
			return line, col, false
		}
	}
	return 0, 0, true
}

// tokenPos returns a token's line and column, or 0, 0.
func tokenPos(t *token.Token) (int, int) {
	if t == nil || t.Position == nil {
		return 0, 0
	}
	return t.Position.Line, t.Position.Column
}

// nodePos returns where a node starts: a block mapping at its first key, a
// block sequence at its first "-", a flow collection at its bracket, a
// scalar at its first character.
func nodePos(n ast.Node) (int, int) {
	switch v := n.(type) {
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return nodePos(v.Values[0])
		}
		return tokenPos(v.Start)
	case *ast.MappingValueNode:
		return nodePos(v.Key)
	case *ast.MappingKeyNode:
		return tokenPos(v.Start)
	case *ast.SequenceNode:
		return tokenPos(v.Start)
	case *ast.AnchorNode:
		return tokenPos(v.Start)
	case *ast.TagNode:
		return tokenPos(v.Start)
	case *ast.AliasNode:
		return tokenPos(v.Start)
	case *ast.LiteralNode:
		return tokenPos(v.Start)
	case nil:
		return 0, 0
	}
	return tokenPos(n.GetToken())
}

func yamlPos(n ast.Node) pos {
	line, col := nodePos(n)
	return pos(int64(line)<<32 | int64(uint32(col)))
}

// resolveYAML decodes a pos made by yamlPos.
func resolveYAML(p pos) (int, int) { return int(p >> 32), int(uint32(p)) }

func (y *yamlSource) pos() pos { return yamlPos(y.cur) }

func (y *yamlSource) errorAt(p pos, msg string) *lineappearance.DataError {
	line, col := resolveYAML(p)
	return &lineappearance.DataError{Line: line, Column: col, Msg: msg}
}

// value returns the node an anchor or a tag applies to, which is what the
// directory reads: anchors are allowed (only aliases are not) and tags are
// ignored.
func value(n ast.Node) ast.Node {
	for range 64 {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
	return n
}

func isNull(n ast.Node) bool {
	_, null := n.(*ast.NullNode)
	return n == nil || null
}

// scalarText returns a scalar's value as written, without quotes, and
// whether n is a scalar.
func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode, *ast.MergeKeyNode:
		return n.GetToken().Value, true
	}
	return "", false
}

// describe names a node's kind for error messages.
func describe(n ast.Node) string {
	if isNull(n) {
		return "nothing"
	}
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a sequence"
	}
	if _, ok := scalarText(n); ok {
		return "a single value"
	}
	return "something else"
}

// check unwraps anchors and tags and refuses aliases.
func (y *yamlSource) check(n ast.Node) (ast.Node, *lineappearance.DataError) {
	if n == nil {
		return nil, nil
	}
	if _, ok := n.(*ast.AliasNode); ok {
		return nil, y.errorAt(yamlPos(n), "YAML aliases are not supported")
	}
	v := value(n)
	if _, ok := v.(*ast.AliasNode); ok {
		return nil, y.errorAt(yamlPos(v), "YAML aliases are not supported")
	}
	return v, nil
}

// yamlFrame is a mapping or sequence being walked: i is the index of the
// current entry.
type yamlFrame struct {
	values []*ast.MappingValueNode // a mapping's entries
	items  []ast.Node              // a sequence's items
	what   string
	i      int
}

func (y *yamlSource) mapping(what string) error {
	n, err := y.check(y.cur)
	if err != nil {
		return err
	}
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode: // a mapping of one entry
		values = []*ast.MappingValueNode{v}
	default:
		return y.errorAt(yamlPos(y.cur), "want a mapping for "+what+", got "+describe(n))
	}
	y.stack = append(y.stack, yamlFrame{values: values, what: what, i: -1})
	return nil
}

func (y *yamlSource) field() (string, pos, bool, error) {
	f := &y.stack[len(y.stack)-1]
	f.i++
	if f.i >= len(f.values) {
		y.stack = y.stack[:len(y.stack)-1]
		return "", 0, false, nil
	}
	mv := f.values[f.i]
	var k ast.Node = mv.Key
	kat := yamlPos(k)
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		k = mk.Value
		kat = yamlPos(k)
	}
	k, err := y.check(k)
	if err != nil {
		return "", 0, false, err
	}
	key, ok := scalarText(k)
	if !ok {
		return "", 0, false, y.errorAt(kat, "want a field name in "+f.what+", got "+describe(k))
	}
	for _, prev := range f.values[:f.i] {
		if t, _ := scalarText(value(keyOf(prev))); t == key {
			return "", 0, false, y.errorAt(kat, "duplicate field "+strconv.Quote(key)+" in "+f.what)
		}
	}
	y.cur = mv.Value
	return key, kat, true, nil
}

// keyOf returns an entry's key, without a "?" indicator.
func keyOf(mv *ast.MappingValueNode) ast.Node {
	if mk, ok := mv.Key.(*ast.MappingKeyNode); ok {
		return mk.Value
	}
	return mv.Key
}

func (y *yamlSource) sequence(what string) error {
	n, err := y.check(y.cur)
	if err != nil {
		return err
	}
	if isNull(n) {
		y.stack = append(y.stack, yamlFrame{what: what, i: -1})
		return nil
	}
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		return y.errorAt(yamlPos(y.cur), "want a sequence for "+what+", got "+describe(n))
	}
	y.stack = append(y.stack, yamlFrame{items: s.Values, what: what, i: -1})
	return nil
}

func (y *yamlSource) item() (bool, error) {
	f := &y.stack[len(y.stack)-1]
	f.i++
	if f.i >= len(f.items) {
		y.stack = y.stack[:len(y.stack)-1]
		return false, nil
	}
	y.cur = f.items[f.i]
	return true, nil
}

func (y *yamlSource) scalar(what string, intern bool) (string, bool, error) {
	n, err := y.check(y.cur)
	if err != nil {
		return "", false, err
	}
	if isNull(n) {
		return "", false, nil
	}
	v, ok := scalarText(n)
	if !ok {
		return "", false, y.errorAt(yamlPos(y.cur), "want a single value for "+what+", got "+describe(n))
	}
	if intern {
		if s, ok := y.intern[v]; ok {
			return s, true, nil
		}
		y.intern[v] = v
	}
	return v, true, nil
}

func (y *yamlSource) end() error { return nil }
