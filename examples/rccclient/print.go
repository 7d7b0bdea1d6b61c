package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/sip"
)

// timeFormat is how a line's time is written.
const timeFormat = "15:04:05.000"

// printer writes events and results, as readable lines or JSON lines.
// While a command is under way (hold), events are kept and written after
// its result (release), so that a result comes before the events it
// causes. In interactive mode it keeps a prompt at the end of the output.
type printer struct {
	mu     sync.Mutex
	w      io.Writer
	json   bool
	now    func() time.Time
	prompt string // shown after results and events; "" for none

	holds     int
	held      []string
	prompting bool // the interactive loop has shown the prompt
	prompted  bool // the prompt is the last thing written
}

// event prints one event, or keeps it while a command is under way.
func (p *printer) event(ev csta.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.formatEvent(ev)
	if p.holds > 0 {
		p.held = append(p.held, s)
		return
	}
	p.writeLocked(s, true)
}

// formatEvent returns the line for an event. p.mu is held.
func (p *printer) formatEvent(ev csta.Event) string {
	ts := p.now().Format(timeFormat)
	if p.json {
		b, err := json.Marshal(struct {
			Time  string     `json:"time"`
			Event string     `json:"event"`
			Text  string     `json:"text"`
			Data  csta.Event `json:"data"`
		}{ts, ev.MessageName(), describe(ev), ev})
		if err != nil {
			return fmt.Sprintf("{\"time\":%q,\"event\":%q,\"error\":%q}", ts, ev.MessageName(), err.Error())
		}
		return string(b)
	}
	return ts + " " + describe(ev)
}

// line prints a line of text (a result, or a notice in readable mode).
func (p *printer) line(format string, args ...any) {
	p.text("result", false, format, args...)
}

// notice prints something that happened to the session (it ended, it was
// re-opened), as a line that does not wait for a command's result.
func (p *printer) notice(format string, args ...any) {
	p.text("notice", true, format, args...)
}

// text prints a result or a notice: as it is, or in JSON mode as
// {"time":…,"<key>":…}.
func (p *printer) text(key string, reprompt bool, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	text := fmt.Sprintf(format, args...)
	if p.json {
		ts, _ := json.Marshal(p.now().Format(timeFormat))
		b, _ := json.Marshal(text)
		text = `{"time":` + string(ts) + `,"` + key + `":` + string(b) + `}`
	}
	p.writeLocked(text, reprompt)
}

// raw prints a line formatted elsewhere (by the rccclient that has the
// session); with reprompt the prompt is shown again after it.
func (p *printer) raw(text string, reprompt bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writeLocked(text, reprompt)
}

// writeLocked writes one line. A prompt left at the end of the output is
// written over; with reprompt it is shown again after the line. p.mu is
// held.
func (p *printer) writeLocked(text string, reprompt bool) {
	if p.prompted {
		// Write over the prompt (every line is longer), and show it again
		// after the line.
		io.WriteString(p.w, "\r")
		p.prompted = false
	}
	io.WriteString(p.w, text+"\n")
	if reprompt && p.prompt != "" && p.holds == 0 && p.prompting {
		io.WriteString(p.w, p.prompt)
		p.prompted = true
	}
}

// showPrompt writes the prompt, in interactive mode.
func (p *printer) showPrompt() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.prompt == "" || p.prompted {
		return
	}
	p.prompting = true
	io.WriteString(p.w, p.prompt)
	p.prompted = true
}

// entered records that the user ended a line of input: the prompt is no
// longer the end of the output.
func (p *printer) entered() {
	p.mu.Lock()
	p.prompted = false
	p.mu.Unlock()
}

// hold keeps events from being written until the matching release.
func (p *printer) hold() {
	p.mu.Lock()
	p.holds++
	p.mu.Unlock()
}

