package yamlpos

import (
	"errors"
	"strings"

	goccy "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// MaxSize is the largest document Locate parses; a larger one is not
// located, so that a malformed file of many megabytes is not parsed twice.
const MaxSize = 8 << 20

// maxFlowDepth bounds the nesting of flow collections ("[", "{") Locate
// accepts: the second parser has no depth limit of its own and recurses.
const maxFlowDepth = 1000

// Locate returns the position (1-based line and column) and the
// description of the first syntax error in data, which the first parser
// refused with err. ok is false when err is that parser's depth limit, when
// data is larger than MaxSize or nested too deeply to parse safely, when
// the second parser finds no error (the two disagree on a few corner cases,
// such as an alias to an unknown anchor), or when it fails in another way
// (it panics on some inputs: that is recovered).
func Locate(data []byte, err error) (line, column int, msg string, ok bool) {
	if (err != nil && strings.Contains(err.Error(), "max depth")) ||
		len(data) > MaxSize || flowDepth(data) > maxFlowDepth {
		return 0, 0, "", false
	}
	// The second parser is only a diagnostic aid: should it fail on some
	// input, the caller reports the first parser's error as it is.
	defer func() {
		if recover() != nil {
			line, column, msg, ok = 0, 0, "", false
		}
	}()
	_, perr := parser.ParseBytes(data, 0)
	var se *goccy.SyntaxError
	if !errors.As(perr, &se) || se.Token == nil || se.Token.Position == nil || se.Token.Position.Line <= 0 {
		return 0, 0, "", false
	}
	p := se.Token.Position
	return p.Line, max(p.Column, 1), se.Message, true
}

// flowDepth returns the deepest nesting of "[" and "{" in data, counted
// without regard to quoting (so it may be an overestimate, never less).
func flowDepth(data []byte) int {
	depth, deepest := 0, 0
	for _, b := range data {
		switch b {
		case '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return deepest
}
