package ctitest

import (
	"fmt"
	"strings"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/csta/framing"
)

// sessionless reports whether the endpoint takes CSTA requests without an
// application session: configured so, or a dialect that has none.
func (c *conn) sessionless() bool {
	return c.srv.cfg.NoSession || c.srv.d.Session == dialect.SessionSystemRegister
}

// negotiated returns the namespace the endpoint writes its own CSTA
// messages in: the protocol version the session granted, else the
// dialect's, else "" (csta.DefaultNamespace) for ecma354.
func (c *conn) negotiated() string {
	if v, _ := c.version.Load().(string); v != "" {
		return v
	}
	if c.srv.d.Name != dialect.ECMA354 {
		return c.srv.d.ProtocolVersion
	}
	return ""
}

// isSessionMessage reports whether m is an ECMA-354 application session message,
// which has its own namespace.
func isSessionMessage(m csta.Message) bool {
	n := m.MessageName()
	return strings.HasPrefix(n, "StartApplicationSession") || strings.HasPrefix(n, "StopApplicationSession") ||
		strings.HasPrefix(n, "ResetApplicationSessionTimer")
}

// ownNamespace gives a message that declared no namespace the endpoint's
// own: a request's, so that its answer and the events of its monitor are
// written in the negotiated namespace rather than in none.
func (c *conn) ownNamespace(m csta.Message) {
	h := m.MessageHeader()
	if !h.NoNamespace {
		return
	}
	h.NoNamespace = false
	if isSessionMessage(m) {
		h.Namespace = ""
		return
	}
	h.Namespace = c.negotiated()
}

// isResponse reports whether m answers a request, a vendor answer
// included.
func isResponse(m csta.Message) bool {
	if u, ok := m.(*csta.Unknown); ok {
		return strings.HasSuffix(u.Name, "Response") || u.Name == "CSTAErrorCode"
	}
	_, ok := m.(csta.Response)
	return ok
}

// translates reports whether the dialect writes device or call IDs in a
// form of its own.
func (c *conn) translates() bool {
	d := c.srv.d
	return d.DeviceIDs != dialect.IDPlain || d.CallIDs != dialect.IDPlain
}

// fromWire turns the dialect's device and call IDs in a request into the
// PBX's. Plain IDs are accepted in every dialect.
func (c *conn) fromWire(m csta.Message) {
	if !c.translates() {
		return
	}
	d := c.srv.d
	csta.WalkDevices(m, func(_ string, id *csta.DeviceID) { id.ID = d.DeviceFromWire(id.ID) })
	csta.WalkConnections(m, func(_ string, cid *csta.ConnectionID) { cid.CallID = csta.CallID(d.CallFromWire(string(cid.CallID))) })
}

// encode encodes a message for the wire, with the dialect's device and
// call ID forms. The message itself is not changed (events are shared
// with the event log): a translated message is decoded again from its
// encoding and changed there.
func (c *conn) encode(m csta.Message) ([]byte, error) {
	body, err := csta.Encode(m)
	if err != nil || !c.translates() {
		return body, err
	}
	if _, ok := m.(*csta.Unknown); ok {
		return body, nil
	}
	cp, err := csta.Decode(body)
	if err != nil {
		return body, nil // sent as it is
	}
	d, cfg := c.srv.d, c.srv.cfg
	csta.WalkDevices(cp, func(path string, id *csta.DeviceID) {
		id.ID = d.DeviceToWire(path, id.ID, cfg.SwitchName, cfg.SwitchIP)
	})
	csta.WalkConnections(cp, func(_ string, cid *csta.ConnectionID) { cid.CallID = csta.CallID(d.CallToWire(string(cid.CallID))) })
	return csta.Encode(cp)
}

// checkLogin checks the credentials of a StartApplicationSession in a
// dialect with a login and returns the negative answer, or nil to accept.
func (c *conn) checkLogin(r *csta.StartApplicationSession) csta.Message {
	d, cfg := c.srv.d, c.srv.cfg
	if d.Login == dialect.LoginNone {
		return nil
	}
	user, password, err := d.Credentials(r.ApplicationSpecificInfo)
	switch {
	case err != nil:
		c.log.Info("login refused: no credentials", "dialect", d.Name)
	case cfg.Username != "" && (user != cfg.Username || password != cfg.Password):
		c.log.Info("login refused: wrong credentials", "dialect", d.Name, "user", user)
		err = fmt.Errorf("wrong credentials")
	}
	if err == nil {
		return nil
	}
	c.srv.stats.logins.Add(1)
	return &csta.StartApplicationSessionNegResponse{ErrorCode: csta.SessionError{Defined: csta.SessionInvalidApplicationInfo}}
}

