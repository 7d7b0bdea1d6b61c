package ctitest

import (
	"context"
	"net"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
)

func TestRefuseConnections(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	addr := s.Addr()
	c := connect(t, s)

	require.NoError(t, s.RefuseConnections(true))
	assert.True(t, s.Faults().RefuseConnections)
	_, err := net.Dial("tcp", addr)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	_, err = s.Dial(context.Background(), "tcp", addr)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	c.ok(&csta.RequestSystemStatus{}) // existing connections carry on

	require.NoError(t, s.RefuseConnections(false))
	assert.Equal(t, addr, s.Addr())
	connect(t, s).ok(&csta.RequestSystemStatus{})
}

func TestCloseConnections(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a, b := connect(t, s), connect(t, s)
	a.monitor("1001")
	b.monitor("1001")
	assert.Equal(t, 2, s.CloseConnections())
	a.closed()
	b.closed()
	l, _ := p.Line("1001")
	assert.Zero(t, l.Monitors)
	assert.Zero(t, s.Connections())
	connect(t, s).ok(&csta.RequestSystemStatus{})
}

func TestStallHeartbeats(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	c := connect(t, s)
	s.StallHeartbeats(true)
	assert.True(t, s.Faults().StallHeartbeats)
	hb := c.send(&csta.RequestSystemStatus{})
	ss := c.send(&csta.SystemStatus{SystemStatus: csta.SystemNormal})
	mon := c.send(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}})
	assert.IsType(t, &csta.MonitorStartResponse{}, c.answer(mon), "heartbeats %d and %d must go unanswered", hb, ss)
	s.StallHeartbeats(false)
	c.ok(&csta.RequestSystemStatus{})
	assert.Len(t, p.Requests().Named("RequestSystemStatus"), 2)
}

func TestStall(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	c := connect(t, s)
	c.monitor("1001")
	s.Stall(true)
	c.send(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("2000")})
	_, err := p.WaitForRequest(context.Background(), func(r RequestRecord) bool { return r.Name == "MakeCall" })
	require.NoError(t, err)
	id, err := p.Call("2000", "1001") // its events are dropped
	require.NoError(t, err)
	require.NoError(t, p.Hangup(id, ""))
	s.Stall(false)
	c.quiet()
	assert.Empty(t, p.Calls(), "a stalled endpoint carries out nothing")
	assert.Equal(t, []string{"StartApplicationSession", "MonitorStart", "MakeCall", "GetCSTAFeatures"}, p.Requests().Names())
}

func TestDropResponses(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	c := connect(t, s)
	c.monitor("1001")
	s.DropResponses(2)
	assert.Equal(t, 2, s.Faults().DropResponses)
	c.send(&csta.RequestSystemStatus{})
	c.send(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("3001")})
	// The MakeCall was carried out: its events come, its response does not.
	c.expect("ServiceInitiated 1001 initiated makeCall", "Originated 1001 connected newCall",
		"NetworkReached 3001 connected normal", "Delivered 3001 connected newCall")
	c.quiet()
	assert.Equal(t, uint64(2), s.Stats().DroppedResponses)
	assert.Len(t, p.Calls(), 1)

	s.DropResponses(5)
	s.DropResponses(0)
	c.ok(&csta.RequestSystemStatus{})
}

func TestSendGarbage(t *testing.T) {
	tests := []struct {
		g       Garbage
		wantErr error // from the client's frame reader; nil: a frame that does not decode
	}{
		{GarbageBadFormat, framing.ErrBadFormat},
		{GarbageShortLength, framing.ErrShortFrame},
		{GarbageBadInvokeID, framing.ErrBadInvokeID},
		{GarbageOversized, nil},
		{GarbageTruncated, framing.ErrTruncated},
		{GarbageXML, nil},
	}
	for _, tt := range tests {
		t.Run(tt.g.String(), func(t *testing.T) {
			g, ok := ParseGarbage(tt.g.String())
			require.True(t, ok)
			require.Equal(t, tt.g, g)
			p := newTestPBX(t, PBXConfig{})
			s := serve(t, p, ServerConfig{})
			c := connect(t, s)
			assert.Equal(t, 1, s.SendGarbage(tt.g))
			f, err := c.tryFrame()
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, framing.EventInvokeID, f.InvokeID)
			_, err = csta.Decode(f.Body)
			require.Error(t, err)
			c.ok(&csta.RequestSystemStatus{}) // the server carries on
		})
	}
	_, ok := ParseGarbage("nonsense")
	assert.False(t, ok)
}

