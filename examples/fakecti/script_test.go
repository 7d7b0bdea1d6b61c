package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
	"github.com/rcc-go/rcc/ctipool/cstatcp"
)

// rawClient is a CSTA client over a real socket that keeps its session.
type rawClient struct {
	t    *testing.T
	nc   net.Conn
	r    *framing.Reader
	next int
}

func dialClient(t *testing.T, addr string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	c := &rawClient{t: t, nc: nc, r: framing.NewReader(nc, 0)}
	_, ok := c.do(&csta.StartApplicationSession{ApplicationID: "t", RequestedProtocolVersions: []string{csta.NamespaceEd3}}).(*csta.StartApplicationSessionPosResponse)
	require.True(t, ok)
	return c
}

func (c *rawClient) send(m csta.Request) int {
	c.t.Helper()
	if h := m.MessageHeader(); h.Namespace == "" {
		h.Namespace = csta.NamespaceEd3
	}
	body, err := csta.Encode(m)
	require.NoError(c.t, err)
	c.next++
	require.NoError(c.t, framing.WriteFrame(c.nc, c.next, body))
	return c.next
}

func (c *rawClient) frame() framing.Frame {
	c.t.Helper()
	require.NoError(c.t, c.nc.SetReadDeadline(time.Now().Add(10*time.Second)))
	f, err := c.r.ReadFrame()
	require.NoError(c.t, err)
	return f
}

// do sends a request and returns its answer, skipping events.
func (c *rawClient) do(m csta.Request) csta.Message {
	c.t.Helper()
	id := c.send(m)
	for range 1000 {
		f := c.frame()
		if f.InvokeID != id {
			continue
		}
		msg, err := csta.Decode(f.Body)
		require.NoError(c.t, err)
		return msg
	}
	c.t.Fatal("no answer")
	return nil
}

func TestJSONKeysOneCase(t *testing.T) {
	hs, cl := plane(t)
	c := dialClient(t, cl.Endpoint(0).Addr())
	c.do(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}})
	require.Equal(t, http.StatusCreated, call(t, hs, "POST", "/calls", `{"from":"+3222220220","to":"1001"}`, nil))
	require.Equal(t, http.StatusCreated, call(t, hs, "POST", "/rules", `{"name":"MakeCall","action":"delay","delay":"1s","for":"1m"}`, nil))
	for _, path := range []string{"/calls", "/lines", "/endpoints", "/requests", "/connections", "/events", "/rules", "/frames"} {
		var doc any
		require.Equal(t, http.StatusOK, call(t, hs, "GET", path, "", &doc), path)
		var walk func(v any)
		n := 0
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					n++
					r := []rune(k)
					assert.True(t, unicode.IsLower(r[0]) && !strings.ContainsAny(k, "_- "), "%s: key %q is not lowerCamelCase", path, k)
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(doc)
		assert.NotZero(t, n, path)
	}
}

func TestHelpAndLogs(t *testing.T) {
	var help bytes.Buffer
	_, err := parseFlags([]string{"-h"}, &help)
	require.Error(t, err)
	assert.Equal(t, 1, strings.Count(help.String(), defaultListen), help.String())

	for _, verbose := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		errc := make(chan error, 1)
		var logs bytes.Buffer
		args := []string{"-demo", "-listen", "127.0.0.1:0", "-http", "127.0.0.1:0"}
		if verbose {
			args = append(args, "-v")
		}
		go func() { errc <- run(ctx, args, &logs, ready) }()
		select {
		case <-ready:
		case err := <-errc:
			t.Fatalf("run: %v", err)
		}
		cancel()
		require.NoError(t, <-errc)
		out := logs.String()
		assert.Contains(t, out, `msg="PBX provisioned" lines=4 devices=4`)
		assert.NotContains(t, out, "1001 1002")
		assert.Equal(t, verbose, strings.Contains(out, `msg="line provisioned" line=1003 devices="SEP000000001003 CSFCAROL"`), out)
	}
}

