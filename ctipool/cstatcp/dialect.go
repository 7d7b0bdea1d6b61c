package cstatcp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/csta/framing"
)

// Errors of the dialect handshakes. They are wrapped with the endpoint's
// address, the dialect and what was expected; compare with errors.Is.
var (
	// ErrLoginRefused reports credentials the server refused. It also
	// wraps ErrSessionRefused.
	ErrLoginRefused = fmt.Errorf("%w: login refused", ErrSessionRefused)
	// ErrHandshake reports a server that did not go through the
	// dialect's handshake as the dialect has it: it said nothing, said
	// something else, or sent what is not CSTA XML. It usually means the
	// server speaks another dialect.
	ErrHandshake = errors.New("cstatcp: handshake failed")
	// ErrDialectMismatch reports a server that refused one of the
	// dialect's own requests as unknown: it speaks another dialect.
	ErrDialectMismatch = errors.New("cstatcp: server does not speak the dialect")
)

// dialectState is what a Conn keeps for its dialect.
type dialectState struct {
	d     *dialect.Dialect
	plain bool // no ID translation

	ssOnce sync.Once
	ss     chan struct{} // closed at the server's first SystemStatus

	handshake chan struct{} // closed when the handshake is over

	// Guarded by Conn.mu.
	raw map[int]chan result // vendor requests awaiting their answer

	devMu   sync.Mutex
	devices map[string]string // DMCC: extension -> device ID
	monDev  map[string]string // DMCC: monitorCrossRefID -> extension
}

func (x *dialectState) init(d *dialect.Dialect) {
	x.d = d
	x.plain = d.DeviceIDs == dialect.IDPlain && d.CallIDs == dialect.IDPlain
	x.ss = make(chan struct{})
	x.handshake = make(chan struct{})
	x.raw = make(map[int]chan result)
	x.devices = make(map[string]string)
	x.monDev = make(map[string]string)
}

// sawSystemStatus records a SystemStatus from the server.
func (x *dialectState) sawSystemStatus() { x.ssOnce.Do(func() { close(x.ss) }) }

// Dialect returns the name of the dialect the connection speaks.
func (c *Conn) Dialect() string { return c.dx.d.Name }

// open runs the dialect's handshake: the application session, with its
// login, or OpenScape Voice's SystemStatus and SystemRegister.
func (c *Conn) open(ctx context.Context) error {
	d := c.dx.d
	ctx, cancel := context.WithTimeout(ctx, c.cfg.HandshakeTimeout)
	defer cancel()
	defer close(c.dx.handshake)
	if c.cfg.NoSession {
		c.protocolVersion = c.cfg.ProtocolVersion
		return nil
	}
	if d.Session == dialect.SessionSystemRegister {
		return c.systemRegister(ctx)
	}
	if err := c.startSession(ctx); err != nil {
		return c.handshakeError(ctx, "StartApplicationSessionPosResponse", err)
	}
	if d.ClientResetsTimer || d.Name == dialect.ECMA354 {
		c.wg.Add(1)
		go c.keepSession()
	}
	return nil
}

// systemRegister waits for the server's first SystemStatus (already answered
// by the replier) and registers with SystemRegister.
func (c *Conn) systemRegister(ctx context.Context) error {
	select {
	case <-c.dx.ss:
	case <-c.done:
		return c.handshakeError(ctx, "SystemStatus from the server first", c.Err())
	case <-ctx.Done():
		return c.handshakeError(ctx, "SystemStatus from the server first", fmt.Errorf("%w: the server said nothing: %w", ErrHandshake, ctx.Err()))
	}
	c.protocolVersion = c.cfg.ProtocolVersion
	if _, err := c.doVendor(ctx, "SystemRegisterResponse", dialect.SystemRegister(c.protocolVersion)); err != nil {
		return c.handshakeError(ctx, "SystemRegisterResponse", err)
	}
	c.log.Debug("registered", "dialect", c.dx.d.Name, "version", c.protocolVersion)
	return nil
}

// handshakeError names the endpoint, the dialect and what was expected.
func (c *Conn) handshakeError(ctx context.Context, want string, err error) error {
	if err == nil {
		err = ctx.Err()
	}
	if errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrHandshake) {
		err = fmt.Errorf("%w: no answer in time: %w", ErrHandshake, err)
	}
	var ce *csta.Error
	if errors.As(err, &ce) {
		err = fmt.Errorf("%w: CSTAErrorCode %s: %w", ErrHandshake, ce.Code, err)
	}
	return fmt.Errorf("cstatcp: %s: dialect %s expected %s: %w (does the server speak %s?)",
		c.cfg.Addr, c.dx.d.Name, want, err, c.dx.d.Title)
}

// sessionRefused turns a StartApplicationSessionNegResponse into an
// error: a login refused for a dialect with a login, else a session
// refused.
func (c *Conn) sessionRefused(r *csta.StartApplicationSessionNegResponse) error {
	if c.dx.d.Login != dialect.LoginNone && r.ErrorCode.Defined != csta.SessionProtocolVersionNotSupported {
		return fmt.Errorf("%w (user %q): %s", ErrLoginRefused, c.cfg.Username, r.ErrorCode)
	}
	return fmt.Errorf("%w: %s", ErrSessionRefused, r.ErrorCode)
}

