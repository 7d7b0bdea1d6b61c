package ctitest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

func TestMakeCallInternal(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a, b := connect(t, s), connect(t, s)
	ma := a.monitor("1001")
	mb := b.monitor("1002")

	resp := a.ok(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002")}).(*csta.MakeCallResponse)
	id := resp.CallingDevice.CallID
	assert.Equal(t, csta.Connection(id, "1001"), resp.CallingDevice)

	evs := a.expect(
		"ServiceInitiated 1001 initiated makeCall",
		"Originated 1001 connected newCall",
		"Delivered 1002 connected newCall",
	)
	for _, ev := range evs {
		assert.Equal(t, ma, ev.CrossRefID())
		assert.Equal(t, id, callOf(ev))
	}
	d := b.expect("Delivered 1002 alerting newCall")[0].(*csta.DeliveredEvent)
	assert.Equal(t, mb, d.MonitorCrossRefID)
	assert.Equal(t, "1001", d.CallingDevice.String())
	assert.Equal(t, "1002", d.CalledDevice.String())
	assert.Equal(t, "1002", d.AlertingDevice.String())

	b.ok(&csta.AnswerCall{CallToBeAnswered: csta.Connection(id, "1002")})
	b.expect("Established 1002 connected normal")
	a.expect("Established 1002 connected normal")

	ci, ok := p.LookupCall(id)
	require.True(t, ok)
	assert.Equal(t, []PartyInfo{{ID: "1001", State: csta.StateConnected}, {ID: "1002", State: csta.StateConnected}}, ci.Parties)

	a.ok(&csta.ClearConnection{ConnectionToBeCleared: csta.Connection(id, "1001")})
	a.expect("ConnectionCleared 1001 null normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing")
	b.expect("ConnectionCleared 1001 connected normalClearing", "ConnectionCleared 1002 null normalClearing", "CallCleared - - normalClearing")
	assert.Empty(t, p.Calls())
	a.quiet()
	b.quiet()
}
