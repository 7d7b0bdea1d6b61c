package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
)

// Session is one CSTA application session: one client dialog controlling
// one line appearance through one CTI link at a time. Its methods are safe
// for concurrent use. A session holds no goroutine of its own.
type Session struct {
	m *Manager

	// Fixed at open.
	dialogID string
	user     string
	userKey  string
	line     string // the client's Line URI, as sent
	app      lineappearance.Appearance
	key      string // the line's CTI key
	appKey   string
	peer     string
	sink     EventSink
	opened   time.Time
	xref     csta.MonitorCrossRefID // the gateway's, for the session's life

	lastReq   atomic.Int64 // unix nanoseconds
	refreshed atomic.Int64

	// evMu orders deliveries to the sink: it is held from the moment an
	// event is taken in until the sink has it.
	evMu sync.Mutex

	mu         sync.Mutex
	state      State
	reason     error // why the session closed
	link       Link
	mon        Monitor         // the CTI monitor; after LinkDown, the dead one
	monH       *monitorHandler // the handler whose calls count
	ctiXref    csta.MonitorCrossRefID
	monitoring bool          // the client has a monitor
	busy       chan struct{} // a monitor change or re-homing is under way
	resync     bool          // events are held until the re-homing's snapshot
	held       []csta.Event
	calls      map[csta.CallID]csta.LocalConnectionState
	queued     bool // in the re-homing queue
}

// DialogID returns the key of the session's dialog.
func (s *Session) DialogID() string { return s.dialogID }

// User returns the SIP address of record the session was opened for.
func (s *Session) User() string { return s.user }

// Line returns the client's Line URI, as sent.
func (s *Session) Line() string { return s.line }

// Appearance returns the line appearance the session controls.
func (s *Session) Appearance() lineappearance.Appearance { return s.app }

// MonitorCrossRefID returns the monitorCrossRefID the session gives the
// client: made by the gateway, fixed for the session's life.
func (s *Session) MonitorCrossRefID() csta.MonitorCrossRefID { return s.xref }

// State returns the session's state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Info returns a snapshot of the session.
func (s *Session) Info() Info {
	s.mu.Lock()
	in := Info{
		DialogID:          s.dialogID,
		User:              s.user,
		Line:              s.line,
		Appearance:        s.app,
		Peer:              s.peer,
		State:             s.state,
		Monitoring:        s.monitoring,
		MonitorCrossRefID: s.xref,
		Calls:             len(s.calls),
		Opened:            s.opened,
	}
	if s.link != nil {
		in.CTI, in.Generation = s.link.Endpoint(), s.link.Generation()
	}
	s.mu.Unlock()
	if t := s.lastReq.Load(); t != 0 {
		in.LastRequest = time.Unix(0, t)
	}
	if t := s.refreshed.Load(); t != 0 {
		in.Refreshed = time.Unix(0, t)
	}
	return in
}

// Refreshed records a refresh of the session's dialog (the client's
// re-INVITE or UPDATE, or the gateway's own refresh when it is the
// refresher) and says whether the refresh may go ahead: it fails as the
// client's next request would, with ErrStaleSession (the session is then
// closed) or ErrClosed, both answered 481, so that a client that uses the
// refresh as its health check opens a new session. A session whose CTI
// connection is down (and may come back) accepts the refresh.
func (s *Session) Refreshed() error {
	if err := s.usable(); err != nil {
		return err
	}
	s.refreshed.Store(time.Now().UnixNano())
	return nil
}

// Close closes the session because its dialog ended (BYE, expiry, a
// transport failure): the CTI monitor is stopped in the background (bounded
// by Config.StopTimeout) and the session is removed. reason is recorded
// and wrapped, with ErrClosed, in the error of later requests. The sink is
// not told. Close is idempotent and does not block.
func (s *Session) Close(reason error) {
	if reason == nil {
		reason = errors.New("session: closed")
	}
	s.close(reason, "", false)
}

