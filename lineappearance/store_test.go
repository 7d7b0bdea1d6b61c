package lineappearance

import (
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testData is the demo directory plus cases the demo lacks: a number in two
// partitions on one device (dave), a number with and without a partition
// on devices of different users (eve and alice), and a line on no device.
func testData() *Data {
	d := Demo()
	d.Lines = append(d.Lines,
		Line{DN: "1005", Partition: "P1"}, Line{DN: "1005", Partition: "P2"},
		Line{DN: "1006"}, Line{DN: "1006", Partition: "P1"},
		Line{DN: "1007"},
	)
	d.Devices = append(d.Devices,
		Device{Name: "SEP000000001005", Kind: HardPhone, Registered: true},
		Device{Name: "SEP000000001006", Kind: HardPhone, Registered: true},
	)
	d.Appearances = append(d.Appearances,
		Appearance{Line: Line{DN: "1005", Partition: "P1"}, Device: "SEP000000001005", Index: 1},
		Appearance{Line: Line{DN: "1005", Partition: "P2"}, Device: "SEP000000001005", Index: 2},
		Appearance{Line: Line{DN: "1006"}, Device: "SEP000000001006", Index: 1},
		Appearance{Line: Line{DN: "1006", Partition: "P1"}, Device: "SEP000000001001", Index: 2},
	)
	d.Users = append(d.Users,
		User{AOR: "sip:dave@example.com", Devices: []string{"SEP000000001005"}},
		User{AOR: "sip:eve@example.com", Devices: []string{"SEP000000001006"}},
	)
	return d
}

func newTestStore(t *testing.T, d *Data, opts Options) *Store {
	t.Helper()
	s, err := NewStore(d, opts)
	require.NoError(t, err)
	return s
}

func mustParse(t *testing.T, s string) LineURI {
	t.Helper()
	u, err := ParseLineURI(s)
	require.NoError(t, err)
	return u
}

func TestResolve(t *testing.T) {
	s := newTestStore(t, testData(), Options{})
	ok := func(dn, partition, device string, index int) Appearance {
		return Appearance{Line: Line{DN: dn, Partition: partition}, Device: device, Index: index}
	}
	tests := []struct {
		name   string
		user   string
		uri    string
		want   Appearance
		err    error
		detail string
		cands  []string
	}{
		{name: "single device", user: "sip:alice@example.com", uri: "tel:1001;phone-context=dialstring",
			want: ok("1001", "", "SEP000000001001", 1)},
		{name: "no phone-context", user: "sip:alice@example.com", uri: "tel:1001",
			want: ok("1001", "", "SEP000000001001", 1)},
		{name: "visual separators", user: "sip:alice@example.com", uri: "tel:10-01;phone-context=dialstring",
			want: ok("1001", "", "SEP000000001001", 1)},
		{name: "device named", user: "sip:alice@example.com", uri: "tel:1001;phone-context=dialstring;device=SEP000000001001",
			want: ok("1001", "", "SEP000000001001", 1)},
		{name: "device name case-insensitive", user: "sip:alice@example.com", uri: "tel:1001;device=sep000000001001",
			want: ok("1001", "", "SEP000000001001", 1)},
		{name: "user address normalised", user: `"Alice" <SIPS:alice@EXAMPLE.com;transport=tls>;tag=9`, uri: "tel:1001",
			want: ok("1001", "", "SEP000000001001", 1)},
		{name: "shared line prefers registered soft phone", user: "sip:carol@example.com", uri: "tel:1003;phone-context=dialstring",
			want: ok("1003", "", "CSFCAROL", 1)},
		{name: "shared line with device", user: "sip:carol@example.com", uri: "tel:1003;phone-context=dialstring;device=SEP000000001003",
			want: ok("1003", "", "SEP000000001003", 1)},
		{name: "second line on device", user: "sip:carol@example.com", uri: "tel:1004;phone-context=dialstring",
			want: ok("1004", "", "SEP000000001003", 2)},
		{name: "partition narrows", user: "sip:dave@example.com", uri: "tel:1005;partition=P2",
			want: ok("1005", "P2", "SEP000000001005", 2)},
		{name: "partition and device", user: "sip:dave@example.com", uri: "tel:1005;device=SEP000000001005;partition=P1",
			want: ok("1005", "P1", "SEP000000001005", 1)},
		{name: "only the user's partition counts", user: "sip:eve@example.com", uri: "tel:1006",
			want: ok("1006", "", "SEP000000001006", 1)},
		{name: "only the user's partition counts, other user", user: "sip:alice@example.com", uri: "tel:1006",
			want: ok("1006", "P1", "SEP000000001001", 2)},

		{name: "unknown user", user: "sip:mallory@example.com", uri: "tel:1001",
			err: ErrNotAllowed, detail: "not allowed: user sip:mallory@example.com is not in the directory"},
		{name: "user known on another host", user: "sip:alice@example.org", uri: "tel:1001",
			err: ErrNotAllowed, detail: "not allowed: user sip:alice@example.org is not in the directory"},
		{name: "user part is case-sensitive", user: "sip:Alice@example.com", uri: "tel:1001",
			err: ErrNotAllowed, detail: "not allowed: user sip:Alice@example.com is not in the directory"},
		{name: "malformed user", user: "", uri: "tel:1001",
			err: ErrNotAllowed, detail: "not allowed: bad user address: empty"},
		{name: "tel user", user: "tel:+14085551001", uri: "tel:1001",
			err: ErrNotAllowed, detail: `not allowed: bad user address: scheme "tel" is not sip`},
		{name: "unknown line", user: "sip:alice@example.com", uri: "tel:9999;phone-context=dialstring",
			err: ErrUnknownLine, detail: "unknown line 9999"},
		{name: "global is not local", user: "sip:alice@example.com", uri: "tel:+1001",
			err: ErrUnknownLine, detail: "unknown line +1001"},
		{name: "unknown partition", user: "sip:alice@example.com", uri: "tel:1001;partition=P1",
			err: ErrUnknownLine, detail: "unknown line 1001/P1"},
		{name: "partition compared exactly", user: "sip:dave@example.com", uri: "tel:1005;partition=p1",
			err: ErrUnknownLine, detail: "unknown line 1005/p1"},
		{name: "unknown device", user: "sip:alice@example.com", uri: "tel:1001;device=SEPFFFFFFFFFFFF",
			err: ErrUnknownDevice, detail: "unknown device SEPFFFFFFFFFFFF"},
		{name: "line not on device", user: "sip:carol@example.com", uri: "tel:1004;device=CSFCAROL",
			err: ErrLineNotOnDevice, detail: "line 1004 is not on device CSFCAROL"},
		{name: "line not on device with partition", user: "sip:alice@example.com", uri: "tel:1006;partition=P1;device=SEP000000001001",
			want: ok("1006", "P1", "SEP000000001001", 2)},
		{name: "device not controlled", user: "sip:carol@example.com", uri: "tel:1001;device=SEP000000001001",
			err: ErrNotAllowed, detail: "not allowed: sip:carol@example.com may not control device SEP000000001001"},
		{name: "device not controlled, even without the line", user: "sip:alice@example.com", uri: "tel:1001;device=CSFCAROL",
			err: ErrNotAllowed, detail: "not allowed: sip:alice@example.com may not control device CSFCAROL"},
		{name: "line on no device of the user", user: "sip:carol@example.com", uri: "tel:1001",
			err: ErrNotAllowed, detail: "not allowed: sip:carol@example.com may not control any device with line 1001"},
		{name: "other partition not controlled", user: "sip:eve@example.com", uri: "tel:1006;partition=P1",
			err: ErrNotAllowed, detail: "not allowed: sip:eve@example.com may not control any device with line 1006/P1"},
		{name: "line on no device", user: "sip:alice@example.com", uri: "tel:1007",
			err: ErrNotAllowed, detail: "not allowed: sip:alice@example.com may not control any device with line 1007"},
		{name: "number in two partitions", user: "sip:dave@example.com", uri: "tel:1005",
			err: ErrAmbiguous, detail: "ambiguous: number 1005 is several lines (1005/P1, 1005/P2); name one with ;partition= or ;device=",
			cands: []string{"1005/P1", "1005/P2"}},
		{name: "number in two partitions on the named device", user: "sip:dave@example.com", uri: "tel:1005;device=SEP000000001005",
			err: ErrAmbiguous, detail: "ambiguous: number 1005 is several lines (1005/P1, 1005/P2); name one with ;partition= or ;device=",
			cands: []string{"1005/P1", "1005/P2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uri := mustParse(t, tt.uri)
			got, err := s.Resolve(tt.user, uri)
			if tt.err == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.ErrorIs(t, err, tt.err)
			assert.Zero(t, got)
			var re *ResolveError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.detail, re.Detail)
			assert.Equal(t, tt.user, re.User)
			assert.Equal(t, tt.uri, re.URI)
			assert.Equal(t, tt.cands, re.Candidates)
			for _, other := range []error{ErrNotAllowed, ErrUnknownLine, ErrUnknownDevice, ErrLineNotOnDevice, ErrAmbiguous} {
				if other != tt.err {
					assert.NotErrorIs(t, err, other)
				}
			}
		})
	}
}

