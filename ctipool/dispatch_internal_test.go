package ctipool

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

func numbered(n int) csta.Event {
	return &csta.DoNotDisturbEvent{MonitorCrossRefID: "x", Device: csta.Known(strconv.Itoa(n))}
}

func number(e csta.Event) int {
	n, _ := strconv.Atoi(e.(*csta.DoNotDisturbEvent).Device.Device.ID)
	return n
}

func TestQueueNeverDrainingStaysBounded(t *testing.T) {
	d := newDispatcher(0) // no workers: the test takes by hand
	defer d.close()
	q := d.newQueue(nil, 1<<20, nil)
	next, want := 0, 0
	var buf []item
	for range 2000 {
		for range batchSize + 6 { // always a little more in than out
			require.True(t, q.push(item{kind: itemEvent, ev: numbered(next)}))
			next++
		}
		buf = q.take(buf[:0])
		require.Len(t, buf, batchSize)
		for _, it := range buf {
			require.Equal(t, want, number(it.ev), "FIFO order")
			want++
		}
	}
	assert.Equal(t, 12000, len(q.items)-q.head, "what is still queued")
	assert.LessOrEqual(t, cap(q.items), 4*12000, "the backing array does not grow with the total pushed (140,000)")
}

func TestReadyListNeverEmptyingStaysBounded(t *testing.T) {
	d := newDispatcher(0)
	defer d.close()
	qs := make([]*queue, 100)
	for i := range qs {
		qs[i] = d.newQueue(nil, 1, nil)
		d.schedule(qs[i])
	}
	for i := range 20000 {
		q := d.next()
		require.Same(t, qs[i%100], q, "round robin order")
		d.schedule(q)
	}
	assert.LessOrEqual(t, cap(d.ready), 1024)
}

// orderChecker fails the test if its callbacks overlap or come out of
// order.
type orderChecker struct {
	t    *testing.T
	in   atomic.Bool
	last int
	n    atomic.Int64
	wg   *sync.WaitGroup
	want int64
}

func (o *orderChecker) Event(e csta.Event) {
	if o.in.Swap(true) {
		o.t.Error("callbacks for one subscription overlap")
	}
	if n := number(e); n != o.last+1 {
		o.t.Errorf("event %d after %d", n, o.last)
	}
	o.last = number(e)
	o.in.Store(false)
	if o.n.Add(1) == o.want {
		o.wg.Done()
	}
}
func (o *orderChecker) LinkDown(error) {}
func (o *orderChecker) LinkUp(uint64)  {}

func TestDispatcherPerSubscriberOrder(t *testing.T) {
	const subs, events = 50, 2000
	d := newDispatcher(4)
	var wg sync.WaitGroup
	wg.Add(subs)
	qs := make([]*queue, subs)
	for i := range qs {
		qs[i] = d.newQueue(&orderChecker{t: t, wg: &wg, want: events}, events, nil)
	}
	for n := 1; n <= events; n++ {
		for _, q := range qs {
			require.True(t, q.push(item{kind: itemEvent, ev: numbered(n)}))
		}
	}
	wg.Wait()
	d.close()
}
