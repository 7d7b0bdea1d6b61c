//go:build interop

package interop

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta/framing"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// healthy is a session that makes calls in a loop for as long as a test
// runs, and remembers the first thing that went wrong.
type healthy struct {
	c     *client
	calls atomic.Int64
	mu    sync.Mutex
	err   error
	stop  chan struct{}
	done  chan struct{}
}

// startHealthy runs calls on c in the background until stopped (at most
// 100 000 of them).
func startHealthy(ctx context.Context, c *client) *healthy {
	h := &healthy{c: c, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for k := 0; k < 100_000; k++ {
			select {
			case <-h.stop:
				return
			default:
			}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := c.call(cctx, fmt.Sprintf("2%03d", k%1000))
			cancel()
			if err != nil {
				h.mu.Lock()
				h.err = err
				h.mu.Unlock()
				return
			}
			h.calls.Add(1)
		}
	}()
	return h
}

// progressed waits until the session completed two more calls, and fails
// the test if it stopped working.
func (h *healthy) progressed(t *testing.T, after string) {
	t.Helper()
	target := h.calls.Load() + 2
	eventually(t, func() bool {
		h.mu.Lock()
		err := h.err
		h.mu.Unlock()
		if err != nil {
			t.Fatalf("the healthy session failed after %s: %v", after, err)
		}
		return h.calls.Load() >= target
	}, "the healthy session to make calls after %s", after)
}

// finish stops the loop and returns the calls made.
func (h *healthy) finish(t *testing.T) int64 {
	t.Helper()
	close(h.stop)
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	require.NoError(t, h.err)
	return h.calls.Load()
}

