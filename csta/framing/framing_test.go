package framing

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frame builds a frame by hand, independently of AppendFrame.
func frame(id string, body string) []byte {
	n := HeaderSize + len(body)
	return append([]byte{0, 0, byte(n >> 8), byte(n), id[0], id[1], id[2], id[3]}, body...)
}

func TestReadFrame(t *testing.T) {
	big := strings.Repeat("x", MaxBodySize)
	tests := []struct {
		name    string
		in      []byte
		maxSize int
		want    []Frame
		wantErr error // after the frames in want
	}{
		{name: "empty stream", in: nil, wantErr: io.EOF},
		{
			name: "one frame",
			in:   frame("0042", "<MakeCall/>"),
			want: []Frame{{InvokeID: 42, Body: []byte("<MakeCall/>")}}, wantErr: io.EOF,
		},
		{
			name: "several frames",
			in:   append(append(frame("0001", "<a/>"), frame("9999", "<Ev/>")...), frame("0000", "")...),
			want: []Frame{
				{InvokeID: 1, Body: []byte("<a/>")},
				{InvokeID: 9999, Body: []byte("<Ev/>")},
				{InvokeID: 0, Body: []byte{}},
			},
			wantErr: io.EOF,
		},
		{
			name: "zultys keepalive",
			in:   []byte{0x00, 0x00, 0x00, 0x15, 0x30, 0x30, 0x30, 0x30, 0x3c, 0x6b, 0x65, 0x65, 0x70, 0x61, 0x6c, 0x69, 0x76, 0x65, 0x20, 0x2f, 0x3e},
			want: []Frame{{InvokeID: 0, Body: []byte("<keepalive />")}}, wantErr: io.EOF,
		},
		{
			name: "largest frame",
			in:   frame("1234", big),
			want: []Frame{{InvokeID: 1234, Body: []byte(big)}}, wantErr: io.EOF,
		},
		{name: "truncated header", in: []byte{0, 0, 0}, wantErr: ErrTruncated},
		{name: "truncated body", in: frame("0001", "<abc/>")[:10], wantErr: ErrTruncated},
		{name: "header only of a frame with body", in: frame("0001", "<abc/>")[:8], wantErr: ErrTruncated},
		{
			name:    "truncated second frame",
			in:      append(frame("0001", "<a/>"), frame("0002", "<b/>")[:9]...),
			want:    []Frame{{InvokeID: 1, Body: []byte("<a/>")}},
			wantErr: ErrTruncated,
		},
		{name: "length below header", in: []byte{0, 0, 0, 7, '0', '0', '0', '1'}, wantErr: ErrShortFrame},
		{name: "length zero", in: []byte{0, 0, 0, 0, '0', '0', '0', '1'}, wantErr: ErrShortFrame},
		{name: "bad format indicator", in: []byte{0, 1, 0, 8, '0', '0', '0', '1'}, wantErr: ErrBadFormat},
		{name: "xml without header", in: []byte("<?xml version=\"1.0\"?><MakeCall/>"), wantErr: ErrBadFormat},
		{name: "letter in invoke ID", in: frame("00a1", "<a/>"), wantErr: ErrBadInvokeID},
		{name: "space in invoke ID", in: frame(" 001", "<a/>"), wantErr: ErrBadInvokeID},
		{name: "sign in invoke ID", in: frame("-001", "<a/>"), wantErr: ErrBadInvokeID},
		{name: "over the limit", in: frame("0001", "<abcdef/>"), maxSize: 16, wantErr: ErrTooLarge},
		{name: "exactly the limit", in: frame("0001", "<abcde/>"), maxSize: 16,
			want: []Frame{{InvokeID: 1, Body: []byte("<abcde/>")}}, wantErr: io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(tt.in), tt.maxSize)
			for i, want := range tt.want {
				got, err := r.ReadFrame()
				require.NoError(t, err, "frame %d", i)
				assert.Equal(t, want.InvokeID, got.InvokeID, "frame %d", i)
				assert.Equal(t, want.Body, got.Body, "frame %d", i)
			}
			_, err := r.ReadFrame()
			require.ErrorIs(t, err, tt.wantErr)
			if errors.Is(err, ErrTruncated) {
				assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
			}
			if tt.wantErr != io.EOF {
				assert.True(t, strings.HasPrefix(err.Error(), "framing: "), "error %q lacks the package prefix", err)
			}
			// Errors are sticky.
			_, err2 := r.ReadFrame()
			assert.Equal(t, err, err2)
		})
	}
}

