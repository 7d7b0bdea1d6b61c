package session_test

import (
	"testing"

	"github.com/rcc-go/rcc/csta"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClearCallOwnCallsOnly: ClearCall clears a call the session's line is
// in, known from the monitor's events or, without a monitor, from a
// SnapshotDevice of the line; a call of another line, an unknown call and
// a ConnectionID naming another device are refused with
// privilegeViolation and never reach the PBX.
func TestClearCallOwnCallsOnly(t *testing.T) {
	e := newEnv(t, nil)
	alice, ka := e.open("d1", aliceAOR, aliceLine)
	monitor(t, alice)

	// Bob's call, which alice's line is not in.
	bobs, err := e.pbx.Call("2500", "1002")
	require.NoError(t, err)
	// Alice's own call.
	own, err := e.pbx.Call("2501", "1001")
	require.NoError(t, err)
	ka.waitFor(t, "DeliveredEvent", own)

	before := len(e.requests().Named("ClearCall"))
	for _, req := range []*csta.ClearCall{
		{CallToBeCleared: csta.Connection(bobs, aliceLine)},
		{CallToBeCleared: csta.ConnectionID{CallID: bobs}},
		{CallToBeCleared: csta.Connection(own, bobLine)},
		{CallToBeCleared: csta.Connection("0_ffffffff", aliceLine)},
		{CallToBeCleared: csta.ConnectionID{CallID: own, DynamicID: "x"}},
	} {
		requireCSTAError(t, csta.ErrPrivilegeViolation, do(t, alice, req))
	}
	assert.Len(t, e.requests().Named("ClearCall"), before, "a refused ClearCall reached the PBX")
	assert.Len(t, e.pbx.Calls(), 2)

	// A call the monitor reported: no snapshot needed.
	snaps := len(e.requests().Named("SnapshotDevice"))
	r := doOK[*csta.ClearCallResponse](t, alice, &csta.ClearCall{CallToBeCleared: csta.ConnectionID{CallID: own}, CorrelatorData: "c1"})
	assert.Equal(t, csta.NamespaceEd3, r.Namespace)
	ka.waitFor(t, "CallClearedEvent", own)
	assert.Len(t, e.requests().Named("SnapshotDevice"), snaps)
	_, still := e.pbx.LookupCall(own)
	assert.False(t, still)

	// Bob, without a monitor: the snapshot of his line shows his call.
	bob, _ := e.open("d2", bobAOR, bobLine)
	doOK[*csta.ClearCallResponse](t, bob, &csta.ClearCall{CallToBeCleared: csta.Connection(bobs, bobLine)})
	eventually(t, "bob's call cleared", func() bool { return len(e.pbx.Calls()) == 0 })
	assert.Greater(t, len(e.requests().Named("SnapshotDevice")), snaps)
	requireCSTAError(t, csta.ErrPrivilegeViolation, do(t, bob, &csta.ClearCall{CallToBeCleared: csta.ConnectionID{CallID: bobs}}))
}
