package ctitest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
)

// RuleAction is what a Rule does to the requests it matches.
type RuleAction uint8

// The actions of a rule.
const (
	// RuleAnswer answers the request with Rule.Answer instead of carrying
	// it out: no state changes, no events.
	RuleAnswer RuleAction = iota + 1
	// RuleDelay carries the request out (its events are sent at once)
	// and sends its answer Rule.Delay late.
	RuleDelay
	// RuleDrop carries the request out and sends no answer.
	RuleDrop
)

// String returns the action's name as the fakecti control plane writes
// it: answer, delay or drop.
func (a RuleAction) String() string {
	switch a {
	case RuleAnswer:
		return "answer"
	case RuleDelay:
		return "delay"
	case RuleDrop:
		return "drop"
	}
	return "RuleAction(?)"
}

// ParseRuleAction returns the action a name from RuleAction.String names.
func ParseRuleAction(s string) (RuleAction, bool) {
	for a := RuleAnswer; a <= RuleDrop; a++ {
		if a.String() == s {
			return a, true
		}
	}
	return 0, false
}

// Rule scripts the answers to some requests: a canned answer, a delayed
// answer or none, for the requests with a root element name (and,
// optionally, a namespace and an endpoint), for the next Count matches or
// for a time. Rules apply to every well-formed request, known to the codec
// or not (a vendor request in a vendor namespace too), session requests
// and heartbeats included; not to frames that do not decode. When several
// rules match, the oldest wins. A stalled endpoint (Server.Stall) answers
// nothing, rules or not; for a request a rule takes, the rule's delay or
// drop replaces the endpoint's (Server.DelayResponses, DropResponses).
type Rule struct {
	// Name is the local name of the request's root element, for example
	// "MakeCall" or "GetDeviceId". Required.
	Name string
	// Namespace, when not empty, restricts the rule to requests in this
	// XML namespace; "-" matches requests without a namespace.
	Namespace string
	// Endpoint, when not empty, restricts the rule to the named endpoint.
	Endpoint string
	// Action is what the rule does.
	Action RuleAction
	// Answer is the XML document RuleAnswer sends, framed with the
	// request's invoke ID, as it is (namespace and all).
	Answer []byte
	// Delay is how late RuleDelay sends the answer; with RuleAnswer it
	// delays the canned answer. Not negative.
	Delay time.Duration
	// Count is how many requests the rule takes before it is removed;
	// 0 is no limit.
	Count int
	// For is how long the rule lasts after it is added; 0 is until it is
	// removed.
	For time.Duration
}

// RuleInfo is a rule as the PBX holds it.
type RuleInfo struct {
	Rule
	// ID identifies the rule for RemoveRule.
	ID int
	// Matched counts the requests the rule took.
	Matched int
	// Expires is when a rule with For set ends; zero otherwise.
	Expires time.Time
}

// activeRule is a rule in force.
type activeRule struct {
	RuleInfo
}

func (r *activeRule) expired(now time.Time) bool {
	return r.Count > 0 && r.Matched >= r.Count || !r.Expires.IsZero() && !now.Before(r.Expires)
}

// AddRule adds a rule and returns its ID. The error reports a rule that
// names no request, has an unknown action, a negative delay, count or
// lifetime, or (RuleAnswer) an answer that is not one XML element.
func (p *PBX) AddRule(r Rule) (int, error) {
	switch {
	case r.Name == "":
		return 0, errors.New("ctitest: rule: no request name")
	case r.Action < RuleAnswer || r.Action > RuleDrop:
		return 0, fmt.Errorf("ctitest: rule: unknown action %d", r.Action)
	case r.Delay < 0 || r.Count < 0 || r.For < 0:
		return 0, errors.New("ctitest: rule: negative delay, count or lifetime")
	case r.Action == RuleDelay && r.Delay == 0:
		return 0, errors.New("ctitest: rule: delay without a delay")
	}
	if r.Action == RuleAnswer {
		if err := checkDocument(r.Answer); err != nil {
			return 0, fmt.Errorf("ctitest: rule: answer: %w", err)
		}
		r.Answer = slices.Clone(r.Answer)
	} else {
		r.Answer = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, ErrClosed
	}
	p.seq.rule++
	ar := &activeRule{RuleInfo{Rule: r, ID: int(p.seq.rule)}}
	if r.For > 0 {
		ar.Expires = time.Now().Add(r.For)
	}
	p.rules = append(p.rules, ar)
	return ar.ID, nil
}

