package csta_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/rcc-go/rcc/csta"
)

// A MakeCall request exactly as Office Communicator sends it in a SIP INFO.
const communicatorMakeCall = `<?xml version="1.0"?>
<MakeCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <callingDevice>tel:1001;phone-context=dialstring</callingDevice>
  <calledDirectoryNumber>tel:+3222220220</calledDirectoryNumber>
  <autoOriginate>doNotPrompt</autoOriginate>
</MakeCall>`

func ExampleDecode() {
	m, err := csta.Decode([]byte(communicatorMakeCall))
	if err != nil {
		log.Fatal(err)
	}
	req, ok := m.(*csta.MakeCall)
	if !ok {
		log.Fatalf("unexpected %s", m.MessageName())
	}
	fmt.Println(req.MessageName(), "edition", csta.Edition(req.Namespace))
	fmt.Println("from", req.CallingDevice)
	fmt.Println("to", req.CalledDirectoryNumber)
	fmt.Println("autoOriginate", req.AutoOriginate)
	// Output:
	// MakeCall edition 3
	// from tel:1001;phone-context=dialstring
	// to tel:+3222220220
	// autoOriginate doNotPrompt
}

func ExampleEncode() {
	m, err := csta.Decode([]byte(communicatorMakeCall))
	if err != nil {
		log.Fatal(err)
	}
	req := m.(*csta.MakeCall)

	// Answer in the request's edition, echoing the Line URI byte for byte:
	// Communicator only takes the callID when the deviceID is its Line URI.
	resp := &csta.MakeCallResponse{
		Header:        req.Header.Reply(),
		CallingDevice: csta.Connection("0_99f261b4", req.CallingDevice.ID),
	}
	out, err := csta.Encode(resp)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><MakeCallResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><callingDevice><callID>0_99f261b4</callID><deviceID>tel:1001;phone-context=dialstring</deviceID></callingDevice></MakeCallResponse>
}

func ExampleCSTAErrorCode() {
	// A negative response from the CTI side.
	m, err := csta.Decode([]byte(`<CSTAErrorCode xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed4"><operation>invalidCallID</operation></CSTAErrorCode>`))
	if err != nil {
		log.Fatal(err)
	}
	err = fmt.Errorf("clear connection: %w", m.(*csta.CSTAErrorCode).Err())

	fmt.Println(err)
	fmt.Println(errors.Is(err, csta.ErrInvalidCallID), errors.Is(err, csta.ErrInvalidDeviceID))
	code, _ := csta.ErrorCodeOf(err)
	n, _ := code.Number()
	fmt.Println(code.Category, code.Value, n)

	// And the other way: an error to send back to the client.
	out, _ := csta.Encode(csta.NewErrorResponse(csta.ErrorCode{
		Category: csta.CategorySystemResourceAvailability,
		Value:    "resourceOutOfService",
	}))
	fmt.Println(string(out))
	// Output:
	// clear connection: csta: operation/invalidCallID
	// true false
	// operation invalidCallID 11
	// <?xml version="1.0" encoding="UTF-8"?><CSTAErrorCode xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><systemResourceAvailibility>resourceOutOfService</systemResourceAvailibility></CSTAErrorCode>
}

func ExampleErrorResponse() {
	// A request from a client, in edition 5.
	req, err := csta.Decode([]byte(`<ClearConnection xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed5"><connectionToBeCleared><callID>7</callID><deviceID>1001</deviceID></connectionToBeCleared></ClearConnection>`))
	if err != nil {
		log.Fatal(err)
	}
	h := *req.MessageHeader()
	for _, err := range []error{
		fmt.Errorf("no such call: %w", csta.ErrInvalidCallID), // a CSTA error keeps its code
		fmt.Errorf("CTI link: %w", context.DeadlineExceeded),  // no answer in time
		errors.New("database unreachable"),                    // anything else
	} {
		out, _ := csta.Encode(csta.ErrorResponse(h, err))
		fmt.Println(string(out))
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><CSTAErrorCode xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed5"><operation>invalidCallID</operation></CSTAErrorCode>
	// <?xml version="1.0" encoding="UTF-8"?><CSTAErrorCode xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed5"><systemResourceAvailibility>resourceBusy</systemResourceAvailibility></CSTAErrorCode>
	// <?xml version="1.0" encoding="UTF-8"?><CSTAErrorCode xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed5"><systemResourceAvailibility>generic</systemResourceAvailibility></CSTAErrorCode>
}

func ExampleWalkDevices() {
	m, err := csta.Decode([]byte(communicatorMakeCall))
	if err != nil {
		log.Fatal(err)
	}
	// Translate the client's Line URI to the CTI side's device.
	csta.WalkDevices(m, func(path string, d *csta.DeviceID) {
		fmt.Println(path, d.ID)
		if d.ID == "tel:1001;phone-context=dialstring" {
			*d = csta.DeviceID{ID: "SEP000000001001", TypeOfNumber: "deviceNumber"}
		}
	})
	fmt.Println(m.(*csta.MakeCall).CallingDevice.ID)
	// Output:
	// callingDevice tel:1001;phone-context=dialstring
	// calledDirectoryNumber tel:+3222220220
	// SEP000000001001
}

func ExampleRCCFeatures() {
	// What the CTI side reported.
	var cti csta.Features
	cti.Services.Add(
		csta.ServiceCapability("makeCall", csta.CapabilityDetail{Name: "autoOriginateDoNotPrompt", Value: true}),
		csta.ServiceCapability("clearConnection"),
		csta.ServiceCapability("parkCall"),
	)
	cti.Events.Add(csta.EventCapability("delivered"), csta.EventCapability("established"))

	both := csta.RCCFeatures().Intersect(cti)
	fmt.Println(both.Services.Names(), both.Events.Names())
	out, _ := csta.Encode(&csta.GetCSTAFeaturesResponse{Features: both})
	fmt.Println(string(out))
	// Output:
	// [clearConnection makeCall] [delivered established]
	// <?xml version="1.0" encoding="UTF-8"?><GetCSTAFeaturesResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><supportedServices><callControlServList><clearConnection/><makeCall><autoOriginateDoNotPrompt>true</autoOriginateDoNotPrompt></makeCall></callControlServList></supportedServices><supportedEvents><callControlEvtsList><delivered/><established/></callControlEvtsList></supportedEvents></GetCSTAFeaturesResponse>
}

// ExampleParseMonitorFilter reads the requestedMonitorFilter of a
// MonitorStart: events set to true are the ones the client does not want.
func ExampleParseMonitorFilter() {
	f, err := csta.ParseMonitorFilter(`<requestedMonitorFilter><callcontrol><delivered>true</delivered><established>false</established></callcontrol></requestedMonitorFilter>`)
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Suppresses("DeliveredEvent"), f.Suppresses("EstablishedEvent"))
	fmt.Println(f.XML("actualMonitorFilter"))
	// Output:
	// true false
	// <actualMonitorFilter><callcontrol><delivered>true</delivered></callcontrol></actualMonitorFilter>
}
