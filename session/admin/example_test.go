package admin_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/session/admin"
	"github.com/rcc-go/rcc/sip"
)

// node is a Source: in the example gateway it reads the pool, the
// session manager, the SIP server and the directory store.
type node struct {
	pool      ctipool.Stats
	listening bool
	dir       lineappearance.Stats
}

func (g *node) CTIStats() ctipool.Stats              { return g.pool }
func (g *node) SessionStats() session.Stats          { return session.Stats{} }
func (g *node) Sessions() []session.Info             { return nil }
func (g *node) SIPStats() sip.Stats                  { return sip.Stats{} }
func (g *node) SIPListening() bool                   { return g.listening }
func (g *node) SIPListeners() []string               { return []string{"tcp:127.0.0.1:5060"} }
func (g *node) DirectoryStats() lineappearance.Stats { return g.dir }
func (g *node) ReloadDirectory(context.Context) (int, error) {
	g.dir.Generation++
	return 0, nil
}

func get(h http.Handler, method, path string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	body, _ := io.ReadAll(rec.Body)
	fmt.Printf("%s %s: %d %s", method, path, rec.Code, body)
}

func Example() {
	gw := &node{
		pool: ctipool.Stats{Endpoints: []ctipool.EndpointStats{
			{Name: "cti-1", State: ctipool.StateConnecting},
		}},
		listening: true,
		dir:       lineappearance.Stats{Generation: 1, Users: 3, Lines: 4, Devices: 4, Appearances: 5},
	}
	adm, err := admin.New(admin.Config{Source: gw})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := adm.Handler()
	get(h, "GET", "/healthz")
	get(h, "GET", "/readyz")

	// The pool connects.
	gw.pool.Endpoints[0].State = ctipool.StateUp
	gw.pool.Healthy = 1
	get(h, "GET", "/readyz")

	get(h, "POST", "/-/reload")
	// Output:
	// GET /healthz: 200 ok
	// GET /readyz: 503 not ready: no CTI connection is up: cti-1 connecting
	// GET /readyz: 200 ready
	// POST /-/reload: 200 directory reloaded: generation 2, 3 users, 4 lines, 4 devices, 5 appearances; 0 sessions ended
}
