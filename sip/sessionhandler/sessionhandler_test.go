package sessionhandler_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/sip"
	"github.com/rcc-go/rcc/sip/sessionhandler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noCTI is a CTI side that is down.
type noCTI struct{}

func (noCTI) Acquire() (session.Link, error) { return nil, errors.New("down") }
func (noCTI) Ready() bool                    { return false }

// sink is a dialog that takes every event.
type sink struct{}

func (sink) SendEvent(csta.Event) error { return nil }
func (sink) End(string)                 {}

func manager(t *testing.T) *session.Manager {
	t.Helper()
	store, err := lineappearance.NewStore(lineappearance.Demo(), lineappearance.Options{})
	require.NoError(t, err)
	mgr, err := session.NewManager(session.Config{Directory: store, CTI: noCTI{}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = mgr.Shutdown(context.Background()) })
	return mgr
}

func TestNew(t *testing.T) {
	_, err := sessionhandler.New(nil, sessionhandler.Options{})
	assert.ErrorContains(t, err, "nil session manager")
	_, err = sessionhandler.New(manager(t), sessionhandler.Options{RetryAfter: -time.Second})
	assert.ErrorContains(t, err, "Options.RetryAfter is negative")
}

// TestRefusals checks that the manager's errors become SIP refusals that
// keep the session error in the chain.
func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name       string
		user, line string
		retry      time.Duration
		status     int
		want       error
		retryAfter time.Duration
		noSink     bool
	}{
		{"no CTI: 503 with the default Retry-After", "sip:alice@example.com", "tel:1001;phone-context=dialstring", 0, 503, session.ErrNoCTI, sip.DefaultRetryAfter, false},
		{"no CTI: 503 with the configured Retry-After", "sip:alice@example.com", "tel:1001;phone-context=dialstring", 7 * time.Second, 503, session.ErrNoCTI, 7 * time.Second, false},
		{"not allowed: 403", "sip:bob@example.com", "tel:1001;phone-context=dialstring", 0, 403, session.ErrNotAllowed, 0, false},
		{"unknown line: 404", "sip:alice@example.com", "tel:9999;phone-context=dialstring", 0, 404, session.ErrUnknownLine, 0, false},
		{"any other error: 500", "sip:alice@example.com", "tel:1001;phone-context=dialstring", 0, 500, nil, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := sessionhandler.New(manager(t), sessionhandler.Options{RetryAfter: tc.retry})
			require.NoError(t, err)
			assert.False(t, h.Ready())
			req := &sip.OpenRequest{
				DialogID: "d1", User: tc.user, Line: tc.line,
				Request: &csta.RequestSystemStatus{Extensions: csta.WithLine(tc.line)},
				Peer:    netip.MustParseAddrPort("127.0.0.1:5060"),
				Events:  sink{},
			}
			if tc.noSink {
				req.Events = nil
			}
			_, _, err = h.Open(context.Background(), req)
			var r *sip.RefusalError
			require.ErrorAs(t, err, &r)
			assert.Equal(t, tc.status, r.Status)
			assert.Equal(t, tc.retryAfter, r.RetryAfter)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			} else {
				assert.ErrorContains(t, err, "no event sink", "the session error stays in the chain")
			}
		})
	}
}
