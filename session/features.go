package session

import (
	"context"
	"errors"
	"slices"

	"github.com/rcc-go/rcc/csta"
)

// Capable is an optional interface of a [Link] or of the [CTI] it came
// from: what the CTI back end can do, for instance what the dialect of the
// PBX behind it supports. A session offers a client only the services and
// events its link's Capabilities list (the link's, else the CTI's), and
// refuses the requests they leave out. A CTI and link without
// Capabilities limit nothing. Capabilities is called for every request:
// it should return a prepared value, and must be safe for concurrent use.
type Capable interface {
	Capabilities() csta.Features
}

// ownServices are the services the gateway answers itself, whatever the CTI
// side says of them.
var ownServices = []string{"getCSTAFeatures", "requestSystemStatus", "systemStatus"}

// alwaysAnswered are the requests a session answers even when they are not
// offered: feature exchange, system status, and the end of a monitor.
var alwaysAnswered = []string{"getCSTAFeatures", "requestSystemStatus", "systemStatus", "monitorStop"}

// supported is what Supported returns; never written after initialisation.
var supported = buildSupported()

// Supported returns every service and event a session implements: the
// requests Session.Handle answers or passes to the CTI side, and the
// events it passes to the client. It is the default of Config.Features.
func Supported() csta.Features {
	return csta.Features{Services: supported.Services.Clone(), Events: supported.Events.Clone()}
}

func buildSupported() csta.Features {
	f := csta.RCCFeatures()
	f.Services.Add(
		csta.ServiceCapability("getCSTAFeatures"),
		csta.ServiceCapability("clearCall"),
		csta.ServiceCapability("alternateCall"),
		csta.ServiceCapability("reconnectCall"),
	)
	f.Events.Add(
		csta.EventCapability("callCleared"),
		csta.EventCapability("netwReached"),
		csta.EventCapability("queued"),
		csta.EventCapability("digitsGenerated"),
	)
	return f
}

// capabilities returns what link's CTI back end can do, and whether it
// tells (see Capable).
func (m *Manager) capabilities(link Link) (csta.Features, bool) {
	if c, ok := link.(Capable); ok {
		return c.Capabilities(), true
	}
	if c, ok := m.cfg.CTI.(Capable); ok {
		return c.Capabilities(), true
	}
	return csta.Features{}, false
}

// allows reports whether a request for the service name may be served on
// link: Config.Features, the session and the link's capabilities all list
// it, and so does the CTI side's answer to GetCSTAFeatures when one is at
// hand (allows never asks for it).
func (m *Manager) allows(link Link, name string) bool {
	if !m.cfg.Features.Services.Supports(name) || !supported.Services.Supports(name) {
		return false
	}
	if caps, ok := m.capabilities(link); ok && !caps.Services.Supports(name) {
		return false
	}
	if slices.Contains(ownServices, name) {
		return true
	}
	if cti, ok := m.knownCTIFeatures(link); ok && !cti.Services.Supports(name) {
		return false
	}
	return true
}

// offered returns the features to offer a client on link: Config.Features
// intersected with what the session implements (Supported), with the
// link's capabilities (Capable) and with what the CTI side answers to
// GetCSTAFeatures, when it answers. The services the gateway answers
// itself (feature exchange, system status) do not depend on the CTI side.
func (m *Manager) offered(ctx context.Context, link Link) csta.Features {
	f := m.cfg.Features.Intersect(supported)
	if caps, ok := m.capabilities(link); ok {
		f = f.Intersect(caps)
	}
	cti, ok := m.ctiFeatures(ctx, link)
	if !ok {
		return f
	}
	var own []csta.Capability
	for _, name := range ownServices {
		if c, ok := f.Services.Get(name); ok {
			own = append(own, c)
		}
	}
	f = f.Intersect(cti)
	f.Services.Add(own...)
	return f
}

// featureEntry caches what one CTI endpoint reports in GetCSTAFeatures,
// for one generation.
type featureEntry struct {
	gen   uint64
	ready chan struct{} // closed once f and ok are set
	f     csta.Features
	ok    bool
}

// knownCTIFeatures returns what link's CTI side answered to
// GetCSTAFeatures in link's generation, when that answer is at hand.
func (m *Manager) knownCTIFeatures(link Link) (csta.Features, bool) {
	ep, gen := link.Endpoint(), link.Generation()
	m.featMu.Lock()
	e := m.feats[ep]
	m.featMu.Unlock()
	if e == nil || e.gen != gen {
		return csta.Features{}, false
	}
	select {
	case <-e.ready:
		return e.f, e.ok
	default:
		return csta.Features{}, false
	}
}

// ctiFeatures returns what link's CTI side answers to GetCSTAFeatures,
// asking it once per generation; ok is false when it could not tell. The
// result is shared: do not modify it.
func (m *Manager) ctiFeatures(ctx context.Context, link Link) (csta.Features, bool) {
	ep, gen := link.Endpoint(), link.Generation()
	m.featMu.Lock()
	e := m.feats[ep]
	if e != nil && e.gen == gen {
		m.featMu.Unlock()
		select {
		case <-e.ready:
			return e.f, e.ok
		case <-ctx.Done():
			return csta.Features{}, false
		}
	}
	e = &featureEntry{gen: gen, ready: make(chan struct{})}
	m.feats[ep] = e
	m.featMu.Unlock()

	resp, err := link.Do(ctx, &csta.GetCSTAFeatures{})
	if fr, isFeatures := resp.(*csta.GetCSTAFeaturesResponse); err == nil && isFeatures {
		e.f = csta.Features{Services: fr.Features.Services.Clone(), Events: fr.Features.Events.Clone()}
		e.ok = true
	}
	var ce *csta.Error
	if e.ok || errors.As(err, &ce) {
		// An answer, or a CSTA error (the CTI side does not tell): keep it
		// for the generation.
		close(e.ready)
		return e.f, e.ok
	}
	// A link failure or a timeout: ask again next time.
	m.featMu.Lock()
	if m.feats[ep] == e {
		delete(m.feats, ep)
	}
	m.featMu.Unlock()
	close(e.ready)
	return csta.Features{}, false
}

// offeredService reports whether the session may serve req: requests
// outside the features the session offers (see Manager.offered) are
// refused, but for those it always answers (alwaysAnswered).
func (s *Session) offeredService(req csta.Request) bool {
	name, ok := csta.CapabilityName(req)
	if !ok || slices.Contains(alwaysAnswered, name) {
		return true
	}
	s.mu.Lock()
	link := s.link
	s.mu.Unlock()
	return link == nil || s.m.allows(link, name)
}
