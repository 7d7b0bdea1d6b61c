package yamlparse

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// MaxDepth bounds how deeply a document may nest collections, as Parse
// counts them (an upper bound of the real depth). A directory file nests
// five levels, a configuration file four.
const MaxDepth = 1000

// Error is a document Parse refuses: Msg says why, and Line and Column
// (from 1; 0 when unknown) where.
type Error struct {
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Column) + ": " + e.Msg
	}
	return e.Msg
}

// Parse parses data into an AST, with no comments. Every error is an
// *Error.
func Parse(data []byte, opts ...parser.Option) (f *ast.File, err error) {
	if line, col, ok := withinDepth(data, MaxDepth); !ok {
		return nil, &Error{Line: line, Column: col, Msg: "nested more than " + strconv.Itoa(MaxDepth) + " levels deep"}
	}
	// The parser is not expected to panic, but it reads untrusted files.
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, &Error{Msg: fmt.Sprintf("the YAML parser failed: %v", r)}
		}
	}()
	f, err = parser.ParseBytes(data, 0, opts...)
	if err != nil {
		return nil, Located(err)
	}
	return f, nil
}

// Decode decodes n into v with the goccy decoder (see yaml.NodeToValue).
// Like Parse, it reports a panic as an error.
func Decode(n ast.Node, v any, opts ...yaml.DecodeOption) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{Msg: fmt.Sprintf("the YAML decoder failed: %v", r)}
		}
	}()
	return yaml.NodeToValue(n, v, opts...)
}

// Located turns an error of the goccy parser or decoder into an *Error at
// the token it names; an *Error is returned as it is.
func Located(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	var ye yaml.Error
	if errors.As(err, &ye) {
		line, col := TokenPos(ye.GetToken())
		return &Error{Line: line, Column: col, Msg: ye.GetMessage()}
	}
	return &Error{Msg: err.Error()}
}

// withinDepth reports, with ok false, the line and column where data may
// nest collections deeper than limit. It counts an upper bound without
// parsing: flow collections ("[", "{", quotes not regarded) open across
// lines; on each line, twice its indentation and every block indicator
// ("-", "?" or ":" followed by white space or the end of the line).
func withinDepth(data []byte, limit int) (line, col int, ok bool) {
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

// TokenPos returns a token's line and column, or 0, 0.
func TokenPos(t *token.Token) (line, col int) {
	if t == nil || t.Position == nil {
		return 0, 0
	}
	return t.Position.Line, t.Position.Column
}

// Pos returns where a node starts: a block mapping at its first key, a
// block sequence at its first "-", a flow collection at its bracket, a
// scalar at its first character, a node with an anchor or a tag at the
// anchor or tag.
func Pos(n ast.Node) (line, col int) {
	switch v := n.(type) {
	case nil:
		return 0, 0
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return Pos(v.Values[0])
		}
		return TokenPos(v.Start)
	case *ast.MappingValueNode:
		return Pos(v.Key)
	case *ast.MappingKeyNode:
		return TokenPos(v.Start)
	case *ast.SequenceNode:
		return TokenPos(v.Start)
	case *ast.AnchorNode:
		return TokenPos(v.Start)
	case *ast.TagNode:
		return TokenPos(v.Start)
	case *ast.AliasNode:
		return TokenPos(v.Start)
	case *ast.LiteralNode:
		return TokenPos(v.Start)
	}
	return TokenPos(n.GetToken())
}

// Unwrap returns the node an anchor or a tag applies to.
func Unwrap(n ast.Node) ast.Node {
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

// Scalar returns a scalar's value as written, without quotes or escapes,
// and whether n is a scalar other than null.
func Scalar(n ast.Node) (string, bool) {
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

// Entries returns a mapping's entries, and whether n is a mapping (a
// mapping of one entry may be a lone MappingValueNode).
func Entries(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	}
	return nil, false
}

// Key returns an entry's key, without a "?" indicator.
func Key(mv *ast.MappingValueNode) ast.Node {
	if mk, ok := mv.Key.(*ast.MappingKeyNode); ok {
		return mk.Value
	}
	return mv.Key
}