func TestSendRaw(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	c := connect(t, s)
	body, err := csta.Encode(&csta.SystemStatus{SystemStatus: csta.SystemOverloadImminent})
	require.NoError(t, err)
	frame, err := framing.AppendFrame(nil, 42, body)
	require.NoError(t, err)
	assert.Equal(t, 1, s.SendRaw(frame))
	f := c.frame()
	assert.Equal(t, 42, f.InvokeID)
	assert.Equal(t, body, f.Body)
}

func TestClientGarbage(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})

	// A frame that is not CSTA XML is logged and left unanswered; a
	// request that lacks what it needs is logged too, and refused with
	// invalidParameterValue in its own namespace.
	c := connect(t, s)
	require.NoError(t, writeRaw(c, 7, []byte("<<<not xml")))
	require.NoError(t, writeRaw(c, 8, []byte(`<MakeCall xmlns="`+csta.NamespaceEd4+`"/>`)))
	f := c.frame()
	assert.Equal(t, 8, f.InvokeID)
	assert.Contains(t, string(f.Body), `xmlns="`+csta.NamespaceEd4+`"`)
	m, err := csta.Decode(f.Body)
	require.NoError(t, err)
	require.IsType(t, &csta.CSTAErrorCode{}, m)
	assert.Equal(t, "operation/invalidParameterValue", m.(*csta.CSTAErrorCode).Code.String())
	c.quiet()
	recs := p.Requests().Filter(func(r RequestRecord) bool { return r.Err != nil })
	require.Len(t, recs, 2)
	assert.Equal(t, 7, recs[0].InvokeID)
	assert.Nil(t, recs[0].Message)
	assert.ErrorIs(t, recs[0].Err, csta.ErrMalformed)
	var de *csta.DecodeError
	assert.ErrorAs(t, recs[1].Err, &de)
	assert.Equal(t, uint64(2), s.Stats().Undecodable)

	// A broken frame closes the connection.
	_, err = c.nc.Write([]byte{0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0})
	require.NoError(t, err)
	c.closed()
	require.NoError(t, s.WaitConnections(context.Background(), 0))
	assert.Equal(t, uint64(1), s.Stats().FramingErrors)

	// A frame over the endpoint's limit too.
	s2 := serve(t, p, ServerConfig{MaxFrameSize: 1024})
	c2 := connect(t, s2)
	require.NoError(t, writeRaw(c2, 1, make([]byte, 2000)))
	c2.closed()

	// Responses and events from a client are ignored.
	c3 := connect(t, s)
	body, _ := csta.Encode(&csta.MakeCallResponse{CallingDevice: csta.Connection("x", "1001")})
	require.NoError(t, writeRaw(c3, 9, body))
	body, _ = csta.Encode(&csta.HeldEvent{MonitorCrossRefID: "1", HeldConnection: csta.Connection("x", "1001")})
	require.NoError(t, writeRaw(c3, framing.EventInvokeID, body))
	c3.quiet()
}

func TestQueueOverflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, s := inMemory(t, PBXConfig{}, ServerConfig{QueueSize: 4})
		c := pipeSession(t, s)
		c.monitor("1001")
		// The client stops reading; events pile up until the queue is full.
		for range 10 {
			if _, err := p.Call("2000", "1001"); err != nil {
				break
			}
		}
		synctest.Wait()
		assert.Equal(t, uint64(1), s.Stats().Overflows)
		require.NoError(t, s.WaitConnections(context.Background(), 0))
		_, err := c.nc.Write([]byte{0})
		require.Error(t, err)
	})
}

func TestStopRestart(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	addr := s.Addr()
	c := connect(t, s)
	c.monitor("1001")
	require.NoError(t, s.Stop())
	assert.False(t, s.Running())
	c.closed()
	_, err := net.Dial("tcp", addr)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	l, _ := p.Line("1001")
	assert.Zero(t, l.Monitors)

	require.NoError(t, s.Restart())
	assert.True(t, s.Running())
	assert.Equal(t, addr, s.Addr())
	c = connect(t, s)
	require.NoError(t, s.Restart()) // a running endpoint is bounced
	c.closed()
	connect(t, s).ok(&csta.RequestSystemStatus{})

	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Stop(), ErrClosed)
	require.ErrorIs(t, s.Restart(), ErrClosed)
	_, err = s.Dial(context.Background(), "tcp", addr)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
}

