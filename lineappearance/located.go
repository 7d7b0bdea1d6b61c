package lineappearance

import "github.com/rcc-go/rcc/lineappearance/internal/located"

// The directory file loader, package dirfile, decodes a file into a Data
// and the places of its elements, and validates and installs it through
// these hooks, so that every problem is reported with its line and column
// and a file is validated and indexed once.
func init() {
	located.Validate = func(data any, p *located.Places) error {
		_, err := build(data.(*Data), p)
		return err
	}
	located.NewStore = func(opts any, decode located.Decode) (any, error) {
		s, err := newStore(opts.(Options))
		if err != nil {
			return nil, err
		}
		snap, err := decodeSnapshot(decode)
		if err != nil {
			return nil, err
		}
		snap.gen = 1
		s.cur.Store(snap)
		return s, nil
	}
	located.Replace = func(store any, decode located.Decode) error {
		snap, err := decodeSnapshot(decode)
		if err != nil {
			return err
		}
		store.(*Store).swap(snap)
		return nil
	}
}

// decodeSnapshot decodes a directory and validates and indexes it.
func decodeSnapshot(decode located.Decode) (*snapshot, error) {
	data, p, err := decode()
	if err != nil {
		return nil, err
	}
	return build(data.(*Data), p)
}
