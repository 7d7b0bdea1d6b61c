package sip

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/internal/growstack"
)

// phase is where a server dialog is in its life.
type phase uint8

// Phases of a server dialog.
const (
	phaseOpening     phase = iota // Open runs; nothing sent yet
	phaseEstablished              // 200 OK sent, ACK not yet received
	phaseConfirmed                // ACK received
	phaseEnded                    // ended; nothing more is sent
)

// String returns "opening", "established", "confirmed" or "ended".
func (p phase) String() string {
	switch p {
	case phaseOpening:
		return "opening"
	case phaseEstablished:
		return "established"
	case phaseConfirmed:
		return "confirmed"
	case phaseEnded:
		return "ended"
	}
	return "phase(" + strconv.Itoa(int(p)) + ")"
}

// byeTimeout bounds how long a BYE waits for its answer.
var byeTimeout = 64 * sipmsg.T1

// dialog is one TR/87 dialog on the server: the SIP state, the session it
// belongs to, and the queue of events waiting to go out. An idle dialog
// holds no goroutine: a sender runs only while events are queued, and the
// session timer is a time.AfterFunc.
type dialog struct {
	srv       *Server
	life      life   // done when the dialog ends; the context of the work done for it
	tag       string // ours, the key in Server.dialogs
	remoteTag string
	info      DialogInfo
	leg       leg
	ep        *endpoint
	ns        csta.Header // namespace of the client's INVITE body
	cseq0     uint32      // CSeq of the INVITE that opened the dialog
	udp       bool
	auth      authBinding // who opened it, when through digest (auth_server.go)

	// Set before the 200 OK is sent, read-only afterwards.
	sess Session
	body []byte // the 200 OK body, sent again to re-INVITEs

	mu        sync.Mutex
	phase     phase
	answered  bool   // the 200 OK to the INVITE has gone out
	source    string // where the dialog's latest request came from
	endReason error  // End called while Open ran
	why       error  // why the dialog ended, for the BYE's Reason
	ackDone   chan struct{}
	ack       *ackWait
	expiry    *time.Timer
	queue     [][]byte
	sending   bool
	handling  int // client INFOs being handled whose answer has not gone out
	timeouts  int
	reqLength int // estimated size of an event INFO without its body

	cseqIn cseqs // the client's requests, to refuse replays; under mu

	// The session timer (RFC 4028), see refresh.go.
	interval      time.Duration
	byUs          bool        // the server is the refresher (refresher=uas)
	allowUpdate   bool        // the client allows UPDATE
	refreshTimer  *time.Timer // the server's next refresh, while it refreshes
	refreshing    bool        // a refresh of the server's is under way
	refreshMissed bool        // the refresh timer fired while one was under way
	// ownRefresh is the method of the server's refresh request while it
	// waits for its final response; peerRefreshes counts the client's
	// re-INVITEs and UPDATEs not answered yet. Each excludes the other
	// (glare, see refresh.go).
	ownRefresh    sipmsg.RequestMethod
	peerRefreshes int
	armed         uint64 // how many times the session timers were (re)started

	// Event INFOs: whether the client answers them (see clientEvents), and
	// the bound on those in flight while they are pipelined.
	events   clientEvents
	inflight chan struct{}
}

// clientEvents is what a dialog knows of its client's answers to event
// INFOs.
type clientEvents uint8

const (
	eventsUnknown   clientEvents = iota // none answered, none unanswered yet
	eventsSilent                        // one went unanswered before any was: pipelined until one is
	eventsAnswering                     // the client has answered one
)

// ackWait is a 2xx to an INVITE waiting for its ACK: resent over UDP at
// T1, 2*T1, ... T2, for 64*T1 at most (RFC 3261 section 13.3.1.4).
type ackWait struct {
	cseq    uint32
	tx      sipmsg.ServerTransaction // nil when not resending (TCP, TLS)
	res     *sipmsg.Response
	every   time.Duration
	resend  *time.Timer
	limit   *time.Timer
	initial bool
}

