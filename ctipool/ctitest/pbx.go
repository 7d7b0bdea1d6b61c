package ctitest

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
)

// Defaults of PBXConfig.
const (
	// DefaultNoAnswerTime is how long a call alerts at a line with
	// forwarding on no answer before it is forwarded.
	DefaultNoAnswerTime = 12 * time.Second
	// DefaultRequestLogSize is how many requests the request log keeps.
	DefaultRequestLogSize = 10000
	// DefaultEventLogSize is how many events the event log keeps.
	DefaultEventLogSize = 10000
)

// ErrClosed reports a PBX or an endpoint that has been closed.
var ErrClosed = errors.New("ctitest: closed")

// PBXConfig configures a PBX. The zero value is an empty PBX (no lines)
// whose external numbers follow the demo rules.
type PBXConfig struct {
	// Directory provisions lines, devices and appearances, in the model
	// (and so the file format) of package lineappearance; its users are
	// ignored. Nil provisions nothing.
	Directory *lineappearance.Data
	// Lines adds lines by key: a DN ("1001") or DN/partition
	// ("1001/Internal"), as [lineappearance.Line.Key] writes them. A key
	// the Directory already has is an error.
	Lines []string
	// FarEnds says how every number that is not a provisioned line
	// behaves when called. Default: DemoFarEnds(DefaultAnswerDelay,
	// DefaultHangUpDelay).
	FarEnds func(number string) FarEnd
	// NoAnswerTime is how long a call alerts at a line with forwarding on
	// no answer before it is forwarded. Default: 12s.
	NoAnswerTime time.Duration
	// RequestLogSize is how many requests the request log keeps; older
	// records are dropped. Default: 10000.
	RequestLogSize int
	// EventLogSize is how many events the event log keeps; older records
	// are dropped. Default: 10000.
	EventLogSize int
	// FrameLogSize is how many frames, both ways, the frame log keeps;
	// older records are dropped. Negative turns the frame log off.
	// Default: DefaultFrameLogSize.
	FrameLogSize int
	// Logger receives the PBX's and its endpoints' log records.
	// Default: discard.
	Logger *slog.Logger
}

// PBX is a simulated PBX: provisioned lines, the calls between them and
// simulated external parties, and the monitors CTI clients started. Any
// number of endpoints ([Server]) serve it; calls live in the PBX, so they
// survive an endpoint's stop. All methods are safe for concurrent use.
type PBX struct {
	cfg PBXConfig
	log *slog.Logger

	mu       sync.Mutex
	lines    map[string]*line
	lineList []*line // in key order
	calls    map[csta.CallID]*call
	monitors map[csta.MonitorCrossRefID]*monitor
	byLine   map[*line][]*monitor
	servers  []*Server
	pending  []pendingEvent // events of the current step, sent after its response
	reqs     ring[RequestRecord]
	evs      ring[EventRecord]
	changed  chan struct{} // closed and replaced on every change, for waiters
	seq      struct{ call, monitor, session, conn, server, event, rule uint64 }
	rules    []*activeRule // scripted answers, oldest first
	frames   frameLog
	closed   bool

	timers timerSet
}

// line is one provisioned line and its logical device settings.
type line struct {
	key       string
	dn        string
	partition string
	devices   []string
	dnd       bool
	fwd       map[csta.ForwardingType]forwarding
}

// forwarding is one forwarding setting of a line.
type forwarding struct {
	on bool
	to string
}

// monitor is a monitor a connection started: on a line (the deviceObject
// choice), of type device or call, or on one call (the callObject choice).
type monitor struct {
	id     csta.MonitorCrossRefID
	line   *line // the monitored line; nil for a callObject monitor
	conn   *conn
	hdr    csta.Header // of the MonitorStart request; events are written in it
	kind   csta.MonitorType
	call   *call              // the monitored call of a callObject monitor
	filter csta.MonitorFilter // the events the client does not want
}

// pendingEvent is an event built during a step, waiting to be sent.
type pendingEvent struct {
	m  *monitor
	ev csta.Event
}

