package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
	"github.com/rcc-go/rcc/ctipool/ctitest"
)

// plane starts an in-process fake (demo directory, far ends answering at
// once, three loopback endpoints) behind its control plane.
func plane(t *testing.T) (*httptest.Server, *ctitest.Cluster) {
	t.Helper()
	o, err := parseFlags([]string{"-demo", "-listen", "127.0.0.1:0,127.0.0.1:0", "-listen", "127.0.0.1:0", "-answer-delay", "0"}, io.Discard)
	require.NoError(t, err)
	pbx, cl, err := start(o, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pbx.Close() })
	hs := httptest.NewServer(newControlPlane(cl))
	t.Cleanup(hs.Close)
	return hs, cl
}

// call makes an HTTP request with an optional JSON body and decodes the
// JSON answer into out (when not nil). It returns the status.
func call(t *testing.T, hs *httptest.Server, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := hs.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil && len(data) > 0 {
		require.NoError(t, json.Unmarshal(data, out), "%s", data)
	}
	return resp.StatusCode
}

func TestCalls(t *testing.T) {
	hs, _ := plane(t)
	var c callJSON
	require.Equal(t, http.StatusCreated, call(t, hs, "POST", "/calls", `{"from":"+3222220220","to":"1001"}`, &c))
	assert.Equal(t, "+3222220220", c.Calling)
	assert.Equal(t, []partyJSON{{ID: "+3222220220", External: true, State: "connected"}, {ID: "1001", State: "alerting"}}, c.Parties)

	var got callJSON
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/calls/"+c.ID, "", &got))
	assert.Equal(t, c, got)
	var all []callJSON
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/calls", "", &all))
	assert.Equal(t, []callJSON{c}, all)

	require.Equal(t, http.StatusOK, call(t, hs, "POST", "/calls/"+c.ID+"/answer", "", &got))
	assert.Equal(t, "connected", got.Parties[1].State)
	var e map[string]string
	require.Equal(t, http.StatusConflict, call(t, hs, "POST", "/calls/"+c.ID+"/answer", `{"party":"1001"}`, &e))
	assert.Contains(t, e["error"], "noCallToAnswer")
	require.Equal(t, http.StatusNotFound, call(t, hs, "POST", "/calls/"+c.ID+"/hangup", `{"party":"1002"}`, nil))
	require.Equal(t, http.StatusNoContent, call(t, hs, "POST", "/calls/"+c.ID+"/hangup", `{"party":"+3222220220"}`, nil))
	require.Equal(t, http.StatusNotFound, call(t, hs, "GET", "/calls/"+c.ID, "", nil))

	// A call from a line to a far end that answers at once.
	require.Equal(t, http.StatusCreated, call(t, hs, "POST", "/calls", `{"from":"1002","to":"2000"}`, &c))
	assert.Equal(t, "connected", c.Parties[1].State)
	require.Equal(t, http.StatusNoContent, call(t, hs, "POST", "/calls/"+c.ID+"/hangup", "", nil))

	for _, bad := range []string{`{"from":"1001"}`, `{"from":"+1","to":"2000"}`, `nope`} {
		require.Equal(t, http.StatusBadRequest, call(t, hs, "POST", "/calls", bad, &e), bad)
		assert.NotEmpty(t, e["error"])
	}
	require.Equal(t, http.StatusNotFound, call(t, hs, "POST", "/calls/nope/answer", "", nil))
}

func TestLines(t *testing.T) {
	hs, _ := plane(t)
	var lines []lineJSON
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/lines", "", &lines))
	require.Len(t, lines, 4)
	assert.Equal(t, lineJSON{Key: "1003", Devices: []string{"SEP000000001003", "CSFCAROL"}, Forwarding: []forwardJSON{}}, lines[2])
}

