package dialect

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rcc-go/rcc/csta"
)

// Names of the dialects.
const (
	// ECMA354 is plain ECMA-323 in an ECMA-354 application session, the
	// default.
	ECMA354 = "ecma354"
	// OpenScapeVoice is Unify (Siemens) OpenScape Voice.
	OpenScapeVoice = "openscape-voice"
	// OpenScapeBusiness is Unify OpenScape Business (formerly HiPath 3000).
	OpenScapeBusiness = "openscape-business"
	// AvayaDMCC is Avaya Aura Application Enablement Services, Device,
	// Media and Call Control XML interface.
	AvayaDMCC = "avaya-dmcc"
)

// Vendor namespaces.
const (
	// NamespaceAvaya is Avaya's namespace for DMCC's own requests
	// (GetDeviceId, ReleaseDeviceId, SessionLoginInfo, ...).
	NamespaceAvaya = "http://www.avaya.com/csta"
	// NamespaceSiemens is the namespace of Siemens/Unify private data
	// (<private xmlns:scx="...">).
	NamespaceSiemens = "http://www.siemens.com/schema/csta"
	// NamespaceDMCC61 is the protocol version DMCC 6.1 and later accept:
	// ECMA-323 ed3 with Avaya's private data version 5.
	NamespaceDMCC61 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3/priv5"
)

// Session is how a client opens its session with the server.
type Session int

const (
	// SessionECMA354 is ECMA-354 StartApplicationSession, without login.
	SessionECMA354 Session = iota
	// SessionSystemRegister is OpenScape Voice's: no application session;
	// the server speaks first with SystemStatus, the client answers it
	// and registers with SystemRegister.
	SessionSystemRegister
	// SessionLogin is ECMA-354 StartApplicationSession carrying the
	// credentials in applicationInfo/applicationSpecificInfo, in the form
	// the dialect's Login names.
	SessionLogin
)

// Login is the form credentials take in applicationSpecificInfo.
type Login int

const (
	// LoginNone carries no credentials.
	LoginNone Login = iota
	// LoginUserPassword is OpenScape Business's <user> and <password>
	// children of applicationSpecificInfo.
	LoginUserPassword
	// LoginSessionLoginInfo is Avaya's <SessionLoginInfo> in
	// NamespaceAvaya, with userName, password and sessionCleanupDelay.
	LoginSessionLoginInfo
)

// IDForm is the form of the device or call identifiers a dialect puts on
// the wire.
type IDForm int

const (
	// IDPlain leaves identifiers as the directory has them.
	IDPlain IDForm = iota
	// IDOpenScape writes party devices as N<number>;noa=... and call IDs
	// as 32 hexadecimal digits, as OpenScape Voice does.
	IDOpenScape
	// IDDMCC writes devices as extension:switch:ip:instance, as DMCC's
	// GetDeviceId returns them.
	IDDMCC
)

// Dialect describes everything a client of one kind of PBX sees on a CSTA
// XML over TCP link. It is data: the client (package cstatcp) and the fake
// server (package ctitest) both read it, so both always speak the same
// set. Treat a Dialect returned by Lookup as read-only.
type Dialect struct {
	// Name is the dialect's name, as Lookup takes it.
	Name string
	// Title is a human-readable name.
	Title string
	// ProtocolVersion is the CSTA namespace the client asks for and the
	// fake grants: the namespace of every CSTA message after the
	// handshake.
	ProtocolVersion string
	// Session is how the session opens.
	Session Session
	// Login is the form of the credentials.
	Login Login
	// ServerSpeaksFirst: the server sends SystemStatus as soon as the
	// connection is accepted, and the client waits for it.
	ServerSpeaksFirst bool
	// ServerHeartbeat is the interval at which the server sends
	// SystemStatus, which the client must answer; zero sends none.
	ServerHeartbeat time.Duration
	// ClientResetsTimer: the client keeps its ECMA-354 session with
	// ResetApplicationSessionTimer.
	ClientResetsTimer bool
	// VendorNamespace is the namespace of the dialect's own requests and
	// private data, empty for none.
	VendorNamespace string
	// ServerInvokeIDs is the inclusive range of invoke IDs the server
	// uses for its own requests (SystemStatus); {0, 0} shares the
	// client's range 1..9998, as the fake did before dialects.
	ServerInvokeIDs [2]int
	// DeviceIDs and CallIDs are the forms of identifiers on the wire.
	DeviceIDs, CallIDs IDForm
	// DeviceIDService: the client must ask for a device ID
	// (GetDeviceId) before using a device, and release it
	// (ReleaseDeviceId) when done; a number to dial gets its device ID
	// from GetThirdPartyDeviceId.
	DeviceIDService bool
	// Port is the TCP port servers of this kind usually listen on.
	Port int
	// Services lists the dialect's own requests, beyond ECMA-323: the
	// fake serves exactly these and answers every other unknown request
	// with CSTAErrorCode operation/serviceNotSupported.
	Services []string
	// Lacks names the ECMA-269 services and events of the remote call
	// control profile that the dialect's PBX does not offer, by their
	// capability names as GetCSTAFeatures lists them ("deflectCall",
	// "doNotDisturb"); see Narrow. None of the four dialects' sources
	// documents such a gap, so all four leave it empty: it is there for a
	// PBX, or a release of one, that lacks a service.
	Lacks []string
	// Sources names the public sources each behaviour was learnt from.
	Sources []string
}

