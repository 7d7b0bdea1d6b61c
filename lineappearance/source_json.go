package lineappearance

import (
	"bytes"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonSource decodes JSON as it goes, without building a tree: fast, and
// light on memory for large directories. Positions are byte offsets + 1,
// turned into line and column only for error messages.
type jsonSource struct {
	data []byte
	off  int
	nl   []int // offsets of the newlines, built on first use by resolve
}

func newJSONSource(data []byte) *jsonSource {
	s := &jsonSource{data: data}
	if bytes.HasPrefix(data, bom) {
		s.off = len(bom)
	}
	return s
}

// resolve turns a pos into a line and a column, both counted from 1; the
// column counts characters.
func (s *jsonSource) resolve(p pos) (int, int) {
	if p <= 0 {
		return 0, 0
	}
	off := min(int(p-1), len(s.data))
	if s.nl == nil {
		s.nl = make([]int, 0, 64)
		for i, c := range s.data {
			if c == '\n' {
				s.nl = append(s.nl, i)
			}
		}
	}
	line := sort.SearchInts(s.nl, off) // newlines before off
	start := 0
	if line > 0 {
		start = s.nl[line-1] + 1
	}
	return line + 1, utf8.RuneCount(s.data[start:off]) + 1
}

func (s *jsonSource) errorAt(p pos, msg string) *DataError {
	line, col := s.resolve(p)
	return &DataError{Line: line, Column: col, Msg: msg}
}

func (s *jsonSource) errorHere(msg string) *DataError { return s.errorAt(pos(s.off+1), msg) }

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

func (s *jsonSource) mapping(what string, f func(string, pos) error) error {
	s.ws()
	if s.off >= len(s.data) || s.data[s.off] != '{' {
		return s.errorHere("want an object for " + what + ", got " + s.unexpected())
	}
	s.off++
	var keys []string
	s.ws()
	if s.off < len(s.data) && s.data[s.off] == '}' {
		s.off++
		return nil
	}
	for {
		s.ws()
		kat := pos(s.off + 1)
		if s.off >= len(s.data) || s.data[s.off] != '"' {
			return s.errorHere("JSON: want a field name in " + what + ", got " + s.unexpected())
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k == key {
				return s.errorAt(kat, "duplicate field "+strconv.Quote(key)+" in "+what)
			}
		}
		keys = append(keys, key)
		if err := s.expect(':', "after a field name"); err != nil {
			return err
		}
		if err := f(key, kat); err != nil {
			return err
		}
		s.ws()
		if s.off < len(s.data) {
			switch s.data[s.off] {
			case ',':
				s.off++
				continue
			case '}':
				s.off++
				return nil
			}
		}
		return s.errorHere("JSON: want ',' or '}' in " + what + ", got " + s.unexpected())
	}
}

func (s *jsonSource) sequence(what string, f func(int) error) error {
	s.ws()
	if s.literal("null") {
		return nil
	}
	if s.off >= len(s.data) || s.data[s.off] != '[' {
		return s.errorHere("want an array for " + what + ", got " + s.unexpected())
	}
	s.off++
	s.ws()
	if s.off < len(s.data) && s.data[s.off] == ']' {
		s.off++
		return nil
	}
	for i := 0; ; i++ {
		if err := f(i); err != nil {
			return err
		}
		s.ws()
		if s.off < len(s.data) {
			switch s.data[s.off] {
			case ',':
				s.off++
				continue
			case ']':
				s.off++
				return nil
			}
		}
		return s.errorHere("JSON: want ',' or ']' in " + what + ", got " + s.unexpected())
	}
}

func (s *jsonSource) scalar(what string) (string, bool, error) {
	s.ws()
	if s.off >= len(s.data) {
		return "", false, s.errorHere("want a value for " + what + ", got end of file")
	}
	switch c := s.data[s.off]; {
	case c == '"':
		v, err := s.str()
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

// str consumes a JSON string and returns its value.
func (s *jsonSource) str() (string, error) {
	s.off++ // the opening quote
	start := s.off
	// Fast path: no escapes, all ASCII.
	for i := start; i < len(s.data); i++ {
		c := s.data[i]
		if c == '"' {
			s.off = i + 1
			return string(s.data[start:i]), nil
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
