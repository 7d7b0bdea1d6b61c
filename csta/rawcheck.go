package csta

// fastCheck confirms, without allocating, that r is one well-formed
// element in the simple subset of XML that raw fields almost always are:
// ASCII, element and attribute names without prefixes, attribute values
// and text without entity or character references, no comments,
// processing instructions, CDATA or directives. It returns the root's
// name and true when r is such an element no deeper than maxDepth; false
// means "not sure", and the full check must decide.
func fastCheck(r RawXML, maxDepth int) (string, bool) {
	s := string(r)
	i := skipSpace(s, 0)
	var stack [64]string
	if maxDepth > len(stack) {
		maxDepth = len(stack)
	}
	depth := 0
	root := ""
	for i < len(s) {
		if s[i] != '<' {
			if depth == 0 {
				return "", false // text outside the element
			}
			for i < len(s) && s[i] != '<' {
				if c := s[i]; c == '&' || c == '>' || c >= 0x80 || c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
					return "", false
				}
				i++
			}
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		if s[i] == '/' { // end tag
			name, j := scanName(s, i+1)
			if name == "" || depth == 0 || stack[depth-1] != name {
				return "", false
			}
			j = skipSpace(s, j)
			if j >= len(s) || s[j] != '>' {
				return "", false
			}
			depth--
			i = j + 1
			if depth == 0 {
				if skipSpace(s, i) != len(s) {
					return "", false // more than one element, or text after it
				}
				return root, true
			}
			continue
		}
		name, j := scanName(s, i)
		if name == "" || depth == 0 && root != "" || depth >= maxDepth {
			return "", false
		}
		if depth == 0 {
			root = name
		}
		// Attributes.
		for {
			k := skipSpace(s, j)
			if k >= len(s) {
				return "", false
			}
			if s[k] == '>' || s[k] == '/' {
				j = k
				break
			}
			if k == j { // no space before the attribute
				return "", false
			}
			attr, k2 := scanName(s, k)
			if attr == "" {
				return "", false
			}
			k2 = skipSpace(s, k2)
			if k2 >= len(s) || s[k2] != '=' {
				return "", false
			}
			k2 = skipSpace(s, k2+1)
			if k2 >= len(s) || s[k2] != '"' && s[k2] != '\'' {
				return "", false
			}
			q := s[k2]
			k2++
			for k2 < len(s) && s[k2] != q {
				if c := s[k2]; c == '<' || c == '&' || c >= 0x80 || c < 0x20 {
					return "", false
				}
				k2++
			}
			if k2 >= len(s) {
				return "", false
			}
			j = k2 + 1
		}
		if s[j] == '/' {
			if j+1 >= len(s) || s[j+1] != '>' {
				return "", false
			}
			i = j + 2
			if depth == 0 {
				if skipSpace(s, i) != len(s) {
					return "", false
				}
				return root, true
			}
			continue
		}
		stack[depth] = name
		depth++
		i = j + 1
	}
	return "", false
}

// scanName reads an XML name without a prefix at s[i:]: an ASCII letter
// or '_', then letters, digits, '_', '-' and '.'. It returns "" when
// there is none or it is followed by ':'.
func scanName(s string, i int) (string, int) {
	start := i
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_':
		case i > start && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		case c == ':':
			return "", i
		default:
			if i == start {
				return "", i
			}
			return s[start:i], i
		}
		i++
	}
	return "", i
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}
