package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/session/gateway/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// options are the command line flags.
type options struct {
	load          loadConfig
	target        string
	compare       bool
	addr          string
	pid           int
	metrics       string
	baselineAddr  string
	baselinePID   int
	users         int
	answerDelay   time.Duration
	noHalf        bool
	jsonOut       string
	cpuProfile    string
	memProfile    string
	blockProfile  string
	serve         string
	listen        string
	writeDir      string
	writeCSV      string
	verbose       bool
	gcPercent     int
	maxSessions   int
	gatewayConfig string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.target, "target", "gateway", "what to drive: gateway or baseline (a bare sipgo responder)")
	fs.BoolVar(&o.compare, "compare", false, "drive the baseline, then the gateway with the same load, then the gateway in open loop at half the rate it reached; print the ratios")
	fs.StringVar(&o.addr, "addr", "", "host:port of a gateway running elsewhere (default: start one in-process)")
	fs.IntVar(&o.pid, "pid", 0, "process ID of the gateway given with -addr, to measure its RSS and CPU")
	fs.StringVar(&o.metrics, "metrics", "", "URL of the gateway's Prometheus metrics (for go_goroutines), with -addr")
	fs.StringVar(&o.baselineAddr, "baseline-addr", "", "host:port of a baseline running elsewhere (loadgen -serve baseline)")
	fs.IntVar(&o.baselinePID, "baseline-pid", 0, "process ID of the baseline given with -baseline-addr")
	fs.StringVar(&o.load.transport, "transport", "tcp", "SIP transport: tcp or udp")
	fs.IntVar(&o.load.sessions, "sessions", 1000, "sessions to open and monitor")
	fs.IntVar(&o.load.userOffset, "user-offset", 0, "session i uses generated user offset+i (to run several load generators against one gateway)")
	fs.IntVar(&o.users, "users", 0, "users in the in-process gateway's generated directory (default: offset+sessions)")
	fs.IntVar(&o.load.conns, "conns", 4, "client user agents: TCP connections (or UDP sockets) the sessions share")
	fs.IntVar(&o.load.concurrency, "concurrency", 32, "closed loop: CSTA requests in flight")
	fs.Float64Var(&o.load.rate, "rate", 0, "open loop: CSTA requests per second (0: closed loop)")
	fs.BoolVar(&o.noHalf, "no-half", false, "with -compare: skip the half-rate run")
	fs.DurationVar(&o.load.warmup, "warmup", 2*time.Second, "load before the measured window")
	fs.DurationVar(&o.load.duration, "duration", 10*time.Second, "measured window (0: open the sessions and idle, for scale runs)")
	fs.DurationVar(&o.load.idle, "idle", 0, "with -duration 0: how long the sessions stay idle before the second measurement")
	fs.Float64Var(&o.load.snapshotRatio, "snapshot-ratio", 0.2, "share of operations that are SnapshotDevice; the rest are MakeCall/ClearConnection pairs")
	fs.IntVar(&o.load.setupParallel, "setup-parallel", 32, "sessions opened (and closed) at once")
	fs.DurationVar(&o.load.timeout, "timeout", 10*time.Second, "timeout of each request")
	fs.IntVar(&o.load.sessionExpires, "session-expires", 600, "Session-Expires the sessions ask for, in seconds")
	fs.BoolVar(&o.load.teardown, "teardown", true, "send MonitorStop and BYE at the end")
	fs.DurationVar(&o.answerDelay, "answer-delay", 0, "in-process gateway: how long the fake PBX's far ends ring before answering")
	fs.IntVar(&o.maxSessions, "max-sessions", 0, "in-process gateway: session.max_sessions (default: at least the sessions)")
	fs.StringVar(&o.gatewayConfig, "gateway-config", "", "in-process gateway: configuration file laid over the defaults (listeners are replaced)")
	fs.StringVar(&o.jsonOut, "json", "", "write the results as JSON to this file")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (load generator and in-process target) for the measured window")
	fs.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile of this process at the end")
	fs.StringVar(&o.blockProfile, "blockprofile", "", "write a profile of where goroutines of this process blocked (channel, select, mutex waits) at the end")
	fs.StringVar(&o.serve, "serve", "", "instead of generating load, serve a target in this process until interrupted: baseline")
	fs.StringVar(&o.listen, "listen", "tcp:127.0.0.1:5070,udp:127.0.0.1:5070", "with -serve: listeners, transport:host:port, comma separated")
	fs.StringVar(&o.writeDir, "write-directory", "", "write the generated directory of -users users as a JSON directory file and exit")
	fs.StringVar(&o.writeCSV, "write-csv", "", "write a sipp injection file (user;line) of -users users and exit")
	fs.IntVar(&o.gcPercent, "gogc", 400, "garbage collection target percentage of this process (GOGC), so the load generator's collections disturb the measurement less; an in-process target shares it")
	fs.BoolVar(&o.verbose, "v", false, "log at debug level")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.users == 0 {
		o.users = o.load.userOffset + o.load.sessions
	}
	l := &o.load
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.target != "gateway" && o.target != "baseline":
		return o, fmt.Errorf("-target %q: want gateway or baseline", o.target)
	case l.transport != "tcp" && l.transport != "udp":
		return o, fmt.Errorf("-transport %q: want tcp or udp", l.transport)
	case l.sessions < 1 || l.conns < 1 || l.concurrency < 1 || l.setupParallel < 1:
		return o, errors.New("-sessions, -conns, -concurrency and -setup-parallel must be at least 1")
	case l.rate < 0 || l.snapshotRatio < 0 || l.snapshotRatio > 1:
		return o, errors.New("-rate must not be negative and -snapshot-ratio must be between 0 and 1")
	case l.duration < 0 || l.warmup < 0 || l.idle < 0 || l.timeout <= 0:
		return o, errors.New("durations must not be negative, -timeout must be positive")
	case o.users > ctitest.MaxGeneratedUsers || o.users < 1,
		o.users < o.load.userOffset+o.load.sessions && o.writeDir == "" && o.writeCSV == "":
		return o, fmt.Errorf("-users %d: want offset+sessions (%d) to %d", o.users, o.load.userOffset+o.load.sessions, ctitest.MaxGeneratedUsers)
	case o.serve != "" && o.serve != "baseline":
		return o, fmt.Errorf("-serve %q: only baseline can be served", o.serve)
	case (o.pid != 0 || o.metrics != "") && o.addr == "":
		return o, errors.New("-pid and -metrics measure a gateway given with -addr")
	case o.baselinePID != 0 && o.baselineAddr == "":
		return o, errors.New("-baseline-pid measures a baseline given with -baseline-addr")
	}
	return o, nil
}

