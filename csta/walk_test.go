package csta

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func devicePaths(m Message) []string {
	var out []string
	WalkDevices(m, func(path string, d *DeviceID) { out = append(out, path+"="+d.ID) })
	return out
}

func TestWalkDevices(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"MakeCall.xml", []string{"callingDevice=" + ocLine, "calledDirectoryNumber=tel:+3222220220"}},
		{"MakeCallResponse.xml", []string{"callingDevice/deviceID=3095", "calledDevice=1099"}},
		{"MonitorStart.xml", []string{"monitorObject/deviceObject=" + ocLine}},
		{"MonitorStart.call.xml", []string{"monitorObject/callObject/deviceID=1001"}},
		{"SnapshotDevice.xml", []string{"snapshotObject=tel:1001;phone-context=dialstring"}},
		{"ClearConnection.xml", []string{"connectionToBeCleared/deviceID=tel:73124;phone-context=dialstring"}},
		{"ClearCall.xml", []string{"callToBeCleared/deviceID=tel:73124;phone-context=dialstring"}},
		{"DivertedEvent.xml", []string{
			"connection/deviceID=tel:1001;phone-context=dialstring",
			"divertingDevice/deviceIdentifier=tel:1001;phone-context=dialstring",
			"newDestination/deviceIdentifier=tel:+4930123456",
			"lastRedirectionDevice/numberDialed=tel:1001;phone-context=dialstring",
		}},
		{"TransferedEvent.xml", []string{
			"primaryOldCall/deviceID=sip:1001@192.168.1.10:5060",
			"secondaryOldCall/deviceID=sip:1001@192.168.1.10:5060",
			"transferringDevice/deviceIdentifier=sip:1001@192.168.1.10:5060",
			"transferredToDevice/deviceIdentifier=sip:2002@192.168.1.10",
			"transferredConnections/connectionListItem/newConnection/deviceID=sip:2001@192.168.1.10",
			"transferredConnections/connectionListItem/oldConnection/deviceID=sip:2001@192.168.1.10",
			"transferredConnections/connectionListItem/endpoint/deviceID=sip:2001@192.168.1.10",
			"transferredConnections/connectionListItem/newConnection/deviceID=sip:2002@192.168.1.10",
			"transferredConnections/connectionListItem/oldConnection/deviceID=sip:2002@192.168.1.10",
		}},
		{"SnapshotDeviceResponse.ed3.xml", []string{
			"crossRefIDorSnapshotData/snapshotData/snapshotDeviceResponseInfo/connectionIdentifier/deviceID=tel:1001;phone-context=dialstring",
			"crossRefIDorSnapshotData/snapshotData/snapshotDeviceResponseInfo/endpointDevice/deviceIdentifier=tel:2001",
		}},
		{"GetForwardingResponse.xml", []string{"forwardingList/forwardListItem/forwardDN=tel:+4930123456"}},
		{"ForwardingEvent.xml", []string{"device/deviceIdentifier=tel:1001;phone-context=dialstring", "forwardTo=tel:+4930123456"}},
		{"RequestSystemStatus.xml", nil},
		{"CSTAErrorCode.ed3.xml", nil},
		{"StartApplicationSession.xml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := Decode(mustRead(t, "testdata/"+tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.want, devicePaths(m))
		})
	}
}

// TestWalkTranslates rewrites the client's Line URI to the CTI side's
// device identifier, the way the gateway does, and back.
func TestWalkTranslates(t *testing.T) {
	m, err := Decode(mustRead(t, "testdata/MakeCall.xml"))
	require.NoError(t, err)
	WalkDevices(m, func(path string, d *DeviceID) {
		if d.ID == ocLine {
			*d = DeviceID{ID: "SEP000000001001", TypeOfNumber: "deviceNumber"}
		}
	})
	out, err := Encode(m)
	require.NoError(t, err)
	assert.Contains(t, string(out), `<callingDevice typeOfNumber="deviceNumber">SEP000000001001</callingDevice>`)

	ev, err := Decode(mustRead(t, "testdata/TransferedEvent.xml"))
	require.NoError(t, err)
	n := 0
	WalkDevices(ev, func(path string, d *DeviceID) {
		if strings.HasPrefix(d.ID, "sip:2001@") {
			d.ID = "tel:2001"
			n++
		}
	})
	assert.Equal(t, 3, n)
	te := as[*TransferredEvent](t, ev)
	assert.Equal(t, "tel:2001", te.TransferredConnections[0].Endpoint.Device.ID)
}

