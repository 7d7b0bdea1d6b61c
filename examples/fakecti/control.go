package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

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
	Index       int                 `json:"index"`
	Name        string              `json:"name"`
	Addr        string              `json:"addr"`
	Running     bool                `json:"running"`
	Connections int                 `json:"connections"`
	Faults      faultsJSON          `json:"faults"`
	Stats       ctitest.ServerStats `json:"stats"`
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
	cl  *ctitest.Cluster
	pbx *ctitest.PBX
}

func newControlPlane(cl *ctitest.Cluster) http.Handler {
	c := &controlPlane{cl: cl, pbx: cl.PBX()}
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
	mux.HandleFunc("DELETE /requests", c.clearRequests)
	mux.HandleFunc("POST /reset", c.reset)
	return mux
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
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
	out := callJSON{ID: string(ci.ID), Calling: ci.Calling, Called: ci.Called, Parties: []partyJSON{}}
	for _, pt := range ci.Parties {
		out.Parties = append(out.Parties, partyJSON{ID: pt.ID, External: pt.External, State: string(pt.State)})
	}
	return out
}

func (c *controlPlane) listCalls(w http.ResponseWriter, _ *http.Request) {
	out := []callJSON{}
	for _, ci := range c.pbx.Calls() {
		out = append(out, toCallJSON(ci))
	}
	writeJSON(w, http.StatusOK, out)
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
		lj := lineJSON{Key: ls.Key, Devices: ls.Devices, DoNotDisturb: ls.DoNotDisturb, Monitors: ls.Monitors, Forwarding: []forwardJSON{}}
		if lj.Devices == nil {
			lj.Devices = []string{}
		}
		for _, f := range ls.Forwarding {
			fj := forwardJSON{Type: string(f.ForwardingType), On: f.ForwardStatus}
			if f.ForwardDN != nil {
				fj.To = f.ForwardDN.ID
			}
			lj.Forwarding = append(lj.Forwarding, fj)
		}
		out = append(out, lj)
	}
	writeJSON(w, http.StatusOK, out)
}

func toEndpointJSON(i int, s *ctitest.Server) endpointJSON {
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
		Stats: st,
	}
}

func (c *controlPlane) listEndpoints(w http.ResponseWriter, _ *http.Request) {
	out := []endpointJSON{}
	for i, s := range c.cl.Endpoints() {
		out = append(out, toEndpointJSON(i, s))
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
	writeJSON(w, http.StatusOK, toEndpointJSON(i, s))
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
// (repeatable), endpoint and heartbeats=false.
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
	out := make([]requestJSON, 0, len(log))
	for _, rec := range log {
		rj := requestJSON{Time: rec.Time, Endpoint: rec.Endpoint, Conn: rec.Conn, InvokeID: rec.InvokeID, Name: rec.Name}
		if rec.Message != nil {
			if b, err := csta.Encode(rec.Message); err == nil {
				rj.XML = string(b)
			}
		}
		if rec.Err != nil {
			rj.Error = rec.Err.Error()
		}
		out = append(out, rj)
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *controlPlane) clearRequests(w http.ResponseWriter, _ *http.Request) {
	c.pbx.ClearRequests()
	w.WriteHeader(http.StatusNoContent)
}

func (c *controlPlane) reset(w http.ResponseWriter, _ *http.Request) {
	c.pbx.Reset()
	w.WriteHeader(http.StatusNoContent)
}
