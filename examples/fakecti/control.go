package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/ctitest"
)

// The JSON documents of the control plane.

type partyJSON struct {
	ID       string `json:"id"`
	External bool   `json:"external"`
	State    string `json:"state"`
}

type callJSON struct {
	ID      string      `json:"id"`
	Calling string      `json:"calling,omitempty"`
	Called  string      `json:"called,omitempty"`
	Parties []partyJSON `json:"parties"`
}

type faultsJSON struct {
	RefuseConnections bool   `json:"refuseConnections"`
	StallHeartbeats   bool   `json:"stallHeartbeats"`
	Stall             bool   `json:"stall"`
	DelayResponses    string `json:"delayResponses"`
	DropResponses     int    `json:"dropResponses"`
}

type endpointJSON struct {
	Index       int        `json:"index"`
	Name        string     `json:"name"`
	Addr        string     `json:"addr"`
	Running     bool       `json:"running"`
	Connections int        `json:"connections"`
	Faults      faultsJSON `json:"faults"`
	Stats       statsJSON  `json:"stats"`
	TLS         bool       `json:"tls"`
}

// statsJSON is ctitest.ServerStats with the control plane's key case.
type statsJSON struct {
	Connections          int    `json:"connections"`
	Accepted             uint64 `json:"accepted"`
	Requests             uint64 `json:"requests"`
	Responses            uint64 `json:"responses"`
	DroppedResponses     uint64 `json:"droppedResponses"`
	Events               uint64 `json:"events"`
	Undecodable          uint64 `json:"undecodable"`
	FramingErrors        uint64 `json:"framingErrors"`
	Overflows            uint64 `json:"overflows"`
	SystemStatusSent     uint64 `json:"systemStatusSent"`
	SystemStatusAnswered uint64 `json:"systemStatusAnswered"`
}

type requestJSON struct {
	Time     time.Time `json:"time"`
	Endpoint string    `json:"endpoint"`
	Conn     uint64    `json:"conn"`
	InvokeID int       `json:"invokeID"`
	Name     string    `json:"name,omitempty"`
	XML      string    `json:"xml,omitempty"`
	Error    string    `json:"error,omitempty"`
}

type lineJSON struct {
	Key          string        `json:"key"`
	Devices      []string      `json:"devices"`
	DoNotDisturb bool          `json:"doNotDisturb"`
	Forwarding   []forwardJSON `json:"forwarding"`
	Monitors     int           `json:"monitors"`
}

type forwardJSON struct {
	Type string `json:"type"`
	On   bool   `json:"on"`
	To   string `json:"to,omitempty"`
}

// faultRequest is the body of POST /endpoints/{n}/fault.
type faultRequest struct {
	// Kind is refuse, close, stall-heartbeats, stall, delay, drop,
	// garbage or clear.
	Kind string `json:"kind"`
	// On switches refuse, stall-heartbeats and stall on or off.
	// Default: true.
	On *bool `json:"on"`
	// Delay is the response delay of kind delay, as Go writes durations
	// ("250ms"); "0" ends delaying.
	Delay string `json:"delay"`
	// Count is how many responses kind drop drops.
	Count int `json:"count"`
	// Garbage is the kind of garbage to send: bad-format, short-length,
	// bad-invoke-id, oversized, truncated or bad-xml.
	Garbage string `json:"garbage"`
}

// controlPlane serves the JSON HTTP control plane of a cluster.
type controlPlane struct {
	cl      *ctitest.Cluster
	pbx     *ctitest.PBX
	certPEM []byte // the endpoints' TLS certificate, nil without TLS
}

func newControlPlane(cl *ctitest.Cluster) http.Handler { return newControlPlaneTLS(cl, nil) }

