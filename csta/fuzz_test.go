package csta

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzDecode checks that Decode never panics, and that whatever it accepts
// encodes, decodes again to an equal value, and encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, data := range samples(f) {
		f.Add(data)
	}
	for _, s := range []string{
		`<MakeCall><callingDevice typeOfNumber="a&amp;b">1</callingDevice><calledDirectoryNumber>&#xD;2</calledDirectoryNumber><userData><a xmlns="urn:x" b="&#x9;"/></userData></MakeCall>`,
		`<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><X/></e:Body></e:Envelope>`,
		`<CSTAErrorCode><privateErrorCode>a<b/>c</privateErrorCode></CSTAErrorCode>`,
		`<GetCSTAFeaturesResponse><supportedServices><l><a><d>true</d></a></l></supportedServices></GetCSTAFeaturesResponse>`,
		`<RequestSystemStatus><extensions><privateData><private xmlns="urn:p"><lcs:line xmlns:lcs="urn:x"/><i/><lcs:line xmlns:lcs="urn:x">b</lcs:line></private></privateData></extensions></RequestSystemStatus>`,
		`<c:MakeCall xmlns:c="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns="urn:o"><c:callingDevice>1</c:callingDevice><c:calledDirectoryNumber>2</c:calledDirectoryNumber><userData xml:lang="en"><x p:a="1"/></userData></c:MakeCall>`,
		`<CSTAErrorCode><privateErrorCode><b>&amp;</b>a</privateErrorCode></CSTAErrorCode>`,
		`<ClearCall><callToBeCleared><callID>1</callID><dynamicID>d</dynamicID></callToBeCleared><correlatorData><string>c</string></correlatorData><userData/></ClearCall>`,
		`<DeliveredEvent><monitorCrossRefID>1</monitorCrossRefID><connection><callID>1</callID><deviceID typeOfNumber="x"/><dynamicID>d</dynamicID></connection><callingDevice typeOfNumber="t">2001</callingDevice><lastRedirectionDevice>7</lastRedirectionDevice></DeliveredEvent>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			if m != nil {
				t.Fatalf("Decode returned a message and an error: %v", err)
			}
			return
		}
		out, err := Encode(m)
		if err != nil {
			t.Fatalf("Encode of a decoded %s: %v", m.MessageName(), err)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("Decode of the encoding failed: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(m, again) {
			t.Fatalf("decode(encode(m)) differs from m\nfirst:  %#v\nsecond: %#v\nencoding: %s", m, again, out)
		}
		out2, err := Encode(again)
		if err != nil {
			t.Fatalf("second Encode: %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("encoding is not stable\nfirst:  %s\nsecond: %s", out, out2)
		}
	})
}