func TestResolveHandBuiltURI(t *testing.T) {
	s := newTestStore(t, testData(), Options{})
	got, err := s.Resolve("sip:alice@example.com", LineURI{Number: "10-01", Device: "sep000000001001"})
	require.NoError(t, err)
	assert.Equal(t, "SEP000000001001", got.Device)

	_, err = s.Resolve("sip:alice@example.com", LineURI{})
	require.ErrorIs(t, err, ErrUnknownLine)
	assert.EqualError(t, err, `lineappearance: resolve "" for "sip:alice@example.com": unknown line: empty number`)

	_, err = s.Resolve("sip:alice@example.com", LineURI{Number: "1x"})
	assert.ErrorIs(t, err, ErrUnknownLine)
}

func TestResolveErrorMessage(t *testing.T) {
	s := newTestStore(t, Demo(), Options{})
	_, err := s.Resolve("sip:carol@example.com", mustParse(t, "tel:1001;phone-context=dialstring"))
	assert.EqualError(t, err, `lineappearance: resolve "tel:1001;phone-context=dialstring" for "sip:carol@example.com": `+
		`not allowed: sip:carol@example.com may not control any device with line 1001`)
}

// sharedData puts line 2000 on four devices; frank may control all of them
// (desk phones first), grace two of them (soft phone first).
func sharedData(registered map[string]bool) *Data {
	d := &Data{Lines: []Line{{DN: "2000"}}}
	for _, dev := range []Device{
		{Name: "HARD1", Kind: HardPhone}, {Name: "SOFT1", Kind: SoftPhone},
		{Name: "HARD2", Kind: HardPhone}, {Name: "SOFT2", Kind: SoftPhone},
	} {
		dev.Registered = registered[dev.Name]
		d.Devices = append(d.Devices, dev)
		d.Appearances = append(d.Appearances, Appearance{Line: Line{DN: "2000"}, Device: dev.Name, Index: 1})
	}
	d.Users = []User{
		{AOR: "sip:frank@example.com", Devices: []string{"HARD1", "SOFT1", "HARD2", "SOFT2"}},
		{AOR: "sip:grace@example.com", Devices: []string{"SOFT2", "HARD1"}},
	}
	return d
}

