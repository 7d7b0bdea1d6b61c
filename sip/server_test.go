package sip

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

var transports = []string{"udp", "tcp"}

// addr returns the server address for a transport.
func (ts *testServer) addr(transport string) string {
	if transport == "udp" {
		return ts.udp
	}
	return ts.tcp
}

func TestUntrustedPeerGets403AndCostsNothing(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{TrustedPeers: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
			p := dialRaw(t, ts, tr)
			p.invite(nil, rssBody)
			res := p.response(sipmsg.INVITE)
			assert.Equal(t, 403, res.StatusCode)

			p.send("OPTIONS sip:cti@"+ts.addr(tr)+" SIP/2.0", []string{p.via(), "From: <sip:x@y>;tag=1", "To: <sip:cti@z>",
				"Call-ID: o1", "CSeq: 1 OPTIONS", "Max-Forwards: 70"}, "")
			assert.Equal(t, 403, p.response(sipmsg.OPTIONS).StatusCode)

			d := &rawDialog{p: p, callID: "x", fromTag: "a", toTag: "b", uri: "sip:cti@" + ts.addr(tr)}
			assert.Equal(t, 403, d.info(makeCallBody).StatusCode)

			assert.Equal(t, 0, ts.handler.count())
			waitFor(t, "403s counted", func() bool { return ts.Stats().Responses[403] == 3 })
			assert.Equal(t, 0, ts.Stats().Dialogs)
		})
	}
}

func TestOtherSIPVersionGets505(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{})
			p := dialRaw(t, ts, tr)
			uri := "sip:cti@" + ts.addr(tr)
			p.send("OPTIONS "+uri+" SIP/3.0", []string{p.via(), "From: <sip:x@y>;tag=1", "To: <" + uri + ">",
				"Call-ID: v1", "CSeq: 1 OPTIONS", "Max-Forwards: 70"}, "")
			res := p.response(sipmsg.OPTIONS)
			assert.Equal(t, 505, res.StatusCode)
			assert.Equal(t, "Version Not Supported", res.Reason)
			assert.Equal(t, "SIP/2.0", res.SipVersion)

			p.send("INVITE "+uri+" SIP/3.0", []string{p.via(), "Max-Forwards: 70", "From: <sip:alice@example.com>;tag=2",
				"To: <" + uri + ">", "Call-ID: v2", "CSeq: 1 INVITE", p.contact(""), "Content-Type: application/csta+xml"}, rssBody)
			assert.Equal(t, 505, p.response(sipmsg.INVITE).StatusCode)
			assert.Equal(t, 0, ts.handler.count(), "no session opened")

			// The version is compared without regard to case.
			p.send("OPTIONS "+uri+" sip/2.0", []string{p.via(), "From: <sip:x@y>;tag=1", "To: <" + uri + ">",
				"Call-ID: v3", "CSeq: 1 OPTIONS", "Max-Forwards: 70"}, "")
			assert.Equal(t, 200, p.response(sipmsg.OPTIONS).StatusCode)
		})
	}
}

