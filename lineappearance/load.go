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
// documentation for the schema). Files named *.json are JSON, *.yaml and
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
	if err := dc.directory(); err != nil {
		return nil, nil, err
	}
	if err := src.end(); err != nil {
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

// source is a directory file being decoded: a cursor on its current value.
// Each method consumes the current value; mapping and sequence call f for
// every entry with the cursor on the entry's value, and f must consume it.
type source interface {
	// pos returns the position of the current value.
	pos() pos
	// mapping walks a mapping (a JSON object). Keys are unique.
	mapping(what string, f func(key string, at pos) error) error
	// sequence walks a sequence (a JSON array); null is an empty one.
	sequence(what string, f func(i int) error) error
	// scalar returns a string, number or boolean as written; ok is false
	// for null.
	scalar(what string) (text string, ok bool, err error)
	// end checks that nothing follows the top-level value.
	end() error
	// errorAt returns a DataError at p (without the file name).
	errorAt(p pos, msg string) *DataError
}

// decoder decodes the directory schema from a source.
type decoder struct {
	src source
	p   *positions
	d   *Data
}

func (dc *decoder) fail(at pos, format string, args ...any) error {
	e := dc.src.errorAt(at, fmt.Sprintf(format, args...))
	e.File = dc.p.file
	return e
}

func (dc *decoder) unknown(at pos, key, in, want string) error {
	return dc.fail(at, "unknown field %q in %s (want %s)", key, in, want)
}

// text decodes a scalar field; null is "".
func (dc *decoder) text(what string) (string, pos, error) {
	at := dc.src.pos()
	s, _, err := dc.src.scalar(what)
	return s, at, err
}

func (dc *decoder) directory() error {
	return dc.src.mapping("the directory", func(key string, at pos) error {
		switch key {
		case "version":
			v, vat, err := dc.text("version")
			if err != nil {
				return err
			}
			if v != "1" {
				return dc.fail(vat, "unsupported version %q (want 1)", v)
			}
			return nil
		case "lines":
			return dc.src.sequence("lines", dc.line)
		case "devices":
			return dc.src.sequence("devices", dc.device)
		case "users":
			return dc.src.sequence("users", dc.user)
		}
		return dc.unknown(at, key, "the directory", "version, lines, devices, users")
	})
}

func (dc *decoder) line(int) error {
	var l Line
	lp := linePos{at: dc.src.pos()}
	var uri string
	var uriAt pos
	err := dc.src.mapping("a line", func(key string, at pos) error {
		var err error
		switch key {
		case "dn":
			l.DN, lp.dn, err = dc.text("dn")
		case "partition":
			l.Partition, lp.partition, err = dc.text("partition")
		case "uri":
			uri, uriAt, err = dc.text("uri")
		default:
			err = dc.unknown(at, key, "a line", "dn, partition, uri")
		}
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case uri != "" && l.DN != "":
		return dc.fail(lp.at, "line has both dn and uri (give one)")
	case uri != "":
		u, err := ParseLineURI(uri)
		if err != nil {
			return dc.fail(uriAt, "%s", strings.TrimPrefix(err.Error(), "lineappearance: "))
		}
		if u.Device != "" {
			return dc.fail(uriAt, "line URI %q names a device (list appearances under devices)", uri)
		}
		if u.Partition != "" && l.Partition != "" && u.Partition != l.Partition {
			return dc.fail(lp.partition, "partition %q differs from the line URI's %q", l.Partition, u.Partition)
		}
		l.DN = u.Number
		if u.Partition != "" {
			l.Partition, lp.partition = u.Partition, uriAt
		}
		lp.dn = uriAt
	case l.DN == "":
		return dc.fail(lp.at, "line needs dn or uri")
	}
	dc.d.Lines = append(dc.d.Lines, l)
	dc.p.lines = append(dc.p.lines, lp)
	return nil
}

func (dc *decoder) device(int) error {
	var dev Device
	dp := devicePos{at: dc.src.pos()}
	firstApp := len(dc.d.Appearances)
	err := dc.src.mapping("a device", func(key string, at pos) error {
		var err error
		switch key {
		case "name":
			dev.Name, dp.name, err = dc.text("name")
		case "model":
			dev.Model, _, err = dc.text("model")
		case "kind":
			var k string
			k, dp.kind, err = dc.text("kind")
			switch {
			case err != nil:
			case k == "" || strings.EqualFold(k, "hard"):
				dev.Kind = HardPhone
			case strings.EqualFold(k, "soft"):
				dev.Kind = SoftPhone
			default:
				err = dc.fail(dp.kind, "unknown device kind %q (want hard or soft)", k)
			}
		case "registered":
			var v string
			var vat pos
			v, vat, err = dc.text("registered")
			switch {
			case err != nil:
			case v == "" || strings.EqualFold(v, "false"):
				dev.Registered = false
			case strings.EqualFold(v, "true"):
				dev.Registered = true
			default:
				err = dc.fail(vat, "registered is %q (want true or false)", v)
			}
		case "lines":
			err = dc.src.sequence("the device's lines", dc.appearance)
		default:
			err = dc.unknown(at, key, "a device", "name, model, kind, registered, lines")
		}
		return err
	})
	if err != nil {
		return err
	}
	if dev.Name == "" {
		return dc.fail(dp.at, "device needs a name")
	}
	for i := firstApp; i < len(dc.d.Appearances); i++ {
		dc.d.Appearances[i].Device = dev.Name
	}
	dc.d.Devices = append(dc.d.Devices, dev)
	dc.p.devices = append(dc.p.devices, dp)
	return nil
}

func (dc *decoder) appearance(i int) error {
	a := Appearance{Index: i + 1}
	ap := appPos{at: dc.src.pos()}
	err := dc.src.mapping("a line appearance", func(key string, at pos) error {
		var err error
		switch key {
		case "dn":
			a.Line.DN, ap.dn, err = dc.text("dn")
		case "partition":
			a.Line.Partition, _, err = dc.text("partition")
		case "index":
			var v string
			v, ap.index, err = dc.text("index")
			if err == nil {
				n, perr := strconv.Atoi(v)
				if perr != nil || n < 1 || n > 1<<20 {
					return dc.fail(ap.index, "index %q is not a positive whole number", v)
				}
				a.Index = n
			}
		default:
			err = dc.unknown(at, key, "a line appearance", "dn, partition, index")
		}
		return err
	})
	if err != nil {
		return err
	}
	if a.Line.DN == "" {
		return dc.fail(ap.at, "line appearance needs a dn")
	}
	dc.d.Appearances = append(dc.d.Appearances, a)
	dc.p.apps = append(dc.p.apps, ap)
	return nil
}

func (dc *decoder) user(int) error {
	var u User
	up := userPos{at: dc.src.pos()}
	err := dc.src.mapping("a user", func(key string, at pos) error {
		var err error
		switch key {
		case "uri":
			u.AOR, up.aor, err = dc.text("uri")
		case "devices":
			err = dc.src.sequence("the user's devices", func(int) error {
				name, nat, err := dc.text("a device name")
				if err != nil {
					return err
				}
				u.Devices = append(u.Devices, name)
				up.devices = append(up.devices, nat)
				return nil
			})
		default:
			err = dc.unknown(at, key, "a user", "uri, devices")
		}
		return err
	})
	if err != nil {
		return err
	}
	if u.AOR == "" {
		return dc.fail(up.at, "user needs a uri")
	}
	dc.d.Users = append(dc.d.Users, u)
	dc.p.users = append(dc.p.users, up)
	return nil
}
