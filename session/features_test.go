package session_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/session"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// narrowCTI is a CTI whose back end can do only caps (a dialect that
// supports less, say).
type narrowCTI struct {
	session.CTI
	caps csta.Features
}

func (n narrowCTI) Capabilities() csta.Features { return n.caps }

// TestFeaturesListWhatWorks checks that GetCSTAFeatures lists what works:
// every service it lists succeeds on the demo PBX over a real connection
// (on a live call where it needs one), every service it leaves out is
// refused without reaching the PBX, and every event the client gets is
// listed. It runs with the default configuration and over a CTI whose
// Capabilities leave services and an event out.
func TestFeaturesListWhatWorks(t *testing.T) {
	full := session.Supported()
	narrow := session.Supported()
	narrow.Services.Remove("alternateCall", "generateDigits", "setForwarding", "deflectCall")
	narrow.Events.Remove("digitsGenerated")
	for _, tc := range []struct {
		name string
		mod  func(*session.Config)
		want csta.Features
	}{
		{"default", nil, full},
		{"narrowed", func(c *session.Config) { c.CTI = narrowCTI{CTI: c.CTI, caps: narrow} }, narrow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.mod)
			s, k := e.open("d1", aliceAOR, aliceLine)
			fr := doOK[*csta.GetCSTAFeaturesResponse](t, s, &csta.GetCSTAFeatures{Extensions: csta.WithLine(aliceLine)})
			listed := fr.Features
			// The fake PBX lists every service the session implements, but
			// not the queued event.
			assert.Equal(t, tc.want.Services.Names(), listed.Services.Names())
			assert.Equal(t, tc.want.Events.Intersect(ctitest.Features().Events).Names(), listed.Events.Names())
			assert.False(t, listed.Events.Supports("queued"))
			for _, name := range []string{"alternateCall", "reconnectCall"} {
				assert.Equal(t, tc.want.Services.Supports(name), listed.Services.Supports(name), name)
			}
			for _, name := range []string{"callCleared", "netwReached", "digitsGenerated"} {
				assert.Equal(t, tc.want.Events.Supports(name), listed.Events.Supports(name), name)
			}
			monitor(t, s)
			x := &exerciser{t: t, e: e, s: s, k: k}
			scenarios := x.scenarios()

			var names []string
			for name := range scenarios {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				if !listed.Services.Supports(name) {
					continue
				}
				t.Run(name, func(t *testing.T) {
					x.t = t
					scenarios[name]()
					x.hangupAll()
				})
			}
			x.t = t
			// Every listed service has been exercised.
			for _, name := range listed.Services.Names() {
				assert.Contains(t, names, name, "no scenario for listed service %s", name)
			}
			// Every service the session knows but does not list is refused
			// here, and reaches no PBX.
			before := len(e.requests())
			for _, name := range full.Services.Names() {
				if listed.Services.Supports(name) {
					continue
				}
				req := requestFor(name)
				require.NotNil(t, req, name)
				requireCSTAError(t, csta.ErrServiceNotSupported, do(t, s, req))
			}
			assert.Len(t, e.requests(), before, "a refused request reached the PBX")
			// Every event the client got is listed.
			for _, ev := range k.got() {
				name, ok := csta.CapabilityName(ev)
				require.True(t, ok, ev.MessageName())
				assert.True(t, listed.Events.Supports(name), "%s was sent but is not listed", ev.MessageName())
			}
		})
	}
}

// requestFor returns a request of the service name on made-up calls, for
// requests that must be refused before anything is looked up.
func requestFor(name string) csta.Request {
	c1, c2 := csta.Connection("c1", aliceLine), csta.Connection("c2", aliceLine)
	to := csta.Device("tel:2000;phone-context=dialstring")
	switch name {
	case "alternateCall":
		return &csta.AlternateCall{HeldCall: c1, ActiveCall: c2}
	case "generateDigits":
		return &csta.GenerateDigits{ConnectionToSendDigits: c1, CharactersToSend: "1"}
	case "setForwarding":
		return &csta.SetForwarding{Device: csta.Device(aliceLine), ForwardingType: csta.ForwardImmediate, ActivateForward: true, ForwardDN: &to}
	case "deflectCall":
		return &csta.DeflectCall{CallToBeDiverted: c1, NewDestination: to}
	}
	return nil
}

// exerciser runs one service of the session in a state where it succeeds.
type exerciser struct {
	t testing.TB
	e *env
	s *session.Session
	k *sink
}

