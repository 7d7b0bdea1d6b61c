package sessionhandler_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/session/poolcti"
	"github.com/rcc-go/rcc/sip"
	"github.com/rcc-go/rcc/sip/sessionhandler"
)

// transport is the host's CTI transport: here CSTA XML over TCP (package
// cstatcp), which is also what the pool uses when Config.Transport is nil.
type transport struct{}

func (transport) Dial(ctx context.Context, ep ctipool.Endpoint, onEvent func(csta.Event)) (ctipool.Link, error) {
	c, err := cstatcp.Dial(ctx, cstatcp.Config{Addr: ep.Addr, TLS: ep.TLS, OnEvent: onEvent})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Example composes a gateway by hand, as a host outside rcc would: a CTI
// pool over its own transport, the session manager on a directory built
// in code, and the SIP server. The CTI server is the fake PBX of ctitest,
// in-process; a TR/87 client then opens a session and places a call.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// The directory, built in code (a host would read its own database):
	// dave may control line 5001 on his desk phone.
	line := lineappearance.Line{DN: "5001"}
	dir := &lineappearance.Data{
		Lines:       []lineappearance.Line{line},
		Devices:     []lineappearance.Device{{Name: "SEP000000005001", Kind: lineappearance.HardPhone, Registered: true}},
		Appearances: []lineappearance.Appearance{{Line: line, Device: "SEP000000005001", Index: 1}},
		Users:       []lineappearance.User{{AOR: "sip:dave@example.com", Devices: []string{"SEP000000005001"}}},
	}
	store, err := lineappearance.NewStore(dir, lineappearance.Options{})
	if err != nil {
		log.Fatal(err)
	}

	// The CTI server: a fake PBX knowing the same lines, whose far ends
	// (2xxx) answer at once.
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Directory: dir, FarEnds: ctitest.DemoFarEnds(0, 0)})
	if err != nil {
		log.Fatal(err)
	}
	defer pbx.Close()
	cti := ctitest.NewServer(pbx)

	// ctipool → session → sip, joined by the two adapters.
	pool, err := ctipool.New(ctipool.Config{
		Endpoints: []ctipool.Endpoint{{Name: "cti1", Addr: cti.Addr()}},
		Transport: transport{},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	mgr, err := session.NewManager(session.Config{Directory: store, CTI: poolcti.New(pool)})
	if err != nil {
		log.Fatal(err)
	}
	handler, err := sessionhandler.New(mgr, sessionhandler.Options{})
	if err != nil {
		log.Fatal(err)
	}
	srv, err := sip.NewServer(sip.ServerConfig{Handler: handler})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.ServeTCP(ln)
	if err := pool.WaitHealthy(ctx, 1); err != nil {
		log.Fatal(err)
	}

	// Dave's desktop client.
	gw := "sip:cti@" + ln.Addr().String() + ";transport=tcp"
	events := make(chan csta.Event, 16)
	c, err := sip.Dial(ctx, sip.ClientConfig{
		Gateway: gw, User: "sip:dave@example.com", Line: "tel:5001;phone-context=dialstring",
		LocalAddr: "127.0.0.1:0", OnEvent: func(ev csta.Event) { events <- ev },
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Monitor(ctx); err != nil {
		log.Fatal(err)
	}
	resp, err := c.Do(ctx, &csta.MakeCall{CallingDevice: csta.Device(c.Line()), CalledDirectoryNumber: csta.Device("tel:2000")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("call placed from", resp.(*csta.MakeCallResponse).CallingDevice.DeviceID)
	for ev := range events {
		fmt.Println(ev.MessageName())
		if ev.MessageName() == "EstablishedEvent" {
			break
		}
	}
	if err := c.Close(ctx); err != nil {
		log.Fatal(err)
	}

	// A user the directory does not know is refused.
	_, err = sip.Dial(ctx, sip.ClientConfig{Gateway: gw, User: "sip:eve@example.com", Line: "tel:5001", LocalAddr: "127.0.0.1:0"})
	var r *sip.RefusalError
	if errors.As(err, &r) {
		fmt.Println("eve refused:", r.Status)
	}

	_ = srv.Shutdown(ctx)
	_ = mgr.Shutdown(ctx)
	// Output:
	// call placed from tel:5001;phone-context=dialstring
	// ServiceInitiatedEvent
	// OriginatedEvent
	// NetworkReachedEvent
	// DeliveredEvent
	// EstablishedEvent
	// eve refused: 403
}
