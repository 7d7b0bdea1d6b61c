// Package framing reads and writes the frames that carry CSTA XML over TCP,
// as OpenScape, Avaya DMCC and Zultys servers speak it, and allocates the
// invoke IDs that correlate requests with responses. It is pure io code: no
// sockets, no goroutines, no XML. Both ends of a CSTA/TCP link use it: the
// built-in ctipool transport and the fake CTI server.
//
// # Frames
//
// Every message travels in one frame: an 8-byte header followed by the XML
// document.
//
//	bytes 0-1  format indicator, 0x0000
//	bytes 2-3  total frame length, header included, uint16 big-endian
//	bytes 4-7  invoke ID, four ASCII digits, zero-padded ("0042")
//	bytes 8-   the XML document
//
// A frame is therefore at most [MaxFrameSize] (65535) bytes. A response
// carries the invoke ID of its request; unsolicited events carry
// [EventInvokeID] (9999).
//
// # Usage
//
// Read with a [Reader] and write with [WriteFrame], or [AppendFrame] to
// build frames in a buffer of your own:
//
//	r := framing.NewReader(conn, 0)
//	for {
//		f, err := r.ReadFrame()
//		if err != nil {
//			return err // io.EOF at a clean end of stream
//		}
//		handle(f.InvokeID, f.Body)
//	}
//
// A client takes a fresh invoke ID for each request from an [InvokeIDs]
// allocator and releases it when the response arrives or the request is
// abandoned:
//
//	id, err := ids.Acquire()
//	...
//	err = framing.WriteFrame(conn, id, body)
//	...
//	ids.Release(id)
//
// # Concurrency
//
// A [Reader] is for one goroutine. [WriteFrame] writes each frame with a
// single Write call, but callers writing from several goroutines must still
// serialize their calls. [InvokeIDs] is safe for concurrent use.
//
// # Errors
//
// Errors wrap one of the sentinels [ErrTruncated], [ErrShortFrame],
// [ErrTooLarge], [ErrBadFormat], [ErrBadInvokeID] and [ErrNoInvokeID] with
// detail; compare with errors.Is. A Reader's errors are sticky, because a
// stream that went out of step cannot be trusted again: the connection has
// to be closed.
package framing
