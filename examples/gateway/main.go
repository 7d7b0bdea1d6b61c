package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/session/gateway/demo"
)

// version is the gateway's version, shown on the status page and in
// rcc_build_info. Set it when building:
//
//	go build -ldflags "-X main.version=v1.2.0" ./examples/gateway
//
// Left empty, the version in the binary's build information is shown.
var version string

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// listFlag collects a repeatable or comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		configFile = fs.String("config", "", "configuration file (YAML); see config.example.yaml")
		demoMode   = fs.Bool("demo", false, "run on an in-process fake PBX cluster and the demo directory")
		sipListen  listFlag
		cti        listFlag
		directory  = fs.String("directory", "", "directory file (overrides directory.file)")
		admin      = fs.String("admin", "", "admin HTTP listen address (overrides admin.listen)")
		ctiDialect = fs.String("cti-dialect", "", "CSTA dialect of the PBX: "+strings.Join(dialect.Names(), ", ")+" (overrides cti.dialect; with -demo the fake PBX speaks it too)")
		policy     = fs.String("loss-policy", "", "CTI loss policy: rehome or reconnect (overrides session.loss_policy)")
		logLevel   = fs.String("log-level", "", "log level: debug, info, warn or error (overrides log.level)")
		logFormat  = fs.String("log-format", "", "log format: text or json (overrides log.format)")
		grace      = fs.Duration("shutdown-timeout", 10*time.Second, "how long a shutdown may take")
		demoUsers  = fs.Int("demo-users", 0, "with -demo: run on a generated directory of this many users (sip:user1@example.com on tel:1000000, ...) instead of the demo directory, for load tests")
		demoAnswer = fs.Duration("demo-answer-delay", ctitest.DefaultAnswerDelay, "with -demo: how long the fake PBX's 2xxx far ends ring before they answer (0: at once)")
		cpuProfile = fs.String("cpuprofile", "", "write a CPU profile to this file, from start to shutdown (for performance work)")
		memProfile = fs.String("memprofile", "", "write an allocation profile to this file at shutdown (for performance work)")
		pprofAddr  = fs.String("pprof", "", "serve Go's /debug/pprof/ profiles on this address, e.g. 127.0.0.1:6060 (for performance work)")
		showVer    = fs.Bool("version", false, "print the version and exit")
	)
	fs.Var(&sipListen, "sip", "SIP listener transport:host:port, repeatable (overrides sip.listen), e.g. udp:0.0.0.0:5060")
	fs.Var(&cti, "cti", "CTI endpoint host:port, repeatable, in priority order (overrides cti.endpoints)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if *showVer {
		fmt.Fprintln(stdout, versionLine())
		return nil
	}

	cfg, err := gateway.ParseConfig("defaults", nil)
	if *configFile != "" {
		cfg, err = gateway.LoadConfig(*configFile)
	}
	if err != nil {
		return err
	}
	for i, l := range sipListen {
		transport, addr, ok := strings.Cut(l, ":")
		if !ok {
			return fmt.Errorf("-sip %q: want transport:host:port", l)
		}
		if i == 0 {
			cfg.SIP.Listen = nil
		}
		cfg.SIP.Listen = append(cfg.SIP.Listen, gateway.Listener{Transport: transport, Address: addr})
	}
	if len(cti) > 0 {
		cfg.CTI.Endpoints = nil
		for _, a := range cti {
			cfg.CTI.Endpoints = append(cfg.CTI.Endpoints, gateway.Endpoint{Address: a})
		}
	}
	if *ctiDialect != "" {
		if _, err := dialect.Lookup(*ctiDialect); err != nil {
			return fmt.Errorf("-cti-dialect: %q is not a known dialect (known: %s)", *ctiDialect, strings.Join(dialect.Names(), ", "))
		}
		cfg.CTI.Dialect = *ctiDialect
	}
	if *directory != "" {
		cfg.Directory.File = *directory
	}
	if *admin != "" {
		cfg.Admin.Listen = *admin
	}
	if *policy != "" {
		cfg.Session.LossPolicy = *policy
	}
	if *logLevel != "" {
		cfg.Log.Level = *logLevel
	}
	if *logFormat != "" {
		cfg.Log.Format = *logFormat
	}
	if *demoMode && cfg.Admin.Listen == "" {
		cfg.Admin.Listen = demo.AdminAddr
	}

	stopProfiles, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		return err
	}
	defer stopProfiles()
	if *pprofAddr != "" {
		ln, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			return fmt.Errorf("-pprof: %w", err)
		}
		defer ln.Close()
		go func() { _ = http.Serve(ln, nil) }() // net/http/pprof registers on the default mux
	}

	g, cluster, err := newGateway(cfg, gateway.Options{Version: version}, *demoMode, *demoUsers, *demoAnswer)
	if err != nil {
		return err
	}
	if err := g.Start(); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), *grace)
		defer cancel()
		_ = g.Shutdown(ctx)
		return err
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	printBanner(stdout, g, cluster, *demoMode && *demoUsers == 0)
	if *demoMode && *demoUsers > 0 {
		first, firstLine := ctitest.GeneratedUser(1)
		last, lastLine := ctitest.GeneratedUser(*demoUsers)
		fmt.Fprintf(stdout, "\nGenerated directory: %d users, %s on %s to %s on %s.\nStop with Ctrl-C.\n", *demoUsers, first, firstLine, last, lastLine)
	}
	for sig := range sigs {
		if sig == syscall.SIGHUP {
			if _, err := g.Admin().Reload(context.Background()); err != nil && !errors.Is(err, gateway.ErrNoDirectoryFile) {
				g.Logger().Warn("reload failed", "err", err)
			} else if err != nil {
				g.Logger().Info("reload ignored", "err", err)
			}
			continue
		}
		g.Logger().Info("shutting down", "signal", sig.String())
		break
	}
	ctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	return g.Shutdown(ctx)
}

