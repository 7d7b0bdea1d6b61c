package csta

import "strings"

// XML namespaces of the ECMA-323 editions and of the documents that travel
// with them.
const (
	// NamespaceEd2 is the ECMA-323 2nd edition namespace (old ECMA domain).
	NamespaceEd2 = "http://www.ecma.ch/standards/ecma-323/csta/ed2"
	// NamespaceEd3 is the ECMA-323 3rd edition namespace, the one Microsoft
	// Office Communicator uses.
	NamespaceEd3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
	// NamespaceEd4 is the ECMA-323 4th edition namespace.
	NamespaceEd4 = "http://www.ecma-international.org/standards/ecma-323/csta/ed4"
	// NamespaceEd5 is the ECMA-323 5th edition namespace.
	NamespaceEd5 = "http://www.ecma-international.org/standards/ecma-323/csta/ed5"
	// NamespaceEd6 is the ECMA-323 6th edition namespace.
	NamespaceEd6 = "http://www.ecma-international.org/standards/ecma-323/csta/ed6"
	// NamespaceACSE is the ECMA-354 application session namespace.
	NamespaceACSE = "http://www.ecma-international.org/standards/ecma-354/appl_session"
	// NamespaceRCC is Microsoft's remote call control extension namespace,
	// used for the lcs:line private data element.
	NamespaceRCC = "http://schemas.microsoft.com/Lcs/2005/04/RCCExtension"
	// NamespaceSOAP11 is the SOAP 1.1 envelope namespace some phones wrap
	// CSTA bodies in.
	NamespaceSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	// NamespaceSOAP12 is the SOAP 1.2 envelope namespace.
	NamespaceSOAP12 = "http://www.w3.org/2003/05/soap-envelope"

	// DefaultNamespace is the namespace Encode writes for a CSTA message
	// whose Header names none: ed3, as Communicator speaks it.
	DefaultNamespace = NamespaceEd3
)

// Edition returns the ECMA-323 edition (2 to 6) that a namespace names, or 0
// when it names none. It accepts the ecma.ch and ecma-international.org
// domains, vendor suffixes such as Avaya's ".../ed3/priv1", and the
// misspelled "ecmainternational.org" some phones send.
func Edition(namespace string) int {
	i := strings.Index(namespace, "/csta/ed")
	if i < 0 || !strings.Contains(namespace[:i], "ecma") {
		return 0
	}
	rest := namespace[i+len("/csta/ed"):]
	if rest == "" || rest[0] < '2' || rest[0] > '6' {
		return 0
	}
	if len(rest) > 1 && rest[1] != '/' {
		return 0
	}
	return int(rest[0] - '0')
}

// acceptableNamespace reports whether Decode takes a root element in
// namespace ns: none, any ECMA-323 edition, or the ECMA-354 session
// namespace.
func acceptableNamespace(ns string) bool {
	return ns == "" || ns == NamespaceACSE || Edition(ns) != 0
}

// knownNamespaces are the namespaces Decode records without copying.
var knownNamespaces = [...]string{NamespaceEd3, NamespaceEd2, NamespaceEd4, NamespaceEd5, NamespaceEd6, NamespaceACSE}

// ownNamespace returns ns as a string that keeps no decoded document in
// memory: the constant when ns is a known namespace, a copy otherwise. A
// message's Header lives as long as the message, and callers keep it to
// answer in the peer's edition.
func ownNamespace(ns string) string {
	for _, k := range knownNamespaces {
		if ns == k {
			return k
		}
	}
	return strings.Clone(ns)
}
