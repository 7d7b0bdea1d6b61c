package main

import (
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
type printer struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
	now  func() time.Time
}

// event prints one event.
func (p *printer) event(ev csta.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.now().Format("15:04:05.000")
	if p.json {
		b, err := json.Marshal(struct {
			Time  string     `json:"time"`
			Event string     `json:"event"`
			Data  csta.Event `json:"data"`
		}{ts, ev.MessageName(), ev})
		if err != nil {
			fmt.Fprintf(p.w, "{\"time\":%q,\"event\":%q,\"error\":%q}\n", ts, ev.MessageName(), err.Error())
			return
		}
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	fmt.Fprintf(p.w, "%s %s\n", ts, describe(ev))
}

// line prints a line of text (a result, or an error in readable mode).
func (p *printer) line(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		b, _ := json.Marshal(struct {
			Time   string `json:"time"`
			Result string `json:"result"`
		}{p.now().Format("15:04:05.000"), fmt.Sprintf(format, args...)})
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	fmt.Fprintf(p.w, format+"\n", args...)
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
		case 403:
			s += " (this user or this address may not use the gateway)"
		case 404:
			s += " (the gateway does not know this line)"
		case 481:
			s += " (the session is gone; run the command again to open a new one)"
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
	case errors.Is(err, sip.ErrDialogEnded):
		return fmt.Sprintf("%s: the session has ended", what)
	}
	return fmt.Sprintf("%s: %v", what, err)
}
