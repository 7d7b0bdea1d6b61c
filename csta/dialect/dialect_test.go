package dialect_test

import (
	"fmt"
	"testing"

	"github.com/rcc-go/rcc/csta/dialect"
)

func TestLookup(t *testing.T) {
	for _, n := range dialect.Names() {
		d, err := dialect.Lookup(n)
		if err != nil || d.Name != n {
			t.Fatalf("Lookup(%q) = %v, %v", n, d, err)
		}
	}
	if d, err := dialect.Lookup(""); err != nil || d.Name != dialect.ECMA354 {
		t.Fatalf("Lookup(\"\") = %v, %v", d, err)
	}
	if _, err := dialect.Lookup("cisco"); err == nil {
		t.Fatal("Lookup(cisco) succeeded")
	}
}

func TestIDs(t *testing.T) {
	osv, _ := dialect.Lookup(dialect.OpenScapeVoice)
	for _, local := range []string{"1001", "+15551234", "a"} {
		w := osv.DeviceToWire("callingDevice", local, "", "")
		if got := osv.DeviceFromWire(w); got != local {
			t.Errorf("device %q -> %q -> %q", local, w, got)
		}
	}
	if w := osv.DeviceToWire("callingDevice", "+15551234", "", ""); w != "N<+15551234>;noa=international" {
		t.Errorf("OSV wire device = %q", w)
	}
	if w := osv.DeviceToWire("connection/deviceID", "1001", "", ""); w != "1001" {
		t.Errorf("OSV connection device = %q", w)
	}
	for _, local := range []string{"1", "42", "call-12345678"} {
		w := osv.CallToWire(local)
		if len(w) != 32 {
			t.Errorf("call %q -> %q: not 32 digits", local, w)
		}
		if got := osv.CallFromWire(w); got != local {
			t.Errorf("call %q -> %q -> %q", local, w, got)
		}
	}
	if got := osv.CallFromWire("FF000100000000002D65C85C1C750000"); got != "FF000100000000002D65C85C1C750000" {
		t.Errorf("foreign call ID changed to %q", got)
	}
	dmcc, _ := dialect.Lookup(dialect.AvayaDMCC)
	w := dmcc.DeviceToWire("deviceObject", "5001", "CM1", "10.0.0.1")
	if w != "5001:CM1:10.0.0.1:0" || dmcc.DeviceFromWire(w) != "5001" {
		t.Errorf("DMCC device %q", w)
	}
}

func TestCredentials(t *testing.T) {
	for _, n := range []string{dialect.OpenScapeBusiness, dialect.AvayaDMCC} {
		d, _ := dialect.Lookup(n)
		u, p, err := d.Credentials(d.LoginInfo("ad<min", "s&cret"))
		if err != nil || u != "ad<min" || p != "s&cret" {
			t.Errorf("%s: credentials %q %q %v", n, u, p, err)
		}
	}
	d, _ := dialect.Lookup(dialect.AvayaDMCC)
	if _, _, err := d.Credentials(""); err == nil {
		t.Error("no credentials accepted")
	}
}

func TestRoot(t *testing.T) {
	name, ns, ok := dialect.Root(dialect.GetDeviceId("CM1", "5001"))
	if !ok || name != "GetDeviceId" || ns != dialect.NamespaceAvaya {
		t.Errorf("Root = %q %q %v", name, ns, ok)
	}
	name, ns, ok = dialect.Root([]byte(`<a:X xmlns:a="urn:x"><y/></a:X>`))
	if !ok || name != "X" || ns != "urn:x" {
		t.Errorf("Root prefixed = %q %q %v", name, ns, ok)
	}
	if _, _, ok := dialect.Root([]byte("not xml")); ok {
		t.Error("Root accepted garbage")
	}
}

func ExampleLookup() {
	d, err := dialect.Lookup("openscape-voice")
	if err != nil {
		panic(err)
	}
	fmt.Println(d.ProtocolVersion, d.ServerSpeaksFirst)
	fmt.Println(d.DeviceToWire("callingDevice", "+15551234", "", ""))
	fmt.Println(d.CallToWire("7"))
	// Output:
	// http://www.ecma-international.org/standards/ecma-323/csta/ed4 true
	// N<+15551234>;noa=international
	// FF013700000000000000000000000000
}
