package lineappearance

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/rcc-go/rcc/lineappearance/internal/located"
)

// maxProblems is how many problems a validation error lists.
const maxProblems = 20

// snapshot is one immutable, indexed directory. Only the registration
// states change after it is published, each atomically.
type snapshot struct {
	gen uint64

	lines     []lineEntry
	lineByKey map[string]int32 // Line.Key()
	// partitionedDN holds the DNs of the lines in a partition; with
	// lineByKey it says whether a DN is a line in any partition.
	partitionedDN map[string]struct{}
	lineApps      []int32 // appearance ids grouped by line, each line's in device order

	devices   []deviceEntry
	devByName map[string]int32 // upper-case name
	apps      []appEntry       // grouped by device, each device's in index order
	devUsers  []string         // canonical AORs grouped by device, each device's in user order

	users     []userEntry
	userByAOR map[string]int32 // canonical AOR
	userDevs  []int32          // device ids grouped by user, each user's in the configured order

	// reg holds each device's registration: bit 0 registered, bit 1 set at
	// run time by SetRegistered (and so kept across Replace).
	reg      []atomic.Uint32
	regCount atomic.Int64
	// runtimeReg says whether SetRegistered has set any state; it is
	// read and written only under Store.mu.
	runtimeReg bool
}

const (
	regRegistered = 1
	regRuntime    = 2
)

type lineEntry struct {
	line         Line
	appLo, appHi int32 // range in lineApps
}

// appEntry is an appearance: line and device ids and the index.
type appEntry struct{ line, dev, index int32 }

// appearance returns appearance a as an Appearance.
func (snap *snapshot) appearance(a int32) Appearance {
	e := snap.apps[a]
	return Appearance{Line: snap.lines[e.line].line, Device: snap.devices[e.dev].dev.Name, Index: int(e.index)}
}

type deviceEntry struct {
	dev            Device // Registered is not used: see snapshot.reg
	appLo, appHi   int32  // range in apps
	userLo, userHi int32  // range in devUsers
}

type userEntry struct {
	aor          string
	devLo, devHi int32        // range in userDevs
	creds        []Credential // validated, hex in lower case
}

// The places of a Data's elements in a file, as the directory file loader
// records them (package dirfile).
type (
	pos       = located.Pos
	positions = located.Places
	linePos   = located.Line
	devicePos = located.Device
	appPos    = located.App
	userPos   = located.User
)

// elem names an element of a Data for messages: list[i], or
// list[i].devices[j] when j >= 0. It is formatted only for an error.
type elem struct {
	list string
	i, j int
}

func (e elem) String() string {
	s := e.list + "[" + strconv.Itoa(e.i) + "]"
	if e.j >= 0 {
		s += ".devices[" + strconv.Itoa(e.j) + "]"
	}
	return s
}

// problems collects validation problems: it counts them all and keeps the
// first maxProblems in file (or data) order. Messages are formatted, and
// places turned into lines and columns, only for the problems kept, because
// a large file can have very many.
type problems struct {
	p     *positions
	list  []problem // sorted by at; equal places in the order added
	total int
}

// problem is one validation problem: msg about the element path at place
// at; when hasRef, the problem repeats the element refPath at refAt.
type problem struct {
	path, refPath elem
	at, refAt     pos
	hasRef        bool
	msg           string
}

// add records a problem with the element path, at place at when the data
// came from a file.
func (ps *problems) add(path elem, at pos, format string, args ...any) {
	ps.insert(problem{path: path, at: at}, format, args)
}

// dup records a problem with the element path that repeats the element
// ref; the message says where ref is.
func (ps *problems) dup(path elem, at pos, ref elem, refAt pos, format string, args ...any) {
	ps.insert(problem{path: path, at: at, refPath: ref, refAt: refAt, hasRef: true}, format, args)
}

func (ps *problems) insert(pr problem, format string, args []any) {
	ps.total++
	i := len(ps.list)
	for i > 0 && pr.at < ps.list[i-1].at {
		i--
	}
	if i == maxProblems {
		return // later than every problem kept
	}
	pr.msg = fmt.Sprintf(format, args...)
	ps.list = slices.Insert(ps.list, i, pr)
	if len(ps.list) > maxProblems {
		ps.list = ps.list[:maxProblems]
	}
}

