package ctipool

import (
	"sync"
	"sync/atomic"

	"github.com/rcc-go/rcc/csta"
)

// The dispatcher runs subscriber callbacks. Each subscription (and the
// observer) has its own bounded queue; a fixed set of worker goroutines
// serves the queues that have work, one worker per queue at a time, so
// callbacks for one subscriber run in order and never concurrently, and a
// slow subscriber holds at most one worker. Nothing here blocks the caller
// of push: the link's reader only ever appends to a queue.

type itemKind uint8

const (
	itemEvent itemKind = iota
	itemDown
	itemUp
	itemLost
	itemFunc
)

type item struct {
	kind itemKind
	ev   csta.Event
	err  error
	n    uint64 // generation for itemUp, count for itemLost
	fn   func()
}

// batchSize bounds how many callbacks a worker runs for one queue before
// letting other queues have a turn.
const batchSize = 64

// queue is one subscriber's callback queue.
type queue struct {
	d        *dispatcher
	sub      Subscriber // nil for a queue of itemFunc
	limit    int        // events beyond this many queued items are dropped
	overflow *atomic.Uint64

	stopped atomic.Bool

	mu        sync.Mutex
	items     []item
	head      int
	lost      uint64 // events dropped since the last itemLost
	scheduled bool   // in the ready list or being served
}

func (d *dispatcher) newQueue(sub Subscriber, limit int, overflow *atomic.Uint64) *queue {
	return &queue{d: d, sub: sub, limit: limit, overflow: overflow}
}

// push appends an item. Events are dropped, and counted, when limit items
// are already queued; other items always go in. It reports whether the
// item was queued.
func (q *queue) push(it item) bool {
	if q.stopped.Load() {
		return false
	}
	q.mu.Lock()
	if it.kind == itemEvent && len(q.items)-q.head >= q.limit {
		q.lost++
		q.mu.Unlock()
		if q.overflow != nil {
			q.overflow.Add(1)
		}
		return false
	}
	if q.lost > 0 {
		// Mark the gap where the lost events were.
		q.items = append(q.items, item{kind: itemLost, n: q.lost})
		q.lost = 0
	}
	q.items = append(q.items, it)
	sched := !q.scheduled
	q.scheduled = true
	q.mu.Unlock()
	if sched {
		q.d.schedule(q)
	}
	return true
}

// stop discards the queue's items and refuses new ones. A callback already
// running finishes.
func (q *queue) stop() {
	q.stopped.Store(true)
	q.mu.Lock()
	clear(q.items)
	q.items, q.head, q.lost = nil, 0, 0
	q.mu.Unlock()
}

// take moves up to batchSize items into buf. When the queue is empty it
// turns a pending loss count into an itemLost, so a subscriber learns of
// lost events once its queue has drained; when there is nothing at all it
// clears scheduled and returns buf unchanged.
func (q *queue) take(buf []item) []item {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.items)-q.head, batchSize)
	if n == 0 {
		if q.lost > 0 && !q.stopped.Load() {
			buf = append(buf, item{kind: itemLost, n: q.lost})
			q.lost = 0
			return buf
		}
		q.scheduled = false
		return buf
	}
	buf = append(buf, q.items[q.head:q.head+n]...)
	clear(q.items[q.head : q.head+n])
	q.head += n
	switch {
	case q.head == len(q.items):
		if cap(q.items) > 2*batchSize {
			q.items = nil // give a burst's memory back
		} else {
			q.items = q.items[:0]
		}
		q.head = 0
	case q.head >= len(q.items)/2:
		// A queue that never quite drains must not grow without end.
		k := copy(q.items, q.items[q.head:])
		clear(q.items[k:])
		q.items, q.head = q.items[:k], 0
	}
	return buf
}

func (q *queue) deliver(it item) {
	switch it.kind {
	case itemEvent:
		q.sub.Event(it.ev)
	case itemDown:
		q.sub.LinkDown(it.err)
	case itemUp:
		q.sub.LinkUp(it.n)
	case itemLost:
		if l, ok := q.sub.(LossHandler); ok {
			l.EventsLost(int(it.n))
		}
	case itemFunc:
		it.fn()
	}
}

// dispatcher is the worker pool.
type dispatcher struct {
	mu     sync.Mutex
	cond   sync.Cond
	ready  []*queue
	head   int
	closed bool
	wg     sync.WaitGroup
}

func newDispatcher(workers int) *dispatcher {
	d := &dispatcher{}
	d.cond.L = &d.mu
	for range workers {
		d.wg.Go(d.work)
	}
	return d
}

func (d *dispatcher) schedule(q *queue) {
	d.mu.Lock()
	d.ready = append(d.ready, q)
	d.mu.Unlock()
	d.cond.Signal()
}

// next returns the next queue with work, or nil once the dispatcher is
// closed and no queue has work left.
func (d *dispatcher) next() *queue {
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.head == len(d.ready) && !d.closed {
		d.cond.Wait()
	}
	if d.head == len(d.ready) {
		return nil
	}
	q := d.ready[d.head]
	d.ready[d.head] = nil
	d.head++
	switch {
	case d.head == len(d.ready):
		d.ready, d.head = d.ready[:0], 0
	case d.head >= 64 && d.head >= len(d.ready)/2:
		// A ready list that never empties must not grow without end.
		k := copy(d.ready, d.ready[d.head:])
		clear(d.ready[k:])
		d.ready, d.head = d.ready[:k], 0
	}
	return q
}

func (d *dispatcher) work() {
	var buf []item
	for {
		q := d.next()
		if q == nil {
			return
		}
		for {
			buf = q.take(buf[:0])
			if len(buf) == 0 {
				break
			}
			for _, it := range buf {
				if q.stopped.Load() {
					break
				}
				q.deliver(it)
			}
			clear(buf)
			if len(buf) == batchSize {
				// Give other queues a turn; q stays scheduled.
				d.schedule(q)
				break
			}
		}
	}
}

// close lets the workers finish every queued callback, then stops them and
// waits for them.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.cond.Broadcast()
	d.wg.Wait()
}
