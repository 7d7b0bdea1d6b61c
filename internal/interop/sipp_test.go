//go:build interop

package interop

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sipp is one run of sipp as a client (UAC).
type sipp struct {
	// Scenario is a file name in testdata/sipp.
	Scenario string
	// Target is the "host:port" sipp sends to.
	Target string
	// Transport is sipp's -t: "u1" (UDP, one socket; the default) or
	// "t1" (TCP, one connection).
	Transport string
	// Inject are the lines of the injection file, fields joined with ";".
	// With Users set they are taken per sipp user (USER order), so each
	// user's calls run one after another; otherwise in sequence.
	Inject []string
	// Calls is how many calls (-m). Default: 1.
	Calls int
	// Users runs a fixed population of that many users (-users), each
	// running its calls one after another. Zero starts calls at Rate.
	Users int
	// Rate is the call rate per second (-r) when Users is zero. Default:
	// sipp's (10).
	Rate float64
	// LocalIP is the address sipp binds (-i). Default: 127.0.0.1.
	LocalIP string
	// Timeout bounds the run (sipp's -timeout, which fails the run when
	// it expires). Default: 60s.
	Timeout time.Duration
	// RecvTimeout fails a call that waits longer than this for any
	// message (-recv_timeout). Default: none.
	RecvTimeout time.Duration
	// Trace writes every message to the message log (-trace_msg), shown
	// when the run fails.
	Trace bool
}

// sippResult is what a sipp run left.
type sippResult struct {
	Exit   int               // sipp's exit code: 0 when every call succeeded
	Stats  map[string]string // the last row of the statistics file
	Log    string            // the scenario's <log> lines (-trace_logs)
	Errors string            // the error log (-trace_err)
	Output string            // standard output and error
	Msgs   string            // the message log, with Trace
}

// Count returns a cumulative counter of the statistics file, such as
// "SuccessfulCall" or "FailedCall" (the "(C)" column).
func (r sippResult) Count(name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.Stats[name+"(C)"]))
	return n
}

// String summarises the run for failure messages.
func (r sippResult) String() string {
	tail := func(s string, n int) string {
		if len(s) > n {
			return "..." + s[len(s)-n:]
		}
		return s
	}
	return fmt.Sprintf("sipp exit %d, %d calls ok, %d failed\nerrors: %s\noutput: %s\nmessages: %s",
		r.Exit, r.Count("SuccessfulCall"), r.Count("FailedCall"), tail(r.Errors, 6000), tail(r.Output, 2000), tail(r.Msgs, 6000))
}

// run runs sipp to the end, bounded by s.Timeout, and returns what it
// left. It fails the test only when sipp cannot be run at all; the caller
// checks the result.
func (s sipp) run(t testing.TB) sippResult {
	t.Helper()
	return s.start(t).wait(t)
}

// sippRun is a sipp run under way.
type sippRun struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	out    *lockedBuffer
	dir    string
}

// start starts sipp in the background; wait collects the result. sipp is
// killed when the test ends if it is still running.
func (s sipp) start(t testing.TB) *sippRun {
	t.Helper()
	bin := needProgram(t, "sipp", "sip-tester")
	dir := t.TempDir()
	if s.Calls == 0 {
		s.Calls = 1
	}
	if s.Transport == "" {
		s.Transport = "u1"
	}
	if s.LocalIP == "" {
		s.LocalIP = "127.0.0.1"
	}
	if s.Timeout == 0 {
		s.Timeout = 60 * time.Second
	}
	args := []string{
		s.Target,
		"-sf", scenario(t, s.Scenario),
		"-t", s.Transport,
		"-i", s.LocalIP,
		"-p", strconv.Itoa(freePort(t)),
		"-m", strconv.Itoa(s.Calls),
		"-timeout", fmt.Sprintf("%ds", int(s.Timeout.Seconds())),
		"-timeout_error",
		"-nostdin",
		"-buff_size", "4000000",
		"-max_recv_loops", "10000",
		"-trace_stat", "-stf", filepath.Join(dir, "stat.csv"), "-fd", "1",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-trace_logs", "-log_file", filepath.Join(dir, "scenario.log"),
	}
	if s.RecvTimeout > 0 {
		args = append(args, "-recv_timeout", strconv.Itoa(int(s.RecvTimeout.Milliseconds())))
	}
	if s.Trace {
		args = append(args, "-trace_msg", "-message_file", filepath.Join(dir, "messages.log"))
	}
	if len(s.Inject) > 0 {
		order := "SEQUENTIAL"
		if s.Users > 0 {
			order = "USER"
		}
		inf := filepath.Join(dir, "inject.csv")
		require.NoError(t, os.WriteFile(inf, []byte(order+"\n"+strings.Join(s.Inject, "\n")+"\n"), 0o600))
		args = append(args, "-inf", inf)
	}
	if s.Users > 0 {
		args = append(args, "-users", strconv.Itoa(s.Users))
	} else if s.Rate > 0 {
		args = append(args, "-r", strconv.FormatFloat(s.Rate, 'f', -1, 64))
	}

	// sipp stops itself at -timeout; the context is the backstop.
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout+30*time.Second)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	r := &sippRun{cmd: cmd, cancel: cancel, out: &lockedBuffer{}, dir: dir}
	cmd.Stdout, cmd.Stderr = r.out, r.out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start sipp: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // a no-op once it has exited and been waited for
		cancel()
	})
	return r
}

// wait waits for sipp to exit and returns what it left.
func (r *sippRun) wait(t testing.TB) sippResult {
	t.Helper()
	err := r.cmd.Wait()
	r.cancel()
	res := sippResult{Output: r.out.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.Exit = exit.ExitCode()
	default:
		t.Fatalf("sipp: %v\n%s", err, res.Output)
	}
	res.Stats = lastStats(filepath.Join(r.dir, "stat.csv"))
	res.Log = readFile(filepath.Join(r.dir, "scenario.log"))
	res.Errors = readFile(filepath.Join(r.dir, "errors.log"))
	res.Msgs = readFile(filepath.Join(r.dir, "messages.log"))
	return res
}

// lastStats reads the header and the last row of sipp's statistics file.
func lastStats(path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil
	}
	var last []string
	for range 1_000_000 {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			break
		}
		last = row
	}
	m := make(map[string]string, len(header))
	for i, h := range header {
		if i < len(last) {
			m[h] = last[i]
		}
	}
	return m
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// requireAllCalls fails the test unless every call of the run succeeded.
func requireAllCalls(t testing.TB, r sippResult, calls int) {
	t.Helper()
	require.Equal(t, 0, r.Exit, "%s", r)
	require.Equal(t, calls, r.Count("SuccessfulCall"), "%s", r)
	require.Zero(t, r.Count("FailedCall"), "%s", r)
}

// injectUsers returns injection lines "name;dn;extra..." for users.
func injectUsers(users []user, extra ...string) []string {
	lines := make([]string, len(users))
	for i, u := range users {
		lines[i] = strings.Join(append([]string{u.Name, u.DN}, extra...), ";")
	}
	return lines
}
