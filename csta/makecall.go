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

func (m *MakeCall) encode(w *writer) {
	w.device("callingDevice", m.CallingDevice)
	w.device("calledDirectoryNumber", m.CalledDirectoryNumber)
	w.opt("accountCode", m.AccountCode)
	w.opt("authCode", m.AuthCode)
	w.opt("autoOriginate", string(m.AutoOriginate))
	w.opt("correlatorData", m.CorrelatorData)
	w.optRaw(m.UserData)
	w.optRaw(m.CallCharacteristics)
	w.optRaw(m.MediaCallCharacteristics)
	w.optRaw(m.CallingConnectionInfo)
	w.opt("subjectOfCall", m.SubjectOfCall)
	w.opt("languagePreferences", m.LanguagePreferences)
	w.extensions(m.Extensions)
}

func (m *MakeCall) decode(e *element) (err error) {
	if m.CallingDevice, err = e.reqDevice("callingDevice"); err != nil {
		return err
	}
	if m.CalledDirectoryNumber, err = e.reqDevice("calledDirectoryNumber"); err != nil {
		return err
	}
	m.AccountCode = e.childText("accountCode")
	m.AuthCode = e.childText("authCode")
	m.AutoOriginate = AutoOriginate(e.childText("autoOriginate"))
	m.CorrelatorData = e.childText("correlatorData")
	if m.UserData, err = e.optRaw("userData"); err != nil {
		return err
	}
	if m.CallCharacteristics, err = e.optRaw("callCharacteristics"); err != nil {
		return err
	}
	if m.MediaCallCharacteristics, err = e.optRaw("mediaCallCharacteristics"); err != nil {
		return err
	}
	if m.CallingConnectionInfo, err = e.optRaw("callingConnectionInfo"); err != nil {
		return err
	}
	m.SubjectOfCall = e.childText("subjectOfCall")
	m.LanguagePreferences = e.childText("languagePreferences")
	m.Extensions, err = e.optExtensions()
	return err
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

func (m *MakeCallResponse) encode(w *writer) {
	w.connection("callingDevice", m.CallingDevice)
	w.optDevice("calledDevice", m.CalledDevice)
	w.optRaw(m.MediaCallCharacteristics)
	w.optRaw(m.InitiatedCallInfo)
	w.extensions(m.Extensions)
}

func (m *MakeCallResponse) decode(e *element) (err error) {
	if m.CallingDevice, err = e.reqConnection("callingDevice"); err != nil {
		return err
	}
	m.CalledDevice = e.optDevice("calledDevice")
	if m.MediaCallCharacteristics, err = e.optRaw("mediaCallCharacteristics"); err != nil {
		return err
	}
	if m.InitiatedCallInfo, err = e.optRaw("initiatedCallInfo"); err != nil {
		return err
	}
	m.Extensions, err = e.optExtensions()
	return err
}

var makeCallMessages = []func() Message{
	func() Message { return new(MakeCall) },
	func() Message { return new(MakeCallResponse) },
}
