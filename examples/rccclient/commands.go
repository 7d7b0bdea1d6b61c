package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/sip"
)

// command is one thing the client can do in a session.
type command struct {
	min, max int    // number of arguments
	args     string // for the usage error
	run      func(a *app, ctx context.Context, out *printer, args []string) error
}

var commands = map[string]command{
	"call":       {1, 1, "NUMBER", (*app).call},
	"answer":     {0, 1, "[CALL]", (*app).answer},
	"hangup":     {0, 1, "[CALL]", (*app).hangup},
	"clearcall":  {0, 1, "[CALL]", (*app).clearCall},
	"hold":       {0, 1, "[CALL]", (*app).hold},
	"retrieve":   {0, 1, "[CALL]", (*app).retrieve},
	"consult":    {1, 2, "NUMBER [CALL]", (*app).consult},
	"alternate":  {0, 0, "", (*app).alternate},
	"reconnect":  {0, 0, "", (*app).reconnect},
	"transfer":   {0, 2, "[NUMBER [CALL]]", (*app).transfer},
	"conference": {0, 1, "[NUMBER]", (*app).conference},
	"deflect":    {1, 2, "NUMBER [CALL]", (*app).deflect},
	"digits":     {1, 2, "DIGITS [CALL]", (*app).digits},
	"forward":    {0, 2, "[TYPE NUMBER|off]", (*app).forward},
	"dnd":        {0, 1, "[on|off]", (*app).dnd},
	"snapshot":   {0, 0, "", func(a *app, ctx context.Context, out *printer, _ []string) error { return a.snapshot(ctx, out) }},
	"features":   {0, 0, "", (*app).features},
	"calls":      {0, 0, "", (*app).listCalls},
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
		if c.args == "" {
			return fmt.Errorf("usage: %s (no arguments)", cmd)
		}
		return fmt.Errorf("usage: %s %s", cmd, c.args)
	}
	if cmd == "forward" && len(args) == 1 {
		return fmt.Errorf("usage: forward TYPE NUMBER|off, or forward alone to show the forwarding")
	}
	return nil
}

