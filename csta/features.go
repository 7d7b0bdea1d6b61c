package csta

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// CapabilityDetail is one refinement of a capability in
// GetCSTAFeaturesResponse, a boolean child element such as
// <autoOriginateDoNotPrompt>true</autoOriginateDoNotPrompt> inside
// <makeCall>.
type CapabilityDetail struct {
	Name  string
	Value bool
}

// Capability is one supported service or event: an element of one of the
// schema's capability lists (List, for example "callControlServList"), whose
// presence means "supported" and whose boolean children refine it.
type Capability struct {
	// List is the capability list element the capability belongs to.
	List string
	// Name is the capability element, for example "makeCall".
	Name string
	// Details are the capability's boolean children, in order.
	Details []CapabilityDetail
}

// Detail returns the value of the named detail, and whether c has it.
func (c Capability) Detail(name string) (value, ok bool) {
	for _, d := range c.Details {
		if d.Name == name {
			return d.Value, true
		}
	}
	return false, false
}

// ServiceCapability returns the capability of a service, for example
// ServiceCapability("makeCall", CapabilityDetail{"autoOriginateDoNotPrompt", true}),
// with its list looked up in the schema. A name the schema does not list
// gets no List, and a message carrying it cannot be encoded; build such a
// Capability with its List set.
func ServiceCapability(name string, details ...CapabilityDetail) Capability {
	return Capability{List: serviceLists.listOf(name), Name: name, Details: details}
}

// EventCapability returns the capability of an event, for example EventCapability("delivered"),
// with its list looked up in the schema. Event names are those of the
// capability lists ("transferred", "netwReached"), not the event messages.
func EventCapability(name string, details ...CapabilityDetail) Capability {
	return Capability{List: eventLists.listOf(name), Name: name, Details: details}
}

// CapabilityName returns the name of the capability that stands for a
// request or an event in GetCSTAFeaturesResponse: "makeCall" for
// MakeCall, "singleStepTransfer" for SingleStepTransferCall,
// "transferred" for TransferredEvent, "netwReached" for
// NetworkReachedEvent. ok is false for a message that has none (a
// response, an ACSE message, Unknown).
func CapabilityName(m Message) (name string, ok bool) {
	if m == nil {
		return "", false
	}
	name, ok = capabilityNames()[m.MessageName()]
	return name, ok
}

// capabilityNames maps the name of every registered request and event to
// its capability; built once.
var capabilityNames = sync.OnceValue(func() map[string]string {
	out := make(map[string]string)
	for msg, f := range registry {
		if name, ok := capabilityNameOf(f(), msg); ok {
			out[msg] = name
		}
	}
	return out
})

// capabilityNameOf works out the capability of message m named msg.
func capabilityNameOf(m Message, msg string) (string, bool) {
	switch m.(type) {
	case Event:
		if n, ok := eventCapabilityNames[msg]; ok {
			return n, true
		}
		name := lowerFirst(strings.TrimSuffix(msg, "Event"))
		return name, eventLists.listOf(name) != ""
	case Request:
		if msg == "SingleStepTransferCall" {
			return "singleStepTransfer", true
		}
		name := lowerFirst(msg)
		return name, serviceLists.listOf(name) != ""
	}
	return "", false
}

