package demo_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"time"

	"github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/session/gateway/demo"
)

// Example runs the demo gateway, as the example gateway's -demo does, on
// a free port.
func Example() {
	cfg, err := gateway.ParseConfig("defaults", nil)
	if err != nil {
		log.Fatal(err)
	}
	cfg.SIP.Listen = []gateway.Listener{{Transport: "udp", Address: "127.0.0.1:0"}}
	g, err := demo.New(cfg, gateway.Options{Logger: slog.New(slog.DiscardHandler)}, demo.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := g.Start(); err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Pool().WaitHealthy(ctx, demo.Endpoints); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(g.Cluster().Endpoints()), "CTI endpoints,", g.Directory().Stats().Users, "users")
	if err := g.Shutdown(ctx); err != nil { // closes the fake PBX too
		log.Fatal(err)
	}
	// Output: 3 CTI endpoints, 3 users
}