func TestInviteRefusals(t *testing.T) {
	notFound := &RefusalError{Status: 404, Reason: "Unknown Line"}
	busy := &RefusalError{Status: 503, RetryAfter: 20 * time.Second}
	h := &fakeHandler{refuse: map[string]error{
		"tel:404": notFound,
		"tel:503": errors.Join(errors.New("wrapped"), busy),
		"tel:500": errors.New("boom"),
	}}
	ts := startServer(t, ServerConfig{Handler: h, MaxBodySize: 2048})
	body := func(line string) string {
		return strings.Replace(rssBody, "tel:1001;phone-context=dialstring", line, 1)
	}
	cases := []struct {
		name    string
		extra   []string
		body    string
		status  int
		reason  string
		headers map[string]string
	}{
		{name: "wrong content type", extra: []string{"Content-Type: application/sdp"}, body: "v=0", status: 415,
			headers: map[string]string{"Accept": "application/csta+xml"}},
		{name: "malformed XML", body: "<RequestSystemStatus><oops></RequestSystemStatus>", status: 400, reason: "Bad CSTA Body: csta: "},
		{name: "wrong message", body: makeCallBody, status: 400, reason: "Expected RequestSystemStatus, got MakeCall"},
		{name: "empty body", body: "", status: 400, reason: "Missing CSTA Body"},
		{name: "too large", body: rssBody + strings.Repeat(" ", 2048), status: 413},
		{name: "unknown line", body: body("tel:404"), status: 404, reason: "Unknown Line"},
		{name: "overloaded", body: body("tel:503"), status: 503, headers: map[string]string{"Retry-After": "20"}},
		{name: "handler error", body: body("tel:500"), status: 500},
		{name: "session interval too small", extra: []string{"Session-Expires: 30"}, body: rssBody, status: 422,
			headers: map[string]string{"Min-SE": "90"}},
		{name: "unsupported extension", extra: []string{"Require: 100rel, timer"}, body: rssBody, status: 420,
			headers: map[string]string{"Unsupported": "100rel"}},
	}
	for _, tr := range transports {
		for _, c := range cases {
			t.Run(tr+"/"+c.name, func(t *testing.T) {
				p := dialRaw(t, ts, tr)
				extra := c.extra
				if len(extra) > 0 && strings.HasPrefix(extra[0], "Content-Type") {
					// Replace the default Content-Type.
					p.send("INVITE sip:cti@"+ts.addr(tr)+" SIP/2.0", []string{p.via(), "Max-Forwards: 70",
						"From: <sip:alice@example.com>;tag=f1", "To: <sip:cti@x>", "Call-ID: ct-" + tr, "CSeq: 1 INVITE",
						p.contact(""), extra[0]}, c.body)
				} else {
					p.invite(extra, c.body)
				}
				res := p.response(sipmsg.INVITE)
				assert.Equal(t, c.status, res.StatusCode, res.Reason)
				if c.reason != "" {
					assert.True(t, strings.HasPrefix(res.Reason, c.reason), "reason %q", res.Reason)
				}
				assert.NotContains(t, res.Reason, "\n")
				for k, v := range c.headers {
					assert.Equal(t, v, header(res, k), k)
				}
			})
		}
	}
	assert.Equal(t, 0, ts.handler.count())
	assert.Equal(t, 0, ts.Stats().Dialogs)
}

func TestInviteOpensDialog(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{})
			p := dialRaw(t, ts, tr)
			d := p.open("Session-Expires: 1800;refresher=uac")
			res := d.ok
			assert.Equal(t, "application/csta+xml", contentType(res))
			assert.Equal(t, "signal;handling=required", header(res, "Content-Disposition"))
			assert.Equal(t, "600;refresher=uac", header(res, "Session-Expires"))
			assert.Equal(t, "timer", header(res, "Require"))
			assert.NotEmpty(t, d.toTag)
			m, err := csta.Decode(res.Body())
			require.NoError(t, err)
			rsr := m.(*csta.RequestSystemStatusResponse)
			assert.Equal(t, csta.SystemNormal, rsr.SystemStatus)
			assert.Equal(t, csta.NamespaceEd3, rsr.Namespace)

			sess := ts.handler.session(t, 0)
			assert.Equal(t, "sip:alice@example.com", sess.req.User)
			assert.Equal(t, "tel:1001;phone-context=dialstring", sess.req.Line)
			assert.Equal(t, d.callID, sess.req.CallID)
			assert.Equal(t, d.callID+"|"+d.toTag+"|"+d.fromTag, sess.req.DialogID)
			assert.Equal(t, tr, sess.req.Transport)
			assert.Equal(t, p.local, sess.req.Peer.String())

			info := d.info(makeCallBody)
			require.Equal(t, 200, info.StatusCode)
			assert.Equal(t, "application/csta+xml", contentType(info))
			m, err = csta.Decode(info.Body())
			require.NoError(t, err)
			mc := m.(*csta.MakeCallResponse)
			assert.Equal(t, "tel:1001;phone-context=dialstring", mc.CallingDevice.DeviceID.ID)

			// A request the session answers with CSTAErrorCode still gets 200.
			info = d.info(`<AnswerCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed5"><callToBeAnswered><callID>1</callID><deviceID>x</deviceID></callToBeAnswered></AnswerCall>`)
			require.Equal(t, 200, info.StatusCode)
			m, err = csta.Decode(info.Body())
			require.NoError(t, err)
			ec, ok := m.(*csta.CSTAErrorCode)
			require.True(t, ok)
			assert.Equal(t, csta.NamespaceEd5, ec.Namespace, "the response echoes the request's namespace")

			assert.Equal(t, 1, ts.Stats().Dialogs)
			p.send("BYE "+d.uri+" SIP/2.0", d.headers("BYE"), "")
			assert.Equal(t, 200, p.response(sipmsg.BYE).StatusCode)
			assert.ErrorIs(t, sess.waitClosed(t), ErrPeerBye)
			waitFor(t, "dialog removed", func() bool { return ts.Stats().Dialogs == 0 })
		})
	}
}