// newControlPlaneTLS is newControlPlane for endpoints that serve TLS with
// the certificate certPEM (nil: none).
func newControlPlaneTLS(cl *ctitest.Cluster, certPEM []byte) http.Handler {
	c := &controlPlane{cl: cl, pbx: cl.PBX(), certPEM: certPEM}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /calls", c.listCalls)
	mux.HandleFunc("POST /calls", c.placeCall)
	mux.HandleFunc("GET /calls/{id}", c.getCall)
	mux.HandleFunc("POST /calls/{id}/answer", c.answer)
	mux.HandleFunc("POST /calls/{id}/hangup", c.hangup)
	mux.HandleFunc("GET /lines", c.lines)
	mux.HandleFunc("GET /endpoints", c.listEndpoints)
	mux.HandleFunc("POST /endpoints/{n}/stop", c.stop)
	mux.HandleFunc("POST /endpoints/{n}/restart", c.restart)
	mux.HandleFunc("POST /endpoints/{n}/fault", c.fault)
	mux.HandleFunc("GET /requests", c.requests)
	mux.HandleFunc("DELETE /requests", noContent(c.pbx.ClearRequests))
	mux.HandleFunc("POST /reset", noContent(c.pbx.Reset))
	mux.HandleFunc("GET /connections", c.connections)
	mux.HandleFunc("POST /events", c.injectEvent)
	mux.HandleFunc("GET /events", c.events)
	mux.HandleFunc("DELETE /events", noContent(c.pbx.ClearEvents))
	mux.HandleFunc("GET /rules", c.listRules)
	mux.HandleFunc("POST /rules", c.addRule)
	mux.HandleFunc("DELETE /rules", noContent(c.pbx.ClearRules))
	mux.HandleFunc("DELETE /rules/{id}", c.removeRule)
	mux.HandleFunc("GET /frames", c.frames)
	mux.HandleFunc("DELETE /frames", noContent(c.pbx.ClearFrames))
	mux.HandleFunc("GET /tls/cert", c.tlsCert)
	return mux
}

// noContent returns a handler that does do and answers 204.
func noContent(do func()) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		do()
		w.WriteHeader(http.StatusNoContent)
	}
}

// jsonList returns what to write for a list: each of in turned by to, and
// [] (not null) when in is empty.
func jsonList[S ~[]T, T, J any](in S, to func(T) J) []J {
	out := make([]J, 0, len(in))
	for _, v := range in {
		out = append(out, to(v))
	}
	return out
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // XML in strings stays readable
	_ = enc.Encode(v)
}

// fail writes an error document, with the status the error calls for.
func fail(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var bad badRequest
	switch {
	case errors.As(err, &bad):
		status = http.StatusBadRequest
	case errors.Is(err, csta.ErrInvalidCallID), errors.Is(err, csta.ErrInvalidConnectionID):
		status = http.StatusNotFound
	case errors.Is(err, csta.ErrInvalidDeviceID), errors.Is(err, csta.ErrInvalidCalledDevice):
		status = http.StatusBadRequest
	case errors.Is(err, csta.ErrNoCallToAnswer):
		status = http.StatusConflict
	case errors.Is(err, ctitest.ErrClosed):
		status = http.StatusServiceUnavailable
	case errors.Is(err, ctitest.ErrNoConnection), errors.Is(err, csta.ErrInvalidMonitorCrossRefID):
		status = http.StatusNotFound
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

// badRequest is an error in what the control plane was sent.
type badRequest struct{ msg string }

func (e badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error { return badRequest{fmt.Sprintf(format, args...)} }

// decode reads an optional JSON body into v.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return badf("reading the body: %v", err)
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return badf("bad JSON body: %v", err)
	}
	return nil
}

func toCallJSON(ci ctitest.CallInfo) callJSON {
	return callJSON{ID: string(ci.ID), Calling: ci.Calling, Called: ci.Called,
		Parties: jsonList(ci.Parties, func(pt ctitest.PartyInfo) partyJSON {
			return partyJSON{ID: pt.ID, External: pt.External, State: string(pt.State)}
		})}
}

func (c *controlPlane) listCalls(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jsonList(c.pbx.Calls(), toCallJSON))
}

