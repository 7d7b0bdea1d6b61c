package csta

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ed3 = `xmlns="` + NamespaceEd3 + `"`

func TestDecodeHostile(t *testing.T) {
	deep := strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40)
	tests := []struct {
		name  string
		codec Codec
		doc   string
		err   error  // sentinel the error wraps, or nil for a *DecodeError
		msg   string // the error text, or "" to skip
	}{
		{name: "nil", doc: "", err: ErrEmpty, msg: "csta: empty document"},
		{name: "white space", doc: " \r\n\t ", err: ErrEmpty},
		{name: "BOM only", doc: "\xef\xbb\xbf", err: ErrEmpty},
		{name: "over the default size", doc: `<MakeCall ` + ed3 + `>` + strings.Repeat(" ", DefaultMaxSize) + `</MakeCall>`, err: ErrTooLarge},
		{name: "over a set size", codec: Codec{MaxSize: 64}, doc: `<MakeCall ` + ed3 + `><callingDevice>1</callingDevice></MakeCall>`, err: ErrTooLarge, msg: "csta: document too large: 123 bytes, limit 64"},
		{name: "over the default depth", doc: `<MakeCall>` + deep + `</MakeCall>`, err: ErrTooDeep},
		{name: "over a set depth", codec: Codec{MaxDepth: 3}, doc: `<MakeCall><callingDevice><a><b/></a></callingDevice></MakeCall>`, err: ErrTooDeep},
		{name: "doctype", doc: `<!DOCTYPE MakeCall><MakeCall/>`, err: ErrDTD},
		{name: "entity definition", doc: `<!DOCTYPE m [<!ENTITY a "aaaa">]><MakeCall>&a;</MakeCall>`, err: ErrDTD},
		{name: "billion laughs", doc: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`, err: ErrDTD},
		{name: "external entity", doc: `<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><MakeCall><callingDevice>&xxe;</callingDevice></MakeCall>`, err: ErrDTD},
		{name: "directive inside", doc: `<MakeCall><!ELEMENT x ANY></MakeCall>`, err: ErrDTD},
		{name: "lower-case doctype", doc: `<!doctype x><MakeCall/>`, err: ErrDTD},
		{name: "doctype after comment and PI", doc: `<?xml version="1.0"?><!-- a --><?pi x?><!DOCTYPE x><MakeCall/>`, err: ErrDTD},
		{name: "directive after CDATA", doc: `<MakeCall><![CDATA[x]]><!ENTITY a "b"></MakeCall>`, err: ErrDTD},
		{name: "unclosed comment", doc: `<MakeCall><!-- <!DOCTYPE x></MakeCall>`, err: ErrTruncated},
		{name: "undefined entity", doc: `<MakeCall><callingDevice>&xxe;</callingDevice></MakeCall>`, err: ErrMalformed, msg: "csta: malformed XML: line 1: invalid character entity &xxe;"},
		{name: "invalid UTF-8", doc: "<MakeCall><callingDevice>\xc3\x28</callingDevice></MakeCall>", err: ErrInvalidUTF8, msg: "csta: document is not valid UTF-8: invalid byte at offset 25"},
		{name: "overlong UTF-8", doc: "<MakeCall>\xc0\xaf</MakeCall>", err: ErrInvalidUTF8},
		{name: "UTF-8 surrogate", doc: "<MakeCall>\xed\xa0\x80</MakeCall>", err: ErrInvalidUTF8},
		{name: "UTF-16", doc: "\xff\xfe<\x00M\x00/\x00>\x00", err: ErrInvalidUTF8},
		{name: "declared Latin-1", doc: `<?xml version="1.0" encoding="ISO-8859-1"?><MakeCall/>`, err: ErrInvalidUTF8, msg: `csta: document is not valid UTF-8: declared encoding "ISO-8859-1"`},
		{name: "truncated in a tag", doc: `<MakeCall ` + ed3 + `><callingDev`, err: ErrTruncated},
		{name: "truncated in text", doc: `<MakeCall ` + ed3 + `><callingDevice>100`, err: ErrTruncated},
		{name: "unclosed root", doc: `<MakeCall ` + ed3 + `><callingDevice>1</callingDevice>`, err: ErrTruncated},
		{name: "declaration only", doc: `<?xml version="1.0"?>`, err: ErrTruncated, msg: "csta: document is truncated: no root element"},
		{name: "mismatched end tag", doc: `<MakeCall><callingDevice>1</callingdevice></MakeCall>`, err: ErrMalformed, msg: "csta: malformed XML: line 1: element <callingDevice> closed by </callingdevice>"},
		{name: "stray end tag", doc: `</MakeCall>`, err: ErrMalformed},
		{name: "two roots", doc: `<MakeCall/><MakeCall/>`, err: ErrMalformed, msg: "csta: malformed XML: more than one root element"},
		{name: "text after root", doc: `<MakeCall/>junk`, err: ErrMalformed},
		{name: "text only", doc: `hello`, err: ErrMalformed},
		{name: "repeated attribute", doc: `<MakeCall><callingDevice typeOfNumber="a" typeOfNumber="b">1</callingDevice></MakeCall>`, err: ErrMalformed, msg: "csta: malformed XML: attribute typeOfNumber repeated on <callingDevice>"},
		{name: "control character", doc: `<MakeCall>&#1;</MakeCall>`, err: ErrMalformed},
		{name: "raw control character", doc: "<MakeCall>\x01</MakeCall>", err: ErrMalformed},
		{name: "unquoted attribute", doc: `<MakeCall a=b/>`, err: ErrMalformed},
		{name: "bad name", doc: `<1MakeCall/>`, err: ErrMalformed},
		{name: "XML 1.1", doc: `<?xml version="1.1"?><MakeCall/>`, err: ErrMalformed},
		{name: "foreign namespace", doc: `<MakeCall xmlns="urn:evil"/>`, err: ErrNamespace, msg: `csta: unsupported namespace: "urn:evil"`},
		{name: "SOAP without body", doc: `<e:Envelope xmlns:e="` + NamespaceSOAP11 + `"/>`, msg: "csta: Envelope: SOAP envelope without Body"},
		{name: "SOAP empty body", doc: `<e:Envelope xmlns:e="` + NamespaceSOAP11 + `"><e:Body/></e:Envelope>`, msg: "csta: Envelope/Body: empty SOAP body"},
		{name: "SOAP two messages", doc: `<e:Envelope xmlns:e="` + NamespaceSOAP12 + `"><e:Body><MakeCall/><MakeCall/></e:Body></e:Envelope>`, msg: "csta: Envelope/Body: more than one message in SOAP body"},
		{name: "SOAP bad message", doc: `<e:Envelope xmlns:e="` + NamespaceSOAP11 + `"><e:Body><MakeCall ` + ed3 + `><callingDevice>1</callingDevice></MakeCall></e:Body></e:Envelope>`, msg: "csta: MakeCall: missing calledDirectoryNumber"},
		{name: "missing element", doc: `<MakeCall ` + ed3 + `><callingDevice>1</callingDevice></MakeCall>`, msg: "csta: MakeCall: missing calledDirectoryNumber"},
		{name: "ClearCall without its call", doc: `<ClearCall ` + ed3 + `><correlatorData>1</correlatorData></ClearCall>`, msg: "csta: ClearCall: missing callToBeCleared"},
		{name: "empty device", doc: `<MakeCall ` + ed3 + `><callingDevice> </callingDevice><calledDirectoryNumber>2</calledDirectoryNumber></MakeCall>`, msg: "csta: MakeCall/callingDevice: empty device identifier"},
		{name: "empty connection", doc: `<AnswerCall><callToBeAnswered/></AnswerCall>`, msg: "csta: AnswerCall/callToBeAnswered: connection identifier has neither callID nor deviceID"},
		{name: "bad boolean", doc: `<HoldCall><callToBeHeld><callID>1</callID></callToBeHeld><connectionReservation>maybe</connectionReservation></HoldCall>`, msg: `csta: HoldCall/connectionReservation: not a boolean: "maybe"`},
		{name: "bad integer", doc: `<QueuedEvent><monitorCrossRefID>1</monitorCrossRefID><queuedConnection><callID>1</callID></queuedConnection><numberQueued>many</numberQueued></QueuedEvent>`, msg: `csta: QueuedEvent/numberQueued: not an integer: "many"`},
		{name: "integer overflow", doc: `<GenerateDigits><connectionToSendDigits><callID>1</callID></connectionToSendDigits><charactersToSend>1</charactersToSend><toneDuration>99999999999999999999999</toneDuration></GenerateDigits>`, msg: `csta: GenerateDigits/toneDuration: not an integer: "99999999999999999999999"`},
		{name: "event without cross reference", doc: `<DeliveredEvent><connection><callID>1</callID></connection></DeliveredEvent>`, msg: "csta: DeliveredEvent: missing monitorCrossRefID"},
		{name: "empty cross reference", doc: `<MonitorStop><monitorCrossRefID/></MonitorStop>`, msg: "csta: MonitorStop/monitorCrossRefID: empty value"},
		{name: "monitor object without choice", doc: `<MonitorStart><monitorObject><other/></monitorObject></MonitorStart>`, msg: "csta: MonitorStart/monitorObject: neither deviceObject nor callObject"},
		{name: "empty negative response", doc: `<StartApplicationSessionNegResponse><errorCode/></StartApplicationSessionNegResponse>`, msg: "csta: StartApplicationSessionNegResponse/errorCode: neither definedError nor applError"},
		{name: "session without application", doc: `<StartApplicationSession/>`, msg: "csta: StartApplicationSession: missing applicationInfo"},
		{name: "error without category", doc: `<CSTAErrorCode/>`, msg: "csta: CSTAErrorCode: no error category"},
		{name: "deep path", doc: `<TransferedEvent><monitorCrossRefID>1</monitorCrossRefID><primaryOldCall><callID>1</callID></primaryOldCall><transferredConnections><connectionListItem><newConnection/></connectionListItem></transferredConnections></TransferedEvent>`, msg: "csta: TransferedEvent/transferredConnections/connectionListItem/newConnection: connection identifier has neither callID nor deviceID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.codec.Decode([]byte(tt.doc))
			require.Error(t, err)
			assert.Nil(t, m)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
			} else {
				var de *DecodeError
				assert.ErrorAs(t, err, &de)
			}
			if tt.msg != "" {
				assert.EqualError(t, err, tt.msg)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "csta: "), err.Error())
		})
	}
}

