package dirfile

import (
	"bytes"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rcc-go/rcc/lineappearance"
)

// jsonSource decodes JSON as it goes, without building a tree: fast, and
// light on memory for large directories. Positions are byte offsets + 1,
// turned into line and column only for error messages.
type jsonSource struct {
	data   []byte
	off    int
	stack  []jsonFrame
	intern map[string]string // strings shared by equal values
	nl     []int             // offsets of the newlines, built on first use by resolve
	chars  []int             // characters before each chunk, built with nl
}

func newJSONSource(data []byte) *jsonSource {
	s := &jsonSource{data: data, intern: make(map[string]string)}
	if bytes.HasPrefix(data, bom) {
		s.off = len(bom)
	}
	return s
}

// chunk is the spacing of the character counts resolve keeps.
const chunk = 4096

// resolve turns a pos into a line and a column, both counted from 1; the
// column counts characters. The first call indexes the newlines and the
// character counts, so that each call costs O(log lines + chunk) however
// long the lines are.
func (s *jsonSource) resolve(p pos) (int, int) {
	if p <= 0 {
		return 0, 0
	}
	off := min(int(p-1), len(s.data))
	if s.nl == nil {
		s.nl = make([]int, 0, 64)
		s.chars = make([]int, 0, len(s.data)/chunk+1)
		n := 0
		for i, c := range s.data {
			if i%chunk == 0 {
				s.chars = append(s.chars, n)
			}
			if c == '\n' {
				s.nl = append(s.nl, i)
			}
			if c&0xc0 != 0x80 {
				n++
			}
		}
	}
	line := sort.SearchInts(s.nl, off) // newlines before off
	start := 0
	if line > 0 {
		start = s.nl[line-1] + 1
	} else if bytes.HasPrefix(s.data, bom) && off >= len(bom) {
		start = len(bom) // a byte order mark takes no column
	}
	return line + 1, s.charsBefore(off) - s.charsBefore(start) + 1
}

// charsBefore counts the characters (bytes that do not continue a UTF-8
// sequence) before offset off.
func (s *jsonSource) charsBefore(off int) int {
	if len(s.chars) == 0 {
		return 0
	}
	k := min(off/chunk, len(s.chars)-1)
	n := s.chars[k]
	for _, c := range s.data[k*chunk : off] {
		if c&0xc0 != 0x80 {
			n++
		}
	}
	return n
}

func (s *jsonSource) errorAt(p pos, msg string) *lineappearance.DataError {
	line, col := s.resolve(p)
	return &lineappearance.DataError{Line: line, Column: col, Msg: msg}
}

func (s *jsonSource) errorHere(msg string) *lineappearance.DataError {
	return s.errorAt(pos(s.off+1), msg)
}

func (s *jsonSource) ws() {
	for s.off < len(s.data) {
		switch s.data[s.off] {
		case ' ', '\t', '\r', '\n':
			s.off++
		default:
			return
		}
	}
}

func (s *jsonSource) pos() pos {
	s.ws()
	return pos(s.off + 1)
}

// unexpected describes what is at the cursor, for an error message.
func (s *jsonSource) unexpected() string {
	if s.off >= len(s.data) {
		return "end of file"
	}
	switch c := s.data[s.off]; c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	default:
		return quoteByte(c)
	}
}

func (s *jsonSource) expect(c byte, what string) error {
	s.ws()
	if s.off >= len(s.data) || s.data[s.off] != c {
		return s.errorHere("JSON: want " + quoteByte(c) + " " + what + ", got " + s.unexpected())
	}
	s.off++
	return nil
}

// literal consumes word (true, false, null) if it is next.
func (s *jsonSource) literal(word string) bool {
	if bytes.HasPrefix(s.data[s.off:], []byte(word)) {
		end := s.off + len(word)
		if end == len(s.data) || !isAlnum(s.data[end]) {
			s.off = end
			return true
		}
	}
	return false
}

// jsonFrame is a mapping or sequence being walked.
type jsonFrame struct {
	what  string
	first bool     // no entry read yet
	null  bool     // a null sequence
	keys  []string // the mapping's keys so far
}

func (s *jsonSource) push(f jsonFrame) {
	if len(s.stack) < cap(s.stack) {
		f.keys = s.stack[:len(s.stack)+1][len(s.stack)].keys[:0] // reuse the keys' array
	}
	s.stack = append(s.stack, f)
}

func (s *jsonSource) pop() { s.stack = s.stack[:len(s.stack)-1] }

func (s *jsonSource) mapping(what string) error {
	s.ws()
	if s.off >= len(s.data) || s.data[s.off] != '{' {
		return s.errorHere("want an object for " + what + ", got " + s.unexpected())
	}
	s.off++
	s.push(jsonFrame{what: what, first: true})
	return nil
}

func (s *jsonSource) field() (string, pos, bool, error) {
	f := &s.stack[len(s.stack)-1]
	s.ws()
	if s.off < len(s.data) && s.data[s.off] == '}' {
		s.off++
		s.pop()
		return "", 0, false, nil
	}
	if f.first {
		f.first = false
	} else {
		if s.off >= len(s.data) || s.data[s.off] != ',' {
			return "", 0, false, s.errorHere("JSON: want ',' or '}' in " + f.what + ", got " + s.unexpected())
		}
		s.off++
		s.ws()
	}
	kat := pos(s.off + 1)
	if s.off >= len(s.data) || s.data[s.off] != '"' {
		return "", 0, false, s.errorHere("JSON: want a field name in " + f.what + ", got " + s.unexpected())
	}
	key, err := s.str(true)
	if err != nil {
		return "", 0, false, err
	}
	for _, k := range f.keys {
		if k == key {
			return "", 0, false, s.errorAt(kat, "duplicate field "+strconv.Quote(key)+" in "+f.what)
		}
	}
	f.keys = append(f.keys, key)
	if err := s.expect(':', "after a field name"); err != nil {
		return "", 0, false, err
	}
	return key, kat, true, nil
}

