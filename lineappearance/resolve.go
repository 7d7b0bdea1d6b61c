package lineappearance

import (
	"errors"
	"slices"
	"strings"
)

// Resolve returns the appearance a Line URI selects for a user, and is the
// only way to get one: it succeeds only for an appearance on a device the
// user may control. user is the SIP address of record, compared after
// [NormalizeUser]. The rules, in the order they are checked:
//
//  1. A user who is not in the directory, or whose address is malformed,
//     gets [ErrNotAllowed].
//  2. The line is the URI's number in the URI's partition; without a
//     partition, the number in any partition. No such line:
//     [ErrUnknownLine].
//  3. A URI that names a device selects the line on that device. An
//     unknown device is [ErrUnknownDevice]; a device the user may not
//     control is [ErrNotAllowed] (so nothing more about it is revealed);
//     a device without the line is [ErrLineNotOnDevice].
//  4. Without a device, the candidates are the line's appearances on
//     devices the user may control, in the order of the user's device list.
//     None: [ErrNotAllowed]. One: the answer. Several: the preference
//     (see [Options]) picks one, or the result is [ErrAmbiguous].
//  5. Without a partition, a number that is in several partitions among
//     the candidates is [ErrAmbiguous]: the preference chooses between
//     devices, never between lines.
//
// Every error is a *[ResolveError].
func (s *Store) Resolve(user string, lineURI LineURI) (Appearance, error) {
	pref := s.pref
	if pref == nil {
		pref = DefaultPreference() // the zero Store
	}
	return s.snapshot().resolve(pref, user, lineURI)
}

// candidate is an appearance that fits a Line URI, and its device.
type candidate struct{ app, dev int32 }

func (snap *snapshot) resolve(pref []Rule, user string, uri LineURI) (Appearance, error) {
	fail := func(err error, detail string, cands []string) (Appearance, error) {
		return Appearance{}, &ResolveError{Err: err, User: user, URI: uri.String(), Detail: detail, Candidates: cands}
	}
	aor, err := NormalizeUser(user)
	if err != nil {
		msg := err.Error()
		if pe := (*ParseError)(nil); errors.As(err, &pe) {
			msg = pe.Msg
		}
		return fail(ErrNotAllowed, "not allowed: bad user address: "+msg, nil)
	}
	uid, ok := snap.userByAOR[aor]
	if !ok {
		return fail(ErrNotAllowed, "not allowed: user "+aor+" is not in the directory", nil)
	}
	dn, nerr := normalizeNumber(uri.Number)
	if nerr != nil {
		return fail(ErrUnknownLine, "unknown line: "+nerr.msg, nil)
	}
	want := Line{DN: dn, Partition: uri.Partition}
	if want.Partition != "" {
		if _, ok := snap.lineByKey[want.Key()]; !ok {
			return fail(ErrUnknownLine, "unknown line "+want.Key(), nil)
		}
	} else if !snap.hasDN(dn) {
		return fail(ErrUnknownLine, "unknown line "+dn, nil)
	}
	match := func(l Line) bool { return l.DN == dn && (want.Partition == "" || l.Partition == want.Partition) }
	u := snap.users[uid]
	userDevs := snap.userDevs[u.devLo:u.devHi]

	var buf [8]candidate
	cands := buf[:0]
	if uri.Device != "" {
		did, ok := snap.devByName[upperASCII(uri.Device)]
		if !ok {
			return fail(ErrUnknownDevice, "unknown device "+uri.Device, nil)
		}
		dev := snap.devices[did]
		if !slices.Contains(userDevs, did) {
			return fail(ErrNotAllowed, "not allowed: "+aor+" may not control device "+dev.dev.Name, nil)
		}
		for ai := dev.appLo; ai < dev.appHi; ai++ {
			if match(snap.lines[snap.apps[ai].line].line) {
				cands = append(cands, candidate{ai, did})
			}
		}
		if len(cands) == 0 {
			return fail(ErrLineNotOnDevice, "line "+want.Key()+" is not on device "+dev.dev.Name, nil)
		}
	} else {
		for _, did := range userDevs {
			dev := snap.devices[did]
			for ai := dev.appLo; ai < dev.appHi; ai++ {
				if match(snap.lines[snap.apps[ai].line].line) {
					cands = append(cands, candidate{ai, did})
				}
			}
		}
		if len(cands) == 0 {
			return fail(ErrNotAllowed, "not allowed: "+aor+" may not control any device with line "+want.Key(), nil)
		}
	}
	if len(cands) == 1 {
		return snap.appearance(cands[0].app), nil
	}
	first := snap.apps[cands[0].app].line
	for _, c := range cands[1:] {
		if snap.apps[c.app].line != first {
			var keys []string
			for _, c := range cands {
				if k := snap.lines[snap.apps[c.app].line].line.Key(); !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
			return fail(ErrAmbiguous, "ambiguous: number "+dn+" is several lines ("+strings.Join(keys, ", ")+
				"); name one with ;partition= or ;device=", keys)
		}
	}
	for _, r := range pref {
		if r == ConfigOrder {
			return snap.appearance(cands[0].app), nil
		}
		n := 0
		for _, c := range cands {
			if snap.ruleMatches(r, c.dev) {
				cands[n] = c
				n++
			}
		}
		switch {
		case n == 1:
			return snap.appearance(cands[0].app), nil
		case n > 1:
			cands = cands[:n]
		}
	}
	names := make([]string, len(cands))
	for i, c := range cands {
		names[i] = snap.devices[c.dev].dev.Name
	}
	return fail(ErrAmbiguous, "ambiguous: line "+want.Key()+" is on devices "+strings.Join(names, ", ")+
		" and the preference does not choose; name one with ;device=", names)
}

// hasDN reports whether dn is a line in any partition.
func (snap *snapshot) hasDN(dn string) bool {
	if _, ok := snap.lineByKey[dn]; ok {
		return true
	}
	_, ok := snap.partitionedDN[dn]
	return ok
}

// ruleMatches reports whether device dev satisfies a selection rule.
func (snap *snapshot) ruleMatches(r Rule, dev int32) bool {
	registered := snap.reg[dev].Load()&regRegistered != 0
	switch r {
	case SoftRegistered:
		return registered && snap.devices[dev].dev.Kind == SoftPhone
	case HardRegistered:
		return registered && snap.devices[dev].dev.Kind == HardPhone
	}
	return false
}
