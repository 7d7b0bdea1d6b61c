package ctitest

import (
	"bytes"
	"testing"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/lineappearance/dirfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerateDirectory(t *testing.T) {
	d, err := GenerateDirectory(3)
	require.NoError(t, err)
	st, err := lineappearance.NewStore(d, lineappearance.Options{})
	require.NoError(t, err)
	stats := st.Stats()
	assert.Equal(t, []int{3, 3, 3, 3, 3}, []int{stats.Users, stats.Lines, stats.Devices, stats.Appearances, stats.Registered})

	aor, line := GeneratedUser(2)
	assert.Equal(t, "sip:user2@example.com", aor)
	assert.Equal(t, "tel:1000001;phone-context=dialstring", line)
	uri, err := lineappearance.ParseLineURI(line)
	require.NoError(t, err)
	app, err := st.Resolve(aor, uri)
	require.NoError(t, err)
	assert.Equal(t, "1000001", app.Line.Key())
	assert.Equal(t, "SEP000001000001", app.Device)

	// Another user's line is not granted.
	other, _ := GeneratedUser(3)
	_, err = st.Resolve(other, uri)
	assert.ErrorIs(t, err, lineappearance.ErrNotAllowed)

	for _, n := range []int{0, -1, MaxGeneratedUsers + 1} {
		_, err := GenerateDirectory(n)
		assert.ErrorContains(t, err, "want 1 to", "n=%d", n)
		assert.ErrorContains(t, WriteGeneratedDirectory(&bytes.Buffer{}, n), "want 1 to", "n=%d", n)
	}
}

func TestWriteGeneratedDirectory(t *testing.T) {
	for _, n := range []int{1, 5} {
		var buf bytes.Buffer
		require.NoError(t, WriteGeneratedDirectory(&buf, n))
		got, err := dirfile.Parse(buf.Bytes(), dirfile.FormatJSON)
		require.NoError(t, err, "%s", buf.String())
		want, err := GenerateDirectory(n)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
}
