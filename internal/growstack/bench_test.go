package growstack_test

import (
	"testing"

	"github.com/rcc-go/rcc/internal/growstack"
)

// BenchmarkDeepGoroutine runs a call path about 12 KiB deep on a new
// goroutine, with and without Grow first: the difference is what the
// runtime spends copying a stack that is grown on the way down.
func BenchmarkDeepGoroutine(b *testing.B) {
	for _, grow := range []bool{false, true} {
		name := "plain"
		if grow {
			name = "grow"
		}
		b.Run(name, func(b *testing.B) {
			done := make(chan int)
			for b.Loop() {
				go func() {
					if grow {
						growstack.Grow()
					}
					done <- depth(150)
				}()
				<-done
			}
		})
	}
}
