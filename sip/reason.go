package sip

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
)

// endReasons are the words and causes of the reasons the session layer
// gives EventSink.End (package session's End reasons); any other reason is
// sent as given, with cause 200.
var endReasons = map[string]struct {
	cause int
	text  string
}{
	"replaced":          {200, "replaced by a new session"},
	"shutdown":          {503, "gateway shutting down"},
	"CTI monitor lost":  {503, "CTI connection lost"},
	"event backlog":     {503, "events undeliverable: event backlog"},
	"directory changed": {403, "line no longer allowed: directory changed"},
}

// byeReason returns the cause and the words of the Reason header (RFC 3326)
// of the BYE that ends a dialog for err; see the package documentation.
func byeReason(err error) (cause int, text string) {
	var r *RefusalError
	switch {
	case errors.Is(err, ErrServerClosed):
		return 503, "gateway shutting down"
	case errors.Is(err, ErrExpired):
		return 408, "session timer expired"
	case errors.Is(err, ErrRefreshFailed):
		if errors.As(err, &r) && r.Status == 481 {
			return 481, "session refresh failed"
		}
		return 408, "session refresh failed"
	case errors.Is(err, ErrConnectionFailed):
		return 408, "events undeliverable: connection failed"
	case errors.Is(err, ErrEventTimeouts):
		return 408, "events undeliverable: no answer"
	case errors.Is(err, ErrNoACK):
		return 408, "no ACK for the 2xx"
	case errors.Is(err, ErrStaleSession):
		return 503, "CTI connection lost"
	case errors.Is(err, ErrEnded):
		reason := strings.TrimPrefix(err.Error(), ErrEnded.Error()+": ")
		if e, ok := endReasons[reason]; ok {
			return e.cause, e.text
		}
		return 200, reason
	}
	return 200, "dialog ended"
}

// reasonHeader formats a Reason header value: SIP;cause=N;text="words",
// the words made one printable line with quotes and backslashes escaped.
func reasonHeader(cause int, text string) string {
	var b strings.Builder
	b.WriteString("SIP;cause=")
	b.WriteString(strconv.Itoa(cause))
	b.WriteString(`;text="`)
	for _, c := range text {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case unicode.IsControl(c):
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
