package csta

// The call control services and their positive responses, fields in
// ECMA-323 schema order. Structures a gateway passes through without reading
// (user data, call and media characteristics, connection information) are
// kept as raw XML.

// ConsultOptions restricts what a consultation call may be used for.
type ConsultOptions string

// The consultOptions values.
const (
	ConsultOnly    ConsultOptions = "consultOnly"
	TransferOnly   ConsultOptions = "transferOnly"
	ConferenceOnly ConsultOptions = "conferenceOnly"
	Unrestricted   ConsultOptions = "unrestricted"
)

// DigitMode says how GenerateDigits sends digits.
type DigitMode string

// The digitMode values.
const (
	DigitModeRotaryPulse DigitMode = "rotaryPulse"
	DigitModeDTMF        DigitMode = "dTMF"
)

// AnswerCall asks the switching function to answer a call alerting at a
// device.
type AnswerCall struct {
	Header
	CallToBeAnswered ConnectionID
	CorrelatorData   string
	UserData         RawXML
	Extensions       *Extensions
}

// MessageName returns "AnswerCall".
func (*AnswerCall) MessageName() string { return "AnswerCall" }
func (*AnswerCall) isRequest()          {}

func (m *AnswerCall) codec(c *fieldCodec) {
	c.connection("callToBeAnswered", &m.CallToBeAnswered)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	c.extensions(&m.Extensions)
}

// AnswerCallResponse acknowledges AnswerCall.
type AnswerCallResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "AnswerCallResponse".
func (*AnswerCallResponse) MessageName() string { return "AnswerCallResponse" }
func (*AnswerCallResponse) isResponse()         {}

func (m *AnswerCallResponse) codec(c *fieldCodec) {
	c.extensions(&m.Extensions)
}

// ClearConnection asks the switching function to release a device from a call.
type ClearConnection struct {
	Header
	ConnectionToBeCleared ConnectionID
	CorrelatorData        string
	UserData              RawXML
	// Reason is the optional cause to give for the release.
	Reason     EventCause
	Extensions *Extensions
}

// MessageName returns "ClearConnection".
func (*ClearConnection) MessageName() string { return "ClearConnection" }
func (*ClearConnection) isRequest()          {}

func (m *ClearConnection) codec(c *fieldCodec) {
	c.connection("connectionToBeCleared", &m.ConnectionToBeCleared)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	optText(c, "reason", &m.Reason)
	c.extensions(&m.Extensions)
}

// ClearConnectionResponse acknowledges ClearConnection.
type ClearConnectionResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "ClearConnectionResponse".
func (*ClearConnectionResponse) MessageName() string { return "ClearConnectionResponse" }
func (*ClearConnectionResponse) isResponse()         {}

func (m *ClearConnectionResponse) codec(c *fieldCodec) {
	c.extensions(&m.Extensions)
}

// ClearCall asks the switching function to release every device from a
// call and end it (ECMA-269 Clear Call). CallToBeCleared names the call by
// its callID; its deviceID, optional in the schema, names a device in the
// call.
type ClearCall struct {
	Header
	CallToBeCleared ConnectionID
	CorrelatorData  string
	UserData        RawXML
	Extensions      *Extensions
}

// MessageName returns "ClearCall".
func (*ClearCall) MessageName() string { return "ClearCall" }
func (*ClearCall) isRequest()          {}

func (m *ClearCall) codec(c *fieldCodec) {
	c.connection("callToBeCleared", &m.CallToBeCleared)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	c.extensions(&m.Extensions)
}

// ClearCallResponse acknowledges ClearCall.
type ClearCallResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "ClearCallResponse".
func (*ClearCallResponse) MessageName() string { return "ClearCallResponse" }
func (*ClearCallResponse) isResponse()         {}

func (m *ClearCallResponse) codec(c *fieldCodec) {
	c.extensions(&m.Extensions)
}

// HoldCall asks the switching function to put a call on hold.
type HoldCall struct {
	Header
	CallToBeHeld          ConnectionID
	ConnectionReservation *bool
	Extensions            *Extensions
}

// MessageName returns "HoldCall".
func (*HoldCall) MessageName() string { return "HoldCall" }
func (*HoldCall) isRequest()          {}

func (m *HoldCall) codec(c *fieldCodec) {
	c.connection("callToBeHeld", &m.CallToBeHeld)
	c.optBool("connectionReservation", &m.ConnectionReservation)
	c.extensions(&m.Extensions)
}

// HoldCallResponse acknowledges HoldCall.
type HoldCallResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "HoldCallResponse".
func (*HoldCallResponse) MessageName() string { return "HoldCallResponse" }
func (*HoldCallResponse) isResponse()         {}

func (m *HoldCallResponse) codec(c *fieldCodec) {
	c.extensions(&m.Extensions)
}

