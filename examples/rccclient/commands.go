package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rcc-go/rcc/csta"
)

// command is one thing the client can do in a session.
type command struct {
	min, max int    // number of arguments
	args     string // for the usage error
	run      func(a *app, ctx context.Context, args []string) error
}

var commands = map[string]command{
	"call":       {1, 1, "NUMBER", (*app).call},
	"answer":     {0, 1, "[CALL]", (*app).answer},
	"hangup":     {0, 1, "[CALL]", (*app).hangup},
	"hold":       {0, 1, "[CALL]", (*app).hold},
	"retrieve":   {0, 1, "[CALL]", (*app).retrieve},
	"transfer":   {1, 2, "NUMBER [CALL]", (*app).transfer},
	"conference": {0, 1, "[NUMBER]", (*app).conference},
	"deflect":    {1, 2, "NUMBER [CALL]", (*app).deflect},
	"forward":    {2, 2, "TYPE NUMBER|off", (*app).forward},
	"dnd":        {1, 1, "on|off", (*app).dnd},
	"snapshot":   {0, 0, "", func(a *app, ctx context.Context, _ []string) error { return a.snapshot(ctx, true) }},
	"features":   {0, 0, "", (*app).features},
}

// checkArgs checks the number of arguments of a command.
func checkArgs(cmd string, args []string) error {
	c, ok := commands[cmd]
	if !ok {
		if len(args) > 0 {
			return fmt.Errorf("%s takes no arguments", cmd)
		}
		return nil
	}
	if len(args) < c.min || len(args) > c.max {
		return fmt.Errorf("usage: %s %s", cmd, c.args)
	}
	return nil
}

