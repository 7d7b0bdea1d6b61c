package sip

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// writeTimeoutListener wraps the listener of a reliable transport so that
// every write on a connection it accepts must finish within timeout.
// sipgo v1.7.2 sets no write deadline on TCP and TLS connections by
// default, so a peer that stops reading (while its connection stays open)
// would block the writer once the socket buffers are full, and every later
// writer on that connection behind it: a response, the event sender of
// each dialog on it, Shutdown's BYEs.
type writeTimeoutListener struct {
	net.Listener
	timeout time.Duration
}

// Accept wraps the accepted connection.
func (l writeTimeoutListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &writeTimeoutConn{Conn: c, timeout: l.timeout}, nil
}

// writeTimeoutConn is a connection whose writes time out. Writes take
// turns, so that the deadline is always the current write's: with
// concurrent writers each setting its own, a steady stream of them would
// keep pushing a blocked write's deadline back. A write that times out
// aborts the connection (it is reset, and what was not sent is dropped),
// since part of a message may have gone out; the reader then fails, and
// sipgo drops the connection and fails its transactions.
type writeTimeoutConn struct {
	net.Conn
	timeout time.Duration
	mu      sync.Mutex
}

// Write writes b within the timeout or closes the connection.
func (c *writeTimeoutConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(b)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		// Abort rather than close: a graceful close would leave the
		// unsent data (up to the socket's send buffer) in the kernel for
		// as long as the peer takes to read it, or minutes.
		if l, ok := c.Conn.(interface{ SetLinger(int) error }); ok {
			l.SetLinger(0)
		}
		c.Conn.Close()
		err = fmt.Errorf("sip: write to %s blocked for %s (ServerConfig.WriteTimeout); connection closed: %w", c.RemoteAddr(), c.timeout, err)
	}
	return n, err
}
