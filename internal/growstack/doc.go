// Package growstack grows a goroutine's stack in one step, before a deep
// call path would grow it several times.
//
// # Overview
//
// Goroutines start with a small stack that the runtime doubles when a
// call needs more, copying the whole stack each time and adjusting every
// frame on it. A goroutine that runs one deep call path and ends (sipgo
// starts one per SIP message) pays for that copying on every message, and
// pays most when the stack is already deep. Calling [Grow] first, while
// the stack is shallow, makes the runtime grow it once to a size the path
// fits in; the copy then moves only a few frames.
//
// # Usage
//
//	func handle(req *Request) {
//		growstack.Grow()
//		... deep work ...
//	}
//
// # Concurrency
//
// Grow affects only the calling goroutine.
//
// # Errors
//
// None.
package growstack
