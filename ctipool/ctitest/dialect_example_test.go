package ctitest_test

import (
	"context"
	"fmt"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
	"github.com/rcc-go/rcc/ctipool/ctitest"
)

// An endpoint that speaks as an Avaya AES does, with a login, and rcc's
// own client in the same dialect: the client logs in, gets a DMCC device
// ID for the station with GetDeviceId, and monitors it.
func ExampleServerConfig_dialect() {
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Lines: []string{"5001"}})
	if err != nil {
		panic(err)
	}
	defer pbx.Close()
	srv, err := pbx.Serve(ctitest.ServerConfig{Dialect: "avaya-dmcc", Username: "admin", Password: "secret"})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	c, err := cstatcp.Dial(ctx, cstatcp.Config{
		Addr: srv.Addr(), Dialect: "avaya-dmcc", Username: "admin", Password: "secret", SwitchName: "CM1",
	})
	if err != nil {
		panic(err)
	}
	if _, err := c.Do(ctx, &csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("5001")}}); err != nil {
		panic(err)
	}
	_ = c.Close()
	fmt.Println(c.ProtocolVersion())
	fmt.Println(pbx.Requests().WithoutHeartbeats().Names())
	// Output:
	// http://www.ecma-international.org/standards/ecma-323/csta/ed3/priv5
	// [StartApplicationSession GetDeviceId MonitorStart ReleaseDeviceId StopApplicationSession]
}
