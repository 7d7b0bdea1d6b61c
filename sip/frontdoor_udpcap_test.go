package sip

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestFrontDoorUDPTransactionCap fills MaxUDPTransactions through real
// loopback UDP: the next new request is answered 503 with Retry-After by
// the front door, with no sipgo transaction, while the open dialog's INFOs
// still work; after the window new requests pass again.
func TestFrontDoorUDPTransactionCap(t *testing.T) {
	const limit = 50
	ts := startServer(t, ServerConfig{TrustedPeers: onlyLocalhost, MaxUDPTransactions: limit})
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	ts.front.udp.mu.Lock()
	ts.front.udp.now = clock.now
	ts.front.udp.mu.Unlock()

	p := dialRaw(t, ts, "udp")
	d := p.open() // the INVITE is counted, its ACK is not
	assert.Equal(t, 200, d.info(makeCallBody).StatusCode)
	counted, _ := ts.front.udp.counts()
	require.Equal(t, 2, counted)

	peer := newUDPPeer(t, "127.0.0.1:0")
	uri := "sip:cti@" + ts.udp
	n := 0
	options := func() ([]byte, *sipmsg.Response) {
		n++
		req := sipRequest("OPTIONS", uri, "Via: SIP/2.0/UDP "+peer.addr()+";branch=z9hG4bK-cap"+strconv.Itoa(n), fmt.Sprintf("cap%d@x", n), nil, "")
		peer.send(ts.udp, req)
		res := peer.response(5 * time.Second)
		require.NotNil(t, res, "no answer to OPTIONS %d", n)
		return req, res
	}
	for range limit - counted {
		_, res := options()
		require.Equal(t, 200, res.StatusCode, res.StartLine())
	}
	counted, _ = ts.front.udp.counts()
	require.Equal(t, limit, counted)

	// At the cap: 503, statelessly, with Retry-After until the counted
	// requests are forgotten (32 to 33 s from now).
	req, res := options()
	assert.Equal(t, 503, res.StatusCode, res.StartLine())
	ra := res.GetHeader("Retry-After")
	require.NotNil(t, ra)
	secs, err := strconv.Atoi(ra.Value())
	require.NoError(t, err)
	assert.True(t, secs >= 32 && secs <= 33, "Retry-After %d", secs)
	assert.False(t, txExists(t, ts.Server, req), "sipgo made a transaction for the refused request")

	// A new INVITE is refused too and never reaches the handler.
	opened := ts.handler.count()
	p2 := dialRaw(t, ts, "udp")
	p2.invite(nil, rssBody)
	assert.Equal(t, 503, p2.response(sipmsg.INVITE).StatusCode)
	assert.Equal(t, opened, ts.handler.count())

	// The open dialog keeps working: its requests may use the reserve.
	for range 3 {
		assert.Equal(t, 200, d.info(makeCallBody).StatusCode)
	}
	// A To tag of no dialog gets no reserve.
	_, res = func() ([]byte, *sipmsg.Response) {
		n++
		req := sipRequest("INFO", uri, "Via: SIP/2.0/UDP "+peer.addr()+";branch=z9hG4bK-cap"+strconv.Itoa(n), "nodialog@x", []string{"X: y"}, "")
		req = []byte(strings.Replace(string(req), "To: <"+uri+">", "To: <"+uri+">;tag=forged", 1))
		peer.send(ts.udp, req)
		return req, peer.response(5 * time.Second)
	}()
	require.NotNil(t, res)
	assert.Equal(t, 503, res.StatusCode)

	st := ts.Stats()
	assert.Equal(t, uint64(3), st.UDPTransactionsRefused)
	assert.Equal(t, uint64(3), st.Responses[503])

	// After the window the counted requests are forgotten.
	clock.advance(udpTxnWindow + time.Second)
	_, res = options()
	assert.Equal(t, 200, res.StatusCode, res.StartLine())
	counted, refused := ts.front.udp.counts()
	assert.Equal(t, 1, counted)
	assert.Equal(t, uint64(3), refused)
}

// TestUDPTxnCapRing checks the ring's arithmetic over bucket boundaries.
func TestUDPTxnCapRing(t *testing.T) {
	var c udpTxnCap
	c.init(10, 32*time.Second)
	clock := &fakeClock{t: time.Unix(1_800_000_000, 400_000_000)}
	c.now = clock.now
	no := func() bool { return false }
	yes := func() bool { return true }
	for i := range 10 {
		ok, _, _ := c.admit(no)
		require.True(t, ok, "request %d", i)
		clock.advance(time.Second) // one per bucket
	}
	ok, retry, logNow := c.admit(no)
	assert.False(t, ok)
	assert.True(t, logNow)
	// The oldest request, counted 10 s ago in the bucket begun 10.4 s ago,
	// is forgotten when 33 buckets have begun since: in 22.6 s.
	assert.Equal(t, 22600*time.Millisecond, retry)
	_, _, logNow = c.admit(no)
	assert.False(t, logNow, "logged twice in a second")
	clock.advance(retry - time.Millisecond)
	ok, _, _ = c.admit(no)
	assert.False(t, ok, "forgotten too early")
	clock.advance(time.Millisecond)
	ok, _, _ = c.admit(no)
	assert.True(t, ok, "not forgotten after the window")
	ok, _, _ = c.admit(no)
	assert.False(t, ok)
	ok, _, _ = c.admit(yes)
	assert.True(t, ok, "the reserve of a dialog")
	clock.advance(time.Hour)
	ok, _, _ = c.admit(no)
	assert.True(t, ok)
	count, refused := c.counts()
	assert.Equal(t, 1, count)
	assert.Equal(t, uint64(4), refused)
}