// SendEvent implements EventSink.
func (d *dialog) SendEvent(ev csta.Event) error {
	if ev == nil {
		return fmt.Errorf("sip: SendEvent: nil event")
	}
	body, err := csta.Encode(inNamespace(ev, d.ns))
	if err != nil {
		d.srv.stats.dropped.Add(1)
		return err
	}
	limit := d.srv.cfg.UDPMaxMessageSize
	d.mu.Lock()
	switch {
	case d.phase == phaseEnded:
		d.mu.Unlock()
		d.srv.stats.dropped.Add(1)
		return ErrDialogEnded
	case d.udp && limit > 0 && len(body)+d.reqLength > limit:
		d.mu.Unlock()
		d.srv.stats.dropped.Add(1)
		return fmt.Errorf("%w: %d bytes of body, UDP limit %d", ErrEventTooLarge, len(body), limit)
	case len(d.queue) >= d.srv.cfg.EventQueueSize:
		d.mu.Unlock()
		d.srv.stats.dropped.Add(1)
		return ErrEventQueueFull
	}
	d.queue = append(d.queue, body)
	start := d.answered && d.handling == 0 && !d.sending
	if start {
		d.sending = true
		d.srv.workers.enter()
	}
	d.mu.Unlock()
	if start {
		go d.sendLoop()
	}
	return nil
}

// beginRequest records that a client INFO is being handled: events queued
// from now on wait until its answer has gone out, so that a client sees the
// response to its request (a MakeCallResponse with the call's ID) before the
// events the request caused.
func (d *dialog) beginRequest() {
	if d.srv.eventsOvertake.Load() {
		return
	}
	d.mu.Lock()
	d.handling++
	d.mu.Unlock()
}

// endRequest records that the answer to a client INFO has gone out, and
// starts the event sender if events are waiting and no other request is
// being handled.
func (d *dialog) endRequest() {
	if d.srv.eventsOvertake.Load() {
		return
	}
	d.mu.Lock()
	d.handling--
	start := d.handling == 0 && d.answered && len(d.queue) > 0 && !d.sending && d.phase != phaseEnded
	if start {
		d.sending = true
		d.srv.workers.enter()
	}
	d.mu.Unlock()
	if start {
		go d.sendLoop()
	}
}

// End implements EventSink.
func (d *dialog) End(reason string) {
	err := fmt.Errorf("%w: %s", ErrEnded, reason)
	d.mu.Lock()
	if d.phase == phaseOpening {
		if d.endReason == nil {
			d.endReason = err
		}
		d.mu.Unlock()
		return
	}
	d.mu.Unlock()
	d.endWithBye(err)
}

// endWithBye ends the dialog and sends BYE from a new goroutine.
func (d *dialog) endWithBye(reason error) {
	if d.terminate(reason) {
		d.srv.workers.enter()
		go func() {
			defer d.srv.workers.leave()
			d.bye(context.Background())
		}()
	}
}

// needsBye reports whether a dialog ended for reason must be ended towards
// the peer with BYE.
func needsBye(reason error) bool {
	for _, e := range []error{ErrPeerBye, ErrCanceled, ErrDialogGone, ErrStaleSession} {
		if errors.Is(reason, e) {
			return false
		}
	}
	return true
}

// establish prepares the dialog for its 200 OK, just before it is sent:
// it starts the session timers and the wait for the ACK.
func (d *dialog) establish(tc timerChoice, aw *ackWait) {
	d.mu.Lock()
	d.phase = phaseEstablished
	d.setTimerLocked(tc)
	d.armTimersLocked(tc.interval)
	d.awaitAck(aw)
	d.mu.Unlock()
}

// opened records that the 200 OK has gone out: it starts the event sender
// if events were queued while Open ran, and ends the dialog if End was
// called then.
func (d *dialog) opened() {
	d.mu.Lock()
	d.answered = true
	pending := d.endReason
	start := len(d.queue) > 0 && !d.sending && d.handling == 0 && d.phase != phaseEnded
	if start {
		d.sending = true
		d.srv.workers.enter()
	}
	d.mu.Unlock()
	d.srv.stats.opened.Add(1)
	if d.srv.obs.DialogOpened != nil {
		d.srv.obs.DialogOpened(d.info)
	}
	if start {
		go d.sendLoop()
	}
	if pending != nil {
		d.endWithBye(pending)
	}
}

// expiryDelay is when the server ends a dialog whose session interval is
// interval and that was not refreshed: before it expires by the smaller of
// 32 seconds and a third of the interval (RFC 4028 section 10).
func expiryDelay(interval time.Duration) time.Duration {
	return interval - min(32*time.Second, interval/3)
}

// expired ends a dialog its client did not refresh.
func (d *dialog) expired() {
	d.srv.log.Info("session timer expired", "dialog", d.info.DialogID)
	d.endWithBye(ErrExpired)
}

// refresh restarts the session timers after a refresh of the client's,
// with the refresher it negotiated.
func (d *dialog) refresh(tc timerChoice) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.phase == phaseEnded {
		return false
	}
	d.setTimerLocked(tc)
	d.armTimersLocked(tc.interval)
	return true
}

