package framing

import (
	"errors"
	"fmt"
	"sync"
)

// ErrNoInvokeID reports that every request invoke ID is in use.
var ErrNoInvokeID = errors.New("framing: all invoke IDs in use")

// MaxRequestInvokeID is the largest invoke ID InvokeIDs hands out; the one
// above it, EventInvokeID, is reserved for events.
const MaxRequestInvokeID = EventInvokeID - 1

// InvokeIDs allocates request invoke IDs for one connection. It hands out
// 1..MaxRequestInvokeID in turn, wrapping below EventInvokeID, and never
// hands out an ID that is still in use: a caller takes one with Acquire and
// gives it back with Release once the response has arrived or the request
// has been abandoned. The zero value is ready to use. InvokeIDs is safe for
// concurrent use.
type InvokeIDs struct {
	mu    sync.Mutex
	last  int // last ID handed out, 0 before the first
	inUse int
	used  [(MaxRequestInvokeID + 1 + 63) / 64]uint64
}

// Acquire returns an invoke ID that is not in use and marks it used. When
// all MaxRequestInvokeID IDs are in use it returns ErrNoInvokeID.
func (a *InvokeIDs) Acquire() (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inUse >= MaxRequestInvokeID {
		return 0, fmt.Errorf("%w: %d requests outstanding", ErrNoInvokeID, a.inUse)
	}
	id := a.last
	for range MaxRequestInvokeID {
		id++
		if id > MaxRequestInvokeID {
			id = 1
		}
		if a.used[id/64]&(1<<(id%64)) == 0 {
			a.used[id/64] |= 1 << (id % 64)
			a.last = id
			a.inUse++
			return id, nil
		}
	}
	// Unreachable while inUse counts the set bits.
	return 0, ErrNoInvokeID
}

// Release marks id free again. Releasing an ID that is not in use, or one
// outside 1..MaxRequestInvokeID, does nothing.
func (a *InvokeIDs) Release(id int) {
	if id < 1 || id > MaxRequestInvokeID {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.used[id/64]&(1<<(id%64)) != 0 {
		a.used[id/64] &^= 1 << (id % 64)
		a.inUse--
	}
}

// InUse returns how many IDs are currently in use.
func (a *InvokeIDs) InUse() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inUse
}
