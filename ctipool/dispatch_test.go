package ctipool_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

func TestSlowSubscriberStallsNobody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hb := &heartbeatLog{start: time.Now()}
		ps, p := pipePool(t, ctiscript.Options{OnMessage: hb.record}, ctipool.Config{Endpoints: endpoints(1),
			HeartbeatInterval: 10 * time.Second, EventQueueSize: 4, DispatchWorkers: 2})
		h, err := p.Acquire()
		require.NoError(t, err)
		slow := newRecorder()
		slow.block = make(chan struct{})
		fast := newRecorder()
		rs, _, err := h.Monitor(context.Background(), monitorStart("tel:1001"), slow)
		require.NoError(t, err)
		rf, _, err := h.Monitor(context.Background(), monitorStart("tel:1002"), fast)
		require.NoError(t, err)
		peer := ps.All()[0]

		// The slow subscriber blocks in its first callback.
		require.NoError(t, peer.SendEvent(ev(rs.MonitorCrossRefID, 1)))
		synctest.Wait()
		// Its queue (4) fills; 5 more events for it are lost. The other
		// subscriber gets everything meanwhile.
		for i := 2; i <= 10; i++ {
			require.NoError(t, peer.SendEvent(ev(rs.MonitorCrossRefID, i)))
			require.NoError(t, peer.SendEvent(ev(rf.MonitorCrossRefID, i)))
			synctest.Wait() // the other worker keeps up
		}
		events, _ := fast.snapshot()
		assert.Equal(t, []int{2, 3, 4, 5, 6, 7, 8, 9, 10}, events)

		// A minute passes with the subscriber still stuck: heartbeats go
		// on and the link stays up.
		time.Sleep(time.Minute)
		synctest.Wait()
		assert.Len(t, hb.times(), 6)
		assert.Equal(t, ctipool.StateUp, p.Conns()[0].State())
		st := p.Stats().Endpoints[0]
		assert.Equal(t, uint64(5), st.EventsOverflowed)

		// Unblocked, it gets what was queued, then one EventsLost, then
		// what comes after.
		close(slow.block)
		synctest.Wait()
		require.NoError(t, peer.SendEvent(ev(rs.MonitorCrossRefID, 11)))
		synctest.Wait()
		_, log := slow.snapshot()
		assert.Equal(t, []string{"e1", "e2", "e3", "e4", "e5", "lost 5", "e11"}, log)
	})
}

func TestLossMarkedWhereTheGapIs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps, p := pipePool(t, ctiscript.Options{}, ctipool.Config{Endpoints: endpoints(1), EventQueueSize: 2})
		h, err := p.Acquire()
		require.NoError(t, err)
		slow := newRecorder()
		slow.block = make(chan struct{})
		r, _, err := h.Monitor(context.Background(), monitorStart("tel:1001"), slow)
		require.NoError(t, err)
		peer := ps.All()[0]
		require.NoError(t, peer.SendEvent(ev(r.MonitorCrossRefID, 1)))
		synctest.Wait() // blocked in e1
		for i := 2; i <= 5; i++ {
			require.NoError(t, peer.SendEvent(ev(r.MonitorCrossRefID, i)))
		}
		synctest.Wait()          // queue: e2 e3; e4 e5 lost
		slow.block <- struct{}{} // e1 done, the worker takes e2 e3
		slow.block <- struct{}{} // e2 done
		synctest.Wait()
		// The worker is in e3; new events queue behind the loss marker.
		require.NoError(t, peer.SendEvent(ev(r.MonitorCrossRefID, 6)))
		synctest.Wait()
		close(slow.block)
		synctest.Wait()
		_, log := slow.snapshot()
		assert.Equal(t, []string{"e1", "e2", "e3", "lost 2", "e6"}, log)
	})
}