func TestReadFrameErrorDetail(t *testing.T) {
	_, err := NewReader(bytes.NewReader([]byte("HTTP/1.1 200 OK\r\n")), 0).ReadFrame()
	require.ErrorIs(t, err, ErrBadFormat)
	assert.Contains(t, err.Error(), "0x4854")

	_, err = NewReader(bytes.NewReader(frame("12x4", "")), 0).ReadFrame()
	require.ErrorIs(t, err, ErrBadInvokeID)
	assert.Contains(t, err.Error(), `"12x4"`)

	_, err = NewReader(bytes.NewReader(frame("0007", "<abc/>")[:11]), 0).ReadFrame()
	require.ErrorIs(t, err, ErrTruncated)
	assert.Contains(t, err.Error(), "3 of 6 body bytes")
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestReadFrameUnderlyingError(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(bytes.NewReader(frame("0003", "<a/>")), failingReader{boom}), 0)
	f, err := r.ReadFrame()
	require.NoError(t, err)
	assert.Equal(t, 3, f.InvokeID)
	_, err = r.ReadFrame()
	assert.ErrorIs(t, err, boom)
}

func TestReadFrameBodyIsOwned(t *testing.T) {
	r := NewReader(bytes.NewReader(append(frame("0001", "<a/>"), frame("0002", "<b/>")...)), 0)
	f1, err := r.ReadFrame()
	require.NoError(t, err)
	f2, err := r.ReadFrame()
	require.NoError(t, err)
	assert.Equal(t, "<a/>", string(f1.Body))
	assert.Equal(t, "<b/>", string(f2.Body))
}

func TestNewReaderMaxSize(t *testing.T) {
	for _, tt := range []struct{ in, want int }{
		{0, MaxFrameSize}, {-1, MaxFrameSize}, {70000, MaxFrameSize}, {3, HeaderSize}, {100, 100},
	} {
		assert.Equal(t, tt.want, NewReader(nil, tt.in).maxSize, "maxSize %d", tt.in)
	}
}

func TestAppendFrame(t *testing.T) {
	tests := []struct {
		name    string
		id      int
		body    string
		want    []byte
		wantErr error
	}{
		{name: "request", id: 42, body: "<MakeCall/>", want: frame("0042", "<MakeCall/>")},
		{name: "event", id: EventInvokeID, body: "<Ev/>", want: frame("9999", "<Ev/>")},
		{name: "zero", id: 0, body: "", want: frame("0000", "")},
		{name: "four digits", id: 1234, body: "x", want: frame("1234", "x")},
		{name: "largest body", id: 1, body: strings.Repeat("y", MaxBodySize), want: frame("0001", strings.Repeat("y", MaxBodySize))},
		{name: "body too large", id: 1, body: strings.Repeat("y", MaxBodySize+1), wantErr: ErrTooLarge},
		{name: "negative ID", id: -1, body: "x", wantErr: ErrBadInvokeID},
		{name: "ID too large", id: 10000, body: "x", wantErr: ErrBadInvokeID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("keep")
			got, err := AppendFrame(prefix, tt.id, []byte(tt.body))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, []byte("keep"), got, "dst must be left unchanged")
				var buf bytes.Buffer
				require.ErrorIs(t, WriteFrame(&buf, tt.id, []byte(tt.body)), tt.wantErr)
				assert.Zero(t, buf.Len(), "nothing may be written on error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, append([]byte("keep"), tt.want...), got)
			var buf bytes.Buffer
			require.NoError(t, WriteFrame(&buf, tt.id, []byte(tt.body)))
			assert.Equal(t, tt.want, buf.Bytes())
		})
	}
}

