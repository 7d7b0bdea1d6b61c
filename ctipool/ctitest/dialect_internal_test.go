package ctitest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/csta/framing"
)

// rawRequest writes body with invoke ID id and returns the next frame
// that is not an event or a server request.
func rawRequest(t *testing.T, c *testClient, id int, body string) framing.Frame {
	t.Helper()
	require.NoError(t, writeRaw(c, id, []byte(body)))
	for range 100 {
		f := c.frame()
		if f.InvokeID == framing.EventInvokeID {
			continue
		}
		if name, _, _ := dialect.Root(f.Body); name == "SystemStatus" {
			continue
		}
		return f
	}
	t.Fatal("no answer")
	return framing.Frame{}
}

// TestForeignNamespaceRequestsAnswered: a well-formed request in a vendor
// or misspelt namespace gets CSTAErrorCode at once, in the negotiated
// namespace, never silence; an answer in one is ignored.
func TestForeignNamespaceRequestsAnswered(t *testing.T) {
	p := newTestPBX(t, PBXConfig{Lines: []string{"1001"}})
	for _, d := range dialect.Names() {
		t.Run(d, func(t *testing.T) {
			s := serve(t, p, ServerConfig{Dialect: d, Name: "ep-" + d})
			c := dialTCP(t, s.Addr())
			for i, body := range []string{
				`<GetDeviceId xmlns="http://www.pbxnsip.com/schemas/csta"><extension>1001</extension></GetDeviceId>`,
				`<MonitorStop xmlns="hhttp://www.pbxnsip.com/schemas/csta"><monitorCrossRefID>1</monitorCrossRefID></MonitorStop>`,
				`<Frobnicate xmlns="` + dialect.NamespaceSiemens + `"/>`,
			} {
				f := rawRequest(t, c, 100+i, body)
				assert.Equal(t, 100+i, f.InvokeID)
				m, err := csta.Decode(f.Body)
				require.NoError(t, err, "%s", f.Body)
				e, ok := m.(*csta.CSTAErrorCode)
				require.True(t, ok, "%s answered with %s", body, m.MessageName())
				assert.ErrorIs(t, e.Err(), csta.ErrServiceNotSupported)
				want := csta.NamespaceEd3
				if lookup(d).Name != dialect.ECMA354 {
					want = lookup(d).ProtocolVersion
				}
				assert.Equal(t, want, e.Namespace)
			}
			// Not a request: no answer, no harm.
			require.NoError(t, writeRaw(c, 7, []byte(`<GetDeviceIdResponse xmlns="`+dialect.NamespaceAvaya+`"/>`)))
			f := rawRequest(t, c, 8, `<Frobnicate xmlns="urn:x"/>`)
			assert.Equal(t, 8, f.InvokeID, "the response was ignored")
		})
	}
}

func lookup(name string) *dialect.Dialect {
	d, err := dialect.Lookup(name)
	if err != nil {
		panic(err)
	}
	return d
}

// TestOpenScapeVoiceHandshake: the server speaks first with SystemStatus
// from its own invoke ID range, in ed4; SystemRegister is answered; device
// and call IDs come in OpenScape's forms and are taken back.
func TestOpenScapeVoiceHandshake(t *testing.T) {
	p := newTestPBX(t, PBXConfig{Lines: []string{"1001", "1002"}})
	s := serve(t, p, ServerConfig{Dialect: dialect.OpenScapeVoice})
	c := dialTCP(t, s.Addr())
	c.ns = csta.NamespaceEd4
	f := c.frame()
	assert.GreaterOrEqual(t, f.InvokeID, 9000)
	m, err := csta.Decode(f.Body)
	require.NoError(t, err)
	ss, ok := m.(*csta.SystemStatus)
	require.True(t, ok, "first frame %s", m.MessageName())
	assert.Equal(t, csta.NamespaceEd4, ss.Namespace)
	body, err := csta.Encode(&csta.SystemStatusResponse{Header: ss.Header})
	require.NoError(t, err)
	require.NoError(t, writeRaw(c, f.InvokeID, body))

	r := rawRequest(t, c, 0, string(dialect.SystemRegister(csta.NamespaceEd4)))
	name, ns, _ := dialect.Root(r.Body)
	assert.Equal(t, "SystemRegisterResponse", name)
	assert.Equal(t, csta.NamespaceEd4, ns)
	id, ok := dialect.Field(r.Body, "sysStatRegisterID")
	assert.True(t, ok && id != "", "%s", r.Body)

	// A StartApplicationSession is refused: OpenScape Voice has none.
	e, isErr := c.do(&csta.StartApplicationSession{ApplicationID: "t", RequestedProtocolVersions: []string{csta.NamespaceEd4}}).(*csta.CSTAErrorCode)
	require.True(t, isErr)
	assert.ErrorIs(t, e.Err(), csta.ErrServiceNotSupported)

	c.monitor("1001")
	resp := c.ok(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("N<1002>;noa=nk")}).(*csta.MakeCallResponse)
	call := resp.CallingDevice.CallID
	assert.Len(t, string(call), 32, "OpenScape call ID %q", call)
	assert.True(t, strings.HasPrefix(string(call), "FF"))
	evs := c.expect("ServiceInitiated 1001 initiated makeCall", "Originated 1001 connected newCall")
	var party string
	csta.WalkDevices(evs[1], func(path string, d *csta.DeviceID) {
		if path == "callingDevice/deviceIdentifier" {
			party = d.ID
		}
	})
	assert.Equal(t, "N<1001>;noa=nk", party)
	// The wire call ID is taken back.
	c.ok(&csta.ClearConnection{ConnectionToBeCleared: csta.Connection(call, "1001")})
}