// NewPBX validates cfg and returns a PBX with its lines provisioned. The
// error wraps lineappearance.ErrInvalid for a bad directory.
func NewPBX(cfg PBXConfig) (*PBX, error) {
	switch {
	case cfg.NoAnswerTime < 0:
		return nil, fmt.Errorf("ctitest: NoAnswerTime is negative (%v)", cfg.NoAnswerTime)
	case cfg.RequestLogSize < 0:
		return nil, fmt.Errorf("ctitest: RequestLogSize is negative (%d)", cfg.RequestLogSize)
	case cfg.EventLogSize < 0:
		return nil, fmt.Errorf("ctitest: EventLogSize is negative (%d)", cfg.EventLogSize)
	}
	if cfg.FarEnds == nil {
		cfg.FarEnds = DemoFarEnds(DefaultAnswerDelay, DefaultHangUpDelay)
	}
	if cfg.NoAnswerTime == 0 {
		cfg.NoAnswerTime = DefaultNoAnswerTime
	}
	if cfg.RequestLogSize == 0 {
		cfg.RequestLogSize = DefaultRequestLogSize
	}
	if cfg.EventLogSize == 0 {
		cfg.EventLogSize = DefaultEventLogSize
	}
	if cfg.FrameLogSize == 0 {
		cfg.FrameLogSize = DefaultFrameLogSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var d lineappearance.Data
	if cfg.Directory != nil {
		d.Lines = slices.Clone(cfg.Directory.Lines)
		d.Devices = slices.Clone(cfg.Directory.Devices)
		d.Appearances = slices.Clone(cfg.Directory.Appearances)
	}
	for _, k := range cfg.Lines {
		dn, partition, _ := strings.Cut(k, "/")
		d.Lines = append(d.Lines, lineappearance.Line{DN: dn, Partition: partition})
	}
	if _, err := lineappearance.NewStore(&d, lineappearance.Options{}); err != nil {
		return nil, fmt.Errorf("ctitest: directory: %w", err)
	}
	cfg.Directory = nil
	cfg.Lines = nil
	p := &PBX{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "ctitest"),
		lines:    make(map[string]*line, len(d.Lines)),
		calls:    make(map[csta.CallID]*call),
		monitors: make(map[csta.MonitorCrossRefID]*monitor),
		byLine:   make(map[*line][]*monitor),
		changed:  make(chan struct{}),
	}
	p.reqs.max = cfg.RequestLogSize
	p.frames.ring.max = cfg.FrameLogSize
	p.evs.max = cfg.EventLogSize
	for _, l := range d.Lines {
		key := l.Key()
		if _, dup := p.lines[key]; dup {
			return nil, fmt.Errorf("ctitest: line %q provisioned twice", key)
		}
		ln := &line{key: key, dn: l.DN, partition: l.Partition}
		p.lines[key] = ln
		p.lineList = append(p.lineList, ln)
	}
	for _, a := range d.Appearances {
		if ln := p.lines[a.Line.Key()]; ln != nil {
			ln.devices = append(ln.devices, a.Device)
		}
	}
	slices.SortFunc(p.lineList, func(a, b *line) int { return strings.Compare(a.key, b.key) })
	return p, nil
}

// DemoPBX returns a PBX provisioned with the demo directory of rcc
// (lineappearance.Demo: lines 1001 to 1004) whose external numbers follow
// the demo rules with their default delays; see [DemoFarEnds].
func DemoPBX() *PBX {
	p, err := NewPBX(PBXConfig{Directory: lineappearance.Demo()})
	if err != nil {
		panic("ctitest: demo directory refused: " + err.Error()) // a bug in lineappearance.Demo
	}
	return p
}

// Lines returns the keys of the provisioned lines, sorted.
func (p *PBX) Lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, len(p.lineList))
	for i, l := range p.lineList {
		out[i] = l.key
	}
	return out
}

