package session_test

import (
	"context"
	"testing"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRevalidate reloads the directory without bob's device: bob's session
// is ended with ErrAppearanceGone and its monitor stopped, alice's goes on.
func TestRevalidate(t *testing.T) {
	var store *lineappearance.Store
	e := newEnv(t, func(c *session.Config) { store = c.Directory.(*lineappearance.Store) })
	alice, aliceSink := e.open("d1", aliceAOR, aliceLine)
	monitor(t, alice)
	bob, bobSink := e.open("d2", bobAOR, bobLine)
	monitor(t, bob)

	assert.Zero(t, e.mgr.Revalidate(), "nothing changed")

	d := lineappearance.Demo()
	for i, u := range d.Users {
		if u.AOR == bobAOR {
			d.Users[i].Devices = nil
		}
	}
	require.NoError(t, store.Replace(d))
	assert.Equal(t, 1, e.mgr.Revalidate())

	assert.Equal(t, []string{"directory changed"}, bobSink.endings())
	assert.Empty(t, aliceSink.endings())
	assert.Equal(t, session.StateClosed, bob.State())
	_, err := bob.Handle(context.Background(), &csta.GetCSTAFeatures{})
	require.ErrorIs(t, err, session.ErrClosed)
	eventually(t, "bob's monitor stopped", func() bool {
		line, _ := e.pbx.Line("1002")
		return line.Monitors == 0
	})
	_, err = alice.Handle(context.Background(), &csta.GetCSTAFeatures{})
	require.NoError(t, err)
}