func TestResolvePreference(t *testing.T) {
	all := map[string]bool{"HARD1": true, "SOFT1": true, "HARD2": true, "SOFT2": true}
	tests := []struct {
		name       string
		user       string
		registered map[string]bool
		pref       []Rule
		want       string   // device
		ambiguous  []string // candidates when ambiguous
	}{
		{name: "default: first registered soft phone", registered: all, want: "SOFT1"},
		{name: "default: the registered soft phone", registered: map[string]bool{"SOFT2": true, "HARD1": true}, want: "SOFT2"},
		{name: "default: registered desk phone without soft phone", registered: map[string]bool{"HARD2": true}, want: "HARD2"},
		{name: "default: configured order when none registered", registered: nil, want: "HARD1"},
		{name: "default: user's own order", user: "sip:grace@example.com", registered: nil, want: "SOFT2"},
		{name: "default: user's own candidates only", user: "sip:grace@example.com", registered: map[string]bool{"SOFT1": true, "HARD1": true}, want: "HARD1"},
		{name: "config order only", registered: all, pref: []Rule{ConfigOrder}, want: "HARD1"},
		{name: "hard first", registered: all, pref: []Rule{HardRegistered, SoftRegistered, ConfigOrder}, want: "HARD1"},
		{name: "hard first, one registered", registered: map[string]bool{"HARD2": true, "SOFT1": true}, pref: []Rule{HardRegistered, ConfigOrder}, want: "HARD2"},
		{name: "rules narrow in turn", registered: map[string]bool{"SOFT1": true, "SOFT2": true}, pref: []Rule{SoftRegistered, HardRegistered}, ambiguous: []string{"SOFT1", "SOFT2"}},
		{name: "soft only decides", registered: map[string]bool{"SOFT2": true}, pref: []Rule{SoftRegistered}, want: "SOFT2"},
		{name: "soft only, none registered", registered: nil, pref: []Rule{SoftRegistered}, ambiguous: []string{"HARD1", "SOFT1", "HARD2", "SOFT2"}},
		{name: "no preference", registered: all, pref: []Rule{}, ambiguous: []string{"HARD1", "SOFT1", "HARD2", "SOFT2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, sharedData(tt.registered), Options{Preference: tt.pref})
			user := tt.user
			if user == "" {
				user = "sip:frank@example.com"
			}
			got, err := s.Resolve(user, mustParse(t, "tel:2000;phone-context=dialstring"))
			if tt.ambiguous == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got.Device)
				return
			}
			require.ErrorIs(t, err, ErrAmbiguous)
			var re *ResolveError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.ambiguous, re.Candidates)
			assert.Contains(t, re.Detail, "the preference does not choose; name one with ;device=")
		})
	}
}

