package main

// The control socket lets one session serve several terminals. A monitor
// or interactive rccclient listens on a Unix socket named after its
// gateway, user and line; a later rccclient for the same line connects to
// it instead of opening a session of its own (which would replace the
// first one at the gateway). The protocol is JSON lines: the later client
// sends one request, a command to run or a wish to watch the events, and
// gets lines of output and, for a command, its exit code.

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// controlRequest is what an attaching rccclient asks.
type controlRequest struct {
	Args  []string `json:"args,omitempty"`  // a command and its arguments
	Watch bool     `json:"watch,omitempty"` // stream the events
	JSON  bool     `json:"json,omitempty"`  // print as JSON lines
}

// controlReply is one line of the answer.
type controlReply struct {
	Out  *string `json:"out,omitempty"`  // a line for standard output
	Err  *string `json:"err,omitempty"`  // a line for standard error
	Code *int    `json:"code,omitempty"` // the command's exit code, last
}

// controlPath returns the control socket of the gateway, user and line.
func controlPath(cfg config) string {
	if cfg.control != "" {
		return cfg.control
	}
	h := sha256.Sum256([]byte(cfg.gateway + "\x00" + cfg.user + "\x00" + cfg.line))
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("rccclient-%d", os.Getuid()))
	return filepath.Join(dir, hex.EncodeToString(h[:8])+".sock")
}

// checkControlDir refuses a default control directory that others could
// write to (on systems with Unix permissions): a socket there might not be
// ours.
func checkControlDir(cfg config) error {
	if cfg.control != "" || runtime.GOOS == "windows" {
		return nil
	}
	dir := filepath.Dir(controlPath(cfg))
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("the control directory %s is not a private directory", dir)
	}
	return nil
}

// errControlInUse reports a control socket another rccclient serves.
var errControlInUse = errors.New("another rccclient serves this line")

// serveControl listens on the control socket and serves the rccclients
// that attach, until the listener is closed.
func (a *app) serveControl(ctx context.Context) (io.Closer, error) {
	path := controlPath(a.cfg)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := checkControlDir(a.cfg); err != nil {
		return nil, err
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, errControlInUse
	}
	// A socket left behind by an rccclient that did not stop cleanly.
	os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	srv := &controlServer{l: l, conns: make(map[net.Conn]struct{})}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if !srv.track(c, true) {
				c.Close()
				return
			}
			go func() {
				defer srv.track(c, false)
				a.serveConn(ctx, c)
			}()
		}
	}()
	return srv, nil
}

// controlServer is the listening control socket and its connections.
type controlServer struct {
	l      net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// track adds or removes a connection; adding fails once closed.
func (s *controlServer) track(c net.Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.conns, c)
		return true
	}
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// Close stops listening (the socket file is removed) and ends the
// connections, so that attached rccclients learn that the session is gone.
func (s *controlServer) Close() error {
	err := s.l.Close()
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	return err
}

// replyWriter writes lines of output as controlReply lines, safe for
// concurrent use.
type replyWriter struct {
	mu   *sync.Mutex
	conn net.Conn
	enc  *json.Encoder
	err  bool // standard error rather than standard output
}

// replyTimeout bounds a write to an attached rccclient, so that one that
// does not read cannot stall the session's events.
const replyTimeout = 2 * time.Second