func TestInjectAndEventLog(t *testing.T) {
	hs, cl := plane(t)
	c := dialClient(t, cl.Endpoint(1).Addr())
	mon := c.do(&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1002")}}).(*csta.MonitorStartResponse).MonitorCrossRefID

	var conns []connectionJSON
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/connections", "", &conns))
	require.Len(t, conns, 1)
	assert.Equal(t, "cti2", conns[0].Endpoint)
	require.Len(t, conns[0].Monitors, 1)
	assert.Equal(t, monitorJSON{ID: string(mon), Line: "1002", Type: "device", Namespace: csta.NamespaceEd3, Filter: "<actualMonitorFilter></actualMonitorFilter>"}, conns[0].Monitors[0])

	// A named event with fields, to the monitor.
	body := `{"monitor":"` + string(mon) + `","name":"DeliveredEvent","fields":{
		"connection":{"callID":"0_beef","deviceID":"1002"},
		"alertingDevice":{"deviceIdentifier":"1002"},
		"callingDevice":{"deviceIdentifier":{"@typeOfNumber":"other","#text":"+3222220220"}},
		"calledDevice":{"deviceIdentifier":"1002"},
		"lastRedirectionDevice":{"notRequired":null},
		"localConnectionInfo":"alerting","cause":"newCall"}}`
	require.Equal(t, http.StatusNoContent, call(t, hs, "POST", "/events", body, nil))
	f := c.frame()
	assert.Equal(t, framing.EventInvokeID, f.InvokeID)
	m, err := csta.Decode(f.Body)
	require.NoError(t, err)
	d := m.(*csta.DeliveredEvent)
	assert.Equal(t, mon, d.MonitorCrossRefID)
	assert.Equal(t, csta.Connection("0_beef", "1002"), d.Connection)
	assert.Equal(t, "+3222220220", d.CallingDevice.String())
	assert.Equal(t, csta.CauseNewCall, d.Cause)

	// Raw XML to the connection.
	raw := `<DoNotDisturbEvent xmlns="` + csta.NamespaceEd3 + `"><monitorCrossRefID>` + string(mon) + `</monitorCrossRefID><device>1002</device><doNotDisturbOn>true</doNotDisturbOn></DoNotDisturbEvent>`
	rawJSON, _ := json.Marshal(map[string]any{"conn": conns[0].ID, "xml": raw})
	require.Equal(t, http.StatusNoContent, call(t, hs, "POST", "/events", string(rawJSON), nil))
	assert.Equal(t, raw, string(c.frame().Body))

	// A named event the codec does not know goes as built.
	require.Equal(t, http.StatusNoContent, call(t, hs, "POST", "/events", `{"monitor":"`+string(mon)+`","name":"HookswitchEvent","fields":{"device":"1002","hookswitchOnHook":false}}`, nil))
	assert.Equal(t, `<HookswitchEvent xmlns="`+csta.NamespaceEd3+`"><monitorCrossRefID>`+string(mon)+`</monitorCrossRefID><device>1002</device><hookswitchOnHook>false</hookswitchOnHook></HookswitchEvent>`, string(c.frame().Body))

	var evs []eventJSON
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/events?name=DeliveredEvent", "", &evs))
	require.Len(t, evs, 1)
	assert.Equal(t, "1002", evs[0].Line)
	assert.Contains(t, evs[0].XML, "0_beef")
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/events?since="+strconv.FormatUint(evs[0].Seq, 10), "", &evs))
	assert.Empty(t, evs)
	require.Equal(t, http.StatusNoContent, call(t, hs, "DELETE", "/events", "", nil))

	var e map[string]string
	for bad, status := range map[string]int{
		`{"xml":"<x/>"}`:                        http.StatusBadRequest,
		`{"conn":1,"monitor":"1","xml":"<x/>"}`: http.StatusBadRequest,
		`{"monitor":"1"}`:                       http.StatusBadRequest,
		`{"monitor":"99","xml":"<x/>"}`:         http.StatusNotFound,
		`{"conn":99,"xml":"<x/>"}`:              http.StatusNotFound,
		`{"monitor":"1","name":"Bad Name"}`:     http.StatusBadRequest,
		`{"monitor":"1","name":"DeliveredEvent","fields":{"connection":7}}`: http.StatusBadRequest,
		`{"monitor":"1","name":"MakeCall","fields":{}}`:                     http.StatusBadRequest,
		`{"monitor":"1","name":"X","fields":[1]}`:                           http.StatusBadRequest,
	} {
		require.Equal(t, status, call(t, hs, "POST", "/events", bad, &e), bad)
		assert.NotEmpty(t, e["error"], bad)
	}
}

func TestRulesAndFrames(t *testing.T) {
	hs, cl := plane(t)
	c := dialClient(t, cl.Endpoint(0).Addr())

	var r ruleJSON
	canned := `<CSTAErrorCode xmlns="` + csta.NamespaceEd3 + `"><operation>invalidCalledDeviceID</operation></CSTAErrorCode>`
	body, _ := json.Marshal(map[string]any{"name": "MakeCall", "namespace": csta.NamespaceEd3, "action": "answer", "answer": canned, "count": 1})
	require.Equal(t, http.StatusCreated, call(t, hs, "POST", "/rules", string(body), &r))
	assert.Equal(t, "answer", r.Action)
	assert.NotZero(t, r.ID)

	mk := &csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002")}
	e, ok := c.do(mk).(*csta.CSTAErrorCode)
	require.True(t, ok)
	assert.ErrorIs(t, e.Err(), csta.ErrInvalidCalledDevice)
	var rules []ruleJSON
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/rules", "", &rules))
	assert.Empty(t, rules, "used up")

	// Drop the next MakeCall answer; it is still carried out.
	require.Equal(t, http.StatusCreated, call(t, hs, "POST", "/rules", `{"name":"MakeCall","action":"drop","count":1}`, &r))
	id := c.send(&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002")})
	var calls []callJSON
	require.Eventually(t, func() bool {
		calls = nil
		call(t, hs, "GET", "/calls", "", &calls)
		return len(calls) == 1
	}, 5*time.Second, 10*time.Millisecond)

	// A delay rule, listed and removed.
	require.Equal(t, http.StatusCreated, call(t, hs, "POST", "/rules", `{"name":"SnapshotDevice","action":"delay","delay":"250ms","endpoint":"cti1"}`, &r))
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/rules", "", &rules))
	require.Len(t, rules, 1)
	assert.Equal(t, "250ms", rules[0].Delay)
	require.Equal(t, http.StatusNoContent, call(t, hs, "DELETE", "/rules/"+strconv.Itoa(r.ID), "", nil))
	require.Equal(t, http.StatusNotFound, call(t, hs, "DELETE", "/rules/"+strconv.Itoa(r.ID), "", nil))
	require.Equal(t, http.StatusNoContent, call(t, hs, "DELETE", "/rules", "", nil))

	for _, bad := range []string{
		`{"name":"MakeCall","action":"explode"}`,
		`{"action":"drop"}`,
		`{"name":"MakeCall","action":"delay","delay":"soon"}`,
		`{"name":"MakeCall","action":"answer","answer":"<a>"}`,
	} {
		var e map[string]string
		require.Equal(t, http.StatusBadRequest, call(t, hs, "POST", "/rules", bad, &e), bad)
		assert.NotEmpty(t, e["error"])
	}

	// The frame log, both ways.
	var frames []frameJSON
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/frames?name=MakeCall&dir=in", "", &frames))
	require.Len(t, frames, 2)
	assert.Equal(t, "in", frames[1].Dir)
	assert.Equal(t, id, frames[1].InvokeID)
	assert.Contains(t, frames[1].XML, "<MakeCall")
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/frames?dir=out&invokeID="+strconv.Itoa(frames[0].InvokeID), "", &frames))
	require.Len(t, frames, 1)
	assert.Equal(t, "CSTAErrorCode", frames[0].Name)
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/frames?dir=out&invokeID="+strconv.Itoa(id), "", &frames))
	assert.Empty(t, frames, "dropped")
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/frames?endpoint=cti1&conn=1&since=1", "", &frames))
	assert.NotEmpty(t, frames)
	for _, f := range frames {
		assert.Greater(t, f.Seq, uint64(1))
	}
	for _, bad := range []string{"dir=sideways", "conn=x", "invokeID=x", "since=-1"} {
		require.Equal(t, http.StatusBadRequest, call(t, hs, "GET", "/frames?"+bad, "", nil), bad)
	}
	require.Equal(t, http.StatusNoContent, call(t, hs, "DELETE", "/frames", "", nil))
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/frames", "", &frames))
	assert.Empty(t, frames)
}

func TestTLSFlags(t *testing.T) {
	o, err := parseFlags([]string{"-demo", "-listen", "127.0.0.1:0", "-tls-self-signed"}, io.Discard)
	require.NoError(t, err)
	pbx, cl, certPEM, err := startTLS(o, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pbx.Close() })
	hs := httptest.NewServer(newControlPlaneTLS(cl, certPEM))
	t.Cleanup(hs.Close)

	resp, err := hs.Client().Get(hs.URL + "/tls/cert")
	require.NoError(t, err)
	pemBytes, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))

	ctx := context.Background()
	c, err := cstatcp.Dial(ctx, cstatcp.Config{Addr: cl.Endpoint(0).Addr(), TLS: &tls.Config{RootCAs: pool}})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Do(ctx, &csta.GetCSTAFeatures{})
	require.NoError(t, err)
	var eps []endpointJSON
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/endpoints", "", &eps))
	assert.True(t, eps[0].TLS)

	// Without TLS, no certificate.
	plainHS, _ := plane(t)
	require.Equal(t, http.StatusNotFound, call(t, plainHS, "GET", "/tls/cert", "", nil))

	o, err = parseFlags([]string{"-demo", "-listen", "127.0.0.1:0", "-frame-log", "0"}, io.Discard)
	require.NoError(t, err)
	quiet, qcl, err := start(o, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = quiet.Close() })
	qc := dialClient(t, qcl.Endpoint(0).Addr())
	qc.do(&csta.GetCSTAFeatures{})
	assert.Empty(t, quiet.Frames())

	for _, bad := range [][]string{
		{"-demo", "-frame-log", "-1"},
		{"-demo", "-tls-cert", "c.pem"},
		{"-demo", "-tls-key", "k.pem"},
		{"-demo", "-tls-self-signed", "-tls-cert", "c.pem", "-tls-key", "k.pem"},
	} {
		_, err := parseFlags(bad, io.Discard)
		require.Error(t, err, "%q", bad)
	}
	o, err = parseFlags([]string{"-demo", "-listen", "127.0.0.1:0", "-tls-cert", "missing.pem", "-tls-key", "missing.key"}, io.Discard)
	require.NoError(t, err)
	_, _, _, err = startTLS(o, nil)
	require.ErrorContains(t, err, "TLS")
}
