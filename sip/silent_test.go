package sip

import (
	"fmt"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

// nextEventCSeq returns the CSeq of the next event INFO the peer gets,
// skipping retransmissions (UDP) of those already seen and answering
// nothing.
func nextEventCSeq(t *testing.T, p *rawPeer, seen map[uint32]bool) (uint32, csta.CallID) {
	t.Helper()
	for {
		req := p.request(sipmsg.INFO)
		n := req.CSeq().SeqNo
		if seen[n] {
			continue
		}
		seen[n] = true
		m, err := csta.Decode(req.Body())
		require.NoError(t, err)
		return n, m.(*csta.DeliveredEvent).Connection.CallID
	}
}

// TestSilentClientKeepsItsEvents: a client that never answers an event
// INFO (pidgin-sipe) but refreshes its session keeps getting its events,
// in order, long after MaxEventTimeouts of them went unanswered; its
// dialog ends only when it stops refreshing.
func TestSilentClientKeepsItsEvents(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{SessionExpires: 4 * time.Second, MinSE: time.Second,
				EventTimeout: 200 * time.Millisecond, MaxEventTimeouts: 2})
			p := dialRaw(t, ts, tr)
			p.manualBye.Store(true)
			d := p.open() // Supported: timer without refresher: the client refreshes
			sess := ts.handler.session(t, 0)
			seen := map[uint32]bool{}
			next := 0
			refresh := func() {
				p.send("INVITE "+d.uri+" SIP/2.0", append(d.headers("INVITE"), p.contact(""), "Supported: timer",
					"Content-Type: application/csta+xml"), rssBody)
				for {
					m := p.next()
					if res, ok := m.(*sipmsg.Response); ok && res.CSeq().MethodName == sipmsg.INVITE && !res.IsProvisional() {
						require.Equal(t, 200, res.StatusCode)
						break
					}
					if req, ok := m.(*sipmsg.Request); ok && req.Method == sipmsg.INFO {
						seen[req.CSeq().SeqNo] = true // an event meanwhile: not answered either
						next++
					}
				}
				d.ack()
			}
			// Four rounds over more than the session interval (4 s):
			// events go out unanswered, the client refreshes.
			last := uint32(0)
			for round := range 4 {
				for i := range 8 {
					require.NoError(t, sess.req.Events.SendEvent(event(round*8+i, "m1")))
				}
				for range 8 {
					cseq, _ := nextEventCSeq(t, p, seen)
					assert.Greater(t, cseq, last, "in order")
					last = cseq
				}
				time.Sleep(600 * time.Millisecond) // the events' timeouts run out
				refresh()
				time.Sleep(600 * time.Millisecond)
			}
			assert.Equal(t, int32(0), sess.closeN.Load(), "alive while it refreshes")
			assert.Equal(t, 1, ts.Stats().Dialogs)
			assert.Equal(t, uint64(32), ts.Stats().EventsFailed)

			// It stops refreshing: the session timer ends it.
			bye := p.request(sipmsg.BYE)
			assert.Equal(t, `SIP;cause=408;text="session timer expired"`, header(bye, "Reason"))
			p.answer(bye, 200, "OK")
			assert.ErrorIs(t, sess.waitClosed(t), ErrExpired)
		})
	}
}

// TestAnsweringClientThatGoesSilent: a client that has answered events and
// then stops is ended after MaxEventTimeouts unanswered, as before; its
// events are not pipelined.
func TestAnsweringClientThatGoesSilent(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{EventTimeout: 300 * time.Millisecond, MaxEventTimeouts: 2})
			p := dialRaw(t, ts, tr)
			p.manualBye.Store(true)
			p.open()
			sess := ts.handler.session(t, 0)
			require.NoError(t, sess.req.Events.SendEvent(event(1, "m1")))
			p.answer(p.request(sipmsg.INFO), 200, "OK")
			for i := 2; i <= 4; i++ {
				require.NoError(t, sess.req.Events.SendEvent(event(i, "m1")))
			}
			seen := map[uint32]bool{}
			_, id := nextEventCSeq(t, p, seen)
			assert.Equal(t, csta.CallID("2"), id)
			_, id = nextEventCSeq(t, p, seen)
			assert.Equal(t, csta.CallID("3"), id, "sent only after the previous one timed out")
			var bye *sipmsg.Request
			for bye == nil {
				m := p.next()
				if r, ok := m.(*sipmsg.Request); ok && r.Method == sipmsg.BYE {
					bye = r
				} else if ok && r.Method == sipmsg.INFO {
					require.True(t, seen[r.CSeq().SeqNo], "no event after the second timeout: %s", fmt.Sprint(r.CSeq().SeqNo))
				}
			}
			assert.Equal(t, `SIP;cause=408;text="events undeliverable: no answer"`, header(bye, "Reason"))
			p.answer(bye, 200, "OK")
			assert.ErrorIs(t, sess.waitClosed(t), ErrEventTimeouts)
		})
	}
}

// TestSilentClientWhoseConnectionFails: a client that never answers events
// over TCP is dead once its connection has failed.
func TestSilentClientWhoseConnectionFails(t *testing.T) {
	ts := startServer(t, ServerConfig{EventTimeout: 200 * time.Millisecond, MaxEventTimeouts: 2})
	p := dialRaw(t, ts, "tcp")
	p.open()
	sess := ts.handler.session(t, 0)
	seen := map[uint32]bool{}
	require.NoError(t, sess.req.Events.SendEvent(event(1, "m1")))
	nextEventCSeq(t, p, seen)
	time.Sleep(500 * time.Millisecond) // unanswered: the dialog is pipelined now
	require.NoError(t, sess.req.Events.SendEvent(event(2, "m1")))
	nextEventCSeq(t, p, seen)
	p.conn.Close()
	waitFor(t, "connection noticed", func() bool {
		// Each event tries the connection (or the Contact, where nobody
		// listens) and fails at once.
		_ = sess.req.Events.SendEvent(event(3, "m1"))
		return sess.closeN.Load() > 0
	})
	assert.ErrorIs(t, sess.waitClosed(t), ErrConnectionFailed)
}

// TestSilentClientBehindAProxy: a proxy in front of a client that never
// answers events (OCS in front of pidgin-sipe) answers them 408 itself;
// that is no answer of the client's, and the client keeps its events while
// it refreshes.
func TestSilentClientBehindAProxy(t *testing.T) {
	ts := startServer(t, ServerConfig{EventTimeout: 300 * time.Millisecond, MaxEventTimeouts: 2})
	p := dialRaw(t, ts, "tcp")
	p.open()
	sess := ts.handler.session(t, 0)
	for i := range 6 {
		require.NoError(t, sess.req.Events.SendEvent(event(i, "m1")))
		req := p.request(sipmsg.INFO)
		m, err := csta.Decode(req.Body())
		require.NoError(t, err)
		assert.Equal(t, csta.CallID(fmt.Sprint(i)), m.(*csta.DeliveredEvent).Connection.CallID)
		p.answer(req, 408, "Request Timeout")
	}
	waitFor(t, "answers taken", func() bool { return ts.Stats().EventsFailed == 6 })
	assert.Equal(t, int32(0), sess.closeN.Load(), "not ended after MaxEventTimeouts 408s")
	assert.Equal(t, 1, ts.Stats().Dialogs)
}