// sipgoGlobals sets sipgo's process-wide settings on the first run.
var sipgoGlobals sync.Once

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	sipgoGlobals.Do(func() {
		// sipgo logs some things through its package logger only
		// (connection bookkeeping that warns at every close); this is a
		// program, so it may set it, once, before sipgo runs. sipgo's
		// UDP size limit and read buffer are set by package sip when it
		// is initialised.
		sipLevel := slog.LevelError
		if o.verbose {
			sipLevel = slog.LevelDebug
		}
		sipmsg.SetDefaultLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: sipLevel})))
		raiseFileLimit()
	})
	debug.SetGCPercent(o.gcPercent)

	switch {
	case o.writeDir != "":
		return writeFile(o.writeDir, func(w io.Writer) error { return ctitest.WriteGeneratedDirectory(w, o.users) })
	case o.writeCSV != "":
		return writeFile(o.writeCSV, func(w io.Writer) error { return writeSippCSV(w, o.users) })
	case o.serve != "":
		return serveBaseline(ctx, strings.Split(o.listen, ","), log, func(s string) { fmt.Fprintln(stdout, s) })
	}

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	if o.blockProfile != "" {
		runtime.SetBlockProfileRate(int(10 * time.Microsecond))
		runtime.SetMutexProfileFraction(10)
		defer func() {
			_ = writeFile(o.blockProfile, func(w io.Writer) error { return pprof.Lookup("block").WriteTo(w, 0) })
			_ = writeFile(o.blockProfile+".mutex", func(w io.Writer) error { return pprof.Lookup("mutex").WriteTo(w, 0) })
		}()
	}

	var results []Result
	report := func(r Result) {
		results = append(results, r)
		printResult(stdout, r)
	}
	if o.compare {
		base, err := runOne(ctx, o, "baseline", "baseline", o.load, log)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		report(base)
		gw, err := runOne(ctx, o, "gateway", "gateway", o.load, log)
		if err != nil {
			return fmt.Errorf("gateway: %w", err)
		}
		report(gw)
		var half, baseHalf *Result
		if !o.noHalf && gw.RPS > 0 && o.load.duration > 0 {
			l := o.load
			l.rate = gw.RPS / 2
			h, err := runOne(ctx, o, "gateway-half-rate", "gateway", l, log)
			if err != nil {
				return fmt.Errorf("gateway at half rate: %w", err)
			}
			report(h)
			half = &h
			// The baseline at the same rate: the latency floor of the
			// harness and the machine.
			bh, err := runOne(ctx, o, "baseline-same-rate", "baseline", l, log)
			if err != nil {
				return fmt.Errorf("baseline at the gateway's half rate: %w", err)
			}
			report(bh)
			baseHalf = &bh
		}
		printComparison(stdout, base, gw, half, baseHalf)
	} else {
		r, err := runOne(ctx, o, o.target, o.target, o.load, log)
		if err != nil {
			return err
		}
		report(r)
	}
	if o.memProfile != "" {
		runtime.GC()
		if err := writeFile(o.memProfile, func(w io.Writer) error { return pprof.Lookup("allocs").WriteTo(w, 0) }); err != nil {
			return err
		}
	}
	if o.jsonOut != "" {
		return writeFile(o.jsonOut, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(results)
		})
	}
	return nil
}

