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
//		var anchor growstack.Anchor
//		anchor.Set()
//		... deep work ...
//		anchor.Check()
//	}
//
// # Checking Size
//
// [Size] is a figure for the gateway's paths, so it is checked, not
// trusted: an [Anchor] set after Grow finds, when the path is done,
// whether the runtime moved the stack meanwhile, that is, whether the
// path outgrew the room Grow made, and reports it to the function [Watch]
// set. The gateway's tests watch while they run its request and event
// paths, with the garbage collector off (it may move a stack to shrink
// it), and fail if any of them moved its stack.
//
// # Concurrency
//
// Grow affects only the calling goroutine.
//
// # Errors
//
// None.
package growstack
