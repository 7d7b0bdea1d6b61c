package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/sip"
)

const line = "tel:1001;phone-context=dialstring"

// phone is a session layer simulating one line with a ringing call.
type phone struct{}

func (phone) Ready() bool { return true }

func (phone) Open(_ context.Context, req *sip.OpenRequest) (sip.Session, *csta.RequestSystemStatusResponse, error) {
	if req.Line != line {
		return nil, nil, &sip.RefusalError{Status: 404, Reason: "Unknown Line"}
	}
	return &phoneSession{events: req.Events}, nil, nil
}

type phoneSession struct{ events sip.EventSink }

func (p *phoneSession) Handle(_ context.Context, m csta.Message) (csta.Message, error) {
	switch m := m.(type) {
	case *csta.MonitorStart:
		p.events.SendEvent(&csta.DeliveredEvent{MonitorCrossRefID: "m1", Connection: csta.Connection("C7", line),
			AlertingDevice: csta.Known(line), CallingDevice: csta.Known("tel:2002"), CalledDevice: csta.Known(line),
			LocalConnectionInfo: csta.StateAlerting})
		return &csta.MonitorStartResponse{MonitorCrossRefID: "m1"}, nil
	case *csta.MonitorStop:
		return &csta.MonitorStopResponse{}, nil
	case *csta.SnapshotDevice:
		return &csta.SnapshotDeviceResponse{SnapshotData: []csta.SnapshotDeviceResponseInfo{{
			ConnectionIdentifier: csta.Connection("C7", line),
			LocalCallState:       csta.CallState{Compound: []csta.LocalConnectionState{csta.StateAlerting}},
		}}}, nil
	case *csta.MakeCall:
		return &csta.MakeCallResponse{CallingDevice: csta.Connection("C1", line)}, nil
	case *csta.AnswerCall:
		p.events.SendEvent(&csta.EstablishedEvent{MonitorCrossRefID: "m1", EstablishedConnection: m.CallToBeAnswered,
			AnsweringDevice: csta.Known(line), CallingDevice: csta.Known("tel:2002"), CalledDevice: csta.Known(line)})
		return &csta.AnswerCallResponse{}, nil
	case *csta.SetDoNotDisturb:
		return &csta.SetDoNotDisturbResponse{}, nil
	case *csta.SetForwarding:
		return &csta.SetForwardingResponse{}, nil
	case *csta.GetCSTAFeatures:
		return &csta.GetCSTAFeaturesResponse{Features: csta.RCCFeatures()}, nil
	}
	return csta.NewErrorResponse(csta.ErrorCode{Category: csta.CategoryOperation, Value: "serviceNotSupported"}), nil
}

func (p *phoneSession) Refreshed() error { return nil }
func (p *phoneSession) Closed(error)     {}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// gateway starts a gateway on loopback TCP and returns its URI.
func gateway(t *testing.T) string {
	t.Helper()
	srv, err := sip.NewServer(sip.ServerConfig{Handler: phone{}})
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.ServeTCP(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return "sip:cti@" + l.Addr().String() + ";transport=tcp"
}

func rcc(t *testing.T, ctx context.Context, gw, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncBuffer
	args = append([]string{"-gateway", gw, "-line", line, "-local", "127.0.0.1:0"}, args...)
	code = run(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCommands(t *testing.T) {
	gw := gateway(t)
	ctx := context.Background()
	for _, c := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"call", "2000"}, 0, "calling tel:2000: call C1", ""},
		{[]string{"answer"}, 0, "answered call C7", ""},
		{[]string{"hold"}, 1, "", "no connected call at " + line},
		{[]string{"hold", "C7"}, 1, "", "HoldCall: the gateway refused it: operation/serviceNotSupported"},
		{[]string{"dnd", "on"}, 0, "do not disturb on", ""},
		{[]string{"dnd", "maybe"}, 1, "", "usage: dnd [on|off]"},
		{[]string{"forward", "busy", "3000"}, 0, "forwarding (forwardBusy) to tel:3000", ""},
		{[]string{"forward", "sometimes", "3000"}, 1, "", "unknown forwarding type"},
		{[]string{"snapshot"}, 0, "call C7: alerting", ""},
		{[]string{"features"}, 0, "services: ", ""},
		{[]string{"call"}, 2, "", "usage: call NUMBER"},
		{[]string{"dance"}, 2, "", `unknown command "dance"`},
		{[]string{"-line", "tel:9", "call", "1"}, 1, "", "SIP 404 Unknown Line (the gateway does not know this line)"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, stdout, stderr := rcc(t, ctx, gw, "", c.args...)
			assert.Equal(t, c.code, code, "stdout %q stderr %q", stdout, stderr)
			assert.Contains(t, stdout, c.stdout)
			assert.Contains(t, stderr, c.stderr)
		})
	}
}

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler)) // as main does
	os.Exit(m.Run())
}

// waitOutput waits until out contains s.
func waitOutput(t *testing.T, out *syncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), s) {
		require.True(t, time.Now().Before(deadline), "no %q in %q", s, out.String())
		time.Sleep(10 * time.Millisecond)
	}
}

func TestInteractive(t *testing.T) {
	gw := gateway(t)
	in, typing := io.Pipe()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"-gateway", gw, "-line", line, "-local", "127.0.0.1:0", "interactive"},
			in, &out, &errOut)
	}()
	waitOutput(t, &out, "Delivered call=C7 from=tel:2002")
	io.WriteString(typing, "call 2000\nbogus\nanswer\n")
	waitOutput(t, &out, "Established call=C7")
	io.WriteString(typing, "calls\n")
	waitOutput(t, &out, "call C7: connected")
	io.WriteString(typing, "quit\n")
	assert.Equal(t, 0, <-done, errOut.String())
	stdout := out.String()
	assert.Contains(t, stdout, "calling tel:2000: call C1")
	assert.Contains(t, stdout, "answered call C7")
	assert.Contains(t, errOut.String(), `unknown command "bogus"`)
}