// located reports whether places can be turned into lines and columns.
func (ps *problems) located() bool { return ps.p != nil && ps.p.Resolve != nil }

// where describes a place for a message: "line:col" when known, otherwise
// the element's path.
func (ps *problems) where(path elem, at pos) string {
	if ps.located() && at != 0 {
		l, c := ps.p.Resolve(at)
		return strconv.Itoa(l) + ":" + strconv.Itoa(c)
	}
	return path.String()
}

// err returns the problems kept, and a count of the others, as one error,
// or nil.
func (ps *problems) err() error {
	if ps.total == 0 {
		return nil
	}
	errs := make([]error, 0, len(ps.list)+1)
	file := ""
	if ps.p != nil {
		file = ps.p.File
	}
	for _, pr := range ps.list {
		e := &DataError{File: file, Path: pr.path.String(), Msg: pr.msg}
		if pr.hasRef {
			e.Msg += " (first at " + ps.where(pr.refPath, pr.refAt) + ")"
		}
		if ps.located() && pr.at != 0 {
			e.Line, e.Column = ps.p.Resolve(pr.at)
			e.Path = ""
		}
		errs = append(errs, e)
	}
	if more := ps.total - len(ps.list); more > 0 {
		errs = append(errs, &DataError{File: file, Path: "...", Msg: strconv.Itoa(more) + " more problems"})
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// groupBy sorts the items 0..m-1 into n groups with a counting sort,
// keeping their order within each group. It returns the items grouped and
// the groups' starts: group k is items[start[k]:start[k+1]]. An item whose
// group is negative is left out.
func groupBy(n, m int, group func(i int) int32) (items, start []int32) {
	start = make([]int32, n+1)
	for i := range m {
		if g := group(i); g >= 0 {
			start[g+1]++
		}
	}
	for k := 1; k <= n; k++ {
		start[k] += start[k-1]
	}
	items = make([]int32, start[n])
	next := slices.Clone(start[:n])
	for i := range m {
		if g := group(i); g >= 0 {
			items[next[g]] = int32(i)
			next[g]++
		}
	}
	return items, start
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
		lp, dp, ap, up = p.Lines, p.Devices, p.Apps, p.Users
	}
	s := &snapshot{
		lines:         make([]lineEntry, 0, len(d.Lines)),
		lineByKey:     make(map[string]int32, len(d.Lines)),
		partitionedDN: make(map[string]struct{}),
		devices:       make([]deviceEntry, 0, len(d.Devices)),
		devByName:     make(map[string]int32, len(d.Devices)),
		users:         make([]userEntry, 0, len(d.Users)),
		userByAOR:     make(map[string]int32, len(d.Users)),
	}
	if len(d.Lines) > 1<<30 || len(d.Devices) > 1<<30 || len(d.Appearances) > 1<<30 || len(d.Users) > 1<<30 {
		return nil, &DataError{Msg: "directory too large"}
	}

	// Lines.
	lineSrc := make([]int32, 0, len(d.Lines))
	for i, l := range d.Lines {
		path := elem{"lines", i, -1}
		pp := at(lp, i)
		dn, nerr := normalizeNumber(l.DN)
		if nerr != nil {
			ps.add(path, cmp.Or(pp.DN, pp.At), "directory number %q: %s", l.DN, nerr.msg)
			continue
		}
		if l.Partition != "" {
			if msg := checkPartition(l.Partition); msg != "" {
				ps.add(path, cmp.Or(pp.Partition, pp.At), "line %s: %s", dn, msg)
				continue
			}
		}
		line := Line{DN: dn, Partition: l.Partition}
		key := line.Key()
		if first, dup := s.lineByKey[key]; dup {
			fi := int(lineSrc[first])
			ps.dup(path, pp.At, elem{"lines", fi, -1}, at(lp, fi).At, "duplicate line %s", key)
			continue
		}
		id := int32(len(s.lines))
		e := lineEntry{line: line}
		lineSrc = append(lineSrc, int32(i))
		if line.Partition != "" {
			s.partitionedDN[dn] = struct{}{}
		}
		s.lineByKey[key] = id
		s.lines = append(s.lines, e)
	}

	// Devices.
	devSrc := make([]int32, 0, len(d.Devices)) // Data index of each device id
	devID := make([]int32, len(d.Devices))     // device id of each Data index, or -1
	for i, dev := range d.Devices {
		path := elem{"devices", i, -1}
		pp := at(dp, i)
		devID[i] = -1
		if msg := checkDeviceName(dev.Name); msg != "" {
			ps.add(path, cmp.Or(pp.Name, pp.At), "%s: %q", msg, dev.Name)
			continue
		}
		if dev.Kind != HardPhone && dev.Kind != SoftPhone {
			ps.add(path, cmp.Or(pp.Kind, pp.At), "device %s: unknown kind %d", dev.Name, dev.Kind)
			continue
		}
		key := upperASCII(dev.Name)
		if first, dup := s.devByName[key]; dup {
			fi := int(devSrc[first])
			ps.dup(path, cmp.Or(pp.Name, pp.At), elem{"devices", fi, -1}, cmp.Or(at(dp, fi).Name, at(dp, fi).At),
				"duplicate device %s", dev.Name)
			continue
		}
		s.devByName[key] = int32(len(s.devices))
		devID[i] = int32(len(s.devices))
		devSrc = append(devSrc, int32(i))
		dev.Registered = false
		s.devices = append(s.devices, deviceEntry{dev: dev})
	}

	// Appearances: resolve each to a line and a device, group them by
	// device (a counting sort) and order each device's by index.
	appLine := make([]int32, len(d.Appearances))
	appDev := make([]int32, len(d.Appearances))
	for i, a := range d.Appearances {
		appDev[i] = -1
		path := elem{"appearances", i, -1}
		pp := at(ap, i)
		dn, nerr := normalizeNumber(a.Line.DN)
		if nerr != nil {
			ps.add(path, cmp.Or(pp.DN, pp.At), "directory number %q: %s", a.Line.DN, nerr.msg)
			continue
		}
		key := Line{DN: dn, Partition: a.Line.Partition}.Key()
		line, ok := s.lineByKey[key]
		if !ok {
			ps.add(path, cmp.Or(pp.DN, pp.At), "appearance of unknown line %s on device %s", key, a.Device)
			continue
		}
		var dev int32
		if h := int(pp.Dev) - 1; h >= 0 && h < len(d.Devices) && devID[h] >= 0 && d.Devices[h].Name == a.Device {
			dev, ok = devID[h], true // the file lists the appearance under this device
		} else {
			dev, ok = s.devByName[upperASCII(a.Device)]
		}
		if !ok {
			ps.add(path, pp.At, "appearance of line %s on unknown device %q", key, a.Device)
			continue
		}
		if a.Index < 1 || a.Index > 1<<30 {
			ps.add(path, cmp.Or(pp.Index, pp.At), "line %s on device %s: index %d is not a positive number", key, a.Device, a.Index)
			continue
		}
		appLine[i], appDev[i] = line, dev
	}
	byDev, devStart := groupBy(len(s.devices), len(appDev), func(i int) int32 { return appDev[i] })
	s.apps = make([]appEntry, 0, len(byDev))
	// lastDev and lastSrc remember, per line, the device it was last seen on
	// and that appearance's Data index, to find a line twice on one device.
	lastDev := make([]int32, len(s.lines))
	lastSrc := make([]int32, len(s.lines))
	for i := range lastDev {
		lastDev[i] = -1
	}
	appPath := func(src int32) elem { return elem{"appearances", int(src), -1} }
	for di := range s.devices {
		e := &s.devices[di]
		group := byDev[devStart[di]:devStart[di+1]]
		slices.SortStableFunc(group, func(a, b int32) int { return cmp.Compare(d.Appearances[a].Index, d.Appearances[b].Index) })
		e.appLo = int32(len(s.apps))
		for gi, src := range group {
			line, index := appLine[src], d.Appearances[src].Index
			pp := at(ap, int(src))
			if lastDev[line] == int32(di) {
				first := lastSrc[line]
				ps.dup(appPath(src), pp.At, appPath(first), at(ap, int(first)).At,
					"line %s appears twice on device %s", s.lines[line].line.Key(), e.dev.Name)
				continue
			}
			lastDev[line], lastSrc[line] = int32(di), src
			if gi > 0 && d.Appearances[group[gi-1]].Index == index {
				prev := group[gi-1]
				bp := at(ap, int(prev))
				ps.dup(appPath(src), cmp.Or(pp.Index, pp.At), appPath(prev), cmp.Or(bp.Index, bp.At),
					"index %d clash on device %s: lines %s and %s",
					index, e.dev.Name, s.lines[appLine[prev]].line.Key(), s.lines[line].line.Key())
				continue
			}
			s.apps = append(s.apps, appEntry{line: line, dev: int32(di), index: int32(index)})
		}
		e.appHi = int32(len(s.apps))
	}
	// Appearances by line, in device order.
	var lineStart []int32
	s.lineApps, lineStart = groupBy(len(s.lines), len(s.apps), func(i int) int32 { return s.apps[i].line })
	for i := range s.lines {
		s.lines[i].appLo, s.lines[i].appHi = lineStart[i], lineStart[i+1]
	}

	// Users.
	userSrc := make([]int32, 0, len(d.Users))
	lastUser := make([]int32, len(s.devices)) // per device, 1 + the last user listing it
	var userOf []int32                        // the user of each entry of userDevs
	for i, u := range d.Users {
		path := elem{"users", i, -1}
		pp := at(up, i)
		aor, err := NormalizeUser(u.AOR)
		if err != nil {
			var pe *ParseError
			msg := err.Error()
			if errors.As(err, &pe) {
				msg = pe.Msg
			}
			ps.add(path, cmp.Or(pp.AOR, pp.At), "user %q: %s", u.AOR, msg)
			continue
		}
		if first, dup := s.userByAOR[aor]; dup {
			fi := int(userSrc[first])
			ps.dup(path, cmp.Or(pp.AOR, pp.At), elem{"users", fi, -1}, cmp.Or(at(up, fi).AOR, at(up, fi).At),
				"duplicate user %s", aor)
			continue
		}
		e := userEntry{aor: aor, devLo: int32(len(s.userDevs))}
		e.creds = checkCredentials(u.Credentials, func(format string, args ...any) {
			ps.add(path, cmp.Or(pp.AOR, pp.At), "user %s: "+format, append([]any{aor}, args...)...)
		})
		for j, name := range u.Devices {
			dpos := cmp.Or(at(pp.Devices, j), pp.At)
			dev, ok := s.devByName[upperASCII(name)]
			if !ok {
				ps.add(elem{"users", i, j}, dpos, "user %s: unknown device %q", aor, name)
				continue
			}
			if lastUser[dev] == int32(len(s.users))+1 {
				ps.add(elem{"users", i, j}, dpos, "user %s: device %s listed twice", aor, name)
				continue
			}
			lastUser[dev] = int32(len(s.users)) + 1
			s.userDevs = append(s.userDevs, dev)
			userOf = append(userOf, int32(len(s.users)))
		}
		e.devHi = int32(len(s.userDevs))
		s.userByAOR[aor] = int32(len(s.users))
		s.users = append(s.users, e)
		userSrc = append(userSrc, int32(i))
	}
	// Users by device, in user order.
	byUser, userStart := groupBy(len(s.devices), len(s.userDevs), func(i int) int32 { return s.userDevs[i] })
	s.devUsers = make([]string, len(byUser))
	for i, k := range byUser {
		s.devUsers[i] = s.users[userOf[k]].aor
	}
	for i := range s.devices {
		s.devices[i].userLo, s.devices[i].userHi = userStart[i], userStart[i+1]
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
