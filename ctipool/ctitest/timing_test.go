package ctitest

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
)

// The tests in this file run in synctest bubbles on in-memory endpoints,
// so the PBX's delays take no wall-clock time and are measured exactly.

// pipeSession connects to an in-memory endpoint and starts a session.
func pipeSession(t *testing.T, s *Server) *testClient {
	t.Helper()
	c := dialPipe(t, s)
	c.start(csta.NamespaceEd3)
	return c
}

func inMemory(t *testing.T, cfg PBXConfig, scfg ServerConfig) (*PBX, *Server) {
	t.Helper()
	p := newTestPBX(t, cfg)
	scfg.InMemory = true
	return p, serve(t, p, scfg)
}

func TestDemoFarEndDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, s := inMemory(t, PBXConfig{FarEnds: DemoFarEnds(DefaultAnswerDelay, DefaultHangUpDelay)}, ServerConfig{})
		a := pipeSession(t, s)
		a.monitor("1001")

		start := time.Now()
		a.call("1001", "2345")
		a.expect("NetworkReached 2345 connected normal", "Delivered 2345 connected newCall")
		assert.Equal(t, time.Duration(0), time.Since(start))
		a.expect("Established 2345 connected normal")
		assert.Equal(t, DefaultAnswerDelay, time.Since(start))

		start = time.Now()
		a.call("1001", "3002")
		a.expect("NetworkReached 3002 connected normal", "Delivered 3002 connected newCall", "Established 3002 connected normal")
		a.expect("ConnectionCleared 3002 connected normalClearing", "ConnectionCleared 1001 null normalClearing", "CallCleared - - normalClearing")
		assert.Equal(t, DefaultHangUpDelay, time.Since(start))
	})
}

func TestFarEndAnswerCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, s := inMemory(t, PBXConfig{FarEnds: DemoFarEnds(time.Second, 0)}, ServerConfig{})
		a := pipeSession(t, s)
		a.monitor("1001")
		id := a.call("1001", "2000")
		a.expect("NetworkReached 2000 connected normal", "Delivered 2000 connected newCall")
		a.ok(&csta.ClearConnection{ConnectionToBeCleared: csta.Connection(id, "1001")})
		a.expect("ConnectionCleared 1001 null normalClearing", "ConnectionCleared 2000 null normalClearing", "CallCleared - - normalClearing")
		time.Sleep(time.Minute) // the answer timer must not fire
		synctest.Wait()
		a.quiet()
		assert.Empty(t, p.Calls())
	})
}

func TestForwardNoAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, s := inMemory(t, PBXConfig{NoAnswerTime: 20 * time.Second}, ServerConfig{})
		a, b := pipeSession(t, s), pipeSession(t, s)
		a.monitor("1001")
		b.monitor("1002")
		b.ok(&csta.SetForwarding{Device: csta.Device("1002"), ForwardingType: csta.ForwardNoAnsInt, ActivateForward: true, ForwardDN: ptr(csta.Device("2000"))})
		b.expect("Forwarding 1002 forwardNoAnsInt true")

		start := time.Now()
		a.call("1001", "1002")
		a.expect("Delivered 1002 connected newCall")
		b.expect("Delivered 1002 alerting newCall")
		b.expect("Diverted 1002 null callForwardNoAnswer")
		assert.Equal(t, 20*time.Second, time.Since(start))
		a.expect("Diverted 1002 connected callForwardNoAnswer", "NetworkReached 2000 connected normal",
			"Delivered 2000 connected callForwardNoAnswer", "Established 2000 connected normal")

		// External callers are not covered by forwardNoAnsInt.
		_, err := s.PBX().Call("+3222220220", "1002")
		require.NoError(t, err)
		b.expect("Delivered 1002 alerting newCall")
		time.Sleep(time.Minute)
		synctest.Wait()
		b.quiet()
	})
}

func TestSessionExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, s := inMemory(t, PBXConfig{}, ServerConfig{})
		c := dialPipe(t, s)
		start := time.Now()
		resp := c.do(&csta.StartApplicationSession{ApplicationID: "t", RequestedProtocolVersions: []string{csta.NamespaceEd4}, RequestedSessionDuration: 60}).(*csta.StartApplicationSessionPosResponse)
		c.session = resp.SessionID
		assert.Equal(t, 60, resp.ActualSessionDuration)

		time.Sleep(50 * time.Second)
		r := c.ok(&csta.ResetApplicationSessionTimer{SessionID: c.session, RequestedSessionDuration: 30}).(*csta.ResetApplicationSessionTimerPosResponse)
		assert.Equal(t, 30, r.ActualSessionDuration)
		c.closed()
		assert.Equal(t, 80*time.Second, time.Since(start))
		synctest.Wait()
		assert.Equal(t, 0, s.Connections())
	})
}

func TestServerSystemStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, s := inMemory(t, PBXConfig{}, ServerConfig{SystemStatusInterval: 10 * time.Second, SystemStatusMisses: 2})
		c := pipeSession(t, s)
		start := time.Now()

		// An answering client stays connected.
		for i := range 3 {
			f := c.frame()
			assert.Equal(t, time.Duration(i+1)*10*time.Second, time.Since(start))
			m, err := csta.Decode(f.Body)
			require.NoError(t, err)
			require.IsType(t, &csta.SystemStatus{}, m)
			require.NotEqual(t, framing.EventInvokeID, f.InvokeID)
			body, err := csta.Encode(&csta.SystemStatusResponse{Header: csta.Header{Namespace: csta.NamespaceEd3}})
			require.NoError(t, err)
			require.NoError(t, framing.WriteFrame(c.nc, f.InvokeID, body))
		}
		synctest.Wait()
		st := s.Stats()
		assert.Equal(t, uint64(3), st.SystemStatusSent)
		assert.Equal(t, uint64(3), st.SystemStatusAnswered)

		// One that stops answering is dropped after two misses.
		start = time.Now()
		frames := c.closed()
		assert.Len(t, frames, 2)
		assert.Equal(t, 30*time.Second, time.Since(start))

		// Stalled heartbeats: the endpoint sends none.
		c2 := pipeSession(t, s)
		s.StallHeartbeats(true)
		time.Sleep(time.Minute)
		synctest.Wait()
		c2.quiet()
		assert.Equal(t, uint64(5), s.Stats().SystemStatusSent)
	})
}

func TestDelayResponses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, s := inMemory(t, PBXConfig{}, ServerConfig{})
		c := pipeSession(t, s)
		c.monitor("1001")
		s.DelayResponses(2 * time.Second)
		assert.Equal(t, 2*time.Second, s.Faults().DelayResponses)
		start := time.Now()
		id := c.send(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("2000")})
		// The events come first, at once; the response two seconds later.
		c.expect("ServiceInitiated 1001 initiated makeCall", "Originated 1001 connected newCall",
			"NetworkReached 2000 connected normal", "Delivered 2000 connected newCall", "Established 2000 connected normal")
		assert.Equal(t, time.Duration(0), time.Since(start))
		resp := c.answer(id)
		assert.IsType(t, &csta.MakeCallResponse{}, resp)
		assert.Equal(t, 2*time.Second, time.Since(start))
		s.DelayResponses(0)
		c.quiet()
	})
}
