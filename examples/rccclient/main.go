package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/sip"
)

const usage = `usage: rccclient [flags] COMMAND [ARGS]

Commands:
  monitor                      print events as they arrive, until interrupted
  call NUMBER                  place a call from the line to NUMBER
  answer [CALL]                answer the ringing call
  hangup [CALL]                clear the line's connection to a call
  hold [CALL]                  put the active call on hold
  retrieve [CALL]              take the held call back
  transfer NUMBER [CALL]       transfer the active call to NUMBER
  conference [NUMBER]          call NUMBER for consultation and, once it
                               answers, join it with the held call; without
                               NUMBER, join the held and the active call
  deflect NUMBER [CALL]        send the ringing call to NUMBER
  forward TYPE NUMBER|off      set or clear forwarding; TYPE is immediate,
                               busy, noanswer, dnd or a CSTA forwarding type
  dnd on|off                   do not disturb
  snapshot                     list the calls at the line
  features                     list what the gateway supports
  interactive                  keep the session open and read these commands
                               (and "calls", "help", "quit") from the input

A NUMBER without a scheme is sent as tel:NUMBER. CALL is a call ID as the
events show it; without one the command picks the call in the right state.

Flags:
`

// config is what the flags set.
type config struct {
	gateway, user, line string
	transport, local    string
	proxy               string
	json, verbose       bool
	timeout, answerWait time.Duration
	caFile, certFile    string
	keyFile, serverName string
	sessionExpires      time.Duration
	namespace           string
}

func main() {
	// sipgo logs some connection bookkeeping through slog.Default (a
	// warning for every connection closed at exit, for one); -v sends the
	// client's own logs, with sipgo's, to standard error.
	slog.SetDefault(slog.New(slog.DiscardHandler))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the program, testable: it returns the exit code (0 done, 1 the
// gateway refused or failed, 2 bad usage).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("rccclient", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	env := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&cfg.gateway, "gateway", env("RCC_GATEWAY", "sip:cti@127.0.0.1:5060"), "SIP URI of the gateway ($RCC_GATEWAY)")
	fs.StringVar(&cfg.user, "user", env("RCC_USER", "sip:alice@example.com"), "your SIP address ($RCC_USER)")
	fs.StringVar(&cfg.line, "line", env("RCC_LINE", "tel:1001;phone-context=dialstring"), "Line URI of the line to control ($RCC_LINE)")
	fs.StringVar(&cfg.transport, "transport", "", "udp, tcp or tls (default: from the gateway URI, else udp)")
	fs.StringVar(&cfg.local, "local", "", "local address to listen on, host:port (default: the address that routes to the gateway)")
	fs.StringVar(&cfg.proxy, "proxy", "", "outbound proxy, host:port or SIP URI")
	fs.BoolVar(&cfg.json, "json", false, "print events and results as JSON lines")
	fs.BoolVar(&cfg.verbose, "v", false, "log SIP activity to standard error")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "how long to wait for each answer from the gateway")
	fs.DurationVar(&cfg.answerWait, "answer-wait", 30*time.Second, "how long conference waits for the consulted party to answer")
	fs.DurationVar(&cfg.sessionExpires, "session-expires", 0, "session interval to ask for (default 600s)")
	fs.StringVar(&cfg.namespace, "namespace", "", "ECMA-323 namespace of the requests (default ed3, as Communicator)")
	fs.StringVar(&cfg.caFile, "ca", "", "TLS: PEM file of the CA certificates to trust")
	fs.StringVar(&cfg.certFile, "cert", "", "TLS: PEM file of a client certificate (mutual TLS)")
	fs.StringVar(&cfg.keyFile, "key", "", "TLS: PEM file of the client certificate's key")
	fs.StringVar(&cfg.serverName, "server-name", "", "TLS: the name to verify the gateway's certificate against")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	out := &printer{w: stdout, json: cfg.json, now: time.Now}
	cmd, cmdArgs := fs.Arg(0), fs.Args()[1:]
	if _, ok := commands[cmd]; !ok && cmd != "monitor" && cmd != "interactive" {
		fmt.Fprintf(stderr, "rccclient: unknown command %q\n", cmd)
		fs.Usage()
		return 2
	}
	if err := checkArgs(cmd, cmdArgs); err != nil {
		fmt.Fprintf(stderr, "rccclient: %v\n", err)
		return 2
	}

	a, err := open(ctx, cfg, out, stderr, cmd == "monitor" || cmd == "interactive")
	if err != nil {
		fmt.Fprintf(stderr, "rccclient: %s\n", explain("opening the session", err))
		return 1
	}
	defer a.close()

	switch cmd {
	case "monitor":
		out.line("monitoring %s (interrupt to stop)", cfg.line)
		select {
		case <-ctx.Done():
		case <-a.session.Done():
			if err := a.session.Err(); err != nil {
				fmt.Fprintf(stderr, "rccclient: %s\n", explain("session", err))
				return 1
			}
		}
		return 0
	case "interactive":
		return a.interactive(ctx, stdin, stderr)
	}
	if err := a.exec(ctx, cmd, cmdArgs); err != nil {
		fmt.Fprintf(stderr, "rccclient: %v\n", err)
		return 1
	}
	return 0
}

