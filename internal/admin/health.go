package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/lineappearance"
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
	case errors.Is(err, lineappearance.ErrInvalid), errors.Is(err, lineappearance.ErrUnknownFormat):
		return reloadInvalid
	}
	return reloadFailed
}

// Reload reloads the directory through the Source, logs the outcome (Info
// when the new directory is in place, Warn with the reason when it was
// refused) and counts it in rcc_directory_reloads_total. It returns the
// directory's counts after the reload, and the Source's error: one
// wrapping lineappearance.ErrInvalid or ErrUnknownFormat means the file
// failed validation and the old directory stays. The gateway's SIGHUP
// handler calls it as POST /-/reload does, so that both show alike in
// logs and metrics; trigger names the caller in the log ("signal",
// "http").
func (s *Server) Reload(ctx context.Context, trigger string) (lineappearance.Stats, error) {
	err := s.src.ReloadDirectory(ctx)
	res := reloadResult(err)
	s.metrics.reloads.WithLabelValues(res).Inc()
	st := s.src.DirectoryStats()
	if err != nil {
		msg := "directory reload failed"
		if res == reloadInvalid {
			msg = "directory reload refused, the old directory stays"
		}
		s.log.Warn(msg, "trigger", trigger, "generation", st.Generation, "err", err)
		return st, err
	}
	s.log.Info("directory reloaded", "trigger", trigger, "generation", st.Generation,
		"users", st.Users, "lines", st.Lines, "devices", st.Devices, "appearances", st.Appearances)
	return st, nil
}

// serveReload answers POST /-/reload: 200 with the new directory's counts,
// 422 when the file failed validation, 500 for other failures, each with
// the error text.
func (s *Server) serveReload(w http.ResponseWriter, r *http.Request) {
	st, err := s.Reload(r.Context(), "http")
	switch reloadResult(err) {
	case reloadOK:
		s.text(w, http.StatusOK, fmt.Sprintf(
			"directory reloaded: generation %d, %d users, %d lines, %d devices, %d appearances\n",
			st.Generation, st.Users, st.Lines, st.Devices, st.Appearances))
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
