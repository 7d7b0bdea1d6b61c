package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// refreshTries bounds the requests one refresh of the server's makes (a
// fallback from UPDATE to re-INVITE, glare, a larger interval after 422).
const refreshTries = 4

// refreshTimeout bounds how long a refresh request of the server's waits
// for its final response.
var refreshTimeout = 64 * sipmsg.T1

// glareMax is the longest the server waits before it tries its refresh
// again after a glare: 2 s by RFC 3261 section 14.1 (see glareWait).
var glareMax = 2 * time.Second

// timerChoice is what the server answers a session refresh request (the
// INVITE, a re-INVITE or an UPDATE) with, by RFC 4028 section 9, Table 2.
type timerChoice struct {
	interval  time.Duration
	byUs      bool // refresher=uas: the server refreshes
	supported bool // the client supports timers: Require: timer in the 2xx
	// allowUpdate reports whether the request's Allow lists UPDATE; set
	// only when the request has an Allow header.
	allowUpdate, hasAllow bool
}

// chooseTimer applies Table 2 of RFC 4028 section 9 to a request whose
// session interval negotiate picked:
//
//	client supports timer  refresher asked  refresher answered
//	no                     (none)           uas (the server refreshes)
//	yes                    none             uac (the client refreshes)
//	yes                    uac              uac
//	yes                    uas              uas
func chooseTimer(req *sipmsg.Request, interval time.Duration) timerChoice {
	tc := timerChoice{interval: interval}
	for _, t := range tokens(req, "Supported", "k", "Require") {
		if t == "timer" {
			tc.supported = true
		}
	}
	_, refresher, _ := sessionExpires(header(req, "Session-Expires", "x"))
	tc.byUs = !tc.supported || refresher == "uas"
	if len(req.GetHeaders("Allow")) > 0 {
		tc.hasAllow = true
		for _, t := range tokens(req, "Allow") {
			if t == "update" {
				tc.allowUpdate = true
			}
		}
	}
	return tc
}

// timerHeaders adds to a 2xx the session timer headers of tc: Session-Expires
// with the refresher, Require: timer when the client supports timers (RFC
// 4028 section 9: a MUST with refresher=uac, a SHOULD with uas, and never
// to a client without the extension), Supported and Allow.
func timerHeaders(res *sipmsg.Response, tc timerChoice) {
	refresher := "uac"
	if tc.byUs {
		refresher = "uas"
	}
	res.AppendHeader(sipmsg.NewHeader("Session-Expires", seconds(tc.interval)+";refresher="+refresher))
	if tc.supported {
		res.AppendHeader(sipmsg.NewHeader("Require", "timer"))
	}
	res.AppendHeader(sipmsg.NewHeader("Supported", "timer"))
	res.AppendHeader(sipmsg.NewHeader("Allow", allowMethods))
}

// setTimerLocked records the refresher and what the client allows. d.mu is held.
func (d *dialog) setTimerLocked(tc timerChoice) {
	d.byUs = tc.byUs
	if tc.hasAllow {
		d.allowUpdate = tc.allowUpdate
	}
}

// armTimersLocked (re)starts the session timers for interval: the expiry,
// and when the server refreshes, its refresh at half the interval (RFC 4028
// section 10). d.mu is held.
func (d *dialog) armTimersLocked(interval time.Duration) {
	d.interval = interval
	d.armed++
	delay := expiryDelay(interval)
	if d.byUs {
		// The refresher's session lasts the whole interval; the margin is
		// for the side that waits for refreshes.
		delay = interval
	}
	if d.expiry == nil {
		d.expiry = time.AfterFunc(delay, d.expired)
	} else {
		d.expiry.Reset(delay)
	}
	switch {
	case d.byUs && d.refreshTimer == nil:
		d.refreshTimer = time.AfterFunc(interval/2, d.refreshDue)
	case d.byUs:
		d.refreshTimer.Reset(interval / 2)
	case d.refreshTimer != nil:
		d.refreshTimer.Stop()
	}
}

// refreshDue starts the server's refresh of the dialog. While one runs it
// only notes that another is due, which runs when that one is over (a
// refresh of the client's can restart the timer while the server's waits
// out a glare).
func (d *dialog) refreshDue() {
	d.mu.Lock()
	if d.phase == phaseEnded || !d.byUs {
		d.mu.Unlock()
		return
	}
	if d.refreshing {
		d.refreshMissed = true
		d.mu.Unlock()
		return
	}
	d.refreshing = true
	d.srv.workers.enter()
	d.mu.Unlock()
	go func() {
		defer d.srv.workers.leave()
		for {
			d.refreshNow()
			d.mu.Lock()
			again := d.refreshMissed && d.phase != phaseEnded && d.byUs
			d.refreshMissed = false
			if !again {
				d.refreshing = false
				d.mu.Unlock()
				return
			}
			d.mu.Unlock()
		}
	}()
}

