package ctitest

import (
	"testing"

	"github.com/rcc-go/rcc/csta"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEventLog checks that the event log records what each monitor was
// sent, in order, per line and per call, that it keeps only the most
// recent records with sequence numbers that show the gap, and that a
// stalled endpoint's events are recorded as dropped.
func TestEventLog(t *testing.T) {
	p := newTestPBX(t, PBXConfig{EventLogSize: 8, FarEnds: DemoFarEnds(0, 0)})
	s := serve(t, p, ServerConfig{})
	a, b := connect(t, s), connect(t, s)
	xa := a.monitor("1001")
	xb := b.monitor("1002")

	id := a.ok(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002")}).(*csta.MakeCallResponse).CallingDevice.CallID
	got := a.expect("ServiceInitiated 1001 initiated makeCall", "Originated 1001 connected newCall", "Delivered 1002 connected newCall")
	b.expect("Delivered 1002 alerting newCall")

	log := p.Events()
	require.Len(t, log, 4)
	assert.Equal(t, []string{"ServiceInitiatedEvent", "OriginatedEvent", "DeliveredEvent"}, log.OnLine("1001").Names())
	assert.Equal(t, []string{"DeliveredEvent"}, log.OnLine("1002").Names())
	for i, r := range log.OnLine("1001") {
		assert.Equal(t, xa, r.Monitor)
		assert.Equal(t, got[i].MessageName(), r.Event.MessageName())
		assert.Equal(t, s.Name(), r.Endpoint)
		assert.False(t, r.Dropped)
		assert.False(t, r.Time.IsZero())
	}
	assert.Equal(t, xb, log.OnLine("1002")[0].Monitor)
	assert.Len(t, log.OnCall(id), 4)
	assert.Empty(t, log.OnCall("0_ffffffff"))
	assert.Len(t, log.Named("DeliveredEvent"), 2)
	for i := 1; i < len(log); i++ {
		assert.Equal(t, log[i-1].Seq+1, log[i].Seq)
	}

	// The log keeps the last 8 records; the sequence shows the gap.
	require.NoError(t, p.Answer(id, "1002"))
	a.expect("Established 1002 connected normal")
	b.expect("Established 1002 connected normal")
	require.NoError(t, p.Hangup(id, "1002"))
	a.expect("ConnectionCleared 1002 connected normalClearing", "ConnectionCleared 1001 null normalClearing", "CallCleared - - normalClearing")
	b.expect("ConnectionCleared 1002 null normalClearing", "ConnectionCleared 1001 null normalClearing", "CallCleared - - normalClearing")
	log = p.Events()
	require.Len(t, log, 8)
	assert.EqualValues(t, 12, log[len(log)-1].Seq)
	assert.EqualValues(t, 5, log[0].Seq)

	since := p.EventsSince(10)
	require.Len(t, since, 2)
	assert.EqualValues(t, 11, since[0].Seq)
	assert.Empty(t, p.EventsSince(p.EventSeq()))
	assert.EqualValues(t, 12, p.EventSeq())
	all := p.EventsSince(0)
	assert.Len(t, all, 8)
	assert.EqualValues(t, 5, all[0].Seq, "the first record shows the gap")

	// A stalled endpoint records its events as dropped.
	s.Stall(true)
	_, err := p.Call("2000", "1001")
	require.NoError(t, err)
	last := p.Events()[len(p.Events())-1]
	assert.True(t, last.Dropped)
	assert.Equal(t, "DeliveredEvent", last.Name)
	s.Stall(false)

	p.ClearEvents()
	assert.Empty(t, p.Events())
	_, err = p.Call("2001", "1002")
	require.NoError(t, err)
	b.expect("Delivered 1002 alerting newCall")
	assert.Len(t, p.Events(), 1)
	p.Reset()
	assert.Empty(t, p.Events(), "Reset empties the event log")
}

// TestEventLogSizeNegative checks the config validation.
func TestEventLogSizeNegative(t *testing.T) {
	_, err := NewPBX(PBXConfig{EventLogSize: -1})
	assert.ErrorContains(t, err, "EventLogSize is negative")
}
