package dirfile

import (
	"strconv"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/rcc-go/rcc/internal/yamlparse"
	"github.com/rcc-go/rcc/lineappearance"
)

// yamlSource walks a parsed YAML document.
type yamlSource struct {
	cur    ast.Node
	stack  []yamlFrame
	intern map[string]string // strings shared by equal values
}

// newYAMLSource parses one YAML document.
func newYAMLSource(data []byte) (*yamlSource, *lineappearance.DataError) {
	// Duplicate keys are reported by field() in the loader's words.
	f, err := yamlparse.Parse(data, parser.AllowDuplicateMapKey())
	if err != nil {
		e := yamlparse.Located(err)
		return nil, &lineappearance.DataError{Line: e.Line, Column: e.Column, Msg: "YAML: " + e.Msg}
	}
	var root ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil && doc.Start == nil {
			continue // nothing, not even "---"
		}
		if root != nil {
			line, col := yamlparse.TokenPos(doc.Start)
			if doc.Start == nil {
				line, col = yamlparse.Pos(doc.Body)
			}
			return nil, &lineappearance.DataError{Line: line, Column: col, Msg: "more than one YAML document"}
		}
		root = doc.Body
	}
	if root == nil {
		return nil, &lineappearance.DataError{Msg: "no directory in the file (it is empty)"}
	}
	return &yamlSource{cur: root, intern: make(map[string]string)}, nil
}

func yamlPos(n ast.Node) pos {
	line, col := yamlparse.Pos(n)
	return pos(int64(line)<<32 | int64(uint32(col)))
}

// resolveYAML decodes a pos made by yamlPos.
func resolveYAML(p pos) (int, int) { return int(p >> 32), int(uint32(p)) }

func (y *yamlSource) pos() pos { return yamlPos(y.cur) }

func (y *yamlSource) errorAt(p pos, msg string) *lineappearance.DataError {
	line, col := resolveYAML(p)
	return &lineappearance.DataError{Line: line, Column: col, Msg: msg}
}

func isNull(n ast.Node) bool {
	_, null := n.(*ast.NullNode)
	return n == nil || null
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
	if _, ok := yamlparse.Scalar(n); ok {
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
	v := yamlparse.Unwrap(n)
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
	values, ok := yamlparse.Entries(n)
	if !ok {
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
	key, ok := yamlparse.Scalar(k)
	if !ok {
		return "", 0, false, y.errorAt(kat, "want a field name in "+f.what+", got "+describe(k))
	}
	for _, prev := range f.values[:f.i] {
		if t, _ := yamlparse.Scalar(yamlparse.Unwrap(yamlparse.Key(prev))); t == key {
			return "", 0, false, y.errorAt(kat, "duplicate field "+strconv.Quote(key)+" in "+f.what)
		}
	}
	y.cur = mv.Value
	return key, kat, true, nil
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
	v, ok := yamlparse.Scalar(n)
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