// release ends a hold and writes the events it kept.
func (p *printer) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holds--
	if p.holds > 0 {
		return
	}
	held := p.held
	p.held = nil
	for _, s := range held {
		p.writeLocked(s, false)
	}
}

// flush writes the events kept so far, in the middle of a command that
// goes on waiting for events.
func (p *printer) flush() {
	p.release()
	p.hold()
}

// describe turns an event into one readable line: the event's name, then
// the fields it has as key=value.
func describe(ev csta.Event) string {
	var fs []field
	switch e := ev.(type) {
	case *csta.ServiceInitiatedEvent:
		fs = callFields(e.InitiatedConnection, e.LocalConnectionInfo, e.Cause,
			party("device", e.InitiatingDevice))
	case *csta.OriginatedEvent:
		fs = callFields(e.OriginatedConnection, e.LocalConnectionInfo, e.Cause,
			party("from", e.CallingDevice), party("to", e.CalledDevice))
	case *csta.DeliveredEvent:
		fs = callFields(e.Connection, e.LocalConnectionInfo, e.Cause,
			party("from", e.CallingDevice), party("to", e.CalledDevice), party("ringing", e.AlertingDevice))
	case *csta.EstablishedEvent:
		fs = callFields(e.EstablishedConnection, e.LocalConnectionInfo, e.Cause,
			party("from", e.CallingDevice), party("to", e.CalledDevice), party("answered", e.AnsweringDevice))
	case *csta.HeldEvent:
		fs = callFields(e.HeldConnection, e.LocalConnectionInfo, e.Cause,
			party("by", e.HoldingDevice))
	case *csta.RetrievedEvent:
		fs = callFields(e.RetrievedConnection, e.LocalConnectionInfo, e.Cause,
			party("by", e.RetrievingDevice))
	case *csta.ConnectionClearedEvent:
		fs = callFields(e.DroppedConnection, e.LocalConnectionInfo, e.Cause,
			field{"device", e.DroppedConnection.DeviceID.ID}, party("by", e.ReleasingDevice))
	case *csta.FailedEvent:
		fs = callFields(e.FailedConnection, e.LocalConnectionInfo, e.Cause,
			party("device", e.FailingDevice), party("to", e.CalledDevice))
	case *csta.DivertedEvent:
		fs = callFields(e.Connection, e.LocalConnectionInfo, e.Cause,
			party("from", e.DivertingDevice), party("to", e.NewDestination))
	case *csta.TransferredEvent:
		fs = callFields(e.PrimaryOldCall, e.LocalConnectionInfo, e.Cause,
			party("by", e.TransferringDevice), party("to", e.TransferredToDevice))
	case *csta.ConferencedEvent:
		fs = callFields(e.PrimaryOldCall, e.LocalConnectionInfo, e.Cause,
			party("by", e.ConferencingDevice), party("added", e.AddedParty))
	case *csta.NetworkReachedEvent:
		fs = callFields(e.OutboundConnection, e.LocalConnectionInfo, e.Cause,
			party("from", e.CallingDevice), party("to", e.CalledDevice), party("trunk", e.NetworkInterfaceUsed))
	case *csta.QueuedEvent:
		fs = callFields(e.QueuedConnection, e.LocalConnectionInfo, e.Cause,
			party("from", e.CallingDevice), party("to", e.CalledDevice), party("queue", e.Queue),
			count("ahead", e.CallsInFront))
	case *csta.DigitsGeneratedEvent:
		fs = callFields(e.Connection, "", "", field{"digits", e.DigitGeneratedList})
	case *csta.CallClearedEvent:
		fs = callFields(e.ClearedCall, "", e.Cause)
	case *csta.ForwardingEvent:
		fs = []field{party("device", e.Device), {"type", string(e.ForwardingType)}, onOff("forwarding", e.ForwardStatus)}
		if e.ForwardTo != nil {
			fs = append(fs, field{"to", e.ForwardTo.ID})
		}
		fs = append(fs, count("rings", e.RingCount))
	case *csta.DoNotDisturbEvent:
		fs = []field{party("device", e.Device), onOff("dnd", e.DoNotDisturbOn)}
	default:
		// The first call the event names.
		csta.WalkConnections(ev, func(_ string, c *csta.ConnectionID) {
			if len(fs) == 0 && c.CallID != "" {
				fs = []field{{"call", string(c.CallID)}}
			}
		})
	}
	name := strings.TrimSuffix(ev.MessageName(), "Event")
	if name == "Transfered" { // the schema's spelling
		name = "Transferred"
	}
	var b strings.Builder
	b.WriteString(name)
	for _, f := range fs {
		if f.value != "" {
			b.WriteString(" " + f.key + "=" + f.value)
		}
	}
	return b.String()
}

