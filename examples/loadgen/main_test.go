package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance/dirfile"
)

func TestHistogramBuckets(t *testing.T) {
	// Every value falls in a bucket whose middle is within 1/64 of it,
	// and buckets are in order.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := rng.Uint64N(1 << uint(rng.IntN(45)+1))
		b := bucketOf(v)
		require.Less(t, b, histBuckets)
		mid := bucketValue(b)
		if v < 128 {
			require.Equal(t, v, mid)
			continue
		}
		diff := float64(mid) - float64(v)
		require.LessOrEqual(t, diff*diff, float64(v)*float64(v)/64/64, "v=%d bucket=%d mid=%d", v, b, mid)
	}
	for i := 1; i < histBuckets-1; i++ {
		require.Less(t, bucketValue(i-1), bucketValue(i))
	}
	assert.Equal(t, histBuckets-1, bucketOf(^uint64(0)))
}

func TestHistogramSummary(t *testing.T) {
	var h histogram
	assert.Equal(t, Latency{}, h.summary())
	// 1..1000 µs: p50 500 µs, p99 990 µs, p99.9 999 µs, within 1.6 %.
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	h.record(-time.Second) // clamped to 0
	l := h.summary()
	assert.Equal(t, uint64(1001), l.Count)
	assert.InEpsilon(t, 0.5, l.P50, 0.02)
	assert.InEpsilon(t, 0.99, l.P99, 0.02)
	assert.InEpsilon(t, 0.999, l.P999, 0.02)
	assert.Equal(t, 1.0, l.Max)
	assert.InEpsilon(t, 0.5, l.Mean, 0.01)
	h.reset()
	assert.Equal(t, uint64(0), h.summary().Count)
}

// TestBodies checks that the hand-written CSTA bodies decode to the
// messages they stand for.
func TestBodies(t *testing.T) {
	const line = "tel:1000000;phone-context=dialstring"
	m, err := csta.Decode(bodyRequestSystemStatus(line))
	require.NoError(t, err)
	assert.Equal(t, line, m.(*csta.RequestSystemStatus).Extensions.LineOf())

	m, err = csta.Decode(bodyMonitorStart(line))
	require.NoError(t, err)
	assert.Equal(t, line, m.(*csta.MonitorStart).MonitorObject.Device.ID)

	m, err = csta.Decode(bodyMakeCall(line, "tel:2000"))
	require.NoError(t, err)
	mc := m.(*csta.MakeCall)
	assert.Equal(t, line, mc.CallingDevice.ID)
	assert.Equal(t, "tel:2000", mc.CalledDirectoryNumber.ID)
	assert.Equal(t, csta.AutoOriginateDoNotPrompt, mc.AutoOriginate)

	m, err = csta.Decode(bodyClearConnection("c1", line))
	require.NoError(t, err)
	assert.Equal(t, csta.Connection("c1", line), m.(*csta.ClearConnection).ConnectionToBeCleared)

	m, err = csta.Decode(bodySnapshotDevice(line))
	require.NoError(t, err)
	assert.Equal(t, line, m.(*csta.SnapshotDevice).SnapshotObject.ID)

	m, err = csta.Decode(bodyMonitorStop("x1"))
	require.NoError(t, err)
	assert.Equal(t, csta.MonitorCrossRefID("x1"), m.(*csta.MonitorStop).MonitorCrossRefID)

	m, err = csta.Decode(baselineInviteBody)
	require.NoError(t, err)
	assert.Equal(t, csta.SystemNormal, m.(*csta.RequestSystemStatusResponse).SystemStatus)
	m, err = csta.Decode(baselineInfoBody)
	require.NoError(t, err)
	assert.Equal(t, csta.CallID("1"), m.(*csta.MakeCallResponse).CallingDevice.CallID)
}

func TestBodyHelpers(t *testing.T) {
	resp, err := csta.Encode(&csta.MakeCallResponse{CallingDevice: csta.Connection("0_42", "tel:1")})
	require.NoError(t, err)
	assert.Equal(t, "0_42", element(resp, "callID"))
	assert.Equal(t, "", element(resp, "nothing"))
	assert.Equal(t, "", element([]byte("<callID>unterminated"), "callID"))
	assert.Equal(t, "MakeCallResponse", rootName(resp))
	assert.Equal(t, "DeliveredEvent", rootName([]byte(`<?xml version="1.0"?><!-- x --><c:DeliveredEvent xmlns:c="urn:x"/>`)))
	assert.Equal(t, "", rootName([]byte("no xml")))

	e, err := csta.Encode(&csta.CSTAErrorCode{Code: csta.ErrInvalidCallID.(*csta.Error).Code})
	require.NoError(t, err)
	assert.Equal(t, "operation/invalidCallID", firstErrorValue(e))

	hop, ok := routeHop("<sip:127.0.0.1;lr>")
	assert.True(t, ok)
	assert.Equal(t, "127.0.0.1:5060", hop)
	hop, ok = routeHop("<sip:proxy.example.com:5070;transport=tcp;lr>")
	assert.True(t, ok)
	assert.Equal(t, "proxy.example.com:5070", hop)
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-users", "3", "-write-directory", filepath.Join(dir, "d.json")}, &out, io.Discard))
	d, err := dirfile.Load(filepath.Join(dir, "d.json"))
	require.NoError(t, err)
	assert.Len(t, d.Users, 3)

	require.NoError(t, run(context.Background(), []string{"-users", "2", "-write-csv", filepath.Join(dir, "u.csv")}, &out, io.Discard))
	csv, err := os.ReadFile(filepath.Join(dir, "u.csv"))
	require.NoError(t, err)
	assert.Equal(t, "SEQUENTIAL\nuser1;1000000\nuser2;1000001\n", string(csv))
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-target", "pbx"},
		{"-transport", "tls"},
		{"-sessions", "0"},
		{"-snapshot-ratio", "2"},
		{"-timeout", "0"},
		{"-sessions", "10", "-users", "5"},
		{"-serve", "gateway"},
		{"-pid", "1"},
		{"-baseline-pid", "1"},
		{"extra"},
	} {
		_, err := parseFlags(args, io.Discard)
		assert.Error(t, err, "%v", args)
	}
	o, err := parseFlags([]string{"-sessions", "7", "-user-offset", "3"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 10, o.users)
}