func TestWalkConnections(t *testing.T) {
	m, err := Decode(mustRead(t, "testdata/ConferencedEvent.xml"))
	require.NoError(t, err)
	var paths []string
	WalkConnections(m, func(path string, c *ConnectionID) {
		paths = append(paths, path+"="+string(c.CallID))
		c.CallID = "x" + c.CallID
	})
	assert.Equal(t, []string{
		"primaryOldCall=0_1",
		"secondaryOldCall=0_2",
		"conferenceConnections/connectionListItem/newConnection=0_3",
		"conferenceConnections/connectionListItem/oldConnection=0_1",
		"conferenceConnections/connectionListItem/newConnection=0_3",
	}, paths)
	v := as[*ConferencedEvent](t, m)
	assert.Equal(t, CallID("x0_1"), v.PrimaryOldCall.CallID)
	assert.Equal(t, CallID("x0_3"), v.ConferenceConnections[1].NewConnection.CallID)

	WalkConnections(nil, func(string, *ConnectionID) { t.Fatal("called for nil message") })
	WalkDevices(m, nil)
}

// TestWalkCoversAllDevices checks, for every sample, that WalkDevices visits
// every device identifier the encoding carries outside raw XML: changing
// them all to a marker must leave no original identifier in the output.
func TestWalkCoversAllDevices(t *testing.T) {
	for file, data := range samples(t) {
		m, err := Decode(data)
		require.NoError(t, err, file)
		var ids []string
		WalkDevices(m, func(_ string, d *DeviceID) {
			ids = append(ids, d.ID)
			d.ID = "WALKED"
		})
		out, err := Encode(m)
		require.NoError(t, err, file)
		again, err := Decode(out)
		require.NoError(t, err, file)
		WalkDevices(again, func(path string, d *DeviceID) {
			assert.Equal(t, "WALKED", d.ID, "%s: %s", file, path)
		})
		slices.Sort(ids)
		for _, id := range slices.Compact(ids) {
			if id != "" && !strings.Contains(id, "WALKED") {
				assert.NotContains(t, rawFree(m), ">"+escapeText(id)+"<", "%s: %s left after walking", file, id)
			}
		}
	}
}

// rawFree returns the encoding of m without the content kept as raw XML,
// where identifiers are not walked.
func rawFree(m Message) string {
	out, _ := Encode(m)
	s := string(out)
	for _, tag := range []string{"extensions", "servicesPermitted", "userData", "mediaCallCharacteristics", "callingDeviceList"} {
		for {
			i := strings.Index(s, "<"+tag+">")
			j := strings.Index(s, "</"+tag+">")
			if i < 0 || j < i {
				break
			}
			s = s[:i] + s[j+len(tag)+3:]
		}
	}
	return s
}

func escapeText(s string) string {
	w := &writer{}
	w.escape(s, false)
	return string(w.b)
}

func TestWalkExtensions(t *testing.T) {
	m, err := Decode([]byte(`<GetDoNotDisturb xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">` +
		`<device>tel:1001;phone-context=dialstring</device><extensions><privateData><private>` +
		`<lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">tel:1002;phone-context=dialstring</lcs:line>` +
		`</private></privateData></extensions></GetDoNotDisturb>`))
	require.NoError(t, err)
	var seen []string
	WalkExtensions(m, func(path string, x *Extensions) {
		seen = append(seen, path+"="+x.Line)
		x.Line = ""
	})
	assert.Equal(t, []string{"extensions=tel:1002;phone-context=dialstring"}, seen)
	out, err := Encode(m)
	require.NoError(t, err)
	assert.NotContains(t, string(out), "extensions", "an emptied Extensions is not written")

	// A message without extensions: nothing to visit.
	m, err = Decode(mustRead(t, "testdata/SnapshotDevice.xml"))
	require.NoError(t, err)
	WalkExtensions(m, func(path string, x *Extensions) { t.Errorf("visited %s", path) })
}