// closeWith closes the session for one of the manager's reasons and tells
// the sink to End with endReason.
func (s *Session) closeWith(reason error, endReason string) {
	s.close(reason, endReason, false)
}

// close closes the session; see Close. With endReason the sink is told to
// End; with syncStop the monitor is stopped before close returns. It
// reports whether this call closed the session.
func (s *Session) close(reason error, endReason string, syncStop bool) bool {
	s.mu.Lock()
	if s.state == StateClosed {
		s.mu.Unlock()
		return false
	}
	s.setStateLocked(StateClosed)
	s.reason = reason
	mon := s.mon
	s.mon, s.monH, s.held, s.resync = nil, nil, nil, false
	s.mu.Unlock()
	s.m.unregister(s)
	if mon != nil {
		if syncStop {
			s.m.stopMonitorNow(mon)
		} else {
			s.m.stopMonitor(mon)
		}
	}
	if endReason != "" {
		s.sink.End(endReason)
	}
	s.m.stats.close(reason)
	s.logInfo("session closed", "reason", closeReason(reason), "err", reason)
	if s.m.obs.SessionClosed != nil {
		s.m.obs.SessionClosed(s.Info(), reason)
	}
	return true
}

// setStateLocked changes the state and the manager's gauges. The caller
// holds s.mu.
func (s *Session) setStateLocked(st State) {
	if s.state == st {
		return
	}
	s.m.stats.states[s.state].Add(-1)
	if st != StateClosed {
		s.m.stats.states[st].Add(1)
	}
	if s.state == StateDown || st == StateDown {
		s.m.setDown(s, st == StateDown)
	}
	s.state = st
}

// closedErrLocked returns the error for a request on a closed session. The
// caller holds s.mu.
func (s *Session) closedErrLocked() error {
	if errors.Is(s.reason, ErrStaleSession) {
		return s.reason
	}
	return fmt.Errorf("%w: %w", ErrClosed, s.reason)
}

// logInfo logs a session event with the session's attributes.
func (s *Session) logInfo(msg string, args ...any) {
	log := s.m.log
	if !log.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	in := s.Info()
	log.Info(msg, append([]any{"user", s.user, "line", s.line, "device", s.app.Device,
		"cti", in.CTI, "gen", in.Generation, "dialog", s.dialogID}, args...)...)
}