// runJSON runs the harness with args and returns its results.
func runJSON(t *testing.T, args ...string) []Result {
	t.Helper()
	file := filepath.Join(t.TempDir(), "r.json")
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := run(ctx, append(args, "-json", file), &out, io.Discard)
	require.NoError(t, err, "%s", out.String())
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	var rs []Result
	require.NoError(t, json.Unmarshal(b, &rs))
	t.Log(out.String())
	return rs
}

// TestCompare runs the whole comparison briefly against in-process targets:
// every request and event is answered, nothing fails.
func TestCompare(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a gateway and a baseline")
	}
	rs := runJSON(t, "-compare", "-sessions", "6", "-conns", "2", "-concurrency", "3",
		"-warmup", "0", "-duration", "400ms", "-snapshot-ratio", "0.3")
	require.Len(t, rs, 4)
	names := []string{"baseline", "gateway", "gateway-half-rate", "baseline-same-rate"}
	for i, r := range rs {
		assert.Equal(t, names[i], r.Name)
		assert.Equal(t, 6, r.Sessions)
		assert.Equal(t, uint64(6), r.Setup.Count)
		assert.Zero(t, r.Errors, "%+v", r.ErrorKinds)
		assert.Zero(t, r.SetupErrors, "%+v", r.SetupErrorKinds)
		assert.Positive(t, r.Requests)
		assert.Equal(t, r.Requests, r.Latency.Count)
		assert.Positive(t, r.RSS)
		assert.Equal(t, "in-process", r.Where)
	}
	assert.Zero(t, rs[0].Events, "the baseline sends no events")
	assert.Positive(t, rs[1].Events, "the gateway's fake PBX reports the calls")
	assert.Equal(t, "open", rs[2].Mode)
	assert.InEpsilon(t, rs[1].RPS/2, rs[2].Rate, 0.001)
	assert.Equal(t, rs[2].Rate, rs[3].Rate)
	assert.Zero(t, rs[3].Events)
}

// TestIdle runs the scale mode: sessions opened, idle, measured, closed.
func TestIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a gateway")
	}
	rs := runJSON(t, "-sessions", "20", "-duration", "0", "-idle", "10ms", "-transport", "udp")
	require.Len(t, rs, 1)
	r := rs[0]
	assert.Equal(t, uint64(20), r.Setup.Count)
	assert.Zero(t, r.Errors, "%+v", r.ErrorKinds)
	assert.Positive(t, r.RSSIdle)
	assert.Zero(t, r.Requests)
}

// TestExternal drives targets in other "processes": a baseline served by
// serveBaseline and a gateway started apart, measured by PID (this one).
func TestExternal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a gateway and a baseline")
	}
	log := slog.New(slog.DiscardHandler)
	b, err := startBaseline([]string{"tcp:127.0.0.1:0", "udp:127.0.0.1:0"}, log)
	require.NoError(t, err)
	defer b.close()
	rs := runJSON(t, "-target", "baseline", "-baseline-addr", b.addr(), "-baseline-pid", "0",
		"-sessions", "3", "-warmup", "0", "-duration", "200ms")
	require.Len(t, rs, 1)
	assert.Equal(t, notMeasured, rs[0].Where)
	assert.Zero(t, rs[0].Errors)

	o, err := parseFlags([]string{"-sessions", "3"}, io.Discard)
	require.NoError(t, err)
	g, addr, err := startGateway(context.Background(), o, o.load, log)
	require.NoError(t, err)
	defer g.Shutdown(context.Background())
	rs = runJSON(t, "-addr", addr, "-pid", strconv.Itoa(os.Getpid()), "-sessions", "3", "-rate", "200",
		"-warmup", "0", "-duration", "300ms")
	require.Len(t, rs, 1)
	r := rs[0]
	assert.True(t, strings.HasPrefix(r.Where, "pid "), r.Where)
	assert.Zero(t, r.Errors, "%+v", r.ErrorKinds)
	assert.Positive(t, r.Requests)
	assert.Equal(t, -1, r.Goroutines, "no metrics URL: goroutines unknown")
}

func TestGeneratedUsersMatchDirectory(t *testing.T) {
	d, err := ctitest.GenerateDirectory(2)
	require.NoError(t, err)
	aor, line := ctitest.GeneratedUser(2)
	assert.Equal(t, aor, d.Users[1].AOR)
	assert.Contains(t, line, d.Lines[1].DN)
}
