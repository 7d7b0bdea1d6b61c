package ctitest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rcc-go/rcc/csta"
)

// call is one call in the PBX.
type call struct {
	id       csta.CallID
	seq      uint64
	calling  string // the calling party
	called   string // the number originally called
	redirect string // the last device that redirected the call, or ""
	parties  []*party
	// correlator is the correlatorData of the MakeCall or
	// ConsultationCall that made the call, carried by its events.
	correlator string
	link       csta.RawXML // callLinkageData, made on first use
	// netCalling and netCalled are the network devices of the call's
	// events (see network).
	netCalling, netCalled *csta.ExtendedDeviceID
	// monitors are the monitors that follow the call: callObject
	// monitors of it, and call-type monitors of lines that were in it.
	monitors []*monitor
}

// party is one connection to a call: a provisioned line, or a simulated
// external party.
type party struct {
	call  *call
	id    string // the line key, or the external number as dialled
	line  *line  // nil for an external party
	far   FarEnd // how a called external party behaves
	state csta.LocalConnectionState

	answerT, hangupT, noAnswerT *timer
}

func (pt *party) conn() csta.ConnectionID { return csta.Connection(pt.call.id, pt.id) }

// partyOnLine returns l's connection to c, or nil.
func (c *call) partyOnLine(l *line) *party {
	for _, pt := range c.parties {
		if pt.line == l {
			return pt
		}
	}
	return nil
}

// party returns the connection of the party id to c, or nil.
func (c *call) party(id string) *party {
	for _, pt := range c.parties {
		if pt.id == id {
			return pt
		}
	}
	return nil
}

// others returns c's parties other than pt.
func (c *call) others(pt *party) []*party {
	out := make([]*party, 0, len(c.parties))
	for _, o := range c.parties {
		if o != pt {
			out = append(out, o)
		}
	}
	return out
}

// audience returns the lines whose monitors hear about c now.
func (c *call) audience() []*line {
	out := make([]*line, 0, len(c.parties))
	for _, pt := range c.parties {
		if pt.line != nil {
			out = append(out, pt.line)
		}
	}
	return out
}