// TestSystemStatusInvokeIDsAndNamespace: the endpoint's own SystemStatus
// requests are in the negotiated namespace and, by default for vendor
// dialects, numbered apart from the client's; ecma354 keeps sharing.
func TestSystemStatusInvokeIDsAndNamespace(t *testing.T) {
	p := newTestPBX(t, PBXConfig{Lines: []string{"1001"}})
	for _, tt := range []struct {
		d       string
		ids     [2]int
		version string
		lo, hi  int
	}{
		{dialect.ECMA354, [2]int{}, csta.NamespaceEd5, 1, 9998},
		{dialect.ECMA354, [2]int{9000, 9998}, csta.NamespaceEd4, 9000, 9998},
		{dialect.OpenScapeBusiness, [2]int{}, csta.NamespaceEd4, 9000, 9998},
		{dialect.OpenScapeBusiness, [2]int{1, 9998}, csta.NamespaceEd4, 1, 9998},
	} {
		s := serve(t, p, ServerConfig{Dialect: tt.d, InvokeIDs: tt.ids, SystemStatusInterval: 20 * time.Millisecond})
		c := dialTCP(t, s.Addr())
		c.ns = tt.version
		resp := c.do(&csta.StartApplicationSession{
			ApplicationID: "t", RequestedProtocolVersions: []string{tt.version},
			ApplicationSpecificInfo: lookup(tt.d).LoginInfo("u", "p"),
		})
		require.IsType(t, &csta.StartApplicationSessionPosResponse{}, resp)
		for range 3 {
			f := c.frame()
			m, err := csta.Decode(f.Body)
			require.NoError(t, err)
			ss, ok := m.(*csta.SystemStatus)
			require.True(t, ok, "%s", m.MessageName())
			assert.Equal(t, tt.version, ss.Namespace, "%s %v", tt.d, tt.ids)
			assert.True(t, f.InvokeID >= tt.lo && f.InvokeID <= tt.hi, "%s %v: invoke ID %d", tt.d, tt.ids, f.InvokeID)
			body, _ := csta.Encode(&csta.SystemStatusResponse{Header: ss.Header})
			require.NoError(t, writeRaw(c, f.InvokeID, body))
		}
		assert.Positive(t, s.Stats().SystemStatusAnswered)
	}
}

