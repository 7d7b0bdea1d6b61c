package ctitest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
)

func TestRuleCannedAnswer(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a := connect(t, s)
	a.monitor("1001")

	canned := `<CSTAErrorCode xmlns="` + csta.NamespaceEd3 + `"><operation>invalidCalledDeviceID</operation></CSTAErrorCode>`
	id, err := p.AddRule(Rule{Name: "MakeCall", Namespace: csta.NamespaceEd3, Action: RuleAnswer, Answer: []byte(canned), Count: 1})
	require.NoError(t, err)
	require.Len(t, p.Rules(), 1)
	assert.Equal(t, id, p.Rules()[0].ID)

	// The first MakeCall gets the canned answer and is not carried out.
	a.fails(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002")}, csta.ErrInvalidCalledDevice)
	assert.Empty(t, p.Calls())
	a.quiet()
	assert.Empty(t, p.Rules(), "a rule for one match ends after it")
	// The next one is served.
	a.call("1001", "1002")
	require.Len(t, p.Calls(), 1)

	// Other namespaces and endpoints do not match.
	_, err = p.AddRule(Rule{Name: "GetCSTAFeatures", Namespace: csta.NamespaceEd4, Action: RuleDrop})
	require.NoError(t, err)
	_, err = p.AddRule(Rule{Name: "GetCSTAFeatures", Endpoint: "elsewhere", Action: RuleDrop})
	require.NoError(t, err)
	a.expect("Delivered 1002 connected newCall")
	a.quiet()

	// A request the codec does not know, in a vendor namespace.
	p.ClearRules()
	_, err = p.AddRule(Rule{Name: "GetDeviceId", Action: RuleAnswer, Answer: []byte(`<GetDeviceIdResponse xmlns="http://www.avaya.com/csta"><device>1001:pbx::0</device></GetDeviceIdResponse>`)})
	require.NoError(t, err)
	a.next++
	require.NoError(t, writeFrame(a, a.next, `<GetDeviceId xmlns="`+csta.NamespaceEd3+`"><switchName>pbx</switchName><extension>1001</extension></GetDeviceId>`))
	f := a.frame()
	assert.Equal(t, a.next, f.InvokeID)
	assert.Contains(t, string(f.Body), "<device>1001:pbx::0</device>")

	for _, bad := range []Rule{
		{Action: RuleDrop},
		{Name: "MakeCall"},
		{Name: "MakeCall", Action: RuleAnswer, Answer: []byte("<a><b></a>")},
		{Name: "MakeCall", Action: RuleAnswer, Answer: []byte("<a/><b/>")},
		{Name: "MakeCall", Action: RuleDelay},
		{Name: "MakeCall", Action: RuleDrop, Count: -1},
	} {
		_, err := p.AddRule(bad)
		assert.Error(t, err, "%+v", bad)
	}
	assert.True(t, p.RemoveRule(p.Rules()[0].ID))
	assert.False(t, p.RemoveRule(12345))
}

func TestRuleDelayAndDrop(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a := connect(t, s)
	a.monitor("1001")

	// Dropped: carried out, its events sent, no answer.
	_, err := p.AddRule(Rule{Name: "MakeCall", Action: RuleDrop, Count: 1})
	require.NoError(t, err)
	a.send(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002")})
	a.expect("ServiceInitiated 1001 initiated makeCall", "Originated 1001 connected newCall", "Delivered 1002 connected newCall")
	a.quiet()
	require.Len(t, p.Calls(), 1)
	assert.Equal(t, uint64(1), s.Stats().DroppedResponses)

	// Delayed: the events come before the answer. Heartbeats are not
	// delayed.
	_, err = p.AddRule(Rule{Name: "HoldCall", Action: RuleDelay, Delay: 300 * time.Millisecond})
	require.NoError(t, err)
	id := p.Calls()[0].ID
	hold := a.send(&csta.HoldCall{CallToBeHeld: csta.Connection(id, "1001")})
	f := a.frame()
	m, err := csta.Decode(f.Body)
	require.NoError(t, err)
	assert.Equal(t, "Held 1001 hold normal", describe(m.(csta.Event)))
	a.ok(&csta.RequestSystemStatus{})
	f = a.frame()
	assert.Equal(t, hold, f.InvokeID)
	assert.Contains(t, string(f.Body), "HoldCallResponse")
	assert.Equal(t, 1, p.Rules()[0].Matched)
}

func TestInjectEvent(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a := connect(t, s)
	mon := a.monitor("1001")

	conns := p.Connections()
	require.Len(t, conns, 1)
	require.Len(t, conns[0].Monitors, 1)
	assert.Equal(t, MonitorInfo{ID: mon, Line: "1001", Type: csta.MonitorTypeDevice, Namespace: csta.NamespaceEd3, Filter: "<actualMonitorFilter></actualMonitorFilter>"}, conns[0].Monitors[0])

	// A decoded event to a monitor: its crossRefID and namespace.
	err := p.InjectEvent(EventTarget{Monitor: mon}, &csta.DoNotDisturbEvent{Device: csta.Known("1001"), DoNotDisturbOn: true})
	require.NoError(t, err)
	ev := a.event().(*csta.DoNotDisturbEvent)
	assert.Equal(t, mon, ev.MonitorCrossRefID)
	assert.Equal(t, csta.NamespaceEd3, ev.Namespace)
	assert.Equal(t, "DoNotDisturbEvent", p.Events().Names()[0])
	ls, _ := p.Line("1001")
	assert.False(t, ls.DoNotDisturb, "the PBX's state does not change")

	// Raw XML to a connection, as it is.
	raw := `<HookswitchEvent xmlns="` + csta.NamespaceEd3 + `"><monitorCrossRefID>` + string(mon) + `</monitorCrossRefID><device>1001</device><hookswitch>0</hookswitch><hookswitchOnHook>false</hookswitchOnHook></HookswitchEvent>`
	require.NoError(t, p.InjectRaw(EventTarget{Conn: conns[0].ID}, []byte(raw)))
	f := a.frame()
	assert.Equal(t, framing.EventInvokeID, f.InvokeID)
	assert.Equal(t, raw, string(f.Body))

	require.ErrorIs(t, p.InjectRaw(EventTarget{Conn: 999}, []byte(raw)), ErrNoConnection)
	require.ErrorIs(t, p.InjectEvent(EventTarget{Monitor: "999"}, &csta.DoNotDisturbEvent{Device: csta.Known("1001")}), csta.ErrInvalidMonitorCrossRefID)
	require.Error(t, p.InjectRaw(EventTarget{}, []byte(raw)))
	require.Error(t, p.InjectRaw(EventTarget{Conn: conns[0].ID, Monitor: mon}, []byte(raw)))
	a.quiet()
}

func TestFrameLog(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{})
	a := connect(t, s)
	seq := p.FrameSeq()
	a.monitor("1001")
	a.call("1001", "1002")
	a.expect("Delivered 1002 connected newCall")
	a.quiet()

	log := p.Frames().Since(seq)
	in := log.In()
	assert.Equal(t, []string{"MonitorStart", "MakeCall", "GetCSTAFeatures"}, in.Names())
	out := log.Out()
	assert.Equal(t, []string{"MonitorStartResponse", "MakeCallResponse", "ServiceInitiatedEvent", "OriginatedEvent", "DeliveredEvent", "GetCSTAFeaturesResponse"}, out.Names())
	mk := log.Named("MakeCall")[0]
	assert.Equal(t, FrameIn, mk.Dir)
	assert.Equal(t, s.Name(), mk.Endpoint)
	assert.Contains(t, string(mk.Body), "<calledDirectoryNumber>1002</calledDirectoryNumber>")
	resp := log.Out().WithInvokeID(mk.InvokeID)
	require.Len(t, resp, 1)
	assert.Equal(t, "MakeCallResponse", resp[0].Name)
	assert.Len(t, log.OnConn(mk.Conn), len(log))
	assert.Empty(t, log.At("nope"))
	for i := 1; i < len(log); i++ {
		assert.Equal(t, log[i-1].Seq+1, log[i].Seq)
	}

	// Garbage is logged as it was written.
	s.SendGarbage(GarbageBadFormat)
	_, _ = a.tryFrame()
	require.Eventually(t, func() bool { return len(p.Frames().Out().WithInvokeID(-1)) == 1 }, 5*time.Second, 5*time.Millisecond)

	p.ClearFrames()
	assert.Empty(t, p.Frames())

	off := newTestPBX(t, PBXConfig{FrameLogSize: -1})
	c := connect(t, serve(t, off, ServerConfig{}))
	c.quiet()
	assert.Empty(t, off.Frames())
}

func TestRootName(t *testing.T) {
	for body, want := range map[string]string{
		`<?xml version="1.0"?><MakeCall xmlns="x"><a/></MakeCall>`: "MakeCall",
		`<csta:MonitorStart xmlns:csta="x"/>`:                      "MonitorStart",
		`<!-- hi --><SystemStatus>`:                                "SystemStatus",
		`<s:Envelope xmlns:s="y"><s:Header><h/></s:Header><s:Body><RequestSystemStatus/></s:Body></s:Envelope>`: "RequestSystemStatus",
		`not xml`: "",
		``:        "",
	} {
		assert.Equal(t, want, string(rootName([]byte(body))), body)
	}
	assert.True(t, strings.HasPrefix(RuleAnswer.String(), "answer"))
}