func (c *controlPlane) getCall(w http.ResponseWriter, r *http.Request) {
	ci, ok := c.pbx.LookupCall(csta.CallID(r.PathValue("id")))
	if !ok {
		fail(w, fmt.Errorf("no call %q: %w", r.PathValue("id"), csta.ErrInvalidCallID))
		return
	}
	writeJSON(w, http.StatusOK, toCallJSON(ci))
}

func (c *controlPlane) placeCall(w http.ResponseWriter, r *http.Request) {
	var req struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	if req.From == "" || req.To == "" {
		fail(w, badf(`want {"from": ..., "to": ...}`))
		return
	}
	id, err := c.pbx.Call(req.From, req.To)
	if err != nil {
		fail(w, err)
		return
	}
	ci, ok := c.pbx.LookupCall(id)
	if !ok { // refused and cleared at once
		ci = ctitest.CallInfo{ID: id}
	}
	writeJSON(w, http.StatusCreated, toCallJSON(ci))
}

// partyOf reads the optional {"party": ...} body.
func partyOf(r *http.Request) (string, error) {
	var req struct {
		Party string `json:"party"`
	}
	err := decode(r, &req)
	return req.Party, err
}

func (c *controlPlane) answer(w http.ResponseWriter, r *http.Request) {
	c.act(w, r, c.pbx.Answer)
}

func (c *controlPlane) hangup(w http.ResponseWriter, r *http.Request) {
	c.act(w, r, c.pbx.Hangup)
}

// act answers or hangs up, then writes the call as it is now, or 204 when
// it has ended.
func (c *controlPlane) act(w http.ResponseWriter, r *http.Request, do func(csta.CallID, string) error) {
	party, err := partyOf(r)
	if err != nil {
		fail(w, err)
		return
	}
	id := csta.CallID(r.PathValue("id"))
	if err := do(id, party); err != nil {
		fail(w, err)
		return
	}
	ci, ok := c.pbx.LookupCall(id)
	if !ok {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, toCallJSON(ci))
}

func (c *controlPlane) lines(w http.ResponseWriter, _ *http.Request) {
	out := []lineJSON{}
	for _, key := range c.pbx.Lines() {
		ls, ok := c.pbx.Line(key)
		if !ok {
			continue
		}
		lj := lineJSON{Key: ls.Key, Devices: ls.Devices, DoNotDisturb: ls.DoNotDisturb, Monitors: ls.Monitors,
			Forwarding: jsonList(ls.Forwarding, func(f csta.ForwardListItem) forwardJSON {
				fj := forwardJSON{Type: string(f.ForwardingType), On: f.ForwardStatus}
				if f.ForwardDN != nil {
					fj.To = f.ForwardDN.ID
				}
				return fj
			})}
		if lj.Devices == nil {
			lj.Devices = []string{}
		}
		out = append(out, lj)
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *controlPlane) toEndpointJSON(i int, s *ctitest.Server) endpointJSON {
	f := s.Faults()
	st := s.Stats()
	return endpointJSON{
		Index:       i + 1,
		Name:        s.Name(),
		Addr:        s.Addr(),
		Running:     s.Running(),
		Connections: st.Connections,
		Faults: faultsJSON{
			RefuseConnections: f.RefuseConnections,
			StallHeartbeats:   f.StallHeartbeats,
			Stall:             f.Stall,
			DelayResponses:    f.DelayResponses.String(),
			DropResponses:     f.DropResponses,
		},
		Stats: statsJSON{
			Connections:          st.Connections,
			Accepted:             st.Accepted,
			Requests:             st.Requests,
			Responses:            st.Responses,
			DroppedResponses:     st.DroppedResponses,
			Events:               st.Events,
			Undecodable:          st.Undecodable,
			FramingErrors:        st.FramingErrors,
			Overflows:            st.Overflows,
			SystemStatusSent:     st.SystemStatusSent,
			SystemStatusAnswered: st.SystemStatusAnswered,
		},
		TLS: c.certPEM != nil,
	}
}

func (c *controlPlane) listEndpoints(w http.ResponseWriter, _ *http.Request) {
	out := []endpointJSON{}
	for i, s := range c.cl.Endpoints() {
		out = append(out, c.toEndpointJSON(i, s))
	}
	writeJSON(w, http.StatusOK, out)
}

// endpoint finds the endpoint {n} names: its number, counting from 1, or
// its name.
func (c *controlPlane) endpoint(r *http.Request) (int, *ctitest.Server, error) {
	n := r.PathValue("n")
	eps := c.cl.Endpoints()
	if i, err := strconv.Atoi(n); err == nil {
		if i < 1 || i > len(eps) {
			return 0, nil, notFound{fmt.Sprintf("no endpoint %d; there are %d", i, len(eps))}
		}
		return i - 1, eps[i-1], nil
	}
	for i, s := range eps {
		if s.Name() == n {
			return i, s, nil
		}
	}
	return 0, nil, notFound{fmt.Sprintf("no endpoint %q", n)}
}

// notFound is an endpoint that does not exist.
type notFound struct{ msg string }

func (e notFound) Error() string { return e.msg }

func (c *controlPlane) withEndpoint(w http.ResponseWriter, r *http.Request, f func(*ctitest.Server) error) {
	i, s, err := c.endpoint(r)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	if err := f(s); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c.toEndpointJSON(i, s))
}