// Close closes every endpoint serving the PBX, stops its timers (far ends
// that would answer or hang up later, forwarding on no answer) and waits
// for everything it started to finish. Calls are left as they are. Close
// is idempotent; afterwards the control methods return ErrClosed.
func (p *PBX) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	servers := slices.Clone(p.servers)
	p.notifyLocked()
	p.mu.Unlock()
	for _, s := range servers {
		_ = s.Close()
	}
	p.timers.close()
	return nil
}

// Reset returns the PBX to its provisioned state for the next test: every
// call is cleared (with the usual ConnectionCleared and CallCleared
// events), do-not-disturb and forwarding are switched off without events,
// the request, event and frame logs are emptied, every rule is removed,
// and every endpoint's faults are cleared.
// Connections, monitors and endpoint states (stopped or running) stay.
func (p *PBX) Reset() {
	p.mu.Lock()
	for _, c := range p.callList() {
		p.teardown(c, nil, csta.CauseNormalClearing)
	}
	for _, l := range p.lineList {
		l.dnd = false
		l.fwd = nil
	}
	p.reqs.reset()
	p.rules = nil
	servers := slices.Clone(p.servers)
	p.flushLocked()
	p.evs.reset()
	p.mu.Unlock()
	p.ClearFrames()
	for _, s := range servers {
		s.ClearFaults()
	}
}

// notify wakes everything waiting for a change.
func (p *PBX) notify() {
	p.mu.Lock()
	p.notifyLocked()
	p.mu.Unlock()
}

// notifyLocked wakes everything waiting for a change. The caller holds
// p.mu.
func (p *PBX) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// lookupLine finds a provisioned line by how a client or a test names it:
// its key; a "tel:" Line URI (its number and partition); or a bare DN that
// exactly one line has. It returns nil when none matches.
func (p *PBX) lookupLine(id string) *line {
	if l := p.lines[id]; l != nil {
		return l
	}
	if len(id) >= 4 && strings.EqualFold(id[:4], "tel:") {
		if u, err := lineappearance.ParseLineURI(id); err == nil {
			return p.lookupLine(u.Line().Key())
		}
		return nil
	}
	var found *line
	for _, l := range p.lineList {
		if l.dn == id {
			if found != nil {
				return nil
			}
			found = l
		}
	}
	return found
}

// dialString turns the number a client dials into the identifier the PBX
// uses for the destination: the key of a provisioned line, or the number
// itself ("tel:" URIs reduced to their number).
func (p *PBX) dialString(number string) (string, error) {
	if l := p.lookupLine(number); l != nil {
		return l.key, nil
	}
	n := strings.TrimSpace(number)
	if len(n) >= 4 && strings.EqualFold(n[:4], "tel:") {
		d, err := lineappearance.DialString(n)
		if err != nil {
			return "", err
		}
		n = d
	}
	if n == "" {
		return "", errors.New("empty number")
	}
	return n, nil
}

// nextCallID returns a new call ID, formatted as Cisco CTI writes them.
func (p *PBX) nextCallID() csta.CallID {
	p.seq.call++
	return csta.CallID(fmt.Sprintf("0_%08x", p.seq.call))
}

// addMonitorLocked starts a monitor for c: of line l (a device monitor,
// or with kind call a call-type device monitor), or, with l nil, of call
// cl (a callObject monitor).
func (p *PBX) addMonitorLocked(c *conn, l *line, cl *call, kind csta.MonitorType, filter csta.MonitorFilter, hdr csta.Header) *monitor {
	p.seq.monitor++
	m := &monitor{id: csta.MonitorCrossRefID(strconv.FormatUint(p.seq.monitor, 10)), line: l, conn: c, hdr: hdr, kind: kind, call: cl, filter: filter}
	p.monitors[m.id] = m
	if l != nil {
		p.byLine[l] = append(p.byLine[l], m)
	} else {
		cl.monitors = append(cl.monitors, m)
	}
	return m
}

