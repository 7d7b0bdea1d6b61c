//go:build interop

package interop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kamailio is Kamailio running examples/kamailio/kamailio.cfg in the
// foreground, every file it writes under a temporary directory.
type kamailio struct {
	*process
	Port int
}

// startKamailio runs Kamailio in front of gateway nodes listening on
// 127.0.0.1 on the given ports (UDP and TCP), probing them every second
// and failing a branch over after one second, and waits until it answers
// OPTIONS.
func startKamailio(t testing.TB, nodePorts ...int) *kamailio {
	t.Helper()
	bin := needProgram(t, "kamailio", "kamailio")
	dir := t.TempDir()
	cfg, err := filepath.Abs(filepath.Join("..", "..", "examples", "kamailio", "kamailio.cfg"))
	require.NoError(t, err)
	var list strings.Builder
	for _, set := range []string{"1", "2"} {
		for _, p := range nodePorts {
			fmt.Fprintf(&list, "%s sip:127.0.0.1:%d", set, p)
			if set == "2" {
				list.WriteString(";transport=tcp")
			}
			list.WriteString("\n")
		}
	}
	listFile := filepath.Join(dir, "dispatcher.list")
	require.NoError(t, os.WriteFile(listFile, []byte(list.String()), 0o600))
	port := freePort(t)
	listen := "127.0.0.1:" + strconv.Itoa(port)
	k := &kamailio{Port: port}
	k.process = startProcess(t, 30*time.Minute, dir, bin,
		"-f", cfg, "-DD", "-E",
		"-Y", dir, "-P", filepath.Join(dir, "kamailio.pid"), "-w", dir,
		"-m", "256", "-M", "16",
		"-A", `DISPATCHER_LIST="`+listFile+`"`,
		"-A", "LISTEN_UDP=udp:"+listen,
		"-A", "LISTEN_TCP=tcp:"+listen,
		"-A", "PROBE_INTERVAL=1",
		"-A", "BRANCH_TIMEOUT_MS=1000",
	)
	k.waitReady(t, listen)
	return k
}

// Target returns Kamailio's "127.0.0.1:port".
func (k *kamailio) Target() string { return "127.0.0.1:" + strconv.Itoa(k.Port) }

// nodesOf counts the sessions of a sipp log per gateway node (the port of
// the Contact in the 200 OK).
func nodesOf(log string) map[int]int {
	m := map[int]int{}
	for _, sm := range regexp.MustCompile(`(?m)^session \S+ user \S+ node 127\.0\.0\.1:(\d+)`).FindAllStringSubmatch(log, -1) {
		p, _ := strconv.Atoi(sm[1])
		m[p]++
	}
	return m
}

