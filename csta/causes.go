package csta

// EventCause is the cause of an event, or the reason given in a request
// (ClearConnection, DeflectCall, SingleStepTransferCall), as the XML writes
// it. Decode keeps values it does not know; Valid reports whether a value is
// one of the schema's.
type EventCause string

// The event causes of ECMA-269/ECMA-323, with the schema's spellings
// (including "notAvaliableBearerService").
const (
	CauseACDBusy                               EventCause = "aCDBusy"
	CauseACDForward                            EventCause = "aCDForward"
	CauseACDSaturated                          EventCause = "aCDSaturated"
	CauseActivation                            EventCause = "activation"
	CauseActiveParticipation                   EventCause = "activeParticipation"
	CauseAlertTimeExpired                      EventCause = "alertTimeExpired"
	CauseAlternate                             EventCause = "alternate"
	CauseAutoWork                              EventCause = "autoWork"
	CauseBabble                                EventCause = "babble"
	CauseBadAttribute                          EventCause = "badAttribute"
	CauseBadGrammar                            EventCause = "badGrammar"
	CauseBadVoice                              EventCause = "badVoice"
	CauseBadUri                                EventCause = "badUri"
	CauseBlocked                               EventCause = "blocked"
	CauseBusy                                  EventCause = "busy"
	CauseBusyOverflow                          EventCause = "busyOverflow"
	CauseCalendarOverflow                      EventCause = "calendarOverflow"
	CauseCallBack                              EventCause = "callBack"
	CauseCallCancelled                         EventCause = "callCancelled"
	CauseCallForward                           EventCause = "callForward"
	CauseCallForwardImmediate                  EventCause = "callForwardImmediate"
	CauseCallForwardBusy                       EventCause = "callForwardBusy"
	CauseCallForwardNoAnswer                   EventCause = "callForwardNoAnswer"
	CauseCallInterception                      EventCause = "callInterception"
	CauseCallInterceptionBusy                  EventCause = "callInterceptionBusy"
	CauseCallInterceptionForwarded             EventCause = "callInterceptionForwarded"
	CauseCallInterceptionNoAnswer              EventCause = "callInterceptionNoAnswer"
	CauseCallInterceptionResourcesNotAvailable EventCause = "callInterceptionResourcesNotAvailable"
	CauseCallNotAnswered                       EventCause = "callNotAnswered"
	CauseCallPickup                            EventCause = "callPickup"
	CauseCampOn                                EventCause = "campOn"
	CauseCampOnTrunks                          EventCause = "campOnTrunks"
	CauseCapacityOverflow                      EventCause = "capacityOverflow"
	CauseCharacterCountReached                 EventCause = "characterCountReached"
	CauseConference                            EventCause = "conference"
	CauseConsultation                          EventCause = "consultation"
	CauseDestDetected                          EventCause = "destDetected"
	CauseDestNotObtainable                     EventCause = "destNotObtainable"
	CauseDestOutOfOrder                        EventCause = "destOutOfOrder"
	CauseDistributed                           EventCause = "distributed"
	CauseDistributionDelay                     EventCause = "distributionDelay"
	CauseDoNotDisturb                          EventCause = "doNotDisturb"
	CauseDTMFDigitDetected                     EventCause = "dTMFDigitDetected"
	CauseDuplicateDTMF                         EventCause = "duplicateDTMF"
	CauseDurationExceeded                      EventCause = "durationExceeded"
	CauseEarlyStop                             EventCause = "earlyStop"
	CauseEmptyQueue                            EventCause = "emptyQueue"
	CauseEndOfMessageDetected                  EventCause = "endOfMessageDetected"
	CauseEnteringDistribution                  EventCause = "enteringDistribution"
	CauseForcedPause                           EventCause = "forcedPause"
	CauseForcedTransition                      EventCause = "forcedTransition"
	CauseIncompatibleDestination               EventCause = "incompatibleDestination"
	CauseInterDigitTimeout                     EventCause = "interDigitTimeout"
	CauseIntrude                               EventCause = "intrude"
	CauseInvalidAccountCode                    EventCause = "invalidAccountCode"
	CauseInvalidConnection                     EventCause = "invalidConnection"
	CauseInvalidConnectionState                EventCause = "invalidConnectionState"
	CauseInvalidNumberFormat                   EventCause = "invalidNumberFormat"
	CauseJoinCall                              EventCause = "joinCall"
	CauseKeyOperation                          EventCause = "keyOperation"
	CauseKeyOperationInUse                     EventCause = "keyOperationInUse"
	CauseLawfulInterception                    EventCause = "lawfulInterception"
	CauseLockout                               EventCause = "lockout"
	CauseMaintenance                           EventCause = "maintenance"
	CauseMakeCall                              EventCause = "makeCall"
	CauseMakeConnection                        EventCause = "makeConnection"
	CauseMakePredictiveCall                    EventCause = "makePredictiveCall"
	CauseMaxTimeout                            EventCause = "maxTimeout"
	CauseMessageDurationExceeded               EventCause = "messageDurationExceeded"
	CauseMessageSizeExceeded                   EventCause = "messageSizeExceeded"
	CauseMultipleAlerting                      EventCause = "multipleAlerting"
	CauseMultipleQueuing                       EventCause = "multipleQueuing"
	CauseNetworkCongestion                     EventCause = "networkCongestion"
	CauseNetworkDialling                       EventCause = "networkDialling"
	CauseNetworkNotObtainable                  EventCause = "networkNotObtainable"
	CauseNetworkOutOfOrder                     EventCause = "networkOutOfOrder"
	CauseNetworkSignal                         EventCause = "networkSignal"
	CauseNewCall                               EventCause = "newCall"
	CauseNextMessage                           EventCause = "nextMessage"
	CauseNoAudioSaved                          EventCause = "noAudioSaved"
	CauseNoAvailableAgents                     EventCause = "noAvailableAgents"
	CauseNoQueue                               EventCause = "noQueue"
	CauseNormal                                EventCause = "normal"
	CauseNormalClearing                        EventCause = "normalClearing"
	CauseNoRule                                EventCause = "noRule"
	CauseNoSpeechDetected                      EventCause = "noSpeechDetected"
	CauseNotAvaliableBearerService             EventCause = "notAvaliableBearerService"
	CauseNotSupportedBearerService             EventCause = "notSupportedBearerService"
	CauseNumberChanged                         EventCause = "numberChanged"
	CauseNumberUnallocated                     EventCause = "numberUnallocated"
	CauseOutOfGrammar                          EventCause = "outOfGrammar"
	CauseOverflow                              EventCause = "overflow"
	CauseOverride                              EventCause = "override"
	CausePark                                  EventCause = "park"
	CausePathReplacement                       EventCause = "pathReplacement"
	CauseQueueCleared                          EventCause = "queueCleared"
	CauseQueueTimeOverflow                     EventCause = "queueTimeOverflow"
	CauseRecall                                EventCause = "recall"
	CauseRecallBusy                            EventCause = "recallBusy"
	CauseRecallForwarded                       EventCause = "recallForwarded"
	CauseRecallNoAnswer                        EventCause = "recallNoAnswer"
	CauseRecallResourcesNotAvailable           EventCause = "recallResourcesNotAvailable"
	CauseRedirected                            EventCause = "redirected"
	CauseRemainsInQueue                        EventCause = "remainsInQueue"
	CauseReorderTone                           EventCause = "reorderTone"
	CauseReserved                              EventCause = "reserved"
	CauseResourcesNotAvailable                 EventCause = "resourcesNotAvailable"
	CauseSelectedTrunkBusy                     EventCause = "selectedTrunkBusy"
	CauseSilentParticipation                   EventCause = "silentParticipation"
	CauseSingleStepConference                  EventCause = "singleStepConference"
	CauseSingleStepTransfer                    EventCause = "singleStepTransfer"
	CauseSpeechDetected                        EventCause = "speechDetected"
	CauseSuspend                               EventCause = "suspend"
	CauseSwitchingFunctionTerminated           EventCause = "switchingFunctionTerminated"
	CauseTerminationCharacterReceived          EventCause = "terminationCharacterReceived"
	CauseTimeout                               EventCause = "timeout"
	CauseTransfer                              EventCause = "transfer"
	CauseTrunksBusy                            EventCause = "trunksBusy"
	CauseUnauthorisedBearerService             EventCause = "unauthorisedBearerService"
	CauseUnknownOverflow                       EventCause = "unknownOverflow"
)

