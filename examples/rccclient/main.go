package main

import (
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
	"syscall"
	"time"
)

const usage = `usage: rccclient [flags] COMMAND [ARGS]

"monitor" and "interactive" keep a session open for the line, print its
events and re-open it, with backoff, when the gateway ends it or goes away.
While one runs, commands run from another terminal for the same gateway,
user and line go through its session: "rccclient monitor" in one terminal
and "rccclient call 2000" in another work together. Without one running, a
command opens a session of its own, runs, and closes it.

Commands:
  monitor                      print events as they arrive, until interrupted
  interactive                  the same, and read commands from the input
                               (the ones below, "help" and "quit")
  call NUMBER                  place a call from the line to NUMBER
  answer [CALL]                answer the ringing call
  hangup [CALL]                clear the line's connection to a call
  clearcall [CALL]             end the whole call, for every party in it
  hold [CALL]                  put the active call on hold
  retrieve [CALL]              take the held call back
  consult NUMBER [CALL]        put the active call on hold and call NUMBER
  alternate                    swap the held and the active call
  reconnect                    clear the active call, take the held one back
  transfer                     join the held and the active call and leave
                               (consultation transfer)
  transfer NUMBER [CALL]       transfer the active call to NUMBER in one step
  conference [NUMBER]          call NUMBER for consultation and, once it
                               answers, join it with the held call; without
                               NUMBER, join the held and the active call
  deflect NUMBER [CALL]        send the ringing call to NUMBER
  digits DIGITS [CALL]         send DTMF digits on the active call
  forward                      show the forwarding
  forward TYPE NUMBER|off      set or clear forwarding; TYPE is immediate,
                               busy, noanswer, dnd or a CSTA forwarding type
  dnd                          show do not disturb
  dnd on|off                   set do not disturb
  snapshot                     ask the gateway for the calls at the line
  calls                        list the calls the client knows at the line
  features                     list what the gateway supports

A gateway that makes its clients authenticate (SIP digest) challenges
the session's INVITE: give -password, or better $RCC_PASSWORD, which no
process list shows (-auth-user defaults to the user part of -user). The
password is never printed. An operator makes a user's directory entry
with "rccclient -user sip:alice@example.com -hash REALM", the password
from $RCC_PASSWORD, -password or the first line of the input: it prints
the credentials (HA1 hashes, not the password) to paste under the user.

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
	keepAlive           time.Duration
	reopenMin           time.Duration
	reopenMax           time.Duration
	control             string
	attach              bool
	authUser, password  string
	hashRealm           string
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
	fs.DurationVar(&cfg.keepAlive, "keepalive", 30*time.Second, "monitor, interactive: how often to check that the gateway is there (OPTIONS; over TCP and TLS the connection is watched too); 0 for never")
	fs.DurationVar(&cfg.reopenMin, "reopen-min", 500*time.Millisecond, "monitor, interactive: first delay before re-opening a lost session")
	fs.DurationVar(&cfg.reopenMax, "reopen-max", 30*time.Second, "monitor, interactive: longest delay between attempts to re-open it")
	fs.StringVar(&cfg.namespace, "namespace", "", "ECMA-323 namespace of the requests (default ed3, as Communicator)")
	fs.StringVar(&cfg.caFile, "ca", "", "TLS: PEM file of the CA certificates to trust")
	fs.StringVar(&cfg.certFile, "cert", "", "TLS: PEM file of a client certificate (mutual TLS)")
	fs.StringVar(&cfg.keyFile, "key", "", "TLS: PEM file of the client certificate's key")
	fs.StringVar(&cfg.serverName, "server-name", "", "TLS: the name to verify the gateway's certificate against")
	fs.StringVar(&cfg.control, "control", "", "control socket shared by the rccclients of one gateway, user and line (default: one per line in a private directory under the system's temporary directory)")
	fs.StringVar(&cfg.authUser, "auth-user", "", "digest user name, when the gateway challenges (default: the user part of -user)")
	fs.StringVar(&cfg.password, "password", "", "digest password, when the gateway challenges (default $RCC_PASSWORD; never printed)")
	fs.StringVar(&cfg.hashRealm, "hash", "", "print the directory credentials (HA1) of -user in this realm, and exit")
	fs.BoolVar(&cfg.attach, "attach", true, "run commands through a monitor or interactive rccclient already running for the line")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cfg.password == "" {
		cfg.password = os.Getenv("RCC_PASSWORD")
	}
	if cfg.hashRealm != "" {
		return printHash(cfg, stdin, stdout, stderr)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if cfg.keepAlive < 0 || cfg.reopenMin <= 0 || cfg.reopenMax < cfg.reopenMin {
		fmt.Fprintln(stderr, "rccclient: -keepalive must not be negative, -reopen-min must be positive and at most -reopen-max")
		return 2
	}
	cmd, cmdArgs := fs.Arg(0), fs.Args()[1:]
	long := cmd == "monitor" || cmd == "interactive"
	if _, ok := commands[cmd]; !ok && !long {
		fmt.Fprintf(stderr, "rccclient: unknown command %q\n", cmd)
		fs.Usage()
		return 2
	}
	if err := checkArgs(cmd, cmdArgs); err != nil {
		fmt.Fprintf(stderr, "rccclient: %v\n", err)
		return 2
	}
	out := &printer{w: stdout, json: cfg.json, now: time.Now}
	if cmd == "interactive" && !cfg.json {
		out.prompt = "rcc> "
	}

	// A monitor or interactive rccclient for the line has the session:
	// go through it.
	if cfg.attach {
		if code, ok := attach(ctx, cfg, cmd, cmdArgs, stdin, out, stderr); ok {
			return code
		}
	}

	a := &app{cfg: cfg, calls: newCalls(cfg.line), out: out, stderr: stderr, long: long, printEvents: long}
	// The events of the monitor come after the line saying it runs.
	out.hold()
	s, err := a.open(ctx)
	if err != nil {
		out.release()
		fmt.Fprintf(stderr, "rccclient: %s\n", explain("opening the session", err))
		return 1
	}
	a.setSession(s)
	defer a.close()
	if !long {
		out.release()
		return a.exec(ctx, cmd, cmdArgs, out, func(msg string) { fmt.Fprintf(stderr, "rccclient: %s\n", msg) })
	}

	ctl, err := a.serveControl(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "rccclient: commands from other terminals will not reach this session: %v\n", err)
	} else {
		defer func() {
			// End the session before an attached monitor takes over.
			a.close()
			ctl.Close()
		}()
	}
	keeping := make(chan struct{})
	kctx, stopKeeping := context.WithCancel(ctx)
	go func() {
		defer close(keeping)
		a.keep(kctx)
	}()
	defer func() {
		stopKeeping()
		<-keeping
	}()
	if cmd == "monitor" {
		out.line("monitoring %s (interrupt to stop; commands run from another terminal go through this session)", cfg.line)
		out.release()
		<-ctx.Done()
		return 0
	}
	out.line("session open on %s; type help for the commands", cfg.line)
	out.release()
	return a.interactive(ctx, stdin, stderr)
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
