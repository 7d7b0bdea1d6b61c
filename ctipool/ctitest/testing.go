package ctitest

// TB is the part of testing.TB the test helpers use. *testing.T and
// *testing.B implement it; taking this interface instead of testing.TB
// keeps package testing out of programs that import ctitest for its fake
// PBX, such as the example gateway's demo mode.
type TB interface {
	// Helper marks the calling function as a test helper.
	Helper()
	// Cleanup registers a function to call when the test ends.
	Cleanup(func())
	// Fatalf reports a fatal failure and ends the test.
	Fatalf(format string, args ...any)
}

// NewDemo starts the demo PBX (see [DemoPBX]) on three loopback endpoints
// and closes it when tb's test ends. The far ends follow the demo rules
// with their default delays; tests that want other rules build the PBX
// with [NewPBX] and call [NewTest].
func NewDemo(tb TB) *Cluster {
	tb.Helper()
	return NewTest(tb, DemoPBX(), 3)
}

// NewTest serves pbx on n loopback endpoints, closes the PBX when tb's test
// ends, and fails the test at once when the endpoints cannot start.
func NewTest(tb TB, pbx *PBX, n int) *Cluster {
	tb.Helper()
	tb.Cleanup(func() { _ = pbx.Close() })
	c, err := NewCluster(pbx, n)
	if err != nil {
		tb.Fatalf("ctitest: %v", err)
	}
	return c
}
