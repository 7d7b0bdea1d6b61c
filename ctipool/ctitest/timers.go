package ctitest

import (
	"sync"
	"time"
)

// timerSet runs functions after delays with time.AfterFunc, so that it works
// inside a testing/synctest bubble, and lets its owner stop every pending
// function and wait for those already running: after close returns, no
// function of the set runs or will run.
type timerSet struct {
	mu     sync.Mutex
	live   map[*timer]struct{}
	wg     sync.WaitGroup
	closed bool
}

// timer is one pending function of a timerSet.
type timer struct {
	t *time.Timer
}

// after runs f after d, unless the timer is stopped or the set closed
// first. It returns nil, and never runs f, once the set is closed.
func (s *timerSet) after(d time.Duration, f func()) *timer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	if s.live == nil {
		s.live = make(map[*timer]struct{})
	}
	e := new(timer)
	s.live[e] = struct{}{}
	s.wg.Add(1)
	e.t = time.AfterFunc(d, func() {
		defer s.wg.Done()
		s.mu.Lock()
		_, ok := s.live[e]
		delete(s.live, e)
		s.mu.Unlock()
		if ok {
			f()
		}
	})
	return e
}

// stop cancels e if it has not fired yet. A nil e is ignored.
func (s *timerSet) stop(e *timer) {
	if e == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.live[e]; !ok {
		return
	}
	delete(s.live, e)
	if e.t.Stop() {
		s.wg.Done()
	}
}

// close stops every pending timer, refuses new ones and waits for the
// functions already running. It must not be called from one of them.
func (s *timerSet) close() {
	s.mu.Lock()
	s.closed = true
	for e := range s.live {
		delete(s.live, e)
		if e.t.Stop() {
			s.wg.Done()
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
}
