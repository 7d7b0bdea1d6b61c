package sip

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

func TestSessionTimerExpiryEndsDialogWithBye(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{SessionExpires: 2 * time.Second, MinSE: time.Second})
			p := dialRaw(t, ts, tr)
			p.manualBye.Store(true)
			d := p.open()
			assert.Equal(t, "2;refresher=uac", header(d.ok, "Session-Expires"))
			sess := ts.handler.session(t, 0)
			bye := p.request(sipmsg.BYE)
			assert.Equal(t, "sip:alice@"+p.local+map[string]string{"udp": "", "tcp": ";transport=tcp"}[tr], bye.Recipient.String())
			assert.Equal(t, `SIP;cause=408;text="session timer expired"`, header(bye, "Reason"))
			p.answer(bye, 200, "OK")
			assert.ErrorIs(t, sess.waitClosed(t), ErrExpired)
			waitFor(t, "dialog removed", func() bool { return ts.Stats().Dialogs == 0 })
			assert.Equal(t, 481, d.info(makeCallBody).StatusCode)
		})
	}
}

func TestCancelBeforeAnswer(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			entered := make(chan struct{})
			h := &fakeHandler{openHook: func(ctx context.Context, _ *OpenRequest) error {
				close(entered)
				<-ctx.Done()
				return nil // and return a session anyway: the server must close it
			}}
			ts := startServer(t, ServerConfig{Handler: h})
			p := dialRaw(t, ts, tr)
			d := p.invite(nil, rssBody)
			<-entered
			p.send("CANCEL "+d.uri+" SIP/2.0", []string{d.via, "Max-Forwards: 70",
				`From: "Alice" <sip:alice@example.com>;tag=` + d.fromTag + ";epid=bd23d94254",
				"To: <" + d.uri + ">", "Call-ID: " + d.callID, "CSeq: 1 CANCEL"}, "")
			assert.Equal(t, 200, p.response(sipmsg.CANCEL).StatusCode)
			res := p.response(sipmsg.INVITE)
			assert.Equal(t, 487, res.StatusCode)
			tag, _ := res.To().Params.Get("tag")
			p.send("ACK "+d.uri+" SIP/2.0", []string{d.via, "Max-Forwards: 70",
				`From: "Alice" <sip:alice@example.com>;tag=` + d.fromTag, "To: <" + d.uri + ">;tag=" + tag,
				"Call-ID: " + d.callID, "CSeq: 1 ACK"}, "")
			assert.ErrorIs(t, h.session(t, 0).waitClosed(t), ErrCanceled)
			assert.Equal(t, 0, ts.Stats().Dialogs)
			assert.Equal(t, uint64(1), ts.Stats().Requests["CANCEL"])
			p.none(300 * time.Millisecond)
		})
	}
}

func TestOptionsReportsReadiness(t *testing.T) {
	// The handler refuses the line as a session layer without a CTI
	// connection does.
	h := &fakeHandler{refuse: map[string]error{
		"tel:1001;phone-context=dialstring": &RefusalError{Status: 503, Reason: "No CTI connection: cti1 down", RetryAfter: 7 * time.Second},
	}}
	ts := startServer(t, ServerConfig{Handler: h, RetryAfter: 7 * time.Second})
	want := 0
	for _, tr := range transports {
		p := dialRaw(t, ts, tr)
		options := func() *sipmsg.Response {
			p.send("OPTIONS sip:cti@"+p.server+" SIP/2.0", []string{p.via(), "Max-Forwards: 70",
				"From: <sip:lb@example.com>;tag=lb", "To: <sip:cti@" + p.server + ">", "Call-ID: opt-" + fmt.Sprint(p.seq.Add(1)),
				"CSeq: 1 OPTIONS"}, "")
			return p.response(sipmsg.OPTIONS)
		}
		ts.handler.notReady.Store(false)
		res := options()
		assert.Equal(t, 200, res.StatusCode)
		assert.Contains(t, header(res, "Allow"), "INFO")
		ts.handler.notReady.Store(true)
		res = options()
		assert.Equal(t, 503, res.StatusCode)
		assert.Equal(t, "7", header(res, "Retry-After"))
		// A new INVITE still goes to the handler, which decides (and
		// can report) the refusal.
		p.invite(nil, rssBody)
		res = p.response(sipmsg.INVITE)
		assert.Equal(t, 503, res.StatusCode)
		assert.Equal(t, "7", header(res, "Retry-After"))
		want++
		assert.Equal(t, want, ts.handler.refused(), "Open was asked")
		assert.Equal(t, 0, ts.handler.count())
		ts.handler.notReady.Store(false)
	}
}

