package sip

import (
	"fmt"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/lineappearance"
)

// inviteFrom sends an INVITE with the given From URI, acknowledges a 2xx
// and returns the final response.
func (p *rawPeer) inviteFrom(uri string) *sipmsg.Response {
	p.t.Helper()
	d := &rawDialog{p: p, callID: fmt.Sprintf("id-%d@test", p.seq.Add(1)), fromTag: "f1", cseq: 1, uri: "sip:cti@" + p.server}
	p.write(rawMessage("INVITE "+d.uri+" SIP/2.0", []string{p.via(), "Max-Forwards: 70",
		"From: <" + uri + ">;tag=f1", "To: <" + d.uri + ">", "Call-ID: " + d.callID, "CSeq: 1 INVITE",
		p.contact(""), "Content-Type: application/csta+xml"}, rssBody))
	res := p.response(sipmsg.INVITE)
	if res.StatusCode == 200 {
		d.toTag, _ = res.To().Params.Get("tag")
		d.ack()
	}
	return res
}

// TestUserIdentityRule checks the one rule for who the user is: the From
// address of record, sips the same as sip, the user part compared after
// percent-decoding and with case, the host without case; a From URI with
// a password is refused.
func TestUserIdentityRule(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	p := dialRaw(t, ts, "tcp")
	for _, c := range []struct{ from, user string }{
		{"sip:bob@example.com", "sip:bob@example.com"},
		{"sips:bob@example.com", "sip:bob@example.com"},
		{"SIP:bob@EXAMPLE.com;transport=tcp", "sip:bob@example.com"},
		{"sip:%62ob@example.com", "sip:bob@example.com"},
		{"sip:Bob@example.com", "sip:Bob@example.com"},
		{"sip:b%20ob@example.com:5070", "sip:b%20ob@example.com:5070"},
	} {
		n := ts.handler.count()
		res := p.inviteFrom(c.from)
		require.Equal(t, 200, res.StatusCode, "%s: %s", c.from, res.StartLine())
		got := ts.handler.session(t, n).req.User
		assert.Equal(t, c.user, got, c.from)
		want, err := lineappearance.NormalizeUser(c.from)
		require.NoError(t, err)
		assert.Equal(t, want, got, "the directory's rule, for %s", c.from)
	}
	n := ts.handler.count()
	for _, from := range []string{"sip:bob:secret@example.com", "sips:bob:x@example.com"} {
		res := p.inviteFrom(from)
		assert.Equal(t, 403, res.StatusCode, "%s: %s", from, res.StartLine())
	}
	assert.Equal(t, n, ts.handler.count(), "no session opened for a From with a password")
}

func TestPublicRefusal(t *testing.T) {
	for _, c := range []struct {
		status  int
		reason  string
		trusted bool
		want    int
		phrase  string
	}{
		{403, "not allowed: sip:bob@example.com may not control tel:1002", true, 403, "not allowed: sip:bob@example.com may not control tel:1002"},
		{404, "unknown line: tel:1009", true, 404, "unknown line: tel:1009"},
		{403, "not allowed: sip:bob@example.com may not control tel:1002", false, 403, "Forbidden"},
		{404, "unknown line: tel:1009", false, 403, "Forbidden"},
		{503, "No CTI Connection", false, 503, "No CTI Connection"},
		{400, "invalid line: lcs:line is missing", false, 400, "invalid line: lcs:line is missing"},
	} {
		status, phrase := publicRefusal(c.status, c.reason, c.trusted)
		assert.Equal(t, c.want, status, c.reason)
		assert.Equal(t, c.phrase, phrase, c.reason)
	}
}
