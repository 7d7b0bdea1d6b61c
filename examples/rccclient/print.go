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
	ts := p.now().Format("15:04:05.000")
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
	p.mu.Lock()
	defer p.mu.Unlock()
	text := fmt.Sprintf(format, args...)
	if p.json {
		b, _ := json.Marshal(struct {
			Time   string `json:"time"`
			Result string `json:"result"`
		}{p.now().Format("15:04:05.000"), text})
		text = string(b)
	}
	p.writeLocked(text, false)
}

// notice prints something that happened to the session (it ended, it was
// re-opened), as a line that does not wait for a command's result.
func (p *printer) notice(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	text := fmt.Sprintf(format, args...)
	if p.json {
		b, _ := json.Marshal(struct {
			Time   string `json:"time"`
			Notice string `json:"notice"`
		}{p.now().Format("15:04:05.000"), text})
		text = string(b)
	}
	p.writeLocked(text, true)
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

// describe turns an event into one readable line.
func describe(ev csta.Event) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	dev := func(d csta.ExtendedDeviceID) string {
		if d.IsKnown() {
			return d.String()
		}
		if d.Restricted {
			return "restricted"
		}
		return ""
	}
	var cause csta.EventCause
	var local csta.LocalConnectionState
	switch e := ev.(type) {
	case *csta.ServiceInitiatedEvent:
		add("call", string(e.InitiatedConnection.CallID))
		add("device", dev(e.InitiatingDevice))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.OriginatedEvent:
		add("call", string(e.OriginatedConnection.CallID))
		add("from", dev(e.CallingDevice))
		add("to", dev(e.CalledDevice))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.DeliveredEvent:
		add("call", string(e.Connection.CallID))
		add("from", dev(e.CallingDevice))
		add("to", dev(e.CalledDevice))
		add("ringing", dev(e.AlertingDevice))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.EstablishedEvent:
		add("call", string(e.EstablishedConnection.CallID))
		add("from", dev(e.CallingDevice))
		add("to", dev(e.CalledDevice))
		add("answered", dev(e.AnsweringDevice))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.HeldEvent:
		add("call", string(e.HeldConnection.CallID))
		add("by", dev(e.HoldingDevice))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.RetrievedEvent:
		add("call", string(e.RetrievedConnection.CallID))
		add("by", dev(e.RetrievingDevice))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.ConnectionClearedEvent:
		add("call", string(e.DroppedConnection.CallID))
		add("device", e.DroppedConnection.DeviceID.ID)
		add("by", dev(e.ReleasingDevice))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.FailedEvent:
		add("call", string(e.FailedConnection.CallID))
		add("device", dev(e.FailingDevice))
		add("to", dev(e.CalledDevice))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.DivertedEvent:
		add("call", string(e.Connection.CallID))
		add("from", dev(e.DivertingDevice))
		add("to", dev(e.NewDestination))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.TransferredEvent:
		add("call", string(e.PrimaryOldCall.CallID))
		add("by", dev(e.TransferringDevice))
		add("to", dev(e.TransferredToDevice))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.ConferencedEvent:
		add("call", string(e.PrimaryOldCall.CallID))
		add("by", dev(e.ConferencingDevice))
		add("added", dev(e.AddedParty))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.NetworkReachedEvent:
		add("call", string(e.OutboundConnection.CallID))
		add("from", dev(e.CallingDevice))
		add("to", dev(e.CalledDevice))
		add("trunk", dev(e.NetworkInterfaceUsed))
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.QueuedEvent:
		add("call", string(e.QueuedConnection.CallID))
		add("from", dev(e.CallingDevice))
		add("to", dev(e.CalledDevice))
		add("queue", dev(e.Queue))
		if e.CallsInFront != nil {
			add("ahead", fmt.Sprint(*e.CallsInFront))
		}
		cause, local = e.Cause, e.LocalConnectionInfo
	case *csta.DigitsGeneratedEvent:
		add("call", string(e.Connection.CallID))
		add("digits", e.DigitGeneratedList)
	case *csta.CallClearedEvent:
		add("call", string(e.ClearedCall.CallID))
		cause = e.Cause
	case *csta.ForwardingEvent:
		add("device", dev(e.Device))
		add("type", string(e.ForwardingType))
		if e.ForwardStatus {
			add("forwarding", "on")
		} else {
			add("forwarding", "off")
		}
		if e.ForwardTo != nil {
			add("to", e.ForwardTo.ID)
		}
		if e.RingCount != nil {
			add("rings", fmt.Sprint(*e.RingCount))
		}
	case *csta.DoNotDisturbEvent:
		add("device", dev(e.Device))
		if e.DoNotDisturbOn {
			add("dnd", "on")
		} else {
			add("dnd", "off")
		}
	default:
		csta.WalkConnections(ev, func(_ string, c *csta.ConnectionID) {
			if len(parts) == 0 {
				add("call", string(c.CallID))
			}
		})
	}
	add("state", string(local))
	add("cause", string(cause))
	name := strings.TrimSuffix(ev.MessageName(), "Event")
	if name == "Transfered" { // the schema's spelling
		name = "Transferred"
	}
	if len(parts) == 0 {
		return name
	}
	return name + " " + strings.Join(parts, " ")
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
