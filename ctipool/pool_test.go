package ctipool_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

func TestConfigValidation(t *testing.T) {
	nine := make([]ctipool.Endpoint, 9)
	for i := range nine {
		nine[i] = ctipool.Endpoint{Addr: "h:" + string(rune('0'+i))}
	}
	one := []ctipool.Endpoint{{Addr: "h:1"}}
	tests := []struct {
		name string
		cfg  ctipool.Config
		want string
	}{
		{"no endpoints", ctipool.Config{}, "no endpoints"},
		{"too many endpoints", ctipool.Config{Endpoints: nine}, "9 endpoints, at most 8"},
		{"no address", ctipool.Config{Endpoints: []ctipool.Endpoint{{Name: "a"}}}, "endpoint 0 has no address"},
		{"duplicate name", ctipool.Config{Endpoints: []ctipool.Endpoint{{Name: "a", Addr: "h:1"}, {Name: "a", Addr: "h:2"}}}, `name "a" used twice`},
		{"duplicate address without names", ctipool.Config{Endpoints: []ctipool.Endpoint{{Addr: "h:1"}, {Addr: "h:1"}}}, `name "h:1" used twice`},
		{"negative interval", ctipool.Config{Endpoints: one, HeartbeatInterval: -time.Second}, "HeartbeatInterval is negative"},
		{"negative timeout", ctipool.Config{Endpoints: one, RequestTimeout: -1}, "RequestTimeout is negative"},
		{"negative misses", ctipool.Config{Endpoints: one, HeartbeatMisses: -1}, "HeartbeatMisses is negative"},
		{"negative queue", ctipool.Config{Endpoints: one, EventQueueSize: -1}, "EventQueueSize is negative"},
		{"max below min", ctipool.Config{Endpoints: one, ReconnectMin: time.Minute, ReconnectMax: time.Second}, "ReconnectMax 1s is below ReconnectMin 1m0s"},
		{"default max below min", ctipool.Config{Endpoints: one, ReconnectMin: time.Hour}, "below ReconnectMin"},
		{"negative session", ctipool.Config{Endpoints: one, SessionDuration: -1}, "SessionDuration is negative"},
		{"negative write timeout", ctipool.Config{Endpoints: one, WriteTimeout: -1}, "WriteTimeout is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ctipool.New(tt.cfg)
			require.ErrorIs(t, err, ctipool.ErrConfig)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "ctipool: "))
			assert.Nil(t, p)
		})
	}
}

func TestConfigIsCopied(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps := ctiscript.NewPipes(ctiscript.Options{})
		tlsCfg := &tls.Config{ServerName: "a"}
		eps := []ctipool.Endpoint{{Addr: "cti-0:2748", TLS: tlsCfg}}
		cfg := ctipool.Config{Endpoints: eps, Dial: ps.Dial}
		p := newPool(t, cfg)
		defer ps.CloseAll()
		defer p.Close()
		eps[0].Addr = "changed:1"
		tlsCfg.ServerName = "changed"
		assert.Equal(t, "cti-0:2748", p.Conns()[0].Addr())
		assert.Equal(t, "cti-0:2748", p.Conns()[0].Name(), "Name defaults to Addr")
		assert.Equal(t, 0, p.Conns()[0].Index())
	})
}

func TestRoundRobinOverHealthy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps, p := pipePool(t, ctiscript.Options{}, ctipool.Config{Endpoints: endpoints(3),
			ReconnectMin: time.Minute, ReconnectMax: time.Minute})
		require.Equal(t, 3, p.Healthy())
		placed := func(n int) []string {
			var out []string
			for range n {
				h, err := p.Acquire()
				require.NoError(t, err)
				out = append(out, h.Conn().Name())
			}
			return out
		}
		assert.Equal(t, []string{"cti-0", "cti-1", "cti-2", "cti-0", "cti-1", "cti-2"}, placed(6))

		// cti-1 goes down: placement skips it and stays even over the rest.
		ps.Refuse("cti-1:2748", true)
		require.NoError(t, lastPeer(t, ps.Peers, "cti-1:2748").Close())
		synctest.Wait()
		assert.Equal(t, 2, p.Healthy())
		got := placed(6)
		assert.NotContains(t, got, "cti-1")
		assert.Equal(t, 3, strings.Count(strings.Join(got, " "), "cti-0"))
		assert.Equal(t, 3, strings.Count(strings.Join(got, " "), "cti-2"))

		st := p.Stats()
		assert.Equal(t, 2, st.Healthy)
		assert.Equal(t, uint64(5), st.Endpoints[0].Placed)
		assert.Equal(t, uint64(2), st.Endpoints[1].Placed)
		assert.Equal(t, uint64(5), st.Endpoints[2].Placed)
		assert.Equal(t, ctipool.StateDown, st.Endpoints[1].State)
	})
}

