package csta

// Message constructors, one list per source file, so that each file declares
// its own messages next to their types. The registry is built from them once
// and never written afterwards.
var messageLists = [][]func() Message{
	systemMessages,
	makeCallMessages,
	errorMessages,
	acseMessages,
	eventMessages,
	callControlMessages,
	logicalMessages,
	monitorMessages,
	snapshotMessages,
}

// registry maps a root element's local name to a constructor.
var registry = buildRegistry(messageLists)

func buildRegistry(lists [][]func() Message) map[string]func() Message {
	r := make(map[string]func() Message)
	for _, list := range lists {
		for _, f := range list {
			name := f().MessageName()
			if _, dup := r[name]; dup {
				panic("csta: message " + name + " registered twice")
			}
			r[name] = f
		}
	}
	return r
}

// newMessage returns an empty message for a root element name; unknown names
// give *Unknown.
func newMessage(name string) Message {
	if f, ok := registry[name]; ok {
		return f()
	}
	if alias, ok := aliases[name]; ok {
		return registry[alias]()
	}
	return new(Unknown)
}

// aliases maps other spellings of root elements that peers send to the
// schema's.
var aliases = map[string]string{
	"TransferredEvent": "TransferedEvent",
}

// IsKnown reports whether Decode has a message type for the root element
// name.
func IsKnown(name string) bool {
	_, ok := registry[name]
	if !ok {
		_, ok = aliases[name]
	}
	return ok
}