var dialects = map[string]*Dialect{
	ECMA354: {
		Name:              ECMA354,
		Title:             "ECMA-323 in an ECMA-354 application session",
		ProtocolVersion:   csta.NamespaceEd3,
		Session:           SessionECMA354,
		ClientResetsTimer: true,
		Port:              2748,
		Services:          []string{"SystemRegister"},
		Sources: []string{
			"ECMA-323 and ECMA-354 (application session), ECMA TR/88; SystemRegister is ECMA-269's System Register service",
		},
	},
	OpenScapeVoice: {
		Name:              OpenScapeVoice,
		Title:             "Unify OpenScape Voice",
		ProtocolVersion:   csta.NamespaceEd4,
		Session:           SessionSystemRegister,
		ServerSpeaksFirst: true,
		ServerHeartbeat:   60 * time.Second,
		VendorNamespace:   NamespaceSiemens,
		ServerInvokeIDs:   [2]int{9000, 9998},
		DeviceIDs:         IDOpenScape,
		CallIDs:           IDOpenScape,
		Port:              1040,
		Services:          []string{"SystemRegister"},
		Sources: []string{
			"OpenScape Voice V9 Interface Manual, Volume 4, CSTA Interface (A31003-H8090-T103)",
			"skarcos/pyssimist csta/CstaApplication.py (connect: SystemStatus first, SystemRegister), csta/CstaPool/*.xml",
		},
	},
	OpenScapeBusiness: {
		Name:              OpenScapeBusiness,
		Title:             "Unify OpenScape Business",
		ProtocolVersion:   csta.NamespaceEd4,
		Session:           SessionLogin,
		Login:             LoginUserPassword,
		ServerHeartbeat:   60 * time.Second,
		ClientResetsTimer: false,
		VendorNamespace:   NamespaceSiemens,
		ServerInvokeIDs:   [2]int{9000, 9998},
		Port:              8800,
		Sources: []string{
			"OpenScape Business V1 service manual (CSTA on port 8800, access protection of the CSTA links)",
			"psco-tech/gw-coach-recording-agent pbx/osbiz/pbx.go (user/password in applicationSpecificInfo, ed4), csta/system_services.go (answers the switch's SystemStatus)",
		},
	},
	AvayaDMCC: {
		Name:              AvayaDMCC,
		Title:             "Avaya AES Device, Media and Call Control (DMCC) XML",
		ProtocolVersion:   NamespaceDMCC61,
		Session:           SessionLogin,
		Login:             LoginSessionLoginInfo,
		ClientResetsTimer: true,
		VendorNamespace:   NamespaceAvaya,
		ServerInvokeIDs:   [2]int{9000, 9998},
		DeviceIDs:         IDDMCC,
		DeviceIDService:   true,
		Port:              4721,
		Services:          []string{"GetDeviceId", "GetThirdPartyDeviceId", "ReleaseDeviceId"},
		Sources: []string{
			"Avaya AES DMCC XML Programmer's Guide (SessionLoginInfo, GetDeviceId, ReleaseDeviceId, ports 4721/4722)",
			"f-me/dmcc src/DMCC/XML/Request.hs and Response.hs (ed3/priv5..priv7, SessionLoginInfo, GetDeviceId, ReleaseDeviceId)",
			"psco-tech/gw-coach-recording-agent pbx/avaya/aes.go, csta/dmcc_services.go; rresender/csta-integration cti/provider/messages.go",
		},
	},
}

// Lookup returns the dialect named name; "" names ECMA354.
func Lookup(name string) (*Dialect, error) {
	if name == "" {
		name = ECMA354
	}
	d, ok := dialects[name]
	if !ok {
		return nil, fmt.Errorf("dialect: unknown dialect %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return d, nil
}

// Default returns the ECMA354 dialect.
func Default() *Dialect { return dialects[ECMA354] }

// Names returns the names of the dialects, sorted.
func Names() []string {
	names := make([]string, 0, len(dialects))
	for n := range dialects {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// String returns the dialect's name.
func (d *Dialect) String() string { return d.Name }

// Narrow returns f without the services and events the dialect's PBX
// lacks (Lacks): what a gateway may advertise and forward to it. f is not
// modified.
func (d *Dialect) Narrow(f csta.Features) csta.Features {
	out := csta.Features{Services: f.Services.Clone(), Events: f.Events.Clone()}
	out.Services.Remove(d.Lacks...)
	out.Events.Remove(d.Lacks...)
	return out
}

// Serves reports whether name is one of the dialect's own requests.
func (d *Dialect) Serves(name string) bool {
	for _, s := range d.Services {
		if s == name {
			return true
		}
	}
	return false
}

// Accepts reports whether a client's requested protocol version is one
// the dialect's server grants: an ECMA-323 edition 3 to 6 namespace for
// ECMA354, the same edition as ProtocolVersion for OpenScape, and an
// ed3 "privN" version for DMCC.
func (d *Dialect) Accepts(version string) bool {
	e := csta.Edition(version)
	switch d.Name {
	case AvayaDMCC:
		return e == 3 && strings.Contains(version, "/ed3/priv")
	case ECMA354:
		// ECMA-323's own namespaces only: a vendor version such as
		// DMCC's ".../ed3/priv5" is another dialect.
		return e >= 3 && e <= 6 && !strings.Contains(version, "/priv")
	default:
		return e == csta.Edition(d.ProtocolVersion)
	}
}
