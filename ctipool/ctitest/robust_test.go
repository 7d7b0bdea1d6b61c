package ctitest

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/framing"
)

// seedRequests are well-formed requests of every kind the PBX serves, for
// mutation.
func seedRequests() []csta.Request {
	conn := csta.Connection("0_00000001", "1001")
	return []csta.Request{
		&csta.StartApplicationSession{ApplicationID: "f", RequestedProtocolVersions: []string{csta.NamespaceEd4}},
		&csta.ResetApplicationSessionTimer{SessionID: "00000001", RequestedSessionDuration: 600},
		&csta.StopApplicationSession{SessionID: "not-a-session"}, // a stop would end the stream
		&csta.RequestSystemStatus{},
		&csta.SystemStatus{SystemStatus: csta.SystemNormal},
		&csta.GetCSTAFeatures{},
		&csta.MonitorStart{MonitorObject: csta.MonitorObject{Device: csta.Device("1001")}},
		&csta.MonitorStop{MonitorCrossRefID: "1"},
		&csta.SnapshotDevice{SnapshotObject: csta.Device("1001")},
		&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("1002")},
		&csta.MakeCall{CallingDevice: csta.Device("1001"), CalledDirectoryNumber: csta.Device("2000")},
		&csta.AnswerCall{CallToBeAnswered: csta.Connection("0_00000001", "1002")},
		&csta.ClearConnection{ConnectionToBeCleared: conn},
		&csta.ClearCall{CallToBeCleared: conn},
		&csta.HoldCall{CallToBeHeld: conn},
		&csta.RetrieveCall{CallToBeRetrieved: conn},
		&csta.ConsultationCall{ExistingCall: conn, ConsultedDevice: csta.Device("1003")},
		&csta.AlternateCall{HeldCall: conn, ActiveCall: csta.Connection("0_00000002", "1001")},
		&csta.ReconnectCall{ActiveCall: csta.Connection("0_00000002", "1001"), HeldCall: conn},
		&csta.TransferCall{HeldCall: conn, ActiveCall: csta.Connection("0_00000002", "1001")},
		&csta.SingleStepTransferCall{ActiveCall: conn, TransferredTo: csta.Device("1004")},
		&csta.ConferenceCall{HeldCall: conn, ActiveCall: csta.Connection("0_00000002", "1001")},
		&csta.DeflectCall{CallToBeDiverted: csta.Connection("0_00000001", "1002"), NewDestination: csta.Device("1003")},
		&csta.GenerateDigits{ConnectionToSendDigits: conn, CharactersToSend: "12#"},
		&csta.SetForwarding{Device: csta.Device("1002"), ForwardingType: csta.ForwardImmediate, ActivateForward: true, ForwardDN: ptr(csta.Device("1001"))},
		&csta.SetForwarding{Device: csta.Device("1001"), ForwardingType: csta.ForwardBusy, ActivateForward: true, ForwardDN: ptr(csta.Device("1002"))},
		&csta.GetForwarding{Device: csta.Device("1001")},
		&csta.SetDoNotDisturb{Device: csta.Device("1003"), DoNotDisturbOn: true},
		&csta.GetDoNotDisturb{Device: csta.Device("1003")},
	}
}

func encodeAll(t testing.TB, reqs []csta.Request) [][]byte {
	t.Helper()
	out := make([][]byte, len(reqs))
	for i, r := range reqs {
		b, err := csta.Encode(r)
		require.NoError(t, err)
		out[i] = b
	}
	return out
}

// mutate changes a document at random: flips, drops, duplicates or
// truncates bytes, or splices another document in.
func mutate(r *rand.Rand, doc []byte, others [][]byte) []byte {
	b := bytes.Clone(doc)
	for range 1 + r.IntN(4) {
		if len(b) == 0 {
			return b
		}
		i := r.IntN(len(b))
		switch r.IntN(5) {
		case 0:
			b[i] ^= byte(1 + r.IntN(255))
		case 1:
			b = append(b[:i], b[i+1:]...)
		case 2:
			b = append(b[:i], append([]byte{b[i]}, b[i:]...)...)
		case 3:
			b = b[:i]
		case 4:
			o := others[r.IntN(len(others))]
			j := r.IntN(len(o))
			b = append(b[:i:i], o[j:]...)
		}
	}
	return b
}

// TestClientGarbageNeverCrashes throws a stream of valid, mutated and
// random frames at an endpoint: it must answer what it can, ignore the
// rest, never crash, and keep serving.
func TestClientGarbageNeverCrashes(t *testing.T) {
	p := newTestPBX(t, PBXConfig{})
	s := serve(t, p, ServerConfig{NoSession: true})
	docs := encodeAll(t, seedRequests())
	r := rand.New(rand.NewPCG(1, 2))
	c := dialTCP(t, s.Addr())
	for i := range 3000 {
		var body []byte
		switch i % 3 {
		case 0:
			body = docs[r.IntN(len(docs))]
		case 1:
			body = mutate(r, docs[r.IntN(len(docs))], docs)
		default:
			body = make([]byte, r.IntN(200))
			for j := range body {
				body[j] = byte(r.Uint32())
			}
		}
		id := r.IntN(framing.MaxInvokeID + 1)
		require.NoError(t, writeRaw(c, id, body))
	}
	// Everything sent was read and handled before this answer comes.
	c.next = 0
	for {
		f := c.frame()
		if m, err := csta.Decode(f.Body); err == nil {
			if _, ok := m.(*csta.GetCSTAFeaturesResponse); ok && f.InvokeID == 4242 {
				break
			}
		}
		if c.next == 0 {
			c.next = 1
			require.NoError(t, writeRaw(c, 4242, docs[5]))
		}
	}
	require.Greater(t, s.Stats().Undecodable, uint64(0))

	// Random byte streams break the framing; each such connection closes.
	for i := range 20 {
		raw := make([]byte, 1+r.IntN(64))
		for j := range raw {
			raw[j] = byte(r.Uint32())
		}
		if i%2 == 0 {
			raw[0], raw[1] = 0, 0
		}
		bad := dialTCP(t, s.Addr())
		_, err := bad.nc.Write(raw)
		require.NoError(t, err)
		_ = bad.nc.Close()
	}
	require.NoError(t, s.WaitConnections(context.Background(), 1))
	connect(t, s).ok(&csta.GetCSTAFeatures{})
}

// FuzzServeFrame sends one frame with an arbitrary body to an endpoint
// that needs no session, then GetCSTAFeatures, whose answer must come: the
// endpoint neither crashes nor stops serving, whatever it was sent.
func FuzzServeFrame(f *testing.F) {
	for _, d := range encodeAll(f, seedRequests()) {
		f.Add(d)
	}
	f.Add([]byte("<not xml"))
	f.Add([]byte{})
	p := newTestPBX(f, PBXConfig{})
	s := serve(f, p, ServerConfig{NoSession: true, InMemory: true})
	barrier, err := csta.Encode(&csta.GetCSTAFeatures{})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > framing.MaxBodySize {
			return
		}
		nc, err := s.Dial(context.Background(), "pipe", s.Addr())
		require.NoError(t, err)
		defer nc.Close()
		go func() {
			_ = framing.WriteFrame(nc, 1, body)
			_ = framing.WriteFrame(nc, 2, barrier)
		}()
		rd := framing.NewReader(nc, 0)
		for {
			fr, err := rd.ReadFrame()
			if err != nil {
				// Only StopApplicationSession may end the connection, and
				// without a session it is refused.
				t.Fatalf("connection ended before the barrier answer: %v", err)
			}
			if fr.InvokeID == 2 {
				return
			}
		}
	})
}
