package session

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
)

// OpenRequest describes a new CSTA application session: what the SIP layer
// learnt from the client's INVITE.
type OpenRequest struct {
	// DialogID is the dialog's key, unique among open dialogs.
	DialogID string
	// User is the SIP user's address of record, for example
	// "sip:alice@example.com". Users are compared by
	// lineappearance.NormalizeUser (the sip package hands it over in that
	// form already): sips is the same user as sip, the user part is
	// compared case-sensitively after percent-decoding, the host without
	// case.
	User string
	// Line is the Line URI from the lcs:line private data, exactly as
	// sent; surrounding white space is ignored. When empty, the Line of
	// Request's extensions is used.
	Line string
	// Request is the RequestSystemStatus of the INVITE; the response is
	// written in its namespace. May be nil.
	Request *csta.RequestSystemStatus
	// Peer is where the request came from, for logs and Sessions.
	Peer string
	// Sink is the way back to the client. Required.
	Sink EventSink
}

// Manager opens and keeps the sessions of one gateway. Its methods are
// safe for concurrent use.
type Manager struct {
	cfg   Config
	log   *slog.Logger
	obs   Observer
	stats *counters

	closed atomic.Bool

	mu       sync.Mutex
	sessions map[string]*Session // by dialog ID
	byApp    map[string]*Session // by user and appearance
	perUser  map[string]int
	xrefs    map[csta.MonitorCrossRefID]*Session

	keyMu sync.Mutex
	keys  map[string]*keyLock

	downMu sync.Mutex
	down   map[*Session]struct{} // Down sessions, for re-homing when a link returns
	kick   atomic.Bool           // a queueDown is queued

	featMu sync.Mutex
	feats  map[string]*featureEntry // by CTI endpoint

	rehomeQ *workQueue
	stopQ   *workQueue
}

// NewManager validates and copies cfg and returns a manager.
func NewManager(cfg Config) (*Manager, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &Manager{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "session"),
		stats:    newCounters(),
		sessions: make(map[string]*Session),
		byApp:    make(map[string]*Session),
		perUser:  make(map[string]int),
		xrefs:    make(map[csta.MonitorCrossRefID]*Session),
		keys:     make(map[string]*keyLock),
		down:     make(map[*Session]struct{}),
		feats:    make(map[string]*featureEntry),
		rehomeQ:  newWorkQueue(cfg.RehomeWorkers),
		stopQ:    newWorkQueue(cfg.RehomeWorkers),
	}
	if cfg.Observer != nil {
		m.obs = *cfg.Observer
	}
	return m, nil
}

// Ready reports whether the manager takes new sessions: it is not shut
// down and at least one CTI link is healthy.
func (m *Manager) Ready() bool { return !m.closed.Load() && m.cfg.CTI.Ready() }

// Open opens a session for a dialog and returns it with the
// RequestSystemStatusResponse (systemStatus normal, in the namespace of
// req.Request) for the dialog's 200 OK.
//
// It resolves the Line URI to a line appearance the user may control,
// binds the session to a healthy CTI link, and replaces any session of the
// same user on the same appearance (and any session of the same dialog):
// the old session's monitor is stopped, its sink told to End("replaced"),
// and it is closed with ErrReplaced. Opens for the same user and
// appearance are serialised, so two concurrent opens cannot both win.
//
// A refusal wraps ErrInvalidLine, ErrUnknownLine, ErrNotAllowed, ErrNoCTI,
// ErrOverloaded, ErrUserLimit or ErrShutdown; Status maps it to a SIP
// status.
func (m *Manager) Open(ctx context.Context, req OpenRequest) (*Session, *csta.RequestSystemStatusResponse, error) {
	s, err := m.open(ctx, req)
	if err != nil {
		m.stats.refusal(err)
		m.log.Info("session refused", "user", req.User, "line", req.Line, "peer", req.Peer,
			"reason", RefusalReason(err), "err", err)
		if m.obs.SessionRefused != nil {
			m.obs.SessionRefused(req.User, req.Line, req.Peer, err)
		}
		return nil, nil, err
	}
	resp := &csta.RequestSystemStatusResponse{SystemStatus: csta.SystemNormal}
	if req.Request != nil {
		resp.Header = req.Request.Header.Reply()
	}
	m.stats.opened.Add(1)
	s.logInfo("session opened", "peer", req.Peer)
	if m.obs.SessionOpened != nil {
		m.obs.SessionOpened(s.Info())
	}
	return s, resp, nil
}

