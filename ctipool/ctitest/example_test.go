package ctitest_test

import (
	"context"
	"fmt"
	"net"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
	"github.com/rcc-go/rcc/ctipool/ctitest"
)

// rawClient is the least a CSTA XML over TCP client needs: frames out,
// frames in.
type rawClient struct {
	nc   net.Conn
	r    *framing.Reader
	next int
}

func (c *rawClient) send(req csta.Request) {
	c.next++
	body, err := csta.Encode(req)
	if err != nil {
		panic(err)
	}
	if err := framing.WriteFrame(c.nc, c.next, body); err != nil {
		panic(err)
	}
}

// startSession connects to addr and opens an application session, as
// Example does step by step. The caller closes c.nc.
func startSession(addr string) *rawClient {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		panic(err)
	}
	c := &rawClient{nc: nc, r: framing.NewReader(nc, 0)}
	c.send(&csta.StartApplicationSession{ApplicationID: "example", RequestedProtocolVersions: []string{csta.NamespaceEd3}})
	c.read()
	return c
}

// read returns the next message.
func (c *rawClient) read() csta.Message {
	f, err := c.r.ReadFrame()
	if err != nil {
		panic(err)
	}
	m, err := csta.Decode(f.Body)
	if err != nil {
		panic(err)
	}
	return m
}

// printEvents reads and prints n events.
func (c *rawClient) printEvents(n int) {
	for range n {
		m := c.read()
		switch ev := m.(type) {
		case *csta.ServiceInitiatedEvent:
			fmt.Println(ev.MessageName(), ev.InitiatedConnection.DeviceID, ev.LocalConnectionInfo, ev.Cause)
		case *csta.OriginatedEvent:
			fmt.Println(ev.MessageName(), ev.OriginatedConnection.DeviceID, ev.LocalConnectionInfo, ev.Cause)
		case *csta.NetworkReachedEvent:
			fmt.Println(ev.MessageName(), ev.OutboundConnection.DeviceID, ev.LocalConnectionInfo, ev.Cause)
		case *csta.DeliveredEvent:
			fmt.Println(ev.MessageName(), ev.Connection.DeviceID, ev.LocalConnectionInfo, ev.Cause)
		case *csta.EstablishedEvent:
			fmt.Println(ev.MessageName(), ev.EstablishedConnection.DeviceID, ev.LocalConnectionInfo, ev.Cause)
		case *csta.ConnectionClearedEvent:
			fmt.Println(ev.MessageName(), ev.DroppedConnection.DeviceID, ev.LocalConnectionInfo, ev.Cause)
		case *csta.CallClearedEvent:
			fmt.Println(ev.MessageName(), ev.ClearedCall.CallID, ev.Cause)
		default:
			fmt.Println(m.MessageName())
		}
	}
}

// Example starts the demo PBX on a loopback endpoint, opens an application
// session over a raw CSTA XML over TCP connection, monitors line 1001 and
// calls 3001, which rings until the test answers it. The test then answers
// and hangs up as the far end.
func Example() {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()
	srv := ctitest.NewServer(pbx)

	nc, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	c := &rawClient{nc: nc, r: framing.NewReader(nc, 0)}

	c.send(&csta.StartApplicationSession{ApplicationID: "example", RequestedProtocolVersions: []string{csta.NamespaceEd3}})
	fmt.Println(c.read().MessageName())
	c.send(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}})
	fmt.Println("monitor", c.read().(*csta.MonitorStartResponse).MonitorCrossRefID)
	c.send(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("3001")})
	call := c.read().(*csta.MakeCallResponse).CallingDevice
	fmt.Println("call", call.CallID, "from", call.DeviceID)
	c.printEvents(4)

	if err := pbx.Answer(call.CallID, "3001"); err != nil {
		panic(err)
	}
	c.printEvents(1)
	if err := pbx.Hangup(call.CallID, "3001"); err != nil {
		panic(err)
	}
	c.printEvents(3)
	fmt.Println(pbx.Requests().Names())
	// Output:
	// StartApplicationSessionPosResponse
	// monitor 1
	// call 0_00000001 from 1001
	// ServiceInitiatedEvent 1001 initiated makeCall
	// OriginatedEvent 1001 connected newCall
	// NetworkReachedEvent 3001 connected normal
	// DeliveredEvent 3001 connected newCall
	// EstablishedEvent 3001 connected normal
	// ConnectionClearedEvent 3001 connected normalClearing
	// ConnectionClearedEvent 1001 null normalClearing
	// CallClearedEvent 0_00000001 normalClearing
	// [StartApplicationSession MonitorStart MakeCall]
}

