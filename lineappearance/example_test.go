package lineappearance_test

import (
	"errors"
	"fmt"

	"github.com/rcc-go/rcc/lineappearance"
)

// Parse the Line URI a client sends, resolve it for alice in the demo
// directory, and print the appearance she may control.
func Example() {
	dir, err := lineappearance.NewStore(lineappearance.Demo(), lineappearance.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	uri, err := lineappearance.ParseLineURI("tel:1001;phone-context=dialstring")
	if err != nil {
		fmt.Println(err)
		return
	}
	app, err := dir.Resolve("sip:alice@example.com", uri)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("appearance:", app)
	fmt.Println("CTI key:", app.Line.Key())
	fmt.Println("echo to the client:", uri)

	// bob may not control alice's line.
	_, err = dir.Resolve("sip:bob@example.com", uri)
	fmt.Println(errors.Is(err, lineappearance.ErrNotAllowed))
	// Output:
	// appearance: 1001 on SEP000000001001 (line 1)
	// CTI key: 1001
	// echo to the client: tel:1001;phone-context=dialstring
	// true
}

// A shared line: without a device the preference picks carol's registered
// soft phone; naming a device selects it.
func ExampleStore_Resolve() {
	dir, err := lineappearance.NewStore(lineappearance.Demo(), lineappearance.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range []string{
		"tel:1003;phone-context=dialstring",
		"tel:1003;phone-context=dialstring;device=SEP000000001003",
		"tel:1004;phone-context=dialstring;device=CSFCAROL",
	} {
		uri, err := lineappearance.ParseLineURI(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		app, err := dir.Resolve("sip:carol@example.com", uri)
		if err != nil {
			fmt.Println(errors.Is(err, lineappearance.ErrLineNotOnDevice), err)
			continue
		}
		fmt.Println(app)
	}
	// Output:
	// 1003 on CSFCAROL (line 1)
	// 1003 on SEP000000001003 (line 1)
	// true lineappearance: resolve "tel:1004;phone-context=dialstring;device=CSFCAROL" for "sip:carol@example.com": line 1004 is not on device CSFCAROL
}

func ExampleParseLineURI() {
	uri, err := lineappearance.ParseLineURI("TEL:73124;Phone-Context=DialString;partition=BE_BRS_INT")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("number %s, context %s, partition %s, key %s\n", uri.Number, uri.PhoneContext, uri.Partition, uri.Line().Key())
	fmt.Println(uri)

	_, err = lineappearance.ParseLineURI("sip:alice@example.com")
	fmt.Println(err)
	// Output:
	// number 73124, context dialstring, partition BE_BRS_INT, key 73124/BE_BRS_INT
	// TEL:73124;Phone-Context=DialString;partition=BE_BRS_INT
	// lineappearance: bad line URI "sip:alice@example.com": scheme "sip" is not tel at byte 0
}

// A host that keeps its directory in its own database builds the Data in
// code: no file format is involved. Problems name the element, such as
// appearances[1].
func ExampleNewStore() {
	d := &lineappearance.Data{
		Lines:   []lineappearance.Line{{DN: "1001"}},
		Devices: []lineappearance.Device{{Name: "SEP000000001001", Kind: lineappearance.HardPhone, Registered: true}},
		Appearances: []lineappearance.Appearance{
			{Line: lineappearance.Line{DN: "1001"}, Device: "SEP000000001001", Index: 1},
		},
		Users: []lineappearance.User{{AOR: "sip:alice@example.com", Devices: []string{"SEP000000001001"}}},
	}
	dir, err := lineappearance.NewStore(d, lineappearance.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", dir.Stats())

	d.Appearances = append(d.Appearances, lineappearance.Appearance{Line: lineappearance.Line{DN: "1002"}, Device: "SEP000000001001", Index: 2})
	fmt.Println(dir.Replace(d))
	// Output:
	// {Generation:1 Users:1 Lines:1 Devices:1 Appearances:1 Registered:1}
	// lineappearance: appearances[1]: appearance of unknown line 1002 on device SEP000000001001
}

func ExamplePartyURI() {
	fmt.Println(lineappearance.PartyURI("2000"))
	fmt.Println(lineappearance.PartyURI("+3222220220"))
	fmt.Println(lineappearance.PartyURI("1005/Internal"))
	// Output:
	// tel:2000;phone-context=dialstring
	// tel:+3222220220
	// tel:1005;phone-context=dialstring;partition=Internal
}

func ExampleDialString() {
	for _, called := range []string{"tel:+3222220220", "tel:2000;phone-context=dialstring", "tel:+32-2-222-0220", "2000", "sip:2000@example.com"} {
		s, err := lineappearance.DialString(called)
		fmt.Printf("%q %v\n", s, err)
	}
	// Output:
	// "+3222220220" <nil>
	// "2000" <nil>
	// "+3222220220" <nil>
	// "2000" <nil>
	// "" lineappearance: bad number "sip:2000@example.com": scheme "sip" is not tel at byte 0
}

func ExampleNormalizeUser() {
	aor, err := lineappearance.NormalizeUser(`"Alice" <SIP:alice@Example.COM;transport=tls>;tag=8f3`)
	fmt.Println(aor, err)
	// Output:
	// sip:alice@example.com <nil>
}
