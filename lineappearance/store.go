package lineappearance

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// Rule is one step of the device selection preference, which picks the
// device when a Line URI names no device and the line is on several devices
// the user may control.
type Rule uint8

// The selection rules.
const (
	// SoftRegistered picks a registered soft phone.
	SoftRegistered Rule = iota + 1
	// HardRegistered picks a registered desk phone.
	HardRegistered
	// ConfigOrder picks the device that comes first in the user's device
	// list. It always decides, so rules after it are never reached.
	ConfigOrder
)

var ruleNames = [...]string{SoftRegistered: "soft-registered", HardRegistered: "hard-registered", ConfigOrder: "config-order"}

// String returns the rule's name as configuration files write it:
// "soft-registered", "hard-registered" or "config-order".
func (r Rule) String() string {
	if r > 0 && int(r) < len(ruleNames) {
		return ruleNames[r]
	}
	return fmt.Sprintf("Rule(%d)", uint8(r))
}

// ParseRule returns the rule [Rule.String] names.
func ParseRule(s string) (Rule, error) {
	for r, name := range ruleNames {
		if name != "" && strings.EqualFold(s, name) {
			return Rule(r), nil
		}
	}
	return 0, fmt.Errorf("lineappearance: unknown preference rule %q (want soft-registered, hard-registered or config-order)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (r Rule) MarshalText() ([]byte, error) {
	if r == 0 || int(r) >= len(ruleNames) {
		return nil, fmt.Errorf("lineappearance: unknown preference rule %d", uint8(r))
	}
	return []byte(ruleNames[r]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with [ParseRule].
func (r *Rule) UnmarshalText(b []byte) error {
	v, err := ParseRule(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// DefaultPreference returns the preference a Store uses when
// Options.Preference is nil: a registered soft phone, then a registered
// desk phone, then the user's configured order. This follows what the
// Cisco CTI gateway documents for a line shared by Cisco IP Communicator
// and a desk phone.
func DefaultPreference() []Rule { return []Rule{SoftRegistered, HardRegistered, ConfigOrder} }

// Options configures a Store.
type Options struct {
	// Preference is the device selection preference, applied in order to
	// the appearances of the line on devices the user may control when the
	// Line URI names no device and there are several. Each rule keeps the
	// candidates it matches: one left is the answer; several are narrowed
	// to the matched ones for the next rule; none leaves the candidates as
	// they were. Candidates left when the rules run out make
	// [ErrAmbiguous]. A non-nil empty list is no preference: a shared line
	// then needs a device in the Line URI.
	// Default (nil): [DefaultPreference].
	Preference []Rule
}

// Stats is a snapshot of a Store's size.
type Stats struct {
	// Generation counts the directories the Store has held: 1 after
	// NewStore (or dirfile.LoadStore), one more after each successful
	// Replace (or dirfile.Reload).
	Generation uint64
	// Users, Lines, Devices and Appearances count the directory's entries.
	Users, Lines, Devices, Appearances int
	// Registered counts the devices registered now.
	Registered int
}

// Store is the in-memory directory; *Store satisfies session.Directory.
// Readers never block and always see one whole directory: every update
// builds a new immutable snapshot and swaps it in atomically. Only the
// devices' registration states change in place, each atomically. Create
// one with [NewStore], or load one from a file with package dirfile; the
// zero Store is an empty directory with the default preference.
type Store struct {
	pref []Rule
	mu   sync.Mutex // serialises writers: Replace, SetRegistered
	cur  atomic.Pointer[snapshot]
}

// NewStore validates d and returns a Store holding it; a nil d is an empty
// directory. The error wraps [ErrInvalid] for bad data (see [DataError]), or
// reports bad options. The Store keeps no reference to d.
func NewStore(d *Data, opts Options) (*Store, error) {
	s, err := newStore(opts)
	if err != nil {
		return nil, err
	}
	snap, err := build(d, nil)
	if err != nil {
		return nil, err
	}
	snap.gen = 1
	s.cur.Store(snap)
	return s, nil
}

// newStore validates and copies opts into an empty Store.
func newStore(opts Options) (*Store, error) {
	pref := DefaultPreference()
	if opts.Preference != nil {
		pref = make([]Rule, 0, len(opts.Preference))
		for _, r := range opts.Preference {
			if r == 0 || int(r) >= len(ruleNames) {
				return nil, fmt.Errorf("lineappearance: unknown preference rule %d", uint8(r))
			}
			for _, q := range pref {
				if q == r {
					return nil, fmt.Errorf("lineappearance: preference rule %s listed twice", r)
				}
			}
			pref = append(pref, r)
		}
	}
	return &Store{pref: pref}, nil
}

// Replace validates d and makes it the Store's directory. On error the
// Store keeps its directory. Registration states set with SetRegistered
// carry over to devices of the same name; the others start as d says.
func (s *Store) Replace(d *Data) error {
	snap, err := build(d, nil)
	if err != nil {
		return err
	}
	s.swap(snap)
	return nil
}

// snapshot returns the current directory; the zero Store's is empty.
func (s *Store) snapshot() *snapshot {
	if snap := s.cur.Load(); snap != nil {
		return snap
	}
	return &snapshot{}
}

func (s *Store) swap(snap *snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.snapshot()
	n := snap.regCount.Load()
	for name, id := range old.devByName {
		if !old.runtimeReg {
			break
		}
		st := old.reg[id].Load()
		if st&regRuntime == 0 {
			continue
		}
		if nid, ok := snap.devByName[name]; ok {
			n += int64(st&regRegistered) - int64(snap.reg[nid].Load()&regRegistered)
			snap.reg[nid].Store(st)
		}
	}
	snap.regCount.Store(n)
	snap.runtimeReg = old.runtimeReg
	snap.gen = old.gen + 1
	s.cur.Store(snap)
}

// SetRegistered records that a device registered with the PBX or lost its
// registration, as the CTI side reports it. The state is kept across
// Replace. The error wraps [ErrUnknownDevice].
func (s *Store) SetRegistered(device string, registered bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := s.snapshot()
	id, ok := snap.devByName[upperASCII(device)]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownDevice, device)
	}
	st := uint32(regRuntime)
	if registered {
		st |= regRegistered
	}
	old := snap.reg[id].Swap(st)
	snap.regCount.Add(int64(st&regRegistered) - int64(old&regRegistered))
	snap.runtimeReg = true
	return nil
}

// Stats returns the Store's current counts.
func (s *Store) Stats() Stats {
	snap := s.snapshot()
	return Stats{
		Generation:  snap.gen,
		Users:       len(snap.users),
		Lines:       len(snap.lines),
		Devices:     len(snap.devices),
		Appearances: len(snap.apps),
		Registered:  int(snap.regCount.Load()),
	}
}

// Device returns the device with the given name (compared
// case-insensitively), with its current registration state.
func (s *Store) Device(name string) (Device, bool) {
	snap := s.snapshot()
	id, ok := snap.devByName[upperASCII(name)]
	if !ok {
		return Device{}, false
	}
	d := snap.devices[id].dev
	d.Registered = snap.reg[id].Load()&regRegistered != 0
	return d, true
}

// AppearancesOfLine returns the appearances of l, in the directory's device
// order, or nil when l is not a line. The DN is compared after
// normalisation, the partition exactly. The slice is the caller's.
func (s *Store) AppearancesOfLine(l Line) []Appearance {
	snap := s.snapshot()
	dn, err := normalizeNumber(l.DN)
	if err != nil {
		return nil
	}
	id, ok := snap.lineByKey[Line{DN: dn, Partition: l.Partition}.Key()]
	if !ok {
		return nil
	}
	e := snap.lines[id]
	if e.appLo == e.appHi {
		return nil
	}
	out := make([]Appearance, 0, e.appHi-e.appLo)
	for _, a := range snap.lineApps[e.appLo:e.appHi] {
		out = append(out, snap.appearance(a))
	}
	return out
}

// UsersOfDevice returns the canonical addresses of record (see
// [NormalizeUser]) of the users who may control device, in the directory's
// user order, or nil. The device name is compared case-insensitively. The
// slice is the caller's.
func (s *Store) UsersOfDevice(device string) []string {
	snap := s.snapshot()
	id, ok := snap.devByName[upperASCII(device)]
	if !ok {
		return nil
	}
	e := snap.devices[id]
	if e.userLo == e.userHi {
		return nil
	}
	return append([]string(nil), snap.devUsers[e.userLo:e.userHi]...)
}

// Lookup returns the line a CTI key names: a DN, or DN + "/" + partition as
// [Line.Key] writes it. The DN is normalised first, so visual separators
// and upper-case hex letters are accepted.
func (s *Store) Lookup(key string) (Line, bool) {
	dn, partition, hasPartition := strings.Cut(key, "/")
	n, err := normalizeNumber(dn)
	if err != nil || hasPartition && partition == "" {
		return Line{}, false
	}
	snap := s.snapshot()
	if n != dn {
		key = Line{DN: n, Partition: partition}.Key()
	}
	id, ok := snap.lineByKey[key]
	if !ok {
		return Line{}, false
	}
	return snap.lines[id].line, true
}
