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
//	dir, err := lineappearance.LoadStore("directory.yaml", lineappearance.Options{})
//	if err != nil {
//		return err // every problem with file:line:column
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
// [LoadFile] and [Parse] return a file's [Data] for tools that want it;
// [NewStore] takes Data built in code, such as [Demo]. Later,
// dir.ReloadFile("directory.yaml") replaces the directory, or keeps the old
// one if the new file has problems; dir.SetRegistered records a device's
// registration as the CTI side reports it.
//
// # Directory files
//
// A directory file is YAML or JSON (JSON loads much faster; prefer it for
// large generated directories) with this schema:
//
//	version: 1                       # optional; only 1 exists
//	lines:                           # every line
//	  - dn: "1001"                   # a directory number,
//	  - dn: "+14085551002"
//	    partition: Internal          # in a route partition (optional),
//	  - uri: "tel:1003;phone-context=dialstring"   # or a Line URI instead
//	devices:
//	  - name: SEP000000001001        # required; letters, digits, . _ -
//	    model: Cisco 7975            # optional, informational
//	    kind: hard                   # hard (default) or soft
//	    registered: true             # initial registration; default false
//	    lines:                       # the device's line appearances
//	      - dn: "1001"               # a line declared above
//	        index: 1                 # button; default: position in this list, from 1
//	      - dn: "+14085551002"
//	        partition: Internal      # when the line has one
//	users:
//	  - uri: sip:alice@example.com   # SIP address of record
//	    devices: [SEP000000001001]   # devices the user may control, preferred first
//
// Quote directory numbers in YAML ("1001", not 1001) so that numbers such
// as "0123" or "*99" keep their form. Unknown fields are errors, to catch
// typing mistakes. A file is refused, each problem reported with its
// place, when it is not valid YAML or JSON, when a value has the wrong
// form (a bad number, device name, user address or Line URI), or when the
// data contradicts itself: a duplicate line, device or user, an appearance
// of an undeclared line, a user with an unknown device, a line twice on a
// device, two lines with the same index on a device. testdata/demo.yaml
// holds the demo directory that [Demo] returns.
//
// # Concurrency
//
// A [Store] is safe for concurrent use. Readers (Resolve, Lookup,
// AppearancesOfLine, UsersOfDevice, Device, Stats) take no lock: the store
// keeps an immutable indexed snapshot behind an atomic pointer, and
// Replace and ReloadFile build a complete new snapshot before swapping it
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
// one problem in directory data, with file, line and column when it came
// from a file (a YAML syntax error too, but for the few that can be
// placed by line only, such as an alias to an unknown anchor); several
// are joined with errors.Join, at most 20 and a count of the rest.
package lineappearance