// acquireBusy waits, bounded by ctx, until no monitor change or re-homing
// is under way, and marks one under way.
func (s *Session) acquireBusy(ctx context.Context) error {
	for {
		s.mu.Lock()
		if s.busy == nil {
			s.busy = make(chan struct{})
			s.mu.Unlock()
			return nil
		}
		ch := s.busy
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// releaseBusy ends what acquireBusy started.
func (s *Session) releaseBusy() {
	s.mu.Lock()
	close(s.busy)
	s.busy = nil
	s.mu.Unlock()
}

// Handle serves one CSTA message the client sent in the session's dialog,
// and returns the answer: a positive response, or a *csta.CSTAErrorCode,
// written in the request's namespace. It returns an error, and no answer,
// only when the session itself is gone: ErrStaleSession (the session is
// then closed) or ErrClosed. Handle is bounded by ctx and by
// Config.RequestTimeout. It may modify msg.
//
// See the package documentation for what each request does, how
// identifiers are translated, and which requests are refused.
func (s *Session) Handle(ctx context.Context, msg csta.Message) (csta.Message, error) {
	start := time.Now()
	s.lastReq.Store(start.UnixNano())
	svc := serviceOf(msg)
	ctx, cancel := context.WithTimeout(ctx, s.m.cfg.RequestTimeout)
	defer cancel()
	resp, out, err := s.handle(ctx, msg)
	elapsed := time.Since(start)
	s.m.stats.requests[svc][out].Add(1)
	if s.m.log.Enabled(ctx, slog.LevelDebug) {
		s.m.log.Debug("request", "dialog", s.dialogID, "user", s.user, "service", services[svc],
			"outcome", out, "elapsed", elapsed, "err", err)
	}
	if s.m.obs.RequestDone != nil {
		s.m.obs.RequestDone(services[svc], out, elapsed)
	}
	return resp, err
}

func (s *Session) handle(ctx context.Context, msg csta.Message) (csta.Message, Outcome, error) {
	req, isRequest := msg.(csta.Request)
	switch {
	case msg == nil:
		return csta.ErrorResponse(csta.Header{}, csta.ErrRequestIncompatibleWithObject), OutcomeRefused, nil
	case isUnknown(msg):
		return csta.ErrorResponse(*msg.MessageHeader(), csta.ErrServiceNotSupported), OutcomeRefused, nil
	case !isRequest:
		return csta.ErrorResponse(*msg.MessageHeader(), csta.ErrRequestIncompatibleWithObject), OutcomeRefused, nil
	}
	if err := s.usable(); err != nil {
		return nil, OutcomeRejected, err
	}
	hdr := *req.MessageHeader()
	if !s.takeLine(req) {
		return csta.ErrorResponse(hdr, csta.ErrPrivilegeViolation), OutcomeRefused, nil
	}
	if !s.offeredService(req) {
		return csta.ErrorResponse(hdr, csta.ErrServiceNotSupported), OutcomeRefused, nil
	}
	switch r := req.(type) {
	case *csta.GetCSTAFeatures:
		return s.features(ctx, r)
	case *csta.MonitorStart:
		return s.monitorStart(ctx, r)
	case *csta.MonitorStop:
		return s.monitorStop(ctx, r)
	case *csta.RequestSystemStatus:
		st := csta.SystemNormal
		if _, err := s.currentLink(ctx); errors.Is(err, ErrStaleSession) || errors.Is(err, ErrClosed) {
			return nil, OutcomeRejected, err
		} else if err != nil {
			st = csta.SystemDisabled
		}
		return &csta.RequestSystemStatusResponse{Header: hdr.Reply(), SystemStatus: st}, OutcomeOK, nil
	case *csta.SystemStatus:
		return &csta.SystemStatusResponse{Header: hdr.Reply()}, OutcomeOK, nil
	case *csta.ClearCall:
		return s.clearCall(ctx, r)
	case *csta.SnapshotDevice, *csta.MakeCall, *csta.AnswerCall, *csta.ClearConnection,
		*csta.HoldCall, *csta.RetrieveCall, *csta.ConsultationCall, *csta.AlternateCall,
		*csta.ReconnectCall, *csta.TransferCall, *csta.SingleStepTransferCall,
		*csta.ConferenceCall, *csta.DeflectCall, *csta.GenerateDigits,
		*csta.SetForwarding, *csta.GetForwarding, *csta.SetDoNotDisturb, *csta.GetDoNotDisturb:
		return s.forward(ctx, req)
	}
	return csta.ErrorResponse(hdr, csta.ErrServiceNotSupported), OutcomeRefused, nil
}

func isUnknown(m csta.Message) bool {
	_, ok := m.(*csta.Unknown)
	return ok
}

// usable refuses a request on a closed or stale session. A stale session
// is closed here.
func (s *Session) usable() error {
	s.mu.Lock()
	st, link := s.state, s.link
	if st == StateClosed {
		err := s.closedErrLocked()
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()
	if st == StateStale {
		return s.goStale(errors.New("CTI connection re-established"))
	}
	if s.m.cfg.LossPolicy == Reconnect {
		if err := link.Check(); isStale(err) {
			return s.goStale(err)
		}
	}
	return nil
}

// goStale closes a session whose link is stale (Reconnect policy) and
// returns ErrStaleSession. The sink is not told: the SIP layer answers 481
// and forgets the dialog.
func (s *Session) goStale(cause error) error {
	err := fmt.Errorf("%w: %w", ErrStaleSession, cause)
	if !s.close(err, "", false) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.closedErrLocked()
	}
	return err
}

// forward sends a request to the CTI side, translated both ways.
func (s *Session) forward(ctx context.Context, req csta.Request) (csta.Message, Outcome, error) {
	hdr := *req.MessageHeader()
	if refusal := s.toCTI(req); refusal != nil {
		return csta.ErrorResponse(hdr, refusal), OutcomeRefused, nil
	}
	// The CTI link writes its own edition.
	*req.MessageHeader() = csta.Header{}
	resp, err := s.do(ctx, req)
	if err != nil {
		return s.failure(hdr, err)
	}
	s.toClient(resp)
	if mc, ok := resp.(*csta.MakeCallResponse); ok {
		// A TR/87 client takes the callID only with its Line URI.
		mc.CallingDevice.DeviceID = csta.Device(s.line)
	}
	*resp.MessageHeader() = hdr.Reply()
	return resp, OutcomeOK, nil
}

// failure turns the error of a CTI request into the answer.
func (s *Session) failure(hdr csta.Header, err error) (csta.Message, Outcome, error) {
	if errors.Is(err, ErrStaleSession) || errors.Is(err, ErrClosed) {
		return nil, OutcomeRejected, err
	}
	var ce *csta.Error
	if errors.As(err, &ce) && !errors.Is(err, csta.ErrResourceOutOfService) {
		return csta.ErrorResponse(hdr, ce), OutcomeCTIError, nil
	}
	return csta.ErrorResponse(hdr, ctiError(err)), OutcomeUnavailable, nil
}

// do sends a request on the session's link. A link failure is handled by
// the loss policy: under Rehome the session moves to another link and a
// request that certainly never left is sent again there, once.
func (s *Session) do(ctx context.Context, req csta.Request) (csta.Response, error) {
	link, err := s.currentLink(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := link.Do(ctx, req)
	if err == nil || !isLinkDown(err) {
		return resp, err
	}
	next, lerr := s.linkFailed(ctx, link, err)
	if lerr != nil {
		return nil, lerr
	}
	if !safeToRetry(err) {
		return nil, err
	}
	return next.Do(ctx, req)
}

// currentLink returns the session's link when it is usable, and otherwise
// applies the loss policy.
func (s *Session) currentLink(ctx context.Context) (Link, error) {
	s.mu.Lock()
	st, link := s.state, s.link
	s.mu.Unlock()
	if st == StateActive && link.Check() == nil {
		return link, nil
	}
	return s.ensureLink(ctx)
}

// linkFailed applies the loss policy after a request on link failed with a
// link error; it returns the link to use from now on.
func (s *Session) linkFailed(ctx context.Context, link Link, cause error) (Link, error) {
	if s.m.cfg.LossPolicy == Reconnect {
		if isStale(cause) {
			return nil, s.goStale(cause)
		}
		s.mu.Lock()
		if s.state == StateActive && s.link == link {
			s.setStateLocked(StateDown)
		}
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %w", csta.ErrResourceOutOfService, cause)
	}
	s.mu.Lock()
	if s.state == StateActive && s.link == link {
		s.setStateLocked(StateRehoming)
	}
	s.mu.Unlock()
	return s.ensureLink(ctx)
}

// features answers GetCSTAFeatures with what the session offers on its
// link; see Manager.offered.
func (s *Session) features(ctx context.Context, req *csta.GetCSTAFeatures) (csta.Message, Outcome, error) {
	hdr := req.Header
	link, err := s.currentLink(ctx)
	if err != nil {
		return s.failure(hdr, err)
	}
	f := s.m.offered(ctx, link)
	return &csta.GetCSTAFeaturesResponse{Header: hdr.Reply(), Features: csta.Features{
		Services: f.Services.Clone(), Events: f.Events.Clone()}}, OutcomeOK, nil
}
