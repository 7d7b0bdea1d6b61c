package ctitest

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/rcc-go/rcc/csta/framing"
)

// DefaultFrameLogSize is how many frames the frame log keeps.
const DefaultFrameLogSize = 10000

// Direction says which way a frame went.
type Direction uint8

// The directions of a frame.
const (
	// FrameIn is a frame a client sent to an endpoint.
	FrameIn Direction = iota + 1
	// FrameOut is a frame an endpoint sent to a client.
	FrameOut
)

// String returns "in" or "out".
func (d Direction) String() string {
	switch d {
	case FrameIn:
		return "in"
	case FrameOut:
		return "out"
	}
	return "Direction(?)"
}

// ParseDirection returns the direction "in" or "out" names.
func ParseDirection(s string) (Direction, bool) {
	switch s {
	case "in":
		return FrameIn, true
	case "out":
		return FrameOut, true
	}
	return 0, false
}

// FrameRecord is one frame an endpoint received or sent, as bytes on the
// wire: what a client really saw, whatever the codec makes of it.
type FrameRecord struct {
	// Seq numbers the frames of the PBX from 1; it is never reused.
	Seq uint64
	// Time is when the frame was read, or handed to the socket.
	Time time.Time
	// Dir is the direction.
	Dir Direction
	// Endpoint and Conn are the endpoint's name and the connection's
	// number (as in RequestRecord).
	Endpoint string
	Conn     uint64
	// InvokeID is the frame's invoke ID; -1 for bytes an endpoint wrote
	// that are not whole frames (see Server.SendGarbage).
	InvokeID int
	// Name is the local name of the body's root element (of the message
	// inside a SOAP envelope), or "" when the body is not XML.
	Name string
	// Body is the frame's body, or the raw bytes for InvokeID -1. It is
	// shared; do not modify it.
	Body []byte
}

// FrameLog is a list of frame records, oldest first, with filters that
// return new lists.
type FrameLog []FrameRecord

// In returns the frames clients sent.
func (l FrameLog) In() FrameLog {
	return l.Filter(func(r FrameRecord) bool { return r.Dir == FrameIn })
}

// Out returns the frames endpoints sent.
func (l FrameLog) Out() FrameLog {
	return l.Filter(func(r FrameRecord) bool { return r.Dir == FrameOut })
}

// At returns the frames of the named endpoint.
func (l FrameLog) At(endpoint string) FrameLog {
	return l.Filter(func(r FrameRecord) bool { return r.Endpoint == endpoint })
}

// OnConn returns the frames of connection conn.
func (l FrameLog) OnConn(conn uint64) FrameLog {
	return l.Filter(func(r FrameRecord) bool { return r.Conn == conn })
}

// Named returns the frames whose root element has one of the names.
func (l FrameLog) Named(names ...string) FrameLog {
	return l.Filter(func(r FrameRecord) bool { return slices.Contains(names, r.Name) })
}

// WithInvokeID returns the frames with invoke ID id.
func (l FrameLog) WithInvokeID(id int) FrameLog {
	return l.Filter(func(r FrameRecord) bool { return r.InvokeID == id })
}

// Since returns the frames numbered after seq.
func (l FrameLog) Since(seq uint64) FrameLog {
	return l.Filter(func(r FrameRecord) bool { return r.Seq > seq })
}

// Filter returns the records for which keep returns true.
func (l FrameLog) Filter(keep func(FrameRecord) bool) FrameLog { return filter(l, keep) }

// Names returns the records' names, in order.
func (l FrameLog) Names() []string { return names(l, func(r FrameRecord) string { return r.Name }) }

// frameLog is the PBX's frame log. It has its own lock, so the writers of
// connections never wait for the PBX.
type frameLog struct {
	mu     sync.Mutex
	seq    uint64
	ring   ring[FrameRecord]
	intern map[string]string // root element names, so that logging a frame allocates nothing
}

// maxInterned bounds the names the frame log keeps for reuse.
const maxInterned = 4096

// add records a frame whose root element name is name.
func (l *frameLog) add(r FrameRecord, name []byte) {
	l.mu.Lock()
	if len(name) > 0 {
		n, ok := l.intern[string(name)]
		if !ok {
			n = string(name)
			if l.intern == nil {
				l.intern = make(map[string]string)
			}
			if len(l.intern) < maxInterned {
				l.intern[n] = n
			}
		}
		r.Name = n
	}
	l.seq++
	r.Seq = l.seq
	l.ring.add(r)
	l.mu.Unlock()
}

// Frames returns the frame log, oldest first: every frame the PBX's
// endpoints read or wrote since it was created or last reset, up to
// PBXConfig.FrameLogSize records.
func (p *PBX) Frames() FrameLog {
	p.frames.mu.Lock()
	defer p.frames.mu.Unlock()
	return p.frames.ring.all()
}

// FrameSeq returns the sequence number of the last frame logged (0 before
// the first), to pass to FrameLog.Since later.
func (p *PBX) FrameSeq() uint64 {
	p.frames.mu.Lock()
	defer p.frames.mu.Unlock()
	return p.frames.seq
}

// ClearFrames empties the frame log.
func (p *PBX) ClearFrames() {
	p.frames.mu.Lock()
	defer p.frames.mu.Unlock()
	p.frames.ring.reset()
}

// logFrame records a frame of c; with the frame log off it does nothing,
// not even find the frame's root name.
func (c *conn) logFrame(dir Direction, id int, body []byte) {
	if c.srv.pbx.frames.ring.max <= 0 {
		return
	}
	c.srv.pbx.frames.add(FrameRecord{Time: time.Now(), Dir: dir, Endpoint: c.srv.name, Conn: c.id, InvokeID: id, Body: body}, rootName(body))
}

// logRaw records raw bytes c wrote: each frame they hold when they are
// whole frames, else the bytes as they are.
func (c *conn) logRaw(b []byte) {
	if c.srv.pbx.frames.ring.max <= 0 {
		return
	}
	r := framing.NewReader(bytes.NewReader(b), 0)
	var fs []framing.Frame
	for range len(b)/framing.HeaderSize + 1 {
		f, err := r.ReadFrame()
		if err != nil {
			if len(fs) == 0 || !errors.Is(err, io.EOF) {
				c.logFrame(FrameOut, -1, b)
				return
			}
			break
		}
		fs = append(fs, f)
	}
	for _, f := range fs {
		c.logFrame(FrameOut, f.InvokeID, f.Body)
	}
}

// rootName returns the local name of the root element of an XML body, or
// of the first element inside a SOAP Body; nil when there is none.
func rootName(b []byte) []byte {
	soap, inBody := false, false
	for range 256 {
		i := bytes.IndexByte(b, '<')
		if i < 0 || i+1 >= len(b) {
			return nil
		}
		b = b[i+1:]
		if b[0] == '?' || b[0] == '!' || b[0] == '/' {
			continue
		}
		end := bytes.IndexAny(b, " \t\r\n/>")
		if end <= 0 {
			return nil
		}
		name := b[:end]
		if k := bytes.IndexByte(name, ':'); k >= 0 {
			name = name[k+1:]
		}
		switch {
		case !soap && string(name) == "Envelope":
			soap = true
		case soap && !inBody:
			inBody = string(name) == "Body"
		default:
			return name
		}
	}
	return nil
}