// TestDMCCDeviceIDsAndLogin: the login is checked when configured, and
// GetDeviceId/ReleaseDeviceId hand device IDs out and take them back.
func TestDMCCDeviceIDsAndLogin(t *testing.T) {
	p := newTestPBX(t, PBXConfig{Lines: []string{"5001"}})
	s := serve(t, p, ServerConfig{Dialect: dialect.AvayaDMCC, Username: "admin", Password: "secret", SwitchIP: "10.0.0.1"})
	d := lookup(dialect.AvayaDMCC)
	start := func(c *testClient, user, password string) csta.Message {
		return c.do(&csta.StartApplicationSession{
			ApplicationID: "t", RequestedProtocolVersions: []string{dialect.NamespaceDMCC61},
			ApplicationSpecificInfo: d.LoginInfo(user, password),
		})
	}
	bad := dialTCP(t, s.Addr())
	neg, ok := start(bad, "admin", "wrong").(*csta.StartApplicationSessionNegResponse)
	require.True(t, ok)
	assert.Equal(t, csta.SessionInvalidApplicationInfo, neg.ErrorCode.Defined)
	_, ok = bad.do(&csta.StartApplicationSession{ApplicationID: "t", RequestedProtocolVersions: []string{dialect.NamespaceDMCC61}}).(*csta.StartApplicationSessionNegResponse)
	assert.True(t, ok, "no credentials at all")
	assert.Equal(t, uint64(2), s.Stats().LoginFailures)

	c := dialTCP(t, s.Addr())
	c.ns = dialect.NamespaceDMCC61
	pos, ok := start(c, "admin", "secret").(*csta.StartApplicationSessionPosResponse)
	require.True(t, ok)
	c.session = pos.SessionID
	f := rawRequest(t, c, 11, string(dialect.GetDeviceId("CM1", "5001")))
	assert.Equal(t, 11, f.InvokeID)
	dev, _ := dialect.Field(f.Body, "device")
	assert.Equal(t, "5001:CM1:10.0.0.1:0", dev)
	f = rawRequest(t, c, 12, string(dialect.GetDeviceId("CM1", "9999")))
	m, err := csta.Decode(f.Body)
	require.NoError(t, err)
	assert.ErrorIs(t, m.(*csta.CSTAErrorCode).Err(), csta.ErrInvalidDeviceID)
	c.monitor(dev)
	f = rawRequest(t, c, 13, string(dialect.ReleaseDeviceId(dev)))
	name, _, _ := dialect.Root(f.Body)
	assert.Equal(t, "ReleaseDeviceIdResponse", name)
	f = rawRequest(t, c, 14, string(dialect.ReleaseDeviceId(dev)))
	name, _, _ = dialect.Root(f.Body)
	assert.Equal(t, "CSTAErrorCode", name, "released twice")
}

// TestDeviceOnlyConnection: in openscape-voice, a ConnectionID with only
// a deviceID names the line's call when it has exactly one, as the schema
// allows.
func TestDeviceOnlyConnection(t *testing.T) {
	p := newTestPBX(t, PBXConfig{Lines: []string{"1001", "1002"}})
	s := serve(t, p, ServerConfig{Dialect: dialect.OpenScapeVoice})
	c := dialTCP(t, s.Addr())
	c.ns = csta.NamespaceEd4
	c.fails(&csta.ClearConnection{ConnectionToBeCleared: csta.ConnectionID{DeviceID: csta.Device("1001")}}, csta.ErrInvalidConnectionID)
	c.ok(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002")})
	c.ok(&csta.ClearConnection{ConnectionToBeCleared: csta.ConnectionID{DeviceID: csta.Device("1001")}})
}

// TestDeviceOnlyConnectionECMA354: in ecma354 too, a ConnectionID with
// only a deviceID names the line's one call (ClearConnection, as
// pyssimist sends it), and is refused when the line has none.
func TestDeviceOnlyConnectionECMA354(t *testing.T) {
	p := newTestPBX(t, PBXConfig{Lines: []string{"1001", "1002"}})
	s := serve(t, p, ServerConfig{})
	c := dialTCP(t, s.Addr())
	c.start(csta.NamespaceEd3)
	only := csta.ConnectionID{DeviceID: csta.Device("1001")}
	c.fails(&csta.ClearConnection{ConnectionToBeCleared: only}, csta.ErrInvalidConnectionID)
	c.ok(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002")})
	c.ok(&csta.ClearConnection{ConnectionToBeCleared: only})
	assert.Empty(t, p.Calls())
}

// TestSystemRegisterECMA354: ECMA-269's SystemRegister is served in an
// ecma354 session, and refused before it.
func TestSystemRegisterECMA354(t *testing.T) {
	p := newTestPBX(t, PBXConfig{Lines: []string{"1001"}})
	s := serve(t, p, ServerConfig{})
	c := dialTCP(t, s.Addr())
	f := rawRequest(t, c, 5, string(dialect.SystemRegister(csta.NamespaceEd3)))
	m, err := csta.Decode(f.Body)
	require.NoError(t, err)
	assert.ErrorIs(t, m.(*csta.CSTAErrorCode).Err(), csta.ErrSecurity)
	c.start(csta.NamespaceEd4)
	f = rawRequest(t, c, 6, string(dialect.SystemRegister(csta.NamespaceEd4)))
	name, ns, _ := dialect.Root(f.Body)
	assert.Equal(t, "SystemRegisterResponse", name)
	assert.Equal(t, csta.NamespaceEd4, ns)
}
