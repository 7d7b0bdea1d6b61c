package dialect

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/rcc-go/rcc/csta"
)

// Root returns the local name and namespace of a document's root element,
// looking inside a SOAP envelope's Body. ok is false when data is not
// well-formed up to its root element.
func Root(data []byte) (name, namespace string, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(data))
	soap := false
	for range 64 {
		tok, err := d.RawToken()
		if err != nil {
			return "", "", false
		}
		se, isStart := tok.(xml.StartElement)
		if !isStart {
			continue
		}
		ns := namespaceOf(se)
		switch {
		case se.Name.Local == "Envelope" && !soap && (ns == csta.NamespaceSOAP11 || ns == csta.NamespaceSOAP12):
			soap = true
			continue
		case soap && se.Name.Local == "Header":
			if d.Skip() != nil {
				return "", "", false
			}
			continue
		case soap && se.Name.Local == "Body":
			continue
		}
		return se.Name.Local, ns, true
	}
	return "", "", false
}

// namespaceOf resolves the namespace of a raw start element from its own
// declarations, which is where CSTA documents put them.
func namespaceOf(se xml.StartElement) string {
	want := "xmlns"
	if se.Name.Space != "" {
		want = se.Name.Space
	}
	for _, a := range se.Attr {
		if (want == "xmlns" && a.Name.Space == "" && a.Name.Local == "xmlns") ||
			(want != "xmlns" && a.Name.Space == "xmlns" && a.Name.Local == want) {
			return a.Value
		}
	}
	return ""
}

// Field returns the text of the first element named local (in any
// namespace) in data, and whether there is one.
func Field(data []byte, local string) (string, bool) {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return "", false
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == local {
			var s string
			if err := d.DecodeElement(&s, &se); err != nil {
				return "", false
			}
			return strings.TrimSpace(s), true
		}
	}
}

// ErrNoCredentials reports an applicationSpecificInfo without the
// credentials the dialect expects.
var ErrNoCredentials = errors.New("dialect: no credentials in applicationSpecificInfo")

// LoginInfo returns the applicationSpecificInfo element carrying user and
// password in the dialect's form, or "" for a dialect without login.
func (d *Dialect) LoginInfo(user, password string) csta.RawXML {
	var b strings.Builder
	switch d.Login {
	case LoginUserPassword:
		b.WriteString("<applicationSpecificInfo><user>")
		escape(&b, user)
		b.WriteString("</user><password>")
		escape(&b, password)
		b.WriteString("</password></applicationSpecificInfo>")
	case LoginSessionLoginInfo:
		b.WriteString(`<applicationSpecificInfo><acx:SessionLoginInfo xmlns:acx="` + NamespaceAvaya + `"><acx:userName>`)
		escape(&b, user)
		b.WriteString("</acx:userName><acx:password>")
		escape(&b, password)
		b.WriteString("</acx:password><acx:sessionCleanupDelay>60</acx:sessionCleanupDelay></acx:SessionLoginInfo></applicationSpecificInfo>")
	default:
		return ""
	}
	return csta.RawXML(b.String())
}

// Credentials returns the user and password an applicationSpecificInfo
// element carries in the dialect's form: <user> or <userName> and
// <password>, in any namespace (Avaya's clients differ in whether they
// qualify SessionLoginInfo). It fails with ErrNoCredentials when there is
// no user name.
func (d *Dialect) Credentials(info csta.RawXML) (user, password string, err error) {
	if info == "" {
		return "", "", ErrNoCredentials
	}
	data := []byte(info)
	user, ok := Field(data, "userName")
	if !ok {
		user, ok = Field(data, "user")
	}
	if !ok || user == "" {
		return "", "", ErrNoCredentials
	}
	password, _ = Field(data, "password")
	return user, password, nil
}