// awaitAck starts waiting for the ACK to a 2xx. d.mu is held.
func (d *dialog) awaitAck(aw *ackWait) {
	if old := d.ack; old != nil {
		d.stopResend(old)
		if old.initial {
			// A re-INVITE before the first ACK: keep waiting for that one.
			aw.initial = true
			aw.limit = old.limit
		} else {
			old.limit.Stop()
		}
	}
	d.ack = aw
	if aw.tx != nil {
		aw.every = sipmsg.T1
		aw.resend = time.AfterFunc(aw.every, func() { d.resend(aw) })
	}
	if aw.limit == nil {
		aw.limit = time.AfterFunc(64*sipmsg.T1, func() { d.ackTimeout(aw) })
	}
}

// resend sends a 2xx again while its ACK has not come.
func (d *dialog) resend(aw *ackWait) {
	d.mu.Lock()
	if d.ack != aw || aw.resend == nil {
		d.mu.Unlock()
		return
	}
	aw.every = min(2*aw.every, sipmsg.T2)
	aw.resend.Reset(aw.every)
	d.mu.Unlock()
	if err := aw.tx.Respond(aw.res); err != nil {
		d.mu.Lock()
		d.stopResend(aw)
		d.mu.Unlock()
	}
}

// stopResend stops resending a 2xx. d.mu is held.
func (d *dialog) stopResend(aw *ackWait) {
	if aw.resend != nil {
		aw.resend.Stop()
		aw.resend = nil
	}
}

// ackTimeout gives up waiting for an ACK. Without the ACK to the first 2xx
// the dialog is ended with BYE (RFC 3261 section 13.3.1.4).
func (d *dialog) ackTimeout(aw *ackWait) {
	d.mu.Lock()
	if d.ack != nil && (d.ack == aw || aw.initial) {
		// A re-INVITE that came before the first ACK shares its limit.
		d.stopResend(d.ack)
		d.ack = nil
	}
	initial := aw.initial && d.phase == phaseEstablished
	if aw.initial {
		d.closeAckDone()
	}
	d.mu.Unlock()
	if initial {
		d.srv.log.Info("no ACK for the 2xx; ending the dialog", "dialog", d.info.DialogID)
		d.endWithBye(ErrNoACK)
	}
}

// closeAckDone releases whoever waits for the first ACK. d.mu is held.
func (d *dialog) closeAckDone() {
	select {
	case <-d.ackDone:
	default:
		close(d.ackDone)
	}
}

// acked handles an ACK with CSeq number cseq from source.
func (d *dialog) acked(cseq uint32, source string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	aw := d.ack
	if aw == nil || aw.cseq != cseq {
		return
	}
	d.stopResend(aw)
	aw.limit.Stop()
	d.ack = nil
	d.source = source
	if aw.initial {
		if d.phase == phaseEstablished {
			d.phase = phaseConfirmed
		}
		d.closeAckDone()
	}
}

// touch records where the dialog's latest request came from.
func (d *dialog) touch(source string) {
	d.mu.Lock()
	d.source = source
	d.mu.Unlock()
}

// ended reports whether the dialog has ended.
func (d *dialog) ended() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.phase == phaseEnded
}

// requestContext returns a context for work on the dialog's behalf that is
// cancelled when the dialog ends, and after timeout when positive. ok is
// false when the dialog has already ended.
func (d *dialog) requestContext(timeout time.Duration) (ctx context.Context, release func(), ok bool) {
	if d.life.Err() != nil {
		return nil, nil, false
	}
	if timeout <= 0 {
		return &d.life, func() {}, true
	}
	ctx, stop := context.WithTimeout(&d.life, timeout)
	return ctx, stop, true
}

// terminate ends the dialog: it stops the session timer, drops queued
// events, cancels work in progress and tells the session and the observer.
// It reports whether the caller must now send BYE (with d.bye, which also
// removes the dialog from the server); otherwise the dialog is removed at
// once. Only the first call does anything.
func (d *dialog) terminate(reason error) (bye bool) {
	d.mu.Lock()
	if d.phase == phaseEnded || d.phase == phaseOpening {
		d.mu.Unlock()
		return false
	}
	d.phase = phaseEnded
	d.why = reason
	if d.expiry != nil {
		d.expiry.Stop()
	}
	if d.refreshTimer != nil {
		d.refreshTimer.Stop()
	}
	dropped := len(d.queue)
	d.queue = nil
	answered := d.answered
	d.mu.Unlock()
	d.life.end()

	bye = needsBye(reason)
	if !bye {
		d.srv.remove(d)
	}
	d.srv.stats.dropped.Add(uint64(dropped))
	d.srv.log.Debug("dialog ended", "dialog", d.info.DialogID, "reason", reason)
	d.sess.Closed(reason)
	if answered {
		d.srv.stats.closed.Add(1)
		if d.srv.obs.DialogClosed != nil {
			d.srv.obs.DialogClosed(d.info, reason)
		}
	}
	return bye
}

