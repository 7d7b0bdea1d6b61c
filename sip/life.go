package sip

import (
	"context"
	"sync"
	"time"
)

// life is a dialog's context: done when the dialog ends, and the parent of
// the contexts of the work done for it (Session.Handle, event requests).
//
// A context.WithCancel would do, but it costs memory for as long as the
// dialog lives: the map in which it registers the contexts derived from it
// stays allocated once the first one is gone, and a dialog handles a
// request now and then for hours. The standard library registers children
// of a context that has an AfterFunc method through that method instead;
// life keeps those callbacks in a slice it drops when it empties. One life
// serves all the requests of a dialog, so a request costs no context of
// its own either.
type life struct {
	mu    sync.Mutex
	done  chan struct{} // made on first use
	ended bool
	funcs []*lifeFunc
}

// lifeFunc is a callback registered with AfterFunc.
type lifeFunc struct{ f func() }

var _ context.Context = (*life)(nil)

// Deadline implements context.Context: a dialog has none.
func (l *life) Deadline() (time.Time, bool) { return time.Time{}, false }

// Value implements context.Context: a dialog carries no values.
func (l *life) Value(any) any { return nil }

// Done implements context.Context.
func (l *life) Done() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done == nil {
		l.done = make(chan struct{})
		if l.ended {
			close(l.done)
		}
	}
	return l.done
}

// Err implements context.Context.
func (l *life) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return context.Canceled
	}
	return nil
}

// AfterFunc arranges for f to run in its own goroutine once the dialog
// ends (at once if it has), as context.AfterFunc does; stop unregisters it
// and reports whether it did so before f was started.
func (l *life) AfterFunc(f func()) (stop func() bool) {
	lf := &lifeFunc{f: f}
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	l.funcs = append(l.funcs, lf)
	l.mu.Unlock()
	return func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		for i, x := range l.funcs {
			if x == lf {
				last := len(l.funcs) - 1
				l.funcs[i] = l.funcs[last]
				l.funcs[last] = nil
				l.funcs = l.funcs[:last]
				if last == 0 {
					l.funcs = nil
				}
				return true
			}
		}
		return false
	}
}

// end marks the dialog ended: Done closes and the registered callbacks
// run.
func (l *life) end() {
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		return
	}
	l.ended = true
	if l.done != nil {
		close(l.done)
	}
	funcs := l.funcs
	l.funcs = nil
	l.mu.Unlock()
	for _, lf := range funcs {
		go lf.f()
	}
}
