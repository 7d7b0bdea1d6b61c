package dirfile

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadDemoFile(t *testing.T) {
	d, err := Load("testdata/demo.yaml")
	require.NoError(t, err)
	assert.Equal(t, lineappearance.Demo(), d, "testdata/demo.yaml is the demo directory")
}

// demoJSON is the demo directory in JSON, written the way a generator
// would.
func demoJSON(t *testing.T) []byte {
	t.Helper()
	type app struct {
		DN    string `json:"dn"`
		Index int    `json:"index"`
	}
	type dev struct {
		Name       string `json:"name"`
		Model      string `json:"model"`
		Kind       string `json:"kind"`
		Registered bool   `json:"registered"`
		Lines      []app  `json:"lines"`
	}
	type user struct {
		URI     string   `json:"uri"`
		Devices []string `json:"devices"`
	}
	var doc struct {
		Version int                 `json:"version"`
		Lines   []map[string]string `json:"lines"`
		Devices []dev               `json:"devices"`
		Users   []user              `json:"users"`
	}
	doc.Version = 1
	d := lineappearance.Demo()
	for _, l := range d.Lines {
		doc.Lines = append(doc.Lines, map[string]string{"dn": l.DN})
	}
	for _, dv := range d.Devices {
		x := dev{Name: dv.Name, Model: dv.Model, Kind: dv.Kind.String(), Registered: dv.Registered}
		for _, a := range d.Appearances {
			if a.Device == dv.Name {
				x.Lines = append(x.Lines, app{DN: a.Line.DN, Index: a.Index})
			}
		}
		doc.Devices = append(doc.Devices, x)
	}
	for _, u := range d.Users {
		doc.Users = append(doc.Users, user{URI: u.AOR, Devices: u.Devices})
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	require.NoError(t, err)
	return b
}

// sameDirectory compares directories regardless of the order of their
// appearances, which the file schema groups by device.
func sameDirectory(t *testing.T, want, got *lineappearance.Data) {
	t.Helper()
	assert.Equal(t, want.Lines, got.Lines)
	assert.Equal(t, want.Devices, got.Devices)
	assert.ElementsMatch(t, want.Appearances, got.Appearances)
	assert.Equal(t, want.Users, got.Users)
}

func TestParseJSON(t *testing.T) {
	b := demoJSON(t)
	for _, f := range []Format{FormatJSON, FormatAuto} {
		d, err := Parse(b, f)
		require.NoError(t, err, f)
		sameDirectory(t, lineappearance.Demo(), d)
	}
	// JSON is YAML too.
	d, err := Parse(b, FormatYAML)
	require.NoError(t, err)
	sameDirectory(t, lineappearance.Demo(), d)

	// A byte order mark, escapes and numbers as values.
	_, err = Parse([]byte("\xef\xbb\xbf {\"lines\": [{\"dn\": 1001}, {\"dn\": \"\\u0031\\u0030\\u0030\\u0032\"}],"+
		"\"devices\": [{\"name\": \"S\\u00e9P\\/1\", \"model\": \"caf\\u00e9 \\ud83d\\ude00 \\\"x\\\" \\\\ \\b\\f\\n\\r\\t\"}], "+
		"\"users\": null}"), FormatAuto)
	require.Error(t, err, "a device name with é and / is refused")
	assert.Contains(t, err.Error(), "lineappearance: 1:84: invalid character 0xc3 in device name")
	d, err = Parse([]byte(`{"lines": [{"dn": 1001}, {"dn": "\u0031\u0030\u0030\u0032"}],
		"devices": [{"name": "SEP1", "model": "caf\u00e9 \ud83d\ude00 \"x\" \\ \/ \b\f\n\r\t", "registered": false,
		"lines": [{"dn": "1001", "index": 3}]}], "users": null}`), FormatJSON)
	require.NoError(t, err)
	assert.Equal(t, []lineappearance.Line{{DN: "1001"}, {DN: "1002"}}, d.Lines)
	assert.Equal(t, "café 😀 \"x\" \\ / \b\f\n\r\t", d.Devices[0].Model)
	assert.Equal(t, []lineappearance.Appearance{{Line: lineappearance.Line{DN: "1001"}, Device: "SEP1", Index: 3}}, d.Appearances)
	assert.Nil(t, d.Users)
}

func TestParseYAML(t *testing.T) {
	d, err := Parse([]byte(`
lines:
  - uri: "TEL:10-01;phone-context=dialstring;partition=Internal"
  - dn: "+1-408-555-1002"
  - uri: tel:1003
    partition: P3
devices:
  - name: SEP1
    kind: Soft
    registered: TRUE
    lines:
      - {dn: "1001", partition: Internal}
      - dn: "+14085551002"
        index: 7
      - dn: 1003
        partition: P3
  - name: SEP2
    kind:
    registered:
    lines:
users:
  - uri: <sip:alice@EXAMPLE.com>
    devices:
      - SEP1
      - sep2
  - uri: sip:bob@example.com
    devices: []
`), FormatYAML)
	require.NoError(t, err)
	assert.Equal(t, &lineappearance.Data{
		Lines: []lineappearance.Line{{DN: "1001", Partition: "Internal"}, {DN: "+1-408-555-1002"}, {DN: "1003", Partition: "P3"}},
		Devices: []lineappearance.Device{
			{Name: "SEP1", Kind: lineappearance.SoftPhone, Registered: true},
			{Name: "SEP2", Kind: lineappearance.HardPhone},
		},
		Appearances: []lineappearance.Appearance{
			{Line: lineappearance.Line{DN: "1001", Partition: "Internal"}, Device: "SEP1", Index: 1},
			{Line: lineappearance.Line{DN: "+14085551002"}, Device: "SEP1", Index: 7},
			{Line: lineappearance.Line{DN: "1003", Partition: "P3"}, Device: "SEP1", Index: 3},
		},
		Users: []lineappearance.User{
			{AOR: "<sip:alice@EXAMPLE.com>", Devices: []string{"SEP1", "sep2"}},
			{AOR: "sip:bob@example.com"},
		},
	}, d)

	d, err = Parse([]byte("{}"), FormatYAML)
	require.NoError(t, err)
	assert.Equal(t, &lineappearance.Data{}, d)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		in     string
		msgs   []string
	}{
		// YAML syntax and shape.
		{"empty YAML", FormatYAML, "", []string{"no directory in the file (it is empty)"}},
		{"only comments", FormatYAML, "# nothing\n", []string{"no directory in the file (it is empty)"}},
		{"YAML syntax", FormatYAML, "lines:\n  - dn: 1\n bad: [\n", []string{"3:2: YAML: value is not allowed in this context"}},
		{"two documents", FormatYAML, "lines: []\n---\nusers: []\n", []string{"2:1: more than one YAML document"}},
		{"top level not a mapping", FormatYAML, "- a\n", []string{"1:1: want a mapping for the directory, got a sequence"}},
		{"top level null", FormatYAML, "~\n", []string{"1:1: want a mapping for the directory, got nothing"}},
		{"unknown top-level field", FormatYAML, "lines: []\nline: []\n",
			[]string{`2:1: unknown field "line" in the directory (want version, lines, devices, users)`}},
		{"duplicate field", FormatYAML, "lines: []\nlines: []\n", []string{`2:1: duplicate field "lines" in the directory`}},
		{"bad version", FormatYAML, "version: 2\n", []string{`1:10: unsupported version "2" (want 1)`}},
		{"lines not a sequence", FormatYAML, "lines: {dn: 1}\n", []string{"1:8: want a sequence for lines, got a mapping"}},
		{"line not a mapping", FormatYAML, "lines:\n  - 1001\n", []string{"2:5: want a mapping for a line, got a single value"}},
		{"complex key", FormatYAML, "lines:\n  - ? [a]\n    : 1\n", []string{"3:5: YAML: found an invalid key for this map"}},
		{"scalar wanted", FormatYAML, "lines:\n  - dn: [1]\n", []string{"2:9: want a single value for dn, got a sequence"}},
		{"alias", FormatYAML, "lines:\n  - &a {dn: '1'}\n  - *a\n", []string{"3:5: YAML aliases are not supported"}},
		{"merge key", FormatYAML, "x: &a {dn: '1'}\n", []string{`1:1: unknown field "x" in the directory (want version, lines, devices, users)`}},
		{"unknown line field", FormatYAML, "lines:\n  - dn: '1'\n    partiton: P\n",
			[]string{`3:5: unknown field "partiton" in a line (want dn, partition, uri)`}},
		{"line without dn", FormatYAML, "lines:\n  - partition: P\n", []string{"2:5: line needs dn or uri"}},
		{"line with dn and uri", FormatYAML, "lines:\n  - dn: '1'\n    uri: tel:1\n", []string{"2:5: line has both dn and uri (give one)"}},
		{"bad line URI", FormatYAML, "lines:\n  - uri: tel:10x1\n",
			[]string{`2:10: bad line URI "tel:10x1": invalid character 'x' in number at byte 6`}},
		{"line URI with device", FormatYAML, "lines:\n  - uri: tel:1;device=SEP1\n",
			[]string{`2:10: line URI "tel:1;device=SEP1" names a device (list appearances under devices)`}},
		{"line URI partition conflict", FormatYAML, "lines:\n  - uri: tel:1;partition=A\n    partition: B\n",
			[]string{`3:16: partition "B" differs from the line URI's "A"`}},
		{"bad directory number", FormatYAML, "lines:\n  - dn: 10x1\n", []string{`2:9: directory number "10x1": invalid character 'x' in number`}},
		{"bad partition", FormatYAML, "lines:\n  - dn: '1'\n    partition: a/b\n", []string{`3:16: line 1: partition contains "/"`}},
		{"duplicate line", FormatYAML, "lines:\n  - dn: '1001'\n  - uri: tel:10-01\n", []string{"3:5: duplicate line 1001 (first at 2:5)"}},
		{"device without name", FormatYAML, "devices:\n  - model: x\n", []string{"2:5: device needs a name"}},
		{"bad device name", FormatYAML, "devices:\n  - name: SEP 1\n", []string{`2:11: invalid character ' ' in device name: "SEP 1"`}},
		{"bad kind", FormatYAML, "devices:\n  - name: X\n    kind: desk\n", []string{`3:11: unknown device kind "desk" (want hard or soft)`}},
		{"bad registered", FormatYAML, "devices:\n  - name: X\n    registered: yes\n", []string{`3:17: registered is "yes" (want true or false)`}},
		{"unknown device field", FormatYAML, "devices:\n  - name: X\n    line: []\n",
			[]string{`3:5: unknown field "line" in a device (want name, model, kind, registered, lines)`}},
		{"duplicate device", FormatYAML, "devices:\n  - name: X\n  - name: x\n", []string{"3:11: duplicate device x (first at 2:11)"}},
		{"appearance without dn", FormatYAML, "devices:\n  - name: X\n    lines:\n      - index: 1\n",
			[]string{"4:9: line appearance needs a dn"}},
		{"unknown appearance field", FormatYAML, "devices:\n  - name: X\n    lines:\n      - dn: '1'\n        device: Y\n",
			[]string{`5:9: unknown field "device" in a line appearance (want dn, partition, index)`}},
		{"bad index", FormatYAML, "lines: [{dn: '1'}]\ndevices:\n  - name: X\n    lines:\n      - dn: '1'\n        index: first\n",
			[]string{`6:16: index "first" is not a positive whole number`}},
		{"index zero", FormatYAML, "lines: [{dn: '1'}]\ndevices:\n  - name: X\n    lines:\n      - {dn: '1', index: 0}\n",
			[]string{`5:26: index "0" is not a positive whole number`}},
		{"appearance of unknown line", FormatYAML, "lines: [{dn: '1'}]\ndevices:\n  - name: X\n    lines:\n      - dn: '2'\n",
			[]string{"5:13: appearance of unknown line 2 on device X"}},
		{"line twice on a device", FormatYAML, "lines: [{dn: '1'}]\ndevices:\n  - name: X\n    lines: [{dn: '1'}, {dn: '1'}]\n",
			[]string{"4:24: line 1 appears twice on device X (first at 4:13)"}},
		{"index clash", FormatYAML, "lines: [{dn: '1'}, {dn: '2'}]\ndevices:\n  - name: X\n    lines: [{dn: '1', index: 2}, {dn: '2'}]\n",
			[]string{"4:34: index 2 clash on device X: lines 1 and 2 (first at 4:30)"}},
		{"user without uri", FormatYAML, "users:\n  - devices: []\n", []string{"2:5: user needs a uri"}},
		{"bad user", FormatYAML, "users:\n  - uri: alice\n", []string{`2:10: user "alice": no user part (want sip:user@host)`}},
		{"duplicate user", FormatYAML, "users:\n  - uri: sip:a@b\n  - uri: SIP:a@B\n", []string{"3:10: duplicate user sip:a@b (first at 2:10)"}},
		{"user with unknown device", FormatYAML, "users:\n  - uri: sip:a@b\n    devices: [X, Y]\n",
			[]string{`3:15: user sip:a@b: unknown device "X"`, `3:18: user sip:a@b: unknown device "Y"`}},
		{"user device twice", FormatYAML, "devices: [{name: X}]\nusers:\n  - uri: sip:a@b\n    devices: [X, x]\n",
			[]string{"4:18: user sip:a@b: device x listed twice"}},
		{"unknown user field", FormatYAML, "users:\n  - uri: sip:a@b\n    lines: []\n",
			[]string{`3:5: unknown field "lines" in a user (want uri, devices, credentials)`}},
		{"problems in file order", FormatYAML, "users:\n  - uri: sip:a@b\n    devices: [X]\nlines:\n  - dn: x\n",
			[]string{`3:15: user sip:a@b: unknown device "X"`, `5:9: directory number "x": invalid character 'x' in number`}},

		// JSON syntax and shape.
		{"empty JSON", FormatJSON, "", []string{"1:1: want an object for the directory, got end of file"}},
		{"JSON array", FormatJSON, "[]", []string{"1:1: want an object for the directory, got an array"}},
		{"JSON trailing data", FormatJSON, "{} {}", []string{"1:4: JSON: unexpected an object after the directory"}},
		{"JSON trailing comma", FormatJSON, `{"lines": [],}`, []string{`1:14: JSON: want a field name in the directory, got '}'`}},
		{"JSON missing colon", FormatJSON, `{"lines" []}`, []string{`1:10: JSON: want ':' after a field name, got an array`}},
		{"JSON missing comma", FormatJSON, "{\"lines\": []\n \"users\": []}", []string{`2:2: JSON: want ',' or '}' in the directory, got a string`}},
		{"JSON bad array", FormatJSON, `{"lines": [{"dn": "1"} {"dn": "2"}]}`, []string{`1:24: JSON: want ',' or ']' in lines, got an object`}},
		{"JSON unterminated string", FormatJSON, `{"lines`, []string{"1:8: JSON: unterminated string"}},
		{"JSON unterminated escape", FormatJSON, `{"lines\`, []string{"1:8: JSON: unterminated string"}},
		{"JSON control character", FormatJSON, "{\"li\tnes\": 1}", []string{"1:5: JSON: control character in a string"}},
		{"JSON bad escape", FormatJSON, `{"li\xnes": 1}`, []string{`1:5: JSON: bad escape \x`}},
		{"JSON bad unicode escape", FormatJSON, `{"li\u00zz": 1}`, []string{`1:5: JSON: bad \u escape`}},
		{"JSON invalid UTF-8", FormatJSON, "{\"li\xffnes\": 1}", []string{"1:5: JSON: string is not valid UTF-8"}},
		{"JSON bad literal", FormatJSON, `{"version": nope}`, []string{"1:13: JSON: invalid character 'n' at the start of a value"}},
		{"JSON leading zero", FormatJSON, `{"version": 01}`, []string{"1:14: JSON: leading zero in a number (quote numbers such as directory numbers)"}},
		{"JSON bad number", FormatJSON, `{"version": -}`, []string{"1:14: JSON: want a digit in a number"}},
		{"JSON bad fraction", FormatJSON, `{"version": 1.}`, []string{"1:15: JSON: want a digit after '.' in a number"}},
		{"JSON bad exponent", FormatJSON, `{"version": 1e+}`, []string{"1:16: JSON: want a digit in a number's exponent"}},
		{"JSON number version", FormatJSON, `{"version": 1.0e0}`, []string{`1:13: unsupported version "1.0e0" (want 1)`}},
		{"JSON value at end", FormatJSON, `{"version": `, []string{"1:13: want a value for version, got end of file"}},
		{"JSON object for scalar", FormatJSON, `{"version": {}}`, []string{"1:13: want a single value for version, got an object"}},
		{"JSON array wanted", FormatJSON, `{"lines": "x"}`, []string{"1:11: want an array for lines, got a string"}},
		{"JSON object wanted", FormatJSON, `{"lines": [null]}`, []string{"1:12: want an object for a line, got null"}},
		{"JSON duplicate field", FormatJSON, `{"lines": [], "lines": []}`, []string{`1:15: duplicate field "lines" in the directory`}},
		{"JSON literal prefix", FormatJSON, `{"version": truex}`, []string{"1:13: JSON: invalid character 't' at the start of a value"}},
		{"JSON columns count characters", FormatJSON, `{"lines": [{"dn": "é"}, {"dn": "ü"}]}`,
			[]string{`1:19: directory number "é": invalid character 0xc3 in number`, `1:32: directory number "ü": invalid character 0xc3 in number`}},
		{"JSON line with dn and uri", FormatJSON, "{\"lines\": [\n  {\"dn\": \"1\", \"uri\": \"tel:1\"}]}",
			[]string{"2:3: line has both dn and uri (give one)"}},
		{"JSON semantic problems", FormatJSON, "{\"lines\": [{\"dn\": \"1\"}, {\"dn\": \"1\"}],\n \"users\": [{\"uri\": \"sip:a@b\", \"devices\": [\"X\"]}]}",
			[]string{"1:25: duplicate line 1 (first at 1:12)", `2:43: user sip:a@b: unknown device "X"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), tt.format)
			require.Error(t, err)
			require.ErrorIs(t, err, lineappearance.ErrInvalid)
			var got []string
			for _, e := range unjoin(err) {
				var de *lineappearance.DataError
				require.ErrorAs(t, e, &de)
				assert.Empty(t, de.File)
				loc := ""
				if de.Line > 0 {
					loc = strconv.Itoa(de.Line)
					if de.Column > 0 {
						loc += ":" + strconv.Itoa(de.Column)
					}
					loc += ": "
				}
				got = append(got, loc+de.Msg)
				assert.Equal(t, "lineappearance: "+loc+de.Msg, e.Error())
			}
			assert.Equal(t, tt.msgs, got)
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	_, err := Parse([]byte("{}"), Format(9))
	require.ErrorIs(t, err, ErrUnknownFormat)
	assert.EqualError(t, err, "lineappearance: unknown directory format 9")
	assert.Equal(t, "Format(9)", Format(9).String())
	assert.Equal(t, "yaml", FormatYAML.String())
	assert.Equal(t, "json", FormatJSON.String())
	assert.Equal(t, "auto", FormatAuto.String())
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.True(t, strings.HasPrefix(err.Error(), "lineappearance: open "), err.Error())

	// The extension picks the format; the error names the file.
	path := filepath.Join(dir, "dir.json")
	require.NoError(t, os.WriteFile(path, []byte("lines: []\n"), 0o600))
	_, err = Load(path)
	require.ErrorIs(t, err, lineappearance.ErrInvalid)
	assert.EqualError(t, err, "lineappearance: "+path+":1:1: want an object for the directory, got 'l'")

	path = filepath.Join(dir, "dir.yml")
	require.NoError(t, os.WriteFile(path, []byte("lines: [\n"), 0o600))
	_, err = Load(path)
	var de *lineappearance.DataError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, path, de.File)
	assert.Positive(t, de.Line)

	path = filepath.Join(dir, "empty.yaml")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	_, err = Load(path)
	assert.EqualError(t, err, "lineappearance: "+path+": no directory in the file (it is empty)")

	// Other extensions are detected.
	path = filepath.Join(dir, "directory.conf")
	require.NoError(t, os.WriteFile(path, demoJSON(t), 0o600))
	d, err := Load(path)
	require.NoError(t, err)
	sameDirectory(t, lineappearance.Demo(), d)
}

func TestReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "directory.yaml")
	demo, err := os.ReadFile("testdata/demo.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, demo, 0o600))

	s := newTestStore(t, nil, lineappearance.Options{})
	require.NoError(t, Reload(s, path))
	assert.Equal(t, lineappearance.Stats{Generation: 2, Users: 3, Lines: 4, Devices: 4, Appearances: 5, Registered: 4}, s.Stats())
	a, err := s.Resolve("sip:carol@example.com", mustParse(t, "tel:1003;phone-context=dialstring"))
	require.NoError(t, err)
	assert.Equal(t, "CSFCAROL", a.Device)

	// A file that fails validation leaves the directory as it was.
	bad := strings.Replace(string(demo), "devices: [SEP000000001003, CSFCAROL]", "devices: [SEP000000001003, CSFCAROLE]", 1)
	require.NotEqual(t, string(demo), bad)
	require.NoError(t, os.WriteFile(path, []byte(bad), 0o600))
	err = Reload(s, path)
	require.ErrorIs(t, err, lineappearance.ErrInvalid)
	assert.EqualError(t, err, "lineappearance: "+path+`:46:32: user sip:carol@example.com: unknown device "CSFCAROLE"`)
	assert.Equal(t, uint64(2), s.Stats().Generation)
	a, err = s.Resolve("sip:carol@example.com", mustParse(t, "tel:1003;phone-context=dialstring"))
	require.NoError(t, err)
	assert.Equal(t, "CSFCAROL", a.Device)

	// So does a file that is gone.
	require.ErrorIs(t, Reload(s, filepath.Join(dir, "gone.yaml")), os.ErrNotExist)
	assert.Equal(t, uint64(2), s.Stats().Generation)

	// A good file takes effect.
	good := strings.Replace(string(demo), "devices: [SEP000000001003, CSFCAROL]", "devices: [SEP000000001003]", 1)
	require.NoError(t, os.WriteFile(path, []byte(good), 0o600))
	require.NoError(t, Reload(s, path))
	assert.Equal(t, uint64(3), s.Stats().Generation)
	a, err = s.Resolve("sip:carol@example.com", mustParse(t, "tel:1003;phone-context=dialstring"))
	require.NoError(t, err)
	assert.Equal(t, "SEP000000001003", a.Device)
}