func (c *controlPlane) stop(w http.ResponseWriter, r *http.Request) {
	c.withEndpoint(w, r, func(s *ctitest.Server) error { return s.Stop() })
}

func (c *controlPlane) restart(w http.ResponseWriter, r *http.Request) {
	c.withEndpoint(w, r, func(s *ctitest.Server) error { return s.Restart() })
}

func (c *controlPlane) fault(w http.ResponseWriter, r *http.Request) {
	var req faultRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	on := req.On == nil || *req.On
	c.withEndpoint(w, r, func(s *ctitest.Server) error {
		switch req.Kind {
		case "refuse":
			return s.RefuseConnections(on)
		case "close":
			s.CloseConnections()
		case "stall-heartbeats":
			s.StallHeartbeats(on)
		case "stall":
			s.Stall(on)
		case "delay":
			d, err := time.ParseDuration(req.Delay)
			if err != nil || d < 0 {
				return badf("delay %q: want a duration such as 250ms", req.Delay)
			}
			s.DelayResponses(d)
		case "drop":
			if req.Count < 0 {
				return badf("count %d is negative", req.Count)
			}
			s.DropResponses(req.Count)
		case "garbage":
			g, ok := ctitest.ParseGarbage(req.Garbage)
			if !ok {
				return badf("garbage %q: want one of %s", req.Garbage, garbageNames())
			}
			s.SendGarbage(g)
		case "clear":
			s.ClearFaults()
		default:
			return badf("fault kind %q: want refuse, close, stall-heartbeats, stall, delay, drop, garbage or clear", req.Kind)
		}
		return nil
	})
}

func garbageNames() []string {
	var out []string
	for g := ctitest.GarbageBadFormat; g <= ctitest.GarbageXML; g++ {
		out = append(out, g.String())
	}
	return out
}

