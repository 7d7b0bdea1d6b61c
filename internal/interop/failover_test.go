//go:build interop

package interop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requestTimeout is the CTI and session request timeout of the failover
// tests: no request may wait longer (plus the SIP round trip).
const requestTimeout = 2 * time.Second

// failoverConfig shortens the timeouts the failover tests watch.
func failoverConfig(policy string) func(*gateway.Config) {
	return func(c *gateway.Config) {
		c.Session.LossPolicy = policy
		c.Session.RequestTimeout = gateway.Duration(requestTimeout)
		c.CTI.RequestTimeout = gateway.Duration(requestTimeout)
		c.CTI.HeartbeatInterval = gateway.Duration(500 * time.Millisecond)
		c.CTI.HeartbeatMisses = 3
		c.CTI.DialTimeout = gateway.Duration(time.Second)
	}
}

// endpointOf returns the CTI endpoint each open session of the node is
// bound to, by user.
func endpointOf(n *node) map[string]string {
	m := map[string]string{}
	for _, s := range n.Sessions().Sessions() {
		m[s.User] = s.CTI
	}
	return m
}

// failoverNode starts a demo node on its own fake PBX with the demo users
// and n more, configured by failoverConfig(policy).
func failoverNode(t testing.TB, n int, policy string) (*node, []user) {
	t.Helper()
	dir, us := directory(n)
	return startNode(t, nodeConfig{PBX: newPBX(t, dir), Directory: dir, Config: failoverConfig(policy)}), us
}

// monitored opens a session with a monitor for each user, over the
// transport transport(i) gives the i-th.
func monitored(ctx context.Context, t testing.TB, n *node, users []user, transport func(i int) string) []*client {
	t.Helper()
	clients := make([]*client, len(users))
	for i, u := range users {
		c, err := dialClient(ctx, t, u, sip.ClientConfig{Gateway: n.URI(transport(i))})
		require.NoError(t, err, u.Name)
		_, err = c.Monitor(ctx)
		require.NoError(t, err, u.Name)
		clients[i] = c
	}
	return clients
}

// alternate uses UDP and TCP in turn.
func alternate(i int) string { return transports[i%2].name }

// endpointServer returns the endpoint of the node's demo cluster with the
// given name.
func endpointServer(t testing.TB, n *node, name string) *ctitest.Server {
	t.Helper()
	for _, ep := range n.Cluster().Endpoints() {
		if ep.Name() == name {
			return ep
		}
	}
	t.Fatalf("no endpoint %s", name)
	return nil
}

// endpointStats returns the pool's snapshot of the named endpoint.
func endpointStats(n *node, name string) ctipool.EndpointStats {
	for _, e := range n.Pool().Stats().Endpoints {
		if e.Name == name {
			return e
		}
	}
	return ctipool.EndpointStats{}
}