func TestLoadStore(t *testing.T) {
	s, err := LoadStore("testdata/demo.yaml", lineappearance.Options{Preference: []lineappearance.Rule{lineappearance.ConfigOrder}})
	require.NoError(t, err)
	assert.Equal(t, lineappearance.Stats{Generation: 1, Users: 3, Lines: 4, Devices: 4, Appearances: 5, Registered: 4}, s.Stats())
	a, err := s.Resolve("sip:carol@example.com", mustParse(t, "tel:1003"))
	require.NoError(t, err)
	assert.Equal(t, "SEP000000001003", a.Device, "the options apply")

	_, err = LoadStore("testdata/demo.yaml", lineappearance.Options{Preference: []lineappearance.Rule{9}})
	assert.EqualError(t, err, "lineappearance: unknown preference rule 9")
	_, err = LoadStore("testdata/missing.yaml", lineappearance.Options{})
	assert.ErrorIs(t, err, os.ErrNotExist)

	path := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"users": [{"uri": "sip:a@b", "devices": ["X"]}]}`), 0o600))
	_, err = LoadStore(path, lineappearance.Options{})
	assert.EqualError(t, err, "lineappearance: "+path+`:1:43: user sip:a@b: unknown device "X"`)
}

// TestDocSchemaExample parses the example directory file in the package
// documentation, so that it stays valid.
func TestDocSchemaExample(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var b strings.Builder
	in := false
	for line := range strings.Lines(string(src)) {
		if strings.HasPrefix(line, "//\tversion: 1") {
			in = true
		}
		if in {
			text, ok := strings.CutPrefix(line, "//\t")
			if !ok {
				break
			}
			b.WriteString(text)
		}
	}
	require.NotZero(t, b.Len(), "the example is in doc.go")
	d, err := Parse([]byte(b.String()), FormatYAML)
	require.NoError(t, err)
	assert.Equal(t, []lineappearance.Line{{DN: "1001"}, {DN: "+14085551002", Partition: "Internal"}, {DN: "1003"}}, d.Lines)
	s, err := lineappearance.NewStore(d, lineappearance.Options{})
	require.NoError(t, err)
	a, err := s.Resolve("sip:alice@example.com", mustParse(t, "tel:+14085551002;partition=Internal"))
	require.NoError(t, err)
	assert.Equal(t, lineappearance.Appearance{Line: lineappearance.Line{DN: "+14085551002", Partition: "Internal"}, Device: "SEP000000001001", Index: 2}, a)
}

// FuzzParse checks that no directory file makes Parse panic, that every
// error is a DataError, and that Data Parse accepts is accepted by
// NewStore too.
func FuzzParse(f *testing.F) {
	demo, err := os.ReadFile("testdata/demo.yaml")
	require.NoError(f, err)
	f.Add(demo, uint8(FormatYAML))
	f.Add([]byte(`{"lines":[{"dn":"1001"},{"uri":"tel:1002;partition=P"}],"devices":[{"name":"SEP1","kind":"soft","registered":true,`+
		`"lines":[{"dn":"1001"},{"dn":"1002","partition":"P","index":3}]}],"users":[{"uri":"sip:a@b","devices":["SEP1"]}]}`), uint8(FormatJSON))
	f.Add([]byte("lines:\n  - &a {dn: '1'}\n  - *a\n"), uint8(FormatYAML))
	f.Add([]byte(`{"lines": [{"dn": "\u00e9\ud83d\ude00"}], "version": 1e0}`), uint8(FormatAuto))
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		d, err := Parse(data, Format(format%3))
		if err != nil {
			for _, e := range unjoin(err) {
				var de *lineappearance.DataError
				if !errors.As(e, &de) || de.Msg == "" {
					t.Fatalf("error %v is not a DataError with a message", e)
				}
			}
			return
		}
		if _, err := lineappearance.NewStore(d, lineappearance.Options{}); err != nil {
			t.Fatalf("Parse accepted data NewStore refuses: %v", err)
		}
	})
}

// TestManyProblemsInFile checks that a file with many problems reports the
// first ones in file order, with their places, and counts the rest.
func TestManyProblemsInFile(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"users": [{"uri": "sip:a@b", "devices": ["NOPE"]}], "lines": [`)
	for i := range 40 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`{"dn": "x"}`)
	}
	b.WriteString("]}")
	_, err := Parse([]byte(b.String()), FormatJSON)
	parts := unjoin(err)
	require.Len(t, parts, maxProblems+1)
	assert.EqualError(t, parts[0], `lineappearance: 1:43: user sip:a@b: unknown device "NOPE"`)
	assert.EqualError(t, parts[1], `lineappearance: 1:71: directory number "x": invalid character 'x' in number`)
	assert.EqualError(t, parts[2], `lineappearance: 1:84: directory number "x": invalid character 'x' in number`)
	assert.EqualError(t, parts[maxProblems], "lineappearance: ...: 21 more problems")
}

