package admin

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/rcc-go/rcc/session"
)

func TestFormatAge(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{0, "0s"},
		{999 * time.Millisecond, "0s"},
		{45 * time.Second, "45s"},
		{60 * time.Second, "1m00s"},
		{12*time.Minute + 5*time.Second, "12m05s"},
		{3*time.Hour + 7*time.Minute + 59*time.Second, "3h07m"},
		{52 * time.Hour, "2d04h"},
		{400 * 24 * time.Hour, "400d00h"},
	} {
		assert.Equal(t, tc.want, formatAge(tc.d), "%v", tc.d)
	}
}

func TestFormatRTT(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{1500 * time.Nanosecond, "2µs"},
		{800 * time.Microsecond, "800µs"},
		{1234567 * time.Nanosecond, "1.23ms"},
		{15 * time.Millisecond, "15ms"},
		{999 * time.Millisecond, "999ms"},
		{1500 * time.Millisecond, "1.5s"},
	} {
		assert.Equal(t, tc.want, formatRTT(tc.d), "%v", tc.d)
	}
}

func TestClip(t *testing.T) {
	assert.Equal(t, "short", clip("short"))
	s := strings.Repeat("a", maxCell)
	assert.Equal(t, s, clip(s))
	assert.Equal(t, s+"…", clip(s+"b"))
	// A cut inside a multi-byte rune backs off to its start.
	u := strings.Repeat("a", maxCell-1) + "é"
	assert.Equal(t, strings.Repeat("a", maxCell-1)+"…", clip(u))
}

func TestRefusalRing(t *testing.T) {
	r := newRefusalRing(3)
	assert.Empty(t, r.list())
	users := func() []string {
		var out []string
		for _, f := range r.list() {
			out = append(out, f.User)
		}
		return out
	}
	r.add(refusal{User: "u0"})
	r.add(refusal{User: "u1"})
	assert.Equal(t, []string{"u1", "u0"}, users())
	for i := 2; i < 8; i++ {
		r.add(refusal{User: fmt.Sprintf("u%d", i)})
		assert.Len(t, r.list(), min(i+1, 3))
	}
	assert.Equal(t, []string{"u7", "u6", "u5"}, users())
}

func TestNewest(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ss []session.Info
	for _, m := range []int{5, 1, 9, 3, 7, 3} {
		ss = append(ss, session.Info{DialogID: fmt.Sprint(m), Opened: t0.Add(time.Duration(m) * time.Minute)})
	}
	ids := func(ss []session.Info) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.DialogID)
		}
		return out
	}
	assert.Equal(t, []string{"9", "7", "5"}, ids(newest(ss, 3)))
	assert.Equal(t, []string{"9", "7", "5", "3", "3", "1"}, ids(newest(ss, 10)))
	assert.Empty(t, newest(nil, 5))
	assert.Equal(t, "5", ss[0].DialogID, "the input is left alone")
}