func TestSetRegistered(t *testing.T) {
	all := map[string]bool{"HARD1": true, "SOFT1": true, "HARD2": true, "SOFT2": true}
	s := newTestStore(t, sharedData(all), Options{})
	uri := mustParse(t, "tel:2000")
	resolve := func() string {
		t.Helper()
		a, err := s.Resolve("sip:frank@example.com", uri)
		require.NoError(t, err)
		return a.Device
	}
	assert.Equal(t, "SOFT1", resolve())
	assert.Equal(t, 4, s.Stats().Registered)

	require.NoError(t, s.SetRegistered("soft1", false))
	assert.Equal(t, "SOFT2", resolve())
	require.NoError(t, s.SetRegistered("SOFT2", false))
	assert.Equal(t, "HARD1", resolve())
	require.NoError(t, s.SetRegistered("HARD1", false))
	assert.Equal(t, "HARD2", resolve())
	assert.Equal(t, 1, s.Stats().Registered)
	require.NoError(t, s.SetRegistered("HARD1", false), "setting the same state again")
	assert.Equal(t, 1, s.Stats().Registered)

	dev, ok := s.Device("hard1")
	require.True(t, ok)
	assert.Equal(t, Device{Name: "HARD1", Kind: HardPhone, Registered: false}, dev)
	dev, ok = s.Device("HARD2")
	require.True(t, ok)
	assert.True(t, dev.Registered)
	_, ok = s.Device("NOPE")
	assert.False(t, ok)

	err := s.SetRegistered("NOPE", true)
	require.ErrorIs(t, err, ErrUnknownDevice)
	assert.EqualError(t, err, `lineappearance: unknown device "NOPE"`)

	// Run-time states survive Replace; the others come from the new data.
	next := sharedData(map[string]bool{"HARD1": true, "SOFT1": true, "HARD2": true})
	next.Devices = append(next.Devices, Device{Name: "SOFT3", Kind: SoftPhone, Registered: true})
	require.NoError(t, s.Replace(next))
	for name, want := range map[string]bool{"HARD1": false, "SOFT1": false, "SOFT2": false, "HARD2": true, "SOFT3": true} {
		dev, ok := s.Device(name)
		require.True(t, ok, name)
		assert.Equal(t, want, dev.Registered, name)
	}
	assert.Equal(t, 2, s.Stats().Registered)
	assert.Equal(t, "HARD2", resolve())
}