func (m *Manager) open(ctx context.Context, req OpenRequest) (*Session, error) {
	if m.closed.Load() {
		return nil, ErrShutdown
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("session: open: %w", err)
	}
	if req.Sink == nil {
		return nil, errors.New("session: open: no event sink")
	}
	line := strings.TrimSpace(req.Line)
	if line == "" && req.Request != nil {
		line = strings.TrimSpace(req.Request.Extensions.LineOf())
	}
	if req.Request != nil && req.Request.Extensions != nil && extraLine(req.Request.Extensions) {
		return nil, fmt.Errorf("%w: more than one lcs:line", ErrInvalidLine)
	}
	if line == "" {
		return nil, fmt.Errorf("%w: lcs:line is missing", ErrInvalidLine)
	}
	uri, err := lineappearance.ParseLineURI(line)
	if err != nil {
		return nil, fmt.Errorf("%w: lcs:line: %w", ErrInvalidLine, err)
	}
	app, err := m.cfg.Directory.Resolve(req.User, uri)
	switch {
	case errors.Is(err, lineappearance.ErrNotAllowed):
		return nil, fmt.Errorf("%w: %w", ErrNotAllowed, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnknownLine, err)
	}
	userKey := req.User
	if u, err := lineappearance.NormalizeUser(req.User); err == nil {
		userKey = u
	}
	appKey := userKey + "\x00" + app.Line.Key() + "\x00" + strings.ToUpper(app.Device)

	unlock := m.lockKey(appKey)
	defer unlock()

	var old []*Session
	m.mu.Lock()
	if o := m.byApp[appKey]; o != nil {
		old = append(old, o)
	}
	if o := m.sessions[req.DialogID]; o != nil && (len(old) == 0 || o != old[0]) {
		old = append(old, o)
	}
	err = m.checkLimitsLocked(userKey, old)
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	link, err := m.cfg.CTI.Acquire()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoCTI, err)
	}
	for _, o := range old {
		o.close(ErrReplaced, "replaced", true)
	}
	s := &Session{
		m:        m,
		dialogID: req.DialogID,
		user:     req.User,
		userKey:  userKey,
		line:     line,
		app:      app,
		key:      app.Line.Key(),
		appKey:   appKey,
		peer:     req.Peer,
		sink:     req.Sink,
		opened:   time.Now(),
		link:     link,
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed.Load() {
		return nil, ErrShutdown
	}
	// Other opens (of other appearances) may have raced this one.
	if err := m.checkLimitsLocked(userKey, nil); err != nil {
		return nil, err
	}
	s.xref = m.newCrossRefIDLocked()
	m.xrefs[s.xref] = s
	m.sessions[s.dialogID] = s
	m.byApp[appKey] = s
	m.perUser[userKey]++
	m.stats.states[StateActive].Add(1)
	return s, nil
}

// checkLimitsLocked refuses an open beyond the limits; the sessions it
// replaces do not count. The caller holds m.mu.
func (m *Manager) checkLimitsLocked(userKey string, replaced []*Session) error {
	total, mine := len(m.sessions), m.perUser[userKey]
	for _, o := range replaced {
		total--
		if o.userKey == userKey {
			mine--
		}
	}
	if total >= m.cfg.MaxSessions {
		return fmt.Errorf("%w: %d sessions open", ErrOverloaded, total)
	}
	if mine >= m.cfg.MaxSessionsPerUser {
		return fmt.Errorf("%w: %s has %d sessions open", ErrUserLimit, userKey, mine)
	}
	return nil
}

// newCrossRefIDLocked returns a monitorCrossRefID no open session has: 8
// random lower-case hex digits. The caller holds m.mu.
func (m *Manager) newCrossRefIDLocked() csta.MonitorCrossRefID {
	var b [4]byte
	rand.Read(b[:]) // never fails
	for range 64 {
		if id := csta.MonitorCrossRefID(hex.EncodeToString(b[:])); m.xrefs[id] == nil {
			return id
		}
		rand.Read(b[:])
	}
	// Improbable: probe from the last value on; at most len(m.xrefs)
	// values are taken.
	n := binary.BigEndian.Uint32(b[:])
	for range len(m.xrefs) + 1 {
		n++
		id := csta.MonitorCrossRefID(fmt.Sprintf("%08x", n))
		if m.xrefs[id] == nil {
			return id
		}
	}
	panic("session: no free monitorCrossRefID") // unreachable: fewer than 2^32 sessions
}

