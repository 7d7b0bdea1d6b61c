package csta

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
)

// EventCategory is an event category of a monitor filter: the name of
// its element in requestedMonitorFilter and actualMonitorFilter.
type EventCategory string

// The event categories of ECMA-323 (MonitorFilter), in schema order.
// "maintainance" is spelt as the schema spells it.
const (
	CategoryCallControl           EventCategory = "callcontrol"
	CategoryCallAssociated        EventCategory = "callAssociated"
	CategoryMediaAttachment       EventCategory = "mediaAttachment"
	CategoryPhysicalDeviceFeature EventCategory = "physicalDeviceFeature"
	CategoryLogicalDeviceFeature  EventCategory = "logicalDeviceFeature"
	CategoryMaintenance           EventCategory = "maintainance"
	CategoryVoiceUnit             EventCategory = "voiceUnit"
	CategoryPrivate               EventCategory = "private"
)

// eventCategories lists the categories in schema order.
var eventCategories = []EventCategory{
	CategoryCallControl, CategoryCallAssociated, CategoryMediaAttachment,
	CategoryPhysicalDeviceFeature, CategoryLogicalDeviceFeature,
	CategoryMaintenance, CategoryVoiceUnit, CategoryPrivate,
}

// categoryAliases are spellings of category elements seen from clients.
var categoryAliases = map[string]EventCategory{
	"callControl": CategoryCallControl,
	"maintenance": CategoryMaintenance,
	"voice":       CategoryVoiceUnit,
}

// categoryEvents names the events of each category as the monitor filter
// writes them (the event's element name without "Event", first letter in
// lower case), for the categories whose events this package knows.
var categoryEvents = map[EventCategory][]string{
	CategoryCallControl: {
		"bridged", "callCleared", "conferenced", "connectionCleared", "delivered",
		"digitsDialed", "diverted", "established", "failed", "held",
		"networkCapabilitiesChanged", "networkReached", "offered", "originated",
		"queued", "retrieved", "serviceInitiated", "transferred",
	},
	CategoryCallAssociated: {
		"callInformation", "charging", "digitsGenerated", "telephonyTonesGenerated",
		"serviceCompletionFailure",
	},
	CategoryLogicalDeviceFeature: {
		"agentBusy", "agentLoggedOn", "agentLoggedOff", "agentNotReady", "agentReady",
		"agentWorkingAfterCall", "autoAnswer", "autoWorkMode", "callBack", "callBackMessage",
		"callerIDStatus", "doNotDisturb", "forwarding", "routeingMode",
	},
}

// eventCategory maps each event of categoryEvents to its category.
var eventCategory = func() map[string]EventCategory {
	m := make(map[string]EventCategory)
	for cat, evs := range categoryEvents {
		for _, ev := range evs {
			m[ev] = cat
		}
	}
	return m
}()

// FilterEventName returns the name a monitor filter uses for an event
// element ("DeliveredEvent" → "delivered"), and the category it belongs
// to ("" when this package does not know it).
func FilterEventName(messageName string) (string, EventCategory) {
	n := strings.TrimSuffix(messageName, "Event")
	if n == "" {
		return "", ""
	}
	n = strings.ToLower(n[:1]) + n[1:]
	if n == "transfered" { // the event as ECMA-323 spells it
		n = "transferred"
	}
	return n, eventCategory[n]
}

// MonitorFilter is a parsed requestedMonitorFilter or actualMonitorFilter
// of MonitorStart: for each event category, the events the monitor does
// not want. As ECMA-269 defines it, a filter value of true suppresses the
// event; an event not listed, or listed false, is reported. The zero
// value filters nothing.
type MonitorFilter struct {
	// Filtered maps a category to the names of its suppressed events
	// (see FilterEventName), sorted.
	Filtered map[EventCategory][]string
}

// ParseMonitorFilter reads a monitor filter element (the raw XML of
// MonitorStart.RequestedMonitorFilter or
// MonitorStartResponse.ActualMonitorFilter). An empty fragment is the
// zero filter. A category written with the text "true" and no events
// (as some clients do) suppresses every event of the category this
// package knows. Category and event elements it does not know are kept.
func ParseMonitorFilter(raw RawXML) (MonitorFilter, error) {
	var f MonitorFilter
	if strings.TrimSpace(string(raw)) == "" {
		return f, nil
	}
	var root struct {
		XMLName  xml.Name
		Children []struct {
			XMLName  xml.Name
			Text     string `xml:",chardata"`
			Children []struct {
				XMLName xml.Name
				Text    string `xml:",chardata"`
			} `xml:",any"`
		} `xml:",any"`
	}
	d := xml.NewDecoder(bytes.NewReader([]byte(stripDecl(raw))))
	if err := d.Decode(&root); err != nil {
		return f, fmt.Errorf("csta: monitor filter: %w", err)
	}
	for _, cat := range root.Children {
		name := EventCategory(cat.XMLName.Local)
		if a, ok := categoryAliases[cat.XMLName.Local]; ok {
			name = a
		}
		if len(cat.Children) == 0 {
			on, err := filterBool(cat.Text)
			if err != nil {
				return f, fmt.Errorf("csta: monitor filter %s: %w", name, err)
			}
			if on {
				for _, ev := range categoryEvents[name] {
					f.set(name, ev)
				}
			}
			continue
		}
		for _, ev := range cat.Children {
			on, err := filterBool(ev.Text)
			if err != nil {
				return f, fmt.Errorf("csta: monitor filter %s/%s: %w", name, ev.XMLName.Local, err)
			}
			if on {
				f.set(name, ev.XMLName.Local)
			}
		}
	}
	return f, nil
}

