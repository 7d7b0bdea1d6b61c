package dialect

import (
	"encoding/hex"
	"strings"
)

// DeviceToWire returns the identifier the dialect writes for the
// directory's device local, in the element path names (as
// csta.WalkDevices gives it). OpenScape Voice writes party fields
// (callingDevice, alertingDevice, ...) as N<number>;noa=nk, or
// noa=international for an E.164 number with "+", and leaves the deviceID
// of a connection plain; DMCC writes extension:switch:ip:0 (switch and ip
// as configured, may be empty). An identifier already in the wire form,
// or empty, is returned unchanged.
func (d *Dialect) DeviceToWire(path, local, switchName, switchIP string) string {
	if local == "" {
		return local
	}
	switch d.DeviceIDs {
	case IDOpenScape:
		if strings.HasSuffix(path, "deviceID") || strings.HasPrefix(local, "N<") {
			return local
		}
		noa := "nk"
		if strings.HasPrefix(local, "+") {
			noa = "international"
		}
		return "N<" + local + ">;noa=" + noa
	case IDDMCC:
		if strings.Contains(local, ":") {
			return local
		}
		return local + ":" + switchName + ":" + switchIP + ":0"
	}
	return local
}

// DeviceFromWire returns the directory's device for an identifier in the
// dialect's wire form: the number inside N<...> for OpenScape, the
// extension before the first ':' for DMCC. Anything else is returned
// unchanged, so a plain number is accepted in every dialect.
func (d *Dialect) DeviceFromWire(wire string) string {
	switch d.DeviceIDs {
	case IDOpenScape:
		if strings.HasPrefix(wire, "N<") {
			if i := strings.IndexByte(wire, '>'); i > 2 {
				return wire[2:i]
			}
		}
	case IDDMCC:
		if i := strings.IndexByte(wire, ':'); i > 0 {
			return wire[:i]
		}
	}
	return wire
}

// OpenScape call IDs are 32 hexadecimal digits, such as
// FF000100000000002D65C85C1C750000. A local call ID of up to 13 bytes is
// written as "FF" + its length in two hex digits + its bytes in hex,
// padded with zeros to 32 digits, so that CallFromWire can take it back.
const openScapeCallIDLen = 32

// CallToWire returns the call ID the dialect writes for the local one.
func (d *Dialect) CallToWire(local string) string {
	if d.CallIDs != IDOpenScape || local == "" || len(local) > (openScapeCallIDLen-4)/2 {
		return local
	}
	var b strings.Builder
	b.Grow(openScapeCallIDLen)
	b.WriteString("FF")
	b.WriteString(strings.ToUpper(hex.EncodeToString([]byte{byte(len(local))})))
	b.WriteString(strings.ToUpper(hex.EncodeToString([]byte(local))))
	for b.Len() < openScapeCallIDLen {
		b.WriteByte('0')
	}
	return b.String()
}

// CallFromWire returns the local call ID for one CallToWire wrote; any
// other call ID is returned unchanged.
func (d *Dialect) CallFromWire(wire string) string {
	if d.CallIDs != IDOpenScape || len(wire) != openScapeCallIDLen || !strings.HasPrefix(wire, "FF") {
		return wire
	}
	raw, err := hex.DecodeString(wire[2:])
	if err != nil || len(raw) == 0 || int(raw[0]) > len(raw)-1 || raw[0] == 0 {
		return wire
	}
	n := int(raw[0])
	for _, c := range raw[1+n:] {
		if c != 0 {
			return wire
		}
	}
	return string(raw[1 : 1+n])
}
