package lineappearance

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
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

// appearancesByDevice groups d's appearances by device name, in order.
func appearancesByDevice(d *Data) map[string][]Appearance {
	m := make(map[string][]Appearance, len(d.Devices))
	for _, a := range d.Appearances {
		m[a.Device] = append(m[a.Device], a)
	}
	return m
}

// writeJSON writes d as a directory file in JSON, one device per line.
func writeJSON(w io.Writer, d *Data) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	q := strconv.Quote
	fmt.Fprint(bw, "{\"version\": 1,\n\"lines\": [\n")
	for i, l := range d.Lines {
		sep := ",\n"
		if i == len(d.Lines)-1 {
			sep = "\n"
		}
		if l.Partition != "" {
			fmt.Fprintf(bw, "{\"dn\": %s, \"partition\": %s}%s", q(l.DN), q(l.Partition), sep)
		} else {
			fmt.Fprintf(bw, "{\"dn\": %s}%s", q(l.DN), sep)
		}
	}
	fmt.Fprint(bw, "],\n\"devices\": [\n")
	apps := appearancesByDevice(d)
	for i, dev := range d.Devices {
		fmt.Fprintf(bw, "{\"name\": %s, \"model\": %s, \"kind\": %q, \"registered\": %t, \"lines\": [",
			q(dev.Name), q(dev.Model), dev.Kind.String(), dev.Registered)
		for j, a := range apps[dev.Name] {
			if j > 0 {
				bw.WriteString(", ")
			}
			if a.Line.Partition != "" {
				fmt.Fprintf(bw, "{\"dn\": %s, \"partition\": %s, \"index\": %d}", q(a.Line.DN), q(a.Line.Partition), a.Index)
			} else {
				fmt.Fprintf(bw, "{\"dn\": %s, \"index\": %d}", q(a.Line.DN), a.Index)
			}
		}
		if i == len(d.Devices)-1 {
			bw.WriteString("]}\n")
		} else {
			bw.WriteString("]},\n")
		}
	}
	fmt.Fprint(bw, "],\n\"users\": [\n")
	for i, u := range d.Users {
		fmt.Fprintf(bw, "{\"uri\": %s, \"devices\": [", q(u.AOR))
		for j, name := range u.Devices {
			if j > 0 {
				bw.WriteString(", ")
			}
			bw.WriteString(q(name))
		}
		if i == len(d.Users)-1 {
			bw.WriteString("]}\n")
		} else {
			bw.WriteString("]},\n")
		}
	}
	fmt.Fprint(bw, "]}\n")
	return bw.Flush()
}

// writeYAML writes d as a directory file in block-style YAML.
func writeYAML(w io.Writer, d *Data) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	q := strconv.Quote
	fmt.Fprint(bw, "version: 1\nlines:\n")
	for _, l := range d.Lines {
		fmt.Fprintf(bw, "  - dn: %s\n", q(l.DN))
		if l.Partition != "" {
			fmt.Fprintf(bw, "    partition: %s\n", l.Partition)
		}
	}
	fmt.Fprint(bw, "devices:\n")
	apps := appearancesByDevice(d)
	for _, dev := range d.Devices {
		fmt.Fprintf(bw, "  - name: %s\n    model: %s\n    kind: %s\n    registered: %t\n    lines:\n",
			dev.Name, dev.Model, dev.Kind, dev.Registered)
		for _, a := range apps[dev.Name] {
			fmt.Fprintf(bw, "      - dn: %s\n", q(a.Line.DN))
			if a.Line.Partition != "" {
				fmt.Fprintf(bw, "        partition: %s\n", a.Line.Partition)
			}
			fmt.Fprintf(bw, "        index: %d\n", a.Index)
		}
	}
	fmt.Fprint(bw, "users:\n")
	for _, u := range d.Users {
		fmt.Fprintf(bw, "  - uri: %s\n    devices:\n", u.AOR)
		for _, name := range u.Devices {
			fmt.Fprintf(bw, "      - %s\n", name)
		}
	}
	return bw.Flush()
}

