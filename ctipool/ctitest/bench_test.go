package ctitest

import (
	"net"
	"sync/atomic"
	"testing"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
)

// benchClient is a lean client for benchmarks: requests pre-encoded,
// answers read as frames and not decoded unless asked.
type benchClient struct {
	nc   net.Conn
	r    *framing.Reader
	buf  []byte
	next int
}

func newBenchClient(b *testing.B, s *Server) *benchClient {
	b.Helper()
	c := connect(b, s)
	return &benchClient{nc: c.nc, r: c.r, next: c.next}
}

// roundTrip sends a pre-encoded request and reads frames until its answer,
// counting the events read on the way.
func (c *benchClient) roundTrip(b *testing.B, body []byte) (events int) {
	c.next = c.next%framing.MaxRequestInvokeID + 1
	var err error
	c.buf, err = framing.AppendFrame(c.buf[:0], c.next, body)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.nc.Write(c.buf); err != nil {
		b.Fatal(err)
	}
	for {
		f, err := c.r.ReadFrame()
		if err != nil {
			b.Fatal(err)
		}
		if f.InvokeID == c.next {
			return events
		}
		events++
	}
}

// drain reads n more frames.
func (c *benchClient) drain(b *testing.B, n int) {
	for range n {
		if _, err := c.r.ReadFrame(); err != nil {
			b.Fatal(err)
		}
	}
}

func mustEncode(b *testing.B, m csta.Message) []byte {
	body, err := csta.Encode(m)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkHeartbeat is one RequestSystemStatus round trip over loopback
// TCP: the floor of the server's latency.
func BenchmarkHeartbeat(b *testing.B) {
	p := newTestPBX(b, PBXConfig{})
	c := newBenchClient(b, serve(b, p, ServerConfig{}))
	body := mustEncode(b, &csta.RequestSystemStatus{Header: csta.Header{Namespace: csta.NamespaceEd3}})
	b.ReportAllocs()
	for b.Loop() {
		c.roundTrip(b, body)
	}
}

// BenchmarkHeartbeatParallel runs RequestSystemStatus round trips on one
// connection per goroutine.
func BenchmarkHeartbeatParallel(b *testing.B) {
	p := newTestPBX(b, PBXConfig{})
	s := serve(b, p, ServerConfig{})
	body := mustEncode(b, &csta.RequestSystemStatus{Header: csta.Header{Namespace: csta.NamespaceEd3}})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c := newBenchClient(b, s)
		for pb.Next() {
			c.roundTrip(b, body)
		}
	})
}

// BenchmarkSnapshotParallel runs SnapshotDevice, which takes the PBX lock,
// on one connection per goroutine, each line in a call.
func BenchmarkSnapshotParallel(b *testing.B) {
	p := newTestPBX(b, PBXConfig{})
	s := serve(b, p, ServerConfig{})
	for _, l := range []string{"1001", "1002", "1003", "1004"} {
		if _, err := p.Call("2000", l); err != nil {
			b.Fatal(err)
		}
	}
	body := mustEncode(b, &csta.SnapshotDevice{Header: csta.Header{Namespace: csta.NamespaceEd3}, SnapshotObject: csta.Device("1001")})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c := newBenchClient(b, s)
		for pb.Next() {
			c.roundTrip(b, body)
		}
	})
}

// BenchmarkCallCycle is a whole monitored call: MakeCall to a far end
// that answers at once (response and five events), then ClearConnection
// (response and three events).
func BenchmarkCallCycle(b *testing.B) {
	p := newTestPBX(b, PBXConfig{})
	s := serve(b, p, ServerConfig{})
	tc := connect(b, s)
	tc.monitor("1001")
	c := &benchClient{nc: tc.nc, r: tc.r, next: tc.next}
	mc := mustEncode(b, &csta.MakeCall{Header: csta.Header{Namespace: csta.NamespaceEd3}, CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("2000")})
	var n atomic.Uint64
	b.ReportAllocs()
	for b.Loop() {
		// The response comes first; the five events follow it.
		c.roundTrip(b, mc)
		c.drain(b, 5)
		id := csta.CallID(p.Calls()[0].ID)
		cc := mustEncode(b, &csta.ClearConnection{Header: csta.Header{Namespace: csta.NamespaceEd3}, ConnectionToBeCleared: csta.Connection(id, "1001")})
		c.roundTrip(b, cc)
		c.drain(b, 3)
		n.Add(1)
	}
	b.ReportMetric(float64(8*n.Load())/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEventFanout is one incoming call to a line watched by 100
// monitors on 10 connections, answered and cleared from the test: 400
// events written per call.
func BenchmarkEventFanout(b *testing.B) {
	p := newTestPBX(b, PBXConfig{})
	s := serve(b, p, ServerConfig{})
	const conns, perConn = 10, 10
	clients := make([]*benchClient, conns)
	for i := range clients {
		tc := connect(b, s)
		for range perConn {
			tc.monitor("1001")
		}
		clients[i] = &benchClient{nc: tc.nc, r: tc.r, next: tc.next}
	}
	b.ReportAllocs()
	for b.Loop() {
		id, err := p.Call("2000", "1001")
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Answer(id, "1001"); err != nil {
			b.Fatal(err)
		}
		if err := p.Hangup(id, ""); err != nil {
			b.Fatal(err)
		}
		// Delivered, Established, two ConnectionCleared, CallCleared.
		for _, c := range clients {
			c.drain(b, 5*perConn)
		}
	}
	b.ReportMetric(float64(5*conns*perConn*b.N)/b.Elapsed().Seconds(), "events/s")
}
