// Package lineappearance is rcc's model of who may control which phone line:
// users, lines, devices and line appearances, the Line URIs clients name
// lines with, the rules that turn a Line URI into one appearance, and the
// directory that holds it all. It is a pure model: no network, no
// goroutines, no dependency on the other rcc packages.
//
// # Overview
//
// A [Line] is a directory number (DN) in an optional route partition. A
// [Device] is a phone, a desk phone ([HardPhone]) or a soft phone
// ([SoftPhone]), registered or not. An [Appearance] is one line on one
// device with its button index: a line may be on many devices (a shared
// line) and a device may carry many lines. A [User], identified by a SIP
// address of record such as "sip:alice@example.com", may control a list of
// devices.
//
// A desktop client names the line it wants to control with a Line URI,
// for example
//
//	tel:1001;phone-context=dialstring
//	tel:+14085551001
//	tel:1003;phone-context=dialstring;device=SEP000000001003
//	tel:1003;phone-context=dialstring;partition=Internal
//
// [ParseLineURI] parses one into a [LineURI] (the rules are in its
// documentation) and keeps the original string in Raw, so replies can echo
// it byte for byte. [Store.Resolve] turns a user and a Line URI into the
// appearance the session will control.
//
// # Resolution and authorization
//
// Resolve follows the Cisco CTI gateway: a Line URI that names a device
// selects the line on that device; without a device, the only device that
// carries the line is chosen; with several, a configurable preference
// ([Options].Preference, by default a registered soft phone, then a
// registered desk phone, then the user's configured device order) picks
// one. A partition narrows the number to one line.
//
// Resolve is the security boundary of the gateway. It is the only way to
// get an appearance for a user, and it only returns appearances on
// devices the user may control: candidates on other devices are never
// considered, and asking for a device the user may not control fails with
// [ErrNotAllowed] whether or not it carries the line. The other lookups
// ([Store.AppearancesOfLine], [Store.UsersOfDevice], [Store.Lookup]) serve
// event routing and return no appearance for a user. The package declares
// no interface for them: a consumer declares what it needs, as package
// session does with its Directory.
//
// User addresses are compared in the canonical form [NormalizeUser]
// returns: scheme lower case ("sips" counts as "sip"), user part exact
// after percent-decoding, host lower case, parameters and display name
// dropped.
//
// # Numbers and event routing
//
// The CTI side knows a line by its key ([Line.Key]: "1001", or
// "1001/Internal" with a partition) and reports other parties by bare
// numbers. [Store.Lookup] maps a key to its line, [Store.AppearancesOfLine]
// gives the line's appearances and [Store.UsersOfDevice] the users who may
// control a device. The session keeps the client's own Line URI for the
// user's line; [PartyURI] writes any other party as the client expects it
// ("tel:+E164", or "tel:2000;phone-context=dialstring"), and [DialString]
// turns the number a client asks to call into what the CTI side dials.
//
// # Usage
//
// A host builds its directory as [Data] (from its own database, say) and
// hands it to [NewStore]:
//
//	dir, err := lineappearance.NewStore(data, lineappearance.Options{})
//	if err != nil {
//		return err // every problem with the element's path
//	}
//	...
//	uri, err := lineappearance.ParseLineURI("tel:1001;phone-context=dialstring")
//	...
//	app, err := dir.Resolve("sip:alice@example.com", uri)
//	switch {
//	case errors.Is(err, lineappearance.ErrNotAllowed): // refuse the session
//	case err != nil: // unknown line or device, ambiguous
//	}
//	// app.Line.Key() is the CTI identifier; app.Device the phone.
//
// Later, dir.Replace(data) replaces the directory, or keeps the old one if
// the new data has problems; dir.SetRegistered records a device's
// registration as the CTI side reports it. [Demo] returns the demo
// directory.
//
// # Directory files
//
// This package reads no files and links no parser. Package
// [github.com/rcc-go/rcc/lineappearance/dirfile] loads a directory from a
// YAML or JSON file (its documentation has the schema), reporting every
// problem with the file, line and column, and reloads one into a Store.
//
// # Concurrency
//
// A [Store] is safe for concurrent use. Readers (Resolve, Lookup,
// AppearancesOfLine, UsersOfDevice, Device, Stats) take no lock: the store
// keeps an immutable indexed snapshot behind an atomic pointer, and
// Replace (and dirfile.Reload) build a complete new snapshot before swapping it
// in, so a reader sees either the old directory or the new one, never a
// mixture. SetRegistered changes one device's registration atomically.
// Writers are serialised. Results are copies the caller may keep.
//
// # Errors
//
// Errors wrap one of the package's sentinels; compare with errors.Is, and
// use errors.As for detail. [ParseError] ([ErrBadURI]) names what is wrong
// with a Line URI, number or user address, and where. [ResolveError] wraps
// [ErrUnknownLine], [ErrUnknownDevice], [ErrLineNotOnDevice],
// [ErrAmbiguous] or [ErrNotAllowed]. [DataError] ([ErrInvalid]) reports
// one problem in directory data: the element's path, such as
// "appearances[4]", for Data built in code, or the file, line and column
// for a file that package dirfile loaded; several are joined with
// errors.Join, at most 20 and a count of the rest.
package lineappearance
