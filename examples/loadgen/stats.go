package main

import (
	"sort"
	"sync"
	"sync/atomic"
)

// op is a kind of CSTA request the load sends.
type op int

const (
	opMakeCall op = iota
	opClearConnection
	opSnapshotDevice
	numOps
)

var opNames = [numOps]string{"MakeCall", "ClearConnection", "SnapshotDevice"}

func (o op) String() string { return opNames[o] }

// maxErrorKinds bounds how many distinct error messages are kept; the rest
// are counted under "other".
const maxErrorKinds = 64

// stats collects what happens during the measured window. Observations
// are dropped while the window is closed.
type stats struct {
	open    atomic.Bool
	lat     histogram // CSTA requests in the load phase
	reqs    [numOps]atomic.Uint64
	events  atomic.Uint64
	evMu    sync.Mutex
	evNames map[string]uint64
	errMu   sync.Mutex
	errs    map[string]uint64
	nerrs   atomic.Uint64
}

func newStats() *stats {
	return &stats{evNames: make(map[string]uint64), errs: make(map[string]uint64)}
}

// reset clears everything and opens the window.
func (s *stats) reset() {
	s.lat.reset()
	for i := range s.reqs {
		s.reqs[i].Store(0)
	}
	s.events.Store(0)
	s.evMu.Lock()
	clear(s.evNames)
	s.evMu.Unlock()
	s.errMu.Lock()
	clear(s.errs)
	s.errMu.Unlock()
	s.nerrs.Store(0)
	s.open.Store(true)
}

// stop closes the window.
func (s *stats) stop() { s.open.Store(false) }

func (s *stats) request(o op) {
	if s.open.Load() {
		s.reqs[o].Add(1)
	}
}

func (s *stats) event(name string) {
	if !s.open.Load() {
		return
	}
	s.events.Add(1)
	s.evMu.Lock()
	s.evNames[name]++
	s.evMu.Unlock()
}

// fail counts an error. Errors are counted whether or not the window is
// open: setup and teardown errors matter too.
func (s *stats) fail(kind string) {
	s.nerrs.Add(1)
	s.errMu.Lock()
	if _, ok := s.errs[kind]; !ok && len(s.errs) >= maxErrorKinds {
		kind = "other"
	}
	s.errs[kind]++
	s.errMu.Unlock()
}

// Count is a named counter in a report.
type Count struct {
	Name  string `json:"name"`
	Count uint64 `json:"count"`
}

func sorted(m map[string]uint64) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func (s *stats) eventCounts() []Count {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	return sorted(s.evNames)
}

func (s *stats) errorCounts() []Count {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return sorted(s.errs)
}
