package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig("empty.yaml", nil)
	require.NoError(t, err)
	assert.Equal(t, defaultConfig(), cfg)
	assert.Equal(t, 600*time.Second, cfg.SIP.SessionExpires.D())
}

// TestParseConfigLibraryDefaults checks that the defaults are the
// libraries' own, and that a zero selects them too.
func TestParseConfigLibraryDefaults(t *testing.T) {
	cfg, err := ParseConfig("empty.yaml", nil)
	require.NoError(t, err)
	assert.Equal(t, sip.DefaultSessionExpires, cfg.SIP.SessionExpires.D())
	assert.Equal(t, sip.DefaultEventTimeout, cfg.SIP.EventTimeout.D())
	assert.Equal(t, csta.DefaultMaxSize, cfg.SIP.MaxBodySize)
	assert.Equal(t, ctipool.DefaultHeartbeatInterval, cfg.CTI.HeartbeatInterval.D())
	assert.Equal(t, session.DefaultMaxSessions, cfg.Session.MaxSessions)
	assert.Nil(t, cfg.SIP.TrustedPeers, "nil: sip's default, loopback")
	assert.Nil(t, cfg.Directory.Preference, "nil: lineappearance's default")

	// Zeros are accepted and left for the libraries: a zero session
	// interval is sip's 600s, which the 90s minimum is below.
	cfg, err = ParseConfig("zero.yaml", []byte("sip:\n  session_expires: 0\n  min_session_expires: 0\n  max_body_size: 0\ncti:\n  reconnect_min: 0\n  reconnect_max: 0\nsession:\n  max_sessions: 0\n"))
	require.NoError(t, err)
	assert.Zero(t, cfg.SIP.SessionExpires)
	assert.Zero(t, cfg.Session.MaxSessions)
}