// RetrieveCall asks the switching function to take a held call back.
type RetrieveCall struct {
	Header
	CallToBeRetrieved ConnectionID
	Extensions        *Extensions
}

// MessageName returns "RetrieveCall".
func (*RetrieveCall) MessageName() string { return "RetrieveCall" }
func (*RetrieveCall) isRequest()          {}

func (m *RetrieveCall) codec(c *fieldCodec) {
	c.connection("callToBeRetrieved", &m.CallToBeRetrieved)
	c.extensions(&m.Extensions)
}

// RetrieveCallResponse acknowledges RetrieveCall.
type RetrieveCallResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "RetrieveCallResponse".
func (*RetrieveCallResponse) MessageName() string { return "RetrieveCallResponse" }
func (*RetrieveCallResponse) isResponse()         {}

func (m *RetrieveCallResponse) codec(c *fieldCodec) {
	c.extensions(&m.Extensions)
}

// ConsultationCall puts an existing call on hold and calls another device for
// consultation.
type ConsultationCall struct {
	Header
	ExistingCall             ConnectionID
	ConsultedDevice          DeviceID
	ConnectionReservation    *bool
	AccountCode              string
	AuthCode                 string
	CorrelatorData           string
	UserData                 RawXML
	CallCharacteristics      RawXML
	MediaCallCharacteristics RawXML
	CallingConnectionInfo    RawXML
	ConsultOptions           ConsultOptions
	SubjectOfCall            string
	LanguagePreferences      string
	Extensions               *Extensions
}

// MessageName returns "ConsultationCall".
func (*ConsultationCall) MessageName() string { return "ConsultationCall" }
func (*ConsultationCall) isRequest()          {}

func (m *ConsultationCall) codec(c *fieldCodec) {
	c.connection("existingCall", &m.ExistingCall)
	c.device("consultedDevice", &m.ConsultedDevice)
	c.optBool("connectionReservation", &m.ConnectionReservation)
	optText(c, "accountCode", &m.AccountCode)
	optText(c, "authCode", &m.AuthCode)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callingConnectionInfo", &m.CallingConnectionInfo)
	optText(c, "consultOptions", &m.ConsultOptions)
	optText(c, "subjectOfCall", &m.SubjectOfCall)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.extensions(&m.Extensions)
}

// ConsultationCallResponse answers ConsultationCall with the consulting
// device's connection to the new call.
type ConsultationCallResponse struct {
	Header
	InitiatedCall            ConnectionID
	MediaCallCharacteristics RawXML
	InitiatedCallInfo        RawXML
	CallLinkageData          RawXML
	Extensions               *Extensions
}

// MessageName returns "ConsultationCallResponse".
func (*ConsultationCallResponse) MessageName() string { return "ConsultationCallResponse" }
func (*ConsultationCallResponse) isResponse()         {}

func (m *ConsultationCallResponse) codec(c *fieldCodec) {
	c.connection("initiatedCall", &m.InitiatedCall)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("initiatedCallInfo", &m.InitiatedCallInfo)
	c.raw("callLinkageData", &m.CallLinkageData)
	c.extensions(&m.Extensions)
}

// AlternateCall puts the active call on hold and retrieves the held one.
type AlternateCall struct {
	Header
	HeldCall              ConnectionID
	ActiveCall            ConnectionID
	ConnectionReservation *bool
	ConsultOptions        ConsultOptions
	Extensions            *Extensions
}

// MessageName returns "AlternateCall".
func (*AlternateCall) MessageName() string { return "AlternateCall" }
func (*AlternateCall) isRequest()          {}

func (m *AlternateCall) codec(c *fieldCodec) {
	c.connection("heldCall", &m.HeldCall)
	c.connection("activeCall", &m.ActiveCall)
	c.optBool("connectionReservation", &m.ConnectionReservation)
	optText(c, "consultOptions", &m.ConsultOptions)
	c.extensions(&m.Extensions)
}

// AlternateCallResponse acknowledges AlternateCall.
type AlternateCallResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "AlternateCallResponse".
func (*AlternateCallResponse) MessageName() string { return "AlternateCallResponse" }
func (*AlternateCallResponse) isResponse()         {}

func (m *AlternateCallResponse) codec(c *fieldCodec) {
	c.extensions(&m.Extensions)
}

// ReconnectCall clears the active call and retrieves the held one.
type ReconnectCall struct {
	Header
	ActiveCall ConnectionID
	HeldCall   ConnectionID
	Extensions *Extensions
}

// MessageName returns "ReconnectCall".
func (*ReconnectCall) MessageName() string { return "ReconnectCall" }
func (*ReconnectCall) isRequest()          {}

func (m *ReconnectCall) codec(c *fieldCodec) {
	c.connection("activeCall", &m.ActiveCall)
	c.connection("heldCall", &m.HeldCall)
	c.extensions(&m.Extensions)
}

