//go:build interop

package interop

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/netip"
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

// rawDialog is a session opened and driven with hand-written SIP, for
// requests no SIP stack would send in a dialog.
type rawDialog struct {
	network, addr, local string
	conn                 net.Conn
	br                   *bufio.Reader // TCP
	callID, fromTag      string
	toTag                string
	u                    user
	from                 string // the From URI; u.AOR() when empty
	cseq                 int
	timeout              time.Duration // for an answer; default 5s
}

// openRawDialog opens a session for u over network ("udp" or "tcp") to
// the gateway at addr: INVITE, 200, ACK.
func openRawDialog(network, addr string, u user) (*rawDialog, error) {
	return openRawDialogFrom(network, addr, u, "")
}

// openRawDialogFrom is openRawDialog with the From URI from (u.AOR() when
// empty).
func openRawDialogFrom(network, addr string, u user, from string) (*rawDialog, error) {
	conn, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	d := &rawDialog{
		network: network, addr: addr, local: conn.LocalAddr().String(), conn: conn, u: u, from: from,
		callID: strings.ToLower(rand.Text()), fromTag: strings.ToLower(rand.Text()[:10]), cseq: 1,
	}
	if network == "tcp" {
		d.br = bufio.NewReader(conn)
	}
	body := `<?xml version="1.0"?><RequestSystemStatus xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><extensions><privateData><private><lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">` + u.Line() + `</lcs:line></private></privateData></extensions></RequestSystemStatus>`
	res, err := d.send("INVITE", "application/csta+xml", []byte(body))
	if err != nil {
		conn.Close()
		return nil, err
	}
	if res.Status != 200 {
		conn.Close()
		return nil, fmt.Errorf("INVITE answered %d %s", res.Status, res.Reason)
	}
	_, tag, _ := strings.Cut(res.Header.Get("To"), ";tag=")
	d.toTag, _, _ = strings.Cut(tag, ";")
	if _, err := conn.Write(d.message("ACK", 1, "", nil)); err != nil {
		conn.Close()
		return nil, err
	}
	return d, nil
}

// message writes a request of the dialog.
func (d *rawDialog) message(method string, cseq int, contentType string, body []byte, extra ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s sip:cti@%s SIP/2.0\r\n", method, d.addr)
	fmt.Fprintf(&b, "Via: SIP/2.0/%s %s;branch=z9hG4bK%s\r\n", strings.ToUpper(d.network), d.local, strings.ToLower(rand.Text()[:16]))
	from := d.from
	if from == "" {
		from = d.u.AOR()
	}
	fmt.Fprintf(&b, "From: <%s>;tag=%s\r\n", from, d.fromTag)
	if d.toTag != "" {
		fmt.Fprintf(&b, "To: <sip:cti@%s>;tag=%s\r\n", d.addr, d.toTag)
	} else {
		fmt.Fprintf(&b, "To: <sip:cti@%s>\r\n", d.addr)
	}
	fmt.Fprintf(&b, "Call-ID: %s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\n", d.callID, cseq, method)
	fmt.Fprintf(&b, "Contact: <sip:%s@%s;transport=%s>\r\n", d.u.Name, d.local, d.network)
	if contentType != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", contentType)
	}
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}

// send sends a request of the dialog and returns its final response.
func (d *rawDialog) send(method, contentType string, body []byte, extra ...string) (*rawResponse, error) {
	if method != "INVITE" || d.toTag != "" {
		d.cseq++
	}
	timeout := d.timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	_ = d.conn.SetDeadline(time.Now().Add(timeout))
	if _, err := d.conn.Write(d.message(method, d.cseq, contentType, body, extra...)); err != nil {
		return nil, err
	}
	for range 20 {
		var res *rawResponse
		var err error
		if d.br != nil {
			res, err = parseResponse(d.br)
		} else {
			buf := make([]byte, 65536)
			var n int
			if n, err = d.conn.Read(buf); err == nil {
				res, err = parseResponse(bufio.NewReader(bytes.NewReader(buf[:n])))
			}
		}
		if err != nil {
			return nil, err
		}
		if res.Status >= 200 {
			return res, nil
		}
	}
	return nil, fmt.Errorf("no final response to %s", method)
}

// end ends the dialog with BYE; the socket stays open.
func (d *rawDialog) end() {
	_, _ = d.send("BYE", "", nil)
}

// close ends the dialog with BYE and closes the socket.
func (d *rawDialog) close() {
	d.end()
	_ = d.conn.Close()
}

// bufioReader reads b.
func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

// mustAddrPort parses "host:port".
func mustAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
