package ctitest

import (
	"context"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

func TestClusterFailover(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	cl, err := NewCluster(p, 3)
	require.NoError(t, err)
	require.Len(t, cl.Addrs(), 3)
	assert.Equal(t, p, cl.PBX())
	names := []string{}
	for _, e := range cl.Endpoints() {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"cti1", "cti2", "cti3"}, names)

	a := connect(t, cl.Endpoint(0))
	b := connect(t, cl.Endpoint(1))
	a.monitor("1001")
	b.monitor("1002")
	id := established(t, a, b, "1001", "1002")

	// cti1 goes down: its client loses the connection, the call stays.
	addr := cl.Endpoint(0).Addr()
	require.NoError(t, cl.Endpoint(0).Stop())
	a.closed()
	ci, ok := p.LookupCall(id)
	require.True(t, ok)
	assert.Equal(t, csta.StateConnected, ci.Parties[0].State)

	// The client fails over to cti3, monitors again and finds the call.
	a = connect(t, cl.Endpoint(2))
	a.monitor("1001")
	snap := a.ok(&csta.SnapshotDevice{SnapshotObject: csta.Device("1001")}).(*csta.SnapshotDeviceResponse)
	require.Len(t, snap.SnapshotData, 1)
	assert.Equal(t, csta.Connection(id, "1001"), snap.SnapshotData[0].ConnectionIdentifier)

	// cti1 comes back on the same address.
	require.NoError(t, cl.Endpoint(0).Restart())
	assert.Equal(t, addr, cl.Endpoint(0).Addr())
	a2 := connect(t, cl.Endpoint(0))
	a2.monitor("1001")

	// Requests through any endpoint act on the same PBX.
	a2.ok(&csta.ClearConnection{ConnectionToBeCleared: csta.Connection(id, "1001")})
	want := []string{"ConnectionCleared 1001 null normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing"}
	a.expect(want...)
	a2.expect(want...)
	b.expect("ConnectionCleared 1001 connected normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing")

	log := p.Requests()
	assert.Len(t, log.At("cti1").Named("MonitorStart"), 2)
	assert.Len(t, log.At("cti3").Named("SnapshotDevice"), 1)
	assert.Len(t, log.Named("ClearConnection").At("cti1"), 1)
	conns := map[uint64]bool{}
	for _, r := range log.At("cti1") {
		conns[r.Conn] = true
	}
	assert.Len(t, conns, 2, "two connections to cti1")

	_, err = NewCluster(p, 9)
	require.Error(t, err)
	_, err = p.ServeCluster()
	require.Error(t, err)
	_, err = p.Serve(ServerConfig{Name: "cti2"})
	require.ErrorContains(t, err, "used twice")
	require.NoError(t, cl.Close())
}

func TestClusterDialInMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPBX(t, PBXConfig{})
		cl, err := p.ServeCluster(ServerConfig{InMemory: true}, ServerConfig{InMemory: true, Name: "backup"})
		require.NoError(t, err)
		assert.Equal(t, []string{"cti1.ctitest.invalid:2748", "backup.ctitest.invalid:2748"}, cl.Addrs())
		nc, err := cl.Dial(context.Background(), "tcp", "backup.ctitest.invalid:2748")
		require.NoError(t, err)
		defer nc.Close()
		_, err = cl.Dial(context.Background(), "tcp", "nowhere:1")
		require.ErrorIs(t, err, syscall.ECONNREFUSED)
		require.NoError(t, cl.Endpoint(0).Stop())
		_, err = cl.Dial(context.Background(), "tcp", cl.Addrs()[0])
		require.ErrorIs(t, err, syscall.ECONNREFUSED)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = cl.Dial(ctx, "tcp", cl.Addrs()[1])
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestRequestLog(t *testing.T) {
	p := newTestPBX(t, PBXConfig{RequestLogSize: 3})
	s := serve(t, p, ServerConfig{})
	c := connect(t, s)
	c.ok(&csta.RequestSystemStatus{})
	c.monitor("1001")
	c.ok(&csta.GetCSTAFeatures{})
	log := p.Requests()
	assert.Equal(t, []string{"RequestSystemStatus", "MonitorStart", "GetCSTAFeatures"}, log.Names())
	assert.Equal(t, []string{"MonitorStart", "GetCSTAFeatures"}, log.WithoutHeartbeats().Names())
	assert.Len(t, log.OnConn(log[0].Conn), 3)
	assert.Empty(t, log.OnConn(log[0].Conn+1))
	assert.Equal(t, s.Name(), log[0].Endpoint)
	ms := log[1].Message.(*csta.MonitorStart)
	assert.Equal(t, "1001", ms.MonitorObject.Device.ID)
	assert.False(t, log[1].Time.IsZero())

	c.ok(&csta.GetDoNotDisturb{Device: csta.Device("1001")})
	assert.Equal(t, []string{"MonitorStart", "GetCSTAFeatures", "GetDoNotDisturb"}, p.Requests().Names())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := p.WaitForRequest(ctx, func(r RequestRecord) bool { return r.Name == "GetDoNotDisturb" })
	require.NoError(t, err)
	assert.Equal(t, "GetDoNotDisturb", rec.Name)

	p.ClearRequests()
	assert.Empty(t, p.Requests())
}

func TestWaitFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, s := inMemory(t, PBXConfig{FarEnds: DemoFarEnds(3*time.Second, 0)}, ServerConfig{})
		c := pipeSession(t, s)
		id := c.ok(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("2000")}).(*csta.MakeCallResponse).CallingDevice.CallID
		start := time.Now()
		ci, err := p.WaitForCall(context.Background(), func(ci CallInfo) bool {
			pt, ok := ci.Party("2000")
			return ok && pt.State == csta.StateConnected
		})
		require.NoError(t, err)
		assert.Equal(t, id, ci.ID)
		assert.Equal(t, "1001", ci.Calling)
		assert.Equal(t, "2000", ci.Called)
		assert.True(t, ci.Parties[1].External)
		assert.Equal(t, 3*time.Second, time.Since(start))

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		require.ErrorIs(t, p.WaitForNoCalls(ctx), context.DeadlineExceeded)
		require.NoError(t, p.Hangup(id, ""))
		require.NoError(t, p.WaitForNoCalls(context.Background()))

		go func() {
			time.Sleep(time.Minute)
			_ = p.Close()
		}()
		_, err = p.WaitForRequest(context.Background(), func(r RequestRecord) bool { return r.Name == "never" })
		require.ErrorIs(t, err, ErrClosed)
		_, err = p.Call("2000", "1001")
		require.ErrorIs(t, err, ErrClosed)
		require.ErrorIs(t, p.Answer(id, ""), ErrClosed)
		require.ErrorIs(t, p.Hangup(id, ""), ErrClosed)
		_, err = p.Serve(ServerConfig{})
		require.ErrorIs(t, err, ErrClosed)
	})
}

func TestReset(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	c := connect(t, s)
	c.monitor("1001")
	c.ok(&csta.SetDoNotDisturb{Device: csta.Device("1001"), DoNotDisturbOn: true})
	c.expect("DoNotDisturb 1001 true")
	c.ok(&csta.SetForwarding{Device: csta.Device("1001"), ActivateForward: true, ForwardDN: ptr(csta.Device("2000"))})
	c.expect("Forwarding 1001 forwardImmediate true")
	_, err := p.Call("1001", "3001")
	require.NoError(t, err)
	c.expect("ServiceInitiated 1001 initiated newCall", "Originated 1001 connected newCall",
		"NetworkReached 3001 connected normal", "Delivered 3001 connected newCall")
	s.DelayResponses(time.Hour)

	p.Reset()
	c.expect("ConnectionCleared 1001 null normalClearing", "ConnectionCleared 3001 null normalClearing", "CallCleared - - normalClearing")
	assert.Empty(t, p.Calls())
	assert.Empty(t, p.Requests())
	l, _ := p.Line("1001")
	assert.Equal(t, LineState{Key: "1001", Monitors: 1, Forwarding: []csta.ForwardListItem{}}, l)
	c.quiet()
}