// exec runs a command, one at a time, with a timeout for the gateway's
// answers. Its result goes to out and its error to errOut; the events it
// causes are printed after them. It returns the exit code: 0 done, 1
// refused or failed.
func (a *app) exec(ctx context.Context, cmd string, args []string, out *printer, errOut func(string)) int {
	c, ok := commands[cmd]
	if !ok {
		errOut(fmt.Sprintf("unknown command %q (type help)", cmd))
		return 2
	}
	if err := checkArgs(cmd, args); err != nil {
		errOut(err.Error())
		return 2
	}
	a.cmdMu.Lock()
	defer a.cmdMu.Unlock()
	a.out.hold()
	defer a.out.release()
	timeout := a.cfg.timeout
	if cmd == "conference" {
		timeout += a.cfg.answerWait
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.run(a, ctx, out, args); err != nil {
		errOut(err.Error())
		return 1
	}
	return 0
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

// errNoSession is the error of a command while the session is being
// re-opened.
var errNoSession = errors.New("no session with the gateway at the moment (it is being re-opened; try again)")

// do sends a request and explains a refusal.
func (a *app) do(ctx context.Context, req csta.Request) (csta.Response, error) {
	s := a.current()
	if s == nil {
		return nil, errNoSession
	}
	resp, err := s.Do(ctx, req)
	if err != nil {
		msg := explain(req.MessageName(), err)
		var r *sip.RefusalError
		if errors.As(err, &r) && r.Status == 481 && a.long {
			msg += "; re-opening the session"
		}
		return nil, errors.New(msg)
	}
	return resp, nil
}

func (a *app) call(ctx context.Context, out *printer, args []string) error {
	resp, err := a.do(ctx, &csta.MakeCall{
		CallingDevice:         csta.Device(a.cfg.line),
		CalledDirectoryNumber: number(args[0]),
		AutoOriginate:         csta.AutoOriginateDoNotPrompt,
	})
	if err != nil {
		return err
	}
	if r, ok := resp.(*csta.MakeCallResponse); ok {
		out.line("calling %s: call %s", number(args[0]), r.CallingDevice.CallID)
		return nil
	}
	out.line("calling %s", number(args[0]))
	return nil
}

// onCall sends the request build makes for a call: the one given by ID,
// or else the latest one in one of the states; then it prints done.
func (a *app) onCall(ctx context.Context, out *printer, id string, states []csta.LocalConnectionState,
	build func(csta.ConnectionID) csta.Request, done func(csta.CallID) string) error {
	conn, err := a.calls.find(id, states...)
	if err != nil {
		return err
	}
	if _, err := a.do(ctx, build(conn)); err != nil {
		return err
	}
	out.line("%s", done(conn.CallID))
	return nil
}

// states is shorthand for a list of connection states.
func states(s ...csta.LocalConnectionState) []csta.LocalConnectionState { return s }

// said returns a done function printing format with the call ID.
func said(format string, args ...any) func(csta.CallID) string {
	return func(id csta.CallID) string { return fmt.Sprintf(format, append([]any{id}, args...)...) }
}

func (a *app) answer(ctx context.Context, out *printer, args []string) error {
	return a.onCall(ctx, out, arg(args, 0), states(csta.StateAlerting),
		func(c csta.ConnectionID) csta.Request { return &csta.AnswerCall{CallToBeAnswered: c} },
		said("answered call %s"))
}

func (a *app) hangup(ctx context.Context, out *printer, args []string) error {
	return a.onCall(ctx, out, arg(args, 0),
		states(csta.StateConnected, csta.StateAlerting, csta.StateInitiated, csta.StateHold, csta.StateFail, csta.StateQueued),
		func(c csta.ConnectionID) csta.Request { return &csta.ClearConnection{ConnectionToBeCleared: c} },
		said("hung up call %s"))
}

// clearCall ends a whole call, every party's connection (ClearCall); the
// gateway refuses a call the line is not in.
func (a *app) clearCall(ctx context.Context, out *printer, args []string) error {
	return a.onCall(ctx, out, arg(args, 0),
		states(csta.StateConnected, csta.StateAlerting, csta.StateInitiated, csta.StateHold, csta.StateFail, csta.StateQueued),
		func(c csta.ConnectionID) csta.Request { return &csta.ClearCall{CallToBeCleared: c} },
		said("cleared call %s"))
}

func (a *app) hold(ctx context.Context, out *printer, args []string) error {
	return a.onCall(ctx, out, arg(args, 0), states(csta.StateConnected),
		func(c csta.ConnectionID) csta.Request { return &csta.HoldCall{CallToBeHeld: c} },
		said("holding call %s"))
}

func (a *app) retrieve(ctx context.Context, out *printer, args []string) error {
	return a.onCall(ctx, out, arg(args, 0), states(csta.StateHold),
		func(c csta.ConnectionID) csta.Request { return &csta.RetrieveCall{CallToBeRetrieved: c} },
		said("retrieved call %s"))
}

// consultation puts the active call (id, or the latest connected one) on
// hold and calls to for consultation; it returns both calls.
func (a *app) consultation(ctx context.Context, to csta.DeviceID, id string) (held, consult csta.ConnectionID, err error) {
	held, err = a.calls.find(id, csta.StateConnected)
	if err != nil {
		return held, consult, err
	}
	resp, err := a.do(ctx, &csta.ConsultationCall{ExistingCall: held, ConsultedDevice: to})
	if err != nil {
		return held, consult, err
	}
	r, ok := resp.(*csta.ConsultationCallResponse)
	if !ok {
		return held, consult, fmt.Errorf("ConsultationCall: the gateway did not say which call it made")
	}
	return held, r.InitiatedCall, nil
}

func (a *app) consult(ctx context.Context, out *printer, args []string) error {
	to := number(args[0])
	held, consult, err := a.consultation(ctx, to, arg(args, 1))
	if err != nil {
		return err
	}
	out.line("consulting %s: call %s, call %s on hold", to, consult.CallID, held.CallID)
	return nil
}

// pair returns the held and the active call at the line.
func (a *app) pair() (held, active csta.ConnectionID, err error) {
	if held, err = a.calls.find("", csta.StateHold); err != nil {
		return
	}
	active, err = a.calls.find("", csta.StateConnected, csta.StateAlerting, csta.StateInitiated, csta.StateFail)
	return
}

func (a *app) alternate(ctx context.Context, out *printer, _ []string) error {
	held, active, err := a.pair()
	if err != nil {
		return err
	}
	if _, err := a.do(ctx, &csta.AlternateCall{HeldCall: held, ActiveCall: active}); err != nil {
		return err
	}
	out.line("alternated: call %s on hold, call %s active", active.CallID, held.CallID)
	return nil
}

func (a *app) reconnect(ctx context.Context, out *printer, _ []string) error {
	held, active, err := a.pair()
	if err != nil {
		return err
	}
	if _, err := a.do(ctx, &csta.ReconnectCall{HeldCall: held, ActiveCall: active}); err != nil {
		return err
	}
	out.line("cleared call %s and took back call %s", active.CallID, held.CallID)
	return nil
}

// transfer with a number transfers the active call there in one step;
// without, it joins the held call and the active (consultation) call and
// leaves them.
func (a *app) transfer(ctx context.Context, out *printer, args []string) error {
	if len(args) == 0 {
		held, active, err := a.pair()
		if err != nil {
			return err
		}
		if _, err := a.do(ctx, &csta.TransferCall{HeldCall: held, ActiveCall: active}); err != nil {
			return err
		}
		out.line("transferred call %s to call %s", held.CallID, active.CallID)
		return nil
	}
	to := number(args[0])
	return a.onCall(ctx, out, arg(args, 1), states(csta.StateConnected, csta.StateHold),
		func(c csta.ConnectionID) csta.Request {
			return &csta.SingleStepTransferCall{ActiveCall: c, TransferredTo: to}
		},
		said("transferred call %s to %s", to))
}

func (a *app) deflect(ctx context.Context, out *printer, args []string) error {
	to := number(args[0])
	return a.onCall(ctx, out, arg(args, 1), states(csta.StateAlerting),
		func(c csta.ConnectionID) csta.Request {
			return &csta.DeflectCall{CallToBeDiverted: c, NewDestination: to}
		},
		said("deflected call %s to %s", to))
}

func (a *app) digits(ctx context.Context, out *printer, args []string) error {
	d := args[0]
	return a.onCall(ctx, out, arg(args, 1), states(csta.StateConnected),
		func(c csta.ConnectionID) csta.Request {
			return &csta.GenerateDigits{ConnectionToSendDigits: c, CharactersToSend: d}
		},
		said("sent digits %[2]s on call %[1]s", d))
}

// conference joins the held and the active call; with a number it first
// calls the number for consultation (putting the active call on hold) and
// waits for it to answer. When the consulted party does not answer (busy,
// refused, no answer in time) the consultation call is cleared and the held
// call taken back, and the cause is the error.
func (a *app) conference(ctx context.Context, out *printer, args []string) error {
	if len(args) == 1 {
		to := number(args[0])
		held, consult, err := a.consultation(ctx, to, "")
		if err != nil {
			return err
		}
		out.line("consulting %s: call %s; waiting for the answer", to, consult.CallID)
		a.out.flush()
		// Our end of the consultation call is connected as soon as it is
		// placed; the far end has answered when it is established.
		for {
			answered, failed, cause := a.calls.outcome(consult.CallID)
			if answered {
				break
			}
			why := ""
			switch {
			case failed && cause != "":
				why = string(cause)
			case failed:
				why = "the call failed"
			}
			if why == "" {
				select {
				case <-a.calls.watch():
					continue
				case <-ctx.Done():
					why = fmt.Sprintf("no answer within %s", a.cfg.answerWait)
				}
			}
			return fmt.Errorf("conference: %s did not answer the consultation call %s: %s; %s",
				to, consult.CallID, why, a.giveBack(held, consult))
		}
	}
	held, active, err := a.pair()
	if err != nil {
		return err
	}
	resp, err := a.do(ctx, &csta.ConferenceCall{HeldCall: held, ActiveCall: active})
	if err != nil {
		return err
	}
	if r, ok := resp.(*csta.ConferenceCallResponse); ok {
		out.line("conference call %s", r.ConferenceCall.CallID)
		return nil
	}
	out.line("conferenced calls %s and %s", held.CallID, active.CallID)
	return nil
}

// giveBack clears a failed consultation call and takes back the held call
// (ReconnectCall, or ClearConnection and RetrieveCall where the gateway
// refuses that), and says what it did.
func (a *app) giveBack(held, consult csta.ConnectionID) string {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.timeout)
	defer cancel()
	if _, err := a.do(ctx, &csta.ReconnectCall{HeldCall: held, ActiveCall: consult}); err == nil {
		a.settle(ctx, held.CallID, consult.CallID)
		return fmt.Sprintf("cleared call %s and took back call %s", consult.CallID, held.CallID)
	}
	var notes []string
	if _, err := a.do(ctx, &csta.ClearConnection{ConnectionToBeCleared: consult}); err != nil {
		notes = append(notes, err.Error())
	} else {
		notes = append(notes, fmt.Sprintf("cleared call %s", consult.CallID))
	}
	if _, err := a.do(ctx, &csta.RetrieveCall{CallToBeRetrieved: held}); err != nil {
		notes = append(notes, fmt.Sprintf("call %s is still on hold: %v", held.CallID, err))
	} else {
		notes = append(notes, fmt.Sprintf("took back call %s", held.CallID))
	}
	a.settle(ctx, held.CallID, consult.CallID)
	return strings.Join(notes, ", ")
}

// settle waits, bounded by ctx and a second, until the events have told
// that the consultation call has left the line and the held call is
// connected again, so that "calls" shows the line as it is.
func (a *app) settle(ctx context.Context, held, consult csta.CallID) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	for a.calls.has(consult) || a.calls.state(held) != csta.StateConnected {
		select {
		case <-a.calls.watch():
		case <-ctx.Done():
			return
		}
	}
}

