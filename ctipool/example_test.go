package ctipool_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/ctitest"
)

// Example connects a pool to two CTI endpoints of one PBX (here the fake
// PBX of package ctitest, in-process), places two sessions and sends a
// request on each.
func Example() {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()
	cluster, _ := ctitest.NewCluster(pbx, 2)
	addrs := cluster.Addrs()

	pool, err := ctipool.New(ctipool.Config{
		Endpoints: []ctipool.Endpoint{
			{Name: "cti-a", Addr: addrs[0]},
			{Name: "cti-b", Addr: addrs[1]},
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
		resp, err := h.Do(ctx, &csta.SnapshotDevice{SnapshotObject: csta.Device("1001")})
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
	// cti-a: SnapshotDeviceResponse
	// cti-b: SnapshotDeviceResponse
	// cti-a: up, 1 placed, 1 requests
	// cti-b: up, 1 placed, 1 requests
}

// printer is a Subscriber that forwards what it is told to a channel.
type printer chan string

func (p printer) Event(ev csta.Event) {
	p <- "event " + ev.MessageName()
}
func (p printer) LinkDown(err error) {
	p <- "link down: " + fmt.Sprint(errors.Is(err, ctipool.ErrConnDown))
}
func (p printer) LinkUp(gen uint64) { p <- fmt.Sprint("link up, generation ", gen) }

// ExampleHandle_Monitor monitors a line of the fake PBX, gets the event of
// an incoming call, then loses and regains the connection.
func ExampleHandle_Monitor() {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()
	srv := ctitest.NewServer(pbx)
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
	_, sub, err := h.Monitor(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}}, out)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Stop()
	fmt.Println("monitoring 1001")
	_, _ = pbx.Call("2000", "1001") // an incoming call
	fmt.Println(<-out)

	srv.CloseConnections() // the server drops the connection
	fmt.Println(<-out)
	fmt.Println(<-out)
	_, err = h.Do(ctx, &csta.RequestSystemStatus{})
	fmt.Println("old handle stale:", errors.Is(err, ctipool.ErrStaleConn), "safe to retry:", ctipool.SafeToRetry(err))
	// Output:
	// monitoring 1001
	// event DeliveredEvent
	// link down: true
	// link up, generation 2
	// old handle stale: true safe to retry: true
}
