package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

// waitFor polls cond until it holds, failing the test after a bounded
// time.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fakeHandler is a session layer for tests: it opens a fakeSession for
// every INVITE, refusing lines it is told to refuse.
type fakeHandler struct {
	notReady atomic.Bool
	status   csta.SystemStatusValue // answered in the 200 OK; default normal
	refuse   map[string]error       // by Line
	openHook func(ctx context.Context, req *OpenRequest) error

	mu       sync.Mutex
	opened   []*OpenRequest
	sessions []*fakeSession
	refusals int // opens refused by refuse
}

func (h *fakeHandler) Ready() bool { return !h.notReady.Load() }

func (h *fakeHandler) Open(ctx context.Context, req *OpenRequest) (Session, *csta.RequestSystemStatusResponse, error) {
	if err := h.refuse[req.Line]; err != nil {
		h.mu.Lock()
		h.refusals++
		h.mu.Unlock()
		return nil, nil, err
	}
	if h.openHook != nil {
		if err := h.openHook(ctx, req); err != nil {
			return nil, nil, err
		}
	}
	s := &fakeSession{req: req, closed: make(chan error, 1)}
	h.mu.Lock()
	h.opened = append(h.opened, req)
	h.sessions = append(h.sessions, s)
	h.mu.Unlock()
	status := h.status
	if status == "" {
		status = csta.SystemNormal
	}
	return s, &csta.RequestSystemStatusResponse{SystemStatus: status}, nil
}

// session returns the i-th session opened, waiting for it.
func (h *fakeHandler) session(t testing.TB, i int) *fakeSession {
	t.Helper()
	var s *fakeSession
	waitFor(t, fmt.Sprintf("session %d", i), func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		if len(h.sessions) > i {
			s = h.sessions[i]
			return true
		}
		return false
	})
	return s
}

// refused returns how many opens the handler refused.
func (h *fakeHandler) refused() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.refusals
}

func (h *fakeHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}

// fakeSession answers CSTA requests the way a small gateway would.
type fakeSession struct {
	req       *OpenRequest
	refreshed atomic.Int32
	handled   atomic.Int32
	hook      atomic.Pointer[hookFunc]
	closed    chan error
	closeN    atomic.Int32

	// refreshHook, when set, answers Refreshed.
	refreshHook atomic.Pointer[func() error]
}

func (s *fakeSession) Handle(ctx context.Context, m csta.Message) (csta.Message, error) {
	s.handled.Add(1)
	if h := s.hook.Load(); h != nil {
		if r, err := (*h)(ctx, m); r != nil || err != nil {
			return r, err
		}
	}
	switch m := m.(type) {
	case *csta.MakeCall:
		return &csta.MakeCallResponse{CallingDevice: csta.Connection("C1", m.CallingDevice.ID)}, nil
	case *csta.MonitorStart:
		return &csta.MonitorStartResponse{MonitorCrossRefID: "mon1"}, nil
	case *csta.MonitorStop:
		return &csta.MonitorStopResponse{}, nil
	case *csta.GetCSTAFeatures:
		return &csta.GetCSTAFeaturesResponse{Features: csta.RCCFeatures()}, nil
	}
	return csta.NewErrorResponse(csta.ErrorCode{Category: csta.CategoryOperation, Value: "serviceNotSupported"}), nil
}

// hookFunc overrides how a fakeSession answers a message when it returns a
// message or an error.
type hookFunc func(ctx context.Context, m csta.Message) (csta.Message, error)

// setHook installs a hook.
func (s *fakeSession) setHook(f hookFunc) { s.hook.Store(&f) }

func (s *fakeSession) Refreshed() error {
	s.refreshed.Add(1)
	if f := s.refreshHook.Load(); f != nil {
		return (*f)()
	}
	return nil
}

func (s *fakeSession) Closed(reason error) {
	if s.closeN.Add(1) == 1 {
		s.closed <- reason
	}
}

// waitClosed waits for Closed and returns its reason.
func (s *fakeSession) waitClosed(t testing.TB) error {
	t.Helper()
	select {
	case err := <-s.closed:
		s.closed <- err
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("session not closed")
		return nil
	}
}

// event returns a DeliveredEvent numbered n.
func event(n int, ref csta.MonitorCrossRefID) *csta.DeliveredEvent {
	return &csta.DeliveredEvent{
		MonitorCrossRefID: ref,
		Connection:        csta.Connection(csta.CallID(fmt.Sprint(n)), "tel:1001"),
		AlertingDevice:    csta.Known("tel:1001"),
		CallingDevice:     csta.Known("tel:2000"),
		CalledDevice:      csta.Known("tel:1001"),
	}
}

// testServer is a server listening on 127.0.0.1.
type testServer struct {
	*Server
	handler *fakeHandler
	udp     string
	tcp     string
	tls     string
	errs    chan error
	peers   []*rawPeer // closed after shutdown
}

// startServer starts a server on loopback UDP and TCP (and TLS when cfg
// has a TLSConfig) and shuts it down at the end of the test.
func startServer(t testing.TB, cfg ServerConfig) *testServer {
	t.Helper()
	h, _ := cfg.Handler.(*fakeHandler)
	if cfg.Handler == nil {
		h = &fakeHandler{}
		cfg.Handler = h
	}
	if os.Getenv("RCC_SIP_DEBUG") != "" && cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := NewServer(cfg)
	require.NoError(t, err)
	ts := &testServer{Server: srv, handler: h, errs: make(chan error, 3)}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	ts.udp = pc.LocalAddr().String()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ts.tcp = l.Addr().String()
	serving := 2
	go func() { ts.errs <- srv.ServeUDP(pc) }()
	go func() { ts.errs <- srv.ServeTCP(l) }()
	if cfg.TLSConfig != nil {
		tl, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ts.tls = tl.Addr().String()
		serving++
		go func() { ts.errs <- srv.ServeTLS(tl) }()
	}
	waitFor(t, "listeners", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.listeners) == serving
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			buf := make([]byte, 1<<20)
			t.Logf("Shutdown: %v; goroutines:\n%s", err, buf[:runtime.Stack(buf, true)])
			t.FailNow()
		}
		ts.mu.Lock()
		for _, p := range ts.peers {
			p.close()
		}
		ts.mu.Unlock()
		for range serving {
			err := <-ts.errs
			require.True(t, errors.Is(err, ErrServerClosed), "Serve returned %v", err)
		}
	})
	return ts
}

// gateway returns the gateway URI of the server for a transport.
func (ts *testServer) gateway(transport string) string {
	switch transport {
	case "udp":
		return "sip:cti@" + ts.udp
	case "tcp":
		return "sip:cti@" + ts.tcp + ";transport=tcp"
	}
	return "sip:cti@" + ts.tls + ";transport=tls"
}
