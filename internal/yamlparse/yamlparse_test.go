package yamlparse

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"tab", "users:\n\t- uri: x\n", "2:1: found character '\t' that cannot start any token"},
		{"bad indentation", "a: 1\n b: 2\n", "1:4: mapping value is not allowed in this context"},
		{"unclosed flow", "users: [a, b\nlines: []\n", "2:1: ',' or ']' must be specified"},
		{"deep flow", strings.Repeat("[", MaxDepth+1), "1:1001: nested more than 1000 levels deep"},
		{"deep flow over lines", strings.Repeat("[\n", MaxDepth+1), "1001:1: nested more than 1000 levels deep"},
		{"deep block", strings.Repeat("- ", MaxDepth+1), "1:2001: nested more than 1000 levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.EqualError(t, err, tt.want)
			assert.Same(t, e, Located(err))
		})
	}
}

func TestWithinDepth(t *testing.T) {
	_, _, ok := withinDepth([]byte(strings.Repeat("[", MaxDepth)+strings.Repeat("]", MaxDepth)), MaxDepth)
	assert.True(t, ok, "the limit itself is allowed")
	_, _, ok = withinDepth([]byte(strings.Repeat("[]", 10*MaxDepth)), MaxDepth)
	assert.True(t, ok, "closed collections do not add up")
	_, _, ok = withinDepth([]byte("a: '- - - - -'\n"+strings.Repeat("b: x-y\n", 5000)), 10)
	assert.True(t, ok, "indicators count per line")
	line, col, ok := withinDepth([]byte("a:\n  b:\n    c: d\n"), 5)
	assert.Equal(t, []any{3, 5, false}, []any{line, col, ok}, "twice the indentation")
}

// TestPos checks where nodes start, the places the loaders report.
func TestPos(t *testing.T) {
	f, err := Parse([]byte("top:\n  - {a: 1, b: [x]}\n  - k: &an !!str v\n    l: |\n      text\n  - *an\n"))
	require.NoError(t, err)
	root := f.Docs[0].Body
	entries, ok := Entries(root)
	require.True(t, ok)
	require.Len(t, entries, 1)
	at := func(n ast.Node) string { l, c := Pos(n); return fmt.Sprint(l, ":", c) }
	assert.Equal(t, "1:1", at(root), "a block mapping at its first key")
	seq := entries[0].Value.(*ast.SequenceNode)
	assert.Equal(t, "2:3", at(seq), "a block sequence at its first dash")
	assert.Equal(t, "2:5", at(seq.Values[0]), "a flow mapping at its brace")
	k, _ := Entries(seq.Values[1])
	assert.Equal(t, "3:8", at(k[0].Value), "an anchored value at its anchor")
	v, ok := Scalar(Unwrap(k[0].Value))
	assert.True(t, ok)
	assert.Equal(t, "v", v, "anchors and tags unwrapped")
	v, ok = Scalar(k[1].Value)
	assert.True(t, ok)
	assert.Equal(t, "text\n", v, "a literal block")
	assert.Equal(t, "6:5", at(seq.Values[2]), "an alias at its star")
	_, ok = Scalar(seq.Values[2])
	assert.False(t, ok, "an alias is not a scalar")
	key, _ := Scalar(Key(entries[0]))
	assert.Equal(t, "top", key)
	l, c := Pos(nil)
	assert.Equal(t, 0, l+c)
}

func TestDecode(t *testing.T) {
	f, err := Parse([]byte("a: 1\nb: *nope\n"))
	require.NoError(t, err)
	var v struct{ A, B int }
	err = Decode(f.Docs[0].Body, &v)
	e := Located(err)
	assert.Equal(t, 2, e.Line)
	assert.Equal(t, 5, e.Column, "at the alias's name")
	assert.Contains(t, e.Msg, `could not find alias "nope"`)
	assert.Equal(t, &Error{Msg: "x"}, Located(errors.New("x")))
}

func ExampleParse() {
	_, err := Parse([]byte("users:\n\t- uri: sip:alice@example.com\n"))
	fmt.Println(err)
	f, err := Parse([]byte("users:\n  - uri: sip:alice@example.com\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	entries, _ := Entries(f.Docs[0].Body)
	fmt.Println(Pos(entries[0].Value))
	// Output:
	// 2:1: found character '	' that cannot start any token
	// 2 3
}

// FuzzParse checks that no document makes Parse panic and that every
// error it returns is an *Error with a message.
func FuzzParse(f *testing.F) {
	f.Add([]byte("users:\n\t- uri: x\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("- - - [[{a: b}]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse(data)
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Msg == "") {
			t.Fatalf("Parse(%q): %v", data, err)
		}
	})
}