func TestEventInfoShape(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{})
			p := dialRaw(t, ts, tr)
			tp := map[string]string{"udp": "", "tcp": ";transport=tcp"}[tr]
			contactURI := "sip:alice@" + p.local + tp + ";ms-opaque=d3470f2e1d;ms-received-cid=1A00"
			routes := []string{
				"<sip:" + p.local + tp + ";lr;ms-role-rs-from;ms-route-sig=fsw3ylQ4X4vWNp2izAEQzWGw7NpJnQ1WDx_Z8P0wAA>;tag=F0F0",
				"<sip:ocs2.example.com:5061;transport=tls;lr>",
			}
			d := p.inviteWith("Contact: <"+contactURI+">;proxy=replace;+sip.instance=\"<urn:uuid:abc>\"",
				[]string{"Record-Route: " + routes[0], "Record-Route: " + routes[1], "Session-Expires: 300"}, rssBody)
			res := p.response(sipmsg.INVITE)
			require.Equal(t, 200, res.StatusCode)
			var rr []string
			for _, h := range res.GetHeaders("Record-Route") {
				rr = append(rr, h.Value())
			}
			assert.Equal(t, routes, rr, "Record-Route echoed exactly")
			assert.Empty(t, header(res, "Require"), "no Require: timer for a client without Supported: timer")
			d.toTag, _ = res.To().Params.Get("tag")
			d.ack()

			sess := ts.handler.session(t, 0)
			for i := range 3 {
				require.NoError(t, sess.req.Events.SendEvent(event(i, "m1")))
			}
			for i := range 3 {
				req := p.request(sipmsg.INFO)
				assert.Equal(t, contactURI, req.Recipient.String(), "Request-URI is the Contact, unknown parameters kept")
				var got []string
				for _, h := range req.GetHeaders("Route") {
					got = append(got, h.Value())
				}
				assert.Equal(t, routes, got, "Route set kept exactly")
				assert.Equal(t, "application/csta+xml", contentType(req))
				assert.Equal(t, "signal;handling=required", header(req, "Content-Disposition"))
				ft, _ := req.From().Params.Get("tag")
				tt, _ := req.To().Params.Get("tag")
				assert.Equal(t, d.toTag, ft)
				assert.Equal(t, d.fromTag, tt)
				ep, _ := req.To().Params.Get("epid")
				assert.Empty(t, ep)
				assert.Equal(t, uint32(2+i), req.CSeq().SeqNo)
				m, err := csta.Decode(req.Body())
				require.NoError(t, err)
				assert.Equal(t, csta.CallID(fmt.Sprint(i)), m.(*csta.DeliveredEvent).Connection.CallID)
				p.answer(req, 200, "OK")
			}
			waitFor(t, "events counted", func() bool { return ts.Stats().EventsSent == 3 })
		})
	}
}

func TestFailedEventKeepsDialog(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{EventTimeout: 300 * time.Millisecond, MaxEventTimeouts: 2})
			p := dialRaw(t, ts, tr)
			p.manualBye.Store(true)
			p.open()
			sess := ts.handler.session(t, 0)
			send := func(n int) *sipmsg.Request {
				require.NoError(t, sess.req.Events.SendEvent(event(n, "m1")))
				return p.request(sipmsg.INFO)
			}
			p.answer(send(1), 500, "Server Error")
			p.answer(send(2), 200, "OK")
			send(3) // unanswered: a timeout
			p.answer(send(4), 200, "OK")
			waitFor(t, "counts", func() bool { st := ts.Stats(); return st.EventsSent == 2 && st.EventsFailed == 2 })
			assert.Equal(t, 1, ts.Stats().Dialogs)
			assert.Equal(t, int32(0), sess.closeN.Load())

			// Two timeouts in a row end it with BYE.
			send(5)
			send(6)
			bye := p.request(sipmsg.BYE)
			assert.Equal(t, `SIP;cause=408;text="events undeliverable: no answer"`, header(bye, "Reason"))
			p.answer(bye, 200, "OK")
			assert.ErrorIs(t, sess.waitClosed(t), ErrEventTimeouts)
			assert.ErrorIs(t, sess.req.Events.SendEvent(event(7, "m1")), ErrDialogEnded)
		})
	}
}

