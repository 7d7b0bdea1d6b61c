package sip

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/require"

	"github.com/rcc-go/rcc/csta"
)

// BenchmarkIdleDialogs opens b.N dialogs over one TCP connection (as OCS
// carries many users' dialogs) and reports the heap and goroutines each
// idle dialog costs. Run it with a fixed count, e.g. -benchtime=50000x.
func BenchmarkIdleDialogs(b *testing.B) {
	ts := startServer(b, ServerConfig{})
	conn, err := net.Dial("tcp", ts.tcp)
	require.NoError(b, err)
	defer conn.Close()
	r := bufio.NewReaderSize(conn, 64<<10)
	parser := newParser(1 << 20)
	local := conn.LocalAddr().String()

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	b.ResetTimer()
	for i := range b.N {
		callID := fmt.Sprintf("bench-%d", i)
		inv := fmt.Sprintf("INVITE sip:cti@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bK-i%d\r\nMax-Forwards: 70\r\n"+
			"From: <sip:user%d@example.com>;tag=f%d\r\nTo: <sip:cti@%s>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
			"Contact: <sip:user%d@%s;transport=tcp>\r\nSupported: timer\r\nContent-Type: application/csta+xml\r\n"+
			"Content-Length: %d\r\n\r\n%s", ts.tcp, local, i, i, i, ts.tcp, callID, i, local, len(rssBody), rssBody)
		if _, err := conn.Write([]byte(inv)); err != nil {
			b.Fatal(err)
		}
		res := readResponse(b, r, parser)
		if res.StatusCode != 200 {
			b.Fatalf("INVITE %d: %s", i, res.StartLine())
		}
		tag, _ := res.To().Params.Get("tag")
		ack := fmt.Sprintf("ACK sip:cti@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bK-a%d\r\nMax-Forwards: 70\r\n"+
			"From: <sip:user%d@example.com>;tag=f%d\r\nTo: <sip:cti@%s>;tag=%s\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\n"+
			"Content-Length: 0\r\n\r\n", ts.tcp, local, i, i, i, ts.tcp, tag, callID)
		if _, err := conn.Write([]byte(ack)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	waitFor(b, "dialogs", func() bool { return ts.Stats().Dialogs == b.N })
	if settle, err := time.ParseDuration(os.Getenv("RCC_SIP_BENCH_SETTLE")); err == nil {
		// sipgo keeps a finished INVITE transaction (with its request and
		// response) until Timer L, 64*T1: wait for that to measure what
		// an idle dialog costs for good.
		time.Sleep(settle)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/dialog")
	b.ReportMetric(float64(runtime.NumGoroutine()-g0)/float64(b.N), "goroutines/dialog")
	// The cleanup's Shutdown sends a BYE for every dialog: answer them.
	go func() {
		for {
			m, err := readRequest(r, parser)
			if err != nil {
				return
			}
			ans := fmt.Sprintf("SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
				m.Via().Value(), m.From().Value(), m.To().Value(), m.CallID().Value(), m.CSeq().Value())
			if _, err := conn.Write([]byte(ans)); err != nil {
				return
			}
		}
	}()
}

// readRequest reads one SIP request without a body from a TCP stream.
func readRequest(r *bufio.Reader, parser *sipmsg.Parser) (*sipmsg.Request, error) {
	var head strings.Builder
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		head.WriteString(l)
		if l == "\r\n" {
			break
		}
	}
	m, err := parser.ParseSIP([]byte(head.String()))
	if err != nil {
		return nil, err
	}
	req, ok := m.(*sipmsg.Request)
	if !ok {
		return nil, fmt.Errorf("not a request")
	}
	return req, nil
}

// readResponse reads one SIP response from a TCP stream.
func readResponse(b testing.TB, r *bufio.Reader, parser *sipmsg.Parser) *sipmsg.Response {
	b.Helper()
	var head strings.Builder
	length := 0
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		head.WriteString(l)
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Content-Length") {
			fmt.Sscan(strings.TrimSpace(v), &length)
		}
		if l == "\r\n" {
			break
		}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		b.Fatal(err)
	}
	m, err := parser.ParseSIP(append([]byte(head.String()), body...))
	if err != nil {
		b.Fatal(err)
	}
	res, ok := m.(*sipmsg.Response)
	if !ok || res.IsProvisional() {
		return readResponse(b, r, parser)
	}
	return res
}

// BenchmarkInfo measures CSTA request round trips (client Do, server
// Handle, response) over loopback, with 8 client sessions in parallel.
func BenchmarkInfo(b *testing.B) {
	for _, tr := range []string{"udp", "tcp"} {
		b.Run(tr, func(b *testing.B) {
			ts := startServer(b, ServerConfig{})
			sessions := make(chan *ClientSession, 8)
			for range 8 {
				c, err := Dial(context.Background(), ClientConfig{Gateway: ts.gateway(tr), User: "sip:a@example.com",
					Line: "tel:1001", LocalAddr: "127.0.0.1:0"})
				require.NoError(b, err)
				sessions <- c
			}
			req := &csta.MakeCall{CallingDevice: csta.Device("tel:1001"), CalledDirectoryNumber: csta.Device("tel:2000")}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				c := <-sessions
				defer func() { sessions <- c }()
				for pb.Next() {
					if _, err := c.Do(context.Background(), req); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			for range 8 {
				(<-sessions).Close(context.Background())
			}
		})
	}
}

// BenchmarkEvents measures events from SendEvent to the client's OnEvent,
// one dialog, in order.
func BenchmarkEvents(b *testing.B) {
	for _, tr := range []string{"udp", "tcp"} {
		b.Run(tr, func(b *testing.B) {
			ts := startServer(b, ServerConfig{EventQueueSize: 1 << 20})
			got := make(chan struct{}, 1<<16)
			c, err := Dial(context.Background(), ClientConfig{Gateway: ts.gateway(tr), User: "sip:a@example.com",
				Line: "tel:1001", LocalAddr: "127.0.0.1:0", EventQueueSize: 1 << 16,
				OnEvent: func(csta.Event) { got <- struct{}{} }})
			require.NoError(b, err)
			defer c.Close(context.Background())
			sink := ts.handler.session(b, 0).req.Events
			ev := event(1, "m")
			b.ResetTimer()
			go func() {
				for range b.N {
					if err := sink.SendEvent(ev); err != nil {
						b.Error(err)
						return
					}
				}
			}()
			timeout := time.After(time.Minute)
			for range b.N {
				select {
				case <-got:
				case <-timeout:
					b.Fatal("events stopped")
				}
			}
		})
	}
}
