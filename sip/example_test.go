package sip_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/sip"
)

// demoHandler is a session layer that knows one line.
type demoHandler struct{}

func (demoHandler) Ready() bool { return true }

func (demoHandler) Open(_ context.Context, req *sip.OpenRequest) (sip.Session, *csta.RequestSystemStatusResponse, error) {
	if req.Line != "tel:1001;phone-context=dialstring" {
		return nil, nil, &sip.RefusalError{Status: 404, Reason: "Unknown Line"}
	}
	fmt.Println("gateway: session for", req.User, "on", req.Line)
	return &demoSession{line: req.Line, events: req.Events}, nil, nil
}

// demoSession answers the requests of one session.
type demoSession struct {
	line   string
	events sip.EventSink
}

func (s *demoSession) Handle(_ context.Context, m csta.Message) (csta.Message, error) {
	switch m := m.(type) {
	case *csta.MonitorStart:
		return &csta.MonitorStartResponse{MonitorCrossRefID: "mon-1"}, nil
	case *csta.MakeCall:
		// The call rings at the far end: tell the client.
		s.events.SendEvent(&csta.DeliveredEvent{
			MonitorCrossRefID: "mon-1",
			Connection:        csta.Connection("call-1", s.line),
			AlertingDevice:    csta.Known(m.CalledDirectoryNumber.ID),
			CallingDevice:     csta.Known(s.line),
			CalledDevice:      csta.Known(m.CalledDirectoryNumber.ID),
		})
		return &csta.MakeCallResponse{CallingDevice: csta.Connection("call-1", s.line)}, nil
	}
	return csta.NewErrorResponse(csta.ErrorCode{Category: csta.CategoryOperation, Value: "serviceNotSupported"}), nil
}

func (s *demoSession) Refreshed() error { return nil }

func (s *demoSession) Closed(reason error) { fmt.Println("gateway: session closed:", reason) }

// Example runs a gateway and a client in one process over loopback UDP.
func Example() {
	srv, err := sip.NewServer(sip.ServerConfig{Handler: demoHandler{}})
	if err != nil {
		log.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.ServeUDP(pc)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	events := make(chan csta.Event, 1)
	c, err := sip.Dial(ctx, sip.ClientConfig{
		Gateway:   "sip:cti@" + pc.LocalAddr().String(),
		User:      "sip:alice@example.com",
		Line:      "tel:1001;phone-context=dialstring",
		LocalAddr: "127.0.0.1:0",
		OnEvent:   func(ev csta.Event) { events <- ev },
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Monitor(ctx); err != nil {
		log.Fatal(err)
	}
	resp, err := c.Do(ctx, &csta.MakeCall{
		CallingDevice:         csta.Device(c.Line()),
		CalledDirectoryNumber: csta.Device("tel:2000"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("client: call", resp.(*csta.MakeCallResponse).CallingDevice.CallID)
	ev := <-events
	fmt.Println("client:", ev.MessageName(), "at", ev.(*csta.DeliveredEvent).AlertingDevice)

	_, err = c.Do(ctx, &csta.AnswerCall{CallToBeAnswered: csta.Connection("call-1", c.Line())})
	fmt.Println("client:", err)
	if err := c.Close(ctx); err != nil {
		log.Fatal(err)
	}

	_, err = sip.Dial(ctx, sip.ClientConfig{
		Gateway:   "sip:cti@" + pc.LocalAddr().String(),
		User:      "sip:bob@example.com",
		Line:      "tel:9999",
		LocalAddr: "127.0.0.1:0",
	})
	var r *sip.RefusalError
	if errors.As(err, &r) {
		fmt.Println("client:", r.Status, r.Reason)
	}
	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// gateway: session for sip:alice@example.com on tel:1001;phone-context=dialstring
	// client: call call-1
	// client: DeliveredEvent at tel:2000
	// client: csta: operation/serviceNotSupported
	// gateway: session closed: sip: peer ended the dialog with BYE
	// client: 404 Unknown Line
}
