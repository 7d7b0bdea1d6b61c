package dirfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/rcc-go/rcc/lineappearance"
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
func genData(n int) *lineappearance.Data {
	d := &lineappearance.Data{
		Lines:       make([]lineappearance.Line, 0, n+n/2),
		Devices:     make([]lineappearance.Device, 0, 2*n),
		Appearances: make([]lineappearance.Appearance, 0, 2*n+n/2),
		Users:       make([]lineappearance.User, 0, n),
	}
	for i := range n {
		primary := lineappearance.Line{DN: strconv.Itoa(100000 + i)}
		hard := fmt.Sprintf("SEP%012X", i)
		soft := fmt.Sprintf("CSFU%06d", i)
		d.Lines = append(d.Lines, primary)
		d.Devices = append(d.Devices,
			lineappearance.Device{Name: hard, Model: "Cisco 8845", Kind: lineappearance.HardPhone, Registered: true},
			lineappearance.Device{Name: soft, Model: "Cisco Jabber", Kind: lineappearance.SoftPhone, Registered: i%2 == 0})
		d.Appearances = append(d.Appearances,
			lineappearance.Appearance{Line: primary, Device: hard, Index: 1},
			lineappearance.Appearance{Line: primary, Device: soft, Index: 1})
		if i < n/2 {
			second := lineappearance.Line{DN: strconv.Itoa(200000 + i)}
			if i%10 == 0 {
				second.Partition = "Internal"
			}
			d.Lines = append(d.Lines, second)
			d.Appearances = append(d.Appearances, lineappearance.Appearance{Line: second, Device: hard, Index: 2})
		}
		d.Users = append(d.Users, lineappearance.User{AOR: fmt.Sprintf("sip:user%06d@example.com", i), Devices: []string{hard, soft}})
	}
	return d
}

// appearancesByDevice groups d's appearances by device name, in order.
func appearancesByDevice(d *lineappearance.Data) map[string][]lineappearance.Appearance {
	m := make(map[string][]lineappearance.Appearance, len(d.Devices))
	for _, a := range d.Appearances {
		m[a.Device] = append(m[a.Device], a)
	}
	return m
}

// writeJSON writes d as a directory file in JSON, one device per line.
func writeJSON(w io.Writer, d *lineappearance.Data) error {
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
func writeYAML(w io.Writer, d *lineappearance.Data) error {
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

func writeFile(tb testing.TB, name string, d *lineappearance.Data, write func(io.Writer, *lineappearance.Data) error) string {
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
		got, err := Load(writeFile(t, name, d, write))
		require.NoError(t, err, name)
		sameDirectory(t, d, got)
	}
	s := newTestStore(t, d, lineappearance.Options{})
	assert.Equal(t, lineappearance.Stats{Generation: 1, Users: 40, Lines: 60, Devices: 80, Appearances: 100, Registered: 60}, s.Stats())
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
func benchmarkLoad(b *testing.B, name string, write func(io.Writer, *lineappearance.Data) error, load func(string) (*lineappearance.Store, error)) {
	path := writeFile(b, name, genData(benchUsers), write)
	fi, err := os.Stat(path)
	require.NoError(b, err)

	before := heapInUse()
	s, err := load(path)
	require.NoError(b, err)
	retained := heapInUse() - before
	require.Equal(b, lineappearance.Stats{Generation: 1, Users: benchUsers, Lines: 150_000, Devices: 200_000, Appearances: 250_000, Registered: 150_000}, s.Stats())
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

func loadStore(path string) (*lineappearance.Store, error) {
	return LoadStore(path, lineappearance.Options{})
}

func loadNewStore(path string) (*lineappearance.Store, error) {
	d, err := Load(path)
	if err != nil {
		return nil, err
	}
	return lineappearance.NewStore(d, lineappearance.Options{})
}

// BenchmarkLoad loads a directory of 100,000 users, 150,000 lines and
// 200,000 devices (250,000 appearances) from a file, as a gateway does at
// start: LoadStore, and Load followed by NewStore, which validates
// twice.
func BenchmarkLoad(b *testing.B) {
	b.Run("LoadStore/JSON", func(b *testing.B) { benchmarkLoad(b, "dir.json", writeJSON, loadStore) })
	b.Run("LoadStore/YAML", func(b *testing.B) { benchmarkLoad(b, "dir.yaml", writeYAML, loadStore) })
	b.Run("Load+NewStore/JSON", func(b *testing.B) { benchmarkLoad(b, "dir.json", writeJSON, loadNewStore) })
}

// BenchmarkReload replaces a Store's directory from a JSON file of the
// same size, as a reload does.
func BenchmarkReload(b *testing.B) {
	d := genData(benchUsers)
	path := writeFile(b, "dir.json", d, writeJSON)
	s, err := lineappearance.NewStore(d, lineappearance.Options{})
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if err := Reload(s, path); err != nil {
			b.Fatal(err)
		}
	}
}
