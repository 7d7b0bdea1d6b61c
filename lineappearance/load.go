package lineappearance

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

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

// LoadFile reads and validates a directory file (see the package
// documentation for the schema). The Data holds the values as the file
// writes them (a line given by uri holds the URI's number and partition);
// the Store normalises them. Files named *.json are JSON, *.yaml and
// *.yml are YAML, others are detected as [FormatAuto] does. Every problem is
// reported as a *[DataError] with the file, line and column; several are
// joined with errors.Join.
func LoadFile(path string) (*Data, error) {
	d, _, err := loadFile(path, false)
	return d, err
}

// Parse decodes and validates a directory file's contents, like LoadFile
// without a file name.
func Parse(data []byte, format Format) (*Data, error) {
	d, _, err := parse("", data, format, false)
	return d, err
}

// loadSnapshot loads a directory file straight into a snapshot.
func loadSnapshot(path string) (*snapshot, error) {
	_, s, err := loadFile(path, true)
	return s, err
}

func loadFile(path string, keep bool) (*Data, *snapshot, error) {
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
	return parse(path, data, format, keep)
}

var bom = []byte("\xef\xbb\xbf")

// parse decodes and validates data. keep says whether to return the
// snapshot that validation builds.
func parse(file string, data []byte, format Format, keep bool) (*Data, *snapshot, error) {
	if format == FormatAuto {
		format = FormatYAML
		if t := bytes.TrimLeft(bytes.TrimPrefix(data, bom), " \t\r\n"); len(t) > 0 && t[0] == '{' {
			format = FormatJSON
		}
	}
	p := &positions{file: file}
	var src source
	switch format {
	case FormatJSON:
		js := newJSONSource(data)
		p.resolve = js.resolve
		src = js
	case FormatYAML:
		p.resolve = resolveYAML
		ys, err := newYAMLSource(data)
		if err != nil {
			err.File = file
			return nil, nil, err
		}
		src = ys
	default:
		return nil, nil, fmt.Errorf("%w %d", ErrUnknownFormat, format)
	}
	dc := &decoder{src: src, p: p, d: &Data{}}
	err := dc.directory()
	if err == nil {
		err = src.end()
	}
	if err != nil {
		if de, ok := err.(*DataError); ok {
			de.File = file
		}
		return nil, nil, err
	}
	s, err := build(dc.d, p)
	if err != nil {
		return nil, nil, err
	}
	if !keep {
		s = nil
	}
	return dc.d, s, nil
}