func TestInfoRefusals(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{MaxBodySize: 4096})
			p := dialRaw(t, ts, tr)
			d := p.open()
			sess := ts.handler.session(t, 0)

			res := d.info(makeCallBody, "Content-Type: text/plain")
			assert.Equal(t, 415, res.StatusCode)
			assert.Equal(t, "application/csta+xml", header(res, "Accept"))
			res = d.info(makeCallBody, "X-Nothing: 1")
			assert.Equal(t, 415, res.StatusCode, "missing Content-Type")

			res = d.info("<MakeCall><callingDevice>1</callingDevice>")
			assert.Equal(t, 400, res.StatusCode)
			assert.Contains(t, res.Reason, "truncated")
			res = d.info(`<MakeCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><calledDirectoryNumber>1</calledDirectoryNumber></MakeCall>`)
			assert.Equal(t, 400, res.StatusCode)
			assert.Contains(t, res.Reason, "callingDevice")

			res = d.info(strings.Repeat("x", 5000))
			assert.Equal(t, 413, res.StatusCode)
			// Larger than sipgo's default read buffer (32 KiB), in one
			// datagram over UDP: read whole and answered, not dropped.
			res = d.info(strings.Repeat("x", 34000))
			assert.Equal(t, 413, res.StatusCode)

			// An empty INFO is a keep-alive.
			assert.Equal(t, 200, d.info("").StatusCode)

			// Unknown dialogs.
			other := &rawDialog{p: p, callID: d.callID, fromTag: d.fromTag, toTag: "nope", uri: d.uri, cseq: 5}
			assert.Equal(t, 481, other.info(makeCallBody).StatusCode)
			p.send("BYE "+d.uri+" SIP/2.0", other.headers("BYE"), "")
			assert.Equal(t, 481, p.response(sipmsg.BYE).StatusCode)
			p.send("INVITE "+d.uri+" SIP/2.0", append(other.headers("INVITE"), p.contact(""), "Content-Type: application/csta+xml"), rssBody)
			assert.Equal(t, 481, p.response(sipmsg.INVITE).StatusCode)
			noTag := &rawDialog{p: p, callID: "fresh", fromTag: "f", uri: d.uri}
			assert.Equal(t, 481, noTag.info(makeCallBody).StatusCode)

			// A session that says it is stale: 481 and the dialog is gone.
			sess.setHook(func(context.Context, csta.Message) (csta.Message, error) {
				return nil, &RefusalError{Status: 481}
			})
			assert.Equal(t, 481, d.info(makeCallBody).StatusCode)
			assert.ErrorIs(t, sess.waitClosed(t), ErrStaleSession)
			assert.Equal(t, 481, d.info(makeCallBody).StatusCode)
			p.none(200 * time.Millisecond) // no BYE
		})
	}
}

