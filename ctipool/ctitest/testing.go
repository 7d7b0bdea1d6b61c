package ctitest

import (
	"testing"
)

// NewDemo starts the demo PBX (see [DemoPBX]) on three loopback endpoints
// and closes it when tb's test ends. The far ends follow the demo rules
// with their default delays; tests that want other rules build the PBX
// with [NewPBX] and call [NewTest].
func NewDemo(tb testing.TB) *Cluster {
	tb.Helper()
	return NewTest(tb, DemoPBX(), 3)
}

// NewTest serves pbx on n loopback endpoints, closes the PBX when tb's test
// ends, and fails the test at once when the endpoints cannot start.
func NewTest(tb testing.TB, pbx *PBX, n int) *Cluster {
	tb.Helper()
	tb.Cleanup(func() { _ = pbx.Close() })
	c, err := NewCluster(pbx, n)
	if err != nil {
		tb.Fatalf("ctitest: %v", err)
	}
	return c
}