// handshaking fails the connection on a frame that is not CSTA XML
// during the handshake, and reports whether it did.
func (c *Conn) handshaking(f framing.Frame, err error) bool {
	select {
	case <-c.dx.handshake:
		return false
	default:
	}
	c.fail(fmt.Errorf("cstatcp: %s: dialect %s: %w: frame %04d is not CSTA XML: %w", c.cfg.Addr, c.dx.d.Name, ErrHandshake, f.InvokeID, err))
	return true
}

// doVendor sends a vendor request (a document package csta does not
// encode) and returns the body of its answer, which must be named want.
// A CSTAErrorCode answer is returned as the *csta.Error it carries.
func (c *Conn) doVendor(ctx context.Context, want string, body []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, notSent{err}
	}
	id, ch, err := c.register()
	if err != nil {
		return nil, notSent{err}
	}
	c.mu.Lock()
	c.dx.raw[id] = ch
	c.mu.Unlock()
	r, err := c.exchange(ctx, id, ch, body, "")
	if err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
	}
	name, _, ok := dialect.Root(r.raw)
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: answer is not XML", ErrUnexpectedResponse)
	case name == want:
		return r.raw, nil
	case name == "CSTAErrorCode":
		m, err := csta.Decode(r.raw)
		if e, ok := m.(*csta.CSTAErrorCode); err == nil && ok {
			return nil, e.Err()
		}
		return nil, fmt.Errorf("%w: undecodable CSTAErrorCode", ErrUnexpectedResponse)
	}
	return nil, fmt.Errorf("%w: %s, want %s", ErrUnexpectedResponse, name, want)
}

// rawAnswer hands the answer to a vendor request over undecoded, and
// reports whether f was one.
func (c *Conn) rawAnswer(f framing.Frame) bool {
	c.mu.Lock()
	ch, ok := c.dx.raw[f.InvokeID]
	if ok {
		delete(c.dx.raw, f.InvokeID)
		ok = c.pending != nil && c.pending[f.InvokeID] == ch
	}
	c.mu.Unlock()
	if !ok {
		return false
	}
	c.answer(f.InvokeID, result{raw: f.Body})
	return true
}

// Do sends a request and waits for its answer. A request whose Header
// names no namespace is encoded in the protocol version the server
// granted, with the device and call IDs in the dialect's form (for
// avaya-dmcc, a device is first given a device ID with GetDeviceId). A
// CSTAErrorCode answer is returned as the *csta.Error it carries; every
// other answer is returned as it is, ECMA-354 negative responses
// included, its IDs back in the directory's form. Do returns early when
// ctx is done or the connection ends. Errors for requests that never
// reached the network have a SafeToRetry method that returns true.
func (c *Conn) Do(ctx context.Context, req csta.Request) (csta.Response, error) {
	resp, err := c.do(ctx, req)
	if err == nil && c.dx.d.DeviceIDService {
		c.trackMonitor(ctx, req, resp)
	}
	return resp, err
}

// toWire rewrites an encoded request with the dialect's device and call
// ID forms.
func (c *Conn) toWire(ctx context.Context, body []byte) ([]byte, error) {
	if c.dx.plain {
		return body, nil
	}
	m, err := csta.Decode(body)
	if err != nil {
		return body, nil
	}
	d := c.dx.d
	var resolveErr error
	csta.WalkDevices(m, func(path string, id *csta.DeviceID) {
		if resolveErr != nil || id.ID == "" {
			return
		}
		if d.DeviceIDService {
			if strings.HasSuffix(path, "calledDirectoryNumber") || strings.HasSuffix(path, "consultedDevice") ||
				strings.HasSuffix(path, "transferredTo") || strings.HasSuffix(path, "newDestination") ||
				strings.HasSuffix(path, "forwardDN") {
				// A number to dial, not a station of the application.
				id.ID, resolveErr = c.thirdPartyDeviceID(ctx, id.ID)
				return
			}
			id.ID, resolveErr = c.deviceID(ctx, id.ID)
			return
		}
		id.ID = d.DeviceToWire(path, id.ID, c.cfg.SwitchName, "")
	})
	if resolveErr != nil {
		return nil, resolveErr
	}
	csta.WalkConnections(m, func(_ string, cid *csta.ConnectionID) {
		cid.CallID = csta.CallID(d.CallToWire(string(cid.CallID)))
	})
	out, err := (&csta.Codec{}).Encode(m)
	if err != nil {
		return nil, notSent{fmt.Errorf("cstatcp: %w", err)}
	}
	return out, nil
}

// fromWire turns the dialect's device and call IDs in a message from the
// server into the directory's.
func (c *Conn) fromWire(m csta.Message) {
	if c.dx.plain {
		return
	}
	d := c.dx.d
	csta.WalkDevices(m, func(_ string, id *csta.DeviceID) { id.ID = d.DeviceFromWire(id.ID) })
	csta.WalkConnections(m, func(_ string, cid *csta.ConnectionID) {
		cid.CallID = csta.CallID(d.CallFromWire(string(cid.CallID)))
	})
}

