package cstatcp_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta/framing"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
)

// TestHandshakeGarbage: a server that sends what is not CSTA XML during
// the handshake fails Dial with ErrHandshake, naming the endpoint and the
// dialect, at once.
func TestHandshakeGarbage(t *testing.T) {
	for _, d := range []string{"openscape-voice", "ecma354", "avaya-dmcc"} {
		t.Run(d, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer ln.Close()
			go func() {
				nc, err := ln.Accept()
				if err != nil {
					return
				}
				defer nc.Close()
				if d != "openscape-voice" {
					// Wait for the StartApplicationSession and answer it with garbage.
					f, err := framing.NewReader(nc, 0).ReadFrame()
					if err != nil {
						return
					}
					_ = framing.WriteFrame(nc, f.InvokeID, []byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
				} else {
					_ = framing.WriteFrame(nc, 1, []byte("\x00\x01 not xml"))
				}
				_, _ = nc.Read(make([]byte, 1)) // until the client closes
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			_, err = cstatcp.Dial(ctx, cstatcp.Config{Addr: ln.Addr().String(), Dialect: d, Username: "u", Password: "p"})
			require.ErrorIs(t, err, cstatcp.ErrHandshake)
			assert.ErrorContains(t, err, ln.Addr().String())
			assert.ErrorContains(t, err, d)
			assert.NoError(t, ctx.Err(), "no hang (%v)", time.Since(start))
		})
	}
}
