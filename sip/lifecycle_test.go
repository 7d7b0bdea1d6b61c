package sip

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

// recordingObserver records every hook of an Observer.
type recordingObserver struct {
	mu       sync.Mutex
	opened   []DialogInfo
	closed   []error
	requests map[string][]int
	events   []int
}

func (o *recordingObserver) DialogOpened(d DialogInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.opened = append(o.opened, d)
}

func (o *recordingObserver) DialogClosed(_ DialogInfo, reason error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = append(o.closed, reason)
}

func (o *recordingObserver) RequestDone(method string, status int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.requests == nil {
		o.requests = make(map[string][]int)
	}
	o.requests[method] = append(o.requests[method], status)
}

func (o *recordingObserver) EventDone(_ string, status int, _ error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, status)
}

// hooks returns an Observer with every hook set to o's methods.
func (o *recordingObserver) hooks() *Observer {
	return &Observer{
		DialogOpened: o.DialogOpened,
		DialogClosed: o.DialogClosed,
		RequestDone:  o.RequestDone,
		EventDone:    o.EventDone,
	}
}

func TestObserverAndStats(t *testing.T) {
	obs := &recordingObserver{}
	ts := startServer(t, ServerConfig{Observer: obs.hooks()})
	p := dialRaw(t, ts, "tcp")
	// An ed5 client gets its events in ed5.
	d := p.invite(nil, strings.ReplaceAll(rssBody, "/ed3", "/ed5"))
	res := p.response(sipmsg.INVITE)
	require.Equal(t, 200, res.StatusCode)
	d.toTag, _ = res.To().Params.Get("tag")
	d.ack()
	assert.Contains(t, string(res.Body()), "/ed5")
	assert.Equal(t, 200, d.info(makeCallBody).StatusCode)
	assert.Equal(t, 415, d.info(makeCallBody, "Content-Type: text/plain").StatusCode)
	sess := ts.handler.session(t, 0)
	require.NoError(t, sess.req.Events.SendEvent(event(1, "m")))
	info := p.request(sipmsg.INFO)
	m, err := csta.Decode(info.Body())
	require.NoError(t, err)
	assert.Equal(t, csta.NamespaceEd5, m.MessageHeader().Namespace)
	p.answer(info, 200, "OK")
	waitFor(t, "event answered", func() bool { return ts.Stats().EventsSent == 1 })
	p.send("BYE "+d.uri+" SIP/2.0", d.headers("BYE"), "")
	assert.Equal(t, 200, p.response(sipmsg.BYE).StatusCode)
	sess.waitClosed(t)

	waitFor(t, "observer", func() bool {
		obs.mu.Lock()
		defer obs.mu.Unlock()
		return len(obs.closed) == 1 && len(obs.events) == 1 && len(obs.requests["BYE"]) == 1
	})
	obs.mu.Lock()
	assert.Equal(t, sess.req.DialogID, obs.opened[0].DialogID)
	assert.Equal(t, "tel:1001;phone-context=dialstring", obs.opened[0].Line)
	assert.ErrorIs(t, obs.closed[0], ErrPeerBye)
	assert.Equal(t, []int{200}, obs.requests["INVITE"])
	assert.Equal(t, []int{200, 415}, obs.requests["INFO"])
	assert.NotContains(t, obs.requests, "ACK", "an ACK gets no answer and is not reported")
	assert.Equal(t, []int{200}, obs.events)
	obs.mu.Unlock()

	st := ts.Stats()
	assert.Equal(t, 0, st.Dialogs)
	assert.Equal(t, uint64(1), st.DialogsOpened)
	assert.Equal(t, uint64(1), st.DialogsClosed)
	assert.Equal(t, uint64(1), st.Requests["INVITE"])
	assert.Equal(t, uint64(1), st.Requests["ACK"])
	assert.Equal(t, uint64(2), st.Requests["INFO"])
	assert.Equal(t, uint64(1), st.Requests["BYE"])
	assert.Equal(t, uint64(3), st.Responses[200])
	assert.Equal(t, uint64(1), st.Responses[415])
	assert.Equal(t, uint64(1), st.EventsSent)
}

func TestListenAndServe(t *testing.T) {
	srv, err := NewServer(ServerConfig{Handler: &fakeHandler{}})
	require.NoError(t, err)
	for _, network := range []string{"udp4", "tcp"} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.ListenAndServe(ctx, network, "127.0.0.1:0") }()
		waitFor(t, "listening", func() bool {
			srv.mu.Lock()
			defer srv.mu.Unlock()
			return len(srv.listeners) == 1
		})
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
	}
	assert.Error(t, srv.ListenAndServe(context.Background(), "sctp", "127.0.0.1:0"))
	assert.Error(t, srv.ListenAndServe(context.Background(), "tls", "127.0.0.1:0"), "no TLSConfig")
	require.NoError(t, srv.Shutdown(context.Background()))
	assert.ErrorIs(t, srv.ListenAndServe(context.Background(), "tcp", "127.0.0.1:0"), ErrServerClosed)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	assert.ErrorIs(t, srv.ServeUDP(pc), ErrServerClosed)
}

func TestShutdownLeavesNoGoroutines(t *testing.T) {
	srv, err := NewServer(ServerConfig{Handler: &fakeHandler{}})
	require.NoError(t, err)
	h := srv.cfg.Handler.(*fakeHandler)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	errs := make(chan error, 2)
	go func() { errs <- srv.ServeUDP(pc) }()
	go func() { errs <- srv.ServeTCP(l) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var clients []*ClientSession
	for _, gw := range []string{"sip:cti@" + pc.LocalAddr().String(), "sip:cti@" + l.Addr().String() + ";transport=tcp"} {
		c, err := Dial(ctx, ClientConfig{Gateway: gw, User: "sip:a@example.com", Line: "tel:1", LocalAddr: "127.0.0.1:0"})
		require.NoError(t, err)
		_, err = c.Monitor(ctx)
		require.NoError(t, err)
		clients = append(clients, c)
	}
	for i := range 2 {
		require.NoError(t, h.session(t, i).req.Events.SendEvent(event(1, "mon1")))
	}
	require.NoError(t, srv.Shutdown(ctx))
	for range 2 {
		assert.ErrorIs(t, <-errs, ErrServerClosed)
	}
	for _, c := range clients {
		<-c.Done()
		assert.ErrorIs(t, c.Err(), ErrPeerBye)
		require.NoError(t, c.Close(ctx))
	}
	for i := range 2 {
		assert.ErrorIs(t, h.session(t, i).waitClosed(t), ErrServerClosed)
	}
	if leaked := leakedGoroutines(5 * time.Second); leaked != "" {
		t.Fatalf("goroutines left after Shutdown:\n%s", leaked)
	}
	assert.False(t, errors.Is(srv.Shutdown(ctx), context.Canceled), "a second Shutdown returns at once")
}

func TestIPv6Loopback(t *testing.T) {
	pc, err := net.ListenPacket("udp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	srv, err := NewServer(ServerConfig{Handler: &fakeHandler{}})
	require.NoError(t, err)
	errs := make(chan error, 1)
	go func() { errs <- srv.ServeUDP(pc) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, ClientConfig{Gateway: "sip:cti@" + pc.LocalAddr().String(), User: "sip:a@example.com",
		Line: "tel:1001", LocalAddr: "[::1]:0"})
	require.NoError(t, err)
	_, err = c.Monitor(ctx)
	require.NoError(t, err)
	require.NoError(t, c.Close(ctx))
	require.NoError(t, srv.Shutdown(ctx))
	assert.ErrorIs(t, <-errs, ErrServerClosed)
}
