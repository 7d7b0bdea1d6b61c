package ctitest

import (
	"bufio"
	"fmt"
	"io"

	"github.com/rcc-go/rcc/lineappearance"
)

// GeneratedFirstDN is the directory number of the first line of a
// generated directory; user i (from 1) has line GeneratedFirstDN+i-1. The
// numbers have seven digits, so they never clash with the demo far ends
// (2xxx, 3000 to 3002) or the demo directory's lines (1001 to 1004).
const GeneratedFirstDN = 1000000

// MaxGeneratedUsers bounds the size of a generated directory (the DNs keep
// seven digits).
const MaxGeneratedUsers = 8999999

// GeneratedUser returns the SIP address of record and the Line URI of user
// i (from 1) of a generated directory: "sip:user1@example.com" and
// "tel:1000000;phone-context=dialstring", and so on.
func GeneratedUser(i int) (aor, lineURI string) {
	return fmt.Sprintf("sip:user%d@example.com", i),
		fmt.Sprintf("tel:%d;phone-context=dialstring", GeneratedFirstDN+i-1)
}

// generatedDevice is the desk phone of user i.
func generatedDevice(i int) string { return fmt.Sprintf("SEP%012d", GeneratedFirstDN+i-1) }

// GenerateDirectory builds a directory of n users for load tests: user i
// (from 1) is "sip:user<i>@example.com", with one registered desk phone
// SEP00000<DN> carrying one line, DN GeneratedFirstDN+i-1. A PBX
// provisioned from the same data (PBXConfig.Directory), or a fake CTI
// server reading the file WriteGeneratedDirectory writes, knows the same
// lines: the example gateway's -demo-users mode and the load generator run
// on the pair. n must be between 1 and MaxGeneratedUsers.
func GenerateDirectory(n int) (*lineappearance.Data, error) {
	if err := checkGenerated(n); err != nil {
		return nil, err
	}
	d := &lineappearance.Data{
		Lines:       make([]lineappearance.Line, n),
		Devices:     make([]lineappearance.Device, n),
		Appearances: make([]lineappearance.Appearance, n),
		Users:       make([]lineappearance.User, n),
	}
	for i := 1; i <= n; i++ {
		aor, _ := GeneratedUser(i)
		line := lineappearance.Line{DN: fmt.Sprint(GeneratedFirstDN + i - 1)}
		dev := generatedDevice(i)
		d.Lines[i-1] = line
		d.Devices[i-1] = lineappearance.Device{Name: dev, Model: "Cisco 7975", Kind: lineappearance.HardPhone, Registered: true}
		d.Appearances[i-1] = lineappearance.Appearance{Line: line, Device: dev, Index: 1}
		d.Users[i-1] = lineappearance.User{AOR: aor, Devices: []string{dev}}
	}
	return d, nil
}

func checkGenerated(n int) error {
	if n < 1 || n > MaxGeneratedUsers {
		return fmt.Errorf("ctitest: generated directory of %d users: want 1 to %d", n, MaxGeneratedUsers)
	}
	return nil
}

// WriteGeneratedDirectory writes the directory GenerateDirectory(n) builds
// as a directory file in JSON (the format that loads fast), for a gateway
// or a fake CTI server running as its own process.
func WriteGeneratedDirectory(w io.Writer, n int) error {
	if err := checkGenerated(n); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	each := func(key string, f func(i int)) {
		fmt.Fprintf(bw, "  %q: [\n", key)
		for i := 1; i <= n; i++ {
			f(i)
			if i < n {
				bw.WriteString(",\n")
			}
		}
		bw.WriteString("\n  ]")
	}
	bw.WriteString("{\n  \"version\": 1,\n")
	each("lines", func(i int) { fmt.Fprintf(bw, "    {\"dn\": \"%d\"}", GeneratedFirstDN+i-1) })
	bw.WriteString(",\n")
	each("devices", func(i int) {
		fmt.Fprintf(bw, "    {\"name\": %q, \"model\": \"Cisco 7975\", \"kind\": \"hard\", \"registered\": true, \"lines\": [{\"dn\": \"%d\", \"index\": 1}]}",
			generatedDevice(i), GeneratedFirstDN+i-1)
	})
	bw.WriteString(",\n")
	each("users", func(i int) {
		aor, _ := GeneratedUser(i)
		fmt.Fprintf(bw, "    {\"uri\": %q, \"devices\": [%q]}", aor, generatedDevice(i))
	})
	bw.WriteString("\n}\n")
	return bw.Flush()
}
