package sip

import (
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRefresherNegotiation checks Table 2 of RFC 4028 section 9 on the
// INVITE's 2xx: who refreshes, and Require: timer only for a client that
// supports timers.
func TestRefresherNegotiation(t *testing.T) {
	ts := startServer(t, ServerConfig{SessionExpires: 600 * time.Second, MinSE: 90 * time.Second})
	for _, c := range []struct {
		name    string
		headers []string
		se      string
		require string
	}{
		{"no timer support, no Session-Expires", nil, "600;refresher=uas", ""},
		{"no timer support, Session-Expires from a proxy", []string{"Session-Expires: 90"}, "90;refresher=uas", ""},
		{"no timer support, refresher=uac asked", []string{"Session-Expires: 90;refresher=uac"}, "90;refresher=uas", ""},
		{"timer, no refresher (Communicator, pidgin-sipe)", []string{"Supported: timer"}, "600;refresher=uac", "timer"},
		{"timer, Session-Expires without refresher", []string{"Supported: timer", "Session-Expires: 1800"}, "600;refresher=uac", "timer"},
		{"timer, refresher=uac", []string{"Supported: timer", "Session-Expires: 300;refresher=uac"}, "300;refresher=uac", "timer"},
		{"timer, refresher=uas", []string{"Supported: timer", "Session-Expires: 300;refresher=uas"}, "300;refresher=uas", "timer"},
		{"Require: timer, refresher=uas", []string{"Require: timer", "Session-Expires: 300;refresher=uas"}, "300;refresher=uas", "timer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := dialRaw(t, ts, "tcp")
			d := p.inviteWith(p.contact(""), append([]string{"Content-Disposition: signal;handling=required"}, c.headers...), rssBody)
			res := p.response(sipmsg.INVITE)
			require.Equal(t, 200, res.StatusCode)
			assert.Equal(t, c.se, header(res, "Session-Expires"))
			assert.Equal(t, c.require, header(res, "Require"))
			d.toTag, _ = res.To().Params.Get("tag")
			d.ack()
		})
	}
}

// refreshPeer opens a dialog that makes the server the refresher.
func refreshPeer(t *testing.T, ts *testServer, tr string, extra ...string) (*rawPeer, *rawDialog, *fakeSession) {
	t.Helper()
	p := dialRaw(t, ts, tr)
	p.manualBye.Store(true)
	t.Cleanup(func() { p.manualBye.Store(false) }) // before the server shuts down
	d := p.open(append([]string{"Session-Expires: 2;refresher=uas"}, extra...)...)
	require.Equal(t, "2;refresher=uas", header(d.ok, "Session-Expires"))
	return p, d, ts.handler.session(t, ts.handler.count()-1)
}

// TestServerRefreshesWithUpdate: a client that asks refresher=uas and
// allows UPDATE is refreshed with UPDATE at half the interval, and its
// dialog lives as long as the refreshes succeed.
func TestServerRefreshesWithUpdate(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{SessionExpires: 2 * time.Second, MinSE: time.Second})
			p, d, sess := refreshPeer(t, ts, tr, "Allow: INVITE, ACK, BYE, INFO, UPDATE")
			start := time.Now()
			for range 3 {
				upd := p.request(sipmsg.UPDATE)
				assert.Equal(t, "2;refresher=uac", header(upd, "Session-Expires"))
				assert.Equal(t, "timer", header(upd, "Supported"))
				ft, _ := upd.From().Params.Get("tag")
				assert.Equal(t, d.toTag, ft)
				assert.Empty(t, upd.Body())
				p.answer(upd, 200, "OK", "Session-Expires: 2;refresher=uac", "Require: timer")
			}
			assert.Greater(t, time.Since(start), 2*time.Second, "the dialog outlived its interval")
			assert.Equal(t, int32(0), sess.closeN.Load())
			assert.Equal(t, 1, ts.Stats().Dialogs)
			assert.GreaterOrEqual(t, sess.refreshed.Load(), int32(3), "the session is asked before each refresh")
		})
	}
}

// TestServerRefreshesWithReinvite: a client that does not allow UPDATE is
// refreshed with a re-INVITE without body, whose 2xx the server
// acknowledges; an UPDATE refused 405 falls back to re-INVITE.
func TestServerRefreshesWithReinvite(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{SessionExpires: 2 * time.Second, MinSE: time.Second})
			p, _, sess := refreshPeer(t, ts, tr, "Allow: INVITE, ACK, BYE, INFO")
			for range 2 {
				inv := p.request(sipmsg.INVITE)
				assert.Empty(t, inv.Body())
				assert.Equal(t, "2;refresher=uac", header(inv, "Session-Expires"))
				p.answer(inv, 200, "OK", "Contact: <sip:alice@"+p.local+">")
				ack := p.request(sipmsg.ACK)
				assert.Equal(t, inv.CSeq().SeqNo, ack.CSeq().SeqNo)
				assert.Equal(t, inv.CallID().Value(), ack.CallID().Value())
			}
			assert.Equal(t, int32(0), sess.closeN.Load())
		})
	}
}

