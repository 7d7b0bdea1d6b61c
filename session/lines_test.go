package session_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/session"
)

// TestTwoLineURIsAreRefused sends requests carrying two lcs:line elements
// (the codec takes the first as the Line URI and keeps the second as raw
// private data): they are refused, and nothing reaches the CTI server.
func TestTwoLineURIsAreRefused(t *testing.T) {
	e := newEnv(t, nil)
	s, _ := e.open("d1", aliceAOR, aliceLine)
	before := len(e.requests())
	for name, second := range map[string]string{"another line": bobLine, "the same line": aliceLine} {
		t.Run(name, func(t *testing.T) {
			body := `<?xml version="1.0"?>
<MakeCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <callingDevice>` + aliceLine + `</callingDevice>
  <calledDirectoryNumber>tel:2000</calledDirectoryNumber>
  <extensions><privateData><private>
    <lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">` + aliceLine + `</lcs:line>
    <lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">` + second + `</lcs:line>
  </private></privateData></extensions>
</MakeCall>`
			m, err := csta.Decode([]byte(body))
			require.NoError(t, err)
			require.Len(t, m.(*csta.MakeCall).Extensions.Private, 1, "the codec keeps the second lcs:line as private data")
			requireCSTAError(t, csta.ErrPrivilegeViolation, do(t, s, m))
		})
	}
	assert.Len(t, e.requests(), before, "a refused request reached the CTI server: %v", e.requests()[before:].Names())
}

// TestOpenWithTwoLineURIsIsRefused opens a session with a
// RequestSystemStatus carrying two lcs:line elements: refused as an
// invalid line.
func TestOpenWithTwoLineURIsIsRefused(t *testing.T) {
	e := newEnv(t, nil)
	body := `<?xml version="1.0"?>
<RequestSystemStatus xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <extensions><privateData><private>
    <lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">` + aliceLine + `</lcs:line>
    <lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">` + bobLine + `</lcs:line>
  </private></privateData></extensions>
</RequestSystemStatus>`
	m, err := csta.Decode([]byte(body))
	require.NoError(t, err)
	rss := m.(*csta.RequestSystemStatus)
	_, _, err = e.mgr.Open(context.Background(), session.OpenRequest{
		DialogID: "d1", User: aliceAOR, Line: rss.Extensions.LineOf(), Peer: "127.0.0.1:5060", Sink: newSink(), Request: rss,
	})
	require.ErrorIs(t, err, session.ErrInvalidLine)
	assert.Empty(t, e.mgr.Stats().Sessions)
}
