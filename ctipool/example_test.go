package ctipool_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/internal/ctiscript"
)

// Example connects a pool to two CTI servers (here in-process test
// servers), places two sessions and sends a request.
func Example() {
	a, _ := ctiscript.Listen(ctiscript.Options{})
	defer a.Close()
	b, _ := ctiscript.Listen(ctiscript.Options{})
	defer b.Close()

	pool, err := ctipool.New(ctipool.Config{
		Endpoints: []ctipool.Endpoint{
			{Name: "cti-a", Addr: a.Addr()},
			{Name: "cti-b", Addr: b.Addr()},
		},
		ApplicationID: "example",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := pool.WaitHealthy(ctx, 2); err != nil {
		fmt.Println(err)
		return
	}
	for range 2 {
		h, err := pool.Acquire()
		if err != nil {
			fmt.Println(err)
			return
		}
		resp, err := h.Do(ctx, &csta.MakeCall{
			CallingDevice:         csta.Device("tel:1001;phone-context=dialstring"),
			CalledDirectoryNumber: csta.Device("tel:2001"),
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s\n", h.Conn().Name(), resp.MessageName())
	}
	for _, e := range pool.Stats().Endpoints {
		fmt.Printf("%s: %s, %d placed, %d requests\n", e.Name, e.State, e.Placed, e.Requests)
	}
	// Output:
	// cti-a: MakeCallResponse
	// cti-b: MakeCallResponse
	// cti-a: up, 1 placed, 1 requests
	// cti-b: up, 1 placed, 1 requests
}

// printer is a Subscriber that forwards what it is told to a channel.
type printer chan string

func (p printer) Event(ev csta.Event) {
	p <- "event " + ev.MessageName() + " for " + string(ev.CrossRefID())
}
func (p printer) LinkDown(err error) {
	p <- "link down: " + fmt.Sprint(errors.Is(err, ctipool.ErrConnDown))
}
func (p printer) LinkUp(gen uint64) { p <- fmt.Sprint("link up, generation ", gen) }

// ExampleHandle_Monitor starts a monitor whose first event the server sends
// right behind its response, then loses and regains the connection.
func ExampleHandle_Monitor() {
	srv, _ := ctiscript.Listen(ctiscript.Options{Answer: func(p *ctiscript.Peer, id int, m csta.Message) (csta.Message, bool) {
		if _, ok := m.(*csta.MonitorStart); ok {
			_ = p.Send(id, &csta.MonitorStartResponse{MonitorCrossRefID: "m1"})
			_ = p.SendEvent(&csta.DoNotDisturbEvent{MonitorCrossRefID: "m1", Device: csta.Known("1001"), DoNotDisturbOn: true})
			return nil, true
		}
		return nil, false
	}})
	defer srv.Close()
	pool, _ := ctipool.New(ctipool.Config{
		Endpoints:    []ctipool.Endpoint{{Addr: srv.Addr()}},
		ReconnectMin: 10 * time.Millisecond,
		ReconnectMax: 10 * time.Millisecond,
	})
	defer pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = pool.WaitHealthy(ctx, 1)

	h, _ := pool.Acquire()
	out := make(printer, 8)
	resp, sub, err := h.Monitor(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("tel:1001")}}, out)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Stop()
	fmt.Println("monitoring", resp.MonitorCrossRefID)
	fmt.Println(<-out)

	srv.CloseAll() // the server drops the connection
	fmt.Println(<-out)
	fmt.Println(<-out)
	_, err = h.Do(ctx, &csta.RequestSystemStatus{})
	fmt.Println("old handle stale:", errors.Is(err, ctipool.ErrStaleConn), "safe to retry:", ctipool.SafeToRetry(err))
	// Output:
	// monitoring m1
	// event DoNotDisturbEvent for m1
	// link down: true
	// link up, generation 2
	// old handle stale: true safe to retry: true
}