// removeMonitorLocked ends m.
func (p *PBX) removeMonitorLocked(m *monitor) {
	delete(p.monitors, m.id)
	if m.line != nil {
		ms := slices.DeleteFunc(p.byLine[m.line], func(x *monitor) bool { return x == m })
		if len(ms) == 0 {
			delete(p.byLine, m.line)
		} else {
			p.byLine[m.line] = ms
		}
	}
	if m.call != nil || m.kind == csta.MonitorTypeCall {
		for _, c := range p.calls {
			c.monitors = slices.DeleteFunc(c.monitors, func(x *monitor) bool { return x == m })
		}
	}
}

// dropConnMonitors ends every monitor of c, as its connection has gone.
func (p *PBX) dropConnMonitors(c *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.monitors {
		if m.conn == c {
			p.removeMonitorLocked(m)
		}
	}
	p.pending = slices.DeleteFunc(p.pending, func(e pendingEvent) bool { return e.m.conn == c })
}

// queue queues ev for monitor m, unless m's filter suppresses it.
func (p *PBX) queue(m *monitor, ev csta.Event) {
	if m.filter.Suppresses(ev.MessageName()) {
		return
	}
	ev.SetCrossRefID(m.id)
	*ev.MessageHeader() = m.hdr
	p.pending = append(p.pending, pendingEvent{m: m, ev: ev})
}

// emitLine queues an event that concerns a line rather than a call
// (forwarding, do-not-disturb) for the line's monitors.
func (p *PBX) emitLine(l *line, build func() csta.Event) {
	for _, m := range p.byLine[l] {
		p.queue(m, build())
	}
}

// emit queues a call event for the monitors of every line in audience and
// for the monitors that follow c (callObject monitors of c, call-type
// monitors of lines that were in c). build is called once per monitor
// with the state of the monitored line's connection to c (StateNull when
// it has none; empty for a callObject monitor), the event's
// localConnectionInfo. A call-type monitor of a line in audience follows
// c from then on.
func (p *PBX) emit(audience []*line, c *call, build func(local csta.LocalConnectionState) csta.Event) {
	var done []*monitor
	for _, l := range audience {
		local := csta.StateNull
		if pt := c.partyOnLine(l); pt != nil {
			local = pt.state
		}
		for _, m := range p.byLine[l] {
			if m.kind == csta.MonitorTypeCall {
				if !slices.Contains(c.monitors, m) {
					c.monitors = append(c.monitors, m)
				}
				done = append(done, m)
			}
			p.queue(m, p.decorate(build(local), c, local))
		}
	}
	for _, m := range c.monitors {
		if slices.Contains(done, m) {
			continue
		}
		var local csta.LocalConnectionState
		if m.line != nil {
			local = csta.StateNull
			if pt := c.partyOnLine(m.line); pt != nil {
				local = pt.state
			}
		}
		p.queue(m, p.decorate(build(local), c, local))
	}
}

// endCallMonitors ends the callObject monitors of c, which has ended.
func (p *PBX) endCallMonitors(c *call) {
	for _, m := range slices.Clone(c.monitors) {
		if m.call == c {
			p.removeMonitorLocked(m)
		}
	}
	c.monitors = nil
}

// flushLocked sends the queued events to their connections, in order,
// records them in the event log, and wakes waiters. The caller holds p.mu.
func (p *PBX) flushLocked() {
	for _, e := range p.pending {
		sent := e.m.conn.sendEvent(e.ev)
		p.seq.event++
		p.evs.add(EventRecord{
			Seq: p.seq.event, Time: time.Now(), Endpoint: e.m.conn.srv.name, Conn: e.m.conn.id,
			Monitor: e.m.id, Line: e.m.lineKey(), Name: e.ev.MessageName(), Event: e.ev, Dropped: !sent,
		})
	}
	clear(p.pending)
	p.pending = p.pending[:0]
	p.notifyLocked()
}

// lineKey returns the key of the monitored line, or "" for a callObject
// monitor.
func (m *monitor) lineKey() string {
	if m.line == nil {
		return ""
	}
	return m.line.key
}
