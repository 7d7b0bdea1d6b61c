package lineappearance

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// The scale the issue sets: 100,000 users, 150,000 lines, 200,000 devices.
const benchUsers = 100_000

// genData generates a directory of n users. User i has a desk phone and a
// soft phone sharing the primary line 100000+i; the first half of the users
// also have a second line 200000+i on the desk phone, every tenth of those
// in partition "Internal". That is n users, 1.5n lines, 2n devices and
// 2.5n appearances. Desk phones are registered, every other soft phone too.
func genData(n int) *Data {
	d := &Data{
		Lines:       make([]Line, 0, n+n/2),
		Devices:     make([]Device, 0, 2*n),
		Appearances: make([]Appearance, 0, 2*n+n/2),
		Users:       make([]User, 0, n),
	}
	for i := range n {
		primary := Line{DN: strconv.Itoa(100000 + i)}
		hard := fmt.Sprintf("SEP%012X", i)
		soft := fmt.Sprintf("CSFU%06d", i)
		d.Lines = append(d.Lines, primary)
		d.Devices = append(d.Devices,
			Device{Name: hard, Model: "Cisco 8845", Kind: HardPhone, Registered: true},
			Device{Name: soft, Model: "Cisco Jabber", Kind: SoftPhone, Registered: i%2 == 0})
		d.Appearances = append(d.Appearances,
			Appearance{Line: primary, Device: hard, Index: 1},
			Appearance{Line: primary, Device: soft, Index: 1})
		if i < n/2 {
			second := Line{DN: strconv.Itoa(200000 + i)}
			if i%10 == 0 {
				second.Partition = "Internal"
			}
			d.Lines = append(d.Lines, second)
			d.Appearances = append(d.Appearances, Appearance{Line: second, Device: hard, Index: 2})
		}
		d.Users = append(d.Users, User{AOR: fmt.Sprintf("sip:user%06d@example.com", i), Devices: []string{hard, soft}})
	}
	return d
}

// BenchmarkNewStore validates and indexes the large directory from memory.
func BenchmarkNewStore(b *testing.B) {
	d := genData(benchUsers)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewStore(d, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolve resolves Line URIs for users of the large directory,
// each iteration a different user.
func BenchmarkResolve(b *testing.B) {
	d := genData(benchUsers)
	s, err := NewStore(d, Options{})
	require.NoError(b, err)
	const n = 4096
	users := make([]string, n)
	shared := make([]LineURI, n)
	device := make([]LineURI, n)
	raw := make([]string, n)
	for k := range n {
		i := k * (benchUsers / n)
		users[k] = fmt.Sprintf("sip:user%06d@example.com", i)
		raw[k] = fmt.Sprintf("tel:%d;phone-context=dialstring", 100000+i)
		shared[k] = mustParseB(b, raw[k])
		device[k] = mustParseB(b, fmt.Sprintf("tel:%d;phone-context=dialstring;device=SEP%012X", 100000+i, i))
	}
	run := func(b *testing.B, uris []LineURI) {
		b.ReportAllocs()
		k := 0
		for b.Loop() {
			if _, err := s.Resolve(users[k], uris[k]); err != nil {
				b.Fatal(err)
			}
			k = (k + 1) % n
		}
	}
	b.Run("shared-line", func(b *testing.B) { run(b, shared) })
	b.Run("device", func(b *testing.B) { run(b, device) })
	b.Run("parse-and-resolve", func(b *testing.B) {
		b.ReportAllocs()
		k := 0
		for b.Loop() {
			u, err := ParseLineURI(raw[k])
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Resolve(users[k], u); err != nil {
				b.Fatal(err)
			}
			k = (k + 1) % n
		}
	})
	b.Run("not-allowed", func(b *testing.B) {
		b.ReportAllocs()
		k := 0
		for b.Loop() {
			if _, err := s.Resolve(users[(k+1)%n], shared[k]); err == nil {
				b.Fatal("resolved another user's line")
			}
			k = (k + 1) % n
		}
	})
}

func mustParseB(b *testing.B, s string) LineURI {
	u, err := ParseLineURI(s)
	if err != nil {
		b.Fatal(err)
	}
	return u
}

// BenchmarkEventRouting is the per-event work of routing a CTI event: the
// key to a line, the line to its appearances, a device to its users.
func BenchmarkEventRouting(b *testing.B) {
	s, err := NewStore(genData(benchUsers), Options{})
	require.NoError(b, err)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l, ok := s.Lookup(strconv.Itoa(100000 + i))
		if !ok {
			b.Fatal("line not found")
		}
		for _, a := range s.AppearancesOfLine(l) {
			if len(s.UsersOfDevice(a.Device)) != 1 {
				b.Fatal("want one user")
			}
		}
		i = (i + 7919) % benchUsers
	}
}

func BenchmarkParseLineURI(b *testing.B) {
	for _, s := range []string{
		"tel:1001;phone-context=dialstring",
		"tel:1003;phone-context=dialstring;device=SEP000000001003;partition=Internal",
		"tel:+1-408-555-1001",
	} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseLineURI(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
