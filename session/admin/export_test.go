package admin

import "time"

// SetNow replaces the server's clock.
func SetNow(s *Server, now func() time.Time) { s.now = now }

// SetStarted replaces the time the server counts its uptime from.
func SetStarted(s *Server, t time.Time) { s.started = t }
