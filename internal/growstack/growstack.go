package growstack

import (
	"sync/atomic"
	"unsafe"
)

// Size is how much stack Grow makes room for, in bytes: enough for the
// gateway's request and event paths through sip, session, ctipool and
// the CSTA codec. The gateway's tests check it with an Anchor on those
// paths: a path that outgrows it fails them.
const Size = 12 << 10

// Grow makes the calling goroutine's stack at least Size bytes larger than
// it is in use now.
//
//go:noinline
func Grow() {
	var buf [Size]byte
	touch(&buf)
}

// touch keeps buf, and so Grow's frame, from being optimised away.
//
//go:noinline
func touch(buf *[Size]byte) { buf[0] = 1 }

// Anchor tells whether a goroutine's stack moved after Grow: the runtime
// moves a stack to grow it, so a path that outgrew the room Grow made
// moves it. Declare it as a local variable of the function that called
// Grow, Set it, run the path, and Check it. Checking costs a comparison;
// only a moved stack is reported, to the function Watch set.
type Anchor struct {
	at uintptr
}

// Set records where a is now.
func (a *Anchor) Set() { a.at = uintptr(unsafe.Pointer(a)) }

// Check reports to the watcher, if there is one, that a is no longer
// where Set found it: the stack moved. The garbage collector may also
// move a stack, to shrink it; tests that watch turn it off.
func (a *Anchor) Check() {
	if uintptr(unsafe.Pointer(a)) != a.at {
		if f := watcher.Load(); f != nil {
			(*f)()
		}
	}
}

var watcher atomic.Pointer[func()]

// Watch makes f be called whenever an Anchor finds its stack moved, from
// the goroutine whose stack moved; nil stops watching. Tests use it to
// check that Size is enough for the paths that call Grow.
func Watch(f func()) {
	if f == nil {
		watcher.Store(nil)
		return
	}
	watcher.Store(&f)
}