// ExamplePBX_Call places an incoming call from an external number to a
// demo line and answers it from the test, as the user would on the phone.
func ExamplePBX_Call() {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()

	id, err := pbx.Call("+3222220220", "1002")
	if err != nil {
		panic(err)
	}
	ci, _ := pbx.LookupCall(id)
	fmt.Println(ci.ID, ci.Parties)
	if err := pbx.Answer(id, "1002"); err != nil {
		panic(err)
	}
	ci, _ = pbx.LookupCall(id)
	fmt.Println(ci.ID, ci.Parties)
	// Output:
	// 0_00000001 [{+3222220220 true connected} {1002 false alerting}]
	// 0_00000001 [{+3222220220 true connected} {1002 false connected}]
}

// ExampleCluster serves one PBX on three endpoints, stops one as a CTI
// Manager failure would, and shows the call it carried living on.
func ExampleCluster() {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()
	cl, err := ctitest.NewCluster(pbx, 3)
	if err != nil {
		panic(err)
	}
	for _, ep := range cl.Endpoints() {
		fmt.Println(ep.Name(), ep.Running())
	}
	id, err := pbx.Call("1001", "1002")
	if err != nil {
		panic(err)
	}
	if err := pbx.Answer(id, "1002"); err != nil {
		panic(err)
	}

	addr := cl.Endpoint(0).Addr()
	if err := cl.Endpoint(0).Stop(); err != nil {
		panic(err)
	}
	_, err = net.Dial("tcp", addr)
	fmt.Println("cti1 refuses connections:", err != nil)
	fmt.Println(len(pbx.Calls()), "call alive")

	if err := cl.Endpoint(0).Restart(); err != nil {
		panic(err)
	}
	fmt.Println("cti1 back on the same address:", cl.Endpoint(0).Addr() == addr)
	// Output:
	// cti1 true
	// cti2 true
	// cti3 true
	// cti1 refuses connections: true
	// 1 call alive
	// cti1 back on the same address: true
}

// ExampleServer_Dial connects to an endpoint in memory, as tests running in
// a testing/synctest bubble do (pass Dial as the Dial hook of ctipool or
// cstatcp).
func ExampleServer_Dial() {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()
	srv, err := pbx.Serve(ctitest.ServerConfig{InMemory: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(srv.Addr())
	nc, err := srv.Dial(context.Background(), "tcp", srv.Addr())
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	c := &rawClient{nc: nc, r: framing.NewReader(nc, 0)}
	c.send(&csta.RequestSystemStatus{})
	fmt.Println(c.read().(*csta.CSTAErrorCode).Code) // no session yet
	// Output:
	// cti1.ctitest.invalid:2748
	// security/generic
}

// ExamplePBX_AddRule scripts the answer to the next MakeCall: a canned
// CSTA error instead of a call, then the PBX serves MakeCall again. The
// frame log shows what went over the wire.
func ExamplePBX_AddRule() {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()
	srv := ctitest.NewServer(pbx)
	c := startSession(srv.Addr())
	defer c.nc.Close()

	_, err := pbx.AddRule(ctitest.Rule{
		Name:   "MakeCall",
		Action: ctitest.RuleAnswer,
		Answer: []byte(`<CSTAErrorCode xmlns="` + csta.NamespaceEd3 + `"><operation>invalidCalledDeviceID</operation></CSTAErrorCode>`),
		Count:  1,
	})
	if err != nil {
		panic(err)
	}
	mk := csta.MakeCall{Header: csta.Header{Namespace: csta.NamespaceEd3}, CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("3001")}
	first := mk
	c.send(&first)
	fmt.Println(c.read().(*csta.CSTAErrorCode).Code)
	c.send(&mk)
	fmt.Println(c.read().MessageName())

	fmt.Println(pbx.Frames().Named("MakeCall", "CSTAErrorCode", "MakeCallResponse").Names())
	// Output:
	// operation/invalidCalledDeviceID
	// MakeCallResponse
	// [MakeCall CSTAErrorCode MakeCall MakeCallResponse]
}

// ExamplePBX_InjectEvent sends a client an event the PBX's state does
// not explain, to see how the client copes: a DoNotDisturbEvent for a
// line whose do-not-disturb is off.
func ExamplePBX_InjectEvent() {
	pbx := ctitest.DemoPBX()
	defer pbx.Close()
	srv := ctitest.NewServer(pbx)
	c := startSession(srv.Addr())
	defer c.nc.Close()
	c.send(&csta.MonitorStart{Header: csta.Header{Namespace: csta.NamespaceEd3}, MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}})
	mon := c.read().(*csta.MonitorStartResponse).MonitorCrossRefID

	err := pbx.InjectEvent(ctitest.EventTarget{Monitor: mon}, &csta.DoNotDisturbEvent{Device: csta.Known("1001"), DoNotDisturbOn: true})
	if err != nil {
		panic(err)
	}
	ev := c.read().(*csta.DoNotDisturbEvent)
	fmt.Println(ev.MonitorCrossRefID == mon, ev.Device, ev.DoNotDisturbOn)
	// Output:
	// true 1001 true
}
