package sip

import (
	"errors"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// exchange is one request the server handles, from its arrival to its
// answer: the request, its server transaction, when it came, and the
// final status reported to the observer. The server makes one per request,
// on the stack of the goroutine that handles it, and its finish reports
// the request once when the handler returns, as net/http's response does.
type exchange struct {
	srv   *Server
	req   *sipmsg.Request
	tx    sipmsg.ServerTransaction
	start time.Time
	// status is the final status finish reports: the one sent, or the one
	// the request ended with (487 for a cancelled INVITE, 500 for an
	// answer that could not be sent). 0 reports nothing: an ACK, or an
	// INVITE whose transaction had already ended.
	status int
	// auth is the identity a request from a peer that must authenticate
	// was accepted as (see auth_server.go).
	auth authBinding
}

// finish reports the request to the observer, if it got a final status.
func (x *exchange) finish() {
	if x.status != 0 && x.srv.obs.RequestDone != nil {
		x.srv.obs.RequestDone(methodName(x.req), x.status, time.Since(x.start))
	}
}

// respond sends a response built from the request, with the Server header
// and the given extra headers, counts it, and records code as the
// request's final status whether or not it could be sent.
func (x *exchange) respond(code int, reason string, body []byte, hdrs ...sipmsg.Header) error {
	x.status = code
	res := sipmsg.NewResponseFromRequest(x.req, code, reason, body)
	return x.srv.send(x.tx, x.req, res, hdrs...)
}

// sendFinal sends a prepared final response and records its status, or
// 500 if it could not be sent.
func (x *exchange) sendFinal(res *sipmsg.Response) error {
	err := x.srv.send(x.tx, x.req, res)
	x.status = res.StatusCode
	if err != nil {
		x.status = 500
	}
	return err
}

// refuse answers the request with a failure status; an empty reason means
// the standard phrase.
func (x *exchange) refuse(code int, reason string, hdrs ...sipmsg.Header) {
	if reason == "" {
		reason = statusText(code)
	}
	x.respond(code, reason, nil, hdrs...)
}

// refuseError answers the request with the SIP status an error from the
// Handler maps to: a *RefusalError's, or 500.
func (x *exchange) refuseError(err error) {
	r, ok := errors.AsType[*RefusalError](err)
	if !ok || r.Status < 300 || r.Status > 699 {
		x.srv.log.Warn("handler failed", "method", x.req.Method, "error", err)
		x.refuse(500, "")
		return
	}
	var hdrs []sipmsg.Header
	if r.RetryAfter > 0 {
		hdrs = append(hdrs, sipmsg.NewHeader("Retry-After", seconds(r.RetryAfter)))
	}
	status, reason := publicRefusal(r.Status, reasonPhrase(r.reason()), x.srv.trusted(x.req))
	if status != r.Status || reason != reasonPhrase(r.reason()) {
		x.srv.log.Info("request refused", "method", x.req.Method, "status", r.Status, "reason", r.reason(),
			"answered", status, "source", x.req.Source())
	}
	x.refuse(status, reason, hdrs...)
}

// publicRefusal is what a peer is told of a refusal with status and
// reason. A trusted proxy is told everything; any other peer (one that
// authenticated itself rather than being trusted by address or
// certificate) gets 403 Forbidden both for a user or line it may not use
// (403) and for a line that does not exist (404), so that it cannot learn
// which users and lines exist. The detail goes to the log.
func publicRefusal(status int, reason string, trusted bool) (int, string) {
	if !trusted && (status == 403 || status == 404) {
		return 403, "Forbidden"
	}
	return status, reason
}

// unavailable answers 503 with the configured Retry-After.
func (x *exchange) unavailable(reason string) {
	x.refuse(503, reason, sipmsg.NewHeader("Retry-After", seconds(x.srv.cfg.RetryAfter)))
}
