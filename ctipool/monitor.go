package ctipool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rcc-go/rcc/csta"
)

// Subscriber receives what happens to one monitor. The pool calls its
// methods on the dispatcher, one at a time and in order for each
// subscription, never from a link's reader and with no pool lock held. (A
// Subscriber value given to several subscriptions may be called
// concurrently, once per subscription.) They must not block for long:
// a blocked callback holds one of the dispatcher's workers, and its
// subscriber's queue fills and starts losing events (see LossHandler).
type Subscriber interface {
	// Event delivers an event of the monitor.
	Event(ev csta.Event)
	// LinkDown reports that the connection went down: the monitor is
	// gone, and no more events will come for it. err is a *LinkError
	// wrapping ErrConnDown, or ErrPoolClosed when the pool closes.
	LinkDown(err error)
	// LinkUp reports that the connection the monitor was on is up again,
	// in generation gen. The monitor is not restored: start a new one.
	LinkUp(gen uint64)
}

// LossHandler is an optional interface of a Subscriber. When events for a
// subscriber are dropped because its queue is full, the pool calls
// EventsLost once, where the gap is (after the events queued before the
// first loss, before those queued after the queue drained), with the
// number of events lost. The subscriber should resynchronise, for example
// with a snapshot.
type LossHandler interface {
	EventsLost(n int)
}

// Subscription binds a Subscriber to a monitor on one connection. Its life:
// active while the monitor lives; after LinkDown it watches the connection
// and gets LinkUp each time the connection comes back, until Stop.
type Subscription struct {
	c    *Conn
	gen  uint64
	xref csta.MonitorCrossRefID
	q    *queue
}

// CrossRefID returns the monitor's cross-reference ID.
func (s *Subscription) CrossRefID() csta.MonitorCrossRefID { return s.xref }

// Gen returns the generation the monitor was started in.
func (s *Subscription) Gen() uint64 { return s.gen }

// Conn returns the connection the monitor is on.
func (s *Subscription) Conn() *Conn { return s.c }

// Active reports whether the monitor is still live: not stopped, and its
// connection has not gone down since it started.
func (s *Subscription) Active() bool {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.c.subs[s.xref] == s
}

// Stop removes the subscription locally: no callbacks are queued for it
// any more and those queued are discarded (one already running finishes).
// It sends nothing to the server; use Handle.StopMonitor for that. Stop is
// idempotent.
func (s *Subscription) Stop() {
	s.c.mu.Lock()
	if s.c.subs[s.xref] == s {
		delete(s.c.subs, s.xref)
	}
	delete(s.c.watchers, s)
	s.c.mu.Unlock()
	s.q.stop()
}

// heldEvent is an event for a monitorCrossRefID nobody subscribed to,
// kept while a MonitorStart whose response may name it is pending.
type heldEvent struct {
	ev     csta.Event
	maxSeq uint64 // the newest MonitorStart pending when it arrived
}

// maxHeld bounds the held events per connection; beyond it the oldest are
// dropped.
const maxHeld = 1024

// event routes an event from a link's reader to its subscriber.
func (c *Conn) event(ref *linkRef, ev csta.Event) {
	c.eventsIn.Add(1)
	xref := ev.CrossRefID()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.cur != ref:
		c.dropped.Add(1) // from a link that has been replaced
	case c.subs[xref] != nil:
		c.subs[xref].q.push(item{kind: itemEvent, ev: ev})
	case len(c.monitors) > 0:
		if len(c.held) == maxHeld {
			c.dropHeldLocked(1)
		}
		c.held = append(c.held, heldEvent{ev: ev, maxSeq: c.monSeq})
	default:
		c.dropped.Add(1)
	}
}

// dropHeldLocked drops the n oldest held events. The caller holds c.mu.
func (c *Conn) dropHeldLocked(n int) {
	if n == 0 {
		return
	}
	c.dropped.Add(uint64(n))
	clear(c.held[:n])
	c.held = append(c.held[:0], c.held[n:]...)
}

// pruneHeldLocked drops held events that no pending MonitorStart can
// claim any more. The caller holds c.mu.
func (c *Conn) pruneHeldLocked() {
	if len(c.monitors) == 0 {
		c.dropHeldLocked(len(c.held))
		return
	}
	oldest := c.monitors[0]
	n := 0
	for n < len(c.held) && c.held[n].maxSeq < oldest {
		n++
	}
	c.dropHeldLocked(n)
}

