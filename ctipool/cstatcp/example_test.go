package cstatcp_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
	"github.com/rcc-go/rcc/ctipool/ctitest"
)

// Example opens a connection to a CSTA server (here the fake PBX of package
// ctitest, in-process), monitors a line, places a call from it and receives
// the call's first event.
func Example() {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()
	srv := ctitest.NewServer(pbx)

	events := make(chan csta.Event, 16)
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
	fmt.Println("edition", csta.Edition(c.ProtocolVersion()))

	if _, err := c.Do(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}}); err != nil {
		fmt.Println(err)
		return
	}
	resp, err := c.Do(ctx, &csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("3001")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.MessageName())
	fmt.Println((<-events).MessageName())

	// The server refuses what it cannot do with a CSTA error.
	_, err = c.Do(ctx, &csta.AnswerCall{CallToBeAnswered: csta.Connection("0_99999999", "1001")})
	fmt.Println(errors.Is(err, csta.ErrInvalidCallID) || errors.Is(err, csta.ErrInvalidConnectionID))
	// Output:
	// edition 3
	// MakeCallResponse
	// ServiceInitiatedEvent
	// true
}
