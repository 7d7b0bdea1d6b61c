package lineappearance

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlSource walks a parsed YAML document.
type yamlSource struct {
	cur *yaml.Node
}

// newYAMLSource parses one YAML document.
func newYAMLSource(data []byte) (*yamlSource, *DataError) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &DataError{Msg: "no directory in the file (it is empty)"}
		}
		return nil, yamlSyntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, yamlSyntaxError(err)
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
	return &yamlSource{cur: root}, nil
}

// yamlSyntaxError turns the YAML parser's error, "yaml: line 3: problem",
// into a DataError. The parser reports no column.
func yamlSyntaxError(err error) *DataError {
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

func (y *yamlSource) mapping(what string, f func(string, pos) error) error {
	n := y.cur
	if err := y.check(n); err != nil {
		return err
	}
	if n.Kind != yaml.MappingNode {
		return y.errorAt(yamlPos(n), "want a mapping for "+what+", got "+describe(n))
	}
	defer func() { y.cur = n }()
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if err := y.check(k); err != nil {
			return err
		}
		if k.Kind != yaml.ScalarNode {
			return y.errorAt(yamlPos(k), "want a field name in "+what+", got "+describe(k))
		}
		for j := 0; j < i; j += 2 {
			if n.Content[j].Value == k.Value {
				return y.errorAt(yamlPos(k), "duplicate field "+strconv.Quote(k.Value)+" in "+what)
			}
		}
		y.cur = v
		if err := f(k.Value, yamlPos(k)); err != nil {
			return err
		}
	}
	return nil
}

func (y *yamlSource) sequence(what string, f func(int) error) error {
	n := y.cur
	if err := y.check(n); err != nil {
		return err
	}
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return y.errorAt(yamlPos(n), "want a sequence for "+what+", got "+describe(n))
	}
	defer func() { y.cur = n }()
	for i, item := range n.Content {
		y.cur = item
		if err := f(i); err != nil {
			return err
		}
	}
	return nil
}

func (y *yamlSource) scalar(what string) (string, bool, error) {
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
	return n.Value, true, nil
}

func (y *yamlSource) end() error { return nil }
