package csta

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "update golden files")

// samples returns the sample documents under testdata, by file name. A
// sample is named after its message, optionally followed by a variant:
// "MakeCall.xml", "MakeCall.soap.xml".
func samples(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	require.NoError(t, err)
	out := make(map[string][]byte, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		out[filepath.Base(f)] = data
	}
	return out
}

// sampleMessage returns the message name a sample file is for.
func sampleMessage(file string) string { return strings.SplitN(file, ".", 2)[0] }

// TestGolden decodes every sample, checks its fields, encodes it, compares
// the bytes with the golden file and decodes the encoding again.
func TestGolden(t *testing.T) {
	for file, data := range samples(t) {
		t.Run(file, func(t *testing.T) {
			m, err := Decode(data)
			require.NoError(t, err)
			assert.Equal(t, sampleMessage(file), m.MessageName())
			if check, ok := checks[file]; assert.True(t, ok, "no field checks for %s in checks_test.go", file) {
				check(t, m)
			}

			out, err := Encode(m)
			require.NoError(t, err)
			golden := filepath.Join("testdata", "golden", file)
			if *update {
				require.NoError(t, os.WriteFile(golden, append(out, '\n'), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test -update to create the golden file")
			assert.Equal(t, string(bytes.TrimSuffix(want, []byte("\n"))), string(out))

			again, err := Decode(out)
			require.NoError(t, err)
			assert.Equal(t, m, again, "decode(encode(m)) differs from m")
		})
	}
}

// TestGoldenCoversRegistry makes sure every registered message has a sample
// named after it, and every sample has field checks.
func TestGoldenCoversRegistry(t *testing.T) {
	have := map[string]bool{}
	for file := range samples(t) {
		have[sampleMessage(file)] = true
	}
	for name := range registry {
		assert.True(t, have[name], "no sample testdata/%s.xml", name)
	}
	for file := range checks {
		_, err := os.Stat(filepath.Join("testdata", file))
		assert.NoError(t, err, "checks_test.go names a sample that does not exist")
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return data
}