func TestOptions(t *testing.T) {
	_, err := NewStore(nil, Options{Preference: []Rule{0}})
	assert.EqualError(t, err, "lineappearance: unknown preference rule 0")
	_, err = NewStore(nil, Options{Preference: []Rule{ConfigOrder, 9}})
	assert.EqualError(t, err, "lineappearance: unknown preference rule 9")
	_, err = NewStore(nil, Options{Preference: []Rule{SoftRegistered, SoftRegistered}})
	assert.EqualError(t, err, "lineappearance: preference rule soft-registered listed twice")

	// The Store copies the preference.
	pref := []Rule{ConfigOrder}
	s := newTestStore(t, sharedData(map[string]bool{"SOFT1": true}), Options{Preference: pref})
	pref[0] = SoftRegistered
	a, err := s.Resolve("sip:frank@example.com", mustParse(t, "tel:2000"))
	require.NoError(t, err)
	assert.Equal(t, "HARD1", a.Device)

	assert.Equal(t, []Rule{SoftRegistered, HardRegistered, ConfigOrder}, DefaultPreference())
}

func TestRuleText(t *testing.T) {
	for _, r := range []Rule{SoftRegistered, HardRegistered, ConfigOrder} {
		b, err := r.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, r.String(), string(b))
		var back Rule
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, r, back)
	}
	r, err := ParseRule("Soft-Registered")
	require.NoError(t, err)
	assert.Equal(t, SoftRegistered, r)
	_, err = ParseRule("soft")
	assert.EqualError(t, err, `lineappearance: unknown preference rule "soft" (want soft-registered, hard-registered or config-order)`)
	var back Rule
	assert.Error(t, back.UnmarshalText([]byte("")))
	_, err = Rule(0).MarshalText()
	assert.Error(t, err)
	assert.Equal(t, "Rule(7)", Rule(7).String())
	assert.Equal(t, "hard", HardPhone.String())
	assert.Equal(t, "soft", SoftPhone.String())
	assert.Equal(t, "DeviceKind(5)", DeviceKind(5).String())
}

func TestReverseLookups(t *testing.T) {
	d := testData()
	// bob's desk phone is also controlled by alice, listed after bob.
	d.Users[0].Devices = append(d.Users[0].Devices, "SEP000000001002")
	s := newTestStore(t, d, Options{})

	apps := s.AppearancesOfLine(Line{DN: "1003"})
	assert.Equal(t, []Appearance{
		{Line: Line{DN: "1003"}, Device: "SEP000000001003", Index: 1},
		{Line: Line{DN: "1003"}, Device: "CSFCAROL", Index: 1},
	}, apps)
	apps[0].Device = "changed"
	assert.Equal(t, "SEP000000001003", s.AppearancesOfLine(Line{DN: "10-03"})[0].Device, "the result is a copy; DNs are normalised")
	assert.Equal(t, []Appearance{{Line: Line{DN: "1005", Partition: "P2"}, Device: "SEP000000001005", Index: 2}},
		s.AppearancesOfLine(Line{DN: "1005", Partition: "P2"}))
	assert.Nil(t, s.AppearancesOfLine(Line{DN: "1005"}))
	assert.Nil(t, s.AppearancesOfLine(Line{DN: "1007"}), "a line on no device")
	assert.Nil(t, s.AppearancesOfLine(Line{DN: "9999"}))
	assert.Nil(t, s.AppearancesOfLine(Line{DN: "x"}))

	users := s.UsersOfDevice("sep000000001002")
	assert.Equal(t, []string{"sip:alice@example.com", "sip:bob@example.com"}, users)
	users[0] = "changed"
	assert.Equal(t, "sip:alice@example.com", s.UsersOfDevice("SEP000000001002")[0], "the result is a copy")
	assert.Equal(t, []string{"sip:carol@example.com"}, s.UsersOfDevice("CSFCAROL"))
	assert.Nil(t, s.UsersOfDevice("SEPFFFFFFFFFFFF"))

	lookups := []struct {
		key  string
		want Line
		ok   bool
	}{
		{"1003", Line{DN: "1003"}, true},
		{"10-03", Line{DN: "1003"}, true},
		{"1005/P1", Line{DN: "1005", Partition: "P1"}, true},
		{"1006/P1", Line{DN: "1006", Partition: "P1"}, true},
		{"1006", Line{DN: "1006"}, true},
		{"1005", Line{}, false},
		{"1005/p1", Line{}, false},
		{"1003/", Line{}, false},
		{"10-03/", Line{}, false},
		{"9999", Line{}, false},
		{"", Line{}, false},
		{"SEP000000001001", Line{}, false},
	}
	for _, tt := range lookups {
		got, ok := s.Lookup(tt.key)
		assert.Equal(t, tt.ok, ok, tt.key)
		assert.Equal(t, tt.want, got, tt.key)
	}
}