func TestEndpoints(t *testing.T) {
	hs, cl := plane(t)
	var eps []endpointJSON
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/endpoints", "", &eps))
	require.Len(t, eps, 3)
	assert.Equal(t, "cti2", eps[1].Name)
	assert.Equal(t, cl.Endpoint(1).Addr(), eps[1].Addr)
	assert.True(t, eps[1].Running)

	var ep endpointJSON
	require.Equal(t, http.StatusOK, call(t, hs, "POST", "/endpoints/2/stop", "", &ep))
	assert.False(t, ep.Running)
	_, err := net.Dial("tcp", eps[1].Addr)
	require.Error(t, err)
	require.Equal(t, http.StatusOK, call(t, hs, "POST", "/endpoints/cti2/restart", "", &ep))
	assert.True(t, ep.Running)
	assert.Equal(t, eps[1].Addr, ep.Addr)
	require.Equal(t, http.StatusNotFound, call(t, hs, "POST", "/endpoints/4/stop", "", nil))
	require.Equal(t, http.StatusNotFound, call(t, hs, "POST", "/endpoints/nope/stop", "", nil))

	faults := []struct {
		body  string
		check func(endpointJSON)
	}{
		{`{"kind":"refuse"}`, func(e endpointJSON) { assert.True(t, e.Faults.RefuseConnections) }},
		{`{"kind":"refuse","on":false}`, func(e endpointJSON) { assert.False(t, e.Faults.RefuseConnections) }},
		{`{"kind":"stall-heartbeats"}`, func(e endpointJSON) { assert.True(t, e.Faults.StallHeartbeats) }},
		{`{"kind":"stall"}`, func(e endpointJSON) { assert.True(t, e.Faults.Stall) }},
		{`{"kind":"delay","delay":"250ms"}`, func(e endpointJSON) { assert.Equal(t, "250ms", e.Faults.DelayResponses) }},
		{`{"kind":"drop","count":3}`, func(e endpointJSON) { assert.Equal(t, 3, e.Faults.DropResponses) }},
		{`{"kind":"clear"}`, func(e endpointJSON) {
			assert.Equal(t, faultsJSON{DelayResponses: "0s"}, e.Faults)
		}},
		{`{"kind":"close"}`, func(e endpointJSON) { assert.Zero(t, e.Connections) }},
		{`{"kind":"garbage","garbage":"bad-xml"}`, func(endpointJSON) {}},
	}
	for _, f := range faults {
		var e endpointJSON
		require.Equal(t, http.StatusOK, call(t, hs, "POST", "/endpoints/1/fault", f.body, &e), f.body)
		f.check(e)
	}
	for _, bad := range []string{`{"kind":"explode"}`, `{"kind":"delay","delay":"soon"}`, `{"kind":"drop","count":-1}`, `{"kind":"garbage","garbage":"x"}`} {
		var e map[string]string
		require.Equal(t, http.StatusBadRequest, call(t, hs, "POST", "/endpoints/1/fault", bad, &e), bad)
		assert.NotEmpty(t, e["error"])
	}
}

// session opens a CSTA session on addr and sends one request.
func session(t *testing.T, addr string, req csta.Request) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer nc.Close()
	r := framing.NewReader(nc, 0)
	for i, m := range []csta.Request{&csta.StartApplicationSession{ApplicationID: "t", RequestedProtocolVersions: []string{csta.NamespaceEd3}}, req} {
		body, err := csta.Encode(m)
		require.NoError(t, err)
		require.NoError(t, framing.WriteFrame(nc, i+1, body))
		require.NoError(t, nc.SetReadDeadline(time.Now().Add(10*time.Second)))
		_, err = r.ReadFrame()
		require.NoError(t, err)
	}
}

func TestRequestsAndReset(t *testing.T) {
	hs, cl := plane(t)
	session(t, cl.Endpoint(0).Addr(), &csta.RequestSystemStatus{})
	session(t, cl.Endpoint(2).Addr(), &csta.GetDoNotDisturb{Device: csta.Device("1001")})

	var recs []requestJSON
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/requests", "", &recs))
	require.Len(t, recs, 4)
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/requests?heartbeats=false&name=GetDoNotDisturb&name=RequestSystemStatus", "", &recs))
	require.Len(t, recs, 1)
	assert.Equal(t, "cti3", recs[0].Endpoint)
	assert.Contains(t, recs[0].XML, "<GetDoNotDisturb")
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/requests?endpoint=cti1", "", &recs))
	assert.Len(t, recs, 2)
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/requests?conn="+strconv.FormatUint(recs[0].Conn, 10), "", &recs))
	assert.Len(t, recs, 2)
	require.Equal(t, http.StatusBadRequest, call(t, hs, "GET", "/requests?conn=x", "", nil))

	require.Equal(t, http.StatusNoContent, call(t, hs, "DELETE", "/requests", "", nil))
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/requests", "", &recs))
	assert.Empty(t, recs)

	var c callJSON
	require.Equal(t, http.StatusCreated, call(t, hs, "POST", "/calls", `{"from":"1001","to":"3001"}`, &c))
	require.Equal(t, http.StatusOK, call(t, hs, "POST", "/endpoints/1/fault", `{"kind":"stall"}`, nil))
	require.Equal(t, http.StatusNoContent, call(t, hs, "POST", "/reset", "", nil))
	var calls []callJSON
	require.Equal(t, http.StatusOK, call(t, hs, "GET", "/calls", "", &calls))
	assert.Empty(t, calls)
	assert.False(t, cl.Endpoint(0).Faults().Stall)
}

