package admin

import "time"

// SetNow replaces the server's clock.
func SetNow(s *Server, now func() time.Time) { s.now = now }
