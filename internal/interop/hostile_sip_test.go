//go:build interop

package interop

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rssFor is the INVITE body opening a session for u's line.
func rssFor(u user, extraLine string) []byte {
	lines := `<lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">` + u.Line() + `</lcs:line>`
	if extraLine != "" {
		lines += `<lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">` + extraLine + `</lcs:line>`
	}
	return []byte(`<?xml version="1.0"?><RequestSystemStatus xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><extensions><privateData><private>` +
		lines + `</private></privateData></extensions></RequestSystemStatus>`)
}

// withVia returns msg with its Via line replaced by the one of like (a
// CANCEL or ACK must carry its INVITE's branch).
func withVia(msg, like []byte) []byte {
	via := func(b []byte) (int, int) {
		i := bytes.Index(b, []byte("\r\nVia: ")) + 2
		return i, i + bytes.Index(b[i:], []byte("\r\n"))
	}
	s, e := via(msg)
	ls, le := via(like)
	out := append([]byte(nil), msg[:s]...)
	out = append(out, like[ls:le]...)
	return append(out, msg[e:]...)
}

// rawMsg is a SIP message read off a TCP stream.
type rawMsg struct {
	start  string
	header textproto.MIMEHeader
}

// readMessages reads SIP messages from br until it fails, answers the
// gateway's BYE requests 200 on conn, and passes the responses on.
func readMessages(conn net.Conn, br *bufio.Reader, out chan<- rawMsg) {
	defer close(out)
	tp := textproto.NewReader(br)
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		h, err := tp.ReadMIMEHeader()
		if err != nil {
			return
		}
		if n, _ := strconv.Atoi(h.Get("Content-Length")); n > 0 {
			if _, err := io.CopyN(io.Discard, br, int64(n)); err != nil {
				return
			}
		}
		if !strings.HasPrefix(line, "SIP/2.0 ") {
			if strings.HasPrefix(line, "BYE ") {
				var b strings.Builder
				b.WriteString("SIP/2.0 200 OK\r\n")
				for _, v := range h.Values("Via") {
					b.WriteString("Via: " + v + "\r\n")
				}
				for _, k := range []string{"From", "To", "Call-Id", "Cseq"} {
					b.WriteString(k + ": " + h.Get(k) + "\r\n")
				}
				b.WriteString("Content-Length: 0\r\n\r\n")
				_, _ = conn.Write([]byte(b.String()))
			}
			continue
		}
		out <- rawMsg{start: line, header: h}
	}
}

// cancelRace sends, over one TCP connection, rounds INVITEs of u, each
// with its CANCEL right before or right after it in the same write, or
// up to a millisecond after it, and
// returns the final responses each INVITE got and the answers to each
// CANCEL, by Call-ID. The 200s are acknowledged and the dialogs ended with
// BYE.
func cancelRace(t *testing.T, target string, u user, rounds int) (finals, cancels map[string][]int) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", target, 2*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	msgs := make(chan rawMsg, 4*rounds)
	go readMessages(conn, bufio.NewReader(conn), msgs)
	local := conn.LocalAddr().String()
	dialogs := map[string]*rawDialog{}
	var batch []byte
	for i := range rounds {
		d := &rawDialog{network: "tcp", addr: target, local: local, conn: conn, u: u,
			callID: fmt.Sprintf("race-%d-%s", i, strings.ToLower(rand.Text()[:8])), fromTag: fmt.Sprintf("r%d", i), cseq: 1}
		dialogs[d.callID] = d
		invite := d.message("INVITE", 1, "application/csta+xml", rssFor(u, ""))
		cancel := withVia(d.message("CANCEL", 1, "", nil), invite)
		switch i % 3 {
		case 0:
			batch = append(append(batch, cancel...), invite...)
		case 1:
			batch = append(append(batch, invite...), cancel...)
		default:
			// The CANCEL a little later, while the INVITE is being opened.
			_, err := conn.Write(append(batch, invite...))
			require.NoError(t, err)
			batch = batch[:0]
			time.Sleep(time.Duration(i%4) * 300 * time.Microsecond)
			_, err = conn.Write(cancel)
			require.NoError(t, err)
		}
		if i%10 == 9 || i == rounds-1 {
			_, err := conn.Write(batch)
			require.NoError(t, err)
			batch = batch[:0]
		}
	}
	finals, cancels = map[string][]int{}, map[string][]int{}
	deadline := time.After(60 * time.Second)
	for quiet := false; !quiet; {
		wait := 15 * time.Second
		if len(finals) == rounds {
			wait = time.Second // room for a second final answer
		}
		select {
		case m, ok := <-msgs:
			require.True(t, ok, "the connection closed")
			code, _ := strconv.Atoi(strings.Fields(m.start)[1])
			callID := m.header.Get("Call-Id")
			d := dialogs[callID]
			require.NotNil(t, d, "answer for an unknown call: %s", m.start)
			switch {
			case code < 200:
			case strings.HasSuffix(m.header.Get("Cseq"), "CANCEL"):
				cancels[callID] = append(cancels[callID], code)
			case strings.HasSuffix(m.header.Get("Cseq"), "INVITE"):
				finals[callID] = append(finals[callID], code)
				if code == 200 && d.toTag == "" {
					_, tag, _ := strings.Cut(m.header.Get("To"), ";tag=")
					d.toTag, _, _ = strings.Cut(tag, ";")
					_, _ = conn.Write(d.message("ACK", 1, "", nil))
					d.cseq = 2
					_, _ = conn.Write(d.message("BYE", 2, "", nil))
				}
			}
		case <-time.After(wait):
			require.Len(t, finals, rounds, "INVITEs without a final response")
			quiet = true
		case <-deadline:
			t.Fatal("the answers did not settle")
		}
	}
	return finals, cancels
}