// checkDocument checks that b is one well-formed XML element.
func checkDocument(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	roots := 0
	depth := 0
	for range len(b) + 1 {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 {
		return fmt.Errorf("want one root element, got %d", roots)
	}
	return nil
}

// RemoveRule removes a rule and reports whether it was in force.
func (p *PBX) RemoveRule(id int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.rules)
	p.rules = slices.DeleteFunc(p.rules, func(r *activeRule) bool { return r.ID == id })
	return len(p.rules) < n
}

// ClearRules removes every rule.
func (p *PBX) ClearRules() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
}

// Rules returns the rules in force, oldest first.
func (p *PBX) Rules() []RuleInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	out := make([]RuleInfo, 0, len(p.rules))
	for _, r := range p.rules {
		if !r.expired(now) {
			ri := r.RuleInfo
			ri.Answer = slices.Clone(ri.Answer)
			out = append(out, ri)
		}
	}
	return out
}

// ruleMatch is the rule that takes a request, or the zero value for none.
type ruleMatch struct {
	rule *activeRule
}

// matchRule returns the rule that takes request m at c's endpoint, and
// counts the match. The caller holds the PBX lock.
func (c *conn) matchRule(m csta.Message) ruleMatch {
	p := c.srv.pbx
	if len(p.rules) == 0 {
		return ruleMatch{}
	}
	now := time.Now()
	p.rules = slices.DeleteFunc(p.rules, func(r *activeRule) bool { return r.expired(now) })
	h := m.MessageHeader()
	for _, r := range p.rules {
		switch {
		case r.Name != m.MessageName():
		case r.Endpoint != "" && r.Endpoint != c.srv.name:
		case r.Namespace == "-" && h.Namespace != "":
		case r.Namespace != "" && r.Namespace != "-" && r.Namespace != h.Namespace:
		default:
			r.Matched++
			c.log.Debug("request taken by a rule", "rule", r.ID, "action", r.Action, "message", m.MessageName())
			return ruleMatch{rule: r}
		}
	}
	return ruleMatch{}
}

// answered sends the canned answer of a RuleAnswer rule and reports
// whether it did, in which case the request is not carried out.
func (rm ruleMatch) answered(c *conn, id int) bool {
	if rm.rule == nil || rm.rule.Action != RuleAnswer {
		return false
	}
	frame, err := framing.AppendFrame(nil, id, rm.rule.Answer)
	if err != nil {
		c.log.Warn("canned answer cannot be framed; not sent", "rule", rm.rule.ID, "err", err)
		return true
	}
	send := func() {
		if c.enqueue(outItem{raw: frame}) {
			c.srv.stats.responses.Add(1)
		}
	}
	if d := rm.rule.Delay; d > 0 {
		c.timers.after(d, send)
	} else {
		send()
	}
	return true
}

// respond sends resp as the rule says (late, or not at all), or as the
// endpoint's faults say when no rule took the request.
func (rm ruleMatch) respond(c *conn, id int, resp csta.Message, closeAfter bool) {
	if rm.rule == nil {
		c.respond(id, resp, closeAfter)
		return
	}
	switch rm.rule.Action {
	case RuleDrop:
		c.srv.stats.dropped.Add(1)
		if closeAfter {
			c.enqueue(outItem{closeAfter: true})
		}
	case RuleDelay:
		it := outItem{id: id, msg: resp, closeAfter: closeAfter}
		c.timers.after(rm.rule.Delay, func() { c.enqueue(it) })
	default:
		c.respond(id, resp, closeAfter)
	}
}

// EventTarget is where an injected event goes: a client connection (by
// its number, as in RequestRecord.Conn and ConnInfo.ID) or a monitor (by
// its monitorCrossRefID). Exactly one must be set.
type EventTarget struct {
	Conn    uint64
	Monitor csta.MonitorCrossRefID
}

