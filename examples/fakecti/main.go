package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/lineappearance/dirfile"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "fakecti:", err)
		os.Exit(1)
	}
}

// options are the command line flags.
type options struct {
	listen       []string
	http         string
	demo         bool
	directory    string
	answerDelay  time.Duration
	hangUpDelay  time.Duration
	noAnswer     time.Duration
	systemStatus time.Duration
	noSession    bool
	verbose      bool
	tlsCert      string
	tlsKey       string
	tlsSelf      bool
	frameLog     int
	dialect      string
	user         string
	password     string
	switchName   string
	invokeIDs    [2]int
}

// defaultListen are the endpoints fakecti serves without -listen.
const defaultListen = "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003"

// listFlag collects a repeatable flag whose values may be comma lists.
type listFlag struct {
	vals []string
	set  bool
}

func (l *listFlag) String() string { return strings.Join(l.vals, ",") }

func (l *listFlag) Set(v string) error {
	if !l.set {
		l.vals, l.set = nil, true
	}
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			l.vals = append(l.vals, a)
		}
	}
	return nil
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("fakecti", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := &listFlag{vals: strings.Split(defaultListen, ",")}
	fs.Var(listen, "listen", "CTI endpoint `address`es, comma separated or repeated, 1 to 8")
	fs.StringVar(&o.http, "http", "127.0.0.1:7080", "control plane `address`")
	fs.BoolVar(&o.demo, "demo", false, "provision the demo directory (lines 1001 to 1004)")
	fs.StringVar(&o.directory, "directory", "", "provision the lines of a lineappearance directory `file` (YAML or JSON)")
	fs.DurationVar(&o.answerDelay, "answer-delay", ctitest.DefaultAnswerDelay, "how long 2xxx numbers ring before they answer")
	fs.DurationVar(&o.hangUpDelay, "hangup-delay", ctitest.DefaultHangUpDelay, "how long 3002 stays connected before it hangs up (0: never)")
	fs.DurationVar(&o.noAnswer, "no-answer", ctitest.DefaultNoAnswerTime, "how long a call alerts before forwarding on no answer")
	fs.DurationVar(&o.systemStatus, "system-status", 0, "send SystemStatus heartbeats to clients at this interval (0: the dialect's, off for ecma354)")
	fs.BoolVar(&o.noSession, "no-session", false, "accept requests without an ECMA-354 application session")
	fs.BoolVar(&o.verbose, "v", false, "log every message")
	fs.IntVar(&o.frameLog, "frame-log", ctitest.DefaultFrameLogSize, "how many frames (both ways) GET /frames keeps (0: none)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve CSTA over TLS with this PEM certificate `file` (with -tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "the PEM private key `file` of -tls-cert")
	fs.BoolVar(&o.tlsSelf, "tls-self-signed", false, "serve CSTA over TLS with a new self-signed certificate for localhost (GET /tls/cert gives it)")
	fs.StringVar(&o.dialect, "dialect", dialect.ECMA354, "CSTA `dialect` to speak: "+strings.Join(dialect.Names(), ", "))
	fs.StringVar(&o.user, "user", "", "the only user name a dialect with a login accepts (default: any)")
	fs.StringVar(&o.password, "password", "", "the password that goes with -user (or $FAKECTI_PASSWORD)")
	fs.StringVar(&o.switchName, "switch-name", "", "switch name in avaya-dmcc device IDs (default CM1)")
	invokeIDs := fs.String("server-invoke-ids", "", "`range` (like 9000-9998) the endpoints number their own requests from (default: the dialect's)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if _, err := dialect.Lookup(o.dialect); err != nil {
		return o, fmt.Errorf("-dialect: %w", err)
	}
	if o.password == "" {
		o.password = os.Getenv("FAKECTI_PASSWORD")
	}
	if *invokeIDs != "" {
		lo, hi, ok := strings.Cut(*invokeIDs, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if !ok || err1 != nil || err2 != nil || a < 1 || b > 9998 || a > b {
			return o, fmt.Errorf("-server-invoke-ids %q: want LOW-HIGH within 1-9998", *invokeIDs)
		}
		o.invokeIDs = [2]int{a, b}
	}
	o.listen = listen.vals
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.demo && o.directory != "":
		return o, errors.New("-demo and -directory exclude each other")
	case !o.demo && o.directory == "":
		return o, errors.New("nothing to provision: give -demo or -directory FILE")
	case len(o.listen) == 0 || len(o.listen) > ctitest.MaxClusterSize:
		return o, fmt.Errorf("-listen: %d addresses, want 1 to %d", len(o.listen), ctitest.MaxClusterSize)
	case o.answerDelay < 0 || o.hangUpDelay < 0 || o.noAnswer < 0 || o.systemStatus < 0:
		return o, errors.New("delays must not be negative")
	case o.frameLog < 0:
		return o, errors.New("-frame-log must not be negative")
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return o, errors.New("-tls-cert and -tls-key go together")
	case o.tlsSelf && o.tlsCert != "":
		return o, errors.New("-tls-self-signed and -tls-cert exclude each other")
	}
	return o, nil
}

// tlsConfig returns the endpoints' TLS configuration and the certificate
// in PEM, or nil when fakecti serves plain TCP.
func tlsConfig(o options) (*tls.Config, []byte, error) {
	switch {
	case o.tlsSelf:
		return ctitest.SelfSignedTLS()
	case o.tlsCert != "":
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return nil, nil, fmt.Errorf("TLS: %w", err)
		}
		certPEM, err := os.ReadFile(o.tlsCert)
		if err != nil {
			return nil, nil, fmt.Errorf("TLS: %w", err)
		}
		return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, certPEM, nil
	}
	return nil, nil, nil
}

