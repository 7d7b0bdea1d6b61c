// Package dirfile loads rcc's directory of users, lines and devices from a
// YAML or JSON file into the model of package lineappearance, and reports
// every problem in the file with its line and column.
//
// The model is kept apart from its file formats: a host that builds its
// directory in code, from its own database, calls
// [lineappearance.NewStore] and [lineappearance.Store.Replace] and links no
// parser. A host that keeps its directory in a file uses this package:
//
//	dir, err := dirfile.LoadStore("directory.yaml", lineappearance.Options{})
//	if err != nil {
//		return err // every problem with file:line:column
//	}
//	...
//	err = dirfile.Reload(dir, "directory.yaml") // on SIGHUP: all or nothing
//
// [LoadStore] decodes, validates and indexes a file once. [Load] and
// [Parse] return a file's [lineappearance.Data] for tools that want it.
// [Reload] replaces a Store's directory from a file, or keeps the old one
// if the new file has problems.
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
//	    credentials:                 # SIP digest, for clients that must authenticate
//	      - realm: rcc.example.com
//	        ha1_md5: 17543140cd665492d745509cd4ba9343  # MD5 of "alice:rcc.example.com:password"
//	        ha1_sha256: 802b4c9fb683d7e1f286673b58c3137b0fa92f61a7f9278563f6df3fc27aeeab
//
// A user's credentials are the HA1 hashes of the password in a realm (hex,
// 32 digits for MD5, 64 for SHA-256; either may be left out, not both),
// never the password itself: a "password" field is refused. Compute them
// with rccclient -hash. They change with the rest of the directory on
// reload.
// Quote directory numbers in YAML ("1001", not 1001) so that numbers such
// as "0123" or "*99" keep their form. Unknown fields are errors, to catch
// typing mistakes. A file is refused, each problem reported with its
// place, when it is not valid YAML or JSON, when a value has the wrong
// form (a bad number, device name, user address or Line URI), or when the
// data contradicts itself: a duplicate line, device or user, an appearance
// of an undeclared line, a user with an unknown device, a line twice on a
// device, two lines with the same index on a device. testdata/demo.yaml
// holds the demo directory that [lineappearance.Demo] returns.
//
// YAML files are parsed with github.com/goccy/go-yaml, one document, with
// no aliases; a file that nests collections more than 1000 levels deep is
// refused before it is parsed. The parser builds a syntax tree: a YAML
// file costs about 40 times the CPU time and 19 times the memory of the
// same directory in JSON (26 s and 5 GB allocated for 200,000 devices),
// which this package decodes as it reads, without building a tree.
//
// # Errors
//
// A problem in a file is a *[lineappearance.DataError] wrapping
// [lineappearance.ErrInvalid], with the file, line and column (columns
// count characters); several are joined with errors.Join, at most 20 and a
// count of the rest, in file order. A file that cannot be read gives the
// error of package os, and an unknown [Format] [ErrUnknownFormat].
package dirfile
