package lineappearance

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// maxProblems is how many problems a validation error lists.
const maxProblems = 20

// snapshot is one immutable, indexed directory. Only the registration
// states change after it is published, each atomically.
type snapshot struct {
	gen uint64

	lines     []lineEntry
	lineByKey map[string]int32 // Line.Key()
	lineByDN  map[string]int32 // first line with the DN, in any partition
	lineApps  []int32          // appearance ids grouped by line, each line's in device order

	devices   []deviceEntry
	devByName map[string]int32 // upper-case name
	apps      []Appearance     // grouped by device, each device's in index order
	devUsers  []string         // canonical AORs grouped by device, each device's in user order

	users     []userEntry
	userByAOR map[string]int32 // canonical AOR
	userDevs  []int32          // device ids grouped by user, each user's in the configured order

	// reg holds each device's registration: bit 0 registered, bit 1 set at
	// run time by SetRegistered (and so kept across Replace).
	reg      []atomic.Uint32
	regCount atomic.Int64
}

const (
	regRegistered = 1
	regRuntime    = 2
)

type lineEntry struct {
	line         Line
	appLo, appHi int32 // range in lineApps
}

type deviceEntry struct {
	dev            Device // Registered is not used: see snapshot.reg
	appLo, appHi   int32  // range in apps
	userLo, userHi int32  // range in devUsers
}

type userEntry struct {
	aor          string
	devLo, devHi int32 // range in userDevs
}

// pos is a place in a directory file, decoded by positions.resolve; 0 is
// unknown.
type pos int64

// positions locates the elements of a Data in the file it was decoded from.
// Each slice runs parallel to the Data slice of the same name.
type positions struct {
	file    string
	resolve func(pos) (line, col int)
	lines   []linePos
	devices []devicePos
	apps    []appPos
	users   []userPos
}

type linePos struct{ at, dn, partition pos }

type devicePos struct{ at, name, kind pos }

type appPos struct{ at, dn, index pos }

type userPos struct {
	at, aor pos
	devices []pos
}

// problems collects validation problems.
type problems struct {
	p    *positions
	list []*DataError
}

// add records a problem with the element at path, at place at when the data
// came from a file.
func (ps *problems) add(path string, at pos, format string, args ...any) {
	e := &DataError{Path: path, Msg: fmt.Sprintf(format, args...)}
	if ps.p != nil {
		e.File = ps.p.file
		if at != 0 && ps.p.resolve != nil {
			e.Line, e.Column = ps.p.resolve(at)
			e.Path = ""
		}
	}
	ps.list = append(ps.list, e)
}

// where describes the place of an earlier element for a message: "line:col"
// when known, otherwise its path.
func (ps *problems) where(path string, at pos) string {
	if ps.p != nil && at != 0 && ps.p.resolve != nil {
		l, c := ps.p.resolve(at)
		return strconv.Itoa(l) + ":" + strconv.Itoa(c)
	}
	return path
}

// err returns the problems, first in file or data order, as one error, or
// nil.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	slices.SortStableFunc(ps.list, func(a, b *DataError) int {
		if c := cmp.Compare(a.Line, b.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Column, b.Column)
	})
	n := min(len(ps.list), maxProblems)
	errs := make([]error, 0, n+1)
	for _, e := range ps.list[:n] {
		errs = append(errs, e)
	}
	if more := len(ps.list) - n; more > 0 {
		last := &DataError{Path: "...", Msg: strconv.Itoa(more) + " more problems"}
		if ps.p != nil {
			last.File = ps.p.file
		}
		errs = append(errs, last)
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// at returns the i'th element of s, or the zero value when s is short (the
// data did not come from a file).
func at[T any](s []T, i int) T {
	if i < len(s) {
		return s[i]
	}
	var zero T
	return zero
}

// upperASCII returns s with ASCII letters upper-cased; s itself when it has
// no lower-case letters.
func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}