// TestCTIFailoverRehome drives a gateway on a three-endpoint cluster with
// sipp (many sessions and calls) and long-lived client sessions making
// calls in a loop, stops the endpoint that holds a third of the sessions,
// and later restarts it. With the default policy:
//
//   - no request waits past its timeout: a request in flight on the
//     stopped endpoint is answered at once with resourceOutOfService (it
//     may have been carried out, so it is not sent again), every other
//     request succeeds;
//   - the sessions on the stopped endpoint are re-homed at once, keep
//     their monitorCrossRefID and get the events of their calls;
//   - the restarted endpoint comes back in a new generation and takes new
//     sessions.
func TestCTIFailoverRehome(t *testing.T) {
	n, us := failoverNode(t, 90, "rehome")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var lat latencies
	clients := monitored(ctx, t, n, us[:30], alternate)
	xrefs := make([]csta.MonitorCrossRefID, len(clients))
	for i, c := range clients {
		c.lat = &lat
		xrefs[i] = c.CrossRefID()
	}
	before := endpointOf(n)
	victim := before[us[0].AOR()]
	var onVictim []int
	for i, c := range clients {
		if before[c.u.AOR()] == victim {
			onVictim = append(onVictim, i)
		}
	}
	require.NotEmpty(t, onVictim)
	gen := endpointStats(n, victim).Generation

	// sipp load: 40 users running Communicator's session over and over.
	const sippCalls = 1200
	run := sipp{
		Scenario: "communicator.xml", Target: n.Target(), Inject: injectUsers(us[40:80], "2000"),
		Users: 40, Calls: sippCalls, RecvTimeout: requestTimeout + 2*time.Second, Timeout: 3 * time.Minute,
	}.start(t)
	eventually(t, func() bool { return n.Sessions().Stats().Opened > uint64(len(clients))+200 }, "sipp to get going")

	// The clients call in a loop while the endpoint stops.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make([]error, len(clients))
	calls := make([]int, len(clients))
	var outOfService sync.Map // client index -> count of fast resourceOutOfService answers
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 1000; k++ {
				select {
				case <-stop:
					return
				default:
				}
				cctx, ccancel := context.WithTimeout(ctx, 4*requestTimeout)
				err := c.call(cctx, fmt.Sprintf("2%03d", k%1000))
				ccancel()
				switch {
				case err == nil:
					calls[i]++
				case isLinkDown(err) && before[c.u.AOR()] == victim:
					v, _ := outOfService.LoadOrStore(i, new(int))
					*v.(*int)++
				default:
					errs[i] = err
					return
				}
			}
		}()
	}
	ep := endpointServer(t, n, victim)
	require.NoError(t, ep.Stop())
	stopped := time.Now()
	eventually(t, func() bool {
		after := endpointOf(n)
		for _, i := range onVictim {
			if e := after[clients[i].u.AOR()]; e == victim || e == "" {
				return false
			}
		}
		return true
	}, "the sessions on %s to re-home", victim)
	rehomed := time.Since(stopped)

	// Every re-homed session still gets the events of its calls, under
	// the same monitorCrossRefID.
	for _, i := range onVictim {
		require.NoError(t, clients[i].call(ctx, "2999"), "re-homed %s", clients[i].u.Name)
		assert.Equal(t, xrefs[i], clients[i].CrossRefID(), "the monitorCrossRefID changed")
	}

	// The endpoint comes back in a new generation.
	require.NoError(t, ep.Restart())
	eventually(t, func() bool {
		e := endpointStats(n, victim)
		return e.State == ctipool.StateUp && e.Generation > gen
	}, "%s to come back in a new generation", victim)
	close(stop)
	wg.Wait()
	res := run.wait(t)

	// With the load over, three new sessions: round-robin places one on
	// each connection that is up, the restarted one included.
	landed := 0
	for _, c := range monitored(ctx, t, n, us[80:83], func(int) string { return "udp" }) {
		require.NoError(t, c.call(ctx, "2000"))
		if endpointOf(n)[c.u.AOR()] == victim {
			landed++
		}
	}
	assert.Equal(t, 1, landed, "new sessions on the restarted %s", victim)

	for i, err := range errs {
		assert.NoError(t, err, "client %s", clients[i].u.Name)
	}
	total, fast := 0, 0
	for _, c := range calls {
		total += c
	}
	outOfService.Range(func(_, v any) bool { fast += *v.(*int); return true })
	longest, requests := lat.longest()
	st := n.Sessions().Stats()
	t.Logf("sipp: %d ok, %d failed; clients: %d calls, %d answered resourceOutOfService, %d requests, longest %v; re-homed in %v; %d re-homings",
		res.Count("SuccessfulCall"), res.Count("FailedCall"), total, fast, requests, longest, rehomed, st.Rehomes)
	assert.Equal(t, sippCalls, res.Count("SuccessfulCall")+res.Count("FailedCall"), "%s", res)
	// A sipp call fails only when a request of it was in flight on the
	// stopped endpoint: its answer is resourceOutOfService at once.
	assert.LessOrEqual(t, res.Count("FailedCall"), 40, "%s", res)
	assert.Equal(t, res.Count("FailedCall"), strings.Count(res.Errors, "resourceOutOfService"), "every failed sipp call was answered resourceOutOfService: %s", res)
	assert.Less(t, longest, requestTimeout+time.Second, "a client request waited past its timeout")
	assert.GreaterOrEqual(t, st.Rehomes, uint64(len(onVictim)))
	figures(t, "sessions", st.Opened, "requests", requests+5*sippCalls, "faults injected", "1 of 3 endpoints stopped, restarted",
		"sessions re-homed", st.Rehomes, "requests answered resourceOutOfService", fast+res.Count("FailedCall"),
		"sipp calls ok", res.Count("SuccessfulCall"), "client calls ok", total,
		"longest client request", longest.Round(time.Millisecond), "timeout", requestTimeout, "lost", 0)
}