// bye sends BYE, once the first ACK has come or the wait for it is over,
// and removes the dialog from the server.
func (d *dialog) bye(ctx context.Context) {
	defer d.srv.remove(d)
	ctx, release, ok := d.srv.byes.with(ctx)
	if !ok {
		return
	}
	defer release()
	select {
	case <-d.ackDone:
	case <-ctx.Done():
		return
	}
	ctx, cancel := context.WithTimeout(ctx, byeTimeout)
	defer cancel()
	d.mu.Lock()
	cause, text := byeReason(d.why)
	d.mu.Unlock()
	d.srv.log.Info("ending the dialog with BYE", "dialog", d.info.DialogID, "reason", text, "cause", cause)
	req := d.newRequest(sipmsg.BYE)
	req.AppendHeader(sipmsg.NewHeader("Reason", reasonHeader(cause, text)))
	res, err := d.srv.roundTrip(ctx, req)
	switch {
	case err != nil:
		d.srv.log.Debug("BYE got no answer", "dialog", d.info.DialogID, "error", err)
	case !res.IsSuccess():
		d.srv.log.Debug("BYE refused", "dialog", d.info.DialogID, "status", res.StatusCode)
	}
}

// newRequest builds a request of ours in the dialog and picks where it
// goes: over TCP and TLS the connection the dialog's requests come on while
// it is open; otherwise the route set, or the remote target (or, with
// RewriteContact, the source address).
func (d *dialog) newRequest(method sipmsg.RequestMethod) *sipmsg.Request {
	req := d.leg.request(method, 0, d.ep.via, d.ep.contact, d.srv.cfg.UserAgent)
	d.mu.Lock()
	src := d.source
	d.mu.Unlock()
	switch {
	case !d.udp && d.srv.connOpen(d.leg.transport, src):
		req.SetDestination(src)
	case d.srv.cfg.RewriteContact && !d.leg.hasRoutes():
		req.SetDestination(src)
	}
	if d.udp && d.ep.laddr.IP != nil {
		d.ep.laddr.Copy(&req.Laddr)
	}
	return req
}

// sendLoop sends queued events in order, and returns when the queue is
// empty or the dialog has ended. Once the client has answered an event
// INFO each event waits for its answer before the next goes; until then
// they are pipelined (see sendPipelined).
func (d *dialog) sendLoop() {
	defer d.srv.workers.leave()
	growstack.Grow() // the way down through sipgo's client transaction is deep
	var anchor growstack.Anchor
	anchor.Set()
	defer anchor.Check() // the path fitted in the room Grow made
	for {
		d.mu.Lock()
		if d.phase == phaseEnded || len(d.queue) == 0 || d.handling > 0 {
			// A client request being handled holds the events back until
			// its answer has gone out; endRequest starts the sender again.
			d.sending = false
			d.mu.Unlock()
			return
		}
		body := d.queue[0]
		d.queue[0] = nil
		d.queue = d.queue[1:]
		if len(d.queue) == 0 {
			d.queue = nil
		}
		pipelined := d.events == eventsSilent
		d.mu.Unlock()
		if pipelined {
			d.sendPipelined(body)
		} else {
			d.sendEvent(body)
		}
	}
}

// pipelineMax bounds the event INFOs of a dialog in flight at once while
// its client has never answered one.
const pipelineMax = 32

// eventRequest builds an event INFO.
func (d *dialog) eventRequest(body []byte) *sipmsg.Request {
	req := d.newRequest(sipmsg.INFO)
	ct := sipmsg.ContentTypeHeader(contentTypeCSTA)
	req.AppendHeader(&ct)
	req.AppendHeader(sipmsg.NewHeader("Content-Disposition", contentDispositionCSTA))
	req.SetBody(body)
	return req
}

// sendEvent sends one event INFO and waits for its answer.
func (d *dialog) sendEvent(body []byte) {
	ctx, release, ok := d.requestContext(d.srv.cfg.EventTimeout)
	if !ok {
		d.srv.stats.dropped.Add(1)
		return
	}
	res, err := d.srv.roundTrip(ctx, d.eventRequest(body))
	release()
	d.eventDone(res, err, false)
}

