package growstack_test

import (
	"runtime/debug"
	"sync/atomic"
	"testing"

	"github.com/rcc-go/rcc/internal/growstack"
)

// An Anchor reports a path that outgrew the room Grow made, and only such
// a path.
func TestAnchor(t *testing.T) {
	var moved atomic.Int64
	growstack.Watch(func() { moved.Add(1) })
	defer growstack.Watch(nil)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))

	run := func(n int) int64 {
		before := moved.Load()
		done := make(chan struct{})
		go func() {
			defer close(done)
			growstack.Grow()
			var a growstack.Anchor
			a.Set()
			depth(n) // about 100 bytes a level
			a.Check()
		}()
		<-done
		return moved.Load() - before
	}
	if n := run(10); n != 0 {
		t.Errorf("a shallow path was reported as moving the stack %d times", n)
	}
	if n := run(2000); n != 1 {
		t.Errorf("a path far deeper than Size was reported %d times, want 1", n)
	}
}