// TestCTIFailoverReconnect is the model product's behaviour, configured
// with session.loss_policy reconnect: while a session's CTI connection is
// down its requests fail at once (resourceOutOfService); once the
// connection is back in a new generation, its next request is refused
// with 481, and a fresh INVITE succeeds. Sessions on other endpoints never
// notice.
func TestCTIFailoverReconnect(t *testing.T) {
	n, us := failoverNode(t, 12, "reconnect")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	clients := monitored(ctx, t, n, us[:9], alternate)
	before := endpointOf(n)
	victim := before[us[0].AOR()]
	ep := endpointServer(t, n, victim)
	require.NoError(t, ep.Stop())
	eventually(t, func() bool { return endpointStats(n, victim).State != ctipool.StateUp }, "the pool to see %s down", victim)

	var lat latencies
	for _, c := range clients {
		c.lat = &lat
		err := c.snapshot(ctx)
		if before[c.u.AOR()] == victim {
			require.Error(t, err, c.u.Name)
			assert.True(t, isLinkDown(err), "%s: %v", c.u.Name, err)
		} else {
			require.NoError(t, err, c.u.Name)
			require.NoError(t, c.call(ctx, "2000"), c.u.Name)
		}
	}
	longest, _ := lat.longest()
	assert.Less(t, longest, requestTimeout, "a request on a dead connection waited")

	require.NoError(t, ep.Restart())
	eventually(t, func() bool { return endpointStats(n, victim).State == ctipool.StateUp }, "%s to come back", victim)
	refused := 0
	for i, c := range clients {
		err := c.snapshot(ctx)
		if before[c.u.AOR()] != victim {
			require.NoError(t, err, c.u.Name)
			ended, why := c.ended()
			assert.False(t, ended, "%s ended: %v", c.u.Name, why)
			continue
		}
		var r *sip.RefusalError
		require.True(t, errors.As(err, &r), "%s: want 481, got %v", c.u.Name, err)
		assert.Equal(t, 481, r.Status)
		refused++
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		_ = c.Close(cctx)
		ccancel()
		fresh := monitored(ctx, t, n, []user{c.u}, func(int) string { return alternate(i) })[0]
		require.NoError(t, fresh.call(ctx, "2000"))
	}
	assert.Positive(t, refused)
	assert.EqualValues(t, refused, n.Sessions().Stats().Closed["stale"])
	figures(t, "sessions", len(clients)+refused, "faults injected", "1 endpoint stopped and restarted",
		"stale sessions refused with 481", refused, "fresh INVITEs that failed", 0,
		"longest request on the dead connection", longest.Round(time.Millisecond))
}

