package ctitest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

func TestApplicationSession(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})

	t.Run("requests before the session are refused", func(t *testing.T) {
		c := dialTCP(t, s.Addr())
		c.fails(&csta.RequestSystemStatus{}, csta.ErrSecurity)
		c.fails(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}}, csta.ErrSecurity)
		r := c.do(&csta.ResetApplicationSessionTimer{SessionID: "x"})
		assert.Equal(t, csta.SessionInvalidSessionID, r.(*csta.ResetApplicationSessionTimerNegResponse).ErrorCode.Defined)
		c.start(csta.NamespaceEd3)
		c.ok(&csta.RequestSystemStatus{})
	})

	t.Run("editions", func(t *testing.T) {
		// A vendor version (Avaya's ".../ed3/privN") is another dialect's.
		c := dialTCP(t, s.Addr())
		_ = c.do(&csta.StartApplicationSession{ApplicationID: "t", RequestedProtocolVersions: []string{csta.NamespaceEd3 + "/priv1"}}).(*csta.StartApplicationSessionNegResponse)
		for _, ns := range []string{csta.NamespaceEd3, csta.NamespaceEd4, csta.NamespaceEd5, csta.NamespaceEd6} {
			c := dialTCP(t, s.Addr())
			resp := c.do(&csta.StartApplicationSession{
				ApplicationID:             "t",
				RequestedProtocolVersions: []string{"urn:other", ns},
			}).(*csta.StartApplicationSessionPosResponse)
			assert.Equal(t, ns, resp.ActualProtocolVersion)
			assert.Equal(t, int(DefaultSessionDuration.Seconds()), resp.ActualSessionDuration)
			assert.NotEmpty(t, resp.SessionID)
			assert.Equal(t, csta.NamespaceACSE, resp.Namespace)
			c.session, c.ns = resp.SessionID, ns

			// Answers and events come in the namespace the request used.
			c.monitor("1004")
			st := c.ok(&csta.RequestSystemStatus{}).(*csta.RequestSystemStatusResponse)
			assert.Equal(t, csta.SystemNormal, st.SystemStatus)
			assert.Equal(t, ns, st.Namespace)
			id, err := p.Call("2000", "1004")
			require.NoError(t, err)
			ev := c.expect("Delivered 1004 alerting newCall")[0]
			assert.Equal(t, ns, ev.MessageHeader().Namespace)
			c.ns = csta.NamespaceEd3
			e := c.do(&csta.MonitorStop{MonitorCrossRefID: "nope"}).(*csta.CSTAErrorCode)
			assert.Equal(t, csta.NamespaceEd3, e.Namespace)
			require.NoError(t, p.Hangup(id, ""))
		}
	})

	t.Run("unsupported version", func(t *testing.T) {
		c := dialTCP(t, s.Addr())
		r := c.do(&csta.StartApplicationSession{ApplicationID: "t", RequestedProtocolVersions: []string{csta.NamespaceEd2}})
		assert.Equal(t, csta.SessionProtocolVersionNotSupported, r.(*csta.StartApplicationSessionNegResponse).ErrorCode.Defined)
	})

	t.Run("no namespace", func(t *testing.T) {
		c := dialTCP(t, s.Addr())
		// A real server answers in its own namespace, not in none.
		r := c.do(&csta.StartApplicationSession{Header: csta.Header{NoNamespace: true}, ApplicationID: "t", RequestedProtocolVersions: []string{csta.NamespaceEd4}})
		assert.False(t, r.MessageHeader().NoNamespace)
		assert.Equal(t, csta.NamespaceACSE, r.MessageHeader().Namespace)
		c.session = r.(*csta.StartApplicationSessionPosResponse).SessionID
		c.ns = ""
		st := c.do(&csta.RequestSystemStatus{Header: csta.Header{NoNamespace: true}})
		assert.Equal(t, csta.NamespaceEd4, st.MessageHeader().Namespace, "the negotiated edition")
	})

	t.Run("second start, reset, stop", func(t *testing.T) {
		c := connect(t, s)
		r := c.do(&csta.StartApplicationSession{ApplicationID: "t", RequestedProtocolVersions: []string{csta.NamespaceEd3}})
		assert.NotEmpty(t, r.(*csta.StartApplicationSessionNegResponse).ErrorCode.Application)
		reset := c.ok(&csta.ResetApplicationSessionTimer{SessionID: c.session, RequestedSessionDuration: 120}).(*csta.ResetApplicationSessionTimerPosResponse)
		assert.Equal(t, 120, reset.ActualSessionDuration)
		neg := c.do(&csta.ResetApplicationSessionTimer{SessionID: "other"}).(*csta.ResetApplicationSessionTimerNegResponse)
		assert.Equal(t, csta.SessionInvalidSessionID, neg.ErrorCode.Defined)
		stopNeg := c.do(&csta.StopApplicationSession{SessionID: "other"}).(*csta.StopApplicationSessionNegResponse)
		assert.Equal(t, csta.SessionInvalidSessionID, stopNeg.ErrorCode.Defined)
		c.monitor("1001")
		c.ok(&csta.StopApplicationSession{SessionID: c.session})
		c.closed()
		require.NoError(t, s.WaitConnections(context.Background(), 0))
		line, _ := p.Line("1001")
		assert.Equal(t, 0, line.Monitors)
	})

	t.Run("no session required", func(t *testing.T) {
		s2 := serve(t, p, ServerConfig{NoSession: true})
		c := dialTCP(t, s2.Addr())
		c.ok(&csta.RequestSystemStatus{})
		c.monitor("1001")
	})
}
