// Package csta encodes and decodes the ECMA-323 CSTA XML messages that remote
// call control uses, as carried by ECMA TR/87 (uaCSTA) in SIP and by CSTA XML
// over TCP.
package csta