// forwardTypes maps the short forwarding names to CSTA's.
var forwardTypes = map[string]csta.ForwardingType{
	"immediate": csta.ForwardImmediate,
	"always":    csta.ForwardImmediate,
	"busy":      csta.ForwardBusy,
	"noanswer":  csta.ForwardNoAns,
	"dnd":       csta.ForwardDND,
}

func (a *app) forward(ctx context.Context, out *printer, args []string) error {
	if len(args) == 0 {
		resp, err := a.do(ctx, &csta.GetForwarding{Device: csta.Device(a.cfg.line)})
		if err != nil {
			return err
		}
		r, ok := resp.(*csta.GetForwardingResponse)
		if !ok {
			return fmt.Errorf("GetForwarding: unexpected answer")
		}
		active := 0
		for _, f := range r.ForwardingList {
			if !f.ForwardStatus {
				continue
			}
			active++
			to := "-"
			if f.ForwardDN != nil {
				to = f.ForwardDN.ID
			}
			out.line("forwarding (%s) to %s", f.ForwardingType, to)
		}
		if active == 0 {
			out.line("no forwarding at %s", a.cfg.line)
		}
		return nil
	}
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
		out.line("forwarding (%s) to %s", ft, req.ForwardDN)
	} else {
		out.line("forwarding (%s) off", ft)
	}
	return nil
}