// union returns the lines of a followed by those of b it lacks.
func union(a []*line, b ...*line) []*line {
	out := slices.Clone(a)
	for _, l := range b {
		if l != nil && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// callList returns the calls in the order they were created.
func (p *PBX) callList() []*call {
	out := make([]*call, 0, len(p.calls))
	for _, c := range p.calls {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *call) int { return int(a.seq) - int(b.seq) })
	return out
}

// newCall creates a call from calling to called.
func (p *PBX) newCall(calling, called string) *call {
	c := &call{id: p.nextCallID(), seq: p.seq.call, calling: calling, called: called}
	p.calls[c.id] = c
	return c
}

// join adds a party to c.
func (p *PBX) join(c *call, id string, l *line, state csta.LocalConnectionState) *party {
	pt := &party{call: c, id: id, line: l, state: state}
	c.parties = append(c.parties, pt)
	return pt
}

// leave removes pt from its call and stops its timers.
func (p *PBX) leave(pt *party) {
	c := pt.call
	c.parties = slices.DeleteFunc(c.parties, func(x *party) bool { return x == pt })
	pt.state = csta.StateNull
	p.stopTimers(pt)
}

func (p *PBX) stopTimers(pt *party) {
	p.timers.stop(pt.answerT)
	p.timers.stop(pt.hangupT)
	p.timers.stop(pt.noAnswerT)
	pt.answerT, pt.hangupT, pt.noAnswerT = nil, nil, nil
}

// busyLine reports whether l has a connection to a call other than c that
// is alerting, connected or held: the condition for forwarding on busy.
func (p *PBX) busyLine(l *line, c *call) bool {
	for _, o := range p.calls {
		if o == c {
			continue
		}
		if pt := o.partyOnLine(l); pt != nil && pt.state != csta.StateNull && pt.state != csta.StateFail {
			return true
		}
	}
	return false
}

// diversion is one forwarding step of a route.
type diversion struct {
	from  *line
	to    string
	cause csta.EventCause
}

// route is where a call to a number ends up: diverted by forwarding some
// times, then alerting a line, ringing an external party, or failing.
type route struct {
	diversions []diversion
	line       *line  // the line that alerts, or nil
	number     string // the final destination: line key or external number
	far        FarEnd // how the external destination behaves
	fail       csta.EventCause
}

// maxDiversions bounds forwarding chains; a longer chain fails as busy.
const maxDiversions = 5

// forwardingFor returns the forwarding destination of l for a call from an
// internal or external caller under the given condition (immediate, busy,
// noAnswer or DND), and the cause a forwarded call's events carry.
func (l *line) forwardingFor(cond csta.ForwardingType, internal bool) (string, csta.EventCause, bool) {
	var types []csta.ForwardingType
	var cause csta.EventCause
	switch cond {
	case csta.ForwardImmediate:
		types = []csta.ForwardingType{csta.ForwardImmediate, csta.ForwardImmInt, csta.ForwardImmExt}
		cause = csta.CauseCallForwardImmediate
	case csta.ForwardBusy:
		types = []csta.ForwardingType{csta.ForwardBusy, csta.ForwardBusyInt, csta.ForwardBusyExt}
		cause = csta.CauseCallForwardBusy
	case csta.ForwardNoAns:
		types = []csta.ForwardingType{csta.ForwardNoAns, csta.ForwardNoAnsInt, csta.ForwardNoAnsExt}
		cause = csta.CauseCallForwardNoAnswer
	case csta.ForwardDND:
		types = []csta.ForwardingType{csta.ForwardDND, csta.ForwardDNDInt, csta.ForwardDNDExt}
		cause = csta.CauseCallForward
	}
	for i, t := range types {
		if i == 1 && !internal || i == 2 && internal {
			continue
		}
		if f, ok := l.fwd[t]; ok && f.on && f.to != "" {
			return f.to, cause, true
		}
	}
	return "", "", false
}

// route works out where a call c to number goes, without changing
// anything. internal says whether the caller is a provisioned line.
func (p *PBX) route(c *call, number string, internal bool) route {
	var r route
	for range maxDiversions + 1 {
		r.number = number
		l := p.lookupLine(number)
		if l == nil {
			r.number = number
			r.far = p.cfg.FarEnds(number)
			switch r.far.Action {
			case FarEndUnobtainable:
				r.fail = csta.CauseDestNotObtainable
			case FarEndBusy:
				r.fail = csta.CauseBusy
			}
			return r
		}
		r.number = l.key
		if c != nil && c.partyOnLine(l) != nil {
			r.fail = csta.CauseBusy
			return r
		}
		to, cause, ok := l.forwardingFor(csta.ForwardImmediate, internal)
		if !ok && l.dnd {
			if to, cause, ok = l.forwardingFor(csta.ForwardDND, internal); !ok {
				r.fail = csta.CauseBusy
				return r
			}
		}
		if !ok && p.busyLine(l, c) {
			to, cause, ok = l.forwardingFor(csta.ForwardBusy, internal)
		}
		if !ok {
			r.line = l
			return r
		}
		r.diversions = append(r.diversions, diversion{from: l, to: to, cause: cause})
		number = to
	}
	r.fail = csta.CauseBusy
	return r
}

// lastRedirection returns c's lastRedirectionDevice.
func (c *call) lastRedirection() csta.RedirectionDeviceID {
	if c.redirect == "" {
		return csta.RedirectionDeviceID{NotKnown: true}
	}
	return csta.RedirectionDeviceID{NumberDialed: csta.Device(c.redirect)}
}

// originate starts a call from line l to number: ServiceInitiated,
// Originated, then the destination. cause is the cause of the first two
// events (makeCall, newCall, consultation); correlator is the
// correlatorData the call's events carry.
func (p *PBX) originate(l *line, number string, cause csta.EventCause, correlator string) *call {
	c := p.newCall(l.key, number)
	c.correlator = correlator
	a := p.join(c, l.key, l, csta.StateInitiated)
	aud := c.audience()
	p.emit(aud, c, func(local csta.LocalConnectionState) csta.Event {
		return &csta.ServiceInitiatedEvent{
			InitiatedConnection: a.conn(),
			InitiatingDevice:    csta.Known(a.id),
			LocalConnectionInfo: local,
			Cause:               cause,
		}
	})
	a.state = csta.StateConnected
	origCause := csta.CauseNewCall
	if cause == csta.CauseConsultation {
		origCause = cause
	}
	p.emit(aud, c, func(local csta.LocalConnectionState) csta.Event {
		return &csta.OriginatedEvent{
			OriginatedConnection: a.conn(),
			CallingDevice:        csta.Known(a.id),
			CalledDevice:         csta.Known(number),
			LocalConnectionInfo:  local,
			Cause:                origCause,
		}
	})
	p.offer(c, a, p.route(c, number, true), csta.CauseNewCall)
	return c
}

// offer carries out a route for call c from caller: the diversions, then
// alerting the destination or failing. cause is the cause of the
// DeliveredEvent when the route has no diversions.
func (p *PBX) offer(c *call, caller *party, r route, cause csta.EventCause) {
	for _, d := range r.diversions {
		aud := union(c.audience(), d.from)
		p.emit(aud, c, func(local csta.LocalConnectionState) csta.Event {
			return &csta.DivertedEvent{
				Connection:            csta.Connection(c.id, d.from.key),
				DivertingDevice:       csta.Known(d.from.key),
				NewDestination:        csta.Known(d.to),
				CallingDevice:         ptr(csta.Known(c.calling)),
				CalledDevice:          ptr(csta.Known(c.called)),
				LastRedirectionDevice: c.lastRedirection(),
				LocalConnectionInfo:   local,
				Cause:                 d.cause,
			}
		})
		c.redirect = d.from.key
		cause = d.cause
	}
	if r.fail != "" {
		p.fail(c, caller, r.number, r.fail)
		return
	}
	if r.line == nil && caller.line != nil {
		aud := c.audience()
		p.emit(aud, c, func(local csta.LocalConnectionState) csta.Event {
			return &csta.NetworkReachedEvent{
				OutboundConnection:    csta.Connection(c.id, r.number),
				NetworkInterfaceUsed:  csta.ExtendedDeviceID{NotKnown: true},
				CallingDevice:         csta.Known(c.calling),
				CalledDevice:          csta.Known(c.called),
				LastRedirectionDevice: c.lastRedirection(),
				LocalConnectionInfo:   local,
				Cause:                 csta.CauseNormal,
			}
		})
	}
	b := p.join(c, r.number, r.line, csta.StateAlerting)
	b.far = r.far
	p.emit(c.audience(), c, func(local csta.LocalConnectionState) csta.Event {
		return &csta.DeliveredEvent{
			Connection:            b.conn(),
			AlertingDevice:        csta.Known(b.id),
			CallingDevice:         csta.Known(c.calling),
			CalledDevice:          csta.Known(c.called),
			LastRedirectionDevice: c.lastRedirection(),
			LocalConnectionInfo:   local,
			Cause:                 cause,
		}
	})
	switch {
	case b.line != nil:
		if _, _, ok := b.line.forwardingFor(csta.ForwardNoAns, caller.line != nil); ok {
			b.noAnswerT = p.timers.after(p.cfg.NoAnswerTime, func() { p.step(func() { p.noAnswer(b) }) })
		}
	case b.far.Action == FarEndAnswer && b.far.AnswerAfter <= 0:
		p.answer(b)
	case b.far.Action == FarEndAnswer:
		b.answerT = p.timers.after(b.far.AnswerAfter, func() {
			p.step(func() {
				if b.state == csta.StateAlerting {
					p.answer(b)
				}
			})
		})
	}
}

// fail reports that c could not reach number: the caller's connection
// enters the fail state and stays there until it is cleared. A call from
// an external caller is cleared by the network at once.
func (p *PBX) fail(c *call, caller *party, number string, cause csta.EventCause) {
	if caller.line != nil {
		caller.state = csta.StateFail
	}
	p.emit(c.audience(), c, func(local csta.LocalConnectionState) csta.Event {
		return &csta.FailedEvent{
			FailedConnection:      caller.conn(),
			FailingDevice:         csta.Known(number),
			CallingDevice:         csta.Known(c.calling),
			CalledDevice:          csta.Known(c.called),
			LastRedirectionDevice: c.lastRedirection(),
			LocalConnectionInfo:   local,
			Cause:                 cause,
		}
	})
	if caller.line == nil {
		p.teardown(c, nil, csta.CauseNormalClearing)
	}
}

// noAnswer forwards a call that alerted at b's line for the no-answer
// time. When the forwarding destination cannot take the call, b keeps
// alerting.
func (p *PBX) noAnswer(b *party) {
	b.noAnswerT = nil
	c := b.call
	if b.state != csta.StateAlerting || b.line == nil {
		return
	}
	internal := false
	if caller := c.party(c.calling); caller != nil {
		internal = caller.line != nil
	}
	to, cause, ok := b.line.forwardingFor(csta.ForwardNoAns, internal)
	if !ok {
		return
	}
	r := p.route(c, to, internal)
	if r.fail != "" {
		return
	}
	r.diversions = append([]diversion{{from: b.line, to: to, cause: cause}}, r.diversions...)
	caller := c.party(c.calling)
	if caller == nil && len(c.parties) > 0 {
		caller = c.parties[0]
	}
	p.leave(b)
	p.offer(c, caller, r, cause)
}

// answer connects an alerting party: EstablishedEvent. A far end that
// hangs up after a while gets its timer.
func (p *PBX) answer(b *party) {
	c := b.call
	p.timers.stop(b.answerT)
	p.timers.stop(b.noAnswerT)
	b.answerT, b.noAnswerT = nil, nil
	b.state = csta.StateConnected
	p.emit(c.audience(), c, func(local csta.LocalConnectionState) csta.Event {
		return &csta.EstablishedEvent{
			EstablishedConnection: b.conn(),
			AnsweringDevice:       csta.Known(b.id),
			CallingDevice:         csta.Known(c.calling),
			CalledDevice:          csta.Known(c.called),
			LastRedirectionDevice: c.lastRedirection(),
			LocalConnectionInfo:   local,
			Cause:                 csta.CauseNormal,
		}
	})
	if b.line == nil && b.far.HangUpAfter > 0 {
		b.hangupT = p.timers.after(b.far.HangUpAfter, func() {
			p.step(func() {
				if b.state != csta.StateNull {
					p.clear(b, csta.CauseNormalClearing)
				}
			})
		})
	}
}

// clear releases pt from its call: ConnectionClearedEvent. When fewer than
// two parties would be left, the whole call ends (see teardown).
func (p *PBX) clear(pt *party, cause csta.EventCause) {
	c := pt.call
	if len(c.parties) <= 2 {
		p.teardown(c, pt, cause)
		return
	}
	aud := c.audience()
	p.leave(pt)
	p.emit(aud, c, connectionCleared(pt, cause))
}

// teardown ends call c: first releases first (when not nil), then every
// other party, each with a ConnectionClearedEvent, then CallClearedEvent.
// Every line that was in the call hears all of it.
func (p *PBX) teardown(c *call, first *party, cause csta.EventCause) {
	aud := c.audience()
	order := c.parties
	if first != nil {
		order = append([]*party{first}, c.others(first)...)
	}
	for _, pt := range slices.Clone(order) {
		p.leave(pt)
		p.emit(aud, c, connectionCleared(pt, cause))
	}
	p.emit(aud, c, func(csta.LocalConnectionState) csta.Event {
		return &csta.CallClearedEvent{ClearedCall: csta.ConnectionID{CallID: c.id}, Cause: cause}
	})
	delete(p.calls, c.id)
	p.endCallMonitors(c)
}

func connectionCleared(pt *party, cause csta.EventCause) func(csta.LocalConnectionState) csta.Event {
	conn := pt.conn()
	return func(local csta.LocalConnectionState) csta.Event {
		return &csta.ConnectionClearedEvent{
			DroppedConnection:   conn,
			ReleasingDevice:     csta.Known(pt.id),
			LocalConnectionInfo: local,
			Cause:               cause,
		}
	}
}

// hold puts pt's connection on hold: HeldEvent.
func (p *PBX) hold(pt *party, cause csta.EventCause) {
	pt.state = csta.StateHold
	p.emit(pt.call.audience(), pt.call, func(local csta.LocalConnectionState) csta.Event {
		return &csta.HeldEvent{HeldConnection: pt.conn(), HoldingDevice: csta.Known(pt.id), LocalConnectionInfo: local, Cause: cause}
	})
}

// retrieve takes pt's held connection back: RetrievedEvent.
func (p *PBX) retrieve(pt *party, cause csta.EventCause) {
	pt.state = csta.StateConnected
	p.emit(pt.call.audience(), pt.call, func(local csta.LocalConnectionState) csta.Event {
		return &csta.RetrievedEvent{RetrievedConnection: pt.conn(), RetrievingDevice: csta.Known(pt.id), LocalConnectionInfo: local, Cause: cause}
	})
}

// merge moves every party of from except skip into into, deletes from and
// returns the connection list of the result: each party of into with the
// connection it had before.
func (p *PBX) merge(into, from *call, skip *party) []csta.ConnectionListItem {
	old := make(map[*party]csta.ConnectionID, len(into.parties)+len(from.parties))
	for _, pt := range into.parties {
		old[pt] = pt.conn()
	}
	for _, pt := range from.parties {
		if pt == skip {
			continue
		}
		old[pt] = pt.conn()
		pt.call = into
		into.parties = append(into.parties, pt)
	}
	from.parties = nil
	for _, m := range from.monitors {
		if m.call == from {
			m.call = into
		}
		if !slices.Contains(into.monitors, m) {
			into.monitors = append(into.monitors, m)
		}
	}
	from.monitors = nil
	delete(p.calls, from.id)
	items := make([]csta.ConnectionListItem, 0, len(into.parties))
	for _, pt := range into.parties {
		oc := old[pt]
		items = append(items, csta.ConnectionListItem{
			NewConnection: ptr(pt.conn()),
			OldConnection: &oc,
			Endpoint:      ptr(csta.Known(pt.id)),
		})
	}
	return items
}

func ptr[T any](v T) *T { return &v }

// decorate fills in the fields of a call event that real PBXs send, where
// the call model has them and the event has none yet:
// networkCallingDevice and networkCalledDevice for a call to or from the
// network (an external party), callLinkageData (the call's global
// linkage ID), servicesPermitted (what the monitored line may do next in
// the call, from its local connection state) and correlatorData (of the
// MakeCall or ConsultationCall that made the call).
func (p *PBX) decorate(ev csta.Event, c *call, local csta.LocalConnectionState) csta.Event {
	var (
		corr                  *string
		perm, link            *csta.RawXML
		netCalling, netCalled **csta.ExtendedDeviceID
	)
	switch e := ev.(type) {
	case *csta.ServiceInitiatedEvent:
		corr, perm, link, netCalling, netCalled = &e.CorrelatorData, &e.ServicesPermitted, &e.CallLinkageData, &e.NetworkCallingDevice, &e.NetworkCalledDevice
	case *csta.OriginatedEvent:
		corr, perm, link, netCalling, netCalled = &e.CorrelatorData, &e.ServicesPermitted, &e.CallLinkageData, &e.NetworkCallingDevice, &e.NetworkCalledDevice
	case *csta.DeliveredEvent:
		corr, perm, link, netCalling, netCalled = &e.CorrelatorData, &e.ServicesPermitted, &e.CallLinkageData, &e.NetworkCallingDevice, &e.NetworkCalledDevice
	case *csta.EstablishedEvent:
		corr, perm, link, netCalling, netCalled = &e.CorrelatorData, &e.ServicesPermitted, &e.CallLinkageData, &e.NetworkCallingDevice, &e.NetworkCalledDevice
	case *csta.FailedEvent:
		corr, perm, link, netCalling, netCalled = &e.CorrelatorData, &e.ServicesPermitted, &e.CallLinkageData, &e.NetworkCallingDevice, &e.NetworkCalledDevice
	case *csta.DivertedEvent:
		corr, perm, link, netCalling, netCalled = &e.CorrelatorData, &e.ServicesPermitted, &e.CallLinkageData, &e.NetworkCallingDevice, &e.NetworkCalledDevice
	case *csta.NetworkReachedEvent:
		corr, perm, link, netCalling, netCalled = &e.CorrelatorData, &e.ServicesPermitted, &e.CallLinkageData, &e.NetworkCallingDevice, &e.NetworkCalledDevice
	case *csta.ConnectionClearedEvent:
		corr, perm, link = &e.CorrelatorData, &e.ServicesPermitted, &e.CallLinkageData
	case *csta.HeldEvent:
		corr, perm, link = &e.CorrelatorData, &e.ServicesPermitted, &e.CallLinkageData
	case *csta.RetrievedEvent:
		corr, perm, link = &e.CorrelatorData, &e.ServicesPermitted, &e.CallLinkageData
	case *csta.TransferredEvent:
		corr, perm = &e.CorrelatorData, &e.ServicesPermitted
	case *csta.ConferencedEvent:
		corr, perm = &e.CorrelatorData, &e.ServicesPermitted
	case *csta.CallClearedEvent:
		corr, link = &e.CorrelatorData, &e.CallLinkageData
	default:
		return ev
	}
	if corr != nil && *corr == "" {
		*corr = c.correlator
	}
	if perm != nil && *perm == "" {
		*perm = servicesPermitted(local)
	}
	if link != nil && *link == "" {
		*link = c.linkage()
	}
	if netCalling != nil && netCalled != nil && *netCalling == nil && *netCalled == nil {
		*netCalling, *netCalled = p.network(c)
	}
	return ev
}

// network returns c's networkCallingDevice and networkCalledDevice: its
// calling and called numbers when either is an external party, else nil.
// They are made once per calling and called pair and shared by the
// call's events, which nobody modifies.
func (p *PBX) network(c *call) (calling, called *csta.ExtendedDeviceID) {
	if c.netCalling != nil && c.netCalling.String() == c.calling && c.netCalled.String() == c.called {
		return c.netCalling, c.netCalled
	}
	if p.lookupLine(c.calling) != nil && p.lookupLine(c.called) != nil {
		return nil, nil
	}
	c.netCalling, c.netCalled = ptr(csta.Known(c.calling)), ptr(csta.Known(c.called))
	return c.netCalling, c.netCalled
}

// linkage returns c's callLinkageData: a globally unique call linkage ID
// made of the call's sequence number, kept while the call lives (a
// transfer or conference keeps the held call's).
func (c *call) linkage() csta.RawXML {
	if c.link == "" {
		c.link = csta.RawXML(fmt.Sprintf("<callLinkageData><globalCallData><globalCallLinkageID>"+
			"<globallyUniqueCallLinkageID>%016x</globallyUniqueCallLinkageID>"+
			"</globalCallLinkageID></globalCallData></callLinkageData>", c.seq))
	}
	return c.link
}

// servicesPermitted returns the servicesPermitted of a line whose
// connection to a call is in state local: the services of the PBX that
// apply to a connection in that state. Nothing for the null state or a
// callObject monitor's events (local empty).
func servicesPermitted(local csta.LocalConnectionState) csta.RawXML {
	return permitted[local]
}

// permitted is servicesPermitted for each state, written once.
var permitted = func() map[csta.LocalConnectionState]csta.RawXML {
	build := func(cc, ca []string) csta.RawXML {
		var b strings.Builder
		b.WriteString("<servicesPermitted><callControlServices>")
		for _, s := range cc {
			b.WriteString("<" + s + ">true</" + s + ">")
		}
		b.WriteString("</callControlServices>")
		if len(ca) > 0 {
			b.WriteString("<callAssociatedServices>")
			for _, s := range ca {
				b.WriteString("<" + s + ">true</" + s + ">")
			}
			b.WriteString("</callAssociatedServices>")
		}
		b.WriteString("</servicesPermitted>")
		return csta.RawXML(b.String())
	}
	clearOnly := build([]string{"clearConnection"}, nil)
	return map[csta.LocalConnectionState]csta.RawXML{
		csta.StateInitiated: clearOnly,
		csta.StateFail:      clearOnly,
		csta.StateAlerting:  build([]string{"answerCall", "clearConnection", "deflectCall"}, nil),
		csta.StateConnected: build([]string{"clearConnection", "consultationCall", "holdCall", "singleStepTransfer"}, []string{"generateDigits"}),
		csta.StateHold:      build([]string{"clearConnection", "retrieveCall"}, nil),
	}
}()