func TestParseConfigOverrides(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte(`
sip:
  session_expires: 1800
  trusted_peers: ["10.1.0.0/16", "192.0.2.7"]
cti:
  heartbeat_interval: 2s
  dial_timeout: 3s
  endpoints:
    - {name: a, address: "127.0.0.1:7001"}
    - {name: b, address: "127.0.0.1:7002"}
session:
  loss_policy: reconnect
`))
	require.NoError(t, err)
	assert.Equal(t, 1800*time.Second, cfg.SIP.SessionExpires.D())
	assert.Equal(t, 2*time.Second, cfg.CTI.HeartbeatInterval.D())
	assert.Equal(t, 3*time.Second, cfg.CTI.DialTimeout.D())
	assert.Len(t, cfg.CTI.Endpoints, 2)
	assert.Equal(t, "reconnect", cfg.Session.LossPolicy)
	assert.Equal(t, 3, cfg.CTI.HeartbeatMisses, "unset keys keep their default")
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "sip:\n  sesion_expires: 10s\n", "config: c.yaml:2:3: sip.sesion_expires: unknown key"},
		{"unknown key in a list", "cti:\n  endpoints:\n    - {address: \"127.0.0.1:1\"}\n    - {adress: \"127.0.0.1:2\"}\n",
			"config: c.yaml:4:8: cti.endpoints[1].adress: unknown key"},
		{"unknown top-level key", "sip: {}\nctl: {}\n", "config: c.yaml:2:1: ctl: unknown key"},
		{"duplicate key", "cti:\n  dial_timeout: 1s\n  dial_timeout: 2s\n", "config: c.yaml:3:3: cti.dial_timeout: duplicate key (first at 2:3)"},
		{"bad duration", "cti:\n  heartbeat_interval: soon\n", `config: c.yaml:2:23: cti.heartbeat_interval: invalid duration "soon" (want e.g. 10s, 500ms, 2m)`},
		{"negative duration", "cti:\n  dial_timeout: -1s\n", `config: c.yaml:2:17: cti.dial_timeout: negative duration "-1s"`},
		{"empty duration", "cti: {dial_timeout: \"\"}\n", `config: c.yaml:1:21: cti.dial_timeout: invalid duration "" (want e.g. 10s, 500ms, 2m)`},
		{"duration not a scalar", "cti:\n  dial_timeout: [1s]\n", "config: c.yaml:2:17: cti.dial_timeout: duration must be a scalar"},
		{"type error", "sip:\n  max_body_size: lots\n", "config: c.yaml:2:18: sip.max_body_size: cannot unmarshal string into int"},
		{"list for a mapping", "sip: [1]\n", "config: c.yaml:1:6: sip: sequence was used where mapping is expected"},
		{"mapping for a list", "sip:\n  listen: {a: b}\n", "config: c.yaml:2:11: sip.listen: mapping was used where sequence is expected"},
		{"overflow", "sip: {max_body_size: 1e99}\n", "config: c.yaml:1:22: sip.max_body_size: cannot unmarshal 1e99 into Go value of type int ( overflow )"},
		{"alias to an unknown anchor", "cti:\n  dial_timeout: *nope\n", `config: c.yaml:2:18: cti.dial_timeout: could not find alias "nope"`},
		{"too deep", "sip: " + strings.Repeat("[", 1001), "config: c.yaml:1:1005: nested more than 1000 levels deep"},
		{"too large", "log: {level: info}\n" + strings.Repeat("#", 1<<20), "config: c.yaml: file larger than 1048576 bytes"},
		{"too many endpoints", "cti:\n  endpoints:\n" + nineEndpoints(), "c.yaml:3:5: cti.endpoints: 9 endpoints configured, at most 8 are allowed"},
		{"bad transport", "sip:\n  listen:\n    - {transport: sctp, address: \"127.0.0.1:5060\"}\n", "c.yaml:3:19: sip.listen[0].transport: \"sctp\" is not udp, tcp or tls"},
		{"bad policy", "session:\n  loss_policy: panic\n", `c.yaml:2:16: session.loss_policy: "panic" is not rehome or reconnect`},
		{"bad peer", "sip:\n  trusted_peers: [\"10.0.0.0/33\"]\n", "c.yaml:2:19: sip.trusted_peers[0]:"},
		{"bad auth peer", "sip:\n  realm: r\n  auth_peers: [\"10.0.0.0/24\", \"nope\"]\n", "c.yaml:3:31: sip.auth_peers[1]:"},
		{"auth peers without realm", "sip:\n  auth_peers: [\"10.0.0.0/24\"]\n", "sip.realm: required when sip.auth_peers is set"},
		{"bad realm", "sip:\n  realm: 'a\"b'\n", `c.yaml:2:10: sip.realm: "a\"b" holds a quote`},
		{"negative nonce lifetime", "sip:\n  nonce_lifetime: -1s\n", `negative duration "-1s"`},
		{"short session timer", "sip:\n  session_expires: 30s\n", "c.yaml:2:20: sip.session_expires: 30s is below the RFC 4028 minimum of 90s"},
		{"syntax", "sip: [\n", "config: c.yaml:1:6: sequence end token ']' not found"},
		{"negative size", "sip:\n  max_body_size: -1\n", "c.yaml:2:18: sip.max_body_size: -1 is negative (0 selects the default)"},
		{"negative queue", "sip:\n  event_queue_size: -5\n", "c.yaml:2:21: sip.event_queue_size: -5 is negative"},
		{"negative misses", "cti:\n  heartbeat_misses: -1\n", "c.yaml:2:21: cti.heartbeat_misses: -1 is negative"},
		{"negative limit", "session:\n  max_sessions_per_user: -2\n", "c.yaml:2:26: session.max_sessions_per_user: -2 is negative"},
		{"negative duration", "cti:\n  request_timeout: -1s\n", `negative duration "-1s"`},
		{"reconnect_max below the default minimum", "cti:\n  reconnect_min: 1m\n  reconnect_max: 0\n", "cti.reconnect_max (30s) is below cti.reconnect_min (1m0s)"},
		{"syntax with its column", "sip:\n\tlisten: []\n", "c.yaml:2:1: found character '\t' that cannot start any token"},
		{"mapping value on a scalar line", "sip:\n  hostname: a\n   b: c\n", "config: c.yaml:2:13: mapping value is not allowed in this context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("c.yaml", []byte(tt.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestParseConfigAliases checks that anchors and aliases work within the
// configuration and that alias expansion (a billion laughs) costs nothing:
// an alias shares the anchor's decoded value.
func TestParseConfigAliases(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte("sip:\n  trusted_peers: &peers [\"10.0.0.0/8\"]\n  trusted_subjects: *peers\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.0/8"}, cfg.SIP.TrustedSubjects)
	cfg, err = ParseConfig("c.yaml", []byte("cti:\n  dial_timeout: &d 2s\n  request_timeout: *d\n  reconnect_min: !!str 1s\n  heartbeat_interval:\n"))
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{2 * time.Second, 2 * time.Second, time.Second, 10 * time.Second},
		[]time.Duration{cfg.CTI.DialTimeout.D(), cfg.CTI.RequestTimeout.D(), cfg.CTI.ReconnectMin.D(), cfg.CTI.HeartbeatInterval.D()},
		"an alias, a tag, and null for the default")

	laughs := "sip:\n  trusted_subjects: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	prev := "a"
	for _, c := range "bcdefghi" {
		laughs += "  x" + string(c) + ": &" + string(c) + " [" + strings.Repeat("*"+prev+", ", 8) + "*" + prev + "]\n"
		prev = string(c)
	}
	_, err = ParseConfig("c.yaml", []byte(laughs))
	assert.EqualError(t, err, "config: c.yaml:3:3: sip.xb: unknown key")
	_, err = ParseConfig("c.yaml", []byte(strings.Replace(laughs, "  xb:", "  trusted_peers:", 1)))
	assert.EqualError(t, err, "config: c.yaml:4:3: sip.xc: unknown key")
}

func nineEndpoints() string {
	s := ""
	for i := 0; i < 9; i++ {
		s += "    - {address: \"127.0.0.1:700" + string(rune('0'+i)) + "\"}\n"
	}
	return s
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("sip:\n  session_expires: 600s\n"))
	f.Add([]byte("cti:\n  endpoints:\n    - {name: a, address: \"127.0.0.1:1\"}\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("f.yaml", data)
		if err == nil {
			// A config that parses is valid.
			require.NoError(t, cfg.validate())
		}
	})
}

// TestExampleConfig keeps the example configuration beside the binary valid.
func TestExampleConfig(t *testing.T) {
	cfg, err := LoadConfig("../../examples/gateway/config.example.yaml")
	require.NoError(t, err)
	assert.Len(t, cfg.CTI.Endpoints, 3)
	assert.Equal(t, "rehome", cfg.Session.LossPolicy)
	assert.True(t, cfg.SIP.TLS.RequireClientCert)
}
