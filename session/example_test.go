package session_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/session/poolcti"
)

// printSink prints the events a session sends its client, and hands them
// over on a channel.
type printSink struct{ events chan csta.Event }

func (k printSink) SendEvent(ev csta.Event) error {
	select {
	case k.events <- ev:
		return nil
	default:
		return fmt.Errorf("queue full")
	}
}

func (k printSink) End(reason string) { fmt.Println("dialog ended:", reason) }

// Example opens alice's session against the demo PBX (three CTI endpoints
// in-process), monitors her line and calls 2000, which answers at once.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// The CTI side: the demo PBX on three endpoints, and a pool over them.
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Directory: lineappearance.Demo(), FarEnds: ctitest.DemoFarEnds(0, 0)})
	if err != nil {
		log.Fatal(err)
	}
	defer pbx.Close()
	cluster, err := ctitest.NewCluster(pbx, 3)
	if err != nil {
		log.Fatal(err)
	}
	var eps []ctipool.Endpoint
	for _, addr := range cluster.Addrs() {
		eps = append(eps, ctipool.Endpoint{Addr: addr})
	}
	pool, err := ctipool.New(ctipool.Config{Endpoints: eps})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pool.WaitHealthy(ctx, 1); err != nil {
		log.Fatal(err)
	}

	// The gateway core.
	store, err := lineappearance.NewStore(lineappearance.Demo(), lineappearance.Options{})
	if err != nil {
		log.Fatal(err)
	}
	mgr, err := session.NewManager(session.Config{Directory: store, CTI: poolcti.New(pool)})
	if err != nil {
		log.Fatal(err)
	}
	defer mgr.Shutdown(ctx)

	// The client's INVITE.
	const line = "tel:1001;phone-context=dialstring"
	sink := printSink{events: make(chan csta.Event, 16)}
	s, status, err := mgr.Open(ctx, session.OpenRequest{
		DialogID: "dialog-1",
		User:     "sip:alice@example.com",
		Line:     line,
		Request:  &csta.RequestSystemStatus{Extensions: csta.WithLine(line)},
		Sink:     sink,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("opened:", status.SystemStatus)

	// The client's INFOs.
	resp, err := s.Handle(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device(line)}})
	if err != nil {
		log.Fatal(err)
	}
	xref := resp.(*csta.MonitorStartResponse).MonitorCrossRefID
	fmt.Println("monitoring, same cross reference as the session's:", xref == s.MonitorCrossRefID())
	resp, err = s.Handle(ctx, &csta.MakeCall{
		CallingDevice:         csta.Device(line),
		CalledDirectoryNumber: csta.Device("tel:2000;phone-context=dialstring"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("MakeCallResponse from", resp.(*csta.MakeCallResponse).CallingDevice.DeviceID)

	// The events, as the client gets them.
	for {
		var ev csta.Event
		select {
		case ev = <-sink.events:
		case <-ctx.Done():
			log.Fatal(ctx.Err())
		}
		switch e := ev.(type) {
		case *csta.OriginatedEvent:
			fmt.Println(e.MessageName(), e.CallingDevice, "->", e.CalledDevice)
		case *csta.DeliveredEvent:
			fmt.Println(e.MessageName(), "at", e.AlertingDevice)
		case *csta.EstablishedEvent:
			fmt.Println(e.MessageName(), "by", e.AnsweringDevice)
		default:
			fmt.Println(e.MessageName())
		}
		if ev.CrossRefID() != xref {
			fmt.Println("unexpected cross reference", ev.CrossRefID())
		}
		if ev.MessageName() == "EstablishedEvent" {
			break
		}
	}
	// Output:
	// opened: normal
	// monitoring, same cross reference as the session's: true
	// MakeCallResponse from tel:1001;phone-context=dialstring
	// ServiceInitiatedEvent
	// OriginatedEvent tel:1001;phone-context=dialstring -> tel:2000;phone-context=dialstring
	// NetworkReachedEvent
	// DeliveredEvent at tel:2000;phone-context=dialstring
	// EstablishedEvent by tel:2000;phone-context=dialstring
	// dialog ended: shutdown
}