// app is an open session and what the commands need.
type app struct {
	cfg     config
	session *sip.ClientSession
	calls   *calls
	out     *printer
}

// open opens the session, starts the monitor and takes a snapshot, so the
// commands know the calls at the line.
func open(ctx context.Context, cfg config, out *printer, stderr io.Writer, printEvents bool) (*app, error) {
	tlsConfig, err := tlsSetup(cfg)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, calls: newCalls(cfg.line), out: out}
	logger := slog.New(slog.DiscardHandler)
	if cfg.verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	dctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	a.session, err = sip.Dial(dctx, sip.ClientConfig{
		Gateway:        cfg.gateway,
		User:           cfg.user,
		Line:           cfg.line,
		Transport:      cfg.transport,
		LocalAddr:      cfg.local,
		Proxy:          cfg.proxy,
		TLSConfig:      tlsConfig,
		Namespace:      cfg.namespace,
		SessionExpires: cfg.sessionExpires,
		Logger:         logger,
		OnEvent: func(ev csta.Event) {
			a.calls.event(ev)
			if printEvents {
				out.event(ev)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if _, err := a.session.Monitor(rctx); err != nil {
		a.close()
		return nil, fmt.Errorf("starting the monitor: %w", err)
	}
	if err := a.snapshot(rctx, false); err != nil {
		// Not every gateway supports SnapshotDevice: commands then need
		// a call ID or events seen in interactive mode.
		fmt.Fprintf(stderr, "rccclient: %s\n", explain("snapshot", err))
	}
	return a, nil
}

// tlsSetup builds the TLS configuration from the flags.
func tlsSetup(cfg config) (*tls.Config, error) {
	if cfg.caFile == "" && cfg.certFile == "" && cfg.serverName == "" {
		return nil, nil
	}
	tc := &tls.Config{ServerName: cfg.serverName}
	if cfg.caFile != "" {
		pem, err := os.ReadFile(cfg.caFile)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", cfg.caFile)
		}
	}
	if cfg.certFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.certFile, cfg.keyFile)
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// close ends the session with MonitorStop and BYE.
func (a *app) close() {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.timeout)
	defer cancel()
	a.session.Close(ctx)
}

// interactive reads commands until the input ends, "quit", or ctx is
// done.
func (a *app) interactive(ctx context.Context, stdin io.Reader, stderr io.Writer) int {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	a.out.line("session open on %s; type help for the commands", a.cfg.line)
	for {
		select {
		case <-ctx.Done():
			return 0
		case <-a.session.Done():
			fmt.Fprintf(stderr, "rccclient: %s\n", explain("session", a.session.Err()))
			return 1
		case l, ok := <-lines:
			if !ok {
				return 0
			}
			f := strings.Fields(l)
			if len(f) == 0 {
				continue
			}
			switch f[0] {
			case "quit", "exit":
				return 0
			case "help":
				a.out.line("%s", strings.TrimSpace(strings.SplitN(usage, "\nA NUMBER", 2)[0]))
				continue
			case "calls":
				for _, c := range a.calls.list() {
					a.out.line("%s", c)
				}
				continue
			}
			if _, ok := commands[f[0]]; !ok {
				fmt.Fprintf(stderr, "rccclient: unknown command %q (type help)\n", f[0])
				continue
			}
			if err := checkArgs(f[0], f[1:]); err != nil {
				fmt.Fprintf(stderr, "rccclient: %v\n", err)
				continue
			}
			if err := a.exec(ctx, f[0], f[1:]); err != nil {
				fmt.Fprintf(stderr, "rccclient: %v\n", err)
			}
		}
	}
}
