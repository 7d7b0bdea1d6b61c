// Command rccclient is a command-line desktop client for remote call
// control: it opens an ECMA TR/87 session with a gateway, as Microsoft
// Office Communicator does, and controls the user's phone line from the
// command line. See README.md.
package main