func TestFlags(t *testing.T) {
	o, err := parseFlags([]string{"-demo"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, strings.Split(defaultListen, ","), o.listen)
	assert.Equal(t, "127.0.0.1:7080", o.http)

	dir := t.TempDir()
	file := filepath.Join(dir, "dir.yaml")
	require.NoError(t, os.WriteFile(file, []byte("version: 1\nlines:\n  - dn: \"5001\"\n"), 0o600))
	o, err = parseFlags([]string{"-directory", file, "-listen", "127.0.0.1:0"}, io.Discard)
	require.NoError(t, err)
	pbx, _, err := start(o, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"5001"}, pbx.Lines())
	require.NoError(t, pbx.Close())

	bad := [][]string{
		{},
		{"-demo", "-directory", file},
		{"-demo", "-listen", strings.Repeat("127.0.0.1:0,", 9)},
		{"-demo", "-answer-delay", "-1s"},
		{"-demo", "extra"},
		{"-nope"},
	}
	for _, args := range bad {
		_, err := parseFlags(args, io.Discard)
		require.Error(t, err, "%q", args)
	}
	_, err = parseFlags([]string{"-h"}, io.Discard)
	require.ErrorIs(t, err, flag.ErrHelp)

	o, err = parseFlags([]string{"-directory", filepath.Join(dir, "missing.yaml")}, io.Discard)
	require.NoError(t, err)
	_, _, err = start(o, nil)
	require.Error(t, err)
}

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		errc <- run(ctx, []string{"-demo", "-listen", "127.0.0.1:0", "-http", "127.0.0.1:0"}, &logs, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-errc:
		t.Fatalf("run: %v", err)
	}
	resp, err := http.Get("http://" + addr + "/endpoints")
	require.NoError(t, err)
	var eps []endpointJSON
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&eps))
	resp.Body.Close()
	require.Len(t, eps, 1)
	cancel()
	require.NoError(t, <-errc)
	assert.Contains(t, logs.String(), "control plane listening")

	require.Error(t, run(context.Background(), []string{"-demo", "-listen", "127.0.0.1:0", "-http", "256.1.1.1:1"}, io.Discard, nil))
}

func TestDialectFlags(t *testing.T) {
	o, err := parseFlags([]string{"-demo", "-listen", "127.0.0.1:0", "-dialect", "avaya-dmcc", "-user", "admin",
		"-password", "pw", "-switch-name", "S8300", "-server-invoke-ids", "5000-5999"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, [2]int{5000, 5999}, o.invokeIDs)
	pbx, cl, err := start(o, nil)
	require.NoError(t, err)
	defer pbx.Close()
	assert.Equal(t, "avaya-dmcc", cl.Endpoints()[0].Dialect())

	t.Setenv("FAKECTI_PASSWORD", "from-env")
	o, err = parseFlags([]string{"-demo", "-dialect", "openscape-business", "-user", "u"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "from-env", o.password)

	for _, args := range [][]string{
		{"-demo", "-dialect", "cisco"},
		{"-demo", "-server-invoke-ids", "9000"},
		{"-demo", "-server-invoke-ids", "0-10"},
		{"-demo", "-server-invoke-ids", "9000-9999"},
		{"-demo", "-server-invoke-ids", "20-10"},
	} {
		_, err := parseFlags(args, io.Discard)
		require.Error(t, err, "%q", args)
	}
}
