package cstatcp_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

// Example opens a connection to a CSTA server (here an in-process test
// server), starts a monitor and receives its first event.
func Example() {
	srv, _ := ctiscript.Listen(ctiscript.Options{})
	defer srv.Close()

	events := make(chan csta.Event, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := cstatcp.Dial(ctx, cstatcp.Config{
		Addr:          srv.Addr(),
		ApplicationID: "example",
		OnEvent:       func(ev csta.Event) { events <- ev },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println("session", c.SessionID(), "edition", csta.Edition(c.ProtocolVersion()))

	resp, err := c.Do(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("tel:1001")}})
	if err != nil {
		fmt.Println(err)
		return
	}
	xref := resp.(*csta.MonitorStartResponse).MonitorCrossRefID
	fmt.Println("monitor", xref)

	peer, _ := srv.Next(ctx)
	_ = peer.SendEvent(&csta.DoNotDisturbEvent{MonitorCrossRefID: xref, Device: csta.Known("1001"), DoNotDisturbOn: true})
	ev := <-events
	fmt.Println(ev.MessageName(), "for", ev.CrossRefID())

	// The server refuses what it does not support with a CSTA error.
	_, err = c.Do(ctx, &csta.GetCSTAFeatures{})
	fmt.Println(err, errors.Is(err, csta.ErrServiceNotSupported))
	// Output:
	// session session-1 edition 3
	// monitor x1
	// DoNotDisturbEvent for x1
	// csta: operation/serviceNotSupported true
}
