package gateway_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"time"

	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session/gateway"
)

// Example runs a configured gateway against a CTI server (here a fake PBX
// in-process) with a directory built in code.
func Example() {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()
	cti := ctitest.NewServer(pbx)

	cfg, err := gateway.ParseConfig("gateway.yaml", []byte(`
sip:
  listen: [{transport: tcp, address: "127.0.0.1:0"}]
cti:
  endpoints: [{name: cucm-a, address: "`+cti.Addr()+`"}]
log:
  level: warn
`))
	if err != nil {
		log.Fatal(err)
	}
	g, err := gateway.New(cfg, gateway.Options{
		Directory: lineappearance.Demo(),
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := g.Start(); err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.WaitReady(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("listening on", g.Addrs()[0].Transport, "with", g.Directory().Stats().Users, "users")
	fmt.Println("CTI", g.Pool().Stats().Endpoints[0].Name)
	_, err = g.Reload()
	fmt.Println(err)
	if err := g.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// listening on tcp with 3 users
	// CTI cucm-a
	// gateway: no directory file to reload (the directory is built in)
}