func TestProvisioning(t *testing.T) {
	p := DemoPBX()
	defer p.Close()
	assert.Equal(t, []string{"1001", "1002", "1003", "1004"}, p.Lines())
	l, ok := p.Line("tel:1003;phone-context=dialstring")
	require.True(t, ok)
	assert.Equal(t, []string{"SEP000000001003", "CSFCAROL"}, l.Devices)

	p2, err := NewPBX(PBXConfig{Lines: []string{"1001/Internal", "1001/External", "2000"}})
	require.NoError(t, err)
	defer p2.Close()
	assert.Equal(t, []string{"1001/External", "1001/Internal", "2000"}, p2.Lines())
	_, ok = p2.Line("1001") // ambiguous without the partition
	assert.False(t, ok)
	l, ok = p2.Line("tel:1001;phone-context=dialstring;partition=Internal")
	require.True(t, ok)
	assert.Equal(t, "1001/Internal", l.Key)

	_, err = NewPBX(PBXConfig{Lines: []string{"1001", "1001"}})
	require.Error(t, err)
	_, err = NewPBX(PBXConfig{Lines: []string{"not a number"}})
	require.Error(t, err)
	_, err = NewPBX(PBXConfig{NoAnswerTime: -1})
	require.Error(t, err)
	_, err = NewPBX(PBXConfig{RequestLogSize: -1})
	require.Error(t, err)
	for _, cfg := range []ServerConfig{{SessionDuration: -1}, {SystemStatusInterval: -1}, {SystemStatusMisses: -1}, {QueueSize: -1}, {WriteTimeout: -1}, {MaxFrameSize: 70000}, {Addr: "256.0.0.1:1"}} {
		_, err := p2.Serve(cfg)
		require.Error(t, err, "%+v", cfg)
	}
}

// leaked returns the stacks of goroutines running code of this package,
// other than tests. A goroutine that has returned and is only exiting
// (its stack shows no function of the package) does not count; one caught
// between its deferred calls and its return does, so callers poll.
func leaked() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "ctitest.Test") {
			continue
		}
		for _, line := range strings.Split(g, "\n")[1:] {
			if !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, "created by ") &&
				strings.Contains(line, "ctipool/ctitest.") {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

func TestCloseLeavesNothing(t *testing.T) {
	p := newTestPBX(t, PBXConfig{FarEnds: DemoFarEnds(time.Hour, 0)})
	cl, err := p.ServeCluster(ServerConfig{SystemStatusInterval: time.Hour}, ServerConfig{}, ServerConfig{InMemory: true})
	require.NoError(t, err)
	a := connect(t, cl.Endpoint(0))
	a.monitor("1001")
	a.call("1001", "2000") // its answer timer is pending
	b := dialPipe(t, cl.Endpoint(2))
	b.start(csta.NamespaceEd3)
	c := connect(t, cl.Endpoint(1))
	cl.Endpoint(1).DelayResponses(time.Hour)
	c.send(&csta.GetCSTAFeatures{}) // its delayed response is pending
	_, err = p.WaitForRequest(context.Background(), func(r RequestRecord) bool { return r.Name == "GetCSTAFeatures" })
	require.NoError(t, err)

	require.NotEmpty(t, leaked(), "the leak check must see the live goroutines")
	require.NoError(t, p.Close())
	require.NoError(t, p.Close())
	// A goroutine that has signalled its end may still be on its way out
	// (an accept loop's deferred close has run, its frame not yet gone):
	// allow it a moment, no more.
	var left []string
	for range 200 {
		if left = leaked(); len(left) == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	assert.Empty(t, left)
	a.closed()
	b.closed()
}