func TestInfoBeforeAck(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	p := dialRaw(t, ts, "udp")
	d := p.invite(nil, rssBody)
	res := p.response(sipmsg.INVITE)
	require.Equal(t, 200, res.StatusCode)
	d.toTag, _ = res.To().Params.Get("tag")
	// The INFO overtakes the ACK.
	info := d.info(makeCallBody)
	assert.Equal(t, 200, info.StatusCode)
	d.cseq = 1
	d.ack()
	ts.waitConfirmed(t, d)
}

// dialogFor returns the server's dialog for a raw dialog.
func (ts *testServer) dialogFor(d *rawDialog) *dialog {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.dialogs[d.toTag]
}

// waitConfirmed waits until the server has taken the dialog's ACK.
func (ts *testServer) waitConfirmed(t testing.TB, d *rawDialog) {
	t.Helper()
	waitFor(t, "ACK taken", func() bool {
		s := ts.dialogFor(d)
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.phase == phaseConfirmed
	})
}

func TestUnacknowledged2xxIsResentOverUDP(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	p := dialRaw(t, ts, "udp")
	d := p.invite(nil, rssBody)
	first := p.response(sipmsg.INVITE)
	again := p.response(sipmsg.INVITE)
	assert.Equal(t, first.String(), again.String(), "the 2xx is resent until the ACK (timing: TestAckWaitResendsThenGivesUp)")
	d.toTag, _ = first.To().Params.Get("tag")
	d.ack()
	ts.waitConfirmed(t, d)
}

func TestReinviteRefreshes(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{})
			p := dialRaw(t, ts, tr)
			d := p.open()
			sess := ts.handler.session(t, 0)
			p.send("INVITE "+d.uri+" SIP/2.0", append(d.headers("INVITE"), p.contact(";x=1"), "Supported: timer",
				"Session-Expires: 300;refresher=uac", "Content-Type: application/csta+xml"), rssBody)
			res := p.response(sipmsg.INVITE)
			require.Equal(t, 200, res.StatusCode)
			assert.Equal(t, d.ok.Body(), res.Body(), "same body")
			assert.Equal(t, "300;refresher=uac", header(res, "Session-Expires"))
			assert.Equal(t, "timer", header(res, "Require"))
			tag, _ := res.To().Params.Get("tag")
			assert.Equal(t, d.toTag, tag)
			d.ack()
			waitFor(t, "Refreshed", func() bool { return sess.refreshed.Load() == 1 })
			// The new Contact is the remote target now.
			dl := ts.dialogFor(d)
			dl.leg.mu.Lock()
			assert.Contains(t, dl.leg.target.String(), ";x=1")
			dl.leg.mu.Unlock()

			p.send("INVITE "+d.uri+" SIP/2.0", append(d.headers("INVITE"), p.contact(""), "Session-Expires: 10"), "")
			assert.Equal(t, 422, p.response(sipmsg.INVITE).StatusCode)
		})
	}
}

// TestStaleSessionRefusesRefresh: a session that refuses a refresh as stale
// (481, as it would refuse its next INFO) gets the re-INVITE answered 481,
// and the dialog ends without BYE; the next INFO gets 481 too.
func TestStaleSessionRefusesRefresh(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{})
			p := dialRaw(t, ts, tr)
			p.manualBye.Store(true)
			d := p.open()
			sess := ts.handler.session(t, 0)
			stale := func() error { return &RefusalError{Status: 481} }
			sess.refreshHook.Store(&stale)
			p.send("INVITE "+d.uri+" SIP/2.0", append(d.headers("INVITE"), p.contact(""), "Supported: timer",
				"Content-Type: application/csta+xml"), rssBody)
			assert.Equal(t, 481, p.response(sipmsg.INVITE).StatusCode)
			assert.ErrorIs(t, sess.waitClosed(t), ErrStaleSession)
			assert.Equal(t, 481, d.info(makeCallBody).StatusCode)
			assert.Equal(t, 0, ts.Stats().Dialogs)
			p.none(200 * time.Millisecond) // no BYE: the client considers the dialog gone
		})
	}
}
