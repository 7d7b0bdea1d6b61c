package ctitest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"

	"github.com/rcc-go/rcc/csta"
)

// malformedRequestAnswer returns the answer to a frame that did not decode
// because of err: a well-formed request the codec knows, but with a
// required element missing or a value of the wrong form, is a request the
// PBX cannot carry out, so it gets a negative answer in the request's
// namespace instead of silence. It returns nil for anything else (not XML,
// not CSTA, responses and events). Before the application session has
// started (inSession false), other requests get security/generic, as
// well-formed ones do.
func malformedRequestAnswer(body []byte, err error, inSession bool) csta.Message {
	var de *csta.DecodeError
	if !errors.As(err, &de) {
		return nil
	}
	name, _, _ := strings.Cut(de.Path, "/")
	if !csta.IsKnown(name) || name == "CSTAErrorCode" ||
		strings.HasSuffix(name, "Response") || strings.HasSuffix(name, "Event") {
		return nil
	}
	var resp csta.Message
	switch name {
	case "StartApplicationSession":
		resp = &csta.StartApplicationSessionNegResponse{ErrorCode: csta.SessionError{Defined: csta.SessionInvalidApplicationInfo}}
	case "ResetApplicationSessionTimer":
		resp = &csta.ResetApplicationSessionTimerNegResponse{ErrorCode: csta.SessionError{Defined: csta.SessionInvalidSessionID}}
	case "StopApplicationSession":
		resp = &csta.StopApplicationSessionNegResponse{ErrorCode: csta.SessionError{Defined: csta.SessionInvalidSessionID}}
	default:
		if !inSession {
			resp = csta.ErrorResponse(csta.Header{}, csta.ErrSecurity)
			break
		}
		resp = csta.ErrorResponse(csta.Header{}, errInvalidParameterValue)
	}
	*resp.MessageHeader() = replyHeader(body)
	return resp
}

// replyHeader returns the Header to answer a document in: the namespace of
// its root element, or of the message in a SOAP body, and the SOAP
// wrapping. The document is known to be well-formed.
func replyHeader(body []byte) csta.Header {
	d := xml.NewDecoder(bytes.NewReader(body))
	var h csta.Header
	for {
		tok, err := d.Token()
		if err != nil {
			return csta.Header{}
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case se.Name.Local == "Envelope" && !h.SOAP:
			h.SOAP = true
			continue
		case h.SOAP && se.Name.Local == "Header":
			if d.Skip() != nil {
				return csta.Header{}
			}
			continue
		case h.SOAP && se.Name.Local == "Body":
			continue
		}
		h.Namespace = se.Name.Space
		h.NoNamespace = se.Name.Space == ""
		return h
	}
}