func TestStoreCopiesData(t *testing.T) {
	d := Demo()
	s := newTestStore(t, d, Options{})
	d.Users[0].Devices[0] = "SEP000000001002"
	d.Appearances[0].Device = "SEP000000001002"
	d.Lines[0].DN = "9999"
	a, err := s.Resolve("sip:alice@example.com", mustParse(t, "tel:1001"))
	require.NoError(t, err)
	assert.Equal(t, "SEP000000001001", a.Device)
}

func TestStats(t *testing.T) {
	s := newTestStore(t, Demo(), Options{})
	assert.Equal(t, Stats{Generation: 1, Users: 3, Lines: 4, Devices: 4, Appearances: 5, Registered: 4}, s.Stats())

	empty := newTestStore(t, nil, Options{})
	assert.Equal(t, Stats{Generation: 1}, empty.Stats())
	_, err := empty.Resolve("sip:alice@example.com", mustParse(t, "tel:1001"))
	assert.ErrorIs(t, err, ErrNotAllowed)

	require.NoError(t, empty.Replace(Demo()))
	assert.Equal(t, Stats{Generation: 2, Users: 3, Lines: 4, Devices: 4, Appearances: 5, Registered: 4}, empty.Stats())
}

func TestReplaceKeepsDirectoryOnError(t *testing.T) {
	s := newTestStore(t, Demo(), Options{})
	bad := Demo()
	bad.Users[0].Devices = []string{"SEPFFFFFFFFFFFF"}
	err := s.Replace(bad)
	require.ErrorIs(t, err, ErrInvalid)
	assert.EqualError(t, err, `lineappearance: users[0].devices[0]: user sip:alice@example.com: unknown device "SEPFFFFFFFFFFFF"`)
	assert.Equal(t, uint64(1), s.Stats().Generation)
	a, err := s.Resolve("sip:alice@example.com", mustParse(t, "tel:1001"))
	require.NoError(t, err)
	assert.Equal(t, "SEP000000001001", a.Device)

	// A good replacement takes effect at once.
	next := Demo()
	next.Users[0].Devices = []string{"SEP000000001002"}
	next.Appearances = append(next.Appearances, Appearance{Line: Line{DN: "1001"}, Device: "SEP000000001002", Index: 2})
	require.NoError(t, s.Replace(next))
	a, err = s.Resolve("sip:alice@example.com", mustParse(t, "tel:1001"))
	require.NoError(t, err)
	assert.Equal(t, Appearance{Line: Line{DN: "1001"}, Device: "SEP000000001002", Index: 2}, a)
}

