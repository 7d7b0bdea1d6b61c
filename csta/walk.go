package csta

// WalkDevices calls fn for every device identifier in m: plain DeviceIDs,
// the deviceID of each ConnectionID, the device of each ExtendedDeviceID or
// RedirectionDeviceID that names one, inside lists and choices too (the
// monitorObject of MonitorStart, the snapshotObject of SnapshotDevice, the
// connection lists of transfer and conference). The path names the element
// from the message root, without the root, for example "callingDevice",
// "connection/deviceID" or "transferredConnections/connectionListItem/
// newConnection/deviceID". fn may change *d in place; that is how a gateway
// translates between the client's Line URI and the CTI side's device
// identifiers. Identifiers inside content kept as RawXML are not visited.
func WalkDevices(m Message, fn func(path string, d *DeviceID)) {
	if m == nil || fn == nil {
		return
	}
	m.codec(&fieldCodec{mode: walking, v: &visitor{device: fn}})
}

// WalkExtensions calls fn for every extensions element m carries (a nil
// *Extensions is not visited), with its path from the message root:
// "extensions" for the message's own. fn may change *x in place, for
// example to check or remove the lcs:line Line URI of Microsoft's RCC
// extension before a request goes on to a CTI server; an Extensions left
// empty is not encoded.
func WalkExtensions(m Message, fn func(path string, x *Extensions)) {
	if m == nil || fn == nil {
		return
	}
	m.codec(&fieldCodec{mode: walking, v: &visitor{extensions: fn}})
}

// WalkConnections calls fn for every ConnectionID in m, with the same paths
// as WalkDevices ("connection", "transferredConnections/connectionListItem/
// oldConnection"). fn may change *c in place.
func WalkConnections(m Message, fn func(path string, c *ConnectionID)) {
	if m == nil || fn == nil {
		return
	}
	m.codec(&fieldCodec{mode: walking, v: &visitor{connection: fn}})
}
