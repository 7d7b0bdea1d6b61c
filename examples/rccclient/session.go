package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/sip"
)

// app is the client: its session with the gateway (re-opened when lost in
// monitor and interactive mode) and what the commands need.
type app struct {
	cfg         config
	calls       *calls
	out         *printer
	stderr      io.Writer
	long        bool // monitor or interactive: watch the gateway, re-open
	printEvents bool

	mu       sync.Mutex
	session  *sip.ClientSession // nil while it is being re-opened
	watchers map[*printer]struct{}

	cmdMu sync.Mutex // one command at a time
}

// current returns the open session, or nil while it is being re-opened.
func (a *app) current() *sip.ClientSession {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.session
}

func (a *app) setSession(s *sip.ClientSession) {
	a.mu.Lock()
	a.session = s
	a.mu.Unlock()
}

// open opens a session, starts the monitor and takes a snapshot, so the
// commands know the calls at the line.
func (a *app) open(ctx context.Context) (*sip.ClientSession, error) {
	cfg := a.cfg
	tlsConfig, err := tlsSetup(cfg)
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.DiscardHandler)
	if cfg.verbose {
		logger = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	sc := sip.ClientConfig{
		Gateway:        cfg.gateway,
		User:           cfg.user,
		Line:           cfg.line,
		Transport:      cfg.transport,
		LocalAddr:      cfg.local,
		Proxy:          cfg.proxy,
		TLSConfig:      tlsConfig,
		Namespace:      cfg.namespace,
		SessionExpires: cfg.sessionExpires,
		AuthUser:       cfg.authUser,
		Password:       cfg.password,
		Logger:         logger,
		OnEvent:        a.event,
	}
	if a.long {
		sc.KeepAlive = cfg.keepAlive
	}
	dctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	s, err := sip.Dial(dctx, sc)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if _, err := s.Monitor(rctx); err != nil {
		closeSession(s, cfg.timeout)
		return nil, fmt.Errorf("starting the monitor: %w", err)
	}
	if err := a.refresh(rctx, s); err != nil {
		// Not every gateway supports SnapshotDevice: commands then need
		// a call ID or events seen in interactive mode.
		fmt.Fprintf(a.stderr, "rccclient: %s\n", explain("snapshot", err))
	}
	return s, nil
}

// event takes an event of the session.
func (a *app) event(ev csta.Event) {
	a.calls.event(ev)
	if a.printEvents {
		a.out.event(ev)
	}
	for _, w := range a.watching() {
		w.event(ev)
	}
}

// watching returns the printers of the attached monitors.
func (a *app) watching() []*printer {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]*printer, 0, len(a.watchers))
	for w := range a.watchers {
		out = append(out, w)
	}
	return out
}

// notice tells this terminal and the attached monitors what happened to
// the session.
func (a *app) notice(format string, args ...any) {
	a.out.notice(format, args...)
	for _, w := range a.watching() {
		w.notice(format, args...)
	}
}

// closeSession ends a session with MonitorStop and BYE.
func closeSession(s *sip.ClientSession, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s.Close(ctx)
}

// close ends the current session.
func (a *app) close() {
	if s := a.current(); s != nil {
		closeSession(s, a.cfg.timeout)
	}
}

// keep re-opens the session whenever it ends (the gateway sent BYE or
// answered 481, its connection or the keepalive failed), with capped
// exponential backoff and jitter, and says what happened, until ctx is
// done.
func (a *app) keep(ctx context.Context) {
	for {
		s := a.current()
		select {
		case <-ctx.Done():
			return
		case <-s.Done():
		}
		if ctx.Err() != nil {
			return
		}
		a.setSession(nil)
		a.notice("session lost: %s; re-opening it", strings.TrimPrefix(explain("session", s.Err()), "session: "))
		for attempt := 0; ; attempt++ {
			wait := backoff(a.cfg.reopenMin, a.cfg.reopenMax, attempt)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			ns, err := a.open(ctx)
			if err == nil {
				a.setSession(ns)
				a.notice("session re-opened on %s", a.cfg.line)
				break
			}
			if ctx.Err() != nil {
				return
			}
			a.notice("re-opening failed: %s; trying again in up to %s",
				strings.TrimPrefix(explain("open", err), "open: "), backoffCeil(a.cfg.reopenMin, a.cfg.reopenMax, attempt+1))
		}
	}
}

// backoff returns the delay before re-opening attempt n (from 0): drawn
// from [lo, min(hi, lo·2ⁿ)].
func backoff(lo, hi time.Duration, n int) time.Duration {
	ceil := backoffCeil(lo, hi, n)
	if ceil <= lo {
		return lo
	}
	return lo + rand.N(ceil-lo+1)
}

// backoffCeil returns the longest delay before attempt n: min(hi, lo·2ⁿ).
func backoffCeil(lo, hi time.Duration, n int) time.Duration {
	ceil := lo
	for i := 0; i < n && ceil < hi; i++ {
		ceil *= 2
	}
	return min(ceil, hi)
}

// interactive reads commands until the input ends, "quit", or ctx is
// done. The session is kept open meanwhile (see keep).
func (a *app) interactive(ctx context.Context, stdin io.Reader, stderr io.Writer) int {
	errOut := func(msg string) { fmt.Fprintf(stderr, "rccclient: %s\n", msg) }
	return repl(ctx, readLines(ctx, stdin), a.out, nil, func(f []string) {
		a.exec(ctx, f[0], f[1:], a.out, errOut)
	})
}

// repl shows the prompt and reads commands from lines, answering "help"
// itself and handing the others to run, until the input ends, "quit", or
// ctx is done (0), or done delivers an exit code (a nil done never does).
func repl(ctx context.Context, lines <-chan string, out *printer, done <-chan int, run func(f []string)) int {
	for {
		out.showPrompt()
		var l string
		var ok bool
		select {
		case <-ctx.Done():
			return 0
		case code := <-done:
			return code
		case l, ok = <-lines:
		}
		if !ok {
			return 0
		}
		out.entered()
		f := strings.Fields(l)
		switch {
		case len(f) == 0:
		case f[0] == "quit" || f[0] == "exit":
			return 0
		case f[0] == "help":
			out.line("%s", helpText())
		default:
			run(f)
		}
	}
}

// helpText is the list of commands.
func helpText() string {
	i := strings.Index(usage, "Commands:")
	j := strings.Index(usage, "\nA NUMBER")
	return strings.TrimSpace(usage[i:j])
}

// readLines delivers the lines of r until it ends or ctx is done.
func readLines(ctx context.Context, r io.Reader) <-chan string {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return lines
}
