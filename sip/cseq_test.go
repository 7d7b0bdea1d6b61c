package sip

import (
	"fmt"
	"strings"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// infoWithCSeq sends an INFO of the dialog with the given CSeq number and a
// new branch, and returns its final response.
func (d *rawDialog) infoWithCSeq(cseq int, body string) *sipmsg.Response {
	h := d.headers("INFO")
	d.cseq--
	h[len(h)-1] = fmt.Sprintf("CSeq: %d INFO", cseq)
	h = append(h, "Content-Type: application/csta+xml")
	d.p.send("INFO "+d.uri+" SIP/2.0", h, body)
	return d.p.response(sipmsg.INFO)
}

func TestInDialogCSeqReplayIsRefused(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{})
			p := dialRaw(t, ts, tr)
			d := p.open()
			sess := ts.handler.session(t, 0)
			require.Equal(t, 200, d.infoWithCSeq(2, makeCallBody).StatusCode)
			// The same CSeq again, as a new transaction: a replay.
			res := d.infoWithCSeq(2, makeCallBody)
			assert.Equal(t, 500, res.StatusCode, res.StartLine())
			require.Equal(t, 200, d.infoWithCSeq(5, makeCallBody).StatusCode)
			// Lower than the last, and already seen.
			assert.Equal(t, 500, d.infoWithCSeq(2, makeCallBody).StatusCode)
			assert.Equal(t, 500, d.infoWithCSeq(5, makeCallBody).StatusCode)
			require.Equal(t, 200, d.infoWithCSeq(500, makeCallBody).StatusCode)
			// Far below the last: older than any reordering.
			assert.Equal(t, 500, d.infoWithCSeq(6, makeCallBody).StatusCode)
			// Not above the INVITE's.
			assert.Equal(t, 500, d.infoWithCSeq(1, makeCallBody).StatusCode)
			assert.Equal(t, int32(3), sess.handled.Load(), "MakeCalls executed")
		})
	}
}

// TestPipelinedInfosAllSucceed sends many INFOs back to back in one write,
// which sipgo may hand to the server in any order: none is a replay, so all
// succeed.
func TestPipelinedInfosAllSucceed(t *testing.T) {
	const n = 40
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ts := startServer(t, ServerConfig{})
			p := dialRaw(t, ts, tr)
			d := p.open()
			sess := ts.handler.session(t, 0)
			var batch []byte
			for range n {
				h := append(d.headers("INFO"), "Content-Type: application/csta+xml")
				msg := rawMessage("INFO "+d.uri+" SIP/2.0", h, makeCallBody)
				if tr == "udp" {
					p.write(msg)
					continue
				}
				batch = append(batch, msg...)
			}
			if len(batch) > 0 {
				p.write(batch)
			}
			var codes []string
			for got := 0; got < n; {
				m := p.next()
				res, ok := m.(*sipmsg.Response)
				require.True(t, ok, "unexpected %s", firstLine(m))
				if res.IsProvisional() || res.CSeq().MethodName == sipmsg.INVITE {
					continue // over UDP the 2xx may be resent before the ACK is taken
				}
				got++
				if res.StatusCode != 200 {
					codes = append(codes, res.StartLine()+" "+res.CSeq().Value())
				}
			}
			assert.Empty(t, codes, "refused: %s", strings.Join(codes, ", "))
			assert.Equal(t, int32(n), sess.handled.Load())
		})
	}
}