func TestEvent481EndsDialog(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{})
			p := dialRaw(t, ts, tr)
			p.open()
			sess := ts.handler.session(t, 0)
			require.NoError(t, sess.req.Events.SendEvent(event(1, "m1")))
			require.NoError(t, sess.req.Events.SendEvent(event(2, "m1")))
			p.answer(p.request(sipmsg.INFO), 481, "Call/Transaction Does Not Exist")
			assert.ErrorIs(t, sess.waitClosed(t), ErrDialogGone)
			waitFor(t, "dialog removed", func() bool { return ts.Stats().Dialogs == 0 })
			p.none(300 * time.Millisecond) // neither the queued event nor a BYE
			assert.Equal(t, uint64(1), ts.Stats().EventsDropped)
		})
	}
}

func TestEventQueueFull(t *testing.T) {
	ts := startServer(t, ServerConfig{EventQueueSize: 2})
	p := dialRaw(t, ts, "tcp")
	p.open()
	sess := ts.handler.session(t, 0)
	require.NoError(t, sess.req.Events.SendEvent(event(1, "m1")))
	first := p.request(sipmsg.INFO) // in flight, no longer queued
	require.NoError(t, sess.req.Events.SendEvent(event(2, "m1")))
	require.NoError(t, sess.req.Events.SendEvent(event(3, "m1")))
	assert.ErrorIs(t, sess.req.Events.SendEvent(event(4, "m1")), ErrEventQueueFull)
	p.answer(first, 200, "OK")
	for range 2 {
		p.answer(p.request(sipmsg.INFO), 200, "OK")
	}
	waitFor(t, "sent", func() bool { return ts.Stats().EventsSent == 3 })
}

func TestEndSendsBye(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	p := dialRaw(t, ts, "udp")
	p.manualBye.Store(true)
	d := p.open()
	sess := ts.handler.session(t, 0)
	sess.req.Events.End("line removed")
	sess.req.Events.End("again")
	bye := p.request(sipmsg.BYE)
	ft, _ := bye.From().Params.Get("tag")
	assert.Equal(t, d.toTag, ft)
	assert.Equal(t, `SIP;cause=200;text="line removed"`, header(bye, "Reason"))
	p.answer(bye, 200, "OK")
	err := sess.waitClosed(t)
	assert.ErrorIs(t, err, ErrEnded)
	assert.Contains(t, err.Error(), "line removed")
	p.none(200 * time.Millisecond)
}

func TestLargeBodiesOverUDP(t *testing.T) {
	ts := startServer(t, ServerConfig{UDPMaxMessageSize: 8 << 10})
	p := dialRaw(t, ts, "udp")
	d := p.open()
	sess := ts.handler.session(t, 0)

	features, err := csta.Encode(&csta.GetCSTAFeaturesResponse{Features: csta.RCCFeatures()})
	require.NoError(t, err)
	res := d.info(`<GetCSTAFeatures xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"/>`)
	require.Equal(t, 200, res.StatusCode)
	assert.Equal(t, features, res.Body())
	assert.Greater(t, len(res.String()), 1300, "the response is over sipgo's default UDP limit")

	big := event(1, "m1")
	big.Extensions = &csta.Extensions{Private: []csta.RawXML{csta.RawXML("<x>" + strings.Repeat("y", 5000) + "</x>")}}
	require.NoError(t, sess.req.Events.SendEvent(big))
	info := p.request(sipmsg.INFO)
	assert.Greater(t, len(info.Body()), 5000)
	p.answer(info, 200, "OK")

	huge := event(2, "m1")
	huge.Extensions = &csta.Extensions{Private: []csta.RawXML{csta.RawXML("<x>" + strings.Repeat("y", 9000) + "</x>")}}
	assert.ErrorIs(t, sess.req.Events.SendEvent(huge), ErrEventTooLarge)

	sess.setHook(func(_ context.Context, m csta.Message) (csta.Message, error) {
		if _, ok := m.(*csta.SnapshotDevice); ok {
			return &csta.GetCSTAFeaturesResponse{Extensions: huge.Extensions}, nil
		}
		return nil, nil
	})
	res = d.info(`<SnapshotDevice xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><snapshotObject>tel:1001</snapshotObject></SnapshotDevice>`)
	assert.Equal(t, 500, res.StatusCode)
	assert.Equal(t, "Response Too Large For UDP", res.Reason)
}