func (x *exerciser) conn(id csta.CallID) csta.ConnectionID { return csta.Connection(id, aliceLine) }

// ringing makes an incoming call from 2500 ring at the line.
func (x *exerciser) ringing() csta.CallID {
	id, err := x.e.pbx.Call("2500", "1001")
	require.NoError(x.t, err)
	x.k.waitFor(x.t, "DeliveredEvent", id)
	return id
}

// live makes a connected call at the line, answered through the PBX (not
// through a service under test).
func (x *exerciser) live() csta.CallID {
	id := x.ringing()
	require.NoError(x.t, x.e.pbx.Answer(id, "1001"))
	x.k.waitFor(x.t, "EstablishedEvent", id)
	return id
}

// consulting makes a live call and a consultation call from it to 2001,
// answered; it returns the held call and the consultation call.
func (x *exerciser) consulting() (held, active csta.CallID) {
	held = x.live()
	cr := doOK[*csta.ConsultationCallResponse](x.t, x.s, &csta.ConsultationCall{ExistingCall: x.conn(held),
		ConsultedDevice: csta.Device("tel:2001;phone-context=dialstring")})
	active = cr.InitiatedCall.CallID
	x.k.waitFor(x.t, "EstablishedEvent", active)
	return held, active
}

// hangupAll ends every call the PBX has.
func (x *exerciser) hangupAll() {
	for _, c := range x.e.pbx.Calls() {
		_ = x.e.pbx.Hangup(c.ID, "")
	}
	eventually(x.t, "no calls", func() bool { return len(x.e.pbx.Calls()) == 0 })
}

