package csta

// The CSTA events. Each starts with the monitorCrossRefID of the monitor it
// is reported for, followed by its fields in ECMA-323 schema order. The
// parties (ExtendedDeviceID) and lastRedirectionDevice the schema requires
// read as notKnown when a peer leaves them out; the cause reads as empty.
// Large structures nobody in a remote call control gateway reads
// (servicesPermitted, media and call characteristics, connection
// information, call linkage data) are kept as raw XML.

// ConnectionListItem is one entry of the connection list of a transfer or a
// conference: how an old connection maps to a new one.
type ConnectionListItem struct {
	NewConnection *ConnectionID
	OldConnection *ConnectionID
	// Endpoint is the endpoint choice: deviceID, notKnown or restricted.
	Endpoint *ExtendedDeviceID
	// AssociatedNID is the associatedNID choice: deviceID or notKnown.
	AssociatedNID           *ExtendedDeviceID
	ResultingConnectionInfo RawXML
}

func (it *ConnectionListItem) codec(c *fieldCodec) {
	c.optConnection("newConnection", &it.NewConnection)
	c.optConnection("oldConnection", &it.OldConnection)
	c.optExtended("endpoint", "deviceID", &it.Endpoint)
	c.optExtended("associatedNID", "deviceID", &it.AssociatedNID)
	c.raw("resultingConnectionInfo", &it.ResultingConnectionInfo)
}

