package csta

// Extensions is the extensions element that most messages may carry. The
// Microsoft RCC Line URI (lcs:line in privateData/private) is a typed field;
// every other piece of private data is kept as raw XML, so a decode/encode
// round trip loses nothing.
type Extensions struct {
	// Line is the Line URI of Microsoft's RCC extension
	// (<lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">),
	// exactly as the peer wrote it. Empty when absent.
	Line string
	// Private holds the other children of privateData/private, in order.
	Private []RawXML
	// PrivateData holds children of privateData other than private (such as
	// the schema's hexBinary string element), in order.
	PrivateData []RawXML
	// Other holds children of extensions other than privateData (such as
	// security data), in order.
	Other []RawXML
}

// WithLine returns an Extensions carrying only a Line URI.
func WithLine(line string) *Extensions { return &Extensions{Line: line} }

// LineOf returns the Line URI carried by x, or "" when x is nil or carries
// none.
func (x *Extensions) LineOf() string {
	if x == nil {
		return ""
	}
	return x.Line
}

func (x *Extensions) empty() bool {
	return x.Line == "" && len(x.Private) == 0 && len(x.PrivateData) == 0 && len(x.Other) == 0
}

// optExtensions decodes the extensions child, or returns nil when it is
// absent or empty.
func (e *element) optExtensions() (*Extensions, error) {
	c := e.child("extensions")
	if c == nil {
		return nil, nil
	}
	x := new(Extensions)
	err := c.children(func(k *element) error {
		if k.name() != "privateData" {
			raw, err := k.rawXML()
			x.Other = append(x.Other, raw)
			return err
		}
		return k.children(func(p *element) error {
			if p.name() != "private" {
				raw, err := p.rawXML()
				x.PrivateData = append(x.PrivateData, raw)
				return err
			}
			return p.children(func(item *element) error {
				if item.name() == "line" && (item.NamespaceURI() == NamespaceRCC || item.Space == "lcs") && x.Line == "" {
					x.Line = item.text()
					return nil
				}
				raw, err := item.rawXML()
				x.Private = append(x.Private, raw)
				return err
			})
		})
	})
	if err != nil {
		return nil, err
	}
	if x.empty() {
		return nil, nil
	}
	return x, nil
}

// extensions writes an extensions element when x carries anything.
func (w *writer) extensions(x *Extensions) {
	if x == nil || x.empty() {
		return
	}
	w.open("extensions")
	if x.Line != "" || len(x.Private) > 0 || len(x.PrivateData) > 0 {
		w.open("privateData")
		if x.Line != "" || len(x.Private) > 0 {
			w.open("private")
			if x.Line != "" {
				w.b = append(w.b, `<lcs:line xmlns:lcs="`+NamespaceRCC+`">`...)
				w.escape(x.Line, false)
				w.b = append(w.b, `</lcs:line>`...)
			}
			for _, r := range x.Private {
				w.raw(r)
			}
			w.close("private")
		}
		for _, r := range x.PrivateData {
			w.raw(r)
		}
		w.close("privateData")
	}
	for _, r := range x.Other {
		w.raw(r)
	}
	w.close("extensions")
}
