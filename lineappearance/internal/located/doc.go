// Package located is what package lineappearance shares with its directory
// file loader (package dirfile) beyond the public API: the places in a file
// of a Data's elements, which validation turns into the line and column of
// each problem, and the hooks through which the loader validates and
// installs a directory with them. Package lineappearance sets the hooks
// when it is initialised; a package that imports dirfile imports
// lineappearance, so they are always set before the loader runs.
package located
