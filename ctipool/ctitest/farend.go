package ctitest

import "time"

// FarEndAction is what a simulated external party does when it is called.
type FarEndAction uint8

// The far-end actions. The zero value, FarEndUnobtainable, is what a
// number no rule knows gets.
const (
	// FarEndUnobtainable refuses the call: the caller gets a FailedEvent
	// with cause destNotObtainable.
	FarEndUnobtainable FarEndAction = iota
	// FarEndBusy refuses the call as busy: a FailedEvent with cause busy.
	FarEndBusy
	// FarEndRing rings (NetworkReachedEvent, DeliveredEvent) until the
	// caller gives up or the test answers with [PBX.Answer].
	FarEndRing
	// FarEndAnswer rings, then answers after FarEnd.AnswerAfter
	// (EstablishedEvent), and hangs up after FarEnd.HangUpAfter when that
	// is set.
	FarEndAnswer
)

// String returns the action's name, as the fakecti control plane writes
// it: "unobtainable", "busy", "ring" or "answer".
func (a FarEndAction) String() string {
	switch a {
	case FarEndUnobtainable:
		return "unobtainable"
	case FarEndBusy:
		return "busy"
	case FarEndRing:
		return "ring"
	case FarEndAnswer:
		return "answer"
	}
	return "FarEndAction(?)"
}

// FarEnd says how a simulated external party behaves when a line calls it.
type FarEnd struct {
	// Action is what the far end does.
	Action FarEndAction
	// AnswerAfter is how long a FarEndAnswer party rings before it
	// answers; zero answers at once, in the same step as the delivery.
	AnswerAfter time.Duration
	// HangUpAfter, when positive, is how long a FarEndAnswer party stays
	// connected before it hangs up. Zero never hangs up.
	HangUpAfter time.Duration
}

// Default delays of the demo rules.
const (
	// DefaultAnswerDelay is how long a demo "2xxx" number rings before it
	// answers.
	DefaultAnswerDelay = time.Second
	// DefaultHangUpDelay is how long the demo number "3002" stays
	// connected before it hangs up.
	DefaultHangUpDelay = 5 * time.Second
)

// DemoFarEnds returns the far-end rules of the rcc demo world:
//
//	2xxx   (four digits starting with 2) rings, answers after answerDelay
//	3000   busy
//	3001   rings and never answers (until the test answers it)
//	3002   answers at once and hangs up after hangUpDelay
//	other  unobtainable (destNotObtainable)
//
// A zero answerDelay answers at once; a zero hangUpDelay makes 3002 stay
// connected.
func DemoFarEnds(answerDelay, hangUpDelay time.Duration) func(number string) FarEnd {
	return func(number string) FarEnd {
		switch number {
		case "3000":
			return FarEnd{Action: FarEndBusy}
		case "3001":
			return FarEnd{Action: FarEndRing}
		case "3002":
			return FarEnd{Action: FarEndAnswer, HangUpAfter: hangUpDelay}
		}
		if len(number) == 4 && number[0] == '2' && allDigits(number) {
			return FarEnd{Action: FarEndAnswer, AnswerAfter: answerDelay}
		}
		return FarEnd{Action: FarEndUnobtainable}
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
