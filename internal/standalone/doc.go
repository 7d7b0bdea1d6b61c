// Package standalone checks that the example programs are host programs
// like any other: each is copied into a module of its own outside this
// one, which requires rcc (replaced by this checkout) and builds with the
// public packages only, and the copied gateway runs in demo mode. It also
// checks that none of them links package testing, and that the packages
// keep the layering the design asks for. The package has no code of its
// own, only its tests.
package standalone