// notMeasured is where a target runs that is not measured.
const notMeasured = "elsewhere, not measured"

// runOne starts (or finds) a target and drives it.
func runOne(ctx context.Context, o options, name, kind string, l loadConfig, log *slog.Logger) (Result, error) {
	res := Result{Name: name, Target: kind, Transport: l.transport, Sessions: l.sessions, Conns: l.conns, Where: "in-process"}
	if l.rate > 0 {
		res.Mode, res.Rate = "open", l.rate
	} else {
		res.Mode, res.Concurrency = "closed", l.concurrency
	}
	tgt := target{}
	var addr string
	switch {
	case kind == "gateway" && o.addr != "":
		addr, tgt = o.addr, target{pid: o.pid, metricsURL: o.metrics}
	case kind == "baseline" && o.baselineAddr != "":
		addr, tgt = o.baselineAddr, target{pid: o.baselinePID}
	}
	switch {
	case addr != "" && tgt.pid != 0:
		res.Where = fmt.Sprintf("pid %d", tgt.pid)
	case addr != "":
		res.Where = notMeasured
	case kind == "gateway":
		g, a, err := startGateway(ctx, o, l, log)
		if err != nil {
			return res, err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = g.Shutdown(sctx)
		}()
		addr = a
	default:
		b, err := startBaseline([]string{l.transport + ":127.0.0.1:0"}, log)
		if err != nil {
			return res, err
		}
		defer b.close()
		addr = b.addr()
	}
	host, port, err := sipmsg.ParseAddr(addr)
	if err != nil {
		return res, fmt.Errorf("address %q: %w", addr, err)
	}
	gw := sipmsg.Uri{Scheme: "sip", User: "cti", Host: host, Port: port}
	if l.transport == "tcp" {
		gw.UriParams = sipmsg.HeaderParams{{K: "transport", V: "tcp"}}
	}
	runtime.GC()
	r := &runner{cfg: l, gw: gw, tgt: tgt, st: newStats(), log: log}
	err = r.run(ctx, &res)
	return res, err
}

// startGateway starts the demo gateway in-process on a generated
// directory, with far ends that answer after -answer-delay.
func startGateway(ctx context.Context, o options, l loadConfig, log *slog.Logger) (*gateway.Gateway, string, error) {
	cfg, err := gateway.ParseConfig("defaults", nil)
	if o.gatewayConfig != "" {
		cfg, err = gateway.LoadConfig(o.gatewayConfig)
	}
	if err != nil {
		return nil, "", err
	}
	cfg.SIP.Listen = []gateway.Listener{{Transport: l.transport, Address: "127.0.0.1:0"}}
	cfg.Session.MaxSessions = max(cfg.Session.MaxSessions, o.maxSessions, l.sessions)
	if s := time.Duration(l.sessionExpires) * time.Second; s > cfg.SIP.SessionExpires.D() {
		cfg.SIP.SessionExpires = gateway.Duration(s)
	}
	data, err := ctitest.GenerateDirectory(o.users)
	if err != nil {
		return nil, "", err
	}
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Directory: data, FarEnds: ctitest.DemoFarEnds(o.answerDelay, 0), RequestLogSize: 1})
	if err != nil {
		return nil, "", err
	}
	dg, err := demo.New(cfg, gateway.Options{Directory: data, Logger: log}, demo.Options{PBX: pbx})
	if err != nil {
		return nil, "", err
	}
	g := dg.Gateway
	if err := g.Start(); err != nil {
		_ = g.Shutdown(ctx)
		return nil, "", err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := g.Pool().WaitHealthy(wctx, demo.Endpoints); err != nil {
		_ = g.Shutdown(ctx)
		return nil, "", fmt.Errorf("waiting for the CTI connections: %w", err)
	}
	return g, g.Addrs()[0].Addr.String(), nil
}

