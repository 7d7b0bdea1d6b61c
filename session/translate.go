package session

import (
	"encoding/xml"
	"strings"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/lineappearance"
)

// destinations are the request fields (WalkDevices paths) that name a
// number to call or forward to, with the CSTA error a bad one gets. Every
// other device in a request, connections included, must be the session's
// own device.
var destinations = map[string]error{
	"calledDirectoryNumber": csta.ErrInvalidCalledDevice,
	"consultedDevice":       csta.ErrInvalidDestination,
	"transferredTo":         csta.ErrInvalidDestination,
	"newDestination":        csta.ErrInvalidDestination,
	"forwardDN":             csta.ErrInvalidForwardingDestination,
}

// isOwn reports whether a device identifier from the client designates the
// session's own line appearance: the session's Line URI byte for byte, the
// CTI key of its line, or a Line URI that the directory resolves, for the
// session's user, to the same appearance.
func (s *Session) isOwn(id string) bool {
	if id == s.line || id == s.key {
		return true
	}
	u, err := lineappearance.ParseLineURI(strings.TrimSpace(id))
	if err != nil || u.Number != s.app.Line.DN {
		return false
	}
	app, err := s.m.cfg.Directory.Resolve(s.user, u)
	return err == nil && sameAppearance(app, s.app)
}

func sameAppearance(a, b lineappearance.Appearance) bool {
	return a.Line == b.Line && strings.EqualFold(a.Device, b.Device)
}

// destination returns what the CTI side dials for a destination the client
// names: the line key for a Line URI that names a partition, otherwise
// lineappearance.DialString.
func destination(id string) (string, error) {
	if u, err := lineappearance.ParseLineURI(strings.TrimSpace(id)); err == nil && u.Partition != "" {
		return u.Line().Key(), nil
	}
	return lineappearance.DialString(strings.TrimSpace(id))
}

// toCTI checks that a request acts only on the session's own device and
// translates it for the CTI side in place: the own device becomes the
// line's CTI key, destinations become dial strings, and a connection
// without a device gets the own device (handle has already taken the
// lcs:line out with takeLine). It returns the CSTA error to refuse the
// request with, in which case nothing must be sent.
func (s *Session) toCTI(req csta.Request) error {
	var refusal error
	csta.WalkConnections(req, func(_ string, c *csta.ConnectionID) {
		if refusal != nil || c.DeviceID.ID != "" {
			return
		}
		if c.DynamicID != "" {
			// A CTI-side identifier the gateway cannot check.
			refusal = csta.ErrPrivilegeViolation
			return
		}
		c.DeviceID = csta.Device(s.key)
	})
	csta.WalkDevices(req, func(path string, d *csta.DeviceID) {
		if refusal != nil {
			return
		}
		if bad, ok := destinations[path]; ok {
			n, err := destination(d.ID)
			if err != nil {
				refusal = bad
				return
			}
			d.ID = n
			return
		}
		if !s.isOwn(d.ID) {
			refusal = csta.ErrPrivilegeViolation
			return
		}
		d.ID = s.key
	})
	return refusal
}

// takeLine checks the lcs:line Line URIs (Microsoft's RCC extension) a
// request carries and removes them: it reports false when one names
// another line than the session's own, or when an extensions element
// carries more than one (the codec takes the first as the Line URI and
// would keep the others as private data, which would go to the CTI
// server). A Line URI means nothing to the CTI server, which knows the
// device by the line's key.
func (s *Session) takeLine(req csta.Request) bool {
	own := true
	csta.WalkExtensions(req, func(_ string, x *csta.Extensions) {
		if (x.Line != "" && !s.isOwn(x.Line)) || extraLine(x) {
			own = false
		}
		x.Line = ""
	})
	return own
}

// extraLine reports whether the private data of x holds an lcs:line
// element besides the one taken as x.Line.
func extraLine(x *csta.Extensions) bool {
	for _, raw := range x.Private {
		d := xml.NewDecoder(strings.NewReader(string(raw)))
		for {
			tok, err := d.Token()
			if err != nil {
				break
			}
			if se, ok := tok.(xml.StartElement); ok {
				if se.Name.Local == "line" && (se.Name.Space == csta.NamespaceRCC || se.Name.Space == "lcs") {
					return true
				}
				break
			}
		}
	}
	return false
}

// toClient translates a response or event from the CTI side for the
// client in place: the own line's key becomes the session's Line URI
// exactly, every other party a "tel:" URI (lineappearance.PartyURI).
func (s *Session) toClient(m csta.Message) {
	csta.WalkDevices(m, func(_ string, d *csta.DeviceID) {
		if d.ID == s.key {
			d.ID = s.line
		} else {
			d.ID = lineappearance.PartyURI(d.ID)
		}
	})
}