func TestValidateData(t *testing.T) {
	tests := []struct {
		name   string
		change func(d *Data)
		msgs   []string
	}{
		{"bad directory number", func(d *Data) { d.Lines[0].DN = "10x1" },
			[]string{`lines[0]: directory number "10x1": invalid character 'x' in number`,
				`appearances[0]: appearance of unknown line 1001 on device SEP000000001001`}},
		{"empty directory number", func(d *Data) { d.Lines = append(d.Lines, Line{}) },
			[]string{`lines[4]: directory number "": empty number`}},
		{"bad partition", func(d *Data) { d.Lines = append(d.Lines, Line{DN: "1", Partition: "a/b"}) },
			[]string{`lines[4]: line 1: partition contains "/"`}},
		{"duplicate line after normalisation", func(d *Data) { d.Lines = append(d.Lines, Line{DN: "10-01"}) },
			[]string{`lines[4]: duplicate line 1001 (first at lines[0])`}},
		{"same number in two partitions is fine", func(d *Data) {
			d.Lines = append(d.Lines, Line{DN: "1001", Partition: "A"}, Line{DN: "1001", Partition: "B"})
		}, nil},
		{"bad device name", func(d *Data) { d.Devices = append(d.Devices, Device{Name: "SEP 1"}) },
			[]string{`devices[4]: invalid character ' ' in device name: "SEP 1"`}},
		{"empty device name", func(d *Data) { d.Devices = append(d.Devices, Device{}) },
			[]string{`devices[4]: empty device name: ""`}},
		{"unknown kind", func(d *Data) { d.Devices = append(d.Devices, Device{Name: "X", Kind: 7}) },
			[]string{`devices[4]: device X: unknown kind 7`}},
		{"duplicate device, case-insensitive", func(d *Data) { d.Devices = append(d.Devices, Device{Name: "csfcarol"}) },
			[]string{`devices[4]: duplicate device csfcarol (first at devices[3])`}},
		{"appearance of unknown line", func(d *Data) {
			d.Appearances = append(d.Appearances, Appearance{Line: Line{DN: "1001", Partition: "P"}, Device: "CSFCAROL", Index: 2})
		}, []string{`appearances[5]: appearance of unknown line 1001/P on device CSFCAROL`}},
		{"appearance with bad number", func(d *Data) {
			d.Appearances = append(d.Appearances, Appearance{Line: Line{DN: "+"}, Device: "CSFCAROL", Index: 2})
		}, []string{`appearances[5]: directory number "+": global number has no digits`}},
		{"appearance on unknown device", func(d *Data) {
			d.Appearances = append(d.Appearances, Appearance{Line: Line{DN: "1001"}, Device: "NOPE", Index: 1})
		}, []string{`appearances[5]: appearance of line 1001 on unknown device "NOPE"`}},
		{"index not positive", func(d *Data) { d.Appearances[4].Index = 0 },
			[]string{`appearances[4]: line 1003 on device CSFCAROL: index 0 is not a positive number`}},
		{"index clash", func(d *Data) { d.Appearances[3].Index = 1 },
			[]string{`appearances[3]: index 1 clash on device SEP000000001003: lines 1003 and 1004 (first at appearances[2])`}},
		{"line twice on a device", func(d *Data) {
			d.Appearances = append(d.Appearances, Appearance{Line: Line{DN: "1003"}, Device: "sep000000001003", Index: 3})
		}, []string{`appearances[5]: line 1003 appears twice on device SEP000000001003 (first at appearances[2])`}},
		{"bad user address", func(d *Data) { d.Users[1].AOR = "tel:1002" },
			[]string{`users[1]: user "tel:1002": scheme "tel" is not sip`}},
		{"duplicate user after normalisation", func(d *Data) {
			d.Users = append(d.Users, User{AOR: "<SIP:alice@EXAMPLE.COM>"})
		}, []string{`users[3]: duplicate user sip:alice@example.com (first at users[0])`}},
		{"user with unknown device", func(d *Data) { d.Users[2].Devices = append(d.Users[2].Devices, "NOPE") },
			[]string{`users[2].devices[2]: user sip:carol@example.com: unknown device "NOPE"`}},
		{"user lists a device twice", func(d *Data) { d.Users[2].Devices = append(d.Users[2].Devices, "csfcarol") },
			[]string{`users[2].devices[2]: user sip:carol@example.com: device csfcarol listed twice`}},
		{"user without devices is fine", func(d *Data) { d.Users = append(d.Users, User{AOR: "sip:dan@example.com"}) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Demo()
			tt.change(d)
			_, err := NewStore(d, Options{})
			if tt.msgs == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			var got []string
			for _, e := range unjoin(err) {
				var de *DataError
				require.ErrorAs(t, e, &de)
				got = append(got, de.Path+": "+de.Msg)
				assert.Equal(t, "lineappearance: "+de.Path+": "+de.Msg, e.Error())
			}
			assert.Equal(t, tt.msgs, got)
		})
	}
}