// field is one key=value of an event's line; one with an empty value is
// left out.
type field struct{ key, value string }

// callFields returns the fields of a call event, in the order they are
// written: the call, then parties (the devices by role, and what else the
// event says), then the local connection state and the cause.
func callFields(c csta.ConnectionID, local csta.LocalConnectionState, cause csta.EventCause, parties ...field) []field {
	fs := make([]field, 0, len(parties)+3)
	fs = append(fs, field{"call", string(c.CallID)})
	fs = append(fs, parties...)
	return append(fs, field{"state", string(local)}, field{"cause", string(cause)})
}

// party returns the field for a device by its role: its identifier,
// "restricted", or nothing when it is not known.
func party(role string, d csta.ExtendedDeviceID) field {
	switch {
	case d.IsKnown():
		return field{role, d.String()}
	case d.Restricted:
		return field{role, "restricted"}
	}
	return field{role, ""}
}

// count returns the field for an optional number.
func count(key string, n *int) field {
	if n == nil {
		return field{key, ""}
	}
	return field{key, fmt.Sprint(*n)}
}

// onOff returns the field for a switch.
func onOff(key string, on bool) field {
	if on {
		return field{key, "on"}
	}
	return field{key, "off"}
}

// explain turns an error into a sentence for the user.
func explain(what string, err error) string {
	var cerr *csta.Error
	var r *sip.RefusalError
	switch {
	case errors.As(err, &cerr):
		return fmt.Sprintf("%s: the gateway refused it: %s", what, cerr.Code)
	case errors.As(err, &r):
		s := fmt.Sprintf("%s: the gateway answered SIP %d %s", what, r.Status, r.Reason)
		switch r.Status {
		case 401, 407:
			s += " (wrong user name or password: -auth-user, -password or $RCC_PASSWORD)"
		case 403:
			s += " (this user or this address may not use the gateway)"
		case 404:
			s += " (the gateway does not know this line)"
		case 481:
			s += " (the gateway no longer knows the session)"
		case 503:
			s += " (no CTI connection, or overloaded)"
		}
		if r.RetryAfter > 0 {
			s += fmt.Sprintf("; retry after %s", r.RetryAfter)
		}
		return s
	case errors.Is(err, sip.ErrSystemStatus):
		return fmt.Sprintf("%s: %v", what, err)
	case errors.Is(err, sip.ErrNoAnswer):
		return fmt.Sprintf("%s: no answer from the gateway (%v)", what, err)
	case errors.Is(err, sip.ErrDialogGone):
		return fmt.Sprintf("%s: the gateway no longer knows the session (481)", what)
	case errors.Is(err, sip.ErrPeerBye):
		return fmt.Sprintf("%s: the gateway ended the session (BYE)", what)
	case errors.Is(err, sip.ErrConnectionLost):
		return fmt.Sprintf("%s: %s", what, strings.TrimPrefix(err.Error(), "sip: "))
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("%s: no answer from the gateway in time", what)
	case errors.Is(err, sip.ErrDialogEnded):
		return fmt.Sprintf("%s: the session has ended", what)
	}
	return fmt.Sprintf("%s: %v", what, err)
}
