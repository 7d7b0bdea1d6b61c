package framing

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReadFrame reads every frame from arbitrary input. It checks that
// reading never panics, that every error is one the package documents, and
// that every frame read re-encodes to exactly the bytes it was read from.
// The seed corpus is testdata/fuzz/FuzzReadFrame.
func FuzzReadFrame(f *testing.F) {
	f.Add(frame("0001", `<?xml version="1.0"?><MakeCall/>`))
	f.Add(append(frame("9999", "<Ev/>"), frame("0002", "")...))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, maxSize := range []int{0, 64} {
			r := NewReader(bytes.NewReader(data), maxSize)
			off := 0
			for range len(data)/HeaderSize + 1 {
				fr, err := r.ReadFrame()
				if err != nil {
					if !knownError(err) {
						t.Fatalf("maxSize %d: unexpected error %v", maxSize, err)
					}
					if err == io.EOF && off != len(data) {
						t.Fatalf("maxSize %d: io.EOF after %d of %d bytes", maxSize, off, len(data))
					}
					break
				}
				enc, err := AppendFrame(nil, fr.InvokeID, fr.Body)
				if err != nil {
					t.Fatalf("maxSize %d: re-encoding frame at %d: %v", maxSize, off, err)
				}
				if maxSize > 0 && len(enc) > maxSize {
					t.Fatalf("maxSize %d: read a frame of %d bytes", maxSize, len(enc))
				}
				if off+len(enc) > len(data) || !bytes.Equal(enc, data[off:off+len(enc)]) {
					t.Fatalf("maxSize %d: frame at %d re-encodes to %q, read from %q",
						maxSize, off, enc, data[off:min(off+len(enc), len(data))])
				}
				off += len(enc)
			}
		}
	})
}

func knownError(err error) bool {
	for _, known := range []error{io.EOF, ErrTruncated, ErrShortFrame, ErrTooLarge, ErrBadFormat, ErrBadInvokeID} {
		if errors.Is(err, known) {
			return true
		}
	}
	return false
}