func TestShutdownEndsDialogsAndRefusesNewOnes(t *testing.T) {
	ts := startServer(t, ServerConfig{RetryAfter: 5 * time.Second})
	p := dialRaw(t, ts, "udp")
	p.manualBye.Store(true)
	p.open()
	sess := ts.handler.session(t, 0)

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- ts.Shutdown(ctx)
	}()
	bye := p.request(sipmsg.BYE)
	assert.Equal(t, `SIP;cause=503;text="gateway shutting down"`, header(bye, "Reason"))
	assert.ErrorIs(t, sess.waitClosed(t), ErrServerClosed)

	q := dialRaw(t, ts, "tcp")
	q.invite(nil, rssBody)
	res := q.response(sipmsg.INVITE)
	assert.Equal(t, 503, res.StatusCode)
	assert.Equal(t, "5", header(res, "Retry-After"))
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned before the BYE was answered: %v", err)
	default:
	}
	p.answer(bye, 200, "OK")
	require.NoError(t, <-done)
	assert.Equal(t, 0, ts.Stats().Dialogs)
	assert.Equal(t, 1, ts.handler.count())
}

func TestRewriteContactSendsToTheSource(t *testing.T) {
	ts := startServer(t, ServerConfig{RewriteContact: true})
	p := dialRaw(t, ts, "udp")
	// The Contact names a port nobody listens on (a client behind NAT).
	d := p.inviteWith("Contact: <sip:alice@127.0.0.1:9;x=y>", nil, rssBody)
	res := p.response(sipmsg.INVITE)
	require.Equal(t, 200, res.StatusCode)
	d.toTag, _ = res.To().Params.Get("tag")
	d.ack()
	sess := ts.handler.session(t, 0)
	require.NoError(t, sess.req.Events.SendEvent(event(1, "m")))
	req := p.request(sipmsg.INFO)
	assert.Equal(t, "sip:alice@127.0.0.1:9;x=y", req.Recipient.String(), "the Request-URI is still the Contact")
	p.answer(req, 200, "OK")
	waitFor(t, "event answered", func() bool { return ts.Stats().EventsSent == 1 })
}

func TestUnknownRootGoesToTheSession(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	p := dialRaw(t, ts, "tcp")
	d := p.open()
	sess := ts.handler.session(t, 0)
	var seen atomic.Value
	sess.setHook(func(_ context.Context, m csta.Message) (csta.Message, error) {
		seen.Store(m)
		return nil, nil
	})
	res := d.info(`<FancyVendorRequest xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed4"><x>1</x></FancyVendorRequest>`)
	require.Equal(t, 200, res.StatusCode)
	u, ok := seen.Load().(*csta.Unknown)
	require.True(t, ok, "got %T", seen.Load())
	assert.Equal(t, "FancyVendorRequest", u.Name)
	// The session answered nothing specific: the fake's default is a
	// CSTAErrorCode, in the request's namespace.
	m, err := csta.Decode(res.Body())
	require.NoError(t, err)
	assert.Equal(t, csta.NamespaceEd4, m.MessageHeader().Namespace)
}

func TestEventsAndEndDuringOpenWaitForTheAnswer(t *testing.T) {
	h := &fakeHandler{openHook: func(_ context.Context, req *OpenRequest) error {
		req.Events.SendEvent(event(1, "m"))
		if req.Line == "tel:end" {
			req.Events.End("changed its mind")
		}
		return nil
	}}
	ts := startServer(t, ServerConfig{Handler: h})
	p := dialRaw(t, ts, "tcp")
	p.manualBye.Store(true)
	d := p.invite(nil, rssBody)
	res := p.response(sipmsg.INVITE) // the 200 OK comes first
	require.Equal(t, 200, res.StatusCode)
	d.toTag, _ = res.To().Params.Get("tag")
	d.ack()
	p.answer(p.request(sipmsg.INFO), 200, "OK")

	d = p.invite(nil, strings.Replace(rssBody, "tel:1001;phone-context=dialstring", "tel:end", 1))
	res = p.response(sipmsg.INVITE)
	require.Equal(t, 200, res.StatusCode)
	d.toTag, _ = res.To().Params.Get("tag")
	d.ack()
	// The queued event may or may not go out before the BYE; the BYE comes.
	for {
		m := p.next()
		if req, ok := m.(*sipmsg.Request); ok && req.Method == sipmsg.BYE {
			p.answer(req, 200, "OK")
			break
		}
	}
	err := h.session(t, 1).waitClosed(t)
	assert.ErrorIs(t, err, ErrEnded)
	p.manualBye.Store(false) // the shutdown's BYE for the first dialog
}

