package framing

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func BenchmarkReadFrame(b *testing.B) {
	body := []byte(`<?xml version="1.0" encoding="UTF-8"?><DeliveredEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">` +
		strings.Repeat("<x>payload</x>", 20) + `</DeliveredEvent>`)
	frame, _ := AppendFrame(nil, EventInvokeID, body)
	stream := bytes.Repeat(frame, 1000)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	var r *Reader
	for i := 0; b.Loop(); i++ {
		if i%1000 == 0 {
			r = NewReader(bytes.NewReader(stream), 0)
		}
		if _, err := r.ReadFrame(); err != nil && err != io.EOF {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendFrame(b *testing.B) {
	body := []byte(strings.Repeat("x", 400))
	buf := make([]byte, 0, 512)
	b.SetBytes(int64(HeaderSize + len(body)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendFrame(buf[:0], 42, body)
	}
}

func BenchmarkInvokeIDs(b *testing.B) {
	var ids InvokeIDs
	b.ReportAllocs()
	for b.Loop() {
		id, err := ids.Acquire()
		if err != nil {
			b.Fatal(err)
		}
		ids.Release(id)
	}
}