// unjoin splits an errors.Join error into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestValidateManyProblems(t *testing.T) {
	d := &Data{}
	for i := range 30 {
		d.Lines = append(d.Lines, Line{DN: "x" + strconv.Itoa(i)})
	}
	_, err := NewStore(d, Options{})
	require.ErrorIs(t, err, ErrInvalid)
	parts := unjoin(err)
	require.Len(t, parts, maxProblems+1)
	assert.EqualError(t, parts[0], `lineappearance: lines[0]: directory number "x0": invalid character 'x' in number`)
	assert.EqualError(t, parts[maxProblems], "lineappearance: ...: 10 more problems")
}

// TestConcurrentReplace runs readers while the directory is replaced back
// and forth. In directory A alice's line 1001 is on SEP000000001001; in B
// it is on SEP00000000B001 and bob is gone. A reader must always see one
// whole directory: alice resolves to one of the two devices, and the line
// and user counts of a Stats snapshot belong to the same directory.
func TestConcurrentReplace(t *testing.T) {
	a := Demo()
	b := Demo()
	b.Devices[0].Name = "SEP00000000B001"
	b.Appearances[0].Device = "SEP00000000B001"
	b.Users[0].Devices = []string{"SEP00000000B001"}
	b.Users = append(b.Users[:1], b.Users[2:]...)
	b.Lines = append(b.Lines, Line{DN: "1009"})

	s := newTestStore(t, a, Options{})
	uri := mustParse(t, "tel:1001;phone-context=dialstring")
	const readers, reads, replaces = 4, 2000, 200

	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			for range reads {
				app, err := s.Resolve("sip:alice@example.com", uri)
				if err != nil {
					errs <- err
					return
				}
				if app.Device != "SEP000000001001" && app.Device != "SEP00000000B001" {
					errs <- errors.New("alice resolved to " + app.Device)
					return
				}
				st := s.Stats()
				if !(st.Users == 3 && st.Lines == 4 || st.Users == 2 && st.Lines == 5) {
					errs <- errors.New("mixed stats " + strconv.Itoa(st.Users) + " users, " + strconv.Itoa(st.Lines) + " lines")
					return
				}
				if users := s.UsersOfDevice("SEP000000001002"); len(users) > 1 {
					errs <- errors.New("too many users")
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range replaces {
			d := a
			if i%2 == 0 {
				d = b
			}
			if err := s.Replace(d); err != nil {
				errs <- err
				return
			}
			if err := s.SetRegistered("CSFCAROL", i%3 == 0); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, uint64(replaces+1), s.Stats().Generation)
}

func TestZeroStore(t *testing.T) {
	var s Store
	_, err := s.Resolve("sip:alice@example.com", mustParse(t, "tel:1001"))
	assert.ErrorIs(t, err, ErrNotAllowed)
	assert.Nil(t, s.AppearancesOfLine(Line{DN: "1001"}))
	assert.Nil(t, s.UsersOfDevice("SEP000000001001"))
	_, ok := s.Lookup("1001")
	assert.False(t, ok)
	_, ok = s.Device("SEP000000001001")
	assert.False(t, ok)
	assert.ErrorIs(t, s.SetRegistered("SEP000000001001", true), ErrUnknownDevice)
	assert.Equal(t, Stats{}, s.Stats())

	require.NoError(t, s.Replace(Demo()))
	assert.Equal(t, uint64(1), s.Stats().Generation)
	a, err := s.Resolve("sip:carol@example.com", mustParse(t, "tel:1003"))
	require.NoError(t, err)
	assert.Equal(t, "CSFCAROL", a.Device, "the default preference")
}
