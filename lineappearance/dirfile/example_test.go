package dirfile_test

import (
	"fmt"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/lineappearance/dirfile"
)

// Load the demo directory file into a Store; a file with a problem is
// refused with its line and column.
func Example() {
	dir, err := dirfile.LoadStore("testdata/demo.yaml", lineappearance.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", dir.Stats())
	fmt.Println(dir.UsersOfDevice("SEP000000001003"))
	fmt.Println(dir.AppearancesOfLine(lineappearance.Line{DN: "1003"}))

	_, err = dirfile.Parse([]byte("devices:\n  - name: SEP1\n    lines:\n      - dn: \"1001\"\n"), dirfile.FormatYAML)
	fmt.Println(err)
	// Output:
	// {Generation:1 Users:3 Lines:4 Devices:4 Appearances:5 Registered:4}
	// [sip:carol@example.com]
	// [1003 on SEP000000001003 (line 1) 1003 on CSFCAROL (line 1)]
	// lineappearance: 4:13: appearance of unknown line 1001 on device SEP1
}

func ExampleLoad() {
	d, err := dirfile.Load("testdata/demo.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(d.Users), "users,", len(d.Lines), "lines,", len(d.Devices), "devices")
	// Output: 3 users, 4 lines, 4 devices
}

// A reload keeps the directory when the new file has a problem.
func ExampleReload() {
	dir, err := lineappearance.NewStore(lineappearance.Demo(), lineappearance.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dirfile.Reload(dir, "testdata/missing.yaml") != nil, dir.Stats().Users)
	fmt.Println(dirfile.Reload(dir, "testdata/demo.yaml"), dir.Stats().Generation)
	// Output:
	// true 3
	// <nil> 2
}