// heartbeatNow sends SystemStatus at once, as a server that speaks first
// does on accept, and starts the heartbeats.
func (c *conn) heartbeatNow() {
	if !c.srv.stall.Load() {
		c.sendSystemStatus()
	}
	c.startHeartbeats()
}

// sendSystemStatus sends one SystemStatus request, numbered from the
// endpoint's invoke ID range, in the negotiated namespace.
func (c *conn) sendSystemStatus() {
	c.hbMu.Lock()
	id, err := c.serverInvokeID()
	if err == nil {
		c.hbPending[id] = true
	}
	c.hbMu.Unlock()
	if err != nil {
		c.log.Debug("no invoke ID free for SystemStatus", "err", err)
		return
	}
	ss := &csta.SystemStatus{SystemStatus: csta.SystemNormal}
	ss.Header.Namespace = c.negotiated()
	if c.enqueue(outItem{id: id, msg: ss}) {
		c.srv.stats.ssSent.Add(1)
	}
}

// serverInvokeID takes an invoke ID for a request of the endpoint's own:
// from the client's range (shared with framing.InvokeIDs, as before
// dialects) or in turn from the configured range, skipping those pending.
// The caller holds hbMu.
func (c *conn) serverInvokeID() (int, error) {
	r := c.srv.cfg.InvokeIDs
	if r == [2]int{} {
		return c.hbIDs.Acquire()
	}
	n := r[1] - r[0] + 1
	for range n {
		c.hbNext++
		if c.hbNext < r[0] || c.hbNext > r[1] {
			c.hbNext = r[0]
		}
		if !c.hbPending[c.hbNext] {
			return c.hbNext, nil
		}
	}
	return 0, framing.ErrNoInvokeID
}

// vendorFrame handles a frame that package csta cannot decode as it
// stands: a request the dialect has of its own (SystemRegister,
// GetDeviceId, ReleaseDeviceId), or any document whose root is in a
// namespace that is no ECMA-323 edition (a vendor's, or a misspelt one).
// A request the dialect does not serve is answered with CSTAErrorCode
// operation/serviceNotSupported at once, never with silence. It reports
// whether it handled the frame.
func (c *conn) vendorFrame(f framing.Frame, now time.Time) bool {
	name, ns, ok := dialect.Root(f.Body)
	if !ok {
		return false
	}
	d := c.srv.d
	foreign := ns != "" && ns != csta.NamespaceACSE && csta.Edition(ns) == 0
	// The dialect's own requests are served in its vendor namespace or an
	// ECMA-323 one (OpenScape's SystemRegister), not in another vendor's.
	serves := d.Serves(name) && (!foreign || ns == d.VendorNamespace)
	if !serves && !foreign {
		return false
	}
	s, p := c.srv, c.srv.pbx
	req := &csta.Unknown{Header: csta.Header{Namespace: ns, NoNamespace: ns == ""}, Name: name, Raw: csta.RawXML(f.Body)}
	if !serves && (strings.HasSuffix(name, "Response") || strings.HasSuffix(name, "Event") || name == "CSTAErrorCode") {
		s.stats.undecodable.Add(1)
		c.log.Debug("answer or event in a foreign namespace; ignored", "invokeID", f.InvokeID, "message", name, "namespace", ns)
		return true
	}
	s.stats.requests.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs.add(RequestRecord{Time: now, Endpoint: s.name, Conn: c.id, InvokeID: f.InvokeID, Name: name, Message: req})
	c.log.Debug("received", "invokeID", f.InvokeID, "message", name, "namespace", ns)
	if s.stall.Load() {
		return true
	}
	if rule := c.matchRule(req); rule.answered(c, f.InvokeID) {
		return true // a canned answer, as for any other request
	}
	var resp csta.Message
	if serves {
		resp = c.serveVendor(name, f.Body)
	} else {
		c.log.Debug("request in a foreign namespace refused", "message", name, "namespace", ns)
		resp = c.errorAnswer(cerr(csta.ErrServiceNotSupported, "%s in namespace %q is not supported", name, ns))
	}
	c.respond(f.InvokeID, resp, false)
	p.flushLocked()
	return true
}

