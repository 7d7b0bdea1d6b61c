package lineappearance

import "strconv"

// Line is a directory number (DN) in an optional route partition. Two lines
// with the same DN in different partitions are different lines.
//
// DN is a normalised number: an E.164 number with its leading "+" and
// digits only ("+14085551001"), or a private number of digits, "*", "#" and
// lower-case hex letters ("1001"), with no visual separators. Partition is
// compared exactly; it never contains "/".
type Line struct {
	DN        string
	Partition string
}

// Key returns the line's identifier on the CTI side: the DN when the line has
// no partition, otherwise DN + "/" + Partition, for example "1001" or
// "1001/Internal". The CTI transports and the fake CTI server identify a line
// by this key, and CTI events report parties by it.
func (l Line) Key() string {
	if l.Partition == "" {
		return l.DN
	}
	return l.DN + "/" + l.Partition
}

// DeviceKind says whether a device is a desk phone or a soft phone; the
// device selection rules prefer one kind over the other.
type DeviceKind uint8

// The kinds of device. HardPhone is the zero value.
const (
	// HardPhone is a desk phone, such as a Cisco 7975 (names "SEP" + MAC).
	HardPhone DeviceKind = iota
	// SoftPhone is a soft phone, such as Cisco IP Communicator or a
	// Jabber/CSF device.
	SoftPhone
)

// String returns "hard" or "soft", the names the directory file uses.
func (k DeviceKind) String() string {
	switch k {
	case HardPhone:
		return "hard"
	case SoftPhone:
		return "soft"
	}
	return "DeviceKind(" + strconv.Itoa(int(k)) + ")"
}

// Device is a phone known to the directory. Name identifies it and is
// compared case-insensitively ("SEP0011AABBCCDD" names are hex). Registered
// is whether the phone is registered with the PBX; in [Data] it is the
// initial state, which [Store.SetRegistered] updates at run time.
type Device struct {
	Name       string
	Model      string
	Kind       DeviceKind
	Registered bool
}

// Appearance is one line on one device: the thing a remote call control
// session controls. Index is the line's button position on the device,
// counting from 1. Device is the device's name as the directory spells it.
type Appearance struct {
	Line   Line
	Device string
	Index  int
}

// String returns a short description for logs, such as
// "1003 on CSFCAROL (line 1)".
func (a Appearance) String() string {
	return a.Line.Key() + " on " + a.Device + " (line " + strconv.Itoa(a.Index) + ")"
}

// User is someone who may open remote call control sessions. AOR is the
// user's SIP address of record, such as "sip:alice@example.com"; it is
// compared after [NormalizeUser]. Devices names the devices the user may
// control, in order of preference: the [ConfigOrder] rule picks the first of
// them that carries the line. Credentials, when the gateway makes the
// user's clients authenticate (SIP digest), hold the hashes of the user's
// password, one entry per realm; see [Store.HA1].
type User struct {
	AOR         string
	Devices     []string
	Credentials []Credential
}

// Credential is a user's SIP digest credential in one realm: the HA1
// hashes of the password, never the password itself (RFC 3261 section
// 22.4, RFC 8760). HA1MD5 is the hex MD5 of "username:realm:password"
// (32 digits) and HA1SHA256 its hex SHA-256 (64 digits), username being
// the user part of the user's AOR; either may be empty (the user then
// cannot authenticate with that algorithm), not both. The hex is compared
// without regard to case.
type Credential struct {
	Realm     string
	HA1MD5    string
	HA1SHA256 string
}

// Data is a whole directory as plain values: what a host builds from its
// own records (or package dirfile reads from a file) and what [NewStore]
// and [Store.Replace] take. Lines lists every line; Appearances puts lines
// on devices (a line may be on many devices, a device may carry many
// lines); Users says who may control which devices.
// The store validates and indexes a copy, so the caller may change Data
// afterwards.
type Data struct {
	Lines       []Line
	Devices     []Device
	Appearances []Appearance
	Users       []User
}