// requests writes the request log, filtered by the query parameters name
// (repeatable), endpoint, conn and heartbeats=false.
func (c *controlPlane) requests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	log := c.pbx.Requests()
	if names := q["name"]; len(names) > 0 {
		log = log.Named(names...)
	}
	if ep := q.Get("endpoint"); ep != "" {
		log = log.At(ep)
	}
	if q.Get("heartbeats") == "false" {
		log = log.WithoutHeartbeats()
	}
	conn, err := uintParam(q.Get("conn"), "conn")
	if err != nil {
		fail(w, err)
		return
	}
	if conn != 0 {
		log = log.OnConn(conn)
	}
	writeJSON(w, http.StatusOK, jsonList(log, func(rec ctitest.RequestRecord) requestJSON {
		rj := requestJSON{Time: rec.Time, Endpoint: rec.Endpoint, Conn: rec.Conn, InvokeID: rec.InvokeID, Name: rec.Name}
		if rec.Message != nil {
			if b, err := csta.Encode(rec.Message); err == nil {
				rj.XML = string(b)
			}
		}
		if rec.Err != nil {
			rj.Error = rec.Err.Error()
		}
		return rj
	}))
}

// The scripting routes: connections, event injection and the event log,
// rules, the frame log and the TLS certificate.

type monitorJSON struct {
	ID        string `json:"id"`
	Line      string `json:"line,omitempty"`
	Call      string `json:"call,omitempty"`
	Type      string `json:"type"`
	Namespace string `json:"namespace,omitempty"`
	Filter    string `json:"filter"`
}

type connectionJSON struct {
	ID       uint64        `json:"id"`
	Endpoint string        `json:"endpoint"`
	Remote   string        `json:"remote"`
	Monitors []monitorJSON `json:"monitors"`
}

func (c *controlPlane) connections(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jsonList(c.pbx.Connections(), func(ci ctitest.ConnInfo) connectionJSON {
		return connectionJSON{ID: ci.ID, Endpoint: ci.Endpoint, Remote: ci.Remote,
			Monitors: jsonList(ci.Monitors, func(m ctitest.MonitorInfo) monitorJSON {
				return monitorJSON{ID: string(m.ID), Line: m.Line, Call: string(m.Call), Type: string(m.Type), Namespace: m.Namespace, Filter: string(m.Filter)}
			})}
	}))
}

// injectRequest is the body of POST /events.
type injectRequest struct {
	// Conn is the number of the client connection to send to, or
	// Monitor the monitorCrossRefID of the monitor whose connection
	// gets the event. Exactly one.
	Conn    uint64 `json:"conn"`
	Monitor string `json:"monitor"`
	// XML is an XML document sent as it is.
	XML string `json:"xml"`
	// Name is an event's root element, with Fields its content, as an
	// ordered JSON object turned into XML elements.
	Name   string          `json:"name"`
	Fields json.RawMessage `json:"fields"`
	// Namespace is the namespace of a named event sent to a connection
	// (to a monitor, the monitor's is used). Default: ECMA-323 ed3.
	Namespace string `json:"namespace"`
}

