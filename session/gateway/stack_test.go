package gateway

import (
	"context"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/internal/growstack"
)

// TestGrowstackSizeFitsTheRequestPath guards growstack.Size: the SIP
// request handlers and the event sender grow their stack once, by Size,
// and then run the whole way down (sip, session, ctipool, the CSTA codec,
// the CTI link and back); if a path outgrew that room, the runtime would
// move the stack again, which the Anchor in those paths reports. The
// garbage collector, which may also move a stack to shrink it, is off
// while the test runs, and the logger discards, as in production.
func TestGrowstackSizeFitsTheRequestPath(t *testing.T) {
	var moved atomic.Int64
	growstack.Watch(func() { moved.Add(1) })
	defer growstack.Watch(nil)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))

	g := startGateway(t, nil, "udp", "tcp")

	for _, transport := range []string{"udp", "tcp"} {
		alice := g.dial(t, transport, aliceAOR, aliceLine)
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		_, err := alice.s.Features(ctx)
		require.NoError(t, err)
		_, err = alice.s.Monitor(ctx)
		require.NoError(t, err)
		cancel()
		for range 3 {
			mc := do[*csta.MakeCallResponse](alice, &csta.MakeCall{
				CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: csta.Device("tel:2000;phone-context=dialstring"),
			})
			alice.waitEvent(0, "EstablishedEvent", onCall(mc.CallingDevice.CallID))
			do[*csta.ClearConnectionResponse](alice, &csta.ClearConnection{ConnectionToBeCleared: mc.CallingDevice})
			alice.waitEvent(0, "ConnectionClearedEvent", onCall(mc.CallingDevice.CallID))
		}
		ctx, cancel = context.WithTimeout(context.Background(), waitTimeout)
		require.NoError(t, alice.s.Close(ctx))
		cancel()
	}
	// Let the last event senders and handlers return.
	time.Sleep(100 * time.Millisecond)
	assert.Zero(t, moved.Load(), "paths outgrew growstack.Size (%d bytes) and moved their stack", growstack.Size)
}