// unjoin returns the errors err joins, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func mustParse(t *testing.T, s string) lineappearance.LineURI {
	t.Helper()
	u, err := lineappearance.ParseLineURI(s)
	require.NoError(t, err)
	return u
}

// maxProblems is how many problems an error lists (lineappearance's limit).
const maxProblems = 20

func newTestStore(t *testing.T, d *lineappearance.Data, opts lineappearance.Options) *lineappearance.Store {
	t.Helper()
	s, err := lineappearance.NewStore(d, opts)
	require.NoError(t, err)
	return s
}

// TestHostileYAML checks the bounds on YAML a hostile or broken file
// meets: deep nesting is refused before parsing, aliases (and so alias
// expansion) anywhere, an alias to an unknown anchor with its place.
func TestHostileYAML(t *testing.T) {
	laughs := "lines: &a [{dn: '1'}, {dn: '2'}, {dn: '3'}, {dn: '4'}, {dn: '5'}, {dn: '6'}, {dn: '7'}, {dn: '8'}, {dn: '9'}]\n"
	prev := "a"
	for _, c := range "bcdefghi" {
		laughs += string(c) + ": &" + string(c) + " [" + strings.Repeat("*"+prev+", ", 8) + "*" + prev + "]\n"
		prev = string(c)
	}
	tests := []struct{ name, in, want string }{
		{"deep flow", strings.Repeat("[", 1001), "1:1001: YAML: nested more than 1000 levels deep"},
		{"deep block", "lines:\n" + strings.Repeat("- ", 1001) + "x\n", "2:2001: YAML: nested more than 1000 levels deep"},
		{"deep indentation", deepIndent(600), "501:502: YAML: nested more than 1000 levels deep"},
		{"billion laughs", laughs, `2:1: unknown field "b" in the directory (want version, lines, devices, users)`},
		{"alias in a list", "lines:\n  - &a {dn: '1'}\n  - *a\n", "3:5: YAML aliases are not supported"},
		{"alias to an unknown anchor", "lines:\n  - *nope\n", "2:5: YAML aliases are not supported"},
		{"alias as a key", "lines:\n  - {*k : 1}\n", "2:6: YAML aliases are not supported"},
		{"columns count characters", "lines:\n  - {partition: ü, dn: x}\n", `2:24: directory number "x": invalid character 'x' in number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), FormatYAML)
			require.ErrorIs(t, err, lineappearance.ErrInvalid)
			assert.EqualError(t, err, "lineappearance: "+tt.want)
		})
	}
	// Within the bound, nesting is the schema's business.
	_, err := Parse([]byte("lines: "+strings.Repeat("[", 900)+strings.Repeat("]", 900)), FormatYAML)
	assert.EqualError(t, err, "lineappearance: 1:9: want a mapping for a line, got a sequence")
}

// deepIndent returns a block mapping nested n levels, one more space each.
func deepIndent(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	return b.String()
}

func TestYAMLDocuments(t *testing.T) {
	d, err := Parse([]byte("# the directory\n---\nlines: [{dn: '1'}]\n...\n"), FormatYAML)
	require.NoError(t, err)
	assert.Len(t, d.Lines, 1)
	_, err = Parse([]byte("lines: []\n---\n"), FormatYAML)
	assert.EqualError(t, err, "lineappearance: 2:1: more than one YAML document")
	_, err = Parse([]byte("---\n"), FormatYAML)
	assert.EqualError(t, err, "lineappearance: no directory in the file (it is empty)")
}

func TestCredentials(t *testing.T) {
	const md5a = "939e7578ed9e3c518a452acee763bce9"
	const shaA = "7987C64C30E25F1B74BE53F966B49B90F2808AA92FAF9A00262392D7B4794232"
	yamlDir := `version: 1
devices: [{name: SEP1, kind: hard}]
users:
  - uri: sip:alice@example.com
    devices: [SEP1]
    credentials:
      - {realm: rcc.test, ha1_md5: ` + md5a + `, ha1_sha256: ` + shaA + `}
      - {realm: other, ha1_md5: ` + md5a + `}
`
	d, err := Parse([]byte(yamlDir), FormatYAML)
	require.NoError(t, err)
	assert.Equal(t, []lineappearance.Credential{{Realm: "rcc.test", HA1MD5: md5a, HA1SHA256: shaA}, {Realm: "other", HA1MD5: md5a}}, d.Users[0].Credentials)
	jsonDir := `{"version": 1, "devices": [{"name": "SEP1", "kind": "hard"}], "users": [{"uri": "sip:alice@example.com", "devices": ["SEP1"],
		"credentials": [{"realm": "rcc.test", "ha1_md5": "` + md5a + `", "ha1_sha256": "` + shaA + `"}, {"realm": "other", "ha1_md5": "` + md5a + `"}]}]}`
	dj, err := Parse([]byte(jsonDir), FormatJSON)
	require.NoError(t, err)
	assert.Equal(t, d.Users, dj.Users)

	s := newTestStore(t, d, lineappearance.Options{})
	h, ok := s.HA1("<sip:alice@EXAMPLE.com>", "rcc.test", "sha-256")
	assert.True(t, ok)
	assert.Equal(t, strings.ToLower(shaA), h, "hex in lower case")
	h, ok = s.HA1("sip:alice@example.com", "rcc.test", "MD5")
	assert.True(t, ok)
	assert.Equal(t, md5a, h)
	_, ok = s.HA1("sip:alice@example.com", "other", "SHA-256")
	assert.False(t, ok, "no SHA-256 hash in that realm")
	_, ok = s.HA1("sip:alice@example.com", "nowhere", "MD5")
	assert.False(t, ok)
	_, ok = s.HA1("sip:bob@example.com", "rcc.test", "MD5")
	assert.False(t, ok)

	// Reloading the directory changes the credentials.
	path := filepath.Join(t.TempDir(), "directory.yaml")
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(yamlDir, "realm: rcc.test", "realm: rcc.new", 1)), 0o600))
	require.NoError(t, Reload(s, path))
	_, ok = s.HA1("sip:alice@example.com", "rcc.test", "MD5")
	assert.False(t, ok)
	_, ok = s.HA1("sip:alice@example.com", "rcc.new", "MD5")
	assert.True(t, ok)

	for _, tc := range []struct{ in, msg string }{
		{`{realm: r, password: x}`, "never a password"},
		{`{ha1_md5: ` + md5a + `}`, "needs a realm"},
		{`{realm: r, ha1: x}`, `unknown field "ha1"`},
		{`{realm: r}`, "no ha1_md5 nor ha1_sha256"},
		{`{realm: r, ha1_md5: abc}`, "ha1_md5 is not 32 hex digits"},
		{`{realm: r, ha1_sha256: ` + md5a + `}`, "ha1_sha256 is not 64 hex digits"},
	} {
		src := strings.Replace(yamlDir, "- {realm: other, ha1_md5: "+md5a+"}", "- "+tc.in, 1)
		d, err := Parse([]byte(src), FormatYAML)
		if err == nil {
			_, err = lineappearance.NewStore(d, lineappearance.Options{})
		}
		assert.ErrorContains(t, err, tc.msg, tc.in)
	}
	_, err = Parse([]byte(strings.Replace(yamlDir, "realm: other", "realm: rcc.test", 1)), FormatYAML)
	assert.ErrorContains(t, err, `realm "rcc.test" given twice`)
}