// TestHostileInput runs a campaign of hostile and broken input against a
// gateway while a healthy session (over TCP) makes calls in a loop. Every
// input gets its documented answer, and the healthy session keeps working
// through the whole campaign, never ending and never missing an event:
//
//	malformed SIP over UDP                     dropped (sipgo cannot parse it); a request
//	                                           with a start line and no headers: 400
//	malformed SIP over TCP                     the connection is closed (a message over
//	                                           the size limit: 513 first)
//	a request of SIP/3.0 (well formed)         505
//	body over sip.max_body_size (TCP)          413, the limit in the reason phrase
//	datagram over 32 KiB (UDP)                 read whole and answered (here 400: truncated)
//	XML with a DTD, an entity bomb, XXE         400 Bad CSTA Body: document type declarations ...
//	XML nested too deeply                      400 Bad CSTA Body: ... nested too deeply
//	invalid UTF-8                              400 Bad CSTA Body: ... not valid UTF-8
//	truncated XML                              400 Bad CSTA Body: ... truncated
//	wrong content type                         415 with Accept: application/csta+xml
//	INFO, BYE, re-INVITE to unknown dialogs     481
//	another user's line or device (INVITE)     403; in a session (INFO) a CSTAErrorCode
//	                                           privilegeViolationSpecifiedDevice
//	INVITE flood from an untrusted address     403 each, no state kept
//	duplicate From, Call-ID, CSeq, To,         400 (UDP and TCP), no session
//	  Content-Length
//	CANCEL racing its INVITE (TCP, 90 rounds)  one final answer each: 200 (CANCEL 200 or
//	                                           481) or 487 (CANCEL 200, no session left)
//	replayed or lower in-dialog CSeq           500, the request not run again
//	RFC 4475 wsinv, inv2543, mismatch01,       481 (no such dialog), 415 (SDP), 400, 420
//	  bext01, unkscm                           with Unsupported, 416; To with one tag
//	From sips:, %62ob, Bob, bob:secret         bob, bob, another user (403), 403;
//	                                           MakeCall with two lcs:line refused
//	TCP requests naming another host in Via,   no connection to that host
//	  the connection closed at once
//	400 untrusted TCP connections              those over the caps (128 per address) closed at once
//	CTI frames: bad header, bad invoke ID,     the pool drops the connection and reconnects
//	  short length, truncated
//	CTI frames: not XML, oversized, DTD,       the frame is dropped, the connection stays
//	  event of an unknown monitor
func TestHostileInput(t *testing.T) {
	n := startNode(t, nodeConfig{PBX: newPBX(t, nil), Config: func(c *gateway.Config) {
		c.SIP.TrustedPeers = []string{"127.0.0.1/32"} // 127.0.0.2 is untrusted
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := dialClient(ctx, t, alice, sip.ClientConfig{Gateway: n.URI("tcp")})
	require.NoError(t, err)
	_, err = c.Monitor(ctx)
	require.NoError(t, err)
	h := startHealthy(ctx, c)
	h.progressed(t, "the start")
	faults := 0
	step := func(name string, f func(t *testing.T)) {
		t.Run(name, f)
		faults++
		h.progressed(t, name)
	}
	ct := "application/csta+xml"
	xml := func(s string) []byte { return []byte(s) }
	ed3 := `xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"`

	for _, network := range []string{"udp", "tcp"} {
		step("malformed SIP over "+network, func(t *testing.T) {
			for _, raw := range []string{
				"\x00\x01\x02\x03 garbage\r\n\r\n",
				"INVITE\r\n\r\n",
				"OPTIONS sip:cti@127.0.0.1 SIP/2.0\r\nVia SIP/2.0/UDP nowhere\r\n\r\n",
				"OPTIONS sip:cti@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\nContent-Length: 99999999\r\n\r\n",
				"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnothing\r\nCSeq: 1 INFO\r\nContent-Length: 0\r\n\r\n",
				"INFO sip:cti@127.0.0.1 SIP/3.0\r\n\r\n",
				strings.Repeat("A", 20000) + "\r\n\r\n",
			} {
				conn, err := net.Dial(network, n.Target())
				require.NoError(t, err)
				_ = conn.SetDeadline(time.Now().Add(300 * time.Millisecond))
				_, _ = conn.Write([]byte(raw))
				buf := make([]byte, 4096)
				k, err := conn.Read(buf)
				_ = conn.Close()
				if err == nil {
					// The only answers the gateway gives to malformed SIP
					// (sipgo answers in the version the request named):
					// 400, or over TCP 513 to a message over the size
					// limit, before the connection is closed.
					assert.Regexp(t, `^SIP/\d\.\d (400|513) `, string(buf[:k]), "answer to %.40q", raw)
				}
			}
			res, err := options(network, n.Target())
			require.NoError(t, err)
			assert.Equal(t, 200, res.Status, "OPTIONS after the garbage")
		})
	}

	step("another SIP version", func(t *testing.T) {
		for _, network := range []string{"udp", "tcp"} {
			conn, err := net.Dial(network, n.Target())
			require.NoError(t, err)
			_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
			_, _ = conn.Write([]byte("OPTIONS sip:cti@127.0.0.1 SIP/3.0\r\n" +
				"Via: SIP/2.0/" + strings.ToUpper(network) + " " + conn.LocalAddr().String() + ";branch=z9hG4bK-v3" + network + "\r\n" +
				"From: <sip:x@example.com>;tag=v\r\nTo: <sip:cti@127.0.0.1>\r\nCall-ID: v3-" + network + "\r\n" +
				"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"))
			res, err := parseResponseFrom(conn)
			_ = conn.Close()
			require.NoError(t, err, network)
			assert.Equal(t, 505, res.Status, network)
		}
	})

	step("a request with a start line and nothing else", func(t *testing.T) {
		conn, err := net.Dial("udp", n.Target())
		require.NoError(t, err)
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
		_, _ = conn.Write([]byte("OPTIONS sip:cti@127.0.0.1 SIP/2.0\r\n\r\n"))
		res, err := parseResponseFrom(conn)
		require.NoError(t, err)
		assert.Equal(t, 400, res.Status)
	})

	for _, network := range []string{"udp", "tcp"} {
		step("bad bodies in a session over "+network, func(t *testing.T) {
			d, err := openRawDialog(network, n.Target(), bob)
			require.NoError(t, err)
			defer d.close()
			for _, tt := range []struct {
				name, ctype string
				body        []byte
				status      int
				reason      string
			}{
				{"DTD", ct, xml(`<!DOCTYPE MakeCall><MakeCall ` + ed3 + `/>`), 400, "Bad CSTA Body: csta: document type declarations are not allowed"},
				{"entity bomb", ct, xml(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><MakeCall>&lol3;</MakeCall>`), 400, "Bad CSTA Body: csta: document type declarations are not allowed"},
				{"external entity", ct, xml(`<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><MakeCall><callingDevice>&xxe;</callingDevice></MakeCall>`), 400, "Bad CSTA Body: csta: document type declarations are not allowed"},
				{"deep nesting", ct, xml(`<MakeCall ` + ed3 + `>` + strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200) + `</MakeCall>`), 400, "Bad CSTA Body: csta: document nested too deeply"},
				{"invalid UTF-8", ct, xml("<MakeCall " + ed3 + "><callingDevice>\xc3\x28</callingDevice></MakeCall>"), 400, "Bad CSTA Body: csta: document is not valid UTF-8"},
				{"truncated", ct, xml(`<MakeCall ` + ed3 + `><callingDevice>tel:1002;phone-con`), 400, "Bad CSTA Body: csta: document is truncated"},
				{"foreign namespace", ct, xml(`<MakeCall xmlns="urn:evil"/>`), 400, "Bad CSTA Body: csta: unsupported namespace"},
				{"text/plain", "text/plain", xml("MakeCall 2000"), 415, "Unsupported Media Type"},
				{"application/xml", "application/xml", xml(`<MakeCall ` + ed3 + `/>`), 415, "Unsupported Media Type"},
				{"no content type", "", xml(`<MakeCall ` + ed3 + `/>`), 415, "Missing Content-Type"},
			} {
				res, err := d.send("INFO", tt.ctype, tt.body)
				require.NoError(t, err, tt.name)
				assert.Equal(t, tt.status, res.Status, "%s: %d %s", tt.name, res.Status, res.Reason)
				assert.Contains(t, res.Reason, tt.reason, tt.name)
				if tt.status == 415 && tt.ctype != "" {
					assert.Equal(t, "application/csta+xml", res.Header.Get("Accept"), tt.name)
				}
			}
			// A root element that is no CSTA message is a request the
			// gateway does not support.
			res, err := d.send("INFO", ct, xml(`<html><body>hello</body></html>`))
			require.NoError(t, err)
			assert.Equal(t, 200, res.Status)
			assert.Contains(t, string(res.Body), "serviceNotSupported")
			// The session is still good.
			res, err = d.send("INFO", ct, xml(`<SnapshotDevice `+ed3+`><snapshotObject>`+bob.Line()+`</snapshotObject></SnapshotDevice>`))
			require.NoError(t, err)
			assert.Equal(t, 200, res.Status)
			assert.Contains(t, string(res.Body), "SnapshotDeviceResponse")
		})
	}

	step("bodies over the size limit", func(t *testing.T) {
		limit := n.Config().SIP.MaxBodySize
		d, err := openRawDialog("tcp", n.Target(), bob)
		require.NoError(t, err)
		defer d.close()
		big := xml(`<MakeCall ` + ed3 + `>` + strings.Repeat(" ", limit) + `</MakeCall>`)
		res, err := d.send("INFO", ct, big)
		require.NoError(t, err)
		assert.Equal(t, 413, res.Status)
		assert.Contains(t, res.Reason, fmt.Sprintf("limit %d", limit))
		// Over UDP a datagram larger than sipgo's default read buffer
		// (32 KiB) is read whole and answered.
		u, err := openRawDialog("udp", n.Target(), bob)
		require.NoError(t, err)
		defer u.close()
		res, err = u.send("INFO", ct, big[:40000])
		require.NoError(t, err, "a 40 kB datagram")
		assert.Equal(t, 400, res.Status)
		assert.Contains(t, res.Reason, "truncated")
	})

	step("unknown dialogs", func(t *testing.T) {
		for _, network := range []string{"udp", "tcp"} {
			d, err := openRawDialog(network, n.Target(), bob)
			require.NoError(t, err)
			d.end()
			for _, method := range []string{"INFO", "BYE", "INVITE"} {
				res, err := d.send(method, ct, xml(`<RequestSystemStatus `+ed3+`/>`))
				require.NoError(t, err, "%s over %s", method, network)
				assert.Equal(t, 481, res.Status, "%s to an ended dialog over %s", method, network)
			}
			d.toTag = "nosuchdialog"
			res, err := d.send("INFO", ct, xml(`<RequestSystemStatus `+ed3+`/>`))
			require.NoError(t, err)
			assert.Equal(t, 481, res.Status, "INFO to a dialog that never was, over %s", network)
			_ = d.conn.Close()
		}
	})

	step("another user's line or device", func(t *testing.T) {
		for _, line := range []string{bob.Line(), "tel:1002", "tel:1001;phone-context=dialstring;device=SEP000000001002", "tel:1003;phone-context=dialstring;device=CSFCAROL"} {
			_, err := openRawDialog("udp", n.Target(), user{Name: alice.Name, URI: line})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "answered 403", line)
		}
		d, err := openRawDialog("udp", n.Target(), bob)
		require.NoError(t, err)
		defer d.close()
		for _, body := range []string{
			`<MakeCall ` + ed3 + `><callingDevice>` + alice.Line() + `</callingDevice><calledDirectoryNumber>tel:2000</calledDirectoryNumber></MakeCall>`,
			`<MonitorStart ` + ed3 + `><monitorObject><deviceObject>` + alice.Line() + `</deviceObject></monitorObject></MonitorStart>`,
			`<SetForwarding ` + ed3 + `><device>` + alice.Line() + `</device><forwardingType>forwardImmediate</forwardingType><forwardDN>tel:2000</forwardDN><activateForward>true</activateForward></SetForwarding>`,
			`<SnapshotDevice ` + ed3 + `><snapshotObject>SEP000000001001</snapshotObject></SnapshotDevice>`,
		} {
			res, err := d.send("INFO", ct, xml(body))
			require.NoError(t, err)
			assert.Equal(t, 200, res.Status)
			assert.Contains(t, string(res.Body), "privilegeViolationSpecifiedDevice", "%.40s", body)
		}
	})

	step("INVITE flood from an untrusted address", func(t *testing.T) {
		before := n.SIP().Stats()
		conn, err := net.DialUDP("udp", &net.UDPAddr{IP: net.ParseIP("127.0.0.2")}, net.UDPAddrFromAddrPort(mustAddrPort(n.Target())))
		require.NoError(t, err)
		defer conn.Close()
		// The front door answers as fast as the flood comes: give the
		// answers room (the default buffer holds a few hundred).
		_ = conn.SetReadBuffer(4 << 20)
		const flood = 2000
		var answered, forbidden atomic.Int64
		done := make(chan struct{})
		go func() {
			defer close(done)
			buf := make([]byte, 65536)
			for answered.Load() < flood {
				_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
				k, err := conn.Read(buf)
				if err != nil {
					return
				}
				answered.Add(1)
				if bytes.HasPrefix(buf[:k], []byte("SIP/2.0 403 ")) {
					forbidden.Add(1)
				}
			}
		}()
		local := conn.LocalAddr().String()
		for i := 0; i < flood; i++ {
			d := &rawDialog{network: "udp", addr: n.Target(), local: local, u: alice, callID: fmt.Sprintf("flood-%d", i), fromTag: fmt.Sprintf("f%d", i)}
			_, err := conn.Write(d.message("INVITE", 1, ct, xml(`<RequestSystemStatus `+ed3+`/>`)))
			require.NoError(t, err)
		}
		<-done
		t.Logf("%d INVITEs from 127.0.0.2: %d answered, %d with 403", flood, answered.Load(), forbidden.Load())
		assert.Equal(t, answered.Load(), forbidden.Load(), "every answer is 403")
		assert.Greater(t, answered.Load(), int64(flood*9/10), "most INVITEs were answered (UDP may drop a few)")
		after := n.SIP().Stats()
		assert.Equal(t, before.Dialogs, after.Dialogs, "the flood left dialogs behind")
		assert.Equal(t, 1, n.openSessions(), "the flood opened sessions")
	})

	step("duplicate From, Call-ID, CSeq, To, Content-Length", func(t *testing.T) {
		body := xml(`<RequestSystemStatus ` + ed3 + `><extensions><privateData><private><lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">` + bob.Line() + `</lcs:line></private></privateData></extensions></RequestSystemStatus>`)
		for _, network := range []string{"udp", "tcp"} {
			for _, dup := range []string{"From: <" + bob.AOR() + ">;tag=x", "Call-ID: other", "CSeq: 7 INVITE", "To: <sip:x@y>", "l: 3"} {
				conn, err := net.DialTimeout(network, n.Target(), 2*time.Second)
				require.NoError(t, err)
				d := &rawDialog{network: network, addr: n.Target(), local: conn.LocalAddr().String(), conn: conn, u: alice,
					callID: fmt.Sprintf("dup-%s-%d", network, len(dup)), fromTag: "d1", cseq: 1}
				if network == "tcp" {
					d.br = bufio.NewReader(conn)
				}
				res, err := d.send("INVITE", ct, body, dup)
				conn.Close()
				require.NoError(t, err, dup)
				assert.Equal(t, 400, res.Status, "%s over %s", dup, network)
			}
		}
		assert.Equal(t, 1, n.openSessions(), "a duplicate header opened a session")
	})

	step("CANCEL racing its INVITE over TCP", func(t *testing.T) {
		const rounds = 90
		finals, cancels := cancelRace(t, n.Target(), bob, rounds)
		accepted, cancelled, unmatched := 0, 0, 0
		for id, f := range finals {
			if len(cancels[id]) == 1 && cancels[id][0] == 481 {
				unmatched++
			}
			require.Len(t, f, 1, "%s: final responses %v", id, f)
			require.Len(t, cancels[id], 1, "%s: CANCEL answers %v", id, cancels[id])
			switch f[0] {
			case 200:
				accepted++
				assert.Contains(t, []int{200, 481}, cancels[id][0], id)
			case 487:
				cancelled++
				assert.Equal(t, 200, cancels[id][0], id)
			default:
				t.Errorf("%s: INVITE answered %d", id, f[0])
			}
		}
		t.Logf("%d INVITEs each with its CANCEL just before or after it: %d answered 200 (then ended with BYE), %d answered 487; none answered twice; %d CANCELs found no INVITE (481)", rounds, accepted, cancelled, unmatched)
		eventually(t, func() bool { return n.openSessions() == 1 }, "only the healthy session left")
	})

	for _, network := range []string{"udp", "tcp"} {
		step("replayed in-dialog CSeq over "+network, func(t *testing.T) {
			d, err := openRawDialog(network, n.Target(), bob)
			require.NoError(t, err)
			defer d.close()
			snap := xml(`<SnapshotDevice ` + ed3 + `><snapshotObject>` + bob.Line() + `</snapshotObject></SnapshotDevice>`)
			res, err := d.send("INFO", ct, snap) // CSeq 2
			require.NoError(t, err)
			require.Equal(t, 200, res.Status)
			d.cseq = 1 // the same CSeq again, under a new branch
			res, err = d.send("INFO", ct, snap)
			require.NoError(t, err)
			assert.Equal(t, 500, res.Status, "a replayed CSeq: %d %s", res.Status, res.Reason)
			d.cseq = 9
			res, err = d.send("INFO", ct, snap) // CSeq 10
			require.NoError(t, err)
			require.Equal(t, 200, res.Status)
			d.cseq = 1
			res, err = d.send("INFO", ct, snap) // CSeq 2, lower than the last and seen
			require.NoError(t, err)
			assert.Equal(t, 500, res.Status, "a lower, seen CSeq: %d %s", res.Status, res.Reason)
			d.cseq = 10
		})
	}

	step("RFC 4475 torture messages", func(t *testing.T) {
		for _, tt := range []struct {
			name     string
			networks []string
			status   int
		}{
			{"wsinv", []string{"udp", "tcp"}, 481}, // valid; its To tag names no dialog
			{"inv2543", []string{"udp"}, 415},      // valid (RFC 2543); its body is SDP
			{"mismatch01", []string{"udp", "tcp"}, 400},
			{"bext01", []string{"udp", "tcp"}, 420},
			{"unkscm", []string{"udp", "tcp"}, 416},
		} {
			for _, network := range tt.networks {
				res, err := sendTorture(network, n.Target(), torture[tt.name])
				require.NoError(t, err, "%s over %s", tt.name, network)
				assert.Equal(t, tt.status, res.Status, "%s over %s: %d %s", tt.name, network, res.Status, res.Reason)
				assert.Equal(t, 1, strings.Count(res.Header.Get("To"), "tag"), "%s over %s: To %s", tt.name, network, res.Header.Get("To"))
				if tt.name == "bext01" {
					assert.Equal(t, "nothingSupportsThis, nothingSupportsThisEither", res.Header.Get("Unsupported"))
				}
			}
		}
	})

	step("who the user is", func(t *testing.T) {
		for _, tt := range []struct {
			from string
			ok   bool
		}{
			{"sips:bob@example.com", true},        // sips is the same user
			{"sip:%62ob@EXAMPLE.com", true},       // escaped, host without case
			{"sip:Bob@example.com", false},        // the user part has case: another user
			{"sip:bob:secret@example.com", false}, // a password: refused
		} {
			d, err := openRawDialogFrom("tcp", n.Target(), bob, tt.from)
			if tt.ok {
				require.NoError(t, err, tt.from)
				d.close()
				continue
			}
			require.Error(t, err, tt.from)
			assert.Contains(t, err.Error(), "answered 403", tt.from)
		}
		d, err := openRawDialog("tcp", n.Target(), bob)
		require.NoError(t, err)
		defer d.close()
		res, err := d.send("INFO", ct, xml(`<MakeCall `+ed3+`><callingDevice>`+bob.Line()+`</callingDevice><calledDirectoryNumber>tel:2000</calledDirectoryNumber>`+
			`<extensions><privateData><private><lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">`+bob.Line()+`</lcs:line>`+
			`<lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">`+alice.Line()+`</lcs:line></private></privateData></extensions></MakeCall>`))
		require.NoError(t, err)
		assert.Equal(t, 200, res.Status)
		assert.Contains(t, string(res.Body), "privilegeViolationSpecifiedDevice", "a MakeCall with two lcs:line")
	})

	step("TCP requests naming another host in Via, closed at once", func(t *testing.T) {
		victim, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer victim.Close()
		var dialed atomic.Int64
		go func() {
			for {
				c, err := victim.Accept()
				if err != nil {
					return
				}
				dialed.Add(1)
				c.Close()
			}
		}()
		for i := 0; i < 50; i++ {
			conn, err := net.Dial("tcp", n.Target())
			require.NoError(t, err)
			fmt.Fprintf(conn, "OPTIONS sip:cti@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bK-refl%d\r\nFrom: <sip:x@y>;tag=1\r\n"+
				"To: <sip:cti@x>\r\nCall-ID: refl-%d\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
				n.Target(), victim.Addr(), i, i)
			conn.Close()
		}
		time.Sleep(500 * time.Millisecond)
		t.Logf("connections the gateway opened to the Via address: %d", dialed.Load())
		assert.Zero(t, dialed.Load(), "the gateway connected to an address named in Via")
	})

	step("untrusted TCP connections, idle and otherwise", func(t *testing.T) {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		closed := 0
		for i := 0; i < 400; i++ {
			c, err := net.DialTCP("tcp", &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, net.TCPAddrFromAddrPort(mustAddrPort(n.Target())))
			if err != nil {
				closed++
				continue
			}
			conns = append(conns, c)
		}
		// Over the caps (128 per address, and a quarter of 1024 for
		// untrusted addresses) the gateway closes them at once.
		for _, c := range conns {
			_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
				closed++
			}
		}
		t.Logf("400 untrusted connections: %d closed at once", closed)
		assert.GreaterOrEqual(t, closed, 400-256, "untrusted connections over the cap")
	})

	// CTI frames from a hostile server, on the endpoints the healthy
	// session does not use.
	own := endpointOf(n)[alice.AOR()]
	var hostile []*ctitest.Server
	for _, ep := range n.Cluster().Endpoints() {
		if ep.Name() != own {
			hostile = append(hostile, ep)
		}
	}
	require.Len(t, hostile, 2)
	dtd, _ := framing.AppendFrame(nil, framing.EventInvokeID, xml(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><DeliveredEvent>&lol2;</DeliveredEvent>`))
	stranger, _ := framing.AppendFrame(nil, framing.EventInvokeID, xml(`<DeliveredEvent `+ed3+`><monitorCrossRefID>999999</monitorCrossRefID><connection><callID>1</callID><deviceID>1001</deviceID></connection><alertingDevice><deviceIdentifier>1001</deviceIdentifier></alertingDevice><callingDevice><deviceIdentifier>2000</deviceIdentifier></callingDevice><calledDevice><deviceIdentifier>1001</deviceIdentifier></calledDevice><lastRedirectionDevice><notRequired/></lastRedirectionDevice><localConnectionInfo>alerting</localConnectionInfo><cause>newCall</cause></DeliveredEvent>`))
	for _, tt := range []struct {
		name      string
		send      func(s *ctitest.Server) int
		reconnect bool
	}{
		{"bad frame format", func(s *ctitest.Server) int { return s.SendGarbage(ctitest.GarbageBadFormat) }, true},
		{"frame length shorter than its header", func(s *ctitest.Server) int { return s.SendGarbage(ctitest.GarbageShortLength) }, true},
		{"invoke ID not digits", func(s *ctitest.Server) int { return s.SendGarbage(ctitest.GarbageBadInvokeID) }, true},
		{"truncated frame", func(s *ctitest.Server) int { return s.SendGarbage(ctitest.GarbageTruncated) }, true},
		// A body that is not XML is garbage on the link: the connection
		// fails and the pool reconnects (issue 13, "Bad input").
		{"frame that is not XML", func(s *ctitest.Server) int { return s.SendGarbage(ctitest.GarbageXML) }, true},
		{"oversized frame", func(s *ctitest.Server) int { return s.SendGarbage(ctitest.GarbageOversized) }, true},
		{"frame with a DTD", func(s *ctitest.Server) int { return s.SendRaw(dtd) }, false},
		{"event of an unknown monitor", func(s *ctitest.Server) int { return s.SendRaw(stranger) }, false},
	} {
		step("CTI: "+tt.name, func(t *testing.T) {
			before := map[string]ctipool.EndpointStats{}
			for _, ep := range hostile {
				before[ep.Name()] = endpointStats(n, ep.Name())
				require.Equal(t, 1, tt.send(ep), "%s reached no connection", ep.Name())
				if !tt.reconnect {
					// An event of an unknown monitor behind it: once the
					// pool has dropped that one, it has read the frame.
					require.Equal(t, 1, ep.SendRaw(stranger))
				}
			}
			for _, ep := range hostile {
				name := ep.Name()
				eventually(t, func() bool {
					e := endpointStats(n, name)
					if tt.reconnect {
						return e.State == ctipool.StateUp && e.Generation > before[name].Generation
					}
					return e.EventsDropped > before[name].EventsDropped
				}, "%s after %s", name, tt.name)
				if !tt.reconnect {
					e := endpointStats(n, name)
					assert.Equal(t, ctipool.StateUp, e.State, "%s after %s", name, tt.name)
					assert.Equal(t, before[name].Generation, e.Generation, "%s reconnected after %s", name, tt.name)
				}
			}
			require.NoError(t, n.Pool().WaitHealthy(ctx, 3))
		})
	}

	calls := h.finish(t)
	ended, why := c.ended()
	assert.False(t, ended, "the healthy session ended: %v", why)
	figures(t, "faults injected", faults, "healthy session calls", calls, "healthy session failures", 0, "sessions disturbed", 0)
}

// parseResponseFrom reads one SIP response from a datagram socket.
func parseResponseFrom(conn net.Conn) (*rawResponse, error) {
	buf := make([]byte, 65536)
	k, err := conn.Read(buf)
	if err != nil {
		return nil, err
	}
	return parseResponse(bufioReader(buf[:k]))
}

// isTimeout reports whether err is a timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
