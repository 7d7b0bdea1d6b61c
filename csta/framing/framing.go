package framing

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Sizes and invoke IDs of the framing.
const (
	// HeaderSize is the size of the frame header in bytes.
	HeaderSize = 8
	// MaxFrameSize is the largest frame the 16-bit length field can
	// describe, header included.
	MaxFrameSize = 65535
	// MaxBodySize is the largest body a frame can carry.
	MaxBodySize = MaxFrameSize - HeaderSize
	// EventInvokeID is the invoke ID a server puts on unsolicited events.
	// It is never handed out by [InvokeIDs].
	EventInvokeID = 9999
	// MaxInvokeID is the largest invoke ID the header can carry.
	MaxInvokeID = 9999
)

// Errors the framing functions return, wrapped with detail. Compare with
// errors.Is.
var (
	// ErrTruncated reports a stream that ended in the middle of a frame.
	// The error also matches io.ErrUnexpectedEOF.
	ErrTruncated = errors.New("framing: truncated frame")
	// ErrShortFrame reports a header whose length field is smaller than
	// the header itself.
	ErrShortFrame = errors.New("framing: frame length shorter than header")
	// ErrTooLarge reports a frame over the size limit, read or written.
	ErrTooLarge = errors.New("framing: frame too large")
	// ErrBadFormat reports a header whose format indicator (bytes 0-1) is
	// not zero, which is what a peer speaking another protocol, or a
	// stream out of step, looks like.
	ErrBadFormat = errors.New("framing: bad format indicator")
	// ErrBadInvokeID reports an invoke ID that is not four ASCII digits
	// when read, or is outside 0..9999 when written.
	ErrBadInvokeID = errors.New("framing: bad invoke ID")
)

// Frame is one frame: its invoke ID and its body, the XML document.
type Frame struct {
	// InvokeID correlates a request with its response; EventInvokeID
	// marks an event.
	InvokeID int
	// Body is the frame's payload, normally one CSTA XML document.
	Body []byte
}

// Reader reads frames from a byte stream. It buffers its input, so the
// stream must not be read by anything else. A Reader is not safe for
// concurrent use.
type Reader struct {
	r       *bufio.Reader
	maxSize int
	err     error
	hdr     [HeaderSize]byte
}

// NewReader returns a Reader that reads frames from r and refuses frames
// larger than maxSize bytes, header included. A maxSize of zero or less, or
// over MaxFrameSize, means MaxFrameSize; one below HeaderSize means
// HeaderSize (only empty frames).
func NewReader(r io.Reader, maxSize int) *Reader {
	switch {
	case maxSize <= 0 || maxSize > MaxFrameSize:
		maxSize = MaxFrameSize
	case maxSize < HeaderSize:
		maxSize = HeaderSize
	}
	return &Reader{r: bufio.NewReaderSize(r, 4096), maxSize: maxSize}
}

// ReadFrame reads the next frame. The returned Body is newly allocated and
// belongs to the caller.
//
// At a clean end of stream, between frames, ReadFrame returns io.EOF. A
// stream that ends inside a frame gives an error wrapping ErrTruncated; a
// bad header gives one wrapping ErrBadFormat, ErrShortFrame, ErrTooLarge or
// ErrBadInvokeID; other errors come from the underlying reader. Every error
// is sticky: once the stream is out of step no further frame can be trusted,
// so later calls return the same error.
func (r *Reader) ReadFrame() (Frame, error) {
	if r.err != nil {
		return Frame{}, r.err
	}
	f, err := r.readFrame()
	if err != nil {
		r.err = err
		return Frame{}, err
	}
	return f, nil
}

func (r *Reader) readFrame() (Frame, error) {
	n, err := io.ReadFull(r.r, r.hdr[:])
	switch {
	case err == io.EOF:
		return Frame{}, io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Frame{}, fmt.Errorf("%w: stream ended after %d of %d header bytes: %w",
			ErrTruncated, n, HeaderSize, io.ErrUnexpectedEOF)
	case err != nil:
		return Frame{}, err
	}
	size, id, err := parseHeader(r.hdr[:])
	if err != nil {
		return Frame{}, err
	}
	if size > r.maxSize {
		return Frame{}, fmt.Errorf("%w: length %d, limit %d", ErrTooLarge, size, r.maxSize)
	}
	body := make([]byte, size-HeaderSize)
	n, err = io.ReadFull(r.r, body)
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return Frame{}, fmt.Errorf("%w: invoke ID %04d: stream ended after %d of %d body bytes: %w",
			ErrTruncated, id, n, len(body), io.ErrUnexpectedEOF)
	case err != nil:
		return Frame{}, err
	}
	return Frame{InvokeID: id, Body: body}, nil
}

// parseHeader checks a frame header and returns the frame's total length
// and invoke ID.
func parseHeader(h []byte) (size, id int, err error) {
	if h[0] != 0 || h[1] != 0 {
		return 0, 0, fmt.Errorf("%w: 0x%02x%02x, want 0x0000", ErrBadFormat, h[0], h[1])
	}
	size = int(h[2])<<8 | int(h[3])
	if size < HeaderSize {
		return 0, 0, fmt.Errorf("%w: length %d", ErrShortFrame, size)
	}
	for _, c := range h[4:8] {
		if c < '0' || c > '9' {
			return 0, 0, fmt.Errorf("%w: %q is not four ASCII digits", ErrBadInvokeID, h[4:8])
		}
		id = id*10 + int(c-'0')
	}
	return size, id, nil
}

// AppendFrame appends a frame with the invoke ID and body to dst and returns
// the extended slice. It refuses an invoke ID outside 0..MaxInvokeID
// (ErrBadInvokeID) and a body over MaxBodySize (ErrTooLarge), leaving dst
// unchanged.
func AppendFrame(dst []byte, invokeID int, body []byte) ([]byte, error) {
	if invokeID < 0 || invokeID > MaxInvokeID {
		return dst, fmt.Errorf("%w: %d is outside 0..%d", ErrBadInvokeID, invokeID, MaxInvokeID)
	}
	if len(body) > MaxBodySize {
		return dst, fmt.Errorf("%w: body of %d bytes, limit %d", ErrTooLarge, len(body), MaxBodySize)
	}
	size := HeaderSize + len(body)
	dst = append(dst, 0, 0, byte(size>>8), byte(size),
		byte('0'+invokeID/1000), byte('0'+invokeID/100%10),
		byte('0'+invokeID/10%10), byte('0'+invokeID%10))
	return append(dst, body...), nil
}

// WriteFrame writes one frame to w with a single Write call, so frames
// written by callers that serialize their WriteFrame calls never interleave.
// It refuses the same input as AppendFrame.
func WriteFrame(w io.Writer, invokeID int, body []byte) error {
	buf, err := AppendFrame(make([]byte, 0, HeaderSize+len(body)), invokeID, body)
	if err != nil {
		return err
	}
	_, err = w.Write(buf)
	return err
}
