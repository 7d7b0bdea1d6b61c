//go:build interop

package interop

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// rawResponse is a SIP response read off a raw socket.
type rawResponse struct {
	Status int
	Reason string
	Header textproto.MIMEHeader
	Body   []byte
}

// rawRequest is a SIP request written by hand, for requests no SIP stack
// would send.
type rawRequest struct {
	Method  string
	URI     string
	Headers []string // "Name: value" lines after the standard ones
	Body    []byte
	// NoStandard leaves out Via, From, To, Call-ID, CSeq and Max-Forwards.
	NoStandard bool
}

// bytes writes the request for a client at local ("host:port") over
// transport ("UDP" or "TCP").
func (r rawRequest) bytes(transport, local string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", r.Method, r.URI)
	if !r.NoStandard {
		tag := strings.ToLower(rand.Text()[:10])
		fmt.Fprintf(&b, "Via: SIP/2.0/%s %s;branch=z9hG4bK%s\r\n", transport, local, strings.ToLower(rand.Text()[:16]))
		fmt.Fprintf(&b, "From: <sip:alice@example.com>;tag=%s\r\n", tag)
		fmt.Fprintf(&b, "To: <%s>\r\n", r.URI)
		fmt.Fprintf(&b, "Call-ID: %s\r\n", strings.ToLower(rand.Text()))
		fmt.Fprintf(&b, "CSeq: 1 %s\r\n", r.Method)
		fmt.Fprintf(&b, "Max-Forwards: 70\r\n")
		fmt.Fprintf(&b, "Contact: <sip:alice@%s;transport=%s>\r\n", local, strings.ToLower(transport))
	}
	for _, h := range r.Headers {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(r.Body))
	b.Write(r.Body)
	return b.Bytes()
}

// exchange sends the request to addr over network ("udp" or "tcp") and
// returns the first final response, waiting at most timeout.
func (r rawRequest) exchange(network, addr string, timeout time.Duration) (*rawResponse, error) {
	conn, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(r.bytes(strings.ToUpper(network), conn.LocalAddr().String())); err != nil {
		return nil, err
	}
	if network == "udp" {
		buf := make([]byte, 65536)
		for range 20 {
			n, err := conn.Read(buf)
			if err != nil {
				return nil, err
			}
			res, err := parseResponse(bufio.NewReader(bytes.NewReader(buf[:n])))
			if err != nil {
				return nil, err
			}
			if res.Status >= 200 {
				return res, nil
			}
		}
		return nil, fmt.Errorf("no final response")
	}
	br := bufio.NewReader(conn)
	for range 20 {
		res, err := parseResponse(br)
		if err != nil {
			return nil, err
		}
		if res.Status >= 200 {
			return res, nil
		}
	}
	return nil, fmt.Errorf("no final response")
}

// parseResponse reads one SIP response.
func parseResponse(br *bufio.Reader) (*rawResponse, error) {
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return nil, err
	}
	proto, rest, _ := strings.Cut(line, " ")
	code, reason, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if proto != "SIP/2.0" || err != nil {
		return nil, fmt.Errorf("not a SIP response: %q", line)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil && err != io.EOF {
		return nil, err
	}
	res := &rawResponse{Status: status, Reason: reason, Header: h}
	if n, _ := strconv.Atoi(h.Get("Content-Length")); n > 0 {
		res.Body = make([]byte, n)
		if _, err := io.ReadFull(br, res.Body); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// options sends OPTIONS to a SIP address over network and returns the
// answer.
func options(network, addr string) (*rawResponse, error) {
	return rawRequest{Method: "OPTIONS", URI: "sip:" + addr}.exchange(network, addr, 2*time.Second)
}
