package ctipool_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

// eagerMonitor answers MonitorStart and sends events for the new monitor
// (and one for a monitor nobody has) right behind the response, before the
// client can possibly have subscribed.
func eagerMonitor(n int) ctiscript.Options {
	return ctiscript.Options{Answer: func(p *ctiscript.Peer, id int, m csta.Message) (csta.Message, bool) {
		if _, ok := m.(*csta.MonitorStart); !ok {
			return nil, false
		}
		xref := p.NextCrossRefID()
		_ = p.Send(id, &csta.MonitorStartResponse{MonitorCrossRefID: xref})
		for i := 1; i <= n; i++ {
			_ = p.SendEvent(ev(xref, i))
			if i == 1 {
				_ = p.SendEvent(ev("unknown", 99))
			}
		}
		return nil, true
	}}
}

func TestMonitorKeepsEventsRacingTheResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, p := pipePool(t, eagerMonitor(5), ctipool.Config{Endpoints: endpoints(1)})
		h, err := p.Acquire()
		require.NoError(t, err)
		rec := newRecorder()
		resp, sub, err := h.Monitor(context.Background(), monitorStart("tel:1001"), rec)
		require.NoError(t, err)
		assert.Equal(t, csta.MonitorCrossRefID("x1"), resp.MonitorCrossRefID)
		assert.Equal(t, resp.MonitorCrossRefID, sub.CrossRefID())
		assert.Equal(t, h.Gen(), sub.Gen())
		assert.True(t, sub.Active())
		synctest.Wait()
		events, _ := rec.snapshot()
		assert.Equal(t, []int{1, 2, 3, 4, 5}, events)
		st := p.Stats().Endpoints[0]
		assert.Equal(t, uint64(6), st.EventsIn)
		assert.Equal(t, uint64(1), st.EventsDropped, "the event for an unknown monitor")
		assert.Equal(t, 1, st.Subscribers)
	})
}

// TestMonitorRaceLoopback runs the race over real sockets, where the
// scheduling varies from run to run.
func TestMonitorRaceLoopback(t *testing.T) {
	l, err := ctiscript.Listen(eagerMonitor(20))
	require.NoError(t, err)
	defer l.Close()
	p := newPool(t, ctipool.Config{Endpoints: []ctipool.Endpoint{{Addr: l.Addr()}}})
	defer p.Close()
	waitHealthy(t, p, 1)
	h, err := p.Acquire()
	require.NoError(t, err)
	recs := make([]*recorder, 50)
	for i := range recs {
		recs[i] = newRecorder()
		_, _, err := h.Monitor(context.Background(), monitorStart("tel:1001"), recs[i])
		require.NoError(t, err)
	}
	want := make([]int, 20)
	for i := range want {
		want[i] = i + 1
	}
	for i, r := range recs {
		r.waitFor(t, "20 events", func(r *recorder) bool { return len(r.events) == 20 })
		events, _ := r.snapshot()
		assert.Equal(t, want, events, "monitor %d", i)
	}
}

func TestMonitorErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, p := pipePool(t, ctiscript.Options{Answer: func(p *ctiscript.Peer, id int, m csta.Message) (csta.Message, bool) {
			if ms, ok := m.(*csta.MonitorStart); ok {
				switch ms.MonitorObject.Device.ID {
				case "bad":
					return csta.NewErrorResponse(csta.ErrorCode{Category: csta.CategoryOperation, Value: "invalidMonitorObject"}), true
				case "dup":
					return &csta.MonitorStartResponse{MonitorCrossRefID: "same"}, true
				case "odd":
					return &csta.MonitorStopResponse{}, true
				}
			}
			return nil, false
		}}, ctipool.Config{Endpoints: endpoints(1)})
		h, err := p.Acquire()
		require.NoError(t, err)
		rec := newRecorder()

		_, _, err = h.Monitor(context.Background(), monitorStart("bad"), rec)
		require.ErrorIs(t, err, csta.ErrInvalidMonitorObject)
		var le *ctipool.LinkError
		assert.NotErrorAs(t, err, &le, "a CSTA error is not a link error")

		_, _, err = h.Monitor(context.Background(), monitorStart("dup"), rec)
		require.NoError(t, err)
		_, _, err = h.Monitor(context.Background(), monitorStart("dup"), rec)
		require.ErrorContains(t, err, `"same", which is already subscribed`)

		_, _, err = h.Monitor(context.Background(), monitorStart("odd"), rec)
		require.ErrorContains(t, err, "answered MonitorStart with MonitorStopResponse")

		_, _, err = h.Monitor(context.Background(), nil, rec)
		require.Error(t, err)
		_, _, err = ctipool.Handle{}.Monitor(context.Background(), monitorStart("x"), rec)
		require.ErrorIs(t, err, ctipool.ErrStaleConn)
		assert.Equal(t, 1, p.Stats().Endpoints[0].Subscribers)
		assert.Equal(t, uint64(1), p.Stats().Endpoints[0].CSTAErrors)
	})
}