// errorAnswer returns the CSTAErrorCode for err in the negotiated
// namespace.
func (c *conn) errorAnswer(err error) csta.Message {
	e := csta.ErrorResponse(csta.Header{}, err)
	e.Header.Namespace = c.negotiated()
	return e
}

// vendorAnswer wraps a vendor document built by package dialect.
func vendorAnswer(name string, body []byte) csta.Message {
	return &csta.Unknown{Name: name, Raw: csta.RawXML(body)}
}

// serveVendor carries out one of the dialect's own requests. The caller
// holds the PBX lock.
func (c *conn) serveVendor(name string, body []byte) csta.Message {
	d, cfg := c.srv.d, c.srv.cfg
	if c.session == "" && !c.sessionless() {
		return c.errorAnswer(cerr(csta.ErrSecurity, "%s before StartApplicationSession", name))
	}
	switch name {
	case "SystemRegister":
		p := c.srv.pbx
		p.seq.session++
		return vendorAnswer("SystemRegisterResponse", dialect.SystemRegisterResponse(c.negotiated(), fmt.Sprintf("%d", p.seq.session)))
	case "GetDeviceId":
		ext, ok := dialect.Field(body, "extension")
		if !ok || ext == "" {
			return c.errorAnswer(cerr(errInvalidParameterValue, "GetDeviceId without extension"))
		}
		l := c.srv.pbx.lookupLine(ext)
		if l == nil {
			return c.errorAnswer(cerr(csta.ErrInvalidDeviceID, "no line %q", ext))
		}
		id := d.DeviceToWire("device", l.key, cfg.SwitchName, cfg.SwitchIP)
		if c.devices == nil {
			c.devices = make(map[string]bool)
		}
		c.devices[id] = true
		return vendorAnswer("GetDeviceIdResponse", dialect.GetDeviceIdResponse(id))
	case "GetThirdPartyDeviceId":
		// Any number: it need not be a line of the PBX.
		ext, ok := dialect.Field(body, "extension")
		if !ok || ext == "" || strings.Contains(ext, ":") {
			return c.errorAnswer(cerr(errInvalidParameterValue, "GetThirdPartyDeviceId without a valid extension"))
		}
		return vendorAnswer("GetThirdPartyDeviceIdResponse",
			dialect.GetThirdPartyDeviceIdResponse(d.DeviceToWire("device", ext, cfg.SwitchName, cfg.SwitchIP)))
	case "ReleaseDeviceId":
		id, _ := dialect.Field(body, "device")
		if !c.devices[id] {
			return c.errorAnswer(cerr(csta.ErrInvalidDeviceID, "device ID %q was not handed out", id))
		}
		delete(c.devices, id)
		return vendorAnswer("ReleaseDeviceIdResponse", dialect.ReleaseDeviceIdResponse())
	}
	return c.errorAnswer(cerr(csta.ErrServiceNotSupported, "%s is not supported", name))
}

// completeConnections fills in the callID of a ConnectionID that names
// only a device, as the ECMA-323 schema allows and OpenScape Voice
// clients do (ClearConnection): when the device's line is in exactly one
// call, that call is meant. Otherwise the ConnectionID is left as it is
// for the service. Only the OpenScape dialects fill it in here; in every
// dialect the call control services themselves also take a ConnectionID
// with only a deviceID (the line's one call, or the one not on hold) and
// refuse it only when that is ambiguous or the line has no call, so
// ecma354 accepts it as well (TestDeviceOnlyConnectionECMA354). The
// caller holds the PBX lock.
func (c *conn) completeConnections(m csta.Message) {
	if c.srv.d.DeviceIDs != dialect.IDOpenScape {
		return
	}
	p := c.srv.pbx
	csta.WalkConnections(m, func(_ string, cid *csta.ConnectionID) {
		if cid.CallID != "" || cid.DeviceID.ID == "" {
			return
		}
		l := p.lookupLine(cid.DeviceID.ID)
		if l == nil {
			return
		}
		var only csta.CallID
		n := 0
		for _, call := range p.callList() {
			if call.partyOnLine(l) != nil {
				only = csta.CallID(call.id)
				n++
			}
		}
		if n == 1 {
			cid.CallID = only
		}
	})
}