// exec runs a command with a timeout for the gateway's answers.
func (a *app) exec(ctx context.Context, cmd string, args []string) error {
	c := commands[cmd]
	timeout := a.cfg.timeout
	if cmd == "conference" {
		timeout += a.cfg.answerWait
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.run(a, ctx, args)
}

// number turns a number as typed into a device identifier: tel:NUMBER
// unless it has a scheme.
func number(s string) csta.DeviceID {
	if strings.Contains(s, ":") {
		return csta.Device(s)
	}
	return csta.Device("tel:" + s)
}

// arg returns args[i], or "".
func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

// do sends a request and explains a refusal.
func (a *app) do(ctx context.Context, req csta.Request) (csta.Response, error) {
	resp, err := a.session.Do(ctx, req)
	if err != nil {
		return nil, errors.New(explain(req.MessageName(), err))
	}
	return resp, nil
}

func (a *app) call(ctx context.Context, args []string) error {
	resp, err := a.do(ctx, &csta.MakeCall{
		CallingDevice:         csta.Device(a.cfg.line),
		CalledDirectoryNumber: number(args[0]),
		AutoOriginate:         csta.AutoOriginateDoNotPrompt,
	})
	if err != nil {
		return err
	}
	if r, ok := resp.(*csta.MakeCallResponse); ok {
		a.out.line("calling %s: call %s", number(args[0]), r.CallingDevice.CallID)
		return nil
	}
	a.out.line("calling %s", number(args[0]))
	return nil
}

// onCall sends the request build makes for a call: the one given by ID,
// or else the latest one in one of the states; then it prints done.
func (a *app) onCall(ctx context.Context, id string, states []csta.LocalConnectionState,
	build func(csta.ConnectionID) csta.Request, done func(csta.CallID) string) error {
	conn, err := a.calls.find(id, states...)
	if err != nil {
		return err
	}
	if _, err := a.do(ctx, build(conn)); err != nil {
		return err
	}
	a.out.line("%s", done(conn.CallID))
	return nil
}

// states is shorthand for a list of connection states.
func states(s ...csta.LocalConnectionState) []csta.LocalConnectionState { return s }

// said returns a done function printing format with the call ID.
func said(format string, args ...any) func(csta.CallID) string {
	return func(id csta.CallID) string { return fmt.Sprintf(format, append([]any{id}, args...)...) }
}

func (a *app) answer(ctx context.Context, args []string) error {
	return a.onCall(ctx, arg(args, 0), states(csta.StateAlerting),
		func(c csta.ConnectionID) csta.Request { return &csta.AnswerCall{CallToBeAnswered: c} },
		said("answered call %s"))
}

func (a *app) hangup(ctx context.Context, args []string) error {
	return a.onCall(ctx, arg(args, 0),
		states(csta.StateConnected, csta.StateAlerting, csta.StateInitiated, csta.StateHold, csta.StateFail, csta.StateQueued),
		func(c csta.ConnectionID) csta.Request { return &csta.ClearConnection{ConnectionToBeCleared: c} },
		said("hung up call %s"))
}

func (a *app) hold(ctx context.Context, args []string) error {
	return a.onCall(ctx, arg(args, 0), states(csta.StateConnected),
		func(c csta.ConnectionID) csta.Request { return &csta.HoldCall{CallToBeHeld: c} },
		said("holding call %s"))
}

func (a *app) retrieve(ctx context.Context, args []string) error {
	return a.onCall(ctx, arg(args, 0), states(csta.StateHold),
		func(c csta.ConnectionID) csta.Request { return &csta.RetrieveCall{CallToBeRetrieved: c} },
		said("retrieved call %s"))
}

func (a *app) transfer(ctx context.Context, args []string) error {
	to := number(args[0])
	return a.onCall(ctx, arg(args, 1), states(csta.StateConnected, csta.StateHold),
		func(c csta.ConnectionID) csta.Request {
			return &csta.SingleStepTransferCall{ActiveCall: c, TransferredTo: to}
		},
		said("transferred call %s to %s", to))
}

func (a *app) deflect(ctx context.Context, args []string) error {
	to := number(args[0])
	return a.onCall(ctx, arg(args, 1), states(csta.StateAlerting),
		func(c csta.ConnectionID) csta.Request {
			return &csta.DeflectCall{CallToBeDiverted: c, NewDestination: to}
		},
		said("deflected call %s to %s", to))
}

// conference joins the held and the active call; with a number it first
// calls the number for consultation (putting the active call on hold) and
// waits for it to answer.
func (a *app) conference(ctx context.Context, args []string) error {
	if len(args) == 1 {
		active, err := a.calls.find("", csta.StateConnected)
		if err != nil {
			return err
		}
		to := number(args[0])
		resp, err := a.do(ctx, &csta.ConsultationCall{ExistingCall: active, ConsultedDevice: to})
		if err != nil {
			return err
		}
		r, ok := resp.(*csta.ConsultationCallResponse)
		if !ok {
			return fmt.Errorf("ConsultationCall: the gateway did not say which call it made")
		}
		a.out.line("consulting %s: call %s; waiting for the answer", to, r.InitiatedCall.CallID)
		// Our end of the consultation call is connected as soon as it is
		// placed; the far end has answered when it is established.
		for !a.calls.answered(r.InitiatedCall.CallID) {
			select {
			case <-a.calls.watch():
			case <-ctx.Done():
				return fmt.Errorf("conference: %s did not answer the consultation call %s", to, r.InitiatedCall.CallID)
			}
		}
	}
	held, err := a.calls.find("", csta.StateHold)
	if err != nil {
		return err
	}
	active, err := a.calls.find("", csta.StateConnected)
	if err != nil {
		return err
	}
	resp, err := a.do(ctx, &csta.ConferenceCall{HeldCall: held, ActiveCall: active})
	if err != nil {
		return err
	}
	if r, ok := resp.(*csta.ConferenceCallResponse); ok {
		a.out.line("conference call %s", r.ConferenceCall.CallID)
		return nil
	}
	a.out.line("conferenced calls %s and %s", held.CallID, active.CallID)
	return nil
}

// forwardTypes maps the short forwarding names to CSTA's.
var forwardTypes = map[string]csta.ForwardingType{
	"immediate": csta.ForwardImmediate,
	"always":    csta.ForwardImmediate,
	"busy":      csta.ForwardBusy,
	"noanswer":  csta.ForwardNoAns,
	"dnd":       csta.ForwardDND,
}

func (a *app) forward(ctx context.Context, args []string) error {
	ft, ok := forwardTypes[strings.ToLower(args[0])]
	if !ok {
		ft = csta.ForwardingType(args[0])
		if !ft.Valid() {
			return fmt.Errorf("forward: unknown forwarding type %q (immediate, busy, noanswer, dnd, or a CSTA type such as forwardBusyExt)", args[0])
		}
	}
	req := &csta.SetForwarding{Device: csta.Device(a.cfg.line), ForwardingType: ft}
	if !strings.EqualFold(args[1], "off") {
		to := number(args[1])
		req.ActivateForward = true
		req.ForwardDN = &to
	}
	if _, err := a.do(ctx, req); err != nil {
		return err
	}
	if req.ActivateForward {
		a.out.line("forwarding (%s) to %s", ft, req.ForwardDN)
	} else {
		a.out.line("forwarding (%s) off", ft)
	}
	return nil
}

func (a *app) dnd(ctx context.Context, args []string) error {
	var on bool
	switch strings.ToLower(args[0]) {
	case "on":
		on = true
	case "off":
	default:
		return fmt.Errorf("usage: dnd on|off")
	}
	if _, err := a.do(ctx, &csta.SetDoNotDisturb{Device: csta.Device(a.cfg.line), DoNotDisturbOn: on}); err != nil {
		return err
	}
	a.out.line("do not disturb %s", strings.ToLower(args[0]))
	return nil
}

// snapshot asks for the calls at the line; it prints them when show is
// set.
func (a *app) snapshot(ctx context.Context, show bool) error {
	resp, err := a.session.Do(ctx, &csta.SnapshotDevice{SnapshotObject: csta.Device(a.cfg.line)})
	if err != nil {
		if show {
			return errors.New(explain("SnapshotDevice", err))
		}
		return err
	}
	r, ok := resp.(*csta.SnapshotDeviceResponse)
	if !ok {
		return fmt.Errorf("SnapshotDevice: unexpected answer")
	}
	a.calls.snapshot(r)
	if show {
		list := a.calls.list()
		if len(list) == 0 {
			a.out.line("no calls at %s", a.cfg.line)
		}
		for _, c := range list {
			a.out.line("%s", c)
		}
	}
	return nil
}

func (a *app) features(ctx context.Context, _ []string) error {
	f, err := a.session.Features(ctx)
	if err != nil {
		return errors.New(explain("GetCSTAFeatures", err))
	}
	a.out.line("services: %s", strings.Join(f.Features.Services.Names(), " "))
	a.out.line("events: %s", strings.Join(f.Features.Events.Names(), " "))
	return nil
}