// errPeerRefreshing is why the server does not send its refresh request
// now: a re-INVITE or UPDATE of the client's in the dialog is being
// answered, or a re-INVITE's 2xx waits for its ACK (RFC 3261 section 14.1:
// no new INVITE while one is in progress in either direction).
var errPeerRefreshing = errors.New("sip: a refresh of the client's is in progress")

// errRefreshMoot is why the server gives up a refresh it started: the
// client refreshed the dialog meanwhile (the session timers restarted), or
// took the refreshing over.
var errRefreshMoot = errors.New("sip: the client refreshed the dialog meanwhile")

// beginPeerRefresh records a re-INVITE or UPDATE of the client's being
// handled, until endPeerRefresh. It reports false, recording nothing,
// while a refresh request of the server's waits for its final response:
// the client's request crossed it and is answered 491 (RFC 3261 section
// 14.2, RFC 3311 section 5.2).
func (d *dialog) beginPeerRefresh() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ownRefresh != "" {
		return false
	}
	d.peerRefreshes++
	return true
}

// endPeerRefresh records that the final response to a re-INVITE or UPDATE
// of the client's has been sent (a re-INVITE's 2xx still holds the
// server's refresh back until its ACK, see awaitAck).
func (d *dialog) endPeerRefresh() {
	d.mu.Lock()
	d.peerRefreshes--
	d.mu.Unlock()
}

// beginOwnRefresh records the server's refresh request with method as
// pending, until endOwnRefresh. It fails with errRefreshMoot when the
// session timers restarted since armed (a refresh of the client's) or the
// server is no longer the refresher, and with errPeerRefreshing while a
// request of the client's is in progress.
func (d *dialog) beginOwnRefresh(method sipmsg.RequestMethod, armed uint64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.phase == phaseEnded:
		return ErrDialogEnded
	case d.armed != armed || !d.byUs:
		return errRefreshMoot
	case d.peerRefreshes > 0 || d.ack != nil:
		return errPeerRefreshing
	}
	d.ownRefresh = method
	return nil
}

// endOwnRefresh records that the server's refresh request has its final
// response (or none will come).
func (d *dialog) endOwnRefresh() {
	d.mu.Lock()
	d.ownRefresh = ""
	d.mu.Unlock()
}

// glareWait waits before the server tries its refresh again after a glare
// (491, or a request of the client's in progress), and reports false if
// the dialog ended meanwhile. RFC 3261 section 14.1: a UAC that does not
// own the dialog's Call-ID waits a random 0 to 2 s in units of 10 ms
// (2.1 to 4 s is for the owner). The client chose the Call-ID in the
// INVITE that created the dialog; the server, its UAS, is not the owner.
func (d *dialog) glareWait() bool {
	const unit = 10 * time.Millisecond
	t := time.NewTimer(time.Duration(rand.Int64N(int64(glareMax/unit)+1)) * unit)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-d.life.Done():
		return false
	}
}

// refreshNow refreshes the dialog as its refresher: UPDATE when the client
// allows it, re-INVITE otherwise, without body. It ends the dialog with BYE
// when the refresh gets 408 or 481 or no answer (RFC 4028 section 10);
// another failure leaves the session timer running and tries again after
// an eighth of the interval. It waits out a glare (491, or a request of
// the client's in progress) and gives up when the client refreshed
// meanwhile.
func (d *dialog) refreshNow() {
	if err := d.sess.Refreshed(); err != nil {
		if r, ok := errors.AsType[*RefusalError](err); ok && r.Status == 481 {
			// The session is stale: the client would get 481 to its next
			// request; tell it now.
			d.End("CTI monitor lost")
			return
		}
	}
	d.mu.Lock()
	interval, update, armed := d.interval, d.allowUpdate, d.armed
	d.mu.Unlock()
	for range refreshTries {
		method := sipmsg.INVITE
		if update {
			method = sipmsg.UPDATE
		}
		res, err := d.sendRefresh(method, interval, armed)
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		switch {
		case d.ended() || errors.Is(err, errRefreshMoot):
			return
		case errors.Is(err, errPeerRefreshing):
			d.srv.log.Debug("session refresh held back: a request of the client's is in progress", "dialog", d.info.DialogID, "method", method)
			if !d.glareWait() {
				return
			}
			continue
		case err != nil || status == 408 || status == 481:
			cause := err
			if cause == nil {
				cause = refusalOf(res)
			}
			d.srv.log.Warn("session refresh failed; ending the dialog", "dialog", d.info.DialogID, "method", method, "status", status, "error", err)
			d.endWithBye(fmt.Errorf("%w: %w", ErrRefreshFailed, cause))
			return
		case res.IsSuccess():
			d.refreshedByUs(res, interval)
			return
		case method == sipmsg.UPDATE && (status == 405 || status == 501):
			update = false
			d.mu.Lock()
			d.allowUpdate = false
			d.mu.Unlock()
			continue
		case status == 491:
			// Glare with a request of the client's: try again after 0 to 2
			// seconds, unless the client's refreshed the dialog.
			if !d.glareWait() {
				return
			}
			continue
		case status == 422:
			if m, ok := deltaSeconds(header(res, "Min-SE")); ok && m > interval {
				interval = m
				continue
			}
		}
		d.srv.log.Warn("session refresh refused", "dialog", d.info.DialogID, "method", method, "status", status, "reason", res.Reason)
		break
	}
	d.mu.Lock()
	if d.phase != phaseEnded && d.byUs && d.refreshTimer != nil {
		d.refreshTimer.Reset(max(d.interval/8, time.Second))
	}
	d.mu.Unlock()
}