// build validates d and indexes it. p, when not nil, locates d's elements in
// a file for the error messages. The snapshot shares no slices with d.
func build(d *Data, p *positions) (*snapshot, error) {
	ps := &problems{p: p}
	if d == nil {
		d = &Data{}
	}
	var lp []linePos
	var dp []devicePos
	var ap []appPos
	var up []userPos
	if p != nil {
		lp, dp, ap, up = p.lines, p.devices, p.apps, p.users
	}
	s := &snapshot{
		lines:     make([]lineEntry, 0, len(d.Lines)),
		lineByKey: make(map[string]int32, len(d.Lines)),
		lineByDN:  make(map[string]int32, len(d.Lines)),
		devices:   make([]deviceEntry, 0, len(d.Devices)),
		devByName: make(map[string]int32, len(d.Devices)),
		users:     make([]userEntry, 0, len(d.Users)),
		userByAOR: make(map[string]int32, len(d.Users)),
	}
	if len(d.Lines) > 1<<30 || len(d.Devices) > 1<<30 || len(d.Appearances) > 1<<30 || len(d.Users) > 1<<30 {
		ps.add("", 0, "directory too large")
		return nil, ps.err()
	}

	// Lines.
	lineSrc := make([]int32, 0, len(d.Lines))
	for i, l := range d.Lines {
		path := "lines[" + strconv.Itoa(i) + "]"
		pp := at(lp, i)
		dn, nerr := normalizeNumber(l.DN)
		if nerr != nil {
			ps.add(path, cmp.Or(pp.dn, pp.at), "directory number %q: %s", l.DN, nerr.msg)
			continue
		}
		if l.Partition != "" {
			if msg := checkPartition(l.Partition); msg != "" {
				ps.add(path, cmp.Or(pp.partition, pp.at), "line %s: %s", dn, msg)
				continue
			}
		}
		line := Line{DN: dn, Partition: l.Partition}
		key := line.Key()
		if first, dup := s.lineByKey[key]; dup {
			fi := int(lineSrc[first])
			ps.add(path, pp.at, "duplicate line %s (first at %s)", key, ps.where("lines["+strconv.Itoa(fi)+"]", at(lp, fi).at))
			continue
		}
		id := int32(len(s.lines))
		e := lineEntry{line: line}
		lineSrc = append(lineSrc, int32(i))
		if _, ok := s.lineByDN[dn]; !ok {
			s.lineByDN[dn] = id
		}
		s.lineByKey[key] = id
		s.lines = append(s.lines, e)
	}

	// Devices.
	devSrc := make([]int32, 0, len(d.Devices))
	for i, dev := range d.Devices {
		path := "devices[" + strconv.Itoa(i) + "]"
		pp := at(dp, i)
		if msg := checkDeviceName(dev.Name); msg != "" {
			ps.add(path, cmp.Or(pp.name, pp.at), "%s: %q", msg, dev.Name)
			continue
		}
		if dev.Kind != HardPhone && dev.Kind != SoftPhone {
			ps.add(path, cmp.Or(pp.kind, pp.at), "device %s: unknown kind %d", dev.Name, dev.Kind)
			continue
		}
		key := upperASCII(dev.Name)
		if first, dup := s.devByName[key]; dup {
			fi := int(devSrc[first])
			ps.add(path, cmp.Or(pp.name, pp.at), "duplicate device %s (first at %s)", dev.Name,
				ps.where("devices["+strconv.Itoa(fi)+"]", cmp.Or(at(dp, fi).name, at(dp, fi).at)))
			continue
		}
		s.devByName[key] = int32(len(s.devices))
		devSrc = append(devSrc, int32(i))
		dev.Registered = false
		s.devices = append(s.devices, deviceEntry{dev: dev})
	}

	// Appearances: resolve, then group by device (a counting sort) and
	// order each device's by index.
	type app struct {
		a         Appearance
		line, dev int32
		src       int32
	}
	apps := make([]app, 0, len(d.Appearances))
	for i, a := range d.Appearances {
		path := "appearances[" + strconv.Itoa(i) + "]"
		pp := at(ap, i)
		dn, nerr := normalizeNumber(a.Line.DN)
		if nerr != nil {
			ps.add(path, cmp.Or(pp.dn, pp.at), "directory number %q: %s", a.Line.DN, nerr.msg)
			continue
		}
		key := Line{DN: dn, Partition: a.Line.Partition}.Key()
		line, ok := s.lineByKey[key]
		if !ok {
			ps.add(path, cmp.Or(pp.dn, pp.at), "appearance of unknown line %s on device %s", key, a.Device)
			continue
		}
		dev, ok := s.devByName[upperASCII(a.Device)]
		if !ok {
			ps.add(path, pp.at, "appearance of line %s on unknown device %q", key, a.Device)
			continue
		}
		if a.Index < 1 {
			ps.add(path, cmp.Or(pp.index, pp.at), "line %s on device %s: index %d is not a positive number", key, a.Device, a.Index)
			continue
		}
		apps = append(apps, app{
			a:    Appearance{Line: s.lines[line].line, Device: s.devices[dev].dev.Name, Index: a.Index},
			line: line, dev: dev, src: int32(i),
		})
	}
	counts := make([]int32, len(s.devices)+1)
	for _, a := range apps {
		counts[a.dev+1]++
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	for i := range s.devices {
		s.devices[i].appLo, s.devices[i].appHi = counts[i], counts[i]
	}
	sorted := make([]app, len(apps))
	for _, a := range apps {
		e := &s.devices[a.dev]
		sorted[e.appHi] = a
		e.appHi++
	}
	s.apps = make([]Appearance, 0, len(sorted))
	lineOf := make([]int32, 0, len(sorted)) // line id of each kept appearance
	// lastDev and lastSrc remember, per line, the device it was last seen on
	// and that appearance's Data index, to find a line twice on one device.
	lastDev := make([]int32, len(s.lines))
	lastSrc := make([]int32, len(s.lines))
	for i := range lastDev {
		lastDev[i] = -1
	}
	appPath := func(src int32) string { return "appearances[" + strconv.Itoa(int(src)) + "]" }
	for di := range s.devices {
		e := &s.devices[di]
		group := sorted[e.appLo:e.appHi]
		slices.SortStableFunc(group, func(a, b app) int { return cmp.Compare(a.a.Index, b.a.Index) })
		e.appLo = int32(len(s.apps))
		for gi, a := range group {
			pp := at(ap, int(a.src))
			if lastDev[a.line] == int32(di) {
				first := lastSrc[a.line]
				ps.add(appPath(a.src), pp.at, "line %s appears twice on device %s (first at %s)",
					a.a.Line.Key(), a.a.Device, ps.where(appPath(first), at(ap, int(first)).at))
				continue
			}
			lastDev[a.line], lastSrc[a.line] = int32(di), a.src
			if gi > 0 && group[gi-1].a.Index == a.a.Index {
				b := group[gi-1]
				bp := at(ap, int(b.src))
				ps.add(appPath(a.src), cmp.Or(pp.index, pp.at), "index %d clash on device %s: lines %s and %s (first at %s)",
					a.a.Index, a.a.Device, b.a.Line.Key(), a.a.Line.Key(), ps.where(appPath(b.src), cmp.Or(bp.index, bp.at)))
				continue
			}
			s.apps = append(s.apps, a.a)
			lineOf = append(lineOf, a.line)
		}
		e.appHi = int32(len(s.apps))
	}
	// Appearances by line, in device order.
	lcounts := make([]int32, len(s.lines)+1)
	for _, l := range lineOf {
		lcounts[l+1]++
	}
	for i := 1; i < len(lcounts); i++ {
		lcounts[i] += lcounts[i-1]
	}
	for i := range s.lines {
		s.lines[i].appLo, s.lines[i].appHi = lcounts[i], lcounts[i]
	}
	s.lineApps = make([]int32, len(lineOf))
	for ai, l := range lineOf {
		e := &s.lines[l]
		s.lineApps[e.appHi] = int32(ai)
		e.appHi++
	}

	// Users.
	userSrc := make([]int32, 0, len(d.Users))
	lastUser := make([]int32, len(s.devices)) // per device, 1 + the last user listing it
	for i, u := range d.Users {
		path := "users[" + strconv.Itoa(i) + "]"
		pp := at(up, i)
		aor, err := NormalizeUser(u.AOR)
		if err != nil {
			var pe *ParseError
			msg := err.Error()
			if errors.As(err, &pe) {
				msg = pe.Msg
			}
			ps.add(path, cmp.Or(pp.aor, pp.at), "user %q: %s", u.AOR, msg)
			continue
		}
		if first, dup := s.userByAOR[aor]; dup {
			fi := int(userSrc[first])
			ps.add(path, cmp.Or(pp.aor, pp.at), "duplicate user %s (first at %s)", aor,
				ps.where("users["+strconv.Itoa(fi)+"]", cmp.Or(at(up, fi).aor, at(up, fi).at)))
			continue
		}
		e := userEntry{aor: aor, devLo: int32(len(s.userDevs))}
		for j, name := range u.Devices {
			dpos := cmp.Or(at(pp.devices, j), pp.at)
			dev, ok := s.devByName[upperASCII(name)]
			if !ok {
				ps.add(path+".devices["+strconv.Itoa(j)+"]", dpos, "user %s: unknown device %q", aor, name)
				continue
			}
			if lastUser[dev] == int32(len(s.users))+1 {
				ps.add(path+".devices["+strconv.Itoa(j)+"]", dpos, "user %s: device %s listed twice", aor, name)
				continue
			}
			lastUser[dev] = int32(len(s.users)) + 1
			s.userDevs = append(s.userDevs, dev)
		}
		e.devHi = int32(len(s.userDevs))
		s.userByAOR[aor] = int32(len(s.users))
		s.users = append(s.users, e)
		userSrc = append(userSrc, int32(i))
	}
	// Users by device, in user order.
	dcounts := make([]int32, len(s.devices)+1)
	for _, dev := range s.userDevs {
		dcounts[dev+1]++
	}
	for i := 1; i < len(dcounts); i++ {
		dcounts[i] += dcounts[i-1]
	}
	for i := range s.devices {
		s.devices[i].userLo, s.devices[i].userHi = dcounts[i], dcounts[i]
	}
	s.devUsers = make([]string, len(s.userDevs))
	for _, u := range s.users {
		for _, dev := range s.userDevs[u.devLo:u.devHi] {
			e := &s.devices[dev]
			s.devUsers[e.userHi] = u.aor
			e.userHi++
		}
	}

	if err := ps.err(); err != nil {
		return nil, err
	}
	s.reg = make([]atomic.Uint32, len(s.devices))
	n := 0
	for i, src := range devSrc {
		if d.Devices[src].Registered {
			s.reg[i].Store(regRegistered)
			n++
		}
	}
	s.regCount.Store(int64(n))
	return s, nil
}