// scenarios returns, by capability name, a run of each service the
// session implements.
func (x *exerciser) scenarios() map[string]func() {
	t := func() testing.TB { return x.t }
	dest := func(n string) csta.DeviceID { return csta.Device("tel:" + n + ";phone-context=dialstring") }
	return map[string]func(){
		"getCSTAFeatures": func() {
			doOK[*csta.GetCSTAFeaturesResponse](t(), x.s, &csta.GetCSTAFeatures{})
		},
		"requestSystemStatus": func() {
			r := doOK[*csta.RequestSystemStatusResponse](t(), x.s, &csta.RequestSystemStatus{})
			assert.Equal(t(), csta.SystemNormal, r.SystemStatus)
		},
		"systemStatus": func() {
			doOK[*csta.SystemStatusResponse](t(), x.s, &csta.SystemStatus{SystemStatus: csta.SystemNormal})
		},
		"monitorStart": func() {
			assert.Equal(t(), x.s.MonitorCrossRefID(), monitor(t(), x.s))
		},
		"monitorStop": func() {
			doOK[*csta.MonitorStopResponse](t(), x.s, &csta.MonitorStop{MonitorCrossRefID: x.s.MonitorCrossRefID()})
			monitor(t(), x.s)
		},
		"snapshotDevice": func() {
			id := x.live()
			r := doOK[*csta.SnapshotDeviceResponse](t(), x.s, &csta.SnapshotDevice{SnapshotObject: csta.Device(aliceLine)})
			assert.True(t(), slices.ContainsFunc(r.SnapshotData, func(d csta.SnapshotDeviceResponseInfo) bool {
				return d.ConnectionIdentifier.CallID == id
			}))
		},
		"makeCall": func() {
			r := doOK[*csta.MakeCallResponse](t(), x.s, &csta.MakeCall{CallingDevice: csta.Device(aliceLine), CalledDirectoryNumber: dest("2000")})
			x.k.waitFor(t(), "EstablishedEvent", r.CallingDevice.CallID)
		},
		"answerCall": func() {
			id := x.ringing()
			doOK[*csta.AnswerCallResponse](t(), x.s, &csta.AnswerCall{CallToBeAnswered: x.conn(id)})
			x.k.waitFor(t(), "EstablishedEvent", id)
		},
		"clearConnection": func() {
			id := x.live()
			doOK[*csta.ClearConnectionResponse](t(), x.s, &csta.ClearConnection{ConnectionToBeCleared: x.conn(id)})
			x.k.waitFor(t(), "ConnectionClearedEvent", id)
		},
		"clearCall": func() {
			id := x.live()
			doOK[*csta.ClearCallResponse](t(), x.s, &csta.ClearCall{CallToBeCleared: x.conn(id)})
			x.k.waitFor(t(), "CallClearedEvent", id)
			assert.Empty(t(), x.e.pbx.Calls())
		},
		"holdCall": func() {
			id := x.live()
			doOK[*csta.HoldCallResponse](t(), x.s, &csta.HoldCall{CallToBeHeld: x.conn(id)})
			x.k.waitFor(t(), "HeldEvent", id)
		},
		"retrieveCall": func() {
			id := x.live()
			doOK[*csta.HoldCallResponse](t(), x.s, &csta.HoldCall{CallToBeHeld: x.conn(id)})
			x.k.waitFor(t(), "HeldEvent", id)
			doOK[*csta.RetrieveCallResponse](t(), x.s, &csta.RetrieveCall{CallToBeRetrieved: x.conn(id)})
			x.k.waitFor(t(), "RetrievedEvent", id)
		},
		"consultationCall": func() {
			x.consulting()
		},
		"alternateCall": func() {
			held, active := x.consulting()
			doOK[*csta.AlternateCallResponse](t(), x.s, &csta.AlternateCall{HeldCall: x.conn(held), ActiveCall: x.conn(active)})
			x.k.waitFor(t(), "RetrievedEvent", held)
		},
		"reconnectCall": func() {
			held, active := x.consulting()
			doOK[*csta.ReconnectCallResponse](t(), x.s, &csta.ReconnectCall{HeldCall: x.conn(held), ActiveCall: x.conn(active)})
			x.k.waitFor(t(), "ConnectionClearedEvent", active)
		},
		"transferCall": func() {
			held, active := x.consulting()
			doOK[*csta.TransferCallResponse](t(), x.s, &csta.TransferCall{HeldCall: x.conn(held), ActiveCall: x.conn(active)})
			x.k.waitFor(t(), "TransferedEvent", "")
		},
		"conferenceCall": func() {
			held, active := x.consulting()
			doOK[*csta.ConferenceCallResponse](t(), x.s, &csta.ConferenceCall{HeldCall: x.conn(held), ActiveCall: x.conn(active)})
			x.k.waitFor(t(), "ConferencedEvent", "")
		},
		"singleStepTransfer": func() {
			id := x.live()
			doOK[*csta.SingleStepTransferCallResponse](t(), x.s, &csta.SingleStepTransferCall{ActiveCall: x.conn(id), TransferredTo: dest("2002")})
		},
		"deflectCall": func() {
			id := x.ringing()
			doOK[*csta.DeflectCallResponse](t(), x.s, &csta.DeflectCall{CallToBeDiverted: x.conn(id), NewDestination: dest("2003")})
			x.k.waitFor(t(), "DivertedEvent", id)
		},
		"generateDigits": func() {
			id := x.live()
			doOK[*csta.GenerateDigitsResponse](t(), x.s, &csta.GenerateDigits{ConnectionToSendDigits: x.conn(id), CharactersToSend: "12#"})
			x.k.waitFor(t(), "DigitsGeneratedEvent", id)
		},
		"setForwarding": func() {
			to := dest("2004")
			doOK[*csta.SetForwardingResponse](t(), x.s, &csta.SetForwarding{Device: csta.Device(aliceLine),
				ForwardingType: csta.ForwardImmediate, ActivateForward: true, ForwardDN: &to})
			x.k.waitFor(t(), "ForwardingEvent", "")
			doOK[*csta.SetForwardingResponse](t(), x.s, &csta.SetForwarding{Device: csta.Device(aliceLine),
				ForwardingType: csta.ForwardImmediate})
		},
		"getForwarding": func() {
			doOK[*csta.GetForwardingResponse](t(), x.s, &csta.GetForwarding{Device: csta.Device(aliceLine)})
		},
		"setDoNotDisturb": func() {
			doOK[*csta.SetDoNotDisturbResponse](t(), x.s, &csta.SetDoNotDisturb{Device: csta.Device(aliceLine), DoNotDisturbOn: true})
			x.k.waitFor(t(), "DoNotDisturbEvent", "")
			doOK[*csta.SetDoNotDisturbResponse](t(), x.s, &csta.SetDoNotDisturb{Device: csta.Device(aliceLine)})
		},
		"getDoNotDisturb": func() {
			doOK[*csta.GetDoNotDisturbResponse](t(), x.s, &csta.GetDoNotDisturb{Device: csta.Device(aliceLine)})
		},
	}
}