func TestMonitorJSON(t *testing.T) {
	gw := gateway(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-gateway", gw, "-line", line, "-local", "127.0.0.1:0", "-json", "monitor"},
			strings.NewReader(""), &out, &errOut)
	}()
	waitOutput(t, &out, "DeliveredEvent")
	cancel()
	assert.Equal(t, 0, <-done)
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &v), l)
		if v["event"] == "DeliveredEvent" {
			data := v["data"].(map[string]any)
			assert.Equal(t, "m1", data["MonitorCrossRefID"])
		}
	}
}

// consultPhone is a session layer with one connected call, C1, whose
// consultation calls ring for a while before the far end answers.
type consultPhone struct {
	ring     time.Duration
	answered atomic.Bool // the consultation call's EstablishedEvent was sent
	early    atomic.Bool // ConferenceCall came before that
}

func (p *consultPhone) Ready() bool { return true }

func (p *consultPhone) Open(_ context.Context, req *sip.OpenRequest) (sip.Session, *csta.RequestSystemStatusResponse, error) {
	return &consultSession{p: p, events: req.Events}, nil, nil
}

type consultSession struct {
	p      *consultPhone
	events sip.EventSink
}

func (s *consultSession) Handle(_ context.Context, m csta.Message) (csta.Message, error) {
	switch m := m.(type) {
	case *csta.MonitorStart:
		return &csta.MonitorStartResponse{MonitorCrossRefID: "m1"}, nil
	case *csta.MonitorStop:
		return &csta.MonitorStopResponse{}, nil
	case *csta.SnapshotDevice:
		return &csta.SnapshotDeviceResponse{SnapshotData: []csta.SnapshotDeviceResponseInfo{{
			ConnectionIdentifier: csta.Connection("C1", line),
			LocalCallState:       csta.CallState{Compound: []csta.LocalConnectionState{csta.StateConnected}},
		}}}, nil
	case *csta.ConsultationCall:
		far := "tel:2001;phone-context=dialstring"
		s.events.SendEvent(&csta.HeldEvent{MonitorCrossRefID: "m1", HeldConnection: m.ExistingCall,
			HoldingDevice: csta.Known(line), LocalConnectionInfo: csta.StateHold})
		// Our end of the consultation call is connected while the far
		// end rings, as a PBX reports it.
		s.events.SendEvent(&csta.OriginatedEvent{MonitorCrossRefID: "m1", OriginatedConnection: csta.Connection("C2", line),
			CallingDevice: csta.Known(line), CalledDevice: csta.Known(far), LocalConnectionInfo: csta.StateConnected})
		s.events.SendEvent(&csta.DeliveredEvent{MonitorCrossRefID: "m1", Connection: csta.Connection("C2", far),
			AlertingDevice: csta.Known(far), CallingDevice: csta.Known(line), CalledDevice: csta.Known(far),
			LocalConnectionInfo: csta.StateConnected})
		time.AfterFunc(s.p.ring, func() {
			s.p.answered.Store(true)
			s.events.SendEvent(&csta.EstablishedEvent{MonitorCrossRefID: "m1", EstablishedConnection: csta.Connection("C2", far),
				AnsweringDevice: csta.Known(far), CallingDevice: csta.Known(line), CalledDevice: csta.Known(far),
				LocalConnectionInfo: csta.StateConnected})
		})
		return &csta.ConsultationCallResponse{InitiatedCall: csta.Connection("C2", line)}, nil
	case *csta.ConferenceCall:
		if !s.p.answered.Load() {
			s.p.early.Store(true)
		}
		return &csta.ConferenceCallResponse{ConferenceCall: csta.Connection("C1", line)}, nil
	}
	return csta.NewErrorResponse(csta.ErrorCode{Category: csta.CategoryOperation, Value: "serviceNotSupported"}), nil
}

func (s *consultSession) Refreshed() error { return nil }
func (s *consultSession) Closed(error)     {}

// TestConferenceWaitsForAnswer checks that "conference NUMBER" joins the
// calls only once the consulted party has answered, not while it rings:
// our own connection to the consultation call is connected from the start.
func TestConferenceWaitsForAnswer(t *testing.T) {
	p := &consultPhone{ring: 500 * time.Millisecond}
	srv, err := sip.NewServer(sip.ServerConfig{Handler: p})
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.ServeTCP(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	gw := "sip:cti@" + l.Addr().String() + ";transport=tcp"

	code, stdout, stderr := rcc(t, context.Background(), gw, "", "conference", "2001")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "conference call C1")
	assert.True(t, p.answered.Load())
	assert.False(t, p.early.Load(), "ConferenceCall was sent while the consulted party was still ringing")
}

// TestCommandsDocumented checks that every command is in the help the
// client prints and in the README's table.
func TestCommandsDocumented(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	help := helpText()
	table := string(readme)[strings.Index(string(readme), "## Commands"):]
	for name := range commands {
		assert.Contains(t, help, "\n  "+name+" ", "help lacks %s", name)
		assert.True(t, strings.Contains(table, "`"+name+" ") || strings.Contains(table, "`"+name+"`"), "README lacks %s", name)
	}
	assert.Contains(t, help, "\n  clearcall [CALL] ")
	assert.Contains(t, table, "| `clearcall [CALL]` | `ClearCall`")
}
