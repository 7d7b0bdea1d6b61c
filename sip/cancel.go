package sip

import (
	"context"
	"strconv"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// inviteCtl settles the race between an INVITE being opened and its
// CANCEL. sipgo hands each request to its own goroutine, so a CANCEL sent
// just before or after its INVITE is handled alongside it; sipgo's own
// CANCEL handling would answer 487 from the CANCEL's goroutine while the
// INVITE's goroutine sends 200, and the client would hold a dialog the
// server had dropped. The front door therefore renames CANCEL (see
// cancelMethod) so that it comes to the server, and the server decides
// here, once, under one lock: either the CANCEL comes first and the INVITE
// is answered 487 (and its dialog and session are gone), or the INVITE's
// answer is settled first and the CANCEL has no effect (RFC 3261 section
// 9.2: 200 to the CANCEL, and the INVITE keeps its answer). A CANCEL that
// finds no INVITE being opened gets 481.
type inviteCtl struct {
	mu     sync.Mutex
	state  uint8                   // inviteOpening, inviteCancelled or inviteAnswered
	cancel context.CancelCauseFunc // cancels Handler.Open; nil before bind
	// answered is closed once the CANCEL that cancelled the INVITE has
	// had its 200, so that the INVITE's 487 follows it (RFC 3261 section
	// 9.2 answers the CANCEL first); made by cancelled.
	answered chan struct{}
}

// States of an inviteCtl.
const (
	inviteOpening uint8 = iota
	inviteCancelled
	inviteAnswered
)

// cancelled applies a CANCEL: it reports whether the INVITE was still
// being opened, and is now cancelled. When it was, the caller answers the
// CANCEL and then calls done, which lets the INVITE's 487 go and cancels
// Handler.Open's context.
func (c *inviteCtl) cancelled() (ok bool, done func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != inviteOpening {
		return false, nil
	}
	c.state = inviteCancelled
	c.answered = make(chan struct{})
	return true, func() {
		close(c.answered)
		c.mu.Lock()
		cancel := c.cancel
		c.mu.Unlock()
		if cancel != nil {
			cancel(ErrCanceled)
		}
	}
}

// cancelAnswerWait bounds how long an INVITE's 487 waits for the 200 of
// the CANCEL that cancelled it.
const cancelAnswerWait = 2 * time.Second

// waitCancelAnswered waits until the CANCEL that cancelled the INVITE has
// been answered (for cancelAnswerWait at most).
func (c *inviteCtl) waitCancelAnswered() {
	c.mu.Lock()
	ch := c.answered
	c.mu.Unlock()
	if ch == nil {
		return
	}
	t := time.NewTimer(cancelAnswerWait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

// bind gives the INVITE's context: a CANCEL cancels it from now on, and
// at once if one came already and was answered.
func (c *inviteCtl) bind(cancel context.CancelCauseFunc) {
	c.mu.Lock()
	c.cancel = cancel
	ch := c.answered
	c.mu.Unlock()
	if ch != nil {
		select {
		case <-ch:
			cancel(ErrCanceled)
		default: // done cancels it
		}
	}
}

// settle fixes the INVITE's answer: it reports false when a CANCEL came
// first (the INVITE is then to be answered 487), and otherwise makes any
// later CANCEL one without effect.
func (c *inviteCtl) settle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == inviteCancelled {
		return false
	}
	c.state = inviteAnswered
	return true
}

// cancelKey is what matches a CANCEL to its INVITE (RFC 3261 section 9.2:
// the same top Via branch, Call-ID and CSeq number), or "" when the
// request lacks one of them.
func cancelKey(req *sipmsg.Request) string {
	via, callID, cseq := req.Via(), req.CallID(), req.CSeq()
	if via == nil || callID == nil || cseq == nil {
		return ""
	}
	branch, _ := via.Params.Get("branch")
	if branch == "" {
		return ""
	}
	return string(*callID) + "|" + branch + "|" + strconv.FormatUint(uint64(cseq.SeqNo), 10)
}

// registerInvite registers an INVITE being opened, for its CANCEL; the returned
// func unregisters it. A second INVITE with the same key (which sipgo's
// transaction layer would have taken as a retransmission) is not
// registered.
func (s *Server) registerInvite(req *sipmsg.Request, c *inviteCtl) (unregister func()) {
	key := cancelKey(req)
	s.invMu.Lock()
	defer s.invMu.Unlock()
	if _, dup := s.invites[key]; key == "" || dup {
		return func() {}
	}
	if s.invites == nil {
		s.invites = make(map[string]*inviteCtl)
	}
	s.invites[key] = c
	return func() {
		s.invMu.Lock()
		delete(s.invites, key)
		s.invMu.Unlock()
	}
}

// onCancel handles a CANCEL (renamed by the front door, or one that came
// around it): 200 when it matches an INVITE being opened, whether or not
// it still cancels it, and 481 otherwise.
func (s *Server) onCancel(x *exchange) {
	if !x.admit() {
		return
	}
	key := cancelKey(x.req)
	s.invMu.Lock()
	c := s.invites[key]
	s.invMu.Unlock()
	if key == "" || c == nil {
		x.refuse(481, "")
		return
	}
	ok, done := c.cancelled()
	if !ok {
		s.log.Debug("CANCEL after the INVITE's answer was settled: no effect", "callID", x.req.CallID().Value())
	}
	x.respond(200, "OK", nil)
	if done != nil {
		done()
	}
}

// methodName is the method a request is counted and reported under.
func methodName(req *sipmsg.Request) string {
	if req.Method == cancelMethod {
		return string(sipmsg.CANCEL)
	}
	return string(req.Method)
}