func escape(b *strings.Builder, s string) {
	_ = xml.EscapeText(writerFunc(func(p []byte) (int, error) { b.Write(p); return len(p), nil }), []byte(s))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

var _ io.Writer = writerFunc(nil)

const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>`

// element writes <name xmlns="ns">children</name>.
func element(name, ns string, children ...string) []byte {
	var b strings.Builder
	b.WriteString(xmlDecl)
	b.WriteString("<" + name)
	if ns != "" {
		b.WriteString(` xmlns="`)
		escape(&b, ns)
		b.WriteString(`"`)
	}
	if len(children) == 0 {
		b.WriteString("/>")
		return []byte(b.String())
	}
	b.WriteString(">")
	for _, c := range children {
		b.WriteString(c)
	}
	b.WriteString("</" + name + ">")
	return []byte(b.String())
}

// text returns <name>escaped value</name>.
func text(name, value string) string {
	var b strings.Builder
	b.WriteString("<" + name + ">")
	escape(&b, value)
	b.WriteString("</" + name + ">")
	return b.String()
}

// SystemRegister returns OpenScape Voice's SystemRegister in namespace
// ns, asking for the server's SystemStatus requests.
func SystemRegister(ns string) []byte {
	return element("SystemRegister", ns,
		"<requestTypes><systemStatus>true</systemStatus><requestSystemStatus>false</requestSystemStatus></requestTypes>")
}

// SystemRegisterResponse returns the answer to SystemRegister.
func SystemRegisterResponse(ns, registerID string) []byte {
	return element("SystemRegisterResponse", ns, text("sysStatRegisterID", registerID))
}

// GetDeviceId returns DMCC's GetDeviceId for extension on switchName.
func GetDeviceId(switchName, extension string) []byte {
	var parts []string
	if switchName != "" {
		parts = append(parts, text("switchName", switchName))
	}
	parts = append(parts, text("extension", extension), text("controllableByOtherSessions", "true"))
	return element("GetDeviceId", NamespaceAvaya, parts...)
}

// GetDeviceIdResponse returns DMCC's answer to GetDeviceId.
func GetDeviceIdResponse(device string) []byte {
	return element("GetDeviceIdResponse", NamespaceAvaya,
		`<device typeOfNumber="other" mediaClass="notKnown">`+escaped(device)+`</device>`)
}

// GetThirdPartyDeviceId returns DMCC's GetThirdPartyDeviceId, the device
// ID of a number that is not a station the application controls, such
// as the destination of MakeCall.
func GetThirdPartyDeviceId(switchName, extension string) []byte {
	var parts []string
	if switchName != "" {
		parts = append(parts, text("switchName", switchName))
	}
	parts = append(parts, text("extension", extension))
	return element("GetThirdPartyDeviceId", NamespaceAvaya, parts...)
}

// GetThirdPartyDeviceIdResponse returns DMCC's answer to
// GetThirdPartyDeviceId.
func GetThirdPartyDeviceIdResponse(device string) []byte {
	return element("GetThirdPartyDeviceIdResponse", NamespaceAvaya,
		`<device typeOfNumber="other" mediaClass="notKnown">`+escaped(device)+`</device>`)
}

// ReleaseDeviceId returns DMCC's ReleaseDeviceId for device.
func ReleaseDeviceId(device string) []byte {
	return element("ReleaseDeviceId", NamespaceAvaya,
		`<device typeOfNumber="other" mediaClass="notKnown">`+escaped(device)+`</device>`)
}

// ReleaseDeviceIdResponse returns DMCC's answer to ReleaseDeviceId.
func ReleaseDeviceIdResponse() []byte {
	return element("ReleaseDeviceIdResponse", NamespaceAvaya)
}

func escaped(s string) string {
	var b strings.Builder
	escape(&b, s)
	return b.String()
}

// ErrorAnswer returns a CSTAErrorCode document in namespace ns for code,
// for answers built outside package csta's codec.
func ErrorAnswer(ns string, code csta.ErrorCode) []byte {
	m := csta.NewErrorResponse(code)
	m.Header = csta.Header{Namespace: ns, NoNamespace: ns == ""}
	b, err := csta.Encode(m)
	if err != nil { // a code from ErrorCodeOf always encodes
		return element("CSTAErrorCode", ns, "<unspecified/>")
	}
	return b
}
