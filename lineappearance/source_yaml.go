package lineappearance

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/rcc-go/rcc/internal/yamlpos"
	"go.yaml.in/yaml/v3"
)

// yamlSource walks a parsed YAML document.
type yamlSource struct {
	cur    *yaml.Node
	stack  []yamlFrame
	intern map[string]string // strings shared by equal values
}

// newYAMLSource parses one YAML document.
func newYAMLSource(data []byte) (*yamlSource, *DataError) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &DataError{Msg: "no directory in the file (it is empty)"}
		}
		return nil, yamlSyntaxError(data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, yamlSyntaxError(data, err)
		}
		return nil, &DataError{Line: extra.Line, Column: extra.Column, Msg: "more than one YAML document"}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, &DataError{Msg: "no directory in the file (it is empty)"}
		}
		root = root.Content[0]
	}
	return &yamlSource{cur: root, intern: make(map[string]string)}, nil
}

// yamlSyntaxError turns the YAML parser's error, "yaml: line 3: problem",
// into a DataError. That parser reports no column, so the document is
// located again (internal/yamlpos) for the line and column of the error;
// when that fails, the error has the line alone.
func yamlSyntaxError(data []byte, err error) *DataError {
	if line, col, what, ok := yamlpos.Locate(data, err); ok {
		return &DataError{Line: line, Column: col, Msg: "YAML: " + what}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &DataError{Msg: "YAML: " + msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(n); err == nil {
				e.Line, e.Msg = line, "YAML: "+after
			}
		}
	}
	return e
}

func yamlPos(n *yaml.Node) pos { return pos(int64(n.Line)<<32 | int64(uint32(n.Column))) }

// resolveYAML decodes a pos made by yamlPos.
func resolveYAML(p pos) (int, int) { return int(p >> 32), int(uint32(p)) }

func (y *yamlSource) pos() pos { return yamlPos(y.cur) }

func (y *yamlSource) errorAt(p pos, msg string) *DataError {
	line, col := resolveYAML(p)
	return &DataError{Line: line, Column: col, Msg: msg}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// describe names a node's kind for error messages.
func describe(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a sequence"
	case n.Kind == yaml.ScalarNode:
		return "a single value"
	}
	return "something else"
}

func (y *yamlSource) check(n *yaml.Node) *DataError {
	if n.Kind == yaml.AliasNode {
		return y.errorAt(yamlPos(n), "YAML aliases are not supported")
	}
	return nil
}

// yamlFrame is a mapping or sequence being walked: i is the index in
// node.Content of the current entry.
type yamlFrame struct {
	node *yaml.Node
	what string
	i    int
}

func (y *yamlSource) mapping(what string) error {
	n := y.cur
	if err := y.check(n); err != nil {
		return err
	}
	if n.Kind != yaml.MappingNode {
		return y.errorAt(yamlPos(n), "want a mapping for "+what+", got "+describe(n))
	}
	y.stack = append(y.stack, yamlFrame{node: n, what: what, i: -2})
	return nil
}

func (y *yamlSource) field() (string, pos, bool, error) {
	f := &y.stack[len(y.stack)-1]
	f.i += 2
	n := f.node
	if f.i+1 >= len(n.Content) {
		y.stack = y.stack[:len(y.stack)-1]
		return "", 0, false, nil
	}
	k := n.Content[f.i]
	if err := y.check(k); err != nil {
		return "", 0, false, err
	}
	if k.Kind != yaml.ScalarNode {
		return "", 0, false, y.errorAt(yamlPos(k), "want a field name in "+f.what+", got "+describe(k))
	}
	for j := 0; j < f.i; j += 2 {
		if n.Content[j].Value == k.Value {
			return "", 0, false, y.errorAt(yamlPos(k), "duplicate field "+strconv.Quote(k.Value)+" in "+f.what)
		}
	}
	y.cur = n.Content[f.i+1]
	return k.Value, yamlPos(k), true, nil
}

func (y *yamlSource) sequence(what string) error {
	n := y.cur
	if err := y.check(n); err != nil {
		return err
	}
	if isNull(n) {
		y.stack = append(y.stack, yamlFrame{node: &yaml.Node{}, what: what, i: -1})
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return y.errorAt(yamlPos(n), "want a sequence for "+what+", got "+describe(n))
	}
	y.stack = append(y.stack, yamlFrame{node: n, what: what, i: -1})
	return nil
}

func (y *yamlSource) item() (bool, error) {
	f := &y.stack[len(y.stack)-1]
	f.i++
	if f.i >= len(f.node.Content) {
		y.stack = y.stack[:len(y.stack)-1]
		return false, nil
	}
	y.cur = f.node.Content[f.i]
	return true, nil
}

func (y *yamlSource) scalar(what string, intern bool) (string, bool, error) {
	n := y.cur
	if err := y.check(n); err != nil {
		return "", false, err
	}
	if isNull(n) {
		return "", false, nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", false, y.errorAt(yamlPos(n), "want a single value for "+what+", got "+describe(n))
	}
	if intern {
		if v, ok := y.intern[n.Value]; ok {
			return v, true, nil
		}
		y.intern[n.Value] = n.Value
	}
	return n.Value, true, nil
}

func (y *yamlSource) end() error { return nil }