// TestDecodeAccepts covers sloppy but valid input real peers send.
func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name, doc string
		check     func(t *testing.T, m Message)
	}{
		{"unknown children ignored and white space trimmed", `<MakeCall ` + ed3 + `><vendorThing><x/></vendorThing><callingDevice>
			1001 </callingDevice><calledDirectoryNumber>	2002</calledDirectoryNumber></MakeCall>`, func(t *testing.T, m Message) {
			v := as[*MakeCall](t, m)
			assert.Equal(t, Device("1001"), v.CallingDevice)
			assert.Equal(t, Device("2002"), v.CalledDirectoryNumber)
		}},
		{"children in any order", `<MakeCall><autoOriginate>prompt</autoOriginate><calledDirectoryNumber>2</calledDirectoryNumber><callingDevice>1</callingDevice></MakeCall>`, func(t *testing.T, m Message) {
			v := as[*MakeCall](t, m)
			assert.Equal(t, AutoOriginatePrompt, v.AutoOriginate)
			assert.True(t, v.NoNamespace)
		}},
		{"CDATA and comments", `<!-- hi --><MakeCall><callingDevice><![CDATA[tel:1001]]></callingDevice><!-- x --><calledDirectoryNumber>2<!--y--></calledDirectoryNumber></MakeCall>`, func(t *testing.T, m Message) {
			v := as[*MakeCall](t, m)
			assert.Equal(t, Device("tel:1001"), v.CallingDevice)
			assert.Equal(t, Device("2"), v.CalledDirectoryNumber)
		}},
		{"markup declarations quoted in comments and CDATA", `<!-- no <!DOCTYPE here --><MakeCall><?pi <!ENTITY?><callingDevice><![CDATA[<!DOCTYPE x>]]>1</callingDevice><calledDirectoryNumber>2</calledDirectoryNumber></MakeCall>`, func(t *testing.T, m Message) {
			assert.Equal(t, Device("<!DOCTYPE x>1"), as[*MakeCall](t, m).CallingDevice)
		}},
		{"empty SystemStatus heartbeat (OpenScape JAXB client)", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><ns3:SystemStatus xmlns:ns2="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns3="` + NamespaceEd4 + `"/>`, func(t *testing.T, m Message) {
			v := as[*SystemStatus](t, m)
			assert.Empty(t, v.SystemStatus)
			assert.Equal(t, NamespaceEd4, v.Namespace)
		}},
		{"RequestSystemStatusResponse without systemStatus", `<RequestSystemStatusResponse ` + ed3 + `/>`, func(t *testing.T, m Message) {
			assert.Empty(t, as[*RequestSystemStatusResponse](t, m).SystemStatus)
		}},
		{"BOM and declaration", "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<MonitorStop><monitorCrossRefID>1</monitorCrossRefID></MonitorStop>", func(t *testing.T, m Message) {
			assert.Equal(t, MonitorCrossRefID("1"), as[*MonitorStop](t, m).MonitorCrossRefID)
		}},
		{"misspelled Yealink namespace", `<MonitorStopResponse xmlns="http://www.ecmainternational.org/standards/ecma-323/csta/ed5"/>`, func(t *testing.T, m Message) {
			assert.Equal(t, 5, Edition(m.MessageHeader().Namespace))
		}},
		{"Avaya private version namespace", `<MonitorStopResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3/priv2"/>`, func(t *testing.T, m Message) {
			assert.Equal(t, 3, Edition(m.MessageHeader().Namespace))
		}},
		{"device straight in monitorObject", `<MonitorStart><monitorObject>tel:1001</monitorObject></MonitorStart>`, func(t *testing.T, m Message) {
			assert.Equal(t, Device("tel:1001"), as[*MonitorStart](t, m).MonitorObject.Device)
		}},
		{"party straight in element, missing parties", `<DeliveredEvent><monitorCrossRefID>1</monitorCrossRefID><connection><callID>1</callID></connection><callingDevice>2001</callingDevice></DeliveredEvent>`, func(t *testing.T, m Message) {
			v := as[*DeliveredEvent](t, m)
			assert.Equal(t, Known("2001"), v.CallingDevice)
			assert.Equal(t, ExtendedDeviceID{NotKnown: true}, v.AlertingDevice)
			assert.Equal(t, RedirectionDeviceID{NotKnown: true}, v.LastRedirectionDevice)
			assert.Empty(t, v.Cause)
		}},
		{"boolean spellings", `<HoldCall><callToBeHeld><callID>1</callID></callToBeHeld><connectionReservation> 1 </connectionReservation></HoldCall>`, func(t *testing.T, m Message) {
			assert.True(t, *as[*HoldCall](t, m).ConnectionReservation)
		}},
		{"unknown message kept", `<csta:ButtonPress xmlns:csta="` + NamespaceEd4 + `"><csta:device>1</csta:device></csta:ButtonPress>`, func(t *testing.T, m Message) {
			u := as[*Unknown](t, m)
			assert.Equal(t, "ButtonPress", u.MessageName())
			assert.Equal(t, RawXML(`<csta:ButtonPress xmlns:csta="`+NamespaceEd4+`"><csta:device>1</csta:device></csta:ButtonPress>`), u.Raw)
			out, err := Encode(u)
			require.NoError(t, err)
			assert.Equal(t, xmlDecl+string(u.Raw), string(out))
		}},
		{"lcs line with other private data", `<RequestSystemStatus ` + ed3 + `><extensions><privateData><private><a:x xmlns:a="urn:a">1</a:x><lcs:line xmlns:lcs="` + NamespaceRCC + `"> tel:1 </lcs:line></private><string>00ff</string></privateData><security/></extensions></RequestSystemStatus>`, func(t *testing.T, m Message) {
			x := as[*RequestSystemStatus](t, m).Extensions
			assert.Equal(t, "tel:1", x.Line)
			assert.Equal(t, []RawXML{`<a:x xmlns:a="urn:a">1</a:x>`}, x.Private)
			assert.Equal(t, []RawXML{`<string>00ff</string>`}, x.PrivateData)
			assert.Equal(t, []RawXML{`<security/>`}, x.Other)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode([]byte(tt.doc))
			require.NoError(t, err)
			tt.check(t, m)
			out, err := Encode(m)
			require.NoError(t, err)
			again, err := Decode(out)
			require.NoError(t, err)
			assert.Equal(t, m, again)
		})
	}
}