// countingWriter counts Write calls.
type countingWriter struct {
	bytes.Buffer
	calls int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.calls++
	return w.Buffer.Write(p)
}

func TestWriteFrameSingleWrite(t *testing.T) {
	var w countingWriter
	require.NoError(t, WriteFrame(&w, 7, []byte("<Hello/>")))
	assert.Equal(t, 1, w.calls)
	f, err := NewReader(&w.Buffer, 0).ReadFrame()
	require.NoError(t, err)
	assert.Equal(t, Frame{InvokeID: 7, Body: []byte("<Hello/>")}, f)
}

func TestWriteFrameError(t *testing.T) {
	boom := errors.New("boom")
	assert.ErrorIs(t, WriteFrame(errWriter{boom}, 1, []byte("x")), boom)
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestInvokeIDsSequenceAndWrap(t *testing.T) {
	var ids InvokeIDs
	for want := 1; want <= MaxRequestInvokeID; want++ {
		got, err := ids.Acquire()
		require.NoError(t, err)
		require.Equal(t, want, got)
		ids.Release(got)
	}
	got, err := ids.Acquire()
	require.NoError(t, err)
	assert.Equal(t, 1, got, "IDs wrap below the event ID")
	assert.Equal(t, 1, ids.InUse())
}

func TestInvokeIDsSkipsInUse(t *testing.T) {
	var ids InvokeIDs
	held, err := ids.Acquire() // 1 stays in use across the wrap
	require.NoError(t, err)
	for range MaxRequestInvokeID - 1 {
		id, err := ids.Acquire()
		require.NoError(t, err)
		ids.Release(id)
	}
	id, err := ids.Acquire()
	require.NoError(t, err)
	assert.Equal(t, 2, id, "ID 1 is still in use and must be skipped")
	assert.NotEqual(t, held, id)
}

func TestInvokeIDsExhausted(t *testing.T) {
	var ids InvokeIDs
	seen := make(map[int]bool)
	for range MaxRequestInvokeID {
		id, err := ids.Acquire()
		require.NoError(t, err)
		require.False(t, seen[id], "ID %d handed out twice", id)
		require.True(t, id >= 1 && id <= MaxRequestInvokeID, "ID %d out of range", id)
		seen[id] = true
	}
	_, err := ids.Acquire()
	require.ErrorIs(t, err, ErrNoInvokeID)
	assert.Contains(t, err.Error(), "9998 requests outstanding")

	ids.Release(4711)
	id, err := ids.Acquire()
	require.NoError(t, err)
	assert.Equal(t, 4711, id, "the only free ID")
}

func TestInvokeIDsReleaseIgnoresBadIDs(t *testing.T) {
	var ids InvokeIDs
	id, err := ids.Acquire()
	require.NoError(t, err)
	for _, bad := range []int{-1, 0, EventInvokeID, 10000, id + 1} {
		ids.Release(bad)
	}
	assert.Equal(t, 1, ids.InUse())
	ids.Release(id)
	ids.Release(id) // twice is harmless
	assert.Equal(t, 0, ids.InUse())
}

func TestInvokeIDsConcurrent(t *testing.T) {
	var ids InvokeIDs
	var (
		mu   sync.Mutex
		held = make(map[int]bool)
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for range 2000 {
				id, err := ids.Acquire()
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				dup := held[id]
				held[id] = true
				mu.Unlock()
				assert.False(t, dup, "ID %d handed out while in use", id)
				mu.Lock()
				delete(held, id)
				mu.Unlock()
				ids.Release(id)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 0, ids.InUse())
}