// writeSippCSV writes a sipp injection file: one line per generated user,
// "user part;line number", read in sequence.
func writeSippCSV(w io.Writer, users int) error {
	if users < 1 || users > ctitest.MaxGeneratedUsers {
		return fmt.Errorf("-users %d: want 1 to %d", users, ctitest.MaxGeneratedUsers)
	}
	fmt.Fprintln(w, "SEQUENTIAL")
	for i := 1; i <= users; i++ {
		aor, line := ctitest.GeneratedUser(i)
		u, err := lineappearance.NormalizeUser(aor)
		if err != nil {
			return err
		}
		user := strings.TrimPrefix(strings.TrimSuffix(u, "@example.com"), "sip:")
		num := strings.TrimSuffix(strings.TrimPrefix(line, "tel:"), ";phone-context=dialstring")
		if _, err := fmt.Fprintf(w, "%s;%s\n", user, num); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, f func(io.Writer) error) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f(file); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// printResult prints one run.
func printResult(w io.Writer, r Result) {
	fmt.Fprintf(w, "\n== %s: %s (%s), %s, %d sessions over %d connections\n", r.Name, r.Target, r.Where, r.Transport, r.Sessions, r.Conns)
	fmt.Fprintf(w, "setup      %d sessions opened and monitored in %.2fs (%.0f/s); latency p50 %.2fms p99 %.2fms\n",
		r.Setup.Count, r.SetupSeconds, r.SetupRate, r.Setup.P50, r.Setup.P99)
	if r.SetupErrors > 0 {
		fmt.Fprintf(w, "           %d sessions failed:", r.SetupErrors)
		for _, c := range r.SetupErrorKinds {
			fmt.Fprintf(w, " %dx %s;", c.Count, c.Name)
		}
		fmt.Fprintln(w)
	}
	if r.Seconds > 0 {
		mode := fmt.Sprintf("closed loop, %d in flight", r.Concurrency)
		if r.Mode == "open" {
			mode = fmt.Sprintf("open loop at %.0f/s", r.Rate)
		}
		fmt.Fprintf(w, "load       %s, %.1fs measured\n", mode, r.Seconds)
		fmt.Fprintf(w, "requests   %d (%.0f/s):", r.Requests, r.RPS)
		for _, c := range r.ByRequest {
			fmt.Fprintf(w, " %s %d", c.Name, c.Count)
		}
		fmt.Fprintln(w)
		l := r.Latency
		fmt.Fprintf(w, "latency    p50 %.3fms  p90 %.3fms  p99 %.3fms  p99.9 %.3fms  max %.3fms  mean %.3fms\n", l.P50, l.P90, l.P99, l.P999, l.Max, l.Mean)
		fmt.Fprintf(w, "events     %d (%.0f/s):", r.Events, r.EPS)
		for _, c := range r.ByEvent {
			fmt.Fprintf(w, " %s %d", c.Name, c.Count)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "errors     %d\n", r.Errors)
	for _, c := range r.ErrorKinds {
		fmt.Fprintf(w, "           %6d  %s\n", c.Count, c.Name)
	}
	if r.Where == notMeasured {
		return
	}
	gr := "unknown"
	if r.Goroutines >= 0 {
		gr = fmt.Sprint(r.Goroutines)
	}
	fmt.Fprintf(w, "target     RSS %.1f MiB (%.1f MiB before the sessions), goroutines %s, threads %d", mib(r.RSS), mib(r.RSSBefore), gr, r.Threads)
	if r.Seconds > 0 {
		fmt.Fprintf(w, ", CPU %.2f cores", r.TargetCPU)
		if r.LoadgenCPU > 0 {
			fmt.Fprintf(w, " (load generator %.2f cores)", r.LoadgenCPU)
		}
	}
	fmt.Fprintln(w)
	if r.Where == "in-process" {
		fmt.Fprintln(w, "           (in-process: RSS, goroutines and CPU include the load generator and the fake PBX)")
	}
	if r.RSSIdle > 0 {
		fmt.Fprintf(w, "idle       RSS %.1f MiB, goroutines %d; %.0f bytes per session above the RSS before the sessions\n", mib(r.RSSIdle), r.GoroutinesIdl, r.BytesPerSess)
	}
}

// printComparison prints the gateway's figures against the baseline's.
func printComparison(w io.Writer, base, gw Result, half, baseHalf *Result) {
	fmt.Fprintln(w, "\n== comparison")
	if base.RPS > 0 {
		ratio := gw.RPS / base.RPS
		verdict := "holds"
		if ratio < 0.6 {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "throughput gateway %.0f/s, baseline %.0f/s: ratio %.2f (target >= 0.60: %s)\n", gw.RPS, base.RPS, ratio, verdict)
	}
	if half != nil {
		verdict := "holds"
		if half.Latency.P99 >= 10 {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "latency    gateway at %.0f/s (half its maximum): p50 %.3fms p99 %.3fms p99.9 %.3fms (target p99 < 10ms: %s)\n",
			half.Rate, half.Latency.P50, half.Latency.P99, half.Latency.P999, verdict)
	}
	if baseHalf != nil {
		fmt.Fprintf(w, "           baseline at the same rate: p50 %.3fms p99 %.3fms p99.9 %.3fms\n",
			baseHalf.Latency.P50, baseHalf.Latency.P99, baseHalf.Latency.P999)
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
