package csta

// registry maps a root element's local name to a constructor. It is built
// once and never written afterwards.
var registry = map[string]func() Message{
	"RequestSystemStatus":         func() Message { return new(RequestSystemStatus) },
	"RequestSystemStatusResponse": func() Message { return new(RequestSystemStatusResponse) },
	"SystemStatus":                func() Message { return new(SystemStatus) },
	"SystemStatusResponse":        func() Message { return new(SystemStatusResponse) },
	"MakeCall":                    func() Message { return new(MakeCall) },
	"MakeCallResponse":            func() Message { return new(MakeCallResponse) },
	"CSTAErrorCode":               func() Message { return new(CSTAErrorCode) },
}

// newMessage returns an empty message for a root element name; unknown names
// give *Unknown.
func newMessage(name string) Message {
	if f, ok := registry[name]; ok {
		return f()
	}
	return new(Unknown)
}

// IsKnown reports whether Decode has a message type for the root element
// name.
func IsKnown(name string) bool {
	_, ok := registry[name]
	return ok
}