// TestEventsCausedByARequestFollowItsAnswer: events the session sends while
// it handles an INFO (a CTI server reports a MakeCall's first events as soon
// as it has answered) go out after the 200 OK to that INFO, so the client
// learns the call's ID before it sees the call's events.
func TestEventsCausedByARequestFollowItsAnswer(t *testing.T) {
	h := &fakeHandler{}
	ts := startServer(t, ServerConfig{Handler: h})
	for n, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			p := dialRaw(t, ts, transport)
			d := p.open()
			sess := h.session(t, n)
			sess.setHook(func(_ context.Context, m csta.Message) (csta.Message, error) {
				if _, ok := m.(*csta.MakeCall); ok {
					for i := 1; i <= 3; i++ {
						require.NoError(t, sess.req.Events.SendEvent(event(i, "m")))
					}
					// Give a sender, were one started, every chance to
					// overtake the answer.
					time.Sleep(20 * time.Millisecond)
				}
				return nil, nil
			})
			h := d.headers("INFO")
			h = append(h, "Content-Type: application/csta+xml")
			d.p.send("INFO "+d.uri+" SIP/2.0", h, makeCallBody)
			res, ok := p.next().(*sipmsg.Response)
			require.True(t, ok, "the answer to the INFO comes first")
			assert.Equal(t, 200, res.StatusCode)
			for i := 1; i <= 3; i++ {
				ev := p.request(sipmsg.INFO)
				assert.Contains(t, string(ev.Body()), fmt.Sprintf("<callID>%d</callID>", i))
				p.answer(ev, 200, "OK")
			}
		})
	}
}

// TestByeCarriesTheSessionLayersReason: a BYE for EventSink.End carries the
// session layer's reason in a Reason header (RFC 3326), in words.
func TestByeCarriesTheSessionLayersReason(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	for _, c := range []struct{ end, want string }{
		{"replaced", `SIP;cause=200;text="replaced by a new session"`},
		{"CTI monitor lost", `SIP;cause=503;text="CTI connection lost"`},
		{"event backlog", `SIP;cause=503;text="events undeliverable: event backlog"`},
		{"shutdown", `SIP;cause=503;text="gateway shutting down"`},
		{"directory changed", `SIP;cause=403;text="line no longer allowed: directory changed"`},
		{"a \"quoted\"\nreason", `SIP;cause=200;text="a \"quoted\" reason"`},
	} {
		p := dialRaw(t, ts, "tcp")
		p.manualBye.Store(true)
		p.open()
		sess := ts.handler.session(t, ts.handler.count()-1)
		sess.req.Events.End(c.end)
		bye := p.request(sipmsg.BYE)
		assert.Equal(t, c.want, header(bye, "Reason"), c.end)
		p.answer(bye, 200, "OK")
		sess.waitClosed(t)
	}
}

func TestByeReasonOfEachEnd(t *testing.T) {
	for _, c := range []struct {
		err   error
		cause int
		text  string
	}{
		{ErrNoACK, 408, "no ACK for the 2xx"},
		{fmt.Errorf("%w: %w", ErrRefreshFailed, &RefusalError{Status: 481}), 481, "session refresh failed"},
		{fmt.Errorf("%w: %w", ErrRefreshFailed, &RefusalError{Status: 408}), 408, "session refresh failed"},
		{fmt.Errorf("%w: %w", ErrRefreshFailed, ErrNoAnswer), 408, "session refresh failed"},
		{fmt.Errorf("%w: x", ErrStaleSession), 503, "CTI connection lost"},
		{ErrExpired, 408, "session timer expired"},
		{ErrServerClosed, 503, "gateway shutting down"},
		{ErrEventTimeouts, 408, "events undeliverable: no answer"},
	} {
		cause, text := byeReason(c.err)
		assert.Equal(t, c.cause, cause, c.err.Error())
		assert.Equal(t, c.text, text, c.err.Error())
	}
}