// sendPipelined sends one event INFO of a dialog whose client has never
// answered one (pidgin-sipe sends no response to a CSTA INFO) without
// waiting for its answer: the request is written, in order, before
// sendPipelined returns, and a goroutine of its own waits for the answer
// (retransmitting over UDP) for EventTimeout. At most pipelineMax wait at
// once.
func (d *dialog) sendPipelined(body []byte) {
	d.mu.Lock()
	if d.inflight == nil {
		d.inflight = make(chan struct{}, pipelineMax)
	}
	sem := d.inflight
	d.mu.Unlock()
	select {
	case sem <- struct{}{}:
	case <-d.life.Done():
		d.srv.stats.dropped.Add(1)
		return
	}
	ctx, release, ok := d.requestContext(d.srv.cfg.EventTimeout)
	if !ok {
		<-sem
		d.srv.stats.dropped.Add(1)
		return
	}
	tx, err := d.srv.start(ctx, d.eventRequest(body))
	if err != nil {
		release()
		<-sem
		d.eventDone(nil, err, true)
		return
	}
	d.srv.workers.enter()
	go func() {
		defer d.srv.workers.leave()
		res, err := awaitFinal(ctx, tx, sipmsg.INFO)
		tx.Terminate()
		release()
		<-sem
		d.eventDone(res, err, true)
	}()
}

// eventDone deals with the outcome of an event INFO. Any answer but 408
// marks the client as one that answers events. A 481 ends the dialog at once, and so
// does a failed TCP or TLS connection; MaxEventTimeouts unanswered in a
// row end it with BYE, except while the client has never answered an
// event (pipelined: such a client is alive as long as it keeps its
// session refreshed, which the session timer checks); any other failure
// is counted and logged.
func (d *dialog) eventDone(res *sipmsg.Response, err error, pipelined bool) {
	status := 0
	if res != nil {
		status = res.StatusCode
	}
	if status != 0 && status != 408 {
		// A 408 is what a proxy (OCS) says when the client behind it did
		// not answer: not an answer of the client's. A 2xx also ends a run
		// of timeouts; one lock for both, as this runs per event.
		d.mu.Lock()
		d.events = eventsAnswering
		if status >= 200 && status < 300 {
			d.timeouts = 0
		}
		d.mu.Unlock()
	}
	if d.srv.obs.EventDone != nil {
		d.srv.obs.EventDone(d.info.DialogID, status, err)
	}
	if status >= 200 && status < 300 {
		d.srv.stats.eventsSent.Add(1)
		return
	}
	d.srv.stats.eventsFailed.Add(1)
	if d.ended() {
		return
	}
	switch {
	case status == 481:
		d.srv.log.Info("client answered an event with 481; ending the dialog", "dialog", d.info.DialogID)
		d.terminate(ErrDialogGone)
		return
	case err != nil && !d.udp && errors.Is(err, sipmsg.ErrTransactionTransport):
		d.srv.log.Info("the dialog's connection failed; ending the dialog", "dialog", d.info.DialogID, "error", err)
		d.endWithBye(fmt.Errorf("%w: %w", ErrConnectionFailed, err))
	case (err != nil || status == 408) && pipelined:
		// Not counted: the client is alive while it refreshes its session.
	case err != nil || status == 408:
		d.mu.Lock()
		never := d.events != eventsAnswering
		if never {
			// A client that has never answered an event (pidgin-sipe):
			// pipeline its events from now on; the session timer decides
			// whether it is alive.
			d.events = eventsSilent
		} else {
			d.timeouts++
		}
		n := d.timeouts
		d.mu.Unlock()
		if never {
			d.srv.log.Info("client does not answer event requests; sending them without waiting while it refreshes its session", "dialog", d.info.DialogID)
			return
		}
		d.srv.log.Warn("event got no answer", "dialog", d.info.DialogID, "status", status, "error", err, "inARow", n)
		if n >= d.srv.cfg.MaxEventTimeouts && d.terminate(ErrEventTimeouts) {
			d.bye(context.Background())
		}
	default:
		d.mu.Lock()
		d.timeouts = 0
		d.mu.Unlock()
		d.srv.log.Warn("event refused", "dialog", d.info.DialogID, "status", status, "reason", res.Reason)
	}
}

// inNamespace returns m, or, when m's Header names no namespace and h names
// one other than the default, a shallow copy of m with Header h, so the
// caller's message is not changed.
func inNamespace[T csta.Message](m T, h csta.Header) T {
	if *m.MessageHeader() != (csta.Header{}) || h == (csta.Header{}) || h == (csta.Header{Namespace: csta.DefaultNamespace}) {
		return m
	}
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return m
	}
	cp := reflect.New(v.Elem().Type())
	cp.Elem().Set(v.Elem())
	c := cp.Interface().(T)
	*c.MessageHeader() = h
	return c
}
