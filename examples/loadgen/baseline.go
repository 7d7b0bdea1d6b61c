package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// The baseline's fixed answers: what a gateway would answer, without doing
// any of its work.
var (
	baselineInviteBody = []byte(xmlDecl + `<RequestSystemStatusResponse xmlns="` + ed3 + `"><systemStatus>normal</systemStatus></RequestSystemStatusResponse>`)
	baselineInfoBody   = []byte(xmlDecl + `<MakeCallResponse xmlns="` + ed3 + `"><callingDevice><callID>1</callID><deviceID>tel:1000000;phone-context=dialstring</deviceID></callingDevice></MakeCallResponse>`)
)

// baselineTag is the To tag of every baseline dialog: dialogs differ by
// Call-ID and the client's tag, so one tag is enough and costs nothing.
const baselineTag = "baseline"

// baseline is the bare sipgo responder the gateway is compared with: it
// answers INVITE with 200 OK and a fixed RequestSystemStatusResponse, INFO
// with 200 OK and a fixed small CSTA body, BYE with 200 OK, and does
// nothing else: no dialog state, no decoding, no events.
type baseline struct {
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	lns     []net.Addr
	closers []io.Closer
}

// startBaseline serves the baseline on the given listeners
// ("tcp:127.0.0.1:0", "udp:127.0.0.1:5070").
func startBaseline(listen []string, log *slog.Logger) (*baseline, error) {
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("rcc-baseline"),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(log)),
	)
	if err != nil {
		return nil, err
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		ua.Close()
		return nil, err
	}
	b := &baseline{ua: ua, srv: srv}
	contacts := map[string]*sipmsg.ContactHeader{}
	ct := sipmsg.ContentTypeHeader(cstaType)

	srv.OnInvite(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		res := sipmsg.NewResponseFromRequest(req, 200, "OK", baselineInviteBody)
		if to := res.To(); to != nil && !to.Params.Has("tag") {
			to.Params.Add("tag", baselineTag)
		}
		res.AppendHeader(contacts[req.Transport()])
		res.AppendHeader(&ct)
		_ = tx.Respond(res)
	})
	srv.OnAck(func(*sipmsg.Request, sipmsg.ServerTransaction) {})
	srv.OnInfo(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		res := sipmsg.NewResponseFromRequest(req, 200, "OK", baselineInfoBody)
		res.AppendHeader(&ct)
		_ = tx.Respond(res)
	})
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
	})

	var serve []func()
	for _, l := range listen {
		transport, addr, ok := strings.Cut(l, ":")
		if !ok {
			b.close()
			return nil, fmt.Errorf("listener %q: want transport:host:port", l)
		}
		var local net.Addr
		switch transport {
		case "tcp":
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				b.close()
				return nil, err
			}
			local = ln.Addr()
			b.closers = append(b.closers, ln)
			serve = append(serve, func() { _ = srv.ServeTCP(ln) })
		case "udp":
			pc, err := net.ListenPacket("udp", addr)
			if err != nil {
				b.close()
				return nil, err
			}
			if u, ok := pc.(*net.UDPConn); ok {
				_ = u.SetReadBuffer(4 << 20)
				_ = u.SetWriteBuffer(4 << 20)
			}
			local = pc.LocalAddr()
			b.closers = append(b.closers, pc)
			serve = append(serve, func() { _ = srv.ServeUDP(pc) })
		default:
			b.close()
			return nil, fmt.Errorf("listener %q: transport must be tcp or udp", l)
		}
		host, port, _ := sipmsg.ParseAddr(local.String())
		u := sipmsg.Uri{Scheme: "sip", User: "cti", Host: host, Port: port}
		if transport == "tcp" {
			u.UriParams = sipmsg.HeaderParams{{K: "transport", V: "tcp"}}
		}
		contacts[strings.ToUpper(transport)] = &sipmsg.ContactHeader{Address: u}
		b.lns = append(b.lns, local)
	}
	// The handlers read contacts: serve only once it is complete.
	for _, f := range serve {
		go f()
	}
	return b, nil
}

// addr returns the address of the first listener.
func (b *baseline) addr() string { return b.lns[0].String() }

func (b *baseline) close() {
	for _, c := range b.closers {
		_ = c.Close()
	}
	_ = b.ua.Close()
}

// serveBaseline runs the baseline as its own process until ctx is done.
func serveBaseline(ctx context.Context, listen []string, log *slog.Logger, out func(string)) error {
	b, err := startBaseline(listen, log)
	if err != nil {
		return err
	}
	defer b.close()
	for _, a := range b.lns {
		out(fmt.Sprintf("baseline listening on %s %s", a.Network(), a))
	}
	<-ctx.Done()
	return nil
}