// InjectEvent sends ev to a client as the PBX would send an event, with
// invoke ID 9999, and records it in the event log. To a monitor, the
// event gets the monitor's monitorCrossRefID and namespace (those of its
// MonitorStart); to a connection it is sent as it is. The PBX's state does
// not change: the event may describe anything.
func (p *PBX) InjectEvent(to EventTarget, ev csta.Event) error {
	if ev == nil {
		return errors.New("ctitest: inject: no event")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	c, m, err := p.target(to)
	if err != nil {
		return err
	}
	var line string
	if m != nil {
		ev.SetCrossRefID(m.id)
		*ev.MessageHeader() = m.hdr
		line = m.lineKey()
	}
	if _, err := csta.Encode(ev); err != nil {
		return fmt.Errorf("ctitest: inject: %w", err)
	}
	sent := c.sendEvent(ev)
	p.seq.event++
	p.evs.add(EventRecord{
		Seq: p.seq.event, Time: time.Now(), Endpoint: c.srv.name, Conn: c.id,
		Monitor: ev.CrossRefID(), Line: line, Name: ev.MessageName(), Event: ev, Dropped: !sent,
	})
	p.notifyLocked()
	return nil
}

// InjectRaw sends body, as it is, to a client as an event frame (invoke
// ID 9999): any XML, or anything at all. To a monitor it goes to the
// monitor's connection, unchanged. It is recorded in the frame log only.
func (p *PBX) InjectRaw(to EventTarget, body []byte) error {
	frame, err := framing.AppendFrame(nil, framing.EventInvokeID, body)
	if err != nil {
		return fmt.Errorf("ctitest: inject: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	c, _, err := p.target(to)
	if err != nil {
		return err
	}
	if c.srv.stall.Load() || !c.enqueue(outItem{raw: frame}) {
		return fmt.Errorf("ctitest: inject: connection %d did not take the event", c.id)
	}
	c.srv.stats.events.Add(1)
	return nil
}

// target finds the connection (and monitor) of an event target. The
// caller holds p.mu.
func (p *PBX) target(to EventTarget) (*conn, *monitor, error) {
	switch {
	case to.Conn != 0 && to.Monitor != "":
		return nil, nil, errors.New("ctitest: inject: give a connection or a monitor, not both")
	case to.Monitor != "":
		m := p.monitors[to.Monitor]
		if m == nil {
			return nil, nil, cerr(csta.ErrInvalidMonitorCrossRefID, "no monitor %q", to.Monitor)
		}
		return m.conn, m, nil
	case to.Conn != 0:
		if c := p.findConn(to.Conn); c != nil {
			return c, nil, nil
		}
		return nil, nil, fmt.Errorf("%w: %d", ErrNoConnection, to.Conn)
	}
	return nil, nil, errors.New("ctitest: inject: no connection or monitor given")
}

// ErrNoConnection reports a connection number that names no open
// connection.
var ErrNoConnection = errors.New("ctitest: no such connection")

// findConn returns the open connection numbered id, or nil. The caller
// may hold p.mu.
func (p *PBX) findConn(id uint64) *conn {
	for _, s := range p.servers {
		s.mu.Lock()
		for c := range s.conns {
			if c.id == id {
				s.mu.Unlock()
				return c
			}
		}
		s.mu.Unlock()
	}
	return nil
}

// ConnInfo is a snapshot of one client connection.
type ConnInfo struct {
	// ID numbers the connection in the PBX (RequestRecord.Conn).
	ID uint64
	// Endpoint is the name of the endpoint it is connected to.
	Endpoint string
	// Remote is the client's address.
	Remote string
	// Monitors are the monitors it started, oldest first.
	Monitors []MonitorInfo
}

// MonitorInfo is a snapshot of one monitor.
type MonitorInfo struct {
	// ID is its monitorCrossRefID.
	ID csta.MonitorCrossRefID
	// Line is the key of the monitored line; "" for a call monitor.
	Line string
	// Call is the monitored call of a call monitor (callObject).
	Call csta.CallID
	// Type is device or call.
	Type csta.MonitorType
	// Namespace is the namespace its events are written in.
	Namespace string
	// Filter is its monitor filter, as actualMonitorFilter.
	Filter csta.RawXML
}

// Connections returns the open client connections of every endpoint,
// by number.
func (p *PBX) Connections() []ConnInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []ConnInfo
	byConn := map[*conn]int{}
	for _, s := range p.servers {
		s.mu.Lock()
		for c := range s.conns {
			byConn[c] = len(out)
			out = append(out, ConnInfo{ID: c.id, Endpoint: s.name, Remote: c.nc.RemoteAddr().String(), Monitors: []MonitorInfo{}})
		}
		s.mu.Unlock()
	}
	ms := make([]*monitor, 0, len(p.monitors))
	for _, m := range p.monitors {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *monitor) int {
		if len(a.id) != len(b.id) { // numbers: the shorter is the smaller
			return len(a.id) - len(b.id)
		}
		return strings.Compare(string(a.id), string(b.id))
	})
	for _, m := range ms {
		i, ok := byConn[m.conn]
		if !ok {
			continue
		}
		mi := MonitorInfo{ID: m.id, Line: m.lineKey(), Type: m.kind, Namespace: m.hdr.Namespace, Filter: m.filter.XML("actualMonitorFilter")}
		if m.call != nil {
			mi.Call = m.call.id
		}
		out[i].Monitors = append(out[i].Monitors, mi)
	}
	slices.SortFunc(out, func(a, b ConnInfo) int { return int(a.ID) - int(b.ID) })
	return out
}