func TestClearFaults(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	require.NoError(t, s.RefuseConnections(true))
	s.StallHeartbeats(true)
	s.Stall(true)
	s.DelayResponses(1)
	s.DropResponses(3)
	p.Reset()
	assert.Equal(t, Faults{}, s.Faults())
	connect(t, s).ok(&csta.RequestSystemStatus{})
}

// TestMalformedRequestsAnswered checks that a request the PBX cannot read
// (a required element missing) gets a negative answer rather than silence,
// so a client under test fails at once instead of timing out.
func TestMalformedRequestsAnswered(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	c := dialTCP(t, s.Addr())
	answer := func(id int, body string) csta.Message {
		t.Helper()
		require.NoError(t, writeRaw(c, id, []byte(body)))
		f := c.frame()
		require.Equal(t, id, f.InvokeID)
		m, err := csta.Decode(f.Body)
		require.NoError(t, err)
		return m
	}
	// Before the session: refused like any other request.
	m := answer(1, `<MonitorStart xmlns="`+csta.NamespaceEd3+`"/>`)
	require.IsType(t, &csta.CSTAErrorCode{}, m)
	assert.ErrorIs(t, m.(*csta.CSTAErrorCode).Err(), csta.ErrSecurity)
	// A StartApplicationSession without applicationInfo.
	m = answer(2, `<StartApplicationSession xmlns="`+csta.NamespaceACSE+`"><requestedProtocolVersions><protocolVersion>`+csta.NamespaceEd3+`</protocolVersion></requestedProtocolVersions></StartApplicationSession>`)
	require.IsType(t, &csta.StartApplicationSessionNegResponse{}, m)
	assert.Equal(t, csta.NamespaceACSE, m.MessageHeader().Namespace)

	c.start(csta.NamespaceEd3)
	// In SOAP, answered in SOAP.
	m = answer(3, `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:csta="`+csta.NamespaceEd4+`"><SOAP-ENV:Body><csta:AnswerCall/></SOAP-ENV:Body></SOAP-ENV:Envelope>`)
	require.IsType(t, &csta.CSTAErrorCode{}, m)
	assert.ErrorIs(t, m.(*csta.CSTAErrorCode).Err(), errInvalidParameterValue)
	assert.True(t, m.MessageHeader().SOAP)
	assert.Equal(t, csta.NamespaceEd4, m.MessageHeader().Namespace)
	// A malformed event or response from the client is still ignored.
	require.NoError(t, writeRaw(c, framing.EventInvokeID, []byte(`<DeliveredEvent xmlns="`+csta.NamespaceEd3+`"/>`)))
	require.NoError(t, writeRaw(c, 4, []byte(`<MakeCallResponse xmlns="`+csta.NamespaceEd3+`"/>`)))
	c.quiet()
}

// TestClientNotReading: a client that stops reading holds up nobody else,
// and is disconnected after WriteTimeout although its queue is far from
// full.
func TestClientNotReading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, s := inMemory(t, PBXConfig{}, ServerConfig{WriteTimeout: 5 * time.Second})
		stuck := pipeSession(t, s)
		stuck.monitor("1001")
		other := pipeSession(t, s)
		other.monitor("1002")

		// stuck reads nothing more: the events of this call block its
		// writer.
		_, err := p.Call("2000", "1001")
		require.NoError(t, err)
		synctest.Wait()
		start := time.Now()

		// The other client is served meanwhile, at once.
		_, ok := other.do(&csta.RequestSystemStatus{}).(*csta.RequestSystemStatusResponse)
		assert.True(t, ok)
		_, err = p.Call("2000", "1002")
		require.NoError(t, err)
		assert.Equal(t, "DeliveredEvent", other.event().MessageName())
		assert.Zero(t, time.Since(start))
		assert.Equal(t, 2, s.Connections())

		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		require.NoError(t, s.WaitConnections(ctx, 1), "the client that does not read is disconnected")
		assert.Equal(t, 5*time.Second, time.Since(start))
		st := s.Stats()
		assert.Equal(t, uint64(1), st.WriteTimeouts)
		assert.Zero(t, st.Overflows)
		_, ok = other.do(&csta.RequestSystemStatus{}).(*csta.RequestSystemStatusResponse)
		assert.True(t, ok, "the other client is still served")
	})
}
