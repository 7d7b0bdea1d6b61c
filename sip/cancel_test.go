package sip

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCancelRaceGivesOneFinalResponse sends, over one TCP connection, many
// INVITEs each with its CANCEL right before or right after it in the same
// write, so that sipgo hands both to their goroutines at once. Every INVITE
// must get exactly one final response; a 200 must leave a dialog (and its
// session) open, a 487 none; the CANCEL gets 200 when it found the INVITE
// (with or without effect) and 481 when it came first.
func TestCancelRaceGivesOneFinalResponse(t *testing.T) {
	const rounds = 150
	h := &fakeHandler{openHook: func(ctx context.Context, _ *OpenRequest) error {
		// Sometimes long enough for the CANCEL to act, sometimes not.
		if n := rand.IntN(4); n > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(n) * 200 * time.Microsecond):
			}
		}
		return nil
	}}
	ts := startServer(t, ServerConfig{Handler: h})
	p := dialRaw(t, ts, "tcp")
	type round struct {
		d       *rawDialog
		finals  []int
		cancels []int
	}
	rounds_ := make(map[string]*round, rounds)
	for i := range rounds {
		callID := fmt.Sprintf("race-%d-%d@test", i, time.Now().UnixNano())
		d := &rawDialog{p: p, callID: callID, fromTag: fmt.Sprintf("ft%d", i), cseq: 1, uri: "sip:cti@" + p.server, via: p.via()}
		rounds_[callID] = &round{d: d}
		common := []string{d.via, "Max-Forwards: 70",
			"From: <sip:alice@example.com>;tag=" + d.fromTag, "To: <" + d.uri + ">", "Call-ID: " + callID}
		invite := rawMessage("INVITE "+d.uri+" SIP/2.0", append(common, "CSeq: 1 INVITE", p.contact(""),
			"Content-Type: application/csta+xml"), rssBody)
		cancel := rawMessage("CANCEL "+d.uri+" SIP/2.0", append(common, "CSeq: 1 CANCEL"), "")
		if i%2 == 0 {
			p.write(append(cancel, invite...))
		} else {
			p.write(append(invite, cancel...))
		}
	}
	// Collect every response until all INVITEs have a final one and
	// nothing more comes for a while.
	deadline := time.After(30 * time.Second)
	pending := rounds
	for quiet := false; !quiet; {
		wait := 10 * time.Second
		if pending == 0 {
			wait = 500 * time.Millisecond
		}
		select {
		case m := <-p.msgs:
			res, ok := m.(*sipmsg.Response)
			require.True(t, ok, "unexpected %s", firstLine(m))
			r := rounds_[res.CallID().Value()]
			require.NotNil(t, r, "response for an unknown call: %s", res.StartLine())
			switch {
			case res.IsProvisional():
			case res.CSeq().MethodName == sipmsg.CANCEL:
				r.cancels = append(r.cancels, res.StatusCode)
			default:
				if len(r.finals) == 0 {
					pending--
				}
				r.finals = append(r.finals, res.StatusCode)
				if res.StatusCode == 200 {
					r.d.ok = res
					r.d.toTag, _ = res.To().Params.Get("tag")
				}
			}
		case <-time.After(wait):
			require.Zero(t, pending, "INVITEs without a final response")
			quiet = true
		case <-deadline:
			t.Fatal("the responses did not settle")
		}
	}
	accepted, cancelled := 0, 0
	for id, r := range rounds_ {
		require.Len(t, r.finals, 1, "call %s: final responses %v", id, r.finals)
		require.Len(t, r.cancels, 1, "call %s: CANCEL responses %v", id, r.cancels)
		switch r.finals[0] {
		case 200:
			accepted++
			assert.Contains(t, []int{200, 481}, r.cancels[0], "call %s", id)
			r.d.ack()
			require.NotNil(t, ts.dialogFor(r.d), "call %s was answered 200 but has no dialog", id)
		case 487:
			cancelled++
			assert.Equal(t, 200, r.cancels[0], "call %s", id)
		default:
			t.Fatalf("call %s: final response %d", id, r.finals[0])
		}
	}
	t.Logf("%d rounds: %d answered 200, %d cancelled", rounds, accepted, cancelled)
	assert.Equal(t, accepted, ts.Stats().Dialogs, "dialogs open")
	// Every session that is not one of the open dialogs has been closed.
	open := 0
	for i := range h.count() {
		s := h.session(t, i)
		if s.closeN.Load() == 0 {
			open++
		}
	}
	assert.Equal(t, accepted, open, "sessions still open")
}

// rawMessage formats a message given as lines; Content-Length is added.
func rawMessage(startLine string, headers []string, body string) []byte {
	var b strings.Builder
	b.WriteString(startLine + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return []byte(b.String())
}
