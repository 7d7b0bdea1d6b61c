package main

import (
	"bytes"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
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

// TestRunDemo starts the binary's run in demo mode on free ports, reloads
// (a no-op in demo mode) with SIGHUP and stops it with SIGTERM.
func TestRunDemo(t *testing.T) {
	runDemo(t, "Demo directory: alice")
}

// TestRunDemoUsers runs the demo on a generated directory whose far ends
// answer at once.
func TestRunDemoUsers(t *testing.T) {
	runDemo(t, "Generated directory: 7 users, sip:user1@example.com", "-demo-users", "7", "-demo-answer-delay", "0")
}

// TestRunDemoDialects runs the demo in each dialect but the default: the
// fake PBX and the gateway's client speak it, with the demo's credentials.
func TestRunDemoDialects(t *testing.T) {
	for _, d := range []string{"openscape-voice", "openscape-business", "avaya-dmcc"} {
		t.Run(d, func(t *testing.T) {
			runDemo(t, "dialect  "+d, "-cti-dialect", d, "-demo-answer-delay", "0")
		})
	}
}

// runDemo runs the binary's run in demo mode with more arguments, checks
// its banner, reloads with SIGHUP and stops it with SIGTERM.
func runDemo(t *testing.T, banner string, args ...string) {
	var out, errs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(append([]string{"-demo", "-sip", "udp:127.0.0.1:0,tcp:127.0.0.1:0", "-admin", "127.0.0.1:0", "-log-level", "warn"}, args...), &out, &errs)
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "Stop with Ctrl-C") }, 15*time.Second, 10*time.Millisecond, "banner; stderr: %s", errs.String())
	assert.Contains(t, out.String(), "SIP      udp:127.0.0.1:")
	assert.Contains(t, out.String(), "SIP      tcp:127.0.0.1:")
	assert.Contains(t, out.String(), "CTI      cti3")
	assert.Contains(t, out.String(), "admin    http://127.0.0.1:")
	assert.Contains(t, out.String(), banner)
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGHUP))
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after SIGTERM")
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-sip", "udp"}, `-sip "udp": want transport:host:port`},
		{[]string{"stray"}, "unexpected arguments"},
		{[]string{"-config", "/nonexistent/gw.yaml"}, "config: /nonexistent/gw.yaml"},
		{[]string{"-loss-policy", "sometimes"}, `session.loss_policy: "sometimes" is not rehome or reconnect`},
		{[]string{}, "cti.endpoints: at least one CTI endpoint is required (or run with -demo)"},
		{[]string{"-cti", "127.0.0.1:1"}, "directory.file: a directory file is required (or run with -demo)"},
		{[]string{"-demo", "-demo-users", "-1", "-admin", "127.0.0.1:0"}, "-demo-users -1: must not be negative"},
		{[]string{"-demo", "-cti-dialect", "cisco"}, `-cti-dialect: "cisco" is not a known dialect (known: avaya-dmcc, ecma354, openscape-business, openscape-voice)`},
		{[]string{"-cti", "127.0.0.1:1", "-cti-dialect", "avaya-dmcc"}, "cti.username: dialect avaya-dmcc logs in to AES: a user name is required"},
		{[]string{"-demo", "-demo-answer-delay", "-1s", "-admin", "127.0.0.1:0"}, "-demo-answer-delay -1s: must not be negative"},
	}
	for _, tt := range tests {
		var out, errs syncBuffer
		err := run(tt.args, &out, &errs)
		require.Error(t, err, "%v", tt.args)
		assert.Contains(t, err.Error(), tt.want, "%v", tt.args)
	}
}
