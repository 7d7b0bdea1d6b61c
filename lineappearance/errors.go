package lineappearance

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors. The errors this package returns wrap exactly one of them;
// compare with errors.Is.
var (
	// ErrBadURI reports a Line URI, called number or user address that does
	// not parse. The error is a *[ParseError].
	ErrBadURI = errors.New("lineappearance: bad URI")

	// ErrUnknownLine reports a Line URI whose number (and partition, when
	// it names one) is not a line in the directory.
	ErrUnknownLine = errors.New("lineappearance: unknown line")
	// ErrUnknownDevice reports a Line URI naming a device the directory
	// does not have.
	ErrUnknownDevice = errors.New("lineappearance: unknown device")
	// ErrLineNotOnDevice reports a Line URI naming a device that does not
	// carry the line.
	ErrLineNotOnDevice = errors.New("lineappearance: line not on device")
	// ErrAmbiguous reports a Line URI that fits more than one appearance
	// the user may control when the selection preference does not choose:
	// the number is in several partitions, or the preference has no rule
	// that decides between the devices.
	ErrAmbiguous = errors.New("lineappearance: ambiguous line")
	// ErrNotAllowed reports a user who may not control the appearance: the
	// user is not in the directory, the user address is malformed, or none
	// of the user's devices is the one asked for or carries the line.
	ErrNotAllowed = errors.New("lineappearance: not allowed")

	// ErrInvalid reports directory data that cannot be used: a syntax
	// error in a directory file, a value of the wrong form, or data that
	// contradicts itself. The error is a *[DataError], or several of them
	// joined with errors.Join.
	ErrInvalid = errors.New("lineappearance: invalid directory")
)

// maxQuoted is how much of an input a ParseError quotes.
const maxQuoted = 96

// ParseError reports input that does not parse. What says what the input
// was meant to be ("line URI", "number", "user address"), Input is the input
// (cut short when long), Offset the byte offset of the problem in it (-1 when
// the problem is not at one place) and Msg what is wrong.
type ParseError struct {
	What   string
	Input  string
	Offset int
	Msg    string
}

func newParseError(what, input string, off int, msg string) *ParseError {
	if len(input) > maxQuoted {
		input = input[:maxQuoted] + "..."
	}
	return &ParseError{What: what, Input: input, Offset: off, Msg: msg}
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("lineappearance: bad ")
	b.WriteString(e.What)
	b.WriteString(" ")
	b.WriteString(strconv.Quote(e.Input))
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Offset >= 0 {
		b.WriteString(" at byte ")
		b.WriteString(strconv.Itoa(e.Offset))
	}
	return b.String()
}

// Unwrap returns [ErrBadURI].
func (e *ParseError) Unwrap() error { return ErrBadURI }

// ResolveError reports why a Line URI did not resolve to an appearance for
// a user. Err is one of [ErrUnknownLine], [ErrUnknownDevice],
// [ErrLineNotOnDevice], [ErrAmbiguous] and [ErrNotAllowed]; Detail says
// what exactly. Candidates lists the partitions or device names an
// ambiguous Line URI could mean.
type ResolveError struct {
	Err        error
	User       string
	URI        string
	Detail     string
	Candidates []string
}

func (e *ResolveError) Error() string {
	return "lineappearance: resolve " + strconv.Quote(e.URI) + " for " + strconv.Quote(e.User) + ": " + e.Detail
}

// Unwrap returns Err.
func (e *ResolveError) Unwrap() error { return e.Err }

// DataError reports one problem in directory data. When the data came from
// a file (package dirfile), File, Line and Column locate the problem (both
// are 0 for a problem with the file as a whole, such as an empty file);
// otherwise Path names the element, such as "appearances[4]". Msg says
// what is wrong.
type DataError struct {
	File   string
	Line   int
	Column int
	Path   string
	Msg    string
}

func (e *DataError) Error() string {
	var b strings.Builder
	b.WriteString("lineappearance: ")
	loc := b.Len()
	b.WriteString(e.File)
	switch {
	case e.Line > 0:
		if e.File != "" {
			b.WriteString(":")
		}
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(e.Column))
		}
	case e.Path != "":
		if e.File != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Path)
	}
	if b.Len() > loc {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns [ErrInvalid].
func (e *DataError) Unwrap() error { return ErrInvalid }