func (c *controlPlane) injectEvent(w http.ResponseWriter, r *http.Request) {
	var req injectRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	to := ctitest.EventTarget{Conn: req.Conn, Monitor: csta.MonitorCrossRefID(req.Monitor)}
	if (req.Conn == 0) == (req.Monitor == "") {
		fail(w, badf(`give "conn" or "monitor"`))
		return
	}
	switch {
	case req.XML != "" && req.Name != "":
		fail(w, badf(`give "xml" or "name", not both`))
		return
	case req.XML != "":
		if err := c.pbx.InjectRaw(to, []byte(req.XML)); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	case req.Name == "":
		fail(w, badf(`give "xml" or "name" (with "fields")`))
		return
	}
	ns := req.Namespace
	if ns == "" {
		ns = csta.NamespaceEd3
	}
	body, err := namedEventXML(req.Name, ns, req.Monitor, req.Fields)
	if err != nil {
		fail(w, badf("%v", err))
		return
	}
	if !csta.IsKnown(req.Name) {
		// An event the codec does not know is sent as built.
		if err := c.pbx.InjectRaw(to, body); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	m, err := csta.Decode(body)
	if err != nil {
		fail(w, badf("event %s: %v", req.Name, err))
		return
	}
	ev, ok := m.(csta.Event)
	if !ok {
		fail(w, badf("%s is not an event", req.Name))
		return
	}
	if err := c.pbx.InjectEvent(to, ev); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// namedEventXML builds the XML of an event: its root element in namespace
// ns, the monitorCrossRefID (when monitor is set and fields have none),
// then the fields.
func namedEventXML(name, ns, monitor string, fields json.RawMessage) ([]byte, error) {
	if !validName(name) {
		return nil, fmt.Errorf("%q is not an element name", name)
	}
	var b bytes.Buffer
	b.WriteString("<" + name + ` xmlns="`)
	_ = xml.EscapeText(&b, []byte(ns))
	b.WriteString(`">`)
	var inner bytes.Buffer
	if len(bytes.TrimSpace(fields)) > 0 && string(bytes.TrimSpace(fields)) != "null" {
		d := json.NewDecoder(bytes.NewReader(fields))
		d.UseNumber()
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("fields: %v", err)
		}
		if tok != json.Delim('{') {
			return nil, errors.New(`"fields" must be a JSON object`)
		}
		if err := jsonObjectXML(d, &inner, nil, 0); err != nil {
			return nil, fmt.Errorf("fields: %v", err)
		}
	}
	if monitor != "" && !bytes.Contains(inner.Bytes(), []byte("<monitorCrossRefID>")) {
		b.WriteString("<monitorCrossRefID>")
		_ = xml.EscapeText(&b, []byte(monitor))
		b.WriteString("</monitorCrossRefID>")
	}
	b.Write(inner.Bytes())
	b.WriteString("</" + name + ">")
	return b.Bytes(), nil
}

// maxFieldDepth bounds the nesting of a named event's fields.
const maxFieldDepth = 16

// jsonObjectXML writes the members of a JSON object, whose opening brace
// d has read, as XML elements in their order: a string, number or boolean
// is the element's text, null an empty element, an object nested
// elements (keys starting with "@" are attributes, "#text" text), an
// array the element repeated. attrs, when not nil, receives the
// attributes of the enclosing element.
func jsonObjectXML(d *json.Decoder, out *bytes.Buffer, attrs *[]string, depth int) error {
	if depth > maxFieldDepth {
		return errors.New("nested too deep")
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		key := tok.(string)
		switch {
		case strings.HasPrefix(key, "@"):
			v, err := scalar(d)
			if err != nil {
				return fmt.Errorf("%s: %v", key, err)
			}
			if attrs == nil || !validName(key[1:]) {
				return fmt.Errorf("attribute %q not allowed here", key)
			}
			var a bytes.Buffer
			_ = xml.EscapeText(&a, []byte(v))
			*attrs = append(*attrs, key[1:]+`="`+a.String()+`"`)
		case key == "#text":
			v, err := scalar(d)
			if err != nil {
				return fmt.Errorf("%s: %v", key, err)
			}
			_ = xml.EscapeText(out, []byte(v))
		default:
			if !validName(key) {
				return fmt.Errorf("%q is not an element name", key)
			}
			if err := jsonValueXML(d, out, key, depth); err != nil {
				return err
			}
		}
	}
	_, err := d.Token() // the closing brace
	return err
}

// jsonValueXML writes the next JSON value as element(s) named key.
func jsonValueXML(d *json.Decoder, out *bytes.Buffer, key string, depth int) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			var attrs []string
			var inner bytes.Buffer
			if err := jsonObjectXML(d, &inner, &attrs, depth+1); err != nil {
				return fmt.Errorf("%s: %v", key, err)
			}
			out.WriteString("<" + key)
			for _, a := range attrs {
				out.WriteString(" " + a)
			}
			out.WriteString(">")
			out.Write(inner.Bytes())
			out.WriteString("</" + key + ">")
		case '[':
			for d.More() {
				if err := jsonValueXML(d, out, key, depth+1); err != nil {
					return err
				}
			}
			_, err := d.Token()
			return err
		}
	case nil:
		out.WriteString("<" + key + "/>")
	default:
		out.WriteString("<" + key + ">")
		_ = xml.EscapeText(out, []byte(scalarText(v)))
		out.WriteString("</" + key + ">")
	}
	return nil
}