// ServiceInitiatedEvent reports that a device has started a call, typically
// going off-hook or being asked to by MakeCall.
type ServiceInitiatedEvent struct {
	Header
	MonitorCrossRefID   MonitorCrossRefID
	InitiatedConnection ConnectionID
	InitiatingDevice    ExtendedDeviceID
	CalledDevice        *ExtendedDeviceID
	LocalConnectionInfo LocalConnectionState
	CorrelatorData      string
	Cause               EventCause
	// ServicesPermitted is kept as raw XML.
	ServicesPermitted        RawXML
	NetworkCallingDevice     *ExtendedDeviceID
	NetworkCalledDevice      *ExtendedDeviceID
	AssociatedCallingDevice  *ExtendedDeviceID
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	InitiatedConnectionInfo  RawXML
	CallLinkageData          RawXML
	SubjectOfCall            string
	MessageInfo              RawXML
	LanguagePreferences      string
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "ServiceInitiatedEvent".
func (*ServiceInitiatedEvent) MessageName() string { return "ServiceInitiatedEvent" }
func (*ServiceInitiatedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *ServiceInitiatedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *ServiceInitiatedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *ServiceInitiatedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("initiatedConnection", &m.InitiatedConnection)
	c.party("initiatingDevice", &m.InitiatingDevice)
	c.optParty("calledDevice", &m.CalledDevice)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.optParty("networkCallingDevice", &m.NetworkCallingDevice)
	c.optParty("networkCalledDevice", &m.NetworkCalledDevice)
	c.optParty("associatedCallingDevice", &m.AssociatedCallingDevice)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("initiatedConnectionInfo", &m.InitiatedConnectionInfo)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "subjectOfCall", &m.SubjectOfCall)
	c.raw("messageInfo", &m.MessageInfo)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// OriginatedEvent reports that a call has been originated from a device: the
// dialing is complete.
type OriginatedEvent struct {
	Header
	MonitorCrossRefID        MonitorCrossRefID
	OriginatedConnection     ConnectionID
	CallingDevice            ExtendedDeviceID
	CalledDevice             ExtendedDeviceID
	OriginatingDevice        *DeviceID
	LocalConnectionInfo      LocalConnectionState
	CorrelatorData           string
	Cause                    EventCause
	ServicesPermitted        RawXML
	NetworkCallingDevice     *ExtendedDeviceID
	NetworkCalledDevice      *ExtendedDeviceID
	AssociatedCallingDevice  *ExtendedDeviceID
	AssociatedCalledDevice   *ExtendedDeviceID
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	OriginatedConnectionInfo RawXML
	CallLinkageData          RawXML
	SubjectOfCall            string
	MessageInfo              RawXML
	LanguagePreferences      string
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "OriginatedEvent".
func (*OriginatedEvent) MessageName() string { return "OriginatedEvent" }
func (*OriginatedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *OriginatedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *OriginatedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *OriginatedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("originatedConnection", &m.OriginatedConnection)
	c.party("callingDevice", &m.CallingDevice)
	c.party("calledDevice", &m.CalledDevice)
	c.optDevice("originatingDevice", &m.OriginatingDevice)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.optParty("networkCallingDevice", &m.NetworkCallingDevice)
	c.optParty("networkCalledDevice", &m.NetworkCalledDevice)
	c.optParty("associatedCallingDevice", &m.AssociatedCallingDevice)
	c.optParty("associatedCalledDevice", &m.AssociatedCalledDevice)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("originatedConnectionInfo", &m.OriginatedConnectionInfo)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "subjectOfCall", &m.SubjectOfCall)
	c.raw("messageInfo", &m.MessageInfo)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// DeliveredEvent reports that a call is alerting at a device (incoming) or at
// the called party (outgoing).
type DeliveredEvent struct {
	Header
	MonitorCrossRefID        MonitorCrossRefID
	Connection               ConnectionID
	AlertingDevice           ExtendedDeviceID
	CallingDevice            ExtendedDeviceID
	CalledDevice             ExtendedDeviceID
	LastRedirectionDevice    RedirectionDeviceID
	OriginatingNIDConnection *ConnectionID
	LocalConnectionInfo      LocalConnectionState
	CorrelatorData           string
	UserData                 RawXML
	Cause                    EventCause
	ServicesPermitted        RawXML
	NetworkCallingDevice     *ExtendedDeviceID
	NetworkCalledDevice      *ExtendedDeviceID
	AssociatedCallingDevice  *ExtendedDeviceID
	AssociatedCalledDevice   *ExtendedDeviceID
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	ConnectionInfo           RawXML
	CallLinkageData          RawXML
	SubjectOfCall            string
	MessageInfo              RawXML
	LanguagePreferences      string
	DeviceHistory            RawXML
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "DeliveredEvent".
func (*DeliveredEvent) MessageName() string { return "DeliveredEvent" }
func (*DeliveredEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *DeliveredEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *DeliveredEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *DeliveredEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("connection", &m.Connection)
	c.party("alertingDevice", &m.AlertingDevice)
	c.party("callingDevice", &m.CallingDevice)
	c.party("calledDevice", &m.CalledDevice)
	c.redirection("lastRedirectionDevice", &m.LastRedirectionDevice)
	c.optConnection("originatingNIDConnection", &m.OriginatingNIDConnection)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.optParty("networkCallingDevice", &m.NetworkCallingDevice)
	c.optParty("networkCalledDevice", &m.NetworkCalledDevice)
	c.optParty("associatedCallingDevice", &m.AssociatedCallingDevice)
	c.optParty("associatedCalledDevice", &m.AssociatedCalledDevice)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("connectionInfo", &m.ConnectionInfo)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "subjectOfCall", &m.SubjectOfCall)
	c.raw("messageInfo", &m.MessageInfo)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("deviceHistory", &m.DeviceHistory)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// EstablishedEvent reports that a device has answered a call.
type EstablishedEvent struct {
	Header
	MonitorCrossRefID         MonitorCrossRefID
	EstablishedConnection     ConnectionID
	AnsweringDevice           ExtendedDeviceID
	CallingDevice             ExtendedDeviceID
	CalledDevice              ExtendedDeviceID
	LastRedirectionDevice     RedirectionDeviceID
	OriginatingNIDConnection  *ConnectionID
	LocalConnectionInfo       LocalConnectionState
	CorrelatorData            string
	UserData                  RawXML
	Cause                     EventCause
	ServicesPermitted         RawXML
	NetworkCallingDevice      *ExtendedDeviceID
	NetworkCalledDevice       *ExtendedDeviceID
	AssociatedCallingDevice   *ExtendedDeviceID
	AssociatedCalledDevice    *ExtendedDeviceID
	MediaCallCharacteristics  RawXML
	CallCharacteristics       RawXML
	EstablishedConnectionInfo RawXML
	CallLinkageData           RawXML
	SubjectOfCall             string
	MessageInfo               RawXML
	LanguagePreferences       string
	DeviceHistory             RawXML
	LocationInfo              RawXML
	Extensions                *Extensions
}

// MessageName returns "EstablishedEvent".
func (*EstablishedEvent) MessageName() string { return "EstablishedEvent" }
func (*EstablishedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *EstablishedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *EstablishedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *EstablishedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("establishedConnection", &m.EstablishedConnection)
	c.party("answeringDevice", &m.AnsweringDevice)
	c.party("callingDevice", &m.CallingDevice)
	c.party("calledDevice", &m.CalledDevice)
	c.redirection("lastRedirectionDevice", &m.LastRedirectionDevice)
	c.optConnection("originatingNIDConnection", &m.OriginatingNIDConnection)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.optParty("networkCallingDevice", &m.NetworkCallingDevice)
	c.optParty("networkCalledDevice", &m.NetworkCalledDevice)
	c.optParty("associatedCallingDevice", &m.AssociatedCallingDevice)
	c.optParty("associatedCalledDevice", &m.AssociatedCalledDevice)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("establishedConnectionInfo", &m.EstablishedConnectionInfo)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "subjectOfCall", &m.SubjectOfCall)
	c.raw("messageInfo", &m.MessageInfo)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("deviceHistory", &m.DeviceHistory)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// ConnectionClearedEvent reports that a device has left a call.
type ConnectionClearedEvent struct {
	Header
	MonitorCrossRefID        MonitorCrossRefID
	DroppedConnection        ConnectionID
	ReleasingDevice          ExtendedDeviceID
	LocalConnectionInfo      LocalConnectionState
	CorrelatorData           string
	UserData                 RawXML
	ChargingInfo             RawXML
	Cause                    EventCause
	ServicesPermitted        RawXML
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	DroppedConnectionInfo    RawXML
	CallLinkageData          RawXML
	LanguagePreferences      string
	DeviceHistory            RawXML
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "ConnectionClearedEvent".
func (*ConnectionClearedEvent) MessageName() string { return "ConnectionClearedEvent" }
func (*ConnectionClearedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *ConnectionClearedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *ConnectionClearedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *ConnectionClearedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("droppedConnection", &m.DroppedConnection)
	c.party("releasingDevice", &m.ReleasingDevice)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	c.raw("chargingInfo", &m.ChargingInfo)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("droppedConnectionInfo", &m.DroppedConnectionInfo)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("deviceHistory", &m.DeviceHistory)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// FailedEvent reports that a call cannot be completed, for example because the
// called device is busy.
type FailedEvent struct {
	Header
	MonitorCrossRefID        MonitorCrossRefID
	FailedConnection         ConnectionID
	FailingDevice            ExtendedDeviceID
	CallingDevice            ExtendedDeviceID
	CalledDevice             ExtendedDeviceID
	LastRedirectionDevice    RedirectionDeviceID
	OriginatingNIDConnection *ConnectionID
	LocalConnectionInfo      LocalConnectionState
	CorrelatorData           string
	UserData                 RawXML
	Cause                    EventCause
	ServicesPermitted        RawXML
	NetworkCallingDevice     *ExtendedDeviceID
	NetworkCalledDevice      *ExtendedDeviceID
	AssociatedCallingDevice  *ExtendedDeviceID
	AssociatedCalledDevice   *ExtendedDeviceID
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	FailedConnectionInfo     RawXML
	CallLinkageData          RawXML
	SubjectOfCall            string
	MessageInfo              RawXML
	LanguagePreferences      string
	DeviceHistory            RawXML
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "FailedEvent".
func (*FailedEvent) MessageName() string { return "FailedEvent" }
func (*FailedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *FailedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *FailedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *FailedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("failedConnection", &m.FailedConnection)
	c.party("failingDevice", &m.FailingDevice)
	c.party("callingDevice", &m.CallingDevice)
	c.party("calledDevice", &m.CalledDevice)
	c.redirection("lastRedirectionDevice", &m.LastRedirectionDevice)
	c.optConnection("originatingNIDConnection", &m.OriginatingNIDConnection)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.optParty("networkCallingDevice", &m.NetworkCallingDevice)
	c.optParty("networkCalledDevice", &m.NetworkCalledDevice)
	c.optParty("associatedCallingDevice", &m.AssociatedCallingDevice)
	c.optParty("associatedCalledDevice", &m.AssociatedCalledDevice)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("failedConnectionInfo", &m.FailedConnectionInfo)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "subjectOfCall", &m.SubjectOfCall)
	c.raw("messageInfo", &m.MessageInfo)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("deviceHistory", &m.DeviceHistory)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// HeldEvent reports that a device has put a call on hold.
type HeldEvent struct {
	Header
	MonitorCrossRefID        MonitorCrossRefID
	HeldConnection           ConnectionID
	HoldingDevice            ExtendedDeviceID
	LocalConnectionInfo      LocalConnectionState
	CorrelatorData           string
	Cause                    EventCause
	ServicesPermitted        RawXML
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	HeldConnectionInfo       RawXML
	CallLinkageData          RawXML
	LanguagePreferences      string
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "HeldEvent".
func (*HeldEvent) MessageName() string { return "HeldEvent" }
func (*HeldEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *HeldEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *HeldEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *HeldEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("heldConnection", &m.HeldConnection)
	c.party("holdingDevice", &m.HoldingDevice)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("heldConnectionInfo", &m.HeldConnectionInfo)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// RetrievedEvent reports that a device has taken a held call back.
type RetrievedEvent struct {
	Header
	MonitorCrossRefID        MonitorCrossRefID
	RetrievedConnection      ConnectionID
	RetrievingDevice         ExtendedDeviceID
	LocalConnectionInfo      LocalConnectionState
	CorrelatorData           string
	Cause                    EventCause
	ServicesPermitted        RawXML
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	RetrievedConnectionInfo  RawXML
	CallLinkageData          RawXML
	LanguagePreferences      string
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "RetrievedEvent".
func (*RetrievedEvent) MessageName() string { return "RetrievedEvent" }
func (*RetrievedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *RetrievedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *RetrievedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *RetrievedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("retrievedConnection", &m.RetrievedConnection)
	c.party("retrievingDevice", &m.RetrievingDevice)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("retrievedConnectionInfo", &m.RetrievedConnectionInfo)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// TransferredEvent reports that calls were transferred. Its XML element is the
// schema's "TransferedEvent" (one "r"); Decode also accepts
// "TransferredEvent".
type TransferredEvent struct {
	Header
	MonitorCrossRefID   MonitorCrossRefID
	PrimaryOldCall      ConnectionID
	SecondaryOldCall    *ConnectionID
	TransferringDevice  ExtendedDeviceID
	TransferredToDevice ExtendedDeviceID
	// TransferredConnections relates the old connections to the new ones.
	TransferredConnections   []ConnectionListItem
	LocalConnectionInfo      LocalConnectionState
	CorrelatorData           string
	UserData                 RawXML
	ChargingInfo             RawXML
	Cause                    EventCause
	ServicesPermitted        RawXML
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	CallLinkageDataList      RawXML
	LanguagePreferences      string
	DeviceHistory            RawXML
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "TransferedEvent".
func (*TransferredEvent) MessageName() string { return "TransferedEvent" }
func (*TransferredEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *TransferredEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *TransferredEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *TransferredEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("primaryOldCall", &m.PrimaryOldCall)
	c.optConnection("secondaryOldCall", &m.SecondaryOldCall)
	c.party("transferringDevice", &m.TransferringDevice)
	c.party("transferredToDevice", &m.TransferredToDevice)
	list(c, "transferredConnections", "connectionListItem", true, &m.TransferredConnections, (*ConnectionListItem).codec)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	c.raw("chargingInfo", &m.ChargingInfo)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("callLinkageDataList", &m.CallLinkageDataList)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("deviceHistory", &m.DeviceHistory)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// ConferencedEvent reports that calls were joined into a conference.
type ConferencedEvent struct {
	Header
	MonitorCrossRefID  MonitorCrossRefID
	PrimaryOldCall     ConnectionID
	SecondaryOldCall   *ConnectionID
	ConferencingDevice ExtendedDeviceID
	AddedParty         ExtendedDeviceID
	// ConferenceConnections relates the old connections to the new ones.
	ConferenceConnections    []ConnectionListItem
	LocalConnectionInfo      LocalConnectionState
	CorrelatorData           string
	UserData                 RawXML
	Cause                    EventCause
	ServicesPermitted        RawXML
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	CallLinkageDataList      RawXML
	LanguagePreferences      string
	DeviceHistory            RawXML
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "ConferencedEvent".
func (*ConferencedEvent) MessageName() string { return "ConferencedEvent" }
func (*ConferencedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *ConferencedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *ConferencedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *ConferencedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("primaryOldCall", &m.PrimaryOldCall)
	c.optConnection("secondaryOldCall", &m.SecondaryOldCall)
	c.party("conferencingDevice", &m.ConferencingDevice)
	c.party("addedParty", &m.AddedParty)
	list(c, "conferenceConnections", "connectionListItem", true, &m.ConferenceConnections, (*ConnectionListItem).codec)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("callLinkageDataList", &m.CallLinkageDataList)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("deviceHistory", &m.DeviceHistory)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// DivertedEvent reports that a call was redirected away from a device
// (deflected, forwarded, picked up).
type DivertedEvent struct {
	Header
	MonitorCrossRefID        MonitorCrossRefID
	Connection               ConnectionID
	DivertingDevice          ExtendedDeviceID
	NewDestination           ExtendedDeviceID
	CallingDevice            *ExtendedDeviceID
	CalledDevice             *ExtendedDeviceID
	LastRedirectionDevice    RedirectionDeviceID
	LocalConnectionInfo      LocalConnectionState
	CorrelatorData           string
	UserData                 RawXML
	Cause                    EventCause
	ServicesPermitted        RawXML
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	ConnectionInfo           RawXML
	NetworkCallingDevice     *ExtendedDeviceID
	NetworkCalledDevice      *ExtendedDeviceID
	AssociatedCallingDevice  *ExtendedDeviceID
	AssociatedCalledDevice   *ExtendedDeviceID
	CallLinkageData          RawXML
	SubjectOfCall            string
	MessageInfo              RawXML
	LanguagePreferences      string
	DeviceHistory            RawXML
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "DivertedEvent".
func (*DivertedEvent) MessageName() string { return "DivertedEvent" }
func (*DivertedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *DivertedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *DivertedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *DivertedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("connection", &m.Connection)
	c.party("divertingDevice", &m.DivertingDevice)
	c.party("newDestination", &m.NewDestination)
	c.optParty("callingDevice", &m.CallingDevice)
	c.optParty("calledDevice", &m.CalledDevice)
	c.redirection("lastRedirectionDevice", &m.LastRedirectionDevice)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("connectionInfo", &m.ConnectionInfo)
	c.optParty("networkCallingDevice", &m.NetworkCallingDevice)
	c.optParty("networkCalledDevice", &m.NetworkCalledDevice)
	c.optParty("associatedCallingDevice", &m.AssociatedCallingDevice)
	c.optParty("associatedCalledDevice", &m.AssociatedCalledDevice)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "subjectOfCall", &m.SubjectOfCall)
	c.raw("messageInfo", &m.MessageInfo)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("deviceHistory", &m.DeviceHistory)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// NetworkReachedEvent reports that a call has left the switching function for
// another network.
type NetworkReachedEvent struct {
	Header
	MonitorCrossRefID        MonitorCrossRefID
	OutboundConnection       ConnectionID
	NetworkInterfaceUsed     ExtendedDeviceID
	CallingDevice            ExtendedDeviceID
	CalledDevice             ExtendedDeviceID
	LastRedirectionDevice    RedirectionDeviceID
	OriginatingNIDConnection *ConnectionID
	LocalConnectionInfo      LocalConnectionState
	CorrelatorData           string
	UserData                 RawXML
	NetworkCapability        RawXML
	Cause                    EventCause
	ServicesPermitted        RawXML
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	OutboundConnectionInfo   RawXML
	NetworkCallingDevice     *ExtendedDeviceID
	NetworkCalledDevice      *ExtendedDeviceID
	AssociatedCallingDevice  *ExtendedDeviceID
	CallLinkageData          RawXML
	LanguagePreferences      string
	DeviceHistory            RawXML
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "NetworkReachedEvent".
func (*NetworkReachedEvent) MessageName() string { return "NetworkReachedEvent" }
func (*NetworkReachedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *NetworkReachedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *NetworkReachedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *NetworkReachedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("outboundConnection", &m.OutboundConnection)
	c.party("networkInterfaceUsed", &m.NetworkInterfaceUsed)
	c.party("callingDevice", &m.CallingDevice)
	c.party("calledDevice", &m.CalledDevice)
	c.redirection("lastRedirectionDevice", &m.LastRedirectionDevice)
	c.optConnection("originatingNIDConnection", &m.OriginatingNIDConnection)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	c.raw("networkCapability", &m.NetworkCapability)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("outboundConnectionInfo", &m.OutboundConnectionInfo)
	c.optParty("networkCallingDevice", &m.NetworkCallingDevice)
	c.optParty("networkCalledDevice", &m.NetworkCalledDevice)
	c.optParty("associatedCallingDevice", &m.AssociatedCallingDevice)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("deviceHistory", &m.DeviceHistory)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// QueuedEvent reports that a call was queued at a device such as an ACD group
// or a busy station.
type QueuedEvent struct {
	Header
	MonitorCrossRefID        MonitorCrossRefID
	QueuedConnection         ConnectionID
	Queue                    ExtendedDeviceID
	CallingDevice            ExtendedDeviceID
	CalledDevice             ExtendedDeviceID
	LastRedirectionDevice    RedirectionDeviceID
	NumberQueued             *int
	CallsInFront             *int
	LocalConnectionInfo      LocalConnectionState
	CorrelatorData           string
	UserData                 RawXML
	Cause                    EventCause
	ServicesPermitted        RawXML
	NetworkCallingDevice     *ExtendedDeviceID
	NetworkCalledDevice      *ExtendedDeviceID
	AssociatedCallingDevice  *ExtendedDeviceID
	AssociatedCalledDevice   *ExtendedDeviceID
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	QueuedConnectionInfo     RawXML
	CallLinkageData          RawXML
	SubjectOfCall            string
	MessageInfo              RawXML
	LanguagePreferences      string
	DeviceHistory            RawXML
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "QueuedEvent".
func (*QueuedEvent) MessageName() string { return "QueuedEvent" }
func (*QueuedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *QueuedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *QueuedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *QueuedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("queuedConnection", &m.QueuedConnection)
	c.party("queue", &m.Queue)
	c.party("callingDevice", &m.CallingDevice)
	c.party("calledDevice", &m.CalledDevice)
	c.redirection("lastRedirectionDevice", &m.LastRedirectionDevice)
	c.optInt("numberQueued", &m.NumberQueued)
	c.optInt("callsInFront", &m.CallsInFront)
	optText(c, "localConnectionInfo", &m.LocalConnectionInfo)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	optText(c, "cause", &m.Cause)
	c.raw("servicesPermitted", &m.ServicesPermitted)
	c.optParty("networkCallingDevice", &m.NetworkCallingDevice)
	c.optParty("networkCalledDevice", &m.NetworkCalledDevice)
	c.optParty("associatedCallingDevice", &m.AssociatedCallingDevice)
	c.optParty("associatedCalledDevice", &m.AssociatedCalledDevice)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("queuedConnectionInfo", &m.QueuedConnectionInfo)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "subjectOfCall", &m.SubjectOfCall)
	c.raw("messageInfo", &m.MessageInfo)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("deviceHistory", &m.DeviceHistory)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// DigitsGeneratedEvent reports the DTMF or pulse digits a device sent into a
// call.
type DigitsGeneratedEvent struct {
	Header
	MonitorCrossRefID MonitorCrossRefID
	Connection        ConnectionID
	// DigitGeneratedList is the digits sent.
	DigitGeneratedList string
	DigitDurationList  RawXML
	PauseDurationList  RawXML
	ConnectionInfo     RawXML
	Extensions         *Extensions
}

// MessageName returns "DigitsGeneratedEvent".
func (*DigitsGeneratedEvent) MessageName() string { return "DigitsGeneratedEvent" }
func (*DigitsGeneratedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *DigitsGeneratedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *DigitsGeneratedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *DigitsGeneratedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("connection", &m.Connection)
	optText(c, "digitGeneratedList", &m.DigitGeneratedList)
	c.raw("digitDurationList", &m.DigitDurationList)
	c.raw("pauseDurationList", &m.PauseDurationList)
	c.raw("connectionInfo", &m.ConnectionInfo)
	c.extensions(&m.Extensions)
}

// CallClearedEvent reports that a whole call has ended.
type CallClearedEvent struct {
	Header
	MonitorCrossRefID        MonitorCrossRefID
	ClearedCall              ConnectionID
	CorrelatorData           string
	UserData                 RawXML
	Cause                    EventCause
	MediaCallCharacteristics RawXML
	CallCharacteristics      RawXML
	CallLinkageData          RawXML
	LanguagePreferences      string
	LocationInfo             RawXML
	Extensions               *Extensions
}

// MessageName returns "CallClearedEvent".
func (*CallClearedEvent) MessageName() string { return "CallClearedEvent" }
func (*CallClearedEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *CallClearedEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *CallClearedEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *CallClearedEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.connection("clearedCall", &m.ClearedCall)
	c.correlator(&m.CorrelatorData)
	c.raw("userData", &m.UserData)
	optText(c, "cause", &m.Cause)
	c.raw("mediaCallCharacteristics", &m.MediaCallCharacteristics)
	c.raw("callCharacteristics", &m.CallCharacteristics)
	c.raw("callLinkageData", &m.CallLinkageData)
	optText(c, "languagePreferences", &m.LanguagePreferences)
	c.raw("locationInfo", &m.LocationInfo)
	c.extensions(&m.Extensions)
}

// ForwardingEvent reports a change in a device's forwarding.
type ForwardingEvent struct {
	Header
	MonitorCrossRefID MonitorCrossRefID
	Device            ExtendedDeviceID
	ForwardingType    ForwardingType
	// ForwardStatus is true when this forwarding is active.
	ForwardStatus  bool
	ForwardTo      *DeviceID
	ForwardDefault ForwardDefault
	RingCount      *int
	RingDuration   *int
	Extensions     *Extensions
}

// MessageName returns "ForwardingEvent".
func (*ForwardingEvent) MessageName() string { return "ForwardingEvent" }
func (*ForwardingEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *ForwardingEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *ForwardingEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *ForwardingEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.party("device", &m.Device)
	optText(c, "forwardingType", &m.ForwardingType)
	c.boolean("forwardStatus", &m.ForwardStatus)
	c.optDevice("forwardTo", &m.ForwardTo)
	optText(c, "forwardDefault", &m.ForwardDefault)
	c.optInt("ringCount", &m.RingCount)
	c.optInt("ringDuration", &m.RingDuration)
	c.extensions(&m.Extensions)
}

// DoNotDisturbEvent reports a change in a device's do-not-disturb setting.
type DoNotDisturbEvent struct {
	Header
	MonitorCrossRefID MonitorCrossRefID
	Device            ExtendedDeviceID
	DoNotDisturbOn    bool
	CallOrigination   RawXML
	CallingDeviceList RawXML
	Extensions        *Extensions
}

// MessageName returns "DoNotDisturbEvent".
func (*DoNotDisturbEvent) MessageName() string { return "DoNotDisturbEvent" }
func (*DoNotDisturbEvent) isEvent()            {}

// CrossRefID returns the event's monitorCrossRefID.
func (m *DoNotDisturbEvent) CrossRefID() MonitorCrossRefID { return m.MonitorCrossRefID }

// SetCrossRefID replaces the event's monitorCrossRefID.
func (m *DoNotDisturbEvent) SetCrossRefID(id MonitorCrossRefID) { m.MonitorCrossRefID = id }

func (m *DoNotDisturbEvent) codec(c *fieldCodec) {
	reqText(c, "monitorCrossRefID", &m.MonitorCrossRefID)
	c.party("device", &m.Device)
	c.boolean("doNotDisturbOn", &m.DoNotDisturbOn)
	c.raw("callOrigination", &m.CallOrigination)
	c.raw("callingDeviceList", &m.CallingDeviceList)
	c.extensions(&m.Extensions)
}

var eventMessages = []func() Message{
	func() Message { return new(ServiceInitiatedEvent) },
	func() Message { return new(OriginatedEvent) },
	func() Message { return new(DeliveredEvent) },
	func() Message { return new(EstablishedEvent) },
	func() Message { return new(ConnectionClearedEvent) },
	func() Message { return new(FailedEvent) },
	func() Message { return new(HeldEvent) },
	func() Message { return new(RetrievedEvent) },
	func() Message { return new(TransferredEvent) },
	func() Message { return new(ConferencedEvent) },
	func() Message { return new(DivertedEvent) },
	func() Message { return new(NetworkReachedEvent) },
	func() Message { return new(QueuedEvent) },
	func() Message { return new(DigitsGeneratedEvent) },
	func() Message { return new(CallClearedEvent) },
	func() Message { return new(ForwardingEvent) },
	func() Message { return new(DoNotDisturbEvent) },
}