func writeFile(tb testing.TB, name string, d *Data, write func(io.Writer, *Data) error) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	f, err := os.Create(path)
	require.NoError(tb, err)
	require.NoError(tb, write(f, d))
	require.NoError(tb, f.Close())
	return path
}

// TestGeneratedDirectory checks the benchmark's generator and writers on a
// small directory: both files load back to the generated data.
func TestGeneratedDirectory(t *testing.T) {
	d := genData(40)
	require.Len(t, d.Users, 40)
	require.Len(t, d.Lines, 60)
	require.Len(t, d.Devices, 80)
	require.Len(t, d.Appearances, 100)
	for _, name := range []string{"dir.json", "dir.yaml"} {
		write := writeJSON
		if filepath.Ext(name) == ".yaml" {
			write = writeYAML
		}
		got, err := LoadFile(writeFile(t, name, d, write))
		require.NoError(t, err, name)
		sameDirectory(t, d, got)
	}
	s := newTestStore(t, d, Options{})
	assert.Equal(t, Stats{Generation: 1, Users: 40, Lines: 60, Devices: 80, Appearances: 100, Registered: 60}, s.Stats())
	// user 1's soft phone is not registered: the desk phone is chosen.
	a, err := s.Resolve("sip:user000001@example.com", mustParse(t, "tel:100001;phone-context=dialstring"))
	require.NoError(t, err)
	assert.Equal(t, "SEP000000000001", a.Device)
	a, err = s.Resolve("sip:user000002@example.com", mustParse(t, "tel:100002;phone-context=dialstring"))
	require.NoError(t, err)
	assert.Equal(t, "CSFU000002", a.Device)
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// benchmarkLoad measures load on the file write writes. It first reports
// the heap a loaded Store keeps.
func benchmarkLoad(b *testing.B, name string, write func(io.Writer, *Data) error, load func(string) (*Store, error)) {
	path := writeFile(b, name, genData(benchUsers), write)
	fi, err := os.Stat(path)
	require.NoError(b, err)

	before := heapInUse()
	s, err := load(path)
	require.NoError(b, err)
	retained := heapInUse() - before
	require.Equal(b, Stats{Generation: 1, Users: benchUsers, Lines: 150_000, Devices: 200_000, Appearances: 250_000, Registered: 150_000}, s.Stats())
	runtime.KeepAlive(s)
	s = nil

	b.ReportAllocs()
	b.SetBytes(fi.Size())
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := load(path); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time on all threads (GC included): less disturbed than wall
	// time by other processes on a shared machine.
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(retained)/(1<<20), "MiB-retained")
}

func loadStore(path string) (*Store, error) { return LoadStore(path, Options{}) }

func loadFileNewStore(path string) (*Store, error) {
	d, err := LoadFile(path)
	if err != nil {
		return nil, err
	}
	return NewStore(d, Options{})
}

// BenchmarkLoad loads a directory of 100,000 users, 150,000 lines and
// 200,000 devices (250,000 appearances) from a file, as a gateway does at
// start: LoadStore, and LoadFile followed by NewStore, which validates
// twice.
func BenchmarkLoad(b *testing.B) {
	b.Run("LoadStore/JSON", func(b *testing.B) { benchmarkLoad(b, "dir.json", writeJSON, loadStore) })
	b.Run("LoadStore/YAML", func(b *testing.B) { benchmarkLoad(b, "dir.yaml", writeYAML, loadStore) })
	b.Run("LoadFile+NewStore/JSON", func(b *testing.B) { benchmarkLoad(b, "dir.json", writeJSON, loadFileNewStore) })
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

// BenchmarkReloadFile replaces a Store's directory from a JSON file of the
// same size, as a reload does.
func BenchmarkReloadFile(b *testing.B) {
	d := genData(benchUsers)
	path := writeFile(b, "dir.json", d, writeJSON)
	s, err := NewStore(d, Options{})
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.ReloadFile(path); err != nil {
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
