package lineappearance

// Demo returns the demo directory that the example gateway and the fake CTI
// server provision, the same as dirfile/testdata/demo.yaml:
//
//	user                    line                         devices
//	sip:alice@example.com   1001                         SEP000000001001 (desk phone)
//	sip:bob@example.com     1002                         SEP000000001002 (desk phone)
//	sip:carol@example.com   1003 (shared), 1004          SEP000000001003 (desk phone, both lines),
//	                                                     CSFCAROL (soft phone, 1003)
//
// Every device is registered, so with the default preference carol's
// "tel:1003;phone-context=dialstring" selects CSFCAROL, and
// "tel:1003;phone-context=dialstring;device=SEP000000001003" the desk
// phone. Each call returns new slices.
func Demo() *Data {
	const desk, soft = "Cisco 7975", "Cisco Unified Client Services Framework"
	return &Data{
		Lines: []Line{{DN: "1001"}, {DN: "1002"}, {DN: "1003"}, {DN: "1004"}},
		Devices: []Device{
			{Name: "SEP000000001001", Model: desk, Kind: HardPhone, Registered: true},
			{Name: "SEP000000001002", Model: desk, Kind: HardPhone, Registered: true},
			{Name: "SEP000000001003", Model: desk, Kind: HardPhone, Registered: true},
			{Name: "CSFCAROL", Model: soft, Kind: SoftPhone, Registered: true},
		},
		Appearances: []Appearance{
			{Line: Line{DN: "1001"}, Device: "SEP000000001001", Index: 1},
			{Line: Line{DN: "1002"}, Device: "SEP000000001002", Index: 1},
			{Line: Line{DN: "1003"}, Device: "SEP000000001003", Index: 1},
			{Line: Line{DN: "1004"}, Device: "SEP000000001003", Index: 2},
			{Line: Line{DN: "1003"}, Device: "CSFCAROL", Index: 1},
		},
		Users: []User{
			{AOR: "sip:alice@example.com", Devices: []string{"SEP000000001001"}},
			{AOR: "sip:bob@example.com", Devices: []string{"SEP000000001002"}},
			{AOR: "sip:carol@example.com", Devices: []string{"SEP000000001003", "CSFCAROL"}},
		},
	}
}
