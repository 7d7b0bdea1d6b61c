package framing_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/rcc-go/rcc/csta/framing"
)

// Example writes a request and an event into a buffer, as a server's socket
// would carry them, and reads them back.
func Example() {
	var ids framing.InvokeIDs
	var stream bytes.Buffer

	id, err := ids.Acquire()
	if err != nil {
		panic(err)
	}
	_ = framing.WriteFrame(&stream, id, []byte(`<MonitorStart/>`))
	_ = framing.WriteFrame(&stream, framing.EventInvokeID, []byte(`<DeliveredEvent/>`))
	fmt.Printf("header % x\n", stream.Bytes()[:framing.HeaderSize])

	r := framing.NewReader(&stream, 0)
	for {
		f, err := r.ReadFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			panic(err)
		}
		if f.InvokeID == framing.EventInvokeID {
			fmt.Printf("event %s\n", f.Body)
			continue
		}
		fmt.Printf("invoke ID %d: %s\n", f.InvokeID, f.Body)
		ids.Release(f.InvokeID)
	}
	// Output:
	// header 00 00 00 17 30 30 30 31
	// invoke ID 1: <MonitorStart/>
	// event <DeliveredEvent/>
}

// ExampleReader_ReadFrame shows the error a peer that is not speaking CSTA
// over TCP produces.
func ExampleReader_ReadFrame() {
	r := framing.NewReader(bytes.NewReader([]byte("GET / HTTP/1.1\r\n\r\n")), 0)
	_, err := r.ReadFrame()
	fmt.Println(err)
	fmt.Println(errors.Is(err, framing.ErrBadFormat))
	// Output:
	// framing: bad format indicator: 0x4745, want 0x0000
	// true
}
