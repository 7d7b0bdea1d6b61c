package ctipool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
)

// memTransport is an in-memory Transport: its links answer requests with a
// function and emit events when the test says so.
type memTransport struct {
	answer func(req csta.Request) (csta.Response, error)

	// frozen links never update LastReceived, not even for heartbeats.
	frozen bool

	mu    sync.Mutex
	links []*memLink
	fail  error // when set, Dial fails
}

func (mt *memTransport) Dial(ctx context.Context, ep ctipool.Endpoint, onEvent func(csta.Event)) (ctipool.Link, error) {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	if mt.fail != nil {
		return nil, mt.fail
	}
	l := &memLink{answer: mt.answer, onEvent: onEvent, frozen: mt.frozen, done: make(chan struct{})}
	l.last.Store(time.Now().UnixNano())
	mt.links = append(mt.links, l)
	return l, nil
}

func (mt *memTransport) link(i int) *memLink {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	return mt.links[i]
}

type memLink struct {
	answer  func(req csta.Request) (csta.Response, error)
	onEvent func(csta.Event)
	frozen  bool
	last    atomic.Int64
	xrefs   atomic.Uint64

	mu   sync.Mutex
	err  error
	done chan struct{}
}

func (l *memLink) Do(ctx context.Context, req csta.Request) (csta.Response, error) {
	if err := l.Err(); err != nil {
		return nil, err
	}
	if _, ok := req.(*csta.MonitorStart); ok {
		return &csta.MonitorStartResponse{MonitorCrossRefID: csta.MonitorCrossRefID(fmt.Sprint(l.xrefs.Add(1)))}, nil
	}
	return l.answer(req)
}

func (l *memLink) Heartbeat(context.Context) error {
	if !l.frozen {
		l.last.Store(time.Now().UnixNano())
	}
	return l.Err()
}

func (l *memLink) LastReceived() time.Time { return time.Unix(0, l.last.Load()) }
func (l *memLink) Close() error            { l.end(errors.New("closed")); return nil }
func (l *memLink) Done() <-chan struct{}   { return l.done }

func (l *memLink) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *memLink) end(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
		close(l.done)
	}
}

// emit delivers an event as a link's reader would.
func (l *memLink) emit(e csta.Event) {
	l.last.Store(time.Now().UnixNano())
	l.onEvent(e)
}

func TestCustomTransport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mt := &memTransport{answer: func(req csta.Request) (csta.Response, error) {
			if _, ok := req.(*csta.MakeCall); ok {
				return &csta.MakeCallResponse{CallingDevice: csta.Connection("c1", "tel:1001")}, nil
			}
			return nil, csta.ErrServiceNotSupported
		}}
		p := newPool(t, ctipool.Config{Endpoints: endpoints(1), Transport: mt,
			ReconnectMin: time.Second, ReconnectMax: time.Second})
		defer p.Close()
		synctest.Wait()
		h, err := p.Acquire()
		require.NoError(t, err)
		resp, err := h.Do(context.Background(), makeCall())
		require.NoError(t, err)
		assert.IsType(t, &csta.MakeCallResponse{}, resp)
		_, err = h.Do(context.Background(), &csta.GetCSTAFeatures{})
		require.ErrorIs(t, err, csta.ErrServiceNotSupported)

		rec := newRecorder()
		r, _, err := h.Monitor(context.Background(), monitorStart("tel:1001"), rec)
		require.NoError(t, err)
		mt.link(0).emit(ev(r.MonitorCrossRefID, 1))
		synctest.Wait()
		events, _ := rec.snapshot()
		assert.Equal(t, []int{1}, events)

		// The link fails: down, then up on a new link.
		mt.link(0).end(errors.New("wire cut"))
		synctest.Wait()
		assert.Equal(t, ctipool.StateDown, p.Conns()[0].State())
		assert.ErrorContains(t, p.Stats().Endpoints[0].LastError, "wire cut")
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, ctipool.StateUp, p.Conns()[0].State())
		_, log := rec.snapshot()
		assert.Equal(t, []string{"e1", "down", "up 2"}, log)
	})
}

func TestTransportReturningNilLink(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, ctipool.Config{Endpoints: endpoints(1), Transport: nilTransport{}})
		defer p.Close()
		synctest.Wait()
		assert.Equal(t, ctipool.StateDown, p.Conns()[0].State())
		assert.ErrorContains(t, p.Stats().Endpoints[0].LastError, "transport returned no link")
	})
}

type nilTransport struct{}

func (nilTransport) Dial(context.Context, ctipool.Endpoint, func(csta.Event)) (ctipool.Link, error) {
	return nil, nil
}

func TestHeartbeatAnswersCountAsTraffic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mt := &memTransport{frozen: true}
		p := newPool(t, ctipool.Config{Endpoints: endpoints(1), Transport: mt, HeartbeatInterval: 10 * time.Second})
		defer p.Close()
		time.Sleep(time.Minute)
		synctest.Wait()
		st := p.Stats().Endpoints[0]
		assert.Equal(t, ctipool.StateUp, st.State, "a link whose LastReceived never moves stays up while heartbeats are answered")
		assert.Equal(t, uint64(6), st.Heartbeats)
		assert.Equal(t, uint64(0), st.Reconnects)
	})
}