func TestAcquireWithNoneHealthy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps := ctiscript.NewPipes(ctiscript.Options{})
		for _, ep := range endpoints(2) {
			ps.Refuse(ep.Addr, true)
		}
		p := newPool(t, ctipool.Config{Endpoints: endpoints(2), Dial: ps.Dial})
		defer ps.CloseAll()
		defer p.Close()
		synctest.Wait()
		start := time.Now()
		_, err := p.Acquire()
		require.ErrorIs(t, err, ctipool.ErrNoConnection)
		assert.Contains(t, err.Error(), "none of 2 endpoints is up")
		assert.True(t, ctipool.SafeToRetry(err), "nothing was sent")
		assert.Zero(t, time.Since(start))

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		require.ErrorIs(t, p.WaitHealthy(ctx, 1), context.DeadlineExceeded)
	})
}

func TestGenerationsUniqueAcrossPool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps, p := pipePool(t, ctiscript.Options{}, ctipool.Config{Endpoints: endpoints(3),
			ReconnectMin: time.Second, ReconnectMax: time.Second})
		seen := map[uint64]bool{}
		for _, c := range p.Conns() {
			seen[c.Gen()] = true
		}
		assert.Equal(t, map[uint64]bool{1: true, 2: true, 3: true}, seen)
		for range 3 {
			require.NoError(t, lastPeer(t, ps.Peers, "cti-1:2748").Close())
			time.Sleep(2 * time.Second)
			synctest.Wait()
		}
		assert.Equal(t, uint64(6), p.Conns()[1].Gen())
		assert.Equal(t, uint64(3), p.Stats().Endpoints[1].Reconnects)
	})
}

func TestCloseFailsPendingAndIsIdempotent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newObserver()
		ps, p := pipePool(t, ctiscript.Options{Answer: answerNever("MakeCall")}, ctipool.Config{Endpoints: endpoints(2), Observer: obs.hooks()})
		h, err := p.Acquire()
		require.NoError(t, err)
		rec := newRecorder()
		_, _, err = h.Monitor(context.Background(), monitorStart("tel:1001"), rec)
		require.NoError(t, err)
		errs := make(chan error, 1)
		go func() {
			_, err := h.Do(context.Background(), makeCall())
			errs <- err
		}()
		synctest.Wait()

		start := time.Now()
		p.Close()
		assert.Zero(t, time.Since(start), "nothing to wait for: the servers answer StopApplicationSession")
		err = <-errs
		require.ErrorIs(t, err, ctipool.ErrPoolClosed)
		assert.False(t, ctipool.SafeToRetry(err))
		_, log := rec.snapshot()
		assert.Equal(t, []string{"down"}, log)
		assert.ErrorIs(t, rec.downs[0], ctipool.ErrPoolClosed)

		p.Close() // idempotent
		_, err = p.Acquire()
		require.ErrorIs(t, err, ctipool.ErrPoolClosed)
		assert.True(t, ctipool.SafeToRetry(err), "nothing was sent")
		_, err = h.Do(context.Background(), makeCall())
		require.ErrorIs(t, err, ctipool.ErrPoolClosed)
		assert.True(t, ctipool.SafeToRetry(err))
		require.ErrorIs(t, p.WaitHealthy(context.Background(), 1), ctipool.ErrPoolClosed)
		for _, c := range p.Conns() {
			assert.Equal(t, ctipool.StateClosed, c.State())
		}
		tr := obs.transitions()
		assert.Contains(t, tr, "cti-0 up->closed")
		assert.Contains(t, tr, "cti-1 up->closed")
		for _, peer := range ps.All() {
			<-peer.Done() // every link was closed, politely
			assert.Equal(t, 1, peer.Count("StopApplicationSession"))
		}
	})
}

func TestObserverSeesTransitionsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newObserver()
		ps, p := pipePool(t, ctiscript.Options{}, ctipool.Config{Endpoints: endpoints(1), Observer: obs.hooks(),
			ReconnectMin: time.Second, ReconnectMax: time.Second})
		ps.Refuse("cti-0:2748", true)
		require.NoError(t, ps.All()[0].Close())
		time.Sleep(1500 * time.Millisecond)
		ps.Refuse("cti-0:2748", false)
		time.Sleep(time.Second)
		synctest.Wait()
		p.Close()
		assert.Equal(t, []string{
			"cti-0 connecting->up",
			"cti-0 up->down",
			"cti-0 down->connecting",
			"cti-0 connecting->down",
			"cti-0 down->connecting",
			"cti-0 connecting->up",
			"cti-0 up->closed",
		}, obs.transitions())
		obs.mu.Lock()
		defer obs.mu.Unlock()
		gens := []uint64{}
		for _, c := range obs.changes {
			gens = append(gens, c.Gen)
		}
		assert.Equal(t, []uint64{1, 1, 1, 1, 1, 2, 2}, gens)
		assert.ErrorIs(t, obs.changes[1].Err, ctipool.ErrConnDown)
		assert.ErrorIs(t, obs.changes[3].Err, ctiscript.ErrRefused)
		assert.Equal(t, []time.Duration{0, 0, time.Second, time.Second, 2 * time.Second, 2 * time.Second, 2500 * time.Millisecond}, obs.at)
	})
}
