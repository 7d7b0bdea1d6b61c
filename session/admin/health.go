package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/lineappearance/dirfile"
)

// serveHealth answers /healthz: the process is alive and serving HTTP.
func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	s.text(w, http.StatusOK, "ok\n")
}

// serveReady answers /readyz: 200 when at least one CTI connection is up
// and the SIP server listens, else 503 with one reason a line.
func (s *Server) serveReady(w http.ResponseWriter, _ *http.Request) {
	reasons := s.notReady()
	if len(reasons) == 0 {
		s.text(w, http.StatusOK, "ready\n")
		return
	}
	s.text(w, http.StatusServiceUnavailable, "not ready: "+strings.Join(reasons, "\n")+"\n")
}

// notReady returns why the gateway cannot take sessions, nil when it can.
func (s *Server) notReady() []string {
	var reasons []string
	cti := s.src.CTIStats()
	if cti.Healthy == 0 {
		var eps []string
		for _, ep := range cti.Endpoints {
			d := ep.Name + " " + ep.State.String()
			if ep.LastError != nil && ep.State != ctipool.StateUp {
				d += " (" + ep.LastError.Error() + ")"
			}
			eps = append(eps, d)
		}
		r := "no CTI connection is up"
		if len(eps) > 0 {
			r += ": " + strings.Join(eps, ", ")
		}
		reasons = append(reasons, r)
	}
	if !s.src.SIPListening() {
		reasons = append(reasons, "SIP server is not listening")
	}
	return reasons
}

// Reload results, the values of rcc_directory_reloads_total's result
// label.
const (
	reloadOK      = "ok"
	reloadInvalid = "invalid"
	reloadFailed  = "error"
)

// reloadResult classifies a ReloadDirectory error.
func reloadResult(err error) string {
	switch {
	case err == nil:
		return reloadOK
	case errors.Is(err, lineappearance.ErrInvalid), errors.Is(err, dirfile.ErrUnknownFormat):
		return reloadInvalid
	}
	return reloadFailed
}

// ReloadSummary is what a successful reload did.
type ReloadSummary struct {
	// Directory is the new directory's counts.
	Directory lineappearance.Stats
	// Ended is how many sessions were ended because the new directory no
	// longer grants their line appearance.
	Ended int
}

// Reload reloads the directory through the Source and counts the outcome
// in rcc_directory_reloads_total. It returns the Source's error: one
// wrapping lineappearance.ErrInvalid or ErrUnknownFormat means the file
// failed validation and the old directory stays. POST /-/reload calls it;
// so should the gateway's SIGHUP handler, so that the metric counts every
// reload.
func (s *Server) Reload(ctx context.Context) (ReloadSummary, error) {
	ended, err := s.src.ReloadDirectory(ctx)
	s.metrics.reloads.WithLabelValues(reloadResult(err)).Inc()
	if err != nil {
		return ReloadSummary{}, err
	}
	return ReloadSummary{Directory: s.src.DirectoryStats(), Ended: ended}, nil
}

// serveReload answers POST /-/reload: 200 with the new directory's counts,
// 422 when the file failed validation, 500 for other failures, each with
// the error text.
func (s *Server) serveReload(w http.ResponseWriter, r *http.Request) {
	sum, err := s.Reload(r.Context())
	switch reloadResult(err) {
	case reloadOK:
		st := sum.Directory
		s.text(w, http.StatusOK, fmt.Sprintf(
			"directory reloaded: generation %d, %d users, %d lines, %d devices, %d appearances; %d sessions ended\n",
			st.Generation, st.Users, st.Lines, st.Devices, st.Appearances, sum.Ended))
	case reloadInvalid:
		s.text(w, http.StatusUnprocessableEntity, "directory refused, the old one stays: "+err.Error()+"\n")
	default:
		s.text(w, http.StatusInternalServerError, "directory reload failed: "+err.Error()+"\n")
	}
}

// text writes a plain text response.
func (s *Server) text(w http.ResponseWriter, code int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	if _, err := w.Write([]byte(body)); err != nil {
		s.log.Debug("writing response", "err", err)
	}
}