// deviceID returns the DMCC device ID of an extension, asking the server
// with GetDeviceId the first time. A server that does not know
// GetDeviceId speaks another dialect: the connection fails.
func (c *Conn) deviceID(ctx context.Context, ext string) (string, error) {
	if strings.Count(ext, ":") == 3 {
		return ext, nil // already a device ID
	}
	c.dx.devMu.Lock()
	id, ok := c.dx.devices[ext]
	c.dx.devMu.Unlock()
	if ok {
		return id, nil
	}
	body, err := c.doVendor(ctx, "GetDeviceIdResponse", dialect.GetDeviceId(c.cfg.SwitchName, ext))
	if err != nil {
		if errors.Is(err, csta.ErrServiceNotSupported) {
			// Not the request's fault: the connection fails, and the
			// request, never sent, may go to another connection.
			err = fmt.Errorf("cstatcp: %s: %w %s: GetDeviceId refused as unknown (%v)", c.cfg.Addr, ErrDialectMismatch, c.dx.d.Name, err)
			c.fail(err)
			return "", notSent{err}
		}
		return "", err
	}
	id, ok = dialect.Field(body, "device")
	if !ok || id == "" {
		return "", fmt.Errorf("%w: GetDeviceIdResponse without device", ErrUnexpectedResponse)
	}
	c.dx.devMu.Lock()
	c.dx.devices[ext] = id
	c.dx.devMu.Unlock()
	c.log.Debug("device ID", "extension", ext, "device", id)
	return id, nil
}

// thirdPartyDeviceID returns the DMCC device ID of a number to dial,
// from GetThirdPartyDeviceId. It is not cached: the numbers are many.
func (c *Conn) thirdPartyDeviceID(ctx context.Context, number string) (string, error) {
	if strings.Count(number, ":") == 3 {
		return number, nil
	}
	body, err := c.doVendor(ctx, "GetThirdPartyDeviceIdResponse", dialect.GetThirdPartyDeviceId(c.cfg.SwitchName, number))
	if err != nil {
		if errors.Is(err, csta.ErrServiceNotSupported) {
			err = fmt.Errorf("cstatcp: %s: %w %s: GetThirdPartyDeviceId refused as unknown (%v)", c.cfg.Addr, ErrDialectMismatch, c.dx.d.Name, err)
			c.fail(err)
			return "", notSent{err}
		}
		return "", fmt.Errorf("cstatcp: %s: GetThirdPartyDeviceId %q: %w", c.cfg.Addr, number, err)
	}
	id, ok := dialect.Field(body, "device")
	if !ok || id == "" {
		return "", fmt.Errorf("%w: GetThirdPartyDeviceIdResponse without device", ErrUnexpectedResponse)
	}
	return id, nil
}

// trackMonitor remembers which extension a DMCC monitor watches, and
// releases the device ID with ReleaseDeviceId when its last monitor
// stops.
func (c *Conn) trackMonitor(ctx context.Context, req csta.Request, resp csta.Response) {
	switch r := req.(type) {
	case *csta.MonitorStart:
		ms, ok := resp.(*csta.MonitorStartResponse)
		if !ok || r.MonitorObject.Device.ID == "" {
			return
		}
		ext := c.dx.d.DeviceFromWire(r.MonitorObject.Device.ID)
		c.dx.devMu.Lock()
		c.dx.monDev[string(ms.MonitorCrossRefID)] = ext
		c.dx.devMu.Unlock()
	case *csta.MonitorStop:
		c.dx.devMu.Lock()
		ext, ok := c.dx.monDev[string(r.MonitorCrossRefID)]
		delete(c.dx.monDev, string(r.MonitorCrossRefID))
		id, have := c.dx.devices[ext]
		for _, e := range c.dx.monDev {
			if e == ext {
				have = false
			}
		}
		if ok && have {
			delete(c.dx.devices, ext)
		}
		c.dx.devMu.Unlock()
		if ok && have {
			c.releaseDevice(ctx, id)
		}
	}
}

// releaseDevice gives a DMCC device ID back.
func (c *Conn) releaseDevice(ctx context.Context, id string) {
	if _, err := c.doVendor(ctx, "ReleaseDeviceIdResponse", dialect.ReleaseDeviceId(id)); err != nil {
		c.log.Debug("ReleaseDeviceId failed", "device", id, "err", err)
	}
}

// releaseDevices gives every DMCC device ID back, best effort, before
// the session ends.
func (c *Conn) releaseDevices() {
	if !c.dx.d.DeviceIDService || c.Err() != nil {
		return
	}
	c.dx.devMu.Lock()
	ids := make([]string, 0, len(c.dx.devices))
	for _, id := range c.dx.devices {
		ids = append(ids, id)
	}
	clear(c.dx.devices)
	clear(c.dx.monDev)
	c.dx.devMu.Unlock()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.CloseTimeout)
	defer cancel()
	for _, id := range ids {
		c.releaseDevice(ctx, id)
	}
}