// versionLine says which gateway this is: the version set at build time,
// else the module's, and the Go release.
func versionLine() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "" {
		v = bi.Main.Version
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	return fmt.Sprintf("rcc gateway %s (%s)", v, runtime.Version())
}

// startProfiles starts a CPU profile when cpu names a file, and returns
// the function that stops it and writes the allocation profile to mem.
func startProfiles(cpu, mem string) (stop func(), err error) {
	var f *os.File
	if cpu != "" {
		if f, err = os.Create(cpu); err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, err
		}
	}
	return func() {
		if f != nil {
			pprof.StopCPUProfile()
			f.Close()
		}
		if mem == "" {
			return
		}
		if m, err := os.Create(mem); err == nil {
			_ = pprof.Lookup("allocs").WriteTo(m, 0)
			m.Close()
		}
	}, nil
}

// printBanner says what the gateway listens on and how to try it.
func printBanner(w io.Writer, g *gateway.Gateway, c *ctitest.Cluster, demo bool) {
	fmt.Fprintln(w, "rcc gateway running")
	for _, a := range g.Addrs() {
		fmt.Fprintf(w, "  SIP      %s\n", a)
	}
	if c != nil {
		for i, ep := range c.Endpoints() {
			fmt.Fprintf(w, "  CTI      %s %s (in-process fake PBX)\n", ep.Name(), c.Addrs()[i])
		}
	} else {
		for _, ep := range g.Config().CTI.Endpoints {
			fmt.Fprintf(w, "  CTI      %s\n", ep.Address)
		}
	}
	d := g.Config().CTI.Dialect
	if d == "" {
		d = dialect.ECMA354
	}
	fmt.Fprintf(w, "  dialect  %s\n", d)
	if a := g.AdminAddr(); a != "" {
		fmt.Fprintf(w, "  admin    http://%s/  (status page, /metrics, /healthz, /readyz)\n", a)
	}
	if !demo {
		return
	}
	target := "sip:cti@127.0.0.1:5060"
	for _, a := range g.Addrs() {
		if a.Transport == "tcp" {
			target = fmt.Sprintf("sip:cti@%s;transport=tcp", a.Addr)
			break
		}
	}
	fmt.Fprintf(w, `
Demo directory: alice (tel:1001), bob (tel:1002), carol (tel:1003 shared, tel:1004).
Far ends: 2xxx answer after 1 s, 3000 is busy, 3001 never answers, 3002 hangs up after 5 s.
Try it: watch alice's line in one terminal, place a call from a second one
(the call goes through the first one's session), or run "interactive" for both:
  go run ./examples/rccclient -gateway '%s' -user sip:alice@example.com -line 'tel:1001;phone-context=dialstring' monitor
  go run ./examples/rccclient -gateway '%s' -user sip:alice@example.com -line 'tel:1001;phone-context=dialstring' call 2000
Stop with Ctrl-C.
`, target, target)
}