func TestStopMonitor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps, p := pipePool(t, ctiscript.Options{}, ctipool.Config{Endpoints: endpoints(1)})
		h, err := p.Acquire()
		require.NoError(t, err)
		rec := newRecorder()
		resp, sub, err := h.Monitor(context.Background(), monitorStart("tel:1001"), rec)
		require.NoError(t, err)
		peer := ps.All()[0]
		require.NoError(t, peer.SendEvent(ev(resp.MonitorCrossRefID, 1)))
		synctest.Wait()

		require.NoError(t, h.StopMonitor(context.Background(), resp.MonitorCrossRefID))
		assert.False(t, sub.Active())
		require.NoError(t, peer.SendEvent(ev(resp.MonitorCrossRefID, 2)))
		synctest.Wait()
		events, _ := rec.snapshot()
		assert.Equal(t, []int{1}, events, "nothing after StopMonitor")
		assert.Equal(t, 1, peer.Count("MonitorStop"))
		st := p.Stats().Endpoints[0]
		assert.Zero(t, st.Subscribers)
		assert.Equal(t, uint64(1), st.EventsDropped)
	})
}

func TestSubscribeRaw(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps, p := pipePool(t, ctiscript.Options{}, ctipool.Config{Endpoints: endpoints(1)})
		h, err := p.Acquire()
		require.NoError(t, err)
		rec := newRecorder()
		sub, err := h.Subscribe("m7", rec)
		require.NoError(t, err)
		_, err = h.Subscribe("m7", rec)
		require.Error(t, err)
		require.NoError(t, ps.All()[0].SendEvent(ev("m7", 1)))
		synctest.Wait()
		sub.Stop()
		sub.Stop()
		require.NoError(t, ps.All()[0].SendEvent(ev("m7", 2)))
		synctest.Wait()
		events, _ := rec.snapshot()
		assert.Equal(t, []int{1}, events)
	})
}

func TestSubscribersLearnDownAndUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps, p := pipePool(t, ctiscript.Options{}, ctipool.Config{Endpoints: endpoints(1),
			ReconnectMin: time.Second, ReconnectMax: time.Second})
		h, err := p.Acquire()
		require.NoError(t, err)
		a, b := newRecorder(), newRecorder()
		ra, subA, err := h.Monitor(context.Background(), monitorStart("tel:1001"), a)
		require.NoError(t, err)
		_, subB, err := h.Monitor(context.Background(), monitorStart("tel:1002"), b)
		require.NoError(t, err)
		require.NoError(t, ps.All()[0].SendEvent(ev(ra.MonitorCrossRefID, 1)))
		synctest.Wait()

		require.NoError(t, ps.All()[0].Close()) // the link dies
		synctest.Wait()
		_, log := a.snapshot()
		assert.Equal(t, []string{"e1", "down"}, log, "LinkDown at once, after the events before it")
		require.ErrorIs(t, a.downs[0], ctipool.ErrConnDown)
		assert.False(t, subA.Active())
		st := p.Stats().Endpoints[0]
		assert.Zero(t, st.Subscribers)
		assert.Equal(t, 2, st.Watchers)

		subB.Stop() // b re-homes elsewhere and is no longer interested
		time.Sleep(time.Second)
		synctest.Wait()
		_, log = a.snapshot()
		assert.Equal(t, []string{"e1", "down", "up 2"}, log)
		_, log = b.snapshot()
		assert.Equal(t, []string{"down"}, log, "a stopped subscription hears nothing more")

		// The subscriber monitors again on the new generation.
		h2, err := p.Conns()[0].Handle()
		require.NoError(t, err)
		_, _, err = h2.Monitor(context.Background(), monitorStart("tel:1001"), a)
		require.NoError(t, err)
		subA.Stop()

		p.Close()
		_, log = a.snapshot()
		assert.Equal(t, []string{"e1", "down", "up 2", "down"}, log, "the new monitor ends with the pool")
		assert.ErrorIs(t, a.downs[1], ctipool.ErrPoolClosed)
	})
}

func TestWatchersToldWhenPoolCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps, p := pipePool(t, ctiscript.Options{}, ctipool.Config{Endpoints: endpoints(1),
			ReconnectMin: time.Minute, ReconnectMax: time.Minute})
		h, err := p.Acquire()
		require.NoError(t, err)
		rec := newRecorder()
		_, _, err = h.Monitor(context.Background(), monitorStart("tel:1001"), rec)
		require.NoError(t, err)
		require.NoError(t, ps.All()[0].Close())
		synctest.Wait()
		p.Close()
		_, log := rec.snapshot()
		assert.Equal(t, []string{"down", "down"}, log)
		assert.ErrorIs(t, rec.downs[0], ctipool.ErrConnDown)
		assert.ErrorIs(t, rec.downs[1], ctipool.ErrPoolClosed, "no LinkUp will ever come")
	})
}