// unregister removes a closed session.
func (m *Manager) unregister(s *Session) {
	m.mu.Lock()
	if m.sessions[s.dialogID] == s {
		delete(m.sessions, s.dialogID)
	}
	if m.byApp[s.appKey] == s {
		delete(m.byApp, s.appKey)
	}
	if m.xrefs[s.xref] == s {
		delete(m.xrefs, s.xref)
	}
	if m.perUser[s.userKey]--; m.perUser[s.userKey] <= 0 {
		delete(m.perUser, s.userKey)
	}
	m.mu.Unlock()
}

// keyLock serialises the opens of one user and appearance.
type keyLock struct {
	mu   sync.Mutex
	refs int
}

// lockKey locks key and returns the function that unlocks it.
func (m *Manager) lockKey(key string) (unlock func()) {
	m.keyMu.Lock()
	l := m.keys[key]
	if l == nil {
		l = new(keyLock)
		m.keys[key] = l
	}
	l.refs++
	m.keyMu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		m.keyMu.Lock()
		if l.refs--; l.refs == 0 {
			delete(m.keys, key)
		}
		m.keyMu.Unlock()
	}
}

// Lookup returns the open session of a dialog, or nil.
func (m *Manager) Lookup(dialogID string) *Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions[dialogID]
}

// Sessions returns a snapshot of every open session, in no particular
// order.
func (m *Manager) Sessions() []Info {
	m.mu.Lock()
	all := make([]*Session, 0, len(m.sessions))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	out := make([]Info, 0, len(all))
	for _, s := range all {
		if in := s.Info(); in.State != StateClosed {
			out = append(out, in)
		}
	}
	return out
}

// Stats returns a snapshot of the manager's counters.
func (m *Manager) Stats() Stats { return m.stats.snapshot() }

// Shutdown refuses new opens with ErrShutdown, ends every session (its
// sink is told to End("shutdown") and its monitor stopped), and waits,
// bounded by ctx, for the monitors to be stopped and for any re-homing
// under way. It returns ctx's error if ctx ends first. Calling it again
// ends sessions opened meanwhile (there are none) and waits again.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.closed.Store(true)
	m.mu.Lock()
	all := make([]*Session, 0, len(m.sessions))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	for _, s := range all {
		s.closeWith(ErrShutdown, "shutdown")
	}
	for _, q := range []*workQueue{m.rehomeQ, m.stopQ} {
		select {
		case <-q.idle():
		case <-ctx.Done():
			return fmt.Errorf("session: shutdown: %w", ctx.Err())
		}
	}
	return nil
}

// stopMonitor stops a CTI monitor in the background, bounded by
// StopTimeout.
func (m *Manager) stopMonitor(mon Monitor) {
	m.stopQ.push(func() { m.stopMonitorNow(mon) })
}

func (m *Manager) stopMonitorNow(mon Monitor) {
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.StopTimeout)
	defer cancel()
	if err := mon.Stop(ctx); err != nil {
		m.log.Debug("stopping CTI monitor", "err", err)
	}
}

// setDown records whether a session is Down.
func (m *Manager) setDown(s *Session, down bool) {
	m.downMu.Lock()
	if down {
		m.down[s] = struct{}{}
	} else {
		delete(m.down, s)
	}
	m.downMu.Unlock()
}

// rehomeDown queues every Down session for re-homing: a link is back.
// Calls made while an earlier one waits in the queue are merged into it.
func (m *Manager) rehomeDown() {
	if !m.kick.CompareAndSwap(false, true) {
		return
	}
	m.rehomeQ.push(m.queueDown)
}

func (m *Manager) queueDown() {
	m.kick.Store(false)
	m.downMu.Lock()
	all := make([]*Session, 0, len(m.down))
	for s := range m.down {
		all = append(all, s)
	}
	m.downMu.Unlock()
	for _, s := range all {
		s.queueRehome()
	}
}