func (a *app) dnd(ctx context.Context, out *printer, args []string) error {
	if len(args) == 0 {
		resp, err := a.do(ctx, &csta.GetDoNotDisturb{Device: csta.Device(a.cfg.line)})
		if err != nil {
			return err
		}
		r, ok := resp.(*csta.GetDoNotDisturbResponse)
		if !ok {
			return fmt.Errorf("GetDoNotDisturb: unexpected answer")
		}
		if r.DoNotDisturbOn {
			out.line("do not disturb is on")
		} else {
			out.line("do not disturb is off")
		}
		return nil
	}
	var on bool
	switch strings.ToLower(args[0]) {
	case "on":
		on = true
	case "off":
	default:
		return fmt.Errorf("usage: dnd [on|off]")
	}
	if _, err := a.do(ctx, &csta.SetDoNotDisturb{Device: csta.Device(a.cfg.line), DoNotDisturbOn: on}); err != nil {
		return err
	}
	out.line("do not disturb %s", strings.ToLower(args[0]))
	return nil
}

// refresh asks for the calls at the line, so the commands know them.
func (a *app) refresh(ctx context.Context, s *sip.ClientSession) error {
	resp, err := s.Do(ctx, &csta.SnapshotDevice{SnapshotObject: csta.Device(a.cfg.line)})
	if err != nil {
		return err
	}
	r, ok := resp.(*csta.SnapshotDeviceResponse)
	if !ok {
		return fmt.Errorf("SnapshotDevice: unexpected answer")
	}
	a.calls.snapshot(r)
	return nil
}

// snapshot asks for the calls at the line and prints them.
func (a *app) snapshot(ctx context.Context, out *printer) error {
	s := a.current()
	if s == nil {
		return errNoSession
	}
	if err := a.refresh(ctx, s); err != nil {
		return errors.New(explain("SnapshotDevice", err))
	}
	return a.listCalls(ctx, out, nil)
}

// listCalls prints the calls the client knows at the line.
func (a *app) listCalls(_ context.Context, out *printer, _ []string) error {
	list := a.calls.list()
	if len(list) == 0 {
		out.line("no calls at %s", a.cfg.line)
	}
	for _, c := range list {
		out.line("%s", c)
	}
	return nil
}

func (a *app) features(ctx context.Context, out *printer, _ []string) error {
	s := a.current()
	if s == nil {
		return errNoSession
	}
	f, err := s.Features(ctx)
	if err != nil {
		return errors.New(explain("GetCSTAFeatures", err))
	}
	out.line("services: %s", strings.Join(f.Features.Services.Names(), " "))
	out.line("events: %s", strings.Join(f.Features.Events.Names(), " "))
	return nil
}
