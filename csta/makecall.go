package csta

// AutoOriginate is the autoOriginate value of MakeCall.
type AutoOriginate string

// The autoOriginate values.
const (
	AutoOriginatePrompt      AutoOriginate = "prompt"
	AutoOriginateDoNotPrompt AutoOriginate = "doNotPrompt"
)

// MakeCall asks the switching function to place a call from CallingDevice
// to CalledDirectoryNumber.
type MakeCall struct {
	Header
	// CallingDevice is the device that places the call; Communicator sends
	// its Line URI.
	CallingDevice DeviceID
	// CalledDirectoryNumber is the number to call, for example
	// "tel:+3222220220".
	CalledDirectoryNumber DeviceID
	AccountCode           string
	AuthCode              string
	AutoOriginate         AutoOriginate
	CorrelatorData        string
	// UserData, CallCharacteristics, MediaCallCharacteristics,
	// CallingConnectionInfo, SubjectOfCall and LanguagePreferences are kept as
	// raw elements.
	UserData                 RawXML
	CallCharacteristics      RawXML
	MediaCallCharacteristics RawXML
	CallingConnectionInfo    RawXML
	SubjectOfCall            string
	LanguagePreferences      string
	Extensions               *Extensions
}

// MessageName returns "MakeCall".
func (*MakeCall) MessageName() string { return "MakeCall" }
func (*MakeCall) isRequest()          {}

func (m *MakeCall) codec(c *fieldCodec) {
	c.device("callingDevice", &m.CallingDevice)
	c.device("calledDirectoryNumber", &m.CalledDirectoryNumber)
	optText(c, "accountCode", &m.AccountCode)
	optText(c, "authCode", &m.AuthCode)
	optText(c, "autoOriginate", &m.AutoOriginate)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callingConnectionInfo", &m.CallingConnectionInfo)
	optText(c, "subjectOfCall", &m.SubjectOfCall)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.extensions(&m.Extensions)
}

// MakeCallResponse answers MakeCall with the calling device's connection to
// the new call. A TR/87 client takes the callID only when
// CallingDevice.DeviceID is its Line URI byte for byte.
type MakeCallResponse struct {
	Header
	CallingDevice ConnectionID
	// CalledDevice is the optional calledDevice some switches report.
	CalledDevice             *DeviceID
	MediaCallCharacteristics RawXML
	InitiatedCallInfo        RawXML
	Extensions               *Extensions
}

// MessageName returns "MakeCallResponse".
func (*MakeCallResponse) MessageName() string { return "MakeCallResponse" }
func (*MakeCallResponse) isResponse()         {}

func (m *MakeCallResponse) codec(c *fieldCodec) {
	c.connection("callingDevice", &m.CallingDevice)
	c.optDevice("calledDevice", &m.CalledDevice)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("initiatedCallInfo", &m.InitiatedCallInfo)
	c.extensions(&m.Extensions)
}

var makeCallMessages = []func() Message{
	func() Message { return new(MakeCall) },
	func() Message { return new(MakeCallResponse) },
}