// refreshedByUs takes the 2xx to the server's refresh: the session timer
// restarts, for the interval the 2xx names (if any); a 2xx whose
// Session-Expires says refresher=uas hands the refreshing to the client.
func (d *dialog) refreshedByUs(res *sipmsg.Response, asked time.Duration) {
	interval := asked
	se, refresher, ok := sessionExpires(header(res, "Session-Expires", "x"))
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.phase == phaseEnded {
		return
	}
	if ok && se >= time.Second {
		interval = se
		if refresher == "uas" {
			d.byUs = false
		}
	}
	d.armTimersLocked(interval)
}

// sendRefresh sends one refresh request and returns its final response,
// unless beginOwnRefresh refuses it (see there).
func (d *dialog) sendRefresh(method sipmsg.RequestMethod, interval time.Duration, armed uint64) (*sipmsg.Response, error) {
	ctx, release, ok := d.requestContext(refreshTimeout)
	if !ok {
		return nil, ErrDialogEnded
	}
	defer release()
	if err := d.beginOwnRefresh(method, armed); err != nil {
		return nil, err
	}
	defer d.endOwnRefresh()
	req := d.newRequest(method)
	req.AppendHeader(sipmsg.NewHeader("Session-Expires", seconds(interval)+";refresher=uac"))
	req.AppendHeader(sipmsg.NewHeader("Supported", "timer"))
	req.AppendHeader(sipmsg.NewHeader("Allow", allowMethods))
	if method == sipmsg.UPDATE {
		return d.srv.roundTrip(ctx, req)
	}
	return d.reinvite(ctx, req)
}

// reinvite sends a re-INVITE of the server's and waits for its final
// response; a 2xx is acknowledged, again whenever it is resent. sipgo
// acknowledges the other final responses itself.
func (d *dialog) reinvite(ctx context.Context, req *sipmsg.Request) (*sipmsg.Response, error) {
	req.SetBody(nil)
	tx, err := d.srv.cli.TransactionRequest(allowDial(ctx), req, prebuilt)
	if err != nil {
		return nil, fmt.Errorf("%w: INVITE: %w", ErrNoAnswer, err)
	}
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			if res.IsSuccess() {
				d.ackRefresh(req, tx)
			}
			// The transaction ends by itself (Timer M or D), absorbing
			// retransmissions meanwhile.
			return res, nil
		case <-tx.Done():
			return nil, fmt.Errorf("%w: INVITE: %w", ErrNoAnswer, tx.Err())
		case <-ctx.Done():
			tx.Terminate()
			return nil, fmt.Errorf("%w: INVITE: %w", ErrNoAnswer, context.Cause(ctx))
		}
	}
}

// ackRefresh sends the ACK to the 2xx of the server's re-INVITE inv.
func (d *dialog) ackRefresh(inv *sipmsg.Request, tx sipmsg.ClientTransaction) {
	ack := d.leg.request(sipmsg.ACK, inv.CSeq().SeqNo, d.ep.via, d.ep.contact, d.srv.cfg.UserAgent)
	ack.SetDestination(inv.Destination())
	ack.Laddr = inv.Laddr
	ack.SetBody(nil)
	write := func() {
		if err := d.srv.cli.WriteRequest(ack, prebuilt); err != nil {
			d.srv.log.Debug("cannot send ACK", "dialog", d.info.DialogID, "error", err)
		}
	}
	write()
	tx.OnRetransmission(func(*sipmsg.Response) { write() })
}

// onUpdate handles UPDATE (RFC 3311) in a dialog: a session refresh
// without body, answered as a re-INVITE is but without body or ACK.
func (s *Server) onUpdate(x *exchange) {
	req := x.req
	if !x.admit() {
		return
	}
	d := x.dialog()
	if d == nil {
		return
	}
	// A Require other than timer was refused already, by admit.
	if !d.beginPeerRefresh() {
		x.srv.log.Debug("UPDATE crossed the server's refresh: 491", "dialog", d.info.DialogID)
		x.refuse(491, "")
		return
	}
	defer d.endPeerRefresh()
	interval, ok := x.negotiate()
	if !ok || !x.sessionRefreshed(d) {
		return
	}
	d.touch(req.Source())
	if c := req.Contact(); c != nil {
		d.leg.setTarget(*c.Address.Clone())
	}
	tc := chooseTimer(req, interval)
	if !d.refresh(tc) {
		x.refuse(481, "")
		return
	}
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", nil)
	res.To().Params.Add("tag", d.tag)
	res.AppendHeader(sipmsg.HeaderClone(d.ep.contact))
	timerHeaders(res, tc)
	x.sendFinal(res)
}