// ReconnectCallResponse acknowledges ReconnectCall.
type ReconnectCallResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "ReconnectCallResponse".
func (*ReconnectCallResponse) MessageName() string { return "ReconnectCallResponse" }
func (*ReconnectCallResponse) isResponse()         {}

func (m *ReconnectCallResponse) codec(c *fieldCodec) {
	c.extensions(&m.Extensions)
}

// TransferCall transfers a held call to the party of the active call.
type TransferCall struct {
	Header
	HeldCall   ConnectionID
	ActiveCall ConnectionID
	Extensions *Extensions
}

// MessageName returns "TransferCall".
func (*TransferCall) MessageName() string { return "TransferCall" }
func (*TransferCall) isRequest()          {}

func (m *TransferCall) codec(c *fieldCodec) {
	c.connection("heldCall", &m.HeldCall)
	c.connection("activeCall", &m.ActiveCall)
	c.extensions(&m.Extensions)
}

// TransferCallResponse answers TransferCall with the resulting call.
type TransferCallResponse struct {
	Header
	TransferredCall     ConnectionID
	Connections         []ConnectionListItem
	TransferredCallInfo RawXML
	CallLinkageDataList RawXML
	Extensions          *Extensions
}

// MessageName returns "TransferCallResponse".
func (*TransferCallResponse) MessageName() string { return "TransferCallResponse" }
func (*TransferCallResponse) isResponse()         {}

func (m *TransferCallResponse) codec(c *fieldCodec) {
	c.connection("transferredCall", &m.TransferredCall)
	list(c, "connections", "connectionListItem", false, &m.Connections, (*ConnectionListItem).codec)
	c.raw("transferredCallInfo", &m.TransferredCallInfo)
	c.raw("callLinkageDataList", &m.CallLinkageDataList)
	c.extensions(&m.Extensions)
}

// SingleStepTransferCall transfers a call to another device without
// consultation.
type SingleStepTransferCall struct {
	Header
	ActiveCall          ConnectionID
	TransferredTo       DeviceID
	AccountCode         string
	AuthCode            string
	CorrelatorData      string
	UserData            RawXML
	CallCharacteristics RawXML
	SubjectOfCall       string
	LanguagePreferences string
	Reason              EventCause
	Extensions          *Extensions
}

// MessageName returns "SingleStepTransferCall".
func (*SingleStepTransferCall) MessageName() string { return "SingleStepTransferCall" }
func (*SingleStepTransferCall) isRequest()          {}

func (m *SingleStepTransferCall) codec(c *fieldCodec) {
	c.connection("activeCall", &m.ActiveCall)
	c.device("transferredTo", &m.TransferredTo)
	optText(c, "accountCode", &m.AccountCode)
	optText(c, "authCode", &m.AuthCode)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	optText(c, "subjectOfCall", &m.SubjectOfCall)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	optText(c, "reason", &m.Reason)
	c.extensions(&m.Extensions)
}

// SingleStepTransferCallResponse answers SingleStepTransferCall with the
// resulting call.
type SingleStepTransferCallResponse struct {
	Header
	TransferredCall     ConnectionID
	Connections         []ConnectionListItem
	TransferredCallInfo RawXML
	CallLinkageDataList RawXML
	Extensions          *Extensions
}

// MessageName returns "SingleStepTransferCallResponse".
func (*SingleStepTransferCallResponse) MessageName() string { return "SingleStepTransferCallResponse" }
func (*SingleStepTransferCallResponse) isResponse()         {}

func (m *SingleStepTransferCallResponse) codec(c *fieldCodec) {
	c.connection("transferredCall", &m.TransferredCall)
	list(c, "connections", "connectionListItem", false, &m.Connections, (*ConnectionListItem).codec)
	c.raw("transferredCallInfo", &m.TransferredCallInfo)
	c.raw("callLinkageDataList", &m.CallLinkageDataList)
	c.extensions(&m.Extensions)
}

// ConferenceCall joins a held call and the active call into a conference.
type ConferenceCall struct {
	Header
	HeldCall   ConnectionID
	ActiveCall ConnectionID
	Extensions *Extensions
}

// MessageName returns "ConferenceCall".
func (*ConferenceCall) MessageName() string { return "ConferenceCall" }
func (*ConferenceCall) isRequest()          {}

func (m *ConferenceCall) codec(c *fieldCodec) {
	c.connection("heldCall", &m.HeldCall)
	c.connection("activeCall", &m.ActiveCall)
	c.extensions(&m.Extensions)
}

// ConferenceCallResponse answers ConferenceCall with the conference call.
type ConferenceCallResponse struct {
	Header
	ConferenceCall      ConnectionID
	Connections         []ConnectionListItem
	ConferenceCallInfo  RawXML
	CallLinkageDataList RawXML
	Extensions          *Extensions
}