// RFC 4475 torture messages (wsinv, inv2543, mismatch01, bext01, unkscm),
// their top Via's sent-by replaced by $VIA and its transport by
// $TRANSPORT, so that the answer comes back to the test.
var torture = map[string]string{
	"wsinv": "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n" +
		"TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n" +
		"from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8\r\n" +
		"MaX-fOrWaRdS: 0068\r\nCall-ID: wsinv.ndaksdj@192.0.2.1\r\nContent-Length   : 150\r\n" +
		"cseq: 0009\r\n  INVITE\r\nVia  : SIP  /   2.0\r\n /$TRANSPORT\r\n    $VIA;branch=390skdjuw\r\n" +
		"s :\r\nNewFangledHeader:   newfangled value\r\n continued newfangled value\r\n" +
		"UnknownHeaderWithUnusualValue: ;;,,;;,;\r\nContent-Type: application/sdp\r\n" +
		"Route:\r\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n" +
		"v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n" +
		" SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239\r\n" +
		"m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33\r\n" +
		"\r\nv=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\nt=0 0\r\n" +
		"m=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n",
	"inv2543": "INVITE sip:UserB@example.com SIP/2.0\r\nVia: SIP/2.0/$TRANSPORT $VIA\r\n" +
		"From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n" +
		"Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>\r\n" +
		"To: sip:+16505552222@ss1.example.net;user=phone\r\nCall-ID: inv2543.1717@ift.client.example.com\r\n" +
		"CSeq: 56 INVITE\r\nContent-Type: application/sdp\r\n\r\n" +
		"v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=audio 49217 RTP/AVP 0\r\n",
	"mismatch01": "OPTIONS sip:user@example.com SIP/2.0\r\nTo: sip:j.user@example.com\r\n" +
		"From: sip:caller@example.net;tag=34525\r\nMax-Forwards: 6\r\nCall-ID: mismatch01.dj0234sxdfl3\r\n" +
		"CSeq: 8 INVITE\r\nVia: SIP/2.0/$TRANSPORT $VIA;branch=z9hG4bKkdjuw\r\nl: 0\r\n\r\n",
	"bext01": "OPTIONS sip:user@example.com SIP/2.0\r\nTo: sip:j_user@example.com\r\n" +
		"From: sip:caller@example.net;tag=242etr\r\nMax-Forwards: 6\r\nCall-ID: bext01.0ha0isndaksdj\r\n" +
		"Require: nothingSupportsThis, nothingSupportsThisEither\r\n" +
		"Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis\r\n" +
		"CSeq: 8 OPTIONS\r\nVia: SIP/2.0/$TRANSPORT $VIA;branch=z9hG4bKkdjuw\r\nContent-Length: 0\r\n\r\n",
	"unkscm": "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0\r\nTo: sip:user@example.com\r\n" +
		"From: sip:caller@example.net;tag=384\r\nMax-Forwards: 3\r\nCall-ID: unkscm.nasdfasser0q239nwsdfasdkl34\r\n" +
		"CSeq: 3923423 OPTIONS\r\nVia: SIP/2.0/$TRANSPORT $VIA;branch=z9hG4bKkdjuw39234\r\nContent-Length: 0\r\n\r\n",
}

// sendTorture sends a torture message over network to target and returns
// the final response.
func sendTorture(network, target, msg string) (*rawResponse, error) {
	conn, err := net.DialTimeout(network, target, 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	r := strings.NewReplacer("$TRANSPORT", strings.ToUpper(network), "$VIA", conn.LocalAddr().String())
	if _, err := conn.Write([]byte(r.Replace(msg))); err != nil {
		return nil, err
	}
	if network == "udp" {
		return parseResponseFrom(conn)
	}
	br := bufio.NewReader(conn)
	for range 5 {
		res, err := parseResponse(br)
		if err != nil || res.Status >= 200 {
			return res, err
		}
	}
	return nil, fmt.Errorf("no final response")
}
