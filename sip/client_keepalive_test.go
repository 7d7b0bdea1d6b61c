package sip

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

// rawGateway is a gateway written by hand on a loopback socket: it opens
// every session, answers OPTIONS as options says (a status, or 0 for no
// answer), and counts the OPTIONS it gets. Over TCP, drop closes the
// connections.
type rawGateway struct {
	t       testing.TB
	addr    string
	options atomic.Int32
	gotOpts atomic.Int32

	mu    sync.Mutex
	conns []net.Conn
}

func startRawGateway(t testing.TB, transport string, options int) *rawGateway {
	t.Helper()
	g := &rawGateway{t: t}
	g.options.Store(int32(options))
	parser := newParser(1 << 20)
	if transport == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { pc.Close() })
		g.addr = pc.LocalAddr().String()
		go func() {
			buf := make([]byte, 65536)
			for {
				n, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				if m, err := parser.ParseSIP(append([]byte(nil), buf[:n]...)); err == nil {
					if res := g.answer(m, "UDP"); res != nil {
						pc.WriteTo([]byte(res.String()), from)
					}
				}
			}
		}()
		return g
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() {
		l.Close()
		g.drop()
	})
	g.addr = l.Addr().String()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			g.mu.Lock()
			g.conns = append(g.conns, c)
			g.mu.Unlock()
			go func() {
				st := parser.NewSIPStream()
				buf := make([]byte, 65536)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					st.ParseSIPStream(buf[:n], func(m sipmsg.Message) {
						if res := g.answer(m, "TCP"); res != nil {
							c.Write([]byte(res.String()))
						}
					})
				}
			}()
		}
	}()
	return g
}

// drop closes every connection.
func (g *rawGateway) drop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.conns {
		c.Close()
	}
	g.conns = nil
}

func (g *rawGateway) answer(m sipmsg.Message, transport string) *sipmsg.Response {
	req, ok := m.(*sipmsg.Request)
	if !ok || req.IsAck() {
		return nil
	}
	ok200 := func(body []byte) *sipmsg.Response {
		res := sipmsg.NewResponseFromRequest(req, 200, "OK", body)
		if to := res.To(); to != nil {
			if _, has := to.Params.Get("tag"); !has {
				to.Params.Add("tag", "gw")
			}
		}
		res.AppendHeader(sipmsg.NewHeader("Contact", "<sip:cti@"+g.addr+";transport="+strings.ToLower(transport)+">"))
		if body != nil {
			ct := sipmsg.ContentTypeHeader(contentTypeCSTA)
			res.AppendHeader(&ct)
		}
		return res
	}
	switch req.Method {
	case sipmsg.INVITE:
		body, _ := csta.Encode(&csta.RequestSystemStatusResponse{SystemStatus: csta.SystemNormal})
		return ok200(body)
	case sipmsg.OPTIONS:
		g.gotOpts.Add(1)
		switch st := int(g.options.Load()); st {
		case 0:
			return nil
		case 200:
			return ok200(nil)
		default:
			return sipmsg.NewResponseFromRequest(req, st, statusText(st), nil)
		}
	}
	return ok200(nil)
}

// dialRawGateway opens a session with g, watched every keepAlive.
func dialRawGateway(t *testing.T, g *rawGateway, transport string, keepAlive time.Duration) (*ClientSession, chan error) {
	t.Helper()
	closed := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, ClientConfig{
		Gateway:   "sip:cti@" + g.addr + ";transport=" + transport,
		User:      "sip:alice@example.com",
		Line:      "tel:1001;phone-context=dialstring",
		LocalAddr: "127.0.0.1:0",
		KeepAlive: keepAlive,
		OnClose:   func(err error) { closed <- err },
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Close(ctx)
	})
	return c, closed
}

// ended waits for the session's end and returns its reason.
func ended(t *testing.T, closed chan error) error {
	t.Helper()
	select {
	case err := <-closed:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the session did not end")
		return nil
	}
}

func TestClientKeepAlive(t *testing.T) {
	t.Run("answered", func(t *testing.T) {
		g := startRawGateway(t, "udp", 200)
		c, _ := dialRawGateway(t, g, "udp", 50*time.Millisecond)
		waitFor(t, "three keepalives", func() bool { return g.gotOpts.Load() >= 3 })
		select {
		case <-c.Done():
			t.Fatalf("the session ended: %v", c.Err())
		default:
		}
	})
	t.Run("no answer", func(t *testing.T) {
		g := startRawGateway(t, "udp", 0)
		_, closed := dialRawGateway(t, g, "udp", 100*time.Millisecond)
		err := ended(t, closed)
		assert.ErrorIs(t, err, ErrNoAnswer)
		assert.Contains(t, err.Error(), "keepalive")
	})
	t.Run("481", func(t *testing.T) {
		g := startRawGateway(t, "udp", 481)
		_, closed := dialRawGateway(t, g, "udp", 50*time.Millisecond)
		assert.ErrorIs(t, ended(t, closed), ErrDialogGone)
	})
	t.Run("off", func(t *testing.T) {
		g := startRawGateway(t, "udp", 0)
		c, _ := dialRawGateway(t, g, "udp", 0)
		time.Sleep(100 * time.Millisecond)
		assert.Zero(t, g.gotOpts.Load())
		assert.NoError(t, c.Err())
	})
}

// TestClientNoticesConnectionLoss checks that a session over TCP ends with
// ErrConnectionLost as soon as the gateway's connection closes, without
// waiting for a keepalive.
func TestClientNoticesConnectionLoss(t *testing.T) {
	g := startRawGateway(t, "tcp", 200)
	c, closed := dialRawGateway(t, g, "tcp", time.Hour)
	// The session uses its connection.
	_, err := c.Do(context.Background(), &csta.RequestSystemStatus{})
	require.NoError(t, err)
	g.drop()
	err = ended(t, closed)
	assert.ErrorIs(t, err, ErrConnectionLost)
	assert.Zero(t, g.gotOpts.Load())
	_, err = c.Do(context.Background(), &csta.RequestSystemStatus{})
	assert.True(t, errors.Is(err, ErrDialogEnded), "%v", err)
}

func TestClientConfigKeepAliveNegative(t *testing.T) {
	_, err := Dial(context.Background(), ClientConfig{Gateway: "sip:cti@127.0.0.1", User: "sip:a@b", KeepAlive: -time.Second})
	assert.ErrorContains(t, err, "KeepAlive is negative")
}
