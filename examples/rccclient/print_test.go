package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/rcc-go/rcc/csta"
)

// TestDescribe pins the readable line of every event describe knows, with
// every field it prints set, and with none set.
func TestDescribe(t *testing.T) {
	conn := func(call string) csta.ConnectionID { return csta.Connection(csta.CallID(call), "1001") }
	k := csta.Known
	restricted := csta.ExtendedDeviceID{Restricted: true}
	const state, cause = csta.LocalConnectionState("connected"), csta.EventCause("normal")
	three, two := 3, 2
	for _, tc := range []struct {
		ev   csta.Event
		want string
	}{
		{&csta.ServiceInitiatedEvent{InitiatedConnection: conn("C1"), InitiatingDevice: k("1001"), LocalConnectionInfo: state, Cause: cause},
			"ServiceInitiated call=C1 device=1001 state=connected cause=normal"},
		{&csta.OriginatedEvent{OriginatedConnection: conn("C2"), CallingDevice: k("1001"), CalledDevice: restricted, LocalConnectionInfo: state, Cause: cause},
			"Originated call=C2 from=1001 to=restricted state=connected cause=normal"},
		{&csta.DeliveredEvent{Connection: conn("C3"), CallingDevice: k("2001"), CalledDevice: k("1001"), AlertingDevice: k("1002"), LocalConnectionInfo: state, Cause: cause},
			"Delivered call=C3 from=2001 to=1001 ringing=1002 state=connected cause=normal"},
		{&csta.EstablishedEvent{EstablishedConnection: conn("C4"), CallingDevice: k("2001"), CalledDevice: k("1001"), AnsweringDevice: k("1002"), LocalConnectionInfo: state, Cause: cause},
			"Established call=C4 from=2001 to=1001 answered=1002 state=connected cause=normal"},
		{&csta.HeldEvent{HeldConnection: conn("C5"), HoldingDevice: k("1001"), LocalConnectionInfo: state, Cause: cause},
			"Held call=C5 by=1001 state=connected cause=normal"},
		{&csta.RetrievedEvent{RetrievedConnection: conn("C6"), RetrievingDevice: k("1001"), LocalConnectionInfo: state, Cause: cause},
			"Retrieved call=C6 by=1001 state=connected cause=normal"},
		{&csta.ConnectionClearedEvent{DroppedConnection: conn("C7"), ReleasingDevice: k("2001"), LocalConnectionInfo: state, Cause: cause},
			"ConnectionCleared call=C7 device=1001 by=2001 state=connected cause=normal"},
		{&csta.FailedEvent{FailedConnection: conn("C8"), FailingDevice: k("2001"), CalledDevice: k("2002"), LocalConnectionInfo: state, Cause: cause},
			"Failed call=C8 device=2001 to=2002 state=connected cause=normal"},
		{&csta.DivertedEvent{Connection: conn("C9"), DivertingDevice: k("1001"), NewDestination: k("3001"), LocalConnectionInfo: state, Cause: cause},
			"Diverted call=C9 from=1001 to=3001 state=connected cause=normal"},
		{&csta.TransferredEvent{PrimaryOldCall: conn("C10"), TransferringDevice: k("1001"), TransferredToDevice: k("2001"), LocalConnectionInfo: state, Cause: cause},
			"Transferred call=C10 by=1001 to=2001 state=connected cause=normal"},
		{&csta.ConferencedEvent{PrimaryOldCall: conn("C11"), ConferencingDevice: k("1001"), AddedParty: k("2002"), LocalConnectionInfo: state, Cause: cause},
			"Conferenced call=C11 by=1001 added=2002 state=connected cause=normal"},
		{&csta.NetworkReachedEvent{OutboundConnection: conn("C12"), CallingDevice: k("1001"), CalledDevice: k("+4930"), NetworkInterfaceUsed: k("T1"), LocalConnectionInfo: state, Cause: cause},
			"NetworkReached call=C12 from=1001 to=+4930 trunk=T1 state=connected cause=normal"},
		{&csta.QueuedEvent{QueuedConnection: conn("C13"), CallingDevice: k("2001"), CalledDevice: k("1001"), Queue: k("Q1"), CallsInFront: &three, LocalConnectionInfo: state, Cause: cause},
			"Queued call=C13 from=2001 to=1001 queue=Q1 ahead=3 state=connected cause=normal"},
		{&csta.DigitsGeneratedEvent{Connection: conn("C14"), DigitGeneratedList: "12#"},
			"DigitsGenerated call=C14 digits=12#"},
		{&csta.CallClearedEvent{ClearedCall: conn("C15"), Cause: cause},
			"CallCleared call=C15 cause=normal"},
		{&csta.ForwardingEvent{Device: k("1001"), ForwardingType: "forwardImmediate", ForwardStatus: true, ForwardTo: &csta.DeviceID{ID: "tel:2005"}, RingCount: &two},
			"Forwarding device=1001 type=forwardImmediate forwarding=on to=tel:2005 rings=2"},
		{&csta.DoNotDisturbEvent{Device: k("1001"), DoNotDisturbOn: true},
			"DoNotDisturb device=1001 dnd=on"},

		{&csta.ServiceInitiatedEvent{}, "ServiceInitiated"},
		{&csta.OriginatedEvent{}, "Originated"},
		{&csta.DeliveredEvent{}, "Delivered"},
		{&csta.EstablishedEvent{}, "Established"},
		{&csta.HeldEvent{}, "Held"},
		{&csta.RetrievedEvent{}, "Retrieved"},
		{&csta.ConnectionClearedEvent{}, "ConnectionCleared"},
		{&csta.FailedEvent{}, "Failed"},
		{&csta.DivertedEvent{}, "Diverted"},
		{&csta.TransferredEvent{}, "Transferred"},
		{&csta.ConferencedEvent{}, "Conferenced"},
		{&csta.NetworkReachedEvent{}, "NetworkReached"},
		{&csta.QueuedEvent{}, "Queued"},
		{&csta.DigitsGeneratedEvent{}, "DigitsGenerated"},
		{&csta.CallClearedEvent{}, "CallCleared"},
		{&csta.ForwardingEvent{}, "Forwarding forwarding=off"},
		{&csta.DoNotDisturbEvent{}, "DoNotDisturb dnd=off"},
	} {
		assert.Equal(t, tc.want, describe(tc.ev))
	}
}

// TestPrinterLines pins the readable and JSON forms of results, notices
// and events.
func TestPrinterLines(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC) }
	ev := &csta.HeldEvent{HeldConnection: csta.Connection("C1", "1001"), HoldingDevice: csta.Known("1001")}
	data, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		json bool
		want string
	}{
		{false, "held: <\"1001\"> & more\n" +
			"ended: \u00e9\n" +
			"03:04:05.006 Held call=C1 by=1001\n"},
		{true, `{"time":"03:04:05.006","result":"held: \u003c\"1001\"\u003e \u0026 more"}` + "\n" +
			`{"time":"03:04:05.006","notice":"ended: ` + "\u00e9" + `"}` + "\n" +
			`{"time":"03:04:05.006","event":"HeldEvent","text":"Held call=C1 by=1001","data":` + string(data) + "}\n"},
	} {
		var out bytes.Buffer
		p := &printer{w: &out, json: tc.json, now: now}
		p.line("held: <%q> & more", "1001")
		p.notice("ended: %s", "\u00e9")
		p.event(ev)
		assert.Equal(t, tc.want, out.String())
	}
}
