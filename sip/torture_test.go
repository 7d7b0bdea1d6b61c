package sip

import (
	"strings"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Messages of RFC 4475 (SIP torture test messages): wsinv, inv2543,
// mismatch01, bext01 and unkscm. The sent-by of the top Via is $VIA,
// replaced by the test peer's address (and $TRANSPORT by the peer's
// transport), so that the answer comes back to the test; everything else
// is the RFC's text.
const (
	tortureWsinv = "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n" +
		"TO :\r\n" +
		" sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n" +
		"from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n" +
		"  ;\r\n" +
		"  tag = 98asjd8\r\n" +
		"MaX-fOrWaRdS: 0068\r\n" +
		"Call-ID: wsinv.ndaksdj@192.0.2.1\r\n" +
		"Content-Length   : 150\r\n" +
		"cseq: 0009\r\n" +
		"  INVITE\r\n" +
		"Via  : SIP  /   2.0\r\n" +
		" /$TRANSPORT\r\n" +
		"    $VIA;branch=390skdjuw\r\n" +
		"s :\r\n" +
		"NewFangledHeader:   newfangled value\r\n" +
		" continued newfangled value\r\n" +
		"UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n" +
		"Content-Type: application/sdp\r\n" +
		"Route:\r\n" +
		" <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n" +
		"v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n" +
		"  branch  =   z9hG4bK9ikj8  ,\r\n" +
		" SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n" +
		" z9hG4bK30239\r\n" +
		"m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n" +
		"      newvalue ;\r\n" +
		"  secondparam ; q = 0.33\r\n" +
		"\r\n" +
		"v=0\r\n" +
		"o=mhandley 29739 7272939 IN IP4 192.0.2.3\r\n" +
		"s=-\r\n" +
		"c=IN IP4 192.0.2.4\r\n" +
		"t=0 0\r\n" +
		"m=audio 49217 RTP/AVP 0 12\r\n" +
		"m=video 3227 RTP/AVP 31\r\n" +
		"a=rtpmap:31 LPC\r\n"

	tortureInv2543 = "INVITE sip:UserB@example.com SIP/2.0\r\n" +
		"Via: SIP/2.0/$TRANSPORT $VIA\r\n" +
		"From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n" +
		"Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>\r\n" +
		"To: sip:+16505552222@ss1.example.net;user=phone\r\n" +
		"Call-ID: inv2543.1717@ift.client.example.com\r\n" +
		"CSeq: 56 INVITE\r\n" +
		"Content-Type: application/sdp\r\n" +
		"\r\n" +
		"v=0\r\n" +
		"o=mhandley 29739 7272939 IN IP4 192.0.2.5\r\n" +
		"s=-\r\n" +
		"c=IN IP4 192.0.2.5\r\n" +
		"t=0 0\r\n" +
		"m=audio 49217 RTP/AVP 0\r\n"

	tortureMismatch01 = "OPTIONS sip:user@example.com SIP/2.0\r\n" +
		"To: sip:j.user@example.com\r\n" +
		"From: sip:caller@example.net;tag=34525\r\n" +
		"Max-Forwards: 6\r\n" +
		"Call-ID: mismatch01.dj0234sxdfl3\r\n" +
		"CSeq: 8 INVITE\r\n" +
		"Via: SIP/2.0/$TRANSPORT $VIA;branch=z9hG4bKkdjuw\r\n" +
		"l: 0\r\n" +
		"\r\n"

	tortureBext01 = "OPTIONS sip:user@example.com SIP/2.0\r\n" +
		"To: sip:j_user@example.com\r\n" +
		"From: sip:caller@example.net;tag=242etr\r\n" +
		"Max-Forwards: 6\r\n" +
		"Call-ID: bext01.0ha0isndaksdj\r\n" +
		"Require: nothingSupportsThis, nothingSupportsThisEither\r\n" +
		"Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis\r\n" +
		"CSeq: 8 OPTIONS\r\n" +
		"Via: SIP/2.0/$TRANSPORT $VIA;branch=z9hG4bKkdjuw\r\n" +
		"Content-Length: 0\r\n" +
		"\r\n"

	tortureUnkscm = "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0\r\n" +
		"To: sip:user@example.com\r\n" +
		"From: sip:caller@example.net;tag=384\r\n" +
		"Max-Forwards: 3\r\n" +
		"Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34\r\n" +
		"CSeq: 3923423 OPTIONS\r\n" +
		"Via: SIP/2.0/$TRANSPORT $VIA;branch=z9hG4bKkdjuw39234\r\n" +
		"Content-Length: 0\r\n" +
		"\r\n"
)

// torture sends an RFC 4475 message from p, its top Via naming p, and
// returns the final response.
func torture(p *rawPeer, msg string) *sipmsg.Response {
	p.t.Helper()
	msg = strings.ReplaceAll(msg, "$TRANSPORT", p.transport)
	msg = strings.ReplaceAll(msg, "$VIA", p.local)
	p.write([]byte(msg))
	for {
		m := p.next()
		res, ok := m.(*sipmsg.Response)
		require.True(p.t, ok, "expected a response, got %s", firstLine(m))
		if !res.IsProvisional() {
			return res
		}
	}
}

func TestTortureMessages(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	cases := []struct {
		name, msg  string
		transports []string
		status     int
		check      func(t *testing.T, res *sipmsg.Response)
	}{
		// Valid: it reaches the server, which finds no dialog for its To tag.
		{"wsinv", tortureWsinv, transports, 481, func(t *testing.T, res *sipmsg.Response) {
			assert.Equal(t, "1918181833n", toTags(res))
			tag, _ := res.From().Params.Get("tag")
			assert.Equal(t, "98asjd8", tag)
			assert.Len(t, res.GetHeaders("Via"), 3)
			assert.NotContains(t, res.String(), `"   z9hG4bK9ikj8`)
		}},
		// Valid in RFC 2543's form (no From tag, no branch): its body is
		// not CSTA. No Content-Length, so UDP only.
		{"inv2543", tortureInv2543, []string{"udp"}, 415, func(t *testing.T, res *sipmsg.Response) {
			assert.Equal(t, 1, strings.Count(res.GetHeader("To").Value(), "tag="), res.GetHeader("To").Value())
			assert.Equal(t, "<sip:+13035551111@ift.client.example.net;user=phone>", res.From().Value())
		}},
		{"mismatch01", tortureMismatch01, transports, 400, func(t *testing.T, res *sipmsg.Response) {
			assert.Equal(t, "CSeq Method Does Not Match", res.Reason)
		}},
		{"bext01", tortureBext01, transports, 420, func(t *testing.T, res *sipmsg.Response) {
			assert.Equal(t, "nothingSupportsThis, nothingSupportsThisEither", header(res, "Unsupported"))
		}},
		{"unkscm", tortureUnkscm, transports, 416, nil},
	}
	for _, c := range cases {
		for _, tr := range c.transports {
			t.Run(c.name+"/"+tr, func(t *testing.T) {
				res := torture(dialRaw(t, ts, tr), c.msg)
				require.Equal(t, c.status, res.StatusCode, res.String())
				if c.check != nil {
					c.check(t, res)
				}
			})
		}
	}
}

// toTags returns the To tags of a message, comma separated.
func toTags(m *sipmsg.Response) string {
	var tags []string
	for _, p := range strings.Split(m.GetHeader("To").Value(), ";")[1:] {
		if k, v, _ := strings.Cut(p, "="); strings.TrimSpace(k) == "tag" {
			tags = append(tags, strings.TrimSpace(v))
		}
	}
	return strings.Join(tags, ",")
}

func TestNormalizeHeaders(t *testing.T) {
	for in, want := range map[string]string{
		"\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n":                                                  "sip:vivekg@chair-dnrc.example.com;tag=1918181833n",
		`   "J Rosenberg \\\""       <sip:jdrosen@example.com>` + "\r\n  ;\r\n  tag = 98asjd8":                             `"J Rosenberg \\\"" <sip:jdrosen@example.com>;tag=98asjd8`,
		`"Quoted string \"\"" <sip:jdrosen@example.com> ; newparam =` + "\r\n      newvalue ;\r\n  secondparam ; q = 0.33": `"Quoted string \"\"" <sip:jdrosen@example.com>;newparam=newvalue;secondparam;q=0.33`,
		`"a ; b = c" <sip:x@y>;tag=1`: `"a ; b = c" <sip:x@y>;tag=1`,
	} {
		assert.Equal(t, want, string(appendValue(nil, []byte(in), false)), in)
	}
	via := "  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239"
	assert.Equal(t, "SIP/2.0/TCP spindle.example.com;branch=z9hG4bK9ikj8,SIP/2.0/UDP 192.168.255.111;branch=z9hG4bK30239",
		string(appendValue(nil, []byte(via), true)))

	// What clients send every day is passed as it is.
	plain := rawMessage("INFO sip:cti@192.0.2.1 SIP/2.0", []string{
		"Via: SIP/2.0/TCP 192.0.2.9:5061;branch=z9hG4bK-1;rport", "Max-Forwards: 70",
		`From: "Alice" <sip:alice@example.com>;tag=ft1;epid=bd23d94254`, "To: <sip:cti@192.0.2.1>;tag=x",
		"Call-ID: c1", "CSeq: 2 INFO", "Contact: <sip:alice@192.0.2.9:5061;transport=tcp>;+sip.instance=\"<urn:uuid:1>\""}, "")
	m, err := scanMessage(plain)
	require.NoError(t, err)
	v, ok := parseTopVia(plain, m.first[hVia])
	require.True(t, ok)
	assert.False(t, needsNormalizing(plain, &m, v, ok))

	// An RFC 2543 INVITE, its ACK and its CANCEL get one branch.
	branch := func(method, cseq string) string {
		r := strings.NewReplacer("INVITE sip:", method+" sip:", "CSeq: 56 INVITE", "CSeq: "+cseq, "$TRANSPORT", "UDP", "$VIA", "192.0.2.9")
		msg := []byte(r.Replace(tortureInv2543))
		m, err := scanMessage(msg)
		require.NoError(t, err)
		v, ok := parseTopVia(msg, m.first[hVia])
		require.True(t, ok)
		require.True(t, needsNormalizing(msg, &m, v, ok))
		out := appendNormalized(nil, msg, &m, v, ok)
		nm, err := scanMessage(out)
		require.NoError(t, err)
		line := string(out[nm.first[hVia].start:nm.first[hVia].end])
		_, b, found := strings.Cut(line, ";branch=")
		require.True(t, found, line)
		return b
	}
	invite := branch("INVITE", "56 INVITE")
	assert.True(t, strings.HasPrefix(invite, rfc2543Branch), invite)
	assert.Equal(t, invite, branch("ACK", "56 ACK"))
	assert.Equal(t, invite, branch("CANCEL", "56 CANCEL"))
	assert.NotEqual(t, invite, branch("INVITE", "57 INVITE"))
}