// scalar reads a JSON string, number or boolean as text.
func scalar(d *json.Decoder) (string, error) {
	tok, err := d.Token()
	if err != nil {
		return "", err
	}
	if _, ok := tok.(json.Delim); ok || tok == nil {
		return "", errors.New("want a string, number or boolean")
	}
	return scalarText(tok), nil
}

func scalarText(tok json.Token) string {
	switch v := tok.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(tok)
}

// validName reports whether s can be an XML element or attribute name
// (letters, digits, '_', '-', '.', and one ':' for a prefix).
func validName(s string) bool {
	if s == "" || strings.Count(s, ":") > 1 {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || r == '.' || r == ':' || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return true
}

type eventJSON struct {
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	Endpoint string    `json:"endpoint"`
	Conn     uint64    `json:"conn"`
	Monitor  string    `json:"monitor"`
	Line     string    `json:"line,omitempty"`
	Name     string    `json:"name"`
	XML      string    `json:"xml,omitempty"`
	Dropped  bool      `json:"dropped,omitempty"`
}

// events writes the event log, filtered by the query parameters name
// (repeatable), line, conn and since (a seq).
func (c *controlPlane) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, err := uintParam(q.Get("since"), "since")
	if err != nil {
		fail(w, err)
		return
	}
	conn, err := uintParam(q.Get("conn"), "conn")
	if err != nil {
		fail(w, err)
		return
	}
	log := c.pbx.EventsSince(since)
	if names := q["name"]; len(names) > 0 {
		log = log.Named(names...)
	}
	if l := q.Get("line"); l != "" {
		log = log.OnLine(l)
	}
	if conn != 0 {
		log = log.Filter(func(e ctitest.EventRecord) bool { return e.Conn == conn })
	}
	writeJSON(w, http.StatusOK, jsonList(log, func(e ctitest.EventRecord) eventJSON {
		ej := eventJSON{Seq: e.Seq, Time: e.Time, Endpoint: e.Endpoint, Conn: e.Conn, Monitor: string(e.Monitor), Line: e.Line, Name: e.Name, Dropped: e.Dropped}
		if b, err := csta.Encode(e.Event); err == nil {
			ej.XML = string(b)
		}
		return ej
	}))
}

// uintParam reads an optional unsigned query parameter.
func uintParam(v, name string) (uint64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, badf("%s %q: want a number", name, v)
	}
	return n, nil
}

