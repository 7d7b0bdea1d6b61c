package sip

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkUDPFlood sends b.N OPTIONS over UDP from an untrusted address
// (127.0.0.2, answered 403) and from a trusted one (127.0.0.1, answered
// 200 through a sipgo transaction, which sipgo keeps for Timer J, 32 s,
// until MaxUDPTransactions, at its default, is reached, then 503 by the
// front door), 64 at a time, and reports the heap held afterwards per
// request and in all, the process's RSS and the 503 answers.
// trusted-uncapped raises the cap above b.N, as before there was one. Run
// it with a fixed count, e.g.
//
//	go test -run '^$' -bench 'UDPFlood/(un)?trusted$' -benchtime 200000x ./sip/
func BenchmarkUDPFlood(b *testing.B) {
	for _, c := range []struct {
		name, from string
		uncapped   bool
	}{{"untrusted", "127.0.0.2:0", false}, {"trusted", "127.0.0.1:0", false}, {"trusted-uncapped", "127.0.0.1:0", true}} {
		b.Run(c.name, func(b *testing.B) {
			cfg := ServerConfig{TrustedPeers: onlyLocalhost}
			if c.uncapped {
				cfg.MaxUDPTransactions = b.N + 1
			}
			ts := startServer(b, cfg)
			pc, err := net.ListenPacket("udp", c.from)
			if err != nil {
				b.Fatal(err)
			}
			defer pc.Close()
			if u, ok := pc.(*net.UDPConn); ok {
				u.SetReadBuffer(4 << 20)
			}
			to, _ := net.ResolveUDPAddr("udp", ts.udp)
			local := pc.LocalAddr().String()
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rss0 := rssBytes()
			buf := make([]byte, 65536)
			lost, unavailable := 0, 0
			b.ResetTimer()
			const window = 64
			for i := 0; i < b.N; i += window {
				n := min(window, b.N-i)
				for j := range n {
					req := sipRequest("OPTIONS", "sip:cti@"+ts.udp, "Via: SIP/2.0/UDP "+local+";branch=z9hG4bK-f"+strconv.Itoa(i+j),
						fmt.Sprintf("flood-%d@x", i+j), nil, "")
					if _, err := pc.WriteTo(req, to); err != nil {
						b.Fatal(err)
					}
				}
				for range n {
					pc.SetReadDeadline(time.Now().Add(2 * time.Second))
					k, _, err := pc.ReadFrom(buf)
					if err != nil {
						lost++
						break
					}
					if !bytes.HasPrefix(buf[:k], []byte("SIP/2.0 ")) {
						b.Fatalf("%q", buf[:k])
					}
					if bytes.HasPrefix(buf[:k], []byte("SIP/2.0 503 ")) {
						unavailable++
					}
				}
			}
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/req")
			b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MiB")
			b.ReportMetric(float64(rss0)/(1<<20), "rss-MiB-before")
			b.ReportMetric(float64(rssBytes())/(1<<20), "rss-MiB-after")
			b.ReportMetric(float64(lost), "lost")
			b.ReportMetric(float64(unavailable), "answered-503")
		})
	}
}

// rssBytes returns the process's resident set size (Linux), or 0.
func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(string(f[0]), 10, 64)
				return n << 10
			}
		}
	}
	return 0
}

// BenchmarkTCPConns opens b.N TCP connections from a trusted address
// (handed to sipgo) or an untrusted one (kept by the front door), each
// sending one OPTIONS and then idle, and reports the heap each costs. Run
// it with a fixed count, e.g.
//
//	go test -run '^$' -bench TCPConns -benchtime 400x ./sip/
func BenchmarkTCPConns(b *testing.B) {
	for _, c := range []struct{ name, from string }{{"untrusted", "127.0.0.2"}, {"trusted", "127.0.0.1"}} {
		b.Run(c.name, func(b *testing.B) {
			ts := startServer(b, ServerConfig{TrustedPeers: onlyLocalhost, MaxConns: 4*b.N + 4, MaxConnsPerPeer: b.N + 1})
			var conns []net.Conn
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			buf := make([]byte, 4096)
			b.ResetTimer()
			for i := range b.N {
				d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(c.from)}}
				conn, err := d.Dial("tcp", ts.tcp)
				if err != nil {
					b.Fatal(err)
				}
				conns = append(conns, conn)
				req := sipRequest("OPTIONS", "sip:cti@"+ts.tcp+";transport=tcp", "Via: SIP/2.0/TCP "+conn.LocalAddr().String()+";branch=z9hG4bK-c"+strconv.Itoa(i),
					fmt.Sprintf("conn-%d@x", i), nil, "")
				if _, err := conn.Write(req); err != nil {
					b.Fatal(err)
				}
				conn.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := conn.Read(buf); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/conn")
			b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
		})
	}
}