// eventCapabilityNames are the events whose capability is not named after
// the event message.
var eventCapabilityNames = map[string]string{
	"TransferedEvent":     "transferred",
	"NetworkReachedEvent": "netwReached",
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// CapabilitySet is a set of capabilities, one per name, kept in schema order
// (known lists and names in the schema's order, others after them by name)
// so that it encodes deterministically and compares equal however it was
// built. The zero value is an empty set. A CapabilitySet shares its storage
// when copied; use Clone for an independent copy.
type CapabilitySet struct {
	caps []Capability
}

// Capabilities returns the set as a list, in schema order.
func Capabilities(caps ...Capability) CapabilitySet {
	var s CapabilitySet
	s.Add(caps...)
	return s
}

// Len returns the number of capabilities in s.
func (s CapabilitySet) Len() int { return len(s.caps) }

// All returns a copy of the capabilities in s, in schema order.
func (s CapabilitySet) All() []Capability { return s.Clone().caps }

// Clone returns an independent copy of s.
func (s CapabilitySet) Clone() CapabilitySet {
	if s.caps == nil {
		return CapabilitySet{}
	}
	out := make([]Capability, len(s.caps))
	for i, c := range s.caps {
		c.Details = slices.Clone(c.Details)
		out[i] = c
	}
	return CapabilitySet{caps: out}
}

// Names returns the names of the capabilities in s, in schema order.
func (s CapabilitySet) Names() []string {
	out := make([]string, len(s.caps))
	for i, c := range s.caps {
		out[i] = c.Name
	}
	return out
}

// Supports reports whether s has a capability with the given name.
func (s CapabilitySet) Supports(name string) bool {
	_, ok := s.Get(name)
	return ok
}

// Get returns the capability with the given name.
func (s CapabilitySet) Get(name string) (Capability, bool) {
	for _, c := range s.caps {
		if c.Name == name {
			return c, true
		}
	}
	return Capability{}, false
}

// Add adds capabilities to s, replacing any with the same name.
func (s *CapabilitySet) Add(caps ...Capability) {
	for _, c := range caps {
		c.Details = slices.Clone(c.Details)
		if i := s.index(c.Name); i >= 0 {
			s.caps = slices.Delete(s.caps, i, i+1)
		}
		i, _ := slices.BinarySearchFunc(s.caps, c, compareCapabilities)
		s.caps = slices.Insert(s.caps, i, c)
	}
}

// Remove removes the named capabilities from s.
func (s *CapabilitySet) Remove(names ...string) {
	s.caps = slices.DeleteFunc(s.caps, func(c Capability) bool { return slices.Contains(names, c.Name) })
}

func (s CapabilitySet) index(name string) int {
	return slices.IndexFunc(s.caps, func(c Capability) bool { return c.Name == name })
}

// Intersect returns the capabilities both s and o have, with s's list. A
// detail is kept when both have it, with the value true only when both say
// true; details only one side lists are dropped.
func (s CapabilitySet) Intersect(o CapabilitySet) CapabilitySet {
	var out CapabilitySet
	for _, c := range s.caps {
		oc, ok := o.Get(c.Name)
		if !ok {
			continue
		}
		var details []CapabilityDetail
		for _, d := range c.Details {
			if ov, ok := oc.Detail(d.Name); ok {
				details = append(details, CapabilityDetail{Name: d.Name, Value: d.Value && ov})
			}
		}
		c.Details = details
		out.caps = append(out.caps, c)
	}
	return out
}

// Features is the capability data of GetCSTAFeaturesResponse: the
// supported services and the supported events.
type Features struct {
	Services CapabilitySet
	Events   CapabilitySet
}

// Intersect returns the services and events both f and o support; see
// CapabilitySet.Intersect.
func (f Features) Intersect(o Features) Features {
	return Features{Services: f.Services.Intersect(o.Services), Events: f.Events.Intersect(o.Events)}
}

// RCCFeatures returns the services and events a remote call control
// gateway for Office Communicator advertises: system status, monitoring,
// device snapshot, call control (answer, clear, conference, consultation,
// deflect, hold, make call without prompting, retrieve, single step
// transfer, transfer), digit generation, do-not-disturb and forwarding,
// and the matching call control and logical events.
func RCCFeatures() Features {
	var f Features
	f.Services.Add(
		ServiceCapability("requestSystemStatus", CapabilityDetail{"systemStatusNormal", true}),
		ServiceCapability("systemStatus"),
		ServiceCapability("monitorStart", CapabilityDetail{"monitorObjectDevice", true}),
		ServiceCapability("monitorStop"),
		ServiceCapability("snapshotDevice"),
		ServiceCapability("answerCall"),
		ServiceCapability("clearConnection"),
		ServiceCapability("conferenceCall"),
		ServiceCapability("consultationCall"),
		ServiceCapability("deflectCall"),
		ServiceCapability("holdCall"),
		ServiceCapability("makeCall", CapabilityDetail{"autoOriginateDoNotPrompt", true}),
		ServiceCapability("retrieveCall"),
		ServiceCapability("singleStepTransfer"),
		ServiceCapability("transferCall"),
		ServiceCapability("generateDigits"),
		ServiceCapability("getDoNotDisturb"),
		ServiceCapability("getForwarding"),
		ServiceCapability("setDoNotDisturb"),
		ServiceCapability("setForwarding"),
	)
	f.Events.Add(
		EventCapability("conferenced"),
		EventCapability("connectionCleared"),
		EventCapability("delivered"),
		EventCapability("diverted"),
		EventCapability("established"),
		EventCapability("failed"),
		EventCapability("held"),
		EventCapability("originated"),
		EventCapability("retrieved"),
		EventCapability("serviceInitiated"),
		EventCapability("transferred"),
		EventCapability("doNotDisturb"),
		EventCapability("forwarding"),
	)
	return f
}

// codec encodes or decodes the set as the element name
// ("supportedServices" or "supportedEvents"), written only when the set is
// not empty.
func (s *CapabilitySet) codec(c *fieldCodec, name string) {
	switch c.mode {
	case encoding:
		if len(s.caps) == 0 {
			return
		}
		c.w.open(name)
		for i := 0; i < len(s.caps); {
			list := s.caps[i].List
			if !validName(list) {
				c.w.fail(s.caps[i].Name, "capability list "+strconv.Quote(list)+" is not an element name")
				return
			}
			c.w.open(list)
			for ; i < len(s.caps) && s.caps[i].List == list; i++ {
				writeCapability(c.w, s.caps[i])
			}
			c.w.close(list)
		}
		c.w.close(name)
	case decoding:
		ch := c.child(name)
		if ch == nil {
			return
		}
		var lists []*element
		n := 0
		for _, lt := range ch.Child {
			if l, ok := asElement(lt); ok {
				lists = append(lists, l)
				n += len(l.Child)
			}
		}
		s.caps = make([]Capability, 0, n)
		ranks := make([]capabilityRank, 0, n)
		// Peers send a few dozen capabilities; a map pays off only for
		// many more.
		var seen map[string]bool
		if n > 64 {
			seen = make(map[string]bool, n)
		}
		for _, l := range lists {
			info, known := capabilityIndex[l.Tag]
			for _, it := range l.Child {
				item, ok := asElement(it)
				if !ok {
					continue
				}
				if seen != nil {
					if seen[item.Tag] {
						continue
					}
					seen[item.Tag] = true
				} else if s.index(item.Tag) >= 0 {
					continue
				}
				cp := Capability{List: l.Tag, Name: item.Tag}
				for _, dt := range item.Child {
					d, ok := asElement(dt)
					if !ok {
						continue
					}
					// Details that are not booleans are not capability
					// details; they are left out.
					if v, err := d.boolean(); err == nil {
						cp.Details = append(cp.Details, CapabilityDetail{Name: d.Tag, Value: v})
					}
				}
				r := capabilityRank{list: unranked, item: unranked}
				if known {
					r.list = info.rank
					if j, ok := info.items[item.Tag]; ok {
						r.item = j
					}
				}
				s.caps = append(s.caps, cp)
				ranks = append(ranks, r)
			}
		}
		if len(s.caps) == 0 {
			s.caps = nil
			return
		}
		// Input usually comes in schema order already.
		byRank := rankedCapabilities{s.caps, ranks}
		if !sort.IsSorted(byRank) {
			sort.Sort(byRank)
		}
	}
}

// capabilityRank is the position of a capability's list and of the
// capability within it in the schema, or unranked.
type capabilityRank struct{ list, item int }

// rankedCapabilities sorts capabilities by precomputed ranks, in the order
// compareCapabilities defines.
type rankedCapabilities struct {
	caps  []Capability
	ranks []capabilityRank
}

func (r rankedCapabilities) Len() int { return len(r.caps) }

func (r rankedCapabilities) Swap(i, j int) {
	r.caps[i], r.caps[j] = r.caps[j], r.caps[i]
	r.ranks[i], r.ranks[j] = r.ranks[j], r.ranks[i]
}

func (r rankedCapabilities) Less(i, j int) bool {
	a, b := r.ranks[i], r.ranks[j]
	if a.list != b.list {
		return a.list < b.list
	}
	ca, cb := &r.caps[i], &r.caps[j]
	if ca.List != cb.List {
		return ca.List < cb.List
	}
	if a.item != b.item {
		return a.item < b.item
	}
	return ca.Name < cb.Name
}

func writeCapability(w *writer, c Capability) {
	if !validName(c.Name) {
		w.fail("", "capability "+strconv.Quote(c.Name)+" is not an element name")
		return
	}
	if len(c.Details) == 0 {
		w.empty(c.Name)
		return
	}
	w.open(c.Name)
	for _, d := range c.Details {
		if !validName(d.Name) {
			w.fail("", "capability detail "+strconv.Quote(d.Name)+" is not an element name")
			return
		}
		w.boolean(d.Name, d.Value)
	}
	w.close(c.Name)
}

// compareCapabilities orders capabilities by list, then name: the schema's
// order first, then others by name.
func compareCapabilities(a, b Capability) int {
	ra, rb := listRank(a.List), listRank(b.List)
	if ra != rb {
		return ra - rb
	}
	if a.List != b.List {
		return strings.Compare(a.List, b.List)
	}
	ia, ib := itemRank(a.List, a.Name), itemRank(b.List, b.Name)
	if ia != ib {
		return ia - ib
	}
	return strings.Compare(a.Name, b.Name)
}

const unranked = 1 << 20

func listRank(list string) int {
	if info, ok := capabilityIndex[list]; ok {
		return info.rank
	}
	return unranked
}

func itemRank(list, name string) int {
	if r, ok := capabilityIndex[list].items[name]; ok {
		return r
	}
	return unranked
}

// listInfo is the schema position of a capability list and of its items.
type listInfo struct {
	rank  int
	items map[string]int
}

// capabilityIndex indexes the schema's capability lists and their items,
// for sorting. It is built once and never written afterwards.
var capabilityIndex = buildCapabilityIndex()

func buildCapabilityIndex() map[string]listInfo {
	index := map[string]listInfo{}
	for base, tables := range []capabilityLists{serviceLists, eventLists} {
		for i, l := range tables {
			info := listInfo{rank: base*100 + i, items: make(map[string]int, len(l.items))}
			for j, name := range l.items {
				info.items[name] = j
			}
			index[l.list] = info
		}
	}
	return index
}

// capabilityLists is the schema's vocabulary of capability lists, in the
// order the schema writes them, each with its items in order.
type capabilityLists []capabilityList

type capabilityList struct {
	list  string
	items []string
}

func (t capabilityLists) listOf(name string) string {
	for _, l := range t {
		if slices.Contains(l.items, name) {
			return l.list
		}
	}
	return ""
}

// serviceLists and eventLists are the capability lists of ECMA-323's
// supportedServices and supportedEvents. They are never written after
// initialisation.
var serviceLists = capabilityLists{
	{"capExchangeServList", []string{"getCSTAFeatures", "getLogicalDeviceInformation",
		"getPhysicalDeviceInformation", "getSwitchingFunctionCaps", "getSwitchingFunctionDevices",
		"switchingFunctionDevices"}},
	{"systemStatServList", []string{"changeSystemStatusFilter", "systemRegister",
		"systemStatusRegisterAbort", "systemStatusRegisterCancel", "requestSystemStatus",
		"systemStatus", "swFunctionCapsChanged", "swFunctionDevicesChanged", "getRegistrations",
		"registrationInfo"}},
	{"monitoringServList", []string{"changeMonitorFilter", "monitorStart", "monitorStop",
		"getMonitors", "monitorInfo"}},
	{"snapshotServList", []string{"snapshotCall", "snapshotDevice", "snapshotCallData",
		"snapshotDeviceData"}},
	{"callControlServList", []string{"acceptCall", "alternateCall", "answerCall", "callBack",
		"callBackMessage", "campOnCall", "clearCall", "clearConnection", "conferenceCall",
		"consultationCall", "deflectCall", "dialDigits", "directedPickupCall", "groupPickupCall",
		"holdCall", "intrudeCall", "joinCall", "makeCall", "makeConnection", "makePredictiveCall",
		"parkCall", "reconnectCall", "retrieveCall", "sendMessage", "singleStepConference",
		"singleStepTransfer", "transferCall"}},
	{"callAssociatedServList", []string{"associateData", "cancelTelephonyTones",
		"changeConnectionInformation", "generateDigits", "generateTelephonyTones",
		"sendUserInformation"}},
	{"mediaServList", []string{"attachMediaService", "detachMediaService"}},
	{"routeingServList", []string{"routeRegister", "routeRegisterCancel", "routeRegisterAbort",
		"reRoute", "routeEnd", "routeReject", "routeRequest", "routeSelect", "routeUsed"}},
	{"physDevServList", nil},
	{"logicalServList", []string{"callBackNonCallRel", "callBackMsgNonCallRel", "cancelCallBack",
		"cancelCallBackMsg", "getAgentState", "getAutoAnswer", "getAutoWorkMode",
		"getCallerIDStatus", "getCallBack", "getDoNotDisturb", "getForwarding",
		"getLastNumberDialed", "getPresenceState", "getRouteingMode", "setAgentState",
		"setAutoAnswer", "setAutoWorkMode", "setCallerIDStatus", "setDoNotDisturb",
		"setForwarding", "setPresenceState", "setRouteingMode"}},
}

var eventLists = capabilityLists{
	{"callControlEvtsList", []string{"bridged", "callCleared", "conferenced", "connectionCleared",
		"delivered", "digitsDialed", "diverted", "established", "failed", "held",
		"netwCapsChanged", "netwReached", "offered", "originated", "queued", "retrieved",
		"serviceInitiated", "transferred"}},
	{"callAssociatedEvtsList", []string{"callInformation", "charging", "digitsGenerated",
		"telephonyTonesGenerated", "serviceCompletionFailure"}},
	{"mediaEvtsList", []string{"mediaAttached", "mediaDetached"}},
	{"physDevEvtsList", nil},
	{"logicalEvtsList", []string{"agentBusy", "agentLoggedOff", "agentLoggedOn", "agentNotReady",
		"agentReady", "agentWorkingAfterCall", "autoAnswer", "autoWorkMode", "callBack",
		"callBackMessage", "callerIDStatus", "doNotDisturb", "forwarding", "presenceState",
		"routeingMode"}},
	{"deviceMaintEvtsList", []string{"backInService", "deviceCapsChanged", "outOfService",
		"partiallyInService"}},
}