// TestKamailioScaleOut runs three gateway nodes sharing one fake PBX
// behind Kamailio with examples/kamailio/kamailio.cfg. Nodes A and C run in
// the test process; node B is the example gateway binary, so that it can
// die for real (SIGKILL: no BYE, no goodbye). A and B share two CTI
// endpoints; C has one of its own.
//
//   - sipp opens sessions through Kamailio over UDP and TCP: all succeed
//     and they spread over the three nodes (dispatcher round-robin,
//     record-route keeping each dialog's requests and the gateway's
//     events on its node);
//   - C's CTI endpoint stops: C answers OPTIONS (and INVITE) with 503, so
//     Kamailio takes it out and new sessions go to A and B only;
//   - long-lived client sessions are opened through Kamailio; node B is
//     killed; the clients on B get a failure on their next request,
//     re-INVITE through Kamailio and land on A, where everything works;
//   - no session on A notices: none ends, every request and call on them
//     succeeds throughout;
//   - C's CTI endpoint comes back: C answers 200 again and takes new
//     sessions.
func TestKamailioScaleOut(t *testing.T) {
	needProgram(t, "kamailio", "kamailio")
	needProgram(t, "sipp", "sip-tester")
	dir, us := directory(40)
	pbx := newPBX(t, dir)
	shared := ctitest.NewTest(t, pbx, 2)
	own, err := pbx.Serve(ctitest.ServerConfig{Name: "cti-c"})
	require.NoError(t, err)
	a := startNode(t, nodeConfig{CTI: shared.Addrs(), Directory: dir})
	bPort := freePort(t)
	b := startGatewayProcess(t, bPort, shared.Addrs(), dir)
	c := startNode(t, nodeConfig{CTI: []string{own.Addr()}, Directory: dir})
	k := startKamailio(t, a.Port, bPort, c.Port)
	sippCalls, sippOnA := 0, 0
	through := func(tr struct{ name, sipp string }, calls int) map[int]int {
		t.Helper()
		res := sipp{
			Scenario: "communicator.xml", Target: k.Target(), Transport: tr.sipp,
			Inject: injectUsers(us[:10], "2000"), Users: 10, Calls: calls,
		}.run(t)
		requireAllCalls(t, res, calls)
		spread := nodesOf(res.Log)
		t.Logf("%s: sessions per node %v (A=%d, B=%d, C=%d)", tr.name, spread, a.Port, bPort, c.Port)
		require.Equal(t, calls, spread[a.Port]+spread[bPort]+spread[c.Port])
		sippCalls += calls
		sippOnA += spread[a.Port]
		return spread
	}

	// sipp through Kamailio: every session succeeds, spread over all three.
	for _, tr := range transports {
		spread := through(tr, 60)
		for _, p := range []int{a.Port, bPort, c.Port} {
			assert.GreaterOrEqual(t, spread[p], 60/6, "node %d's share over %s", p, tr.name)
		}
	}

	// C loses its CTI side: it answers 503 and is taken out.
	require.NoError(t, own.Stop())
	eventually(t, func() bool {
		res, err := options("udp", c.Target())
		return err == nil && res.Status == 503
	}, "node C to answer OPTIONS with 503")
	for _, tr := range transports {
		spread := through(tr, 30)
		assert.Zero(t, spread[c.Port], "node C took sessions over %s while it answered 503", tr.name)
	}

	// Long-lived sessions through Kamailio, half over UDP, half over TCP.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dialVia := func(u user, i int) (*client, error) {
		tr := transports[i%2].name
		return dialClient(ctx, t, u, sip.ClientConfig{
			Gateway: "sip:cti@" + k.Target() + ";transport=" + tr, Proxy: k.Target(), Transport: tr,
		})
	}
	clients := make([]*client, 24)
	for i := range clients {
		cl, err := dialVia(us[10+i], i)
		require.NoError(t, err, "dial %s", us[10+i].Name)
		_, err = cl.Monitor(ctx)
		require.NoError(t, err)
		require.NoError(t, cl.call(ctx, "2000"))
		clients[i] = cl
	}
	onA := map[string]bool{}
	for _, s := range a.Sessions().Sessions() {
		onA[s.User] = true
	}
	t.Logf("%d of %d sessions on node A", len(onA), len(clients))
	require.NotEmpty(t, onA, "no session landed on node A")
	require.Less(t, len(onA), len(clients), "no session landed on node B")
	require.Zero(t, c.openSessions(), "node C took sessions while it answered 503")

	// Node B dies.
	b.stop(t, syscall.SIGKILL)

	// Each client's next request: those on A succeed, those on B fail.
	var mu sync.Mutex
	var moved []int
	var wg sync.WaitGroup
	for i, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
			defer rcancel()
			err := cl.snapshot(rctx)
			if onA[cl.u.AOR()] {
				assert.NoError(t, err, "%s on the surviving node", cl.u.Name)
				assert.NoError(t, cl.call(rctx, "2001"), "%s on the surviving node", cl.u.Name)
				return
			}
			assert.Error(t, err, "%s was on the dead node", cl.u.Name)
			mu.Lock()
			moved = append(moved, i)
			mu.Unlock()
		}()
	}
	wg.Wait()
	require.Len(t, moved, len(clients)-len(onA))

	// They re-INVITE through Kamailio, land on A and work there.
	for _, i := range moved {
		old := clients[i]
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		_ = old.Close(cctx) // the BYE goes nowhere; bounded
		ccancel()
		cl, err := dialVia(old.u, i)
		require.NoError(t, err, "re-INVITE of %s", old.u.Name)
		_, err = cl.Monitor(ctx)
		require.NoError(t, err)
		require.NoError(t, cl.call(ctx, "2002"))
		clients[i] = cl
	}
	require.Equal(t, len(clients), a.openSessions(), "every session is on node A")

	// Nothing on A noticed: no session ended, no client was told.
	st := a.Sessions().Stats()
	closed := uint64(0)
	for _, n := range st.Closed {
		closed += n
	}
	assert.EqualValues(t, sippOnA, closed, "node A closed only the sipp sessions, which ended with BYE: %v", st.Closed)
	for _, cl := range clients {
		ended, why := cl.ended()
		assert.False(t, ended, "%s ended: %v", cl.u.Name, why)
		require.NoError(t, cl.snapshot(ctx), cl.u.Name)
	}

	// C's CTI endpoint comes back: C answers 200 and takes sessions again.
	require.NoError(t, own.Restart())
	eventually(t, func() bool {
		res, err := options("udp", c.Target())
		return err == nil && res.Status == 200
	}, "node C to answer OPTIONS with 200")
	var back map[int]int
	eventually(t, func() bool {
		back = through(transports[0], 10)
		return back[c.Port] > 0
	}, "node C to take sessions again")
	assert.Zero(t, back[bPort], "the dead node took sessions")

	figures(t, "nodes", 3, "sipp sessions through Kamailio", sippCalls, "long-lived sessions", len(clients),
		"moved after node B died", len(moved), "re-INVITEs that failed", 0,
		"sessions on the survivor that noticed", 0)
}