// ruleJSON is a rule, as POST /rules takes it and GET /rules lists it.
type ruleJSON struct {
	ID        int    `json:"id,omitempty"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Endpoint  string `json:"endpoint,omitempty"`
	Action    string `json:"action"`
	Answer    string `json:"answer,omitempty"`
	Delay     string `json:"delay,omitempty"`
	Count     int    `json:"count,omitempty"`
	For       string `json:"for,omitempty"`
	Matched   int    `json:"matched"`
	Expires   string `json:"expires,omitempty"`
}

func toRuleJSON(ri ctitest.RuleInfo) ruleJSON {
	rj := ruleJSON{ID: ri.ID, Name: ri.Name, Namespace: ri.Namespace, Endpoint: ri.Endpoint, Action: ri.Action.String(),
		Answer: string(ri.Answer), Count: ri.Count, Matched: ri.Matched}
	if ri.Delay > 0 {
		rj.Delay = ri.Delay.String()
	}
	if ri.For > 0 {
		rj.For = ri.For.String()
		rj.Expires = ri.Expires.UTC().Format(time.RFC3339Nano)
	}
	return rj
}

func (c *controlPlane) listRules(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jsonList(c.pbx.Rules(), toRuleJSON))
}

func (c *controlPlane) addRule(w http.ResponseWriter, r *http.Request) {
	var req ruleJSON
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	action, ok := ctitest.ParseRuleAction(req.Action)
	if !ok {
		fail(w, badf("action %q: want answer, delay or drop", req.Action))
		return
	}
	rule := ctitest.Rule{Name: req.Name, Namespace: req.Namespace, Endpoint: req.Endpoint, Action: action, Answer: []byte(req.Answer), Count: req.Count}
	for _, d := range []struct {
		name, v string
		p       *time.Duration
	}{{"delay", req.Delay, &rule.Delay}, {"for", req.For, &rule.For}} {
		if d.v == "" {
			continue
		}
		v, err := time.ParseDuration(d.v)
		if err != nil {
			fail(w, badf("%s %q: want a duration such as 250ms", d.name, d.v))
			return
		}
		*d.p = v
	}
	id, err := c.pbx.AddRule(rule)
	if err != nil {
		fail(w, badf("%v", err))
		return
	}
	for _, ri := range c.pbx.Rules() {
		if ri.ID == id {
			writeJSON(w, http.StatusCreated, toRuleJSON(ri))
			return
		}
	}
	writeJSON(w, http.StatusCreated, ruleJSON{ID: id, Name: rule.Name, Action: req.Action})
}

func (c *controlPlane) removeRule(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || !c.pbx.RemoveRule(id) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no rule %q", r.PathValue("id"))})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type frameJSON struct {
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	Dir      string    `json:"dir"`
	Endpoint string    `json:"endpoint"`
	Conn     uint64    `json:"conn"`
	InvokeID int       `json:"invokeID"`
	Name     string    `json:"name,omitempty"`
	// XML is the body when it is UTF-8 text, Base64 the body otherwise.
	XML    string `json:"xml,omitempty"`
	Base64 []byte `json:"base64,omitempty"`
}

// frames writes the frame log, filtered by the query parameters dir (in
// or out), conn, endpoint, name (repeatable), invokeID and since (a seq).
func (c *controlPlane) frames(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	log := c.pbx.Frames()
	if v := q.Get("dir"); v != "" {
		d, ok := ctitest.ParseDirection(v)
		if !ok {
			fail(w, badf("dir %q: want in or out", v))
			return
		}
		log = log.Filter(func(f ctitest.FrameRecord) bool { return f.Dir == d })
	}
	for _, p := range []struct {
		name string
		f    func(uint64) ctitest.FrameLog
	}{
		{"conn", func(n uint64) ctitest.FrameLog { return log.OnConn(n) }},
		{"since", func(n uint64) ctitest.FrameLog { return log.Since(n) }},
	} {
		n, err := uintParam(q.Get(p.name), p.name)
		if err != nil {
			fail(w, err)
			return
		}
		if n != 0 {
			log = p.f(n)
		}
	}
	if v := q.Get("invokeID"); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil {
			fail(w, badf("invokeID %q: want a number", v))
			return
		}
		log = log.WithInvokeID(id)
	}
	if ep := q.Get("endpoint"); ep != "" {
		log = log.At(ep)
	}
	if names := q["name"]; len(names) > 0 {
		log = log.Named(names...)
	}
	writeJSON(w, http.StatusOK, jsonList(log, func(f ctitest.FrameRecord) frameJSON {
		fj := frameJSON{Seq: f.Seq, Time: f.Time, Dir: f.Dir.String(), Endpoint: f.Endpoint, Conn: f.Conn, InvokeID: f.InvokeID, Name: f.Name}
		if utf8.Valid(f.Body) {
			fj.XML = string(f.Body)
		} else {
			fj.Base64 = f.Body
		}
		return fj
	}))
}

// tlsCert writes the certificate the endpoints serve, in PEM, for clients
// to trust; 404 when they serve plain TCP.
func (c *controlPlane) tlsCert(w http.ResponseWriter, _ *http.Request) {
	if c.certPEM == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "the endpoints do not serve TLS"})
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(c.certPEM)
}
