package yamlpos

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLocate(t *testing.T) {
	tests := []struct {
		doc        string
		line, col  int
		msgContain string
	}{
		{"users:\n\t- uri: x\n", 2, 1, "cannot start any token"},
		{"a: 1\n b: 2\n", 1, 4, "mapping value is not allowed"},
		{"users: [a, b\nlines: []\n", 2, 1, "']'"},
		{"key: value\n- item\n", 2, 1, "non-map value"},
		{"a: @b\n", 1, 4, "reserved character"},
		{"users:\n  - uri: sip:a@x\n  bad: : x\n", 3, 8, "invalid key"},
	}
	for _, tt := range tests {
		line, col, msg, ok := Locate([]byte(tt.doc), errSyntax)
		if assert.True(t, ok, "%q", tt.doc) {
			assert.Equal(t, tt.line, line, "%q: line", tt.doc)
			assert.Equal(t, tt.col, col, "%q: column", tt.doc)
			assert.Contains(t, msg, tt.msgContain, "%q", tt.doc)
		}
	}
}

func TestLocateDeclines(t *testing.T) {
	for name, doc := range map[string]string{
		"valid":          "users:\n  - uri: sip:alice@example.com\n",
		"deep flow":      strings.Repeat("[", maxFlowDepth+1),
		"too large":      "a: [" + strings.Repeat(" ", MaxSize),
		"unknown anchor": "a: *nope\n",
	} {
		_, _, _, ok := Locate([]byte(doc), errSyntax)
		assert.False(t, ok, name)
	}
}

func ExampleLocate() {
	line, col, msg, ok := Locate([]byte("users:\n\t- uri: sip:alice@example.com\n"), errors.New("yaml: line 2: found character that cannot start any token"))
	fmt.Println(ok, line, col, strings.Contains(msg, "cannot start any token"))
	// Output: true 2 1 true
}

func FuzzLocate(f *testing.F) {
	f.Add([]byte("users:\n\t- uri: x\n"))
	f.Add([]byte("a: 1\n b: 2\n"))
	f.Add([]byte("users: [a, b\nlines: []\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		line, col, msg, ok := Locate(data, errSyntax)
		if ok && (line < 1 || col < 1 || msg == "") {
			t.Fatalf("Locate(%q) = %d, %d, %q, true", data, line, col, msg)
		}
	})
}

// errSyntax stands for the first parser's error.
var errSyntax = errors.New("yaml: line 1: did not find expected key")

func TestLocateDeclinesTooDeep(t *testing.T) {
	_, _, _, ok := Locate([]byte("a: 1\n b: 2\n"), errors.New("yaml: exceeded max depth of 10000"))
	assert.False(t, ok)
}