func (w replyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.conn.SetWriteDeadline(time.Now().Add(replyTimeout))
	for _, l := range strings.SplitAfter(string(p), "\n") {
		if l == "" {
			continue
		}
		l = strings.TrimSuffix(l, "\n")
		r := controlReply{Out: &l}
		if w.err {
			r = controlReply{Err: &l}
		}
		if err := w.enc.Encode(r); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// serveConn serves one attached rccclient.
func (a *app) serveConn(ctx context.Context, c net.Conn) {
	defer c.Close()
	var req controlRequest
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := json.NewDecoder(io.LimitReader(c, 64<<10)).Decode(&req); err != nil {
		return
	}
	c.SetReadDeadline(time.Time{})
	mu := new(sync.Mutex)
	enc := json.NewEncoder(c)
	out := &printer{w: replyWriter{mu: mu, conn: c, enc: enc}, json: req.JSON, now: a.out.now}
	if req.Watch {
		a.mu.Lock()
		if a.watchers == nil {
			a.watchers = make(map[*printer]struct{})
		}
		a.watchers[out] = struct{}{}
		a.mu.Unlock()
		a.out.notice("another terminal watches the events")
		out.notice("watching %s through the session of the rccclient already running for it", a.cfg.line)
		// Until the other side goes away.
		io.Copy(io.Discard, c)
		a.mu.Lock()
		delete(a.watchers, out)
		a.mu.Unlock()
		return
	}
	if len(req.Args) == 0 {
		return
	}
	a.out.notice("from another terminal: %s", strings.Join(req.Args, " "))
	errw := replyWriter{mu: mu, conn: c, enc: enc, err: true}
	code := a.exec(ctx, req.Args[0], req.Args[1:], out, func(msg string) { fmt.Fprintf(errw, "rccclient: %s\n", msg) })
	mu.Lock()
	c.SetWriteDeadline(time.Now().Add(replyTimeout))
	enc.Encode(controlReply{Code: &code})
	mu.Unlock()
}

// attach runs cmd through the rccclient serving the line, if there is
// one: a command is run there, monitor watches its events, interactive
// does both. ok is false when none serves the line.
func attach(ctx context.Context, cfg config, cmd string, args []string, stdin io.Reader, out *printer, stderr io.Writer) (code int, ok bool) {
	path := controlPath(cfg)
	if checkControlDir(cfg) != nil {
		return 0, false
	}
	switch cmd {
	case "monitor":
		c, err := net.DialTimeout("unix", path, time.Second)
		if err != nil {
			return 0, false
		}
		code := watch(ctx, c, cfg, out, stderr)
		if code != 0 && ctx.Err() == nil {
			// The session went with it: take over with one of our own.
			out.notice("opening a session of our own")
			return 0, false
		}
		return code, true
	case "interactive":
		c, err := net.DialTimeout("unix", path, time.Second)
		if err != nil {
			return 0, false
		}
		done := make(chan int, 1)
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() { done <- watch(wctx, c, cfg, out, stderr) }()
		return repl(ctx, readLines(wctx, stdin), out, done, func(f []string) {
			remote(ctx, path, cfg, f, out, stderr)
		}), true
	}
	code, ok = remote(ctx, path, cfg, append([]string{cmd}, args...), out, stderr)
	return code, ok
}

// remote runs a command through the control socket; ok is false when
// nobody serves it.
func remote(ctx context.Context, path string, cfg config, args []string, out *printer, stderr io.Writer) (int, bool) {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return 0, false
	}
	defer c.Close()
	code, answered := 0, false
	err = converse(ctx, c, controlRequest{Args: args, JSON: cfg.json}, func(r controlReply) bool {
		switch {
		case r.Code != nil:
			code, answered = *r.Code, true
			return true
		case r.Out != nil:
			out.raw(*r.Out, false)
		case r.Err != nil:
			fmt.Fprintln(stderr, *r.Err)
		}
		return false
	})
	if err != nil {
		return 0, false
	}
	if answered {
		return code, true
	}
	fmt.Fprintln(stderr, "rccclient: the rccclient that has the session went away before answering")
	return 1, true
}

// watch prints the events the rccclient serving the line passes on,
// until ctx is done (0) or it goes away (1).
func watch(ctx context.Context, c net.Conn, cfg config, out *printer, stderr io.Writer) int {
	defer c.Close()
	err := converse(ctx, c, controlRequest{Watch: true, JSON: cfg.json}, func(r controlReply) bool {
		if r.Out != nil {
			out.raw(*r.Out, true)
		}
		return false
	})
	if err != nil {
		fmt.Fprintf(stderr, "rccclient: %v\n", err)
		return 1
	}
	if ctx.Err() != nil {
		return 0
	}
	fmt.Fprintln(stderr, "rccclient: the rccclient that has the session stopped")
	return 1
}

// converse sends req on c, which is closed when ctx is done, and hands
// each reply line to each until each returns true or c ends (lines that
// are not replies are skipped). Its error is that of sending req.
func converse(ctx context.Context, c net.Conn, req controlRequest, each func(controlReply) bool) error {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := json.NewEncoder(c).Encode(req); err != nil {
		return err
	}
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r controlReply
		if json.Unmarshal(sc.Bytes(), &r) == nil && each(r) {
			return nil
		}
	}
	return nil
}