// TestCTIHeartbeatStall makes one CTI endpoint go silent with its socket
// open: the pool declares the connection down within heartbeat interval x
// misses (plus one interval of slack), its sessions re-home, and the
// endpoint comes back when it answers again.
func TestCTIHeartbeatStall(t *testing.T) {
	n, us := failoverNode(t, 6, "rehome")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clients := monitored(ctx, t, n, us[:6], func(int) string { return "udp" })
	victim := endpointOf(n)[us[0].AOR()]
	ep := endpointServer(t, n, victim)
	cfg := n.Config().CTI
	bound := cfg.HeartbeatInterval.D()*time.Duration(cfg.HeartbeatMisses) + cfg.HeartbeatInterval.D()

	ep.Stall(true)
	stalled := time.Now()
	var detected time.Duration
	eventually(t, func() bool {
		if endpointStats(n, victim).State == ctipool.StateUp {
			return false
		}
		detected = time.Since(stalled)
		return true
	}, "the pool to detect the stall of %s", victim)
	t.Logf("stall detected after %v (interval %v x %d misses)", detected, cfg.HeartbeatInterval.D(), cfg.HeartbeatMisses)
	assert.LessOrEqual(t, detected, bound, "stall detected late")

	for _, c := range clients {
		require.NoError(t, c.call(ctx, "2000"), c.u.Name)
	}
	for _, c := range clients {
		assert.NotEqual(t, victim, endpointOf(n)[c.u.AOR()], "%s still on the stalled endpoint", c.u.Name)
	}
	ep.Stall(false)
	eventually(t, func() bool { return endpointStats(n, victim).State == ctipool.StateUp }, "%s to come back", victim)
	figures(t, "heartbeat interval", cfg.HeartbeatInterval.D(), "misses", cfg.HeartbeatMisses,
		"stall detected after", detected.Round(time.Millisecond), "bound", bound, "sessions re-homed", n.Sessions().Stats().Rehomes)
}

// TestAllCTIDown stops every CTI endpoint: OPTIONS is answered 503 (so a
// load balancer takes the node out), a new session INVITE 503 with
// Retry-After, requests in open sessions fail at once; when the endpoints
// return the gateway recovers by itself: OPTIONS 200, new sessions open,
// and the open sessions get their events again.
func TestAllCTIDown(t *testing.T) {
	n, us := failoverNode(t, 4, "rehome")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	old, err := dialClient(ctx, t, us[0], sip.ClientConfig{Gateway: n.URI("tcp")})
	require.NoError(t, err)
	_, err = old.Monitor(ctx)
	require.NoError(t, err)

	cluster := n.Cluster()
	for _, ep := range cluster.Endpoints() {
		require.NoError(t, ep.Stop())
	}
	eventually(t, func() bool { return n.Pool().Stats().Healthy == 0 }, "the pool to see every endpoint down")

	for _, network := range []string{"udp", "tcp"} {
		res, err := options(network, n.Target())
		require.NoError(t, err)
		assert.Equal(t, 503, res.Status, "OPTIONS over %s", network)
		_, err = dialClient(ctx, t, us[1], sip.ClientConfig{Gateway: n.URI(network)})
		var r *sip.RefusalError
		require.True(t, errors.As(err, &r), "INVITE over %s: want 503, got %v", network, err)
		assert.Equal(t, 503, r.Status)
		assert.Positive(t, r.RetryAfter, "503 without Retry-After")
	}
	start := time.Now()
	err = old.snapshot(ctx)
	assert.True(t, isLinkDown(err), "request with no CTI: %v", err)
	assert.Less(t, time.Since(start), requestTimeout, "a request with no CTI waited")

	for _, ep := range cluster.Endpoints() {
		require.NoError(t, ep.Restart())
	}
	eventually(t, func() bool {
		res, err := options("udp", n.Target())
		return err == nil && res.Status == 200
	}, "OPTIONS 200 after the endpoints returned")
	fresh, err := dialClient(ctx, t, us[1], sip.ClientConfig{Gateway: n.URI("udp")})
	require.NoError(t, err)
	_, err = fresh.Monitor(ctx)
	require.NoError(t, err)
	require.NoError(t, fresh.call(ctx, "2000"))
	eventually(t, func() bool { return old.snapshot(ctx) == nil }, "the open session to work again")
	require.NoError(t, old.call(ctx, "2001"), "the open session gets its events again")
	ended, why := old.ended()
	assert.False(t, ended, "the open session ended: %v", why)
	figures(t, "faults injected", "3 of 3 endpoints stopped and restarted", "OPTIONS while down", 503,
		"INVITE while down", "503 with Retry-After", "operator actions to recover", 0)
}