// TestUpdateRefusedFallsBackToReinvite: an UPDATE refused as not allowed
// is followed at once by a re-INVITE, and UPDATE is not tried again.
func TestUpdateRefusedFallsBackToReinvite(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{SessionExpires: 2 * time.Second, MinSE: time.Second})
			q, _, _ := refreshPeer(t, ts, tr, "Allow: INVITE, ACK, BYE, INFO, UPDATE")
			upd := q.request(sipmsg.UPDATE)
			q.answer(upd, 405, "Method Not Allowed", "Allow: INVITE, ACK, BYE, INFO")
			inv := q.request(sipmsg.INVITE)
			q.answer(inv, 200, "OK")
			q.request(sipmsg.ACK)
			assert.Equal(t, sipmsg.INVITE, q.request(sipmsg.INVITE).Method, "UPDATE is not tried again")
		})
	}
}

// TestFailedServerRefreshEndsTheDialog: a refresh of the server's that
// gets 481, 408 or no answer ends the dialog with BYE (RFC 4028 section
// 10), whose Reason says so; another failure does not.
func TestFailedServerRefreshEndsTheDialog(t *testing.T) {
	old := refreshTimeout
	refreshTimeout = 1500 * time.Millisecond
	t.Cleanup(func() { refreshTimeout = old })
	ts := startServer(t, ServerConfig{SessionExpires: 4 * time.Second, MinSE: time.Second})
	for _, c := range []struct {
		answer int
		reason string
	}{
		{481, `SIP;cause=481;text="session refresh failed"`},
		{408, `SIP;cause=408;text="session refresh failed"`},
		{0, `SIP;cause=408;text="session refresh failed"`},
	} {
		p := dialRaw(t, ts, "tcp")
		p.manualBye.Store(true)
		p.open("Session-Expires: 4;refresher=uas", "Allow: UPDATE")
		sess := ts.handler.session(t, ts.handler.count()-1)
		upd := p.request(sipmsg.UPDATE)
		if c.answer != 0 {
			p.answer(upd, c.answer, statusText(c.answer))
		}
		bye := p.request(sipmsg.BYE)
		assert.Equal(t, c.reason, header(bye, "Reason"))
		p.answer(bye, 200, "OK")
		assert.ErrorIs(t, sess.waitClosed(t), ErrRefreshFailed)
	}

	// A 500 leaves the dialog up; the server tries again.
	p := dialRaw(t, ts, "tcp")
	p.manualBye.Store(true)
	p.open("Session-Expires: 4;refresher=uas", "Allow: UPDATE")
	sess := ts.handler.session(t, ts.handler.count()-1)
	p.answer(p.request(sipmsg.UPDATE), 500, "Server Internal Error")
	p.answer(p.request(sipmsg.UPDATE), 200, "OK")
	assert.Equal(t, int32(0), sess.closeN.Load())
	p.manualBye.Store(false)
}

// TestUpdateFromTheClientRefreshes: an UPDATE from the client is a session
// refresh too, and can make the server the refresher.
func TestUpdateFromTheClientRefreshes(t *testing.T) {
	ts := startServer(t, ServerConfig{SessionExpires: 2 * time.Second, MinSE: time.Second})
	p := dialRaw(t, ts, "tcp")
	p.manualBye.Store(true)
	d := p.open()
	sess := ts.handler.session(t, 0)
	p.send("UPDATE "+d.uri+" SIP/2.0", append(d.headers("UPDATE"), p.contact(""), "Supported: timer",
		"Session-Expires: 2;refresher=uas", "Allow: UPDATE"), "")
	res := p.response(sipmsg.UPDATE)
	require.Equal(t, 200, res.StatusCode)
	assert.Equal(t, "2;refresher=uas", header(res, "Session-Expires"))
	assert.Equal(t, "timer", header(res, "Require"))
	assert.Contains(t, header(res, "Allow"), "UPDATE")
	assert.Equal(t, int32(1), sess.refreshed.Load())
	p.answer(p.request(sipmsg.UPDATE), 200, "OK")
	p.manualBye.Store(false)
}

// TestStaleSessionAtServerRefresh: when the server is the refresher and
// its session refuses the refresh as stale, the server ends the dialog
// with BYE instead of refreshing it.
func TestStaleSessionAtServerRefresh(t *testing.T) {
	ts := startServer(t, ServerConfig{SessionExpires: 2 * time.Second, MinSE: time.Second})
	p, _, sess := refreshPeer(t, ts, "tcp", "Allow: UPDATE")
	stale := func() error { return &RefusalError{Status: 481} }
	sess.refreshHook.Store(&stale)
	bye := p.request(sipmsg.BYE)
	assert.Equal(t, `SIP;cause=503;text="CTI connection lost"`, header(bye, "Reason"))
	p.answer(bye, 200, "OK")
	assert.ErrorIs(t, sess.waitClosed(t), ErrEnded)
}
