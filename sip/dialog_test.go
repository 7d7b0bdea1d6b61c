package sip

import (
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingTx is a server transaction that records when responses are
// sent.
type recordingTx struct {
	sipmsg.ServerTransaction
	mu    sync.Mutex
	start time.Time
	at    []time.Duration
}

func (tx *recordingTx) Respond(*sipmsg.Response) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.at = append(tx.at, time.Since(tx.start))
	return nil
}

func (tx *recordingTx) sent() []time.Duration {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return append([]time.Duration(nil), tx.at...)
}

// bareDialog returns a dialog on a server without a network: the BYE it
// would send is skipped.
func bareDialog(sess Session) *dialog {
	srv := &Server{log: slog.New(slog.DiscardHandler), dialogs: make(map[string]*dialog)}
	srv.byes.cancelAll(ErrServerClosed)
	d := &dialog{srv: srv, tag: "t", sess: sess, ackDone: make(chan struct{}), info: DialogInfo{DialogID: "d"}}
	srv.dialogs[d.tag] = d
	return d
}

func TestAckWaitResendsThenGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sess := &fakeSession{closed: make(chan error, 1)}
		d := bareDialog(sess)
		tx := &recordingTx{start: time.Now()}
		d.establish(timerChoice{interval: time.Hour}, &ackWait{cseq: 1, tx: tx, initial: true})
		time.Sleep(64*sipmsg.T1 + time.Second)
		synctest.Wait()
		ms := time.Millisecond
		assert.Equal(t, []time.Duration{500 * ms, 1500 * ms, 3500 * ms, 7500 * ms, 11500 * ms, 15500 * ms,
			19500 * ms, 23500 * ms, 27500 * ms, 31500 * ms}, tx.sent(), "T1, 2*T1, 4*T1, then every T2")
		require.Len(t, sess.closed, 1)
		assert.ErrorIs(t, <-sess.closed, ErrNoACK)
		assert.Empty(t, d.srv.dialogs)
	})
}

func TestAckStopsResending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sess := &fakeSession{closed: make(chan error, 1)}
		d := bareDialog(sess)
		tx := &recordingTx{start: time.Now()}
		d.establish(timerChoice{interval: time.Hour}, &ackWait{cseq: 7, tx: tx, initial: true})
		time.Sleep(2 * time.Second)
		d.acked(6, "x") // not this one
		time.Sleep(2 * time.Second)
		d.acked(7, "peer:1")
		n := len(tx.sent())
		time.Sleep(time.Minute)
		synctest.Wait()
		assert.Equal(t, 3, n)
		assert.Len(t, tx.sent(), n, "no resend after the ACK")
		assert.Empty(t, sess.closed, "a confirmed dialog is not ended")
		select {
		case <-d.ackDone:
		default:
			t.Fatal("ackDone not closed")
		}
		assert.Equal(t, phaseConfirmed, d.phase)
		assert.Equal(t, "peer:1", d.source)
		d.terminate(ErrPeerBye)
	})
}

func TestSessionTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sess := &fakeSession{closed: make(chan error, 1)}
		d := bareDialog(sess)
		start := time.Now()
		d.establish(timerChoice{interval: 90 * time.Second}, &ackWait{cseq: 1, initial: true})
		d.acked(1, "peer")
		time.Sleep(50 * time.Second)
		require.True(t, d.refresh(timerChoice{interval: 90 * time.Second}), "refreshed before it expired")
		var ended time.Duration
		go func() {
			<-sess.closed
			ended = time.Since(start)
		}()
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		assert.Equal(t, 50*time.Second+60*time.Second, ended, "ended 30s before the refreshed interval runs out")
		assert.False(t, d.refresh(timerChoice{interval: 90 * time.Second}), "an ended dialog cannot be refreshed")
	})
}

func TestExpiryDelay(t *testing.T) {
	for _, c := range []struct{ interval, want time.Duration }{
		{600 * time.Second, 568 * time.Second},
		{90 * time.Second, 60 * time.Second},
		{1800 * time.Second, 1768 * time.Second},
		{3 * time.Second, 2 * time.Second},
	} {
		assert.Equal(t, c.want, expiryDelay(c.interval), c.interval.String())
	}
}

func TestPhaseString(t *testing.T) {
	for p, want := range map[phase]string{
		phaseOpening: "opening", phaseEstablished: "established",
		phaseConfirmed: "confirmed", phaseEnded: "ended", phase(9): "phase(9)",
	} {
		assert.Equal(t, want, p.String())
	}
}
