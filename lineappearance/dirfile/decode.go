package dirfile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/lineappearance/internal/located"
)

// pos is a place in the file being decoded.
type pos = located.Pos

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
	// errorAt returns a lineappearance.DataError at p (without the file name).
	errorAt(p pos, msg string) *lineappearance.DataError
}

// decoder decodes the directory schema from a source.
type decoder struct {
	src source
	p   *located.Places
	d   *lineappearance.Data
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

// either decodes a scalar field that is one of two words, in any case:
// null, "" or first is false, second is true, anything else an error
// (bad, with the value for its %q).
func (dc *decoder) either(what, first, second, bad string) (bool, pos, error) {
	v, at, err := dc.text(what, true)
	switch {
	case err != nil:
		return false, at, err
	case v == "" || strings.EqualFold(v, first):
		return false, at, nil
	case strings.EqualFold(v, second):
		return true, at, nil
	}
	return false, at, dc.fail(at, bad, v)
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
	var l lineappearance.Line
	lp := located.Line{At: dc.src.pos()}
	var uri string
	var uriAt pos
	err := dc.fields(what, func(key string, at pos) error {
		var err error
		switch key {
		case "dn":
			l.DN, lp.DN, err = dc.text("dn", false)
		case "partition":
			l.Partition, lp.Partition, err = dc.text("partition", true)
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
		return dc.fail(lp.At, "line has both dn and uri (give one)")
	case uri != "":
		u, err := lineappearance.ParseLineURI(uri)
		if err != nil {
			return dc.fail(uriAt, "%s", strings.TrimPrefix(err.Error(), "lineappearance: "))
		}
		if u.Device != "" {
			return dc.fail(uriAt, "line URI %q names a device (list appearances under devices)", uri)
		}
		if u.Partition != "" && l.Partition != "" && u.Partition != l.Partition {
			return dc.fail(lp.Partition, "partition %q differs from the line URI's %q", l.Partition, u.Partition)
		}
		l.DN = u.Number
		if u.Partition != "" {
			l.Partition, lp.Partition = u.Partition, uriAt
		}
		lp.DN = uriAt
	case l.DN == "":
		return dc.fail(lp.At, "line needs dn or uri")
	}
	dc.d.Lines = push(dc.d.Lines, l)
	dc.p.Lines = push(dc.p.Lines, lp)
	return nil
}

func (dc *decoder) device(int) error {
	const what = "a device"
	var dev lineappearance.Device
	dp := located.Device{At: dc.src.pos()}
	firstApp := len(dc.d.Appearances)
	err := dc.fields(what, func(key string, at pos) error {
		var err error
		switch key {
		case "name":
			dev.Name, dp.Name, err = dc.text("name", false)
		case "model":
			dev.Model, _, err = dc.text("model", true)
		case "kind":
			var soft bool
			soft, dp.Kind, err = dc.either("kind", "hard", "soft", "unknown device kind %q (want hard or soft)")
			dev.Kind = lineappearance.HardPhone
			if soft {
				dev.Kind = lineappearance.SoftPhone
			}
		case "registered":
			dev.Registered, _, err = dc.either("registered", "false", "true", "registered is %q (want true or false)")
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
		return dc.fail(dp.At, "device needs a name")
	}
	for i := firstApp; i < len(dc.d.Appearances); i++ {
		dc.d.Appearances[i].Device = dev.Name
		dc.p.Apps[i].Dev = int32(len(dc.d.Devices)) + 1
	}
	dc.d.Devices = push(dc.d.Devices, dev)
	dc.p.Devices = push(dc.p.Devices, dp)
	return nil
}

// appearance decodes the i'th of a device's lines.
func (dc *decoder) appearance(i int) error {
	const what = "a line appearance"
	a := lineappearance.Appearance{Index: i + 1}
	ap := located.App{At: dc.src.pos()}
	err := dc.fields(what, func(key string, at pos) error {
		var err error
		switch key {
		case "dn":
			a.Line.DN, ap.DN, err = dc.text("dn", false)
		case "partition":
			a.Line.Partition, _, err = dc.text("partition", true)
		case "index":
			var v string
			v, ap.Index, err = dc.text("index", true)
			if err == nil {
				n, perr := strconv.Atoi(v)
				if perr != nil || n < 1 || n > 1<<20 {
					return dc.fail(ap.Index, "index %q is not a positive whole number", v)
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
		return dc.fail(ap.At, "line appearance needs a dn")
	}
	dc.d.Appearances = push(dc.d.Appearances, a)
	dc.p.Apps = push(dc.p.Apps, ap)
	return nil
}

func (dc *decoder) user(int) error {
	const what = "a user"
	var u lineappearance.User
	up := located.User{At: dc.src.pos()}
	err := dc.fields(what, func(key string, at pos) error {
		switch key {
		case "uri":
			var err error
			u.AOR, up.AOR, err = dc.text("uri", false)
			return err
		case "devices":
			return dc.each("the user's devices", func(int) error {
				name, nat, err := dc.text("a device name", false)
				u.Devices = append(u.Devices, name)
				up.Devices = append(up.Devices, nat)
				return err
			})
		case "credentials":
			return dc.each("the user's credentials", func(int) error {
				c, err := dc.credential()
				u.Credentials = append(u.Credentials, c)
				return err
			})
		}
		return dc.unknown(at, key, what, "uri, devices, credentials")
	})
	if err != nil {
		return err
	}
	if u.AOR == "" {
		return dc.fail(up.At, "user needs a uri")
	}
	dc.d.Users = push(dc.d.Users, u)
	dc.p.Users = push(dc.p.Users, up)
	return nil
}

// credential decodes one of a user's digest credentials: the realm and
// the HA1 hashes (never a password).
func (dc *decoder) credential() (lineappearance.Credential, error) {
	const what = "a credential"
	var c lineappearance.Credential
	at := dc.src.pos()
	err := dc.fields(what, func(key string, kat pos) error {
		var err error
		switch key {
		case "realm":
			c.Realm, _, err = dc.text("realm", true)
		case "ha1_md5":
			c.HA1MD5, _, err = dc.text("ha1_md5", false)
		case "ha1_sha256":
			c.HA1SHA256, _, err = dc.text("ha1_sha256", false)
		case "password":
			return dc.fail(kat, "a credential holds the HA1 hashes (ha1_md5, ha1_sha256), never a password")
		default:
			return dc.unknown(kat, key, what, "realm, ha1_md5, ha1_sha256")
		}
		return err
	})
	if err == nil && c.Realm == "" {
		err = dc.fail(at, "credential needs a realm")
	}
	return c, err
}