func filterBool(s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "true", "1":
		return true, nil
	case "false", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", strings.TrimSpace(s))
}

// set suppresses event ev of category cat.
func (f *MonitorFilter) set(cat EventCategory, ev string) {
	if f.Filtered == nil {
		f.Filtered = make(map[EventCategory][]string)
	}
	evs := f.Filtered[cat]
	if i, found := slices.BinarySearch(evs, ev); !found {
		f.Filtered[cat] = slices.Insert(evs, i, ev)
	}
}

// Suppress returns f with the named events (see FilterEventName) of
// category cat suppressed too.
func (f MonitorFilter) Suppress(cat EventCategory, events ...string) MonitorFilter {
	out := MonitorFilter{Filtered: make(map[EventCategory][]string, len(f.Filtered)+1)}
	for c, evs := range f.Filtered {
		out.Filtered[c] = slices.Clone(evs)
	}
	for _, ev := range events {
		out.set(cat, ev)
	}
	return out
}

// IsZero reports whether f suppresses nothing.
func (f MonitorFilter) IsZero() bool {
	for _, evs := range f.Filtered {
		if len(evs) > 0 {
			return false
		}
	}
	return true
}

// Suppresses reports whether f suppresses events with the given message
// name ("DeliveredEvent"). An event of a category this package does not
// know is looked up in every category.
func (f MonitorFilter) Suppresses(messageName string) bool {
	if len(f.Filtered) == 0 {
		return false
	}
	name, cat := FilterEventName(messageName)
	if cat != "" {
		_, found := slices.BinarySearch(f.Filtered[cat], name)
		return found
	}
	for _, evs := range f.Filtered {
		if _, found := slices.BinarySearch(evs, name); found {
			return true
		}
	}
	return false
}

// XML writes f as the element name ("requestedMonitorFilter" or
// "actualMonitorFilter"): the categories in schema order, then any other
// category in name order, each with its suppressed events set to true.
// The zero filter is an empty element.
func (f MonitorFilter) XML(name string) RawXML {
	var b strings.Builder
	b.WriteString("<" + name + ">")
	cats := slices.Clone(eventCategories)
	var extra []EventCategory
	for c := range f.Filtered {
		if !slices.Contains(eventCategories, c) {
			extra = append(extra, c)
		}
	}
	slices.Sort(extra)
	for _, c := range append(cats, extra...) {
		evs := f.Filtered[c]
		if len(evs) == 0 {
			continue
		}
		b.WriteString("<" + string(c) + ">")
		for _, ev := range evs {
			b.WriteString("<" + ev + ">true</" + ev + ">")
		}
		b.WriteString("</" + string(c) + ">")
	}
	b.WriteString("</" + name + ">")
	return RawXML(b.String())
}

// Inverted returns the filter that suppresses every event this package
// knows (see FilterEventName) except those f suppresses: f read as a list
// of the events wanted, as Avaya's private invertFilter asks. Events of
// categories this package does not know stay as f has them.
func (f MonitorFilter) Inverted() MonitorFilter {
	var out MonitorFilter
	for cat, evs := range categoryEvents {
		for _, ev := range evs {
			if _, found := slices.BinarySearch(f.Filtered[cat], ev); !found {
				out.set(cat, ev)
			}
		}
	}
	for cat, evs := range f.Filtered {
		if _, known := categoryEvents[cat]; !known {
			for _, ev := range evs {
				out.set(cat, ev)
			}
		}
	}
	return out
}

// InvertFilter reports whether x carries Avaya's private
// <AvayaEvents><invertFilter>true</invertFilter></AvayaEvents>, which makes
// a MonitorStart's requestedMonitorFilter list the events wanted rather
// than those suppressed.
func InvertFilter(x *Extensions) bool {
	if x == nil {
		return false
	}
	for _, p := range x.Private {
		var v struct {
			XMLName xml.Name
			Invert  string `xml:"invertFilter"`
		}
		if xml.Unmarshal([]byte(p), &v) == nil && v.XMLName.Local == "AvayaEvents" {
			if on, err := filterBool(v.Invert); err == nil && on {
				return true
			}
		}
	}
	return false
}
