package dirfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/lineappearance/internal/located"
)

// ErrUnknownFormat reports a directory format that is neither YAML nor
// JSON.
var ErrUnknownFormat = errors.New("lineappearance: unknown directory format")

// Format is the syntax of a directory file.
type Format uint8

// The directory file formats.
const (
	// FormatAuto takes a file whose first character (after white space
	// and a byte order mark) is "{" as JSON, and anything else as YAML.
	FormatAuto Format = iota
	// FormatYAML is YAML 1.2, one document; anchors and aliases are not
	// allowed.
	FormatYAML
	// FormatJSON is JSON (RFC 8259). It is much faster to load than YAML,
	// which matters for directories of many thousands of devices.
	FormatJSON
)

// String returns "auto", "yaml" or "json".
func (f Format) String() string {
	switch f {
	case FormatAuto:
		return "auto"
	case FormatYAML:
		return "yaml"
	case FormatJSON:
		return "json"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// Load reads and validates a directory file (see the package documentation
// for the schema). The Data holds the values as the file writes them (a
// line given by uri holds the URI's number and partition); the Store
// normalises them. Files named *.json are JSON, *.yaml and *.yml are YAML,
// others are detected as [FormatAuto] does. Every problem is reported as a
// *[lineappearance.DataError] with the file, line and column; several are
// joined with errors.Join.
func Load(path string) (*lineappearance.Data, error) {
	d, p, err := loadFile(path)
	if err != nil {
		return nil, err
	}
	if err := located.Validate(d, p); err != nil {
		return nil, err
	}
	return d, nil
}

// Parse decodes and validates a directory file's contents, like Load
// without a file name.
func Parse(data []byte, format Format) (*lineappearance.Data, error) {
	d, p, err := parse("", data, format)
	if err != nil {
		return nil, err
	}
	if err := located.Validate(d, p); err != nil {
		return nil, err
	}
	return d, nil
}

// LoadStore loads a directory file as [Load] does and returns a Store
// holding it, like [lineappearance.NewStore]. It validates and indexes the
// file once, where Load followed by NewStore does both twice.
func LoadStore(path string, opts lineappearance.Options) (*lineappearance.Store, error) {
	s, err := located.NewStore(opts, fileDecoder(path))
	if err != nil {
		return nil, err
	}
	return s.(*lineappearance.Store), nil
}

// Reload loads a directory file as [Load] does and makes it s's directory,
// like [lineappearance.Store.Replace]. If the file cannot be read or fails
// validation, s keeps its directory and the error says why, with the file,
// line and column of each problem. Registration states set with
// SetRegistered carry over as they do for Replace.
func Reload(s *lineappearance.Store, path string) error {
	return located.Replace(s, fileDecoder(path))
}

// fileDecoder returns the function that decodes the file at path, for the
// hooks that validate and index the result once.
func fileDecoder(path string) located.Decode {
	return func() (any, *located.Places, error) {
		d, p, err := loadFile(path)
		return d, p, err
	}
}

func loadFile(path string) (*lineappearance.Data, *located.Places, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("lineappearance: %w", err)
	}
	format := FormatAuto
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		format = FormatJSON
	case ".yaml", ".yml":
		format = FormatYAML
	}
	return parse(path, data, format)
}

var bom = []byte("\xef\xbb\xbf")

// parse decodes data and returns it with the places of its elements; it
// does not validate it.
func parse(file string, data []byte, format Format) (*lineappearance.Data, *located.Places, error) {
	if format == FormatAuto {
		format = FormatYAML
		if t := bytes.TrimLeft(bytes.TrimPrefix(data, bom), " \t\r\n"); len(t) > 0 && t[0] == '{' {
			format = FormatJSON
		}
	}
	p := &located.Places{File: file}
	var src source
	switch format {
	case FormatJSON:
		js := newJSONSource(data)
		p.Resolve = js.resolve
		src = js
	case FormatYAML:
		p.Resolve = resolveYAML
		ys, err := newYAMLSource(data)
		if err != nil {
			err.File = file
			return nil, nil, err
		}
		src = ys
	default:
		return nil, nil, fmt.Errorf("%w %d", ErrUnknownFormat, format)
	}
	dc := &decoder{src: src, p: p, d: &lineappearance.Data{}}
	err := dc.directory()
	if err == nil {
		err = src.end()
	}
	if err != nil {
		if de, ok := err.(*lineappearance.DataError); ok {
			de.File = file
		}
		return nil, nil, err
	}
	return dc.d, p, nil
}
