//go:build interop

package interop

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/sip"
)

// client is a TR/87 client session (package sip's client, a real SIP peer
// over its own socket) that records the events it receives.
type client struct {
	*sip.ClientSession
	u   user
	lat *latencies // times every request, when set

	mu     sync.Mutex
	events []csta.Event
	wake   chan struct{}
	closed chan struct{}
	reason error // why the session ended, once closed is closed
}

// dialClient opens a session for u with openClient, and closes it when
// the test ends.
func dialClient(ctx context.Context, t testing.TB, u user, cfg sip.ClientConfig) (*client, error) {
	c, err := openClient(ctx, u, cfg)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Close(ctx)
	})
	return c, nil
}

// openClient opens a session for u. cfg needs Gateway (and Proxy,
// Transport as wanted); User, Line, OnEvent and OnClose are set here.
func openClient(ctx context.Context, u user, cfg sip.ClientConfig) (*client, error) {
	c := &client{u: u, wake: make(chan struct{}, 1), closed: make(chan struct{})}
	cfg.User, cfg.Line = u.AOR(), u.Line()
	cfg.Logger = testLogger()
	cfg.OnEvent = func(ev csta.Event) {
		c.mu.Lock()
		c.events = append(c.events, ev)
		c.mu.Unlock()
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	cfg.OnClose = func(err error) {
		c.mu.Lock()
		c.reason = err
		c.mu.Unlock()
		close(c.closed)
	}
	s, err := sip.Dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	c.ClientSession = s
	return c, nil
}

// ended reports whether the session has ended, and why.
func (c *client) ended() (bool, error) {
	select {
	case <-c.closed:
		c.mu.Lock()
		defer c.mu.Unlock()
		return true, c.reason
	default:
		return false, nil
	}
}

// eventCount returns how many events arrived.
func (c *client) eventCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

// forget drops the events received so far, to keep a long-running
// client's memory bounded; later indexes count from the next event.
func (c *client) forget() {
	c.mu.Lock()
	c.events = nil
	c.mu.Unlock()
}

// eventsSince returns the events that arrived from index from on.
func (c *client) eventsSince(from int) []csta.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	if from >= len(c.events) {
		return nil
	}
	return append([]csta.Event(nil), c.events[from:]...)
}

// waitEvent waits, bounded by ctx, for an event named name about call id
// (any call when id is empty) at index from or later, and returns the
// index after it.
func (c *client) waitEvent(ctx context.Context, from int, name string, id csta.CallID) (int, error) {
	for {
		c.mu.Lock()
		for i := from; i < len(c.events); i++ {
			if c.events[i].MessageName() == name && (id == "" || onCall(c.events[i], id)) {
				c.mu.Unlock()
				return i + 1, nil
			}
		}
		n := len(c.events)
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-c.closed:
			return n, fmt.Errorf("%s: session ended waiting for %s: %v", c.u.Name, name, c.reason)
		case <-ctx.Done():
			return n, fmt.Errorf("%s: no %s after event %d (%d events): %w", c.u.Name, name, from, n, ctx.Err())
		}
	}
}

// onCall reports whether ev is about call id.
func onCall(ev csta.Event, id csta.CallID) bool {
	found := false
	csta.WalkConnections(ev, func(_ string, c *csta.ConnectionID) {
		if c.CallID == id {
			found = true
		}
	})
	return found
}

// call makes a call to number (a far end that answers), waits for it to
// be established, clears it and waits for it to be cleared.
func (c *client) call(ctx context.Context, number string) error {
	from := c.eventCount()
	resp, err := c.do(ctx, &csta.MakeCall{CallingDevice: csta.Device(c.u.Line()), CalledDirectoryNumber: csta.Device("tel:" + number), AutoOriginate: csta.AutoOriginateDoNotPrompt})
	if err != nil {
		return fmt.Errorf("%s: MakeCall: %w", c.u.Name, err)
	}
	mc, ok := resp.(*csta.MakeCallResponse)
	if !ok {
		return fmt.Errorf("%s: MakeCall answered %T", c.u.Name, resp)
	}
	id := mc.CallingDevice.CallID
	next, err := c.waitEvent(ctx, from, "EstablishedEvent", id)
	if err != nil {
		return err
	}
	if _, err := c.do(ctx, &csta.ClearConnection{ConnectionToBeCleared: mc.CallingDevice}); err != nil {
		return fmt.Errorf("%s: ClearConnection: %w", c.u.Name, err)
	}
	_, err = c.waitEvent(ctx, next, "CallClearedEvent", id)
	return err
}

// snapshot asks for a snapshot of the client's device: a request that
// changes nothing, to see whether the session works.
func (c *client) snapshot(ctx context.Context) error {
	_, err := c.do(ctx, &csta.SnapshotDevice{SnapshotObject: csta.Device(c.u.Line())})
	return err
}

// do sends a request, timed when the client has latencies.
func (c *client) do(ctx context.Context, req csta.Request) (csta.Response, error) {
	if c.lat == nil {
		return c.Do(ctx, req)
	}
	var resp csta.Response
	err := c.lat.timed(func() (err error) {
		resp, err = c.Do(ctx, req)
		return err
	})
	return resp, err
}

// latencies records the longest request of a test.
type latencies struct {
	mu       sync.Mutex
	max      time.Duration
	requests int
}

// timed runs f and records how long it took.
func (l *latencies) timed(f func() error) error {
	start := time.Now()
	err := f()
	d := time.Since(start)
	l.mu.Lock()
	l.requests++
	l.max = max(l.max, d)
	l.mu.Unlock()
	return err
}

// longest returns the longest request and the number of requests.
func (l *latencies) longest() (time.Duration, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.max, l.requests
}

// isLinkDown reports whether err is the CSTA error of a CTI side that is
// out of service.
func isLinkDown(err error) bool {
	return errors.Is(err, csta.ErrResourceOutOfService)
}
