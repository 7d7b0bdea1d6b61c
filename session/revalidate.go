package session

import (
	"fmt"

	"github.com/rcc-go/rcc/lineappearance"
)

// Revalidate checks every open session against the directory, as after a
// directory reload: a session whose user may no longer control its line
// appearance, or whose Line URI now resolves to another appearance, is ended
// (its sink is told to End("directory changed"), its monitor stopped) with
// ErrAppearanceGone. It returns how many sessions it ended. Sessions opened
// while it runs are checked by their own open against the new directory.
func (m *Manager) Revalidate() int {
	m.mu.Lock()
	all := make([]*Session, 0, len(m.sessions))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	ended := 0
	for _, s := range all {
		if err := s.stillGranted(); err != nil {
			if s.close(fmt.Errorf("%w: %w", ErrAppearanceGone, err), "directory changed", false) {
				ended++
			}
		}
	}
	return ended
}

// stillGranted resolves the session's Line URI for its user again and
// reports why the result is not the session's appearance.
func (s *Session) stillGranted() error {
	u, err := lineappearance.ParseLineURI(s.line)
	if err != nil {
		return err
	}
	app, err := s.m.cfg.Directory.Resolve(s.user, u)
	if err != nil {
		return err
	}
	if !sameAppearance(app, s.app) {
		return fmt.Errorf("now resolves to %s", app)
	}
	return nil
}
