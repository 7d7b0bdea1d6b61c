package demo

import (
	"fmt"
	"io"

	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session/gateway"
)

// Endpoints is how many CTI endpoints the demo PBX is served on.
const Endpoints = 3

// AdminAddr is where the example gateway serves admin HTTP in demo mode
// when the configuration names no address.
const AdminAddr = "127.0.0.1:8080"

// Options say which PBX and directory the demo runs on. The zero value is
// the demo directory on the demo PBX.
type Options struct {
	// Users, when positive, replaces the demo directory with
	// ctitest.GenerateDirectory(Users), for load tests; a fresh PBX is
	// provisioned from the same directory. It must not be negative.
	Users int
	// PBX, when set, is served instead of a fresh PBX: tests and the
	// example's -demo-answer-delay set far-end behaviour this way. It must
	// be provisioned with the directory the gateway runs on. The gateway
	// owns it from New on.
	PBX *ctitest.PBX
}

// Gateway is a gateway running on an in-process fake PBX.
type Gateway struct {
	*gateway.Gateway
	cluster *ctitest.Cluster
}

// Cluster returns the fake PBX's endpoints.
func (g *Gateway) Cluster() *ctitest.Cluster { return g.cluster }

// Directory returns the directory a demo of o runs on: the demo directory,
// or a generated one of o.Users users.
func Directory(o Options) (*lineappearance.Data, error) {
	switch {
	case o.Users < 0:
		return nil, fmt.Errorf("demo: Options.Users is negative (%d)", o.Users)
	case o.Users > 0:
		return ctitest.GenerateDirectory(o.Users)
	}
	return lineappearance.Demo(), nil
}

// Demo credentials, used in a dialect with a login when the configuration
// names none.
const (
	DemoUsername   = "demo"
	DemoPassword   = "demo"
	DemoSwitchName = "CM1"
)

// demoCredentials fills in the demo's user name, password and switch name
// where the dialect needs them and the configuration names none.
func demoCredentials(c gateway.CTIConfig) gateway.CTIConfig {
	d, err := dialect.Lookup(c.Dialect)
	if err != nil {
		return c // gateway.New reports it, with its key
	}
	if d.Session == dialect.SessionLogin && c.Username == "" && c.Password == "" && c.PasswordFile == "" && c.PasswordEnv == "" {
		c.Username, c.Password = DemoUsername, DemoPassword
	}
	if d.DeviceIDService && c.SwitchName == "" {
		c.SwitchName = DemoSwitchName
	}
	return c
}

// New serves the demo's PBX on Endpoints loopback endpoints, in the
// configuration's cti.dialect (with the demo's credentials and switch
// name when the dialect needs them and cfg names none), and builds a
// gateway from cfg on it: opts.Endpoints becomes the PBX's endpoints and,
// unless opts.Directory is set, opts.Directory becomes the demo's
// directory (see Directory), so cfg's CTI endpoints and directory file are
// not used. The PBX is appended to opts.Closers: the gateway's Shutdown
// closes it. Start the gateway with Start, as any other.
func New(cfg gateway.Config, opts gateway.Options, o Options) (*Gateway, error) {
	pbx := o.PBX
	fail := func(err error) (*Gateway, error) {
		if pbx != nil {
			_ = pbx.Close()
		}
		return nil, err
	}
	data, err := Directory(o)
	if err != nil {
		return fail(err)
	}
	switch {
	case pbx != nil:
	case o.Users > 0:
		if pbx, err = ctitest.NewPBX(ctitest.PBXConfig{Directory: data}); err != nil {
			return fail(fmt.Errorf("demo PBX: %w", err))
		}
	default:
		pbx = ctitest.DemoPBX()
	}
	cfg.CTI = demoCredentials(cfg.CTI)
	var password string
	if cfg.CTI.Username != "" {
		if password, err = cfg.CTI.ResolvePassword(); err != nil {
			return fail(err)
		}
	}
	scfg := make([]ctitest.ServerConfig, Endpoints)
	for i := range scfg {
		scfg[i] = ctitest.ServerConfig{Dialect: cfg.CTI.Dialect, Username: cfg.CTI.Username, Password: password, SwitchName: cfg.CTI.SwitchName}
	}
	cluster, err := pbx.ServeCluster(scfg...)
	if err != nil {
		return fail(fmt.Errorf("demo PBX: %w", err))
	}
	opts.Endpoints = make([]ctipool.Endpoint, 0, Endpoints)
	for i, ep := range cluster.Endpoints() {
		opts.Endpoints = append(opts.Endpoints, ctipool.Endpoint{Name: ep.Name(), Addr: cluster.Addrs()[i]})
	}
	if opts.Directory == nil {
		opts.Directory = data
	}
	opts.Closers = append(append([]io.Closer(nil), opts.Closers...), pbx)
	g, err := gateway.New(cfg, opts)
	if err != nil {
		return fail(err)
	}
	return &Gateway{Gateway: g, cluster: cluster}, nil
}