// MessageName returns "ConferenceCallResponse".
func (*ConferenceCallResponse) MessageName() string { return "ConferenceCallResponse" }
func (*ConferenceCallResponse) isResponse()         {}

func (m *ConferenceCallResponse) codec(c *fieldCodec) {
	c.connection("conferenceCall", &m.ConferenceCall)
	list(c, "connections", "connectionListItem", false, &m.Connections, (*ConnectionListItem).codec)
	c.raw("conferenceCallInfo", &m.ConferenceCallInfo)
	c.raw("callLinkageDataList", &m.CallLinkageDataList)
	c.extensions(&m.Extensions)
}

// DeflectCall redirects an alerting call to another destination.
type DeflectCall struct {
	Header
	CallToBeDiverted       ConnectionID
	NewDestination         DeviceID
	AddNewDestinationsList RawXML
	CorrelatorData         string
	UserData               RawXML
	CallCharacteristics    RawXML
	SubjectOfCall          string
	LanguagePreferences    string
	Reason                 EventCause
	Extensions             *Extensions
}

// MessageName returns "DeflectCall".
func (*DeflectCall) MessageName() string { return "DeflectCall" }
func (*DeflectCall) isRequest()          {}

func (m *DeflectCall) codec(c *fieldCodec) {
	c.connection("callToBeDiverted", &m.CallToBeDiverted)
	c.device("newDestination", &m.NewDestination)
	c.raw("addNewDestinationsList", &m.AddNewDestinationsList)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	optText(c, "subjectOfCall", &m.SubjectOfCall)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	optText(c, "reason", &m.Reason)
	c.extensions(&m.Extensions)
}

// DeflectCallResponse acknowledges DeflectCall.
type DeflectCallResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "DeflectCallResponse".
func (*DeflectCallResponse) MessageName() string { return "DeflectCallResponse" }
func (*DeflectCallResponse) isResponse()         {}

func (m *DeflectCallResponse) codec(c *fieldCodec) {
	c.extensions(&m.Extensions)
}

// GenerateDigits sends DTMF or pulse digits into a call.
type GenerateDigits struct {
	Header
	ConnectionToSendDigits ConnectionID
	DigitMode              DigitMode
	CharactersToSend       string
	ToneDuration           *int
	PulseRate              *int
	PauseDuration          *int
	Extensions             *Extensions
}

// MessageName returns "GenerateDigits".
func (*GenerateDigits) MessageName() string { return "GenerateDigits" }
func (*GenerateDigits) isRequest()          {}

func (m *GenerateDigits) codec(c *fieldCodec) {
	c.connection("connectionToSendDigits", &m.ConnectionToSendDigits)
	optText(c, "digitMode", &m.DigitMode)
	reqText(c, "charactersToSend", &m.CharactersToSend)
	c.optInt("toneDuration", &m.ToneDuration)
	c.optInt("pulseRate", &m.PulseRate)
	c.optInt("pauseDuration", &m.PauseDuration)
	c.extensions(&m.Extensions)
}

// GenerateDigitsResponse acknowledges GenerateDigits.
type GenerateDigitsResponse struct {
	Header
	Extensions *Extensions
}

// MessageName returns "GenerateDigitsResponse".
func (*GenerateDigitsResponse) MessageName() string { return "GenerateDigitsResponse" }
func (*GenerateDigitsResponse) isResponse()         {}

func (m *GenerateDigitsResponse) codec(c *fieldCodec) {
	c.extensions(&m.Extensions)
}

var callControlMessages = []func() Message{
	func() Message { return new(AnswerCall) },
	func() Message { return new(AnswerCallResponse) },
	func() Message { return new(ClearConnection) },
	func() Message { return new(ClearConnectionResponse) },
	func() Message { return new(ClearCall) },
	func() Message { return new(ClearCallResponse) },
	func() Message { return new(HoldCall) },
	func() Message { return new(HoldCallResponse) },
	func() Message { return new(RetrieveCall) },
	func() Message { return new(RetrieveCallResponse) },
	func() Message { return new(ConsultationCall) },
	func() Message { return new(ConsultationCallResponse) },
	func() Message { return new(AlternateCall) },
	func() Message { return new(AlternateCallResponse) },
	func() Message { return new(ReconnectCall) },
	func() Message { return new(ReconnectCallResponse) },
	func() Message { return new(TransferCall) },
	func() Message { return new(TransferCallResponse) },
	func() Message { return new(SingleStepTransferCall) },
	func() Message { return new(SingleStepTransferCallResponse) },
	func() Message { return new(ConferenceCall) },
	func() Message { return new(ConferenceCallResponse) },
	func() Message { return new(DeflectCall) },
	func() Message { return new(DeflectCallResponse) },
	func() Message { return new(GenerateDigits) },
	func() Message { return new(GenerateDigitsResponse) },
}
