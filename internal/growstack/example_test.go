package growstack_test

import (
	"fmt"

	"github.com/rcc-go/rcc/internal/growstack"
)

// A handler that runs a deep call path on a new goroutine grows its stack
// first, while the stack is shallow.
func ExampleGrow() {
	done := make(chan int)
	go func() {
		growstack.Grow()
		done <- depth(64)
	}()
	fmt.Println(<-done)
	// Output: 64
}

// depth recurses n times with a frame of some size.
func depth(n int) int {
	var pad [64]byte
	pad[n%len(pad)] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return 1 + depth(n-1) + int(pad[n%len(pad)]) - n%256
}