// start builds the PBX and its endpoints.
func start(o options, log *slog.Logger) (*ctitest.PBX, *ctitest.Cluster, error) {
	pbx, cl, _, err := startTLS(o, log)
	return pbx, cl, err
}

// startTLS builds the PBX and its endpoints, and returns the certificate
// they serve in PEM (nil without TLS).
func startTLS(o options, log *slog.Logger) (*ctitest.PBX, *ctitest.Cluster, []byte, error) {
	tcfg, certPEM, err := tlsConfig(o)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg := ctitest.PBXConfig{
		FarEnds:      ctitest.DemoFarEnds(o.answerDelay, o.hangUpDelay),
		NoAnswerTime: o.noAnswer,
		Logger:       log,
		FrameLogSize: o.frameLog,
	}
	if o.frameLog == 0 {
		cfg.FrameLogSize = -1 // off
	}
	if o.demo {
		cfg.Directory = lineappearance.Demo()
	} else {
		d, err := dirfile.Load(o.directory)
		if err != nil {
			return nil, nil, nil, err
		}
		cfg.Directory = d
	}
	pbx, err := ctitest.NewPBX(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	scfgs := make([]ctitest.ServerConfig, len(o.listen))
	for i, a := range o.listen {
		scfgs[i] = ctitest.ServerConfig{
			Addr: a, NoSession: o.noSession, SystemStatusInterval: o.systemStatus, TLS: tcfg,
			Dialect: o.dialect, Username: o.user, Password: o.password, SwitchName: o.switchName, InvokeIDs: o.invokeIDs,
		}
	}
	cl, err := pbx.ServeCluster(scfgs...)
	if err != nil {
		_ = pbx.Close()
		return nil, nil, nil, err
	}
	return pbx, cl, certPEM, nil
}

// run runs fakecti until ctx is done. ready, when not nil, receives the
// control plane's address once everything listens.
func run(ctx context.Context, args []string, stderr io.Writer, ready chan<- string) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	pbx, cl, certPEM, err := startTLS(o, log)
	if err != nil {
		return err
	}
	defer pbx.Close()
	ln, err := net.Listen("tcp", o.http)
	if err != nil {
		return fmt.Errorf("control plane: %w", err)
	}
	hs := &http.Server{Handler: newControlPlaneTLS(cl, certPEM), ReadHeaderTimeout: 10 * time.Second}
	for _, ep := range cl.Endpoints() {
		log.Info("CTI endpoint listening", "endpoint", ep.Name(), "addr", ep.Addr(), "tls", certPEM != nil, "dialect", ep.Dialect())
	}
	logProvisioned(log, pbx)
	log.Info("control plane listening", "url", "http://"+ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("control plane: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("control plane: %w", err)
	}
	return nil
}

// logProvisioned summarises what the PBX was provisioned with: counts at
// info level, each line (with its devices) at debug level.
func logProvisioned(log *slog.Logger, pbx *ctitest.PBX) {
	keys := pbx.Lines()
	devices := map[string]bool{}
	debug := log.Enabled(context.Background(), slog.LevelDebug)
	for _, k := range keys {
		ls, ok := pbx.Line(k)
		if !ok {
			continue
		}
		for _, d := range ls.Devices {
			devices[d] = true
		}
		if debug {
			log.Debug("line provisioned", "line", k, "devices", strings.Join(ls.Devices, " "))
		}
	}
	first, last := "", ""
	if len(keys) > 0 {
		first, last = keys[0], keys[len(keys)-1]
	}
	log.Info("PBX provisioned", "lines", len(keys), "devices", len(devices), "first", first, "last", last)
}
