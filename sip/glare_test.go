package sip

import (
	"fmt"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sendRefreshRequest sends a re-INVITE or UPDATE of the client's asking
// refresher=uas, with the Allow header allow, and returns its Via header
// (for the ACK to a non-2xx).
func (d *rawDialog) sendRefreshRequest(method sipmsg.RequestMethod, interval, allow string) string {
	h := d.headers(string(method))
	h = append(h, d.p.contact(""), "Supported: timer", "Session-Expires: "+interval+";refresher=uas", allow)
	d.p.send(string(method)+" "+d.uri+" SIP/2.0", h, "")
	return h[0]
}

// ackFailure acknowledges a non-2xx final response to the client's
// re-INVITE sent with via (RFC 3261 section 17.1.1.3: the INVITE's branch).
func (d *rawDialog) ackFailure(via string, res *sipmsg.Response) {
	d.p.send("ACK "+d.uri+" SIP/2.0", []string{
		via,
		"Max-Forwards: 70",
		"From: " + res.From().Value(),
		"To: " + res.To().Value(),
		"Call-ID: " + d.callID,
		fmt.Sprintf("CSeq: %d ACK", d.cseq),
	}, "")
}

// finalTo returns the next final response to method, skipping provisional
// responses and retransmissions (over UDP) of the server's pending request
// pending.
func finalTo(p *rawPeer, method sipmsg.RequestMethod, pending *sipmsg.Request) *sipmsg.Response {
	p.t.Helper()
	for range 64 {
		m := p.next()
		if req, ok := m.(*sipmsg.Request); ok && pending != nil && req.Method == pending.Method &&
			req.CSeq().SeqNo == pending.CSeq().SeqNo {
			continue
		}
		res, ok := m.(*sipmsg.Response)
		require.True(p.t, ok, "expected a response to %s, got %s", method, firstLine(m))
		if res.IsProvisional() {
			continue
		}
		require.Equal(p.t, method, res.CSeq().MethodName, res.StartLine())
		return res
	}
	p.t.Fatalf("no final response to %s", method)
	return nil
}

// TestRefreshGlare: a re-INVITE or UPDATE of the client's that crosses the
// server's own refresh request in the dialog gets 491 Request Pending (RFC
// 3261 section 14.2, RFC 3311 section 5.2); the server's refresh, answered
// afterwards, succeeds, the dialog stays up and the client's next refresh
// gets 200.
func TestRefreshGlare(t *testing.T) {
	for _, c := range []struct {
		name           string
		allow          string
		server, client sipmsg.RequestMethod
	}{
		{"re-INVITE crosses re-INVITE", "Allow: INVITE, ACK, BYE, INFO", sipmsg.INVITE, sipmsg.INVITE},
		{"UPDATE crosses UPDATE", "Allow: INVITE, ACK, BYE, INFO, UPDATE", sipmsg.UPDATE, sipmsg.UPDATE},
		{"re-INVITE crosses UPDATE", "Allow: INVITE, ACK, BYE, INFO, UPDATE", sipmsg.UPDATE, sipmsg.INVITE},
		{"UPDATE crosses re-INVITE", "Allow: INVITE, ACK, BYE, INFO", sipmsg.INVITE, sipmsg.UPDATE},
	} {
		for _, tr := range transports {
			t.Run(c.name+"/"+tr, func(t *testing.T) {
				ts := startServer(t, ServerConfig{SessionExpires: 2 * time.Second, MinSE: time.Second})
				p, d, sess := refreshPeer(t, ts, tr, c.allow)

				// The server's refresh arrives; before answering it the
				// client sends its own.
				ours := p.request(c.server)
				via := d.sendRefreshRequest(c.client, "2", c.allow)
				res := finalTo(p, c.client, ours)
				assert.Equal(t, 491, res.StatusCode, res.StartLine())
				if c.client == sipmsg.INVITE {
					d.ackFailure(via, res)
				}

				// The client answers the server's refresh: it succeeds.
				p.answer(ours, 200, "OK", "Contact: <sip:alice@"+p.local+">", "Session-Expires: 2;refresher=uac", "Require: timer")
				if c.server == sipmsg.INVITE {
					for {
						m := p.next()
						if req, ok := m.(*sipmsg.Request); ok && req.Method == sipmsg.INVITE && req.CSeq().SeqNo == ours.CSeq().SeqNo {
							continue // a retransmission that crossed the 200 (UDP)
						}
						req, ok := m.(*sipmsg.Request)
						require.True(t, ok, "expected the ACK, got %s", firstLine(m))
						require.Equal(t, sipmsg.ACK, req.Method, firstLine(m))
						assert.Equal(t, ours.CSeq().SeqNo, req.CSeq().SeqNo)
						break
					}
				}

				// The 200 to an UPDATE has no ACK to wait for: wait until the
				// server has taken it (its refresh no longer pending).
				srvDialog := ts.dialogByTag(t, d.toTag)
				waitFor(t, "the server's refresh answered", func() bool {
					srvDialog.mu.Lock()
					defer srvDialog.mu.Unlock()
					return srvDialog.ownRefresh == ""
				})

				// The client's next refresh gets 200.
				d.sendRefreshRequest(c.client, "2", c.allow)
				res = finalTo(p, c.client, nil)
				require.Equal(t, 200, res.StatusCode, res.StartLine())
				assert.Equal(t, "2;refresher=uas", header(res, "Session-Expires"))
				if c.client == sipmsg.INVITE {
					d.ack()
				}

				// The dialog is up, and the server goes on refreshing it.
				next := p.request(c.server)
				p.answer(next, 200, "OK", "Contact: <sip:alice@"+p.local+">", "Session-Expires: 2;refresher=uac", "Require: timer")
				if c.server == sipmsg.INVITE {
					p.request(sipmsg.ACK)
				}
				assert.Equal(t, int32(0), sess.closeN.Load())
				assert.Equal(t, 1, ts.Stats().Dialogs)
			})
		}
	}
}

// TestNoServerRefreshDuringClientReinvite: the server does not start its
// refresh while a re-INVITE of the client's is in progress (RFC 3261
// section 14.1), here a 2xx the client has not acknowledged yet; it sends
// it once the ACK has come.
func TestNoServerRefreshDuringClientReinvite(t *testing.T) {
	old := glareMax
	glareMax = 100 * time.Millisecond
	t.Cleanup(func() { glareMax = old })
	ts := startServer(t, ServerConfig{SessionExpires: 6 * time.Second, MinSE: time.Second})
	p := dialRaw(t, ts, "tcp")
	p.manualBye.Store(true)
	t.Cleanup(func() { p.manualBye.Store(false) })
	d := p.open("Session-Expires: 6;refresher=uas", "Allow: INVITE, ACK, BYE, INFO")
	sess := ts.handler.session(t, 0)

	d.sendRefreshRequest(sipmsg.INVITE, "6", "Allow: INVITE, ACK, BYE, INFO")
	res := p.response(sipmsg.INVITE)
	require.Equal(t, 200, res.StatusCode, res.StartLine())
	// No ACK yet. The server's refresh falls due (it asks the session
	// first) and is held back.
	waitFor(t, "the server's refresh due", func() bool { return sess.refreshed.Load() >= 2 })
	p.none(300 * time.Millisecond)
	d.ack()
	inv := p.request(sipmsg.INVITE)
	assert.Greater(t, inv.CSeq().SeqNo, uint32(0))
	assert.True(t, strings.HasPrefix(header(inv, "Session-Expires"), "6;"), header(inv, "Session-Expires"))
	p.answer(inv, 200, "OK", "Contact: <sip:alice@"+p.local+">")
	p.request(sipmsg.ACK)
	assert.Equal(t, int32(0), sess.closeN.Load())
}

// dialogByTag returns the server's dialog whose tag is tag.
func (ts *testServer) dialogByTag(t *testing.T, tag string) *dialog {
	t.Helper()
	ts.mu.Lock()
	d := ts.dialogs[tag]
	ts.mu.Unlock()
	require.NotNil(t, d, "no dialog with tag %q", tag)
	return d
}