// eventCauses maps each cause to its ASN.1 number (ECMA-285
// CSTA-event-causes). It is never written after initialisation.
var eventCauses = map[EventCause]int{
	CauseACDBusy:                               57,
	CauseACDForward:                            58,
	CauseACDSaturated:                          59,
	CauseActivation:                            88,
	CauseActiveParticipation:                   1,
	CauseAlertTimeExpired:                      60,
	CauseAlternate:                             2,
	CauseAutoWork:                              61,
	CauseBabble:                                89,
	CauseBadAttribute:                          90,
	CauseBadGrammar:                            91,
	CauseBadVoice:                              92,
	CauseBadUri:                                93,
	CauseBlocked:                               35,
	CauseBusy:                                  3,
	CauseBusyOverflow:                          94,
	CauseCalendarOverflow:                      95,
	CauseCallBack:                              4,
	CauseCallCancelled:                         5,
	CauseCallForward:                           9,
	CauseCallForwardImmediate:                  6,
	CauseCallForwardBusy:                       7,
	CauseCallForwardNoAnswer:                   8,
	CauseCallInterception:                      116,
	CauseCallInterceptionBusy:                  117,
	CauseCallInterceptionForwarded:             118,
	CauseCallInterceptionNoAnswer:              119,
	CauseCallInterceptionResourcesNotAvailable: 120,
	CauseCallNotAnswered:                       10,
	CauseCallPickup:                            11,
	CauseCampOn:                                12,
	CauseCampOnTrunks:                          62,
	CauseCapacityOverflow:                      96,
	CauseCharacterCountReached:                 36,
	CauseConference:                            63,
	CauseConsultation:                          37,
	CauseDestDetected:                          64,
	CauseDestNotObtainable:                     13,
	CauseDestOutOfOrder:                        65,
	CauseDistributed:                           38,
	CauseDistributionDelay:                     66,
	CauseDoNotDisturb:                          14,
	CauseDTMFDigitDetected:                     39,
	CauseDuplicateDTMF:                         97,
	CauseDurationExceeded:                      40,
	CauseEarlyStop:                             98,
	CauseEmptyQueue:                            99,
	CauseEndOfMessageDetected:                  41,
	CauseEnteringDistribution:                  42,
	CauseForcedPause:                           43,
	CauseForcedTransition:                      67,
	CauseIncompatibleDestination:               15,
	CauseInterDigitTimeout:                     100,
	CauseIntrude:                               68,
	CauseInvalidAccountCode:                    16,
	CauseInvalidConnection:                     101,
	CauseInvalidConnectionState:                102,
	CauseInvalidNumberFormat:                   69,
	CauseJoinCall:                              70,
	CauseKeyOperation:                          17,
	CauseKeyOperationInUse:                     71,
	CauseLawfulInterception:                    121,
	CauseLockout:                               18,
	CauseMaintenance:                           19,
	CauseMakeCall:                              44,
	CauseMakeConnection:                        103,
	CauseMakePredictiveCall:                    72,
	CauseMaxTimeout:                            104,
	CauseMessageDurationExceeded:               73,
	CauseMessageSizeExceeded:                   45,
	CauseMultipleAlerting:                      74,
	CauseMultipleQueuing:                       75,
	CauseNetworkCongestion:                     20,
	CauseNetworkDialling:                       76,
	CauseNetworkNotObtainable:                  21,
	CauseNetworkOutOfOrder:                     77,
	CauseNetworkSignal:                         46,
	CauseNewCall:                               22,
	CauseNextMessage:                           47,
	CauseNoAudioSaved:                          105,
	CauseNoAvailableAgents:                     23,
	CauseNoQueue:                               106,
	CauseNormal:                                78,
	CauseNormalClearing:                        48,
	CauseNoRule:                                107,
	CauseNoSpeechDetected:                      49,
	CauseNotAvaliableBearerService:             79,
	CauseNotSupportedBearerService:             80,
	CauseNumberChanged:                         50,
	CauseNumberUnallocated:                     81,
	CauseOutOfGrammar:                          108,
	CauseOverflow:                              26,
	CauseOverride:                              24,
	CausePark:                                  25,
	CausePathReplacement:                       109,
	CauseQueueCleared:                          82,
	CauseQueueTimeOverflow:                     110,
	CauseRecall:                                27,
	CauseRecallBusy:                            111,
	CauseRecallForwarded:                       112,
	CauseRecallNoAnswer:                        113,
	CauseRecallResourcesNotAvailable:           114,
	CauseRedirected:                            28,
	CauseRemainsInQueue:                        83,
	CauseReorderTone:                           29,
	CauseReserved:                              84,
	CauseResourcesNotAvailable:                 30,
	CauseSelectedTrunkBusy:                     85,
	CauseSilentParticipation:                   31,
	CauseSingleStepConference:                  51,
	CauseSingleStepTransfer:                    52,
	CauseSpeechDetected:                        53,
	CauseSuspend:                               86,
	CauseSwitchingFunctionTerminated:           54,
	CauseTerminationCharacterReceived:          55,
	CauseTimeout:                               56,
	CauseTransfer:                              32,
	CauseTrunksBusy:                            33,
	CauseUnauthorisedBearerService:             87,
	CauseUnknownOverflow:                       115,
}

// String returns the XML value.
func (c EventCause) String() string { return string(c) }

// Valid reports whether c is one of the schema's values.
func (c EventCause) Valid() bool {
	_, ok := eventCauses[c]
	return ok
}

// Number returns the ASN.1 number of c, and false when c is not one of the
// schema's values.
func (c EventCause) Number() (int, bool) {
	n, ok := eventCauses[c]
	return n, ok
}
