package session_test

import (
	"fmt"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/session"
)

// dialectCTI stands for a CTI whose PBX dialect cannot alternate or
// reconnect calls: a session on it offers neither and refuses both.
type dialectCTI struct {
	session.CTI
}

func (dialectCTI) Capabilities() csta.Features {
	f := session.Supported()
	f.Services.Remove("alternateCall", "reconnectCall")
	return f
}

var _ session.Capable = dialectCTI{}

func ExampleSupported() {
	f := session.Supported()
	fmt.Println(f.Services.Supports("alternateCall"), f.Services.Supports("reconnectCall"))
	fmt.Println(f.Events.Supports("callCleared"), f.Events.Supports("netwReached"), f.Events.Supports("digitsGenerated"))
	// A CTI (or link) that implements session.Capable narrows what
	// sessions on it offer.
	fmt.Println(dialectCTI{}.Capabilities().Services.Supports("alternateCall"))
	// Output:
	// true true
	// true true true
	// false
}
