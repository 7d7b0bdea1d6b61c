package sip

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

// A client that stops reading its TCP connection while keeping it open:
// the server's write of an event blocks once the socket buffers are full,
// fails after WriteTimeout, and the server closes the connection, instead
// of blocking the dialog's event sender (and every later write on the
// connection, and Shutdown) for good.
func TestWriteTimeoutClosesConnectionOfPeerThatStopsReading(t *testing.T) {
	type done struct {
		status int
		err    error
	}
	events := make(chan done, 16)
	obs := &Observer{EventDone: func(_ string, status int, err error) { events <- done{status, err} }}
	ts := startServer(t, ServerConfig{WriteTimeout: 200 * time.Millisecond, Observer: obs})
	p := dialRaw(t, ts, "tcp")
	require.NoError(t, p.conn.(*net.TCPConn).SetReadBuffer(4<<10))
	p.open()
	sess := ts.handler.session(t, 0)

	p.pauseReading()
	defer p.resumeReading() // if the test fails first
	// Far more than the socket buffers hold (at most 4 MiB to send on
	// Linux, and the peer's small receive buffer).
	big := event(1, "m1")
	big.Extensions = &csta.Extensions{Private: []csta.RawXML{csta.RawXML("<x>" + strings.Repeat("y", 16<<20) + "</x>")}}
	require.NoError(t, sess.req.Events.SendEvent(big))

	// The event fails while the peer still does not read: without a write
	// timeout the write would block until the peer reads again.
	select {
	case d := <-events:
		assert.Equal(t, 0, d.status)
		require.Error(t, d.err)
		assert.Contains(t, d.err.Error(), "WriteTimeout")
	case <-time.After(15 * time.Second):
		t.Fatal("the event write did not fail while the peer did not read")
	}

	// The server aborted the connection: once the peer reads again, it
	// gets at most what was buffered and then a reset.
	p.resumeReading()
	select {
	case <-p.readDone:
	case <-time.After(15 * time.Second):
		t.Fatal("the server kept the connection open")
	}
}
