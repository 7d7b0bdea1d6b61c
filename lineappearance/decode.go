package lineappearance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// source is a directory file being decoded, read as a stream of values.
// mapping and sequence start walking a mapping (a JSON object) or a
// sequence (a JSON array); field and item then step through it, leaving
// the cursor on the entry's value, which the caller must consume before
// the next step. After the last entry they report false and the walk is
// over.
type source interface {
	// pos returns the position of the current value.
	pos() pos
	// mapping starts walking the current value as a mapping.
	mapping(what string) error
	// field steps to the next field of the innermost mapping and returns
	// its key and the key's position. Keys are unique.
	field() (key string, at pos, ok bool, err error)
	// sequence starts walking the current value as a sequence; null is an
	// empty one.
	sequence(what string) error
	// item steps to the next item of the innermost sequence.
	item() (ok bool, err error)
	// scalar consumes a string, number or boolean and returns it as
	// written; ok is false for null. intern asks to share the string with
	// equal values, for values that repeat.
	scalar(what string, intern bool) (text string, ok bool, err error)
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
	return dc.src.errorAt(at, fmt.Sprintf(format, args...))
}

func (dc *decoder) unknown(at pos, key, in, want string) error {
	return dc.fail(at, "unknown field %q in %s (want %s)", key, in, want)
}

// text decodes a scalar field; null is "".
func (dc *decoder) text(what string, intern bool) (string, pos, error) {
	at := dc.src.pos()
	s, _, err := dc.src.scalar(what, intern)
	return s, at, err
}

// fields calls f for every field of a mapping, with the cursor on the
// field's value.
func (dc *decoder) fields(what string, f func(key string, at pos) error) error {
	if err := dc.src.mapping(what); err != nil {
		return err
	}
	for {
		key, at, ok, err := dc.src.field()
		if err != nil || !ok {
			return err
		}
		if err := f(key, at); err != nil {
			return err
		}
	}
}

// push appends v to s, doubling the capacity when it runs out: append
// grows large slices by a quarter, which copies a large directory's
// slices many times over.
func push[T any](s []T, v T) []T {
	if len(s) == cap(s) {
		s = slices.Grow(s, max(len(s), 8))
	}
	return append(s, v)
}

// each calls f for every item of a sequence.
func (dc *decoder) each(what string, f func(i int) error) error {
	if err := dc.src.sequence(what); err != nil {
		return err
	}
	for i := 0; ; i++ {
		ok, err := dc.src.item()
		if err != nil || !ok {
			return err
		}
		if err := f(i); err != nil {
			return err
		}
	}
}

func (dc *decoder) directory() error {
	const what = "the directory"
	return dc.fields(what, func(key string, at pos) error {
		switch key {
		case "version":
			v, vat, err := dc.text("version", false)
			if err == nil && v != "1" {
				err = dc.fail(vat, "unsupported version %q (want 1)", v)
			}
			return err
		case "lines":
			return dc.each("lines", dc.line)
		case "devices":
			return dc.each("devices", dc.device)
		case "users":
			return dc.each("users", dc.user)
		}
		return dc.unknown(at, key, what, "version, lines, devices, users")
	})
}

func (dc *decoder) line(int) error {
	const what = "a line"
	var l Line
	lp := linePos{at: dc.src.pos()}
	var uri string
	var uriAt pos
	err := dc.fields(what, func(key string, at pos) error {
		var err error
		switch key {
		case "dn":
			l.DN, lp.dn, err = dc.text("dn", false)
		case "partition":
			l.Partition, lp.partition, err = dc.text("partition", true)
		case "uri":
			uri, uriAt, err = dc.text("uri", false)
		default:
			err = dc.unknown(at, key, what, "dn, partition, uri")
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
	dc.d.Lines = push(dc.d.Lines, l)
	dc.p.lines = push(dc.p.lines, lp)
	return nil
}

func (dc *decoder) device(int) error {
	const what = "a device"
	var dev Device
	dp := devicePos{at: dc.src.pos()}
	firstApp := len(dc.d.Appearances)
	err := dc.fields(what, func(key string, at pos) error {
		var err error
		switch key {
		case "name":
			dev.Name, dp.name, err = dc.text("name", false)
		case "model":
			dev.Model, _, err = dc.text("model", true)
		case "kind":
			var k string
			k, dp.kind, err = dc.text("kind", true)
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
			v, vat, err = dc.text("registered", true)
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
			err = dc.each("the device's lines", dc.appearance)
		default:
			err = dc.unknown(at, key, what, "name, model, kind, registered, lines")
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
		dc.p.apps[i].dev = int32(len(dc.d.Devices)) + 1
	}
	dc.d.Devices = push(dc.d.Devices, dev)
	dc.p.devices = push(dc.p.devices, dp)
	return nil
}

// appearance decodes the i'th of a device's lines.
func (dc *decoder) appearance(i int) error {
	const what = "a line appearance"
	a := Appearance{Index: i + 1}
	ap := appPos{at: dc.src.pos()}
	err := dc.fields(what, func(key string, at pos) error {
		var err error
		switch key {
		case "dn":
			a.Line.DN, ap.dn, err = dc.text("dn", false)
		case "partition":
			a.Line.Partition, _, err = dc.text("partition", true)
		case "index":
			var v string
			v, ap.index, err = dc.text("index", true)
			if err == nil {
				n, perr := strconv.Atoi(v)
				if perr != nil || n < 1 || n > 1<<20 {
					return dc.fail(ap.index, "index %q is not a positive whole number", v)
				}
				a.Index = n
			}
		default:
			err = dc.unknown(at, key, what, "dn, partition, index")
		}
		return err
	})
	if err != nil {
		return err
	}
	if a.Line.DN == "" {
		return dc.fail(ap.at, "line appearance needs a dn")
	}
	dc.d.Appearances = push(dc.d.Appearances, a)
	dc.p.apps = push(dc.p.apps, ap)
	return nil
}

func (dc *decoder) user(int) error {
	const what = "a user"
	var u User
	up := userPos{at: dc.src.pos()}
	err := dc.fields(what, func(key string, at pos) error {
		switch key {
		case "uri":
			var err error
			u.AOR, up.aor, err = dc.text("uri", false)
			return err
		case "devices":
			return dc.each("the user's devices", func(int) error {
				name, nat, err := dc.text("a device name", false)
				u.Devices = append(u.Devices, name)
				up.devices = append(up.devices, nat)
				return err
			})
		}
		return dc.unknown(at, key, what, "uri, devices")
	})
	if err != nil {
		return err
	}
	if u.AOR == "" {
		return dc.fail(up.at, "user needs a uri")
	}
	dc.d.Users = push(dc.d.Users, u)
	dc.p.users = push(dc.p.users, up)
	return nil
}