func (s *jsonSource) sequence(what string) error {
	s.ws()
	if s.literal("null") {
		s.push(jsonFrame{what: what, null: true})
		return nil
	}
	if s.off >= len(s.data) || s.data[s.off] != '[' {
		return s.errorHere("want an array for " + what + ", got " + s.unexpected())
	}
	s.off++
	s.push(jsonFrame{what: what, first: true})
	return nil
}

func (s *jsonSource) item() (bool, error) {
	f := &s.stack[len(s.stack)-1]
	if f.null {
		s.pop()
		return false, nil
	}
	s.ws()
	if s.off < len(s.data) {
		switch c := s.data[s.off]; {
		case c == ']':
			s.off++
			s.pop()
			return false, nil
		case f.first:
			f.first = false
			return true, nil
		case c == ',':
			s.off++
			return true, nil
		}
	}
	return false, s.errorHere("JSON: want ',' or ']' in " + f.what + ", got " + s.unexpected())
}

func (s *jsonSource) scalar(what string, intern bool) (string, bool, error) {
	s.ws()
	if s.off >= len(s.data) {
		return "", false, s.errorHere("want a value for " + what + ", got end of file")
	}
	switch c := s.data[s.off]; {
	case c == '"':
		v, err := s.str(intern)
		return v, err == nil, err
	case c == '-' || isDigit(c):
		return s.number()
	case s.literal("true"):
		return "true", true, nil
	case s.literal("false"):
		return "false", true, nil
	case s.literal("null"):
		return "", false, nil
	case c == '{' || c == '[':
		return "", false, s.errorHere("want a single value for " + what + ", got " + s.unexpected())
	}
	return "", false, s.errorHere("JSON: invalid character " + quoteByte(s.data[s.off]) + " at the start of a value")
}

// number consumes a JSON number and returns it as written.
func (s *jsonSource) number() (string, bool, error) {
	start := s.off
	i := s.off
	if s.data[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s.data) && isDigit(s.data[i]) {
			i++
			n++
		}
		return n
	}
	intStart := i
	if digits() == 0 {
		s.off = i
		return "", false, s.errorHere("JSON: want a digit in a number")
	}
	if s.data[intStart] == '0' && i-intStart > 1 {
		s.off = intStart + 1
		return "", false, s.errorHere("JSON: leading zero in a number (quote numbers such as directory numbers)")
	}
	if i < len(s.data) && s.data[i] == '.' {
		i++
		if digits() == 0 {
			s.off = i
			return "", false, s.errorHere("JSON: want a digit after '.' in a number")
		}
	}
	if i < len(s.data) && (s.data[i] == 'e' || s.data[i] == 'E') {
		i++
		if i < len(s.data) && (s.data[i] == '+' || s.data[i] == '-') {
			i++
		}
		if digits() == 0 {
			s.off = i
			return "", false, s.errorHere("JSON: want a digit in a number's exponent")
		}
	}
	s.off = i
	return string(s.data[start:i]), true, nil
}

// maxIntern is the longest string str interns.
const maxIntern = 64

// str consumes a JSON string and returns its value, interned if asked.
func (s *jsonSource) str(intern bool) (string, error) {
	s.off++ // the opening quote
	start := s.off
	// Fast path: no escapes, all ASCII.
	for i := start; i < len(s.data); i++ {
		c := s.data[i]
		if c == '"' {
			s.off = i + 1
			raw := s.data[start:i]
			if !intern || len(raw) > maxIntern {
				return string(raw), nil
			}
			if v, ok := s.intern[string(raw)]; ok {
				return v, nil
			}
			v := string(raw)
			s.intern[v] = v
			return v, nil
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
	}
	var b []byte
	i := start
	for {
		if i >= len(s.data) {
			s.off = i
			return "", s.errorHere("JSON: unterminated string")
		}
		c := s.data[i]
		switch {
		case c == '"':
			s.off = i + 1
			return string(b), nil
		case c < 0x20:
			s.off = i
			return "", s.errorHere("JSON: control character in a string")
		case c == '\\':
			if i+1 >= len(s.data) {
				s.off = i
				return "", s.errorHere("JSON: unterminated string")
			}
			e := s.data[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := s.hex4(i)
				if !ok {
					s.off = i - 2
					return "", s.errorHere(`JSON: bad \u escape`)
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok := rune(0), false
					if i+1 < len(s.data) && s.data[i] == '\\' && s.data[i+1] == 'u' {
						r2, ok = s.hex4(i + 2)
					}
					if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
						r = d
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				s.off = i - 2
				return "", s.errorHere("JSON: bad escape \\" + string(rune(e)))
			}
		case c < 0x80:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s.data[i:])
			if r == utf8.RuneError && size <= 1 {
				s.off = i
				return "", s.errorHere("JSON: string is not valid UTF-8")
			}
			b = append(b, s.data[i:i+size]...)
			i += size
		}
	}
}

func (s *jsonSource) hex4(i int) (rune, bool) {
	if i+4 > len(s.data) {
		return 0, false
	}
	var r rune
	for _, c := range s.data[i : i+4] {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, true
}

func (s *jsonSource) end() error {
	s.ws()
	if s.off < len(s.data) {
		return s.errorHere("JSON: unexpected " + s.unexpected() + " after the directory")
	}
	return nil
}