// Monitor sends MonitorStart and, when the server accepts it, subscribes
// sub to the new monitor's events. Events the server sends between its
// response and the subscription are not lost: while a MonitorStart is
// pending, the connection holds events for unknown cross-reference IDs
// and hands them to the new subscription first, in order.
//
// A CSTA error from the server is returned as a *csta.Error; link
// failures as for Do. If the connection goes down before the subscription
// is in place, Monitor fails with ErrConnDown: the server's monitor died
// with the link.
func (h Handle) Monitor(ctx context.Context, req *csta.MonitorStart, sub Subscriber) (*csta.MonitorStartResponse, *Subscription, error) {
	if h.c == nil {
		return nil, nil, h.zeroErr()
	}
	if req == nil || sub == nil {
		return nil, nil, errors.New("ctipool: Monitor needs a request and a subscriber")
	}
	c := h.c
	c.mu.Lock()
	if err := c.checkLocked(h.gen); err != nil {
		c.mu.Unlock()
		return nil, nil, err
	}
	c.monSeq++
	seq := c.monSeq
	c.monitors = append(c.monitors, seq)
	c.mu.Unlock()

	resp, err := c.do(ctx, h.gen, req)

	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.Index(c.monitors, seq); i >= 0 {
		c.monitors = slices.Delete(c.monitors, i, i+1)
	}
	if err != nil {
		c.pruneHeldLocked()
		return nil, nil, err
	}
	msr, ok := resp.(*csta.MonitorStartResponse)
	switch {
	case !ok:
		err = fmt.Errorf("ctipool: %s answered MonitorStart with %s", c.ep.Name, resp.MessageName())
	case msr.MonitorCrossRefID == "":
		err = fmt.Errorf("ctipool: %s answered MonitorStart without a monitorCrossRefID", c.ep.Name)
	case c.subs[msr.MonitorCrossRefID] != nil:
		err = fmt.Errorf("ctipool: %s returned monitorCrossRefID %q, which is already subscribed", c.ep.Name, msr.MonitorCrossRefID)
	default:
		if err = c.checkLocked(h.gen); err != nil {
			var le *LinkError
			if errors.As(err, &le) {
				le.Sent = true // the monitor was made, and died with the link
			}
		}
	}
	if err != nil {
		c.pruneHeldLocked()
		return nil, nil, err
	}
	// The ID lives as long as the monitor: a copy of its own, so that it
	// does not keep the decoded response's document in memory.
	msr.MonitorCrossRefID = csta.MonitorCrossRefID(strings.Clone(string(msr.MonitorCrossRefID)))
	s := c.subscribeLocked(h.gen, msr.MonitorCrossRefID, sub)
	// Hand over the held events for the new monitor, in order.
	kept := c.held[:0]
	for _, he := range c.held {
		if he.ev.CrossRefID() == s.xref {
			s.q.push(item{kind: itemEvent, ev: he.ev})
		} else {
			kept = append(kept, he)
		}
	}
	clear(c.held[len(kept):])
	c.held = kept
	c.pruneHeldLocked()
	return msr, s, nil
}

func (c *Conn) subscribeLocked(gen uint64, xref csta.MonitorCrossRefID, sub Subscriber) *Subscription {
	s := &Subscription{c: c, gen: gen, xref: xref,
		q: c.p.disp.newQueue(sub, c.p.cfg.EventQueueSize, &c.overflowed)}
	c.subs[xref] = s
	return s
}

// Subscribe subscribes sub to events for a monitor started by other means,
// for tools that send MonitorStart through Do themselves. Events that
// arrived before Subscribe are not replayed; prefer Monitor.
func (h Handle) Subscribe(xref csta.MonitorCrossRefID, sub Subscriber) (*Subscription, error) {
	if h.c == nil {
		return nil, h.zeroErr()
	}
	if xref == "" || sub == nil {
		return nil, errors.New("ctipool: Subscribe needs a cross-reference ID and a subscriber")
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkLocked(h.gen); err != nil {
		return nil, err
	}
	if c.subs[xref] != nil {
		return nil, fmt.Errorf("ctipool: monitorCrossRefID %q is already subscribed on %s", xref, c.ep.Name)
	}
	return c.subscribeLocked(h.gen, xref, sub), nil
}

// StopMonitor stops the monitor: it first removes its subscription (as
// Subscription.Stop), so no event is delivered after StopMonitor starts,
// then sends MonitorStop and returns the result.
func (h Handle) StopMonitor(ctx context.Context, xref csta.MonitorCrossRefID) error {
	if h.c == nil {
		return h.zeroErr()
	}
	c := h.c
	c.mu.Lock()
	s := c.subs[xref]
	if s != nil && s.gen != h.gen {
		s = nil
	}
	c.mu.Unlock()
	if s != nil {
		s.Stop()
	}
	_, err := h.Do(ctx, &csta.MonitorStop{MonitorCrossRefID: xref})
	return err
}