// TestDecodeEveryPrefix decodes every proper prefix of every sample: each
// must fail cleanly with one of the package's errors.
func TestDecodeEveryPrefix(t *testing.T) {
	sentinels := []error{ErrEmpty, ErrTruncated, ErrMalformed, ErrInvalidUTF8, ErrDTD}
	for file, data := range samples(t) {
		data = bytes.TrimRight(data, " \r\n\t")
		for n := 0; n < len(data); n++ {
			_, err := Decode(data[:n])
			if err == nil {
				t.Errorf("%s: prefix of %d bytes decoded", file, n)
				continue
			}
			ok := false
			for _, s := range sentinels {
				ok = ok || errors.Is(err, s)
			}
			if !ok {
				t.Errorf("%s: prefix of %d bytes: unexpected error %v", file, n, err)
			}
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		msg  string
	}{
		{"nil", nil, "csta: encode nil message"},
		{"missing device", &MakeCall{CalledDirectoryNumber: Device("2")}, "csta: encode MakeCall/callingDevice: required device identifier is empty"},
		{"empty connection", &AnswerCall{}, "csta: encode AnswerCall/callToBeAnswered: connection identifier is empty"},
		{"control character", &MakeCall{CallingDevice: Device("1\x00"), CalledDirectoryNumber: Device("2")}, "csta: encode MakeCall: control character in text"},
		{"invalid UTF-8", &MonitorStop{MonitorCrossRefID: "\xff"}, "csta: encode MonitorStop: invalid UTF-8 in text"},
		{"raw not well-formed", &MakeCall{CallingDevice: Device("1"), CalledDirectoryNumber: Device("2"), UserData: "<userData>"}, "csta: encode MakeCall/userData: raw XML is not well-formed"},
		{"raw wrong element", &MakeCall{CallingDevice: Device("1"), CalledDirectoryNumber: Device("2"), UserData: "<b/>"}, "csta: encode MakeCall/userData: raw XML is a <b> element"},
		{"raw two elements", &MakeCall{CallingDevice: Device("1"), CalledDirectoryNumber: Device("2"), UserData: "<userData/><userData/>"}, "csta: encode MakeCall/userData: raw XML is more than one element"},
		{"raw with DTD", &Unknown{Name: "X", Raw: `<!DOCTYPE x><X/>`}, "csta: encode X: raw XML has a directive"},
		{"unknown without raw", &Unknown{Name: "X"}, "csta: encode X: raw XML is not an element"},
		{"private data not well-formed", &GetCSTAFeatures{Extensions: &Extensions{Private: []RawXML{"<a>"}}}, "csta: encode GetCSTAFeatures/extensions/privateData/private: raw XML is not well-formed"},
		{"empty session error", &StopApplicationSessionNegResponse{}, "csta: encode StopApplicationSessionNegResponse/errorCode: errorCode has neither definedError nor applError"},
		{"empty required text", &MonitorStop{}, "csta: encode MonitorStop/monitorCrossRefID: required value is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Encode(tt.m)
			assert.Nil(t, out)
			assert.EqualError(t, err, tt.msg)
			if tt.m != nil {
				var ee *EncodeError
				assert.ErrorAs(t, err, &ee)
			}
		})
	}
}

// TestCodecDepthRoundTrip checks that a Codec allowing deeper documents than
// the default writes back the deep raw content it decoded.
func TestCodecDepthRoundTrip(t *testing.T) {
	deep := strings.Repeat("<a>", 40) + "x" + strings.Repeat("</a>", 40)
	doc := `<MakeCall ` + ed3 + `><callingDevice>1</callingDevice><calledDirectoryNumber>2</calledDirectoryNumber><userData>` + deep + `</userData></MakeCall>`
	c := Codec{MaxDepth: 64}
	m, err := c.Decode([]byte(doc))
	require.NoError(t, err)
	out, err := c.Encode(m)
	require.NoError(t, err)
	assert.Equal(t, xmlDecl+doc, string(out))

	u, err := c.Decode([]byte(`<Vendor>` + deep + `</Vendor>`))
	require.NoError(t, err)
	_, err = c.Encode(u)
	require.NoError(t, err)

	// The default Codec refuses such a document, and writes no fragment
	// that deep.
	_, err = Decode([]byte(doc))
	assert.ErrorIs(t, err, ErrTooDeep)
	_, err = Encode(m)
	assert.EqualError(t, err, "csta: encode MakeCall/userData: raw XML is nested too deeply")
}
