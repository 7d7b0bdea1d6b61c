//go:build interop

package interop

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rcc-go/rcc/session/gateway"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// transports are sipp's transports the scenarios run over.
var transports = []struct{ name, sipp string }{{"udp", "u1"}, {"tcp", "t1"}}

// TestCommunicator runs Office Communicator's exact sequence from sipp
// against the gateway, over UDP and TCP, for many users at once: INVITE
// with RequestSystemStatus and lcs:line, GetCSTAFeatures, MonitorStart,
// MakeCall and its events up to EstablishedEvent, ClearConnection and its
// events up to CallClearedEvent, MonitorStop, BYE. Every event must carry
// the session's monitorCrossRefID; an event may come before or after the
// 200 to the request that caused it.
func TestCommunicator(t *testing.T) {
	const users, calls = 20, 200
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			dir, us := directory(users)
			pbx := newPBX(t, dir)
			n := startNode(t, nodeConfig{PBX: pbx, Directory: dir})

			res := sipp{
				Scenario: "communicator.xml", Target: n.Target(), Transport: tr.sipp,
				Inject: injectUsers(us, "2000"), Users: users, Calls: calls,
			}.run(t)
			requireAllCalls(t, res, calls)

			// The log names each event; 5 for the MakeCall (ServiceInitiated,
			// Originated, NetworkReached, Delivered, Established), 3 for the
			// ClearConnection (ConnectionCleared twice, CallCleared).
			events := regexp.MustCompile(`(?m)^event (\w+) `).FindAllStringSubmatch(res.Log, -1)
			assert.Len(t, events, 8*calls)
			first := strings.Count(res.Log, "(event first)")

			reqs := pbx.Requests().WithoutHeartbeats()
			for _, name := range []string{"MonitorStart", "MakeCall", "ClearConnection", "MonitorStop"} {
				assert.Len(t, reqs.Named(name), calls, "%s requests at the CTI server", name)
			}
			st := n.Sessions().Stats()
			assert.EqualValues(t, calls, st.Opened)
			eventually(t, func() bool { return n.openSessions() == 0 }, "sessions to close after BYE")
			figures(t, "sessions", calls, "requests", 5*calls, "events checked", len(events),
				"events before their response", first, "lost", 8*calls-len(events))
		})
	}
}

// TestSessionRefresh sends a re-INVITE with the same body in an open
// session: the gateway answers 200 with the same body and a
// Session-Expires, and the session keeps working.
func TestSessionRefresh(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			dir, us := directory(5)
			n := startNode(t, nodeConfig{PBX: newPBX(t, dir), Directory: dir})
			res := sipp{
				Scenario: "refresh.xml", Target: n.Target(), Transport: tr.sipp,
				Inject: injectUsers(us), Users: len(us), Calls: 20,
			}.run(t)
			requireAllCalls(t, res, 20)
			assert.Equal(t, 20, strings.Count(res.Log, "refresh: Session-Expires 600;refresher=uac"), res.Log)
		})
	}
}

// TestRefusals sends the bad requests of a trusted client (unknown line,
// another user's line, wrong content type, malformed XML, INFO to an
// unknown dialog; then in a good session malformed XML, wrong content
// type, another user's line) and checks each documented answer.
func TestRefusals(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			n := startNode(t, nodeConfig{PBX: newPBX(t, nil)})
			res := sipp{
				Scenario: "refusals.xml", Target: n.Target(), Transport: tr.sipp,
				Inject: []string{"alice;1001;1002;9999"}, Trace: true,
			}.run(t)
			requireAllCalls(t, res, 1)
			for _, want := range []string{
				`answer unknown-line: SIP/2.0 404 unknown line: .*unknown line 9999`,
				`answer other-line: SIP/2.0 403 not allowed: .*may not control`,
				`answer content-type: SIP/2.0 415 .* accept application/csta\+xml`,
				`answer malformed-invite: SIP/2.0 400 Bad CSTA Body: csta: `,
				`answer unknown-dialog: SIP/2.0 481 `,
				`answer malformed-info: SIP/2.0 400 Bad CSTA Body: csta: `,
				`answer content-type-info: SIP/2.0 415 `,
				`answer other-line-makecall: <CSTAErrorCode`,
				`answer other-line-monitor: <CSTAErrorCode`,
				`answer own-line-monitor: <MonitorStartResponse`,
			} {
				assert.Regexp(t, want, res.Log)
			}
			st := n.Sessions().Stats()
			assert.EqualValues(t, 1, st.Opened, "only the good session was opened")
			assert.EqualValues(t, 1, st.Refused["unknown_line"], "refusals: %v", st.Refused)
			assert.EqualValues(t, 1, st.Refused["not_allowed"], "refusals: %v", st.Refused)
			eventually(t, func() bool { return n.openSessions() == 0 }, "the session to close")
		})
	}
}

// TestUntrustedPeer runs sipp from an address outside the gateway's
// trusted peers: OPTIONS, a good session INVITE and an INFO all get 403,
// and no session is opened.
func TestUntrustedPeer(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			n := startNode(t, nodeConfig{PBX: newPBX(t, nil), Config: func(c *gateway.Config) {
				c.SIP.TrustedPeers = []string{"127.0.0.2/32"}
			}})
			res := sipp{
				Scenario: "untrusted.xml", Target: n.Target(), Transport: tr.sipp,
				Inject: []string{"alice;1001"}, Trace: true,
			}.run(t)
			requireAllCalls(t, res, 1)
			assert.Regexp(t, `answer invite: SIP/2.0 403 Forbidden \(Untrusted Peer\)`, res.Log)
			st := n.Sessions().Stats()
			assert.Zero(t, st.Opened)
			require.Zero(t, n.openSessions())

			// The same client from a trusted address opens its session.
			res = sipp{
				Scenario: "refresh.xml", Target: n.Target(), Transport: tr.sipp, LocalIP: "127.0.0.2",
				Inject: []string{"alice;1001"},
			}.run(t)
			requireAllCalls(t, res, 1)
		})
	}
}

// TestSlowCTI runs Communicator's sequence over UDP while every CTI answer
// takes about one SIP retransmission interval (T1, 500 ms): the client
// retransmits its INFO, the gateway absorbs the retransmission (or, when
// it crosses the answer, repeats the answer, which the client's
// transaction absorbs), and every call succeeds.
func TestSlowCTI(t *testing.T) {
	dir, us := directory(10)
	n := startNode(t, nodeConfig{PBX: newPBX(t, dir), Directory: dir})
	for _, ep := range n.Cluster().Endpoints() {
		ep.DelayResponses(497 * time.Millisecond)
	}
	res := sipp{
		Scenario: "communicator.xml", Target: n.Target(), Inject: injectUsers(us, "2000"), Users: len(us), Calls: 30,
	}.run(t)
	requireAllCalls(t, res, 30)
	figures(t, "sessions", 30, "CTI answer delay", "497ms", "client retransmissions", res.Count("Retransmissions"), "failed", 0)
}
