package gateway

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/dialect"
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
	assert.Equal(t, sip.DefaultMaxUDPTransactions, cfg.SIP.MaxUDPTransactions)
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
		{"bad digest algorithm", "sip:\n  digest_algorithms: [MD5, SHA-512]\n", "sip.digest_algorithms[1]: \"SHA-512\" is not SHA-256 or MD5"},
		{"digest algorithm twice", "sip:\n  digest_algorithms: [md5, MD5]\n", "sip.digest_algorithms[1]: \"MD5\" is listed twice"},
		{"bad auth peer", "sip:\n  realm: r\n  auth_peers: [\"10.0.0.0/24\", \"nope\"]\n", "c.yaml:3:31: sip.auth_peers[1]:"},
		{"auth peers without realm", "sip:\n  auth_peers: [\"10.0.0.0/24\"]\n", "sip.realm: required when sip.auth_peers is set"},
		{"bad realm", "sip:\n  realm: 'a\"b'\n", `c.yaml:2:10: sip.realm: "a\"b" holds a quote`},
		{"negative nonce lifetime", "sip:\n  nonce_lifetime: -1s\n", `negative duration "-1s"`},
		{"short session timer", "sip:\n  session_expires: 30s\n", "c.yaml:2:20: sip.session_expires: 30s is below the RFC 4028 minimum of 90s"},
		{"syntax", "sip: [\n", "config: c.yaml:1:6: sequence end token ']' not found"},
		{"negative size", "sip:\n  max_body_size: -1\n", "c.yaml:2:18: sip.max_body_size: -1 is negative (0 selects the default)"},
		{"negative UDP transactions", "sip:\n  max_udp_transactions: -1\n", "c.yaml:2:25: sip.max_udp_transactions: -1 is negative (0 selects the default)"},
		{"negative queue", "sip:\n  event_queue_size: -5\n", "c.yaml:2:21: sip.event_queue_size: -5 is negative"},
		{"negative misses", "cti:\n  heartbeat_misses: -1\n", "c.yaml:2:21: cti.heartbeat_misses: -1 is negative"},
		{"negative limit", "session:\n  max_sessions_per_user: -2\n", "c.yaml:2:26: session.max_sessions_per_user: -2 is negative"},
		{"negative duration", "cti:\n  request_timeout: -1s\n", `negative duration "-1s"`},
		{"reconnect_max below the default minimum", "cti:\n  reconnect_min: 1m\n  reconnect_max: 0\n", "cti.reconnect_max (30s) is below cti.reconnect_min (1m0s)"},
		{"syntax with its column", "sip:\n\tlisten: []\n", "c.yaml:2:1: found character '\t' that cannot start any token"},
		{"unknown dialect", "cti:\n  dialect: cisco-jtapi\n", `c.yaml:2:12: cti.dialect: "cisco-jtapi" is not a known dialect (known: avaya-dmcc, ecma354, openscape-business, openscape-voice)`},
		{"dmcc without a user", "cti:\n  dialect: avaya-dmcc\n  switch_name: CM1\n", "c.yaml:2:3: cti.username: dialect avaya-dmcc logs in to AES: a user name is required"},
		{"dmcc without a switch", "cti:\n  dialect: avaya-dmcc\n  username: u\n  password: p\n", "c.yaml:2:3: cti.switch_name: dialect avaya-dmcc names the switch in GetDeviceId"},
		{"switch for another dialect", "cti:\n  dialect: openscape-voice\n  switch_name: CM1\n", "c.yaml:3:16: cti.switch_name: only avaya-dmcc names a switch, not openscape-voice"},
		{"credentials without a login", "cti:\n  username: u\n", "c.yaml:2:13: cti.username: dialect ecma354 has no login"},
		{"two passwords", "cti:\n  dialect: openscape-business\n  username: u\n  password: p\n  password_env: P\n", "c.yaml:4:13: cti.password: set at most one of cti.password, cti.password_file and cti.password_env"},
		{"password without a user", "cti:\n  dialect: openscape-business\n  password: p\n", "cti.username: a password is configured without a user name"},
		{"missing password file", "cti:\n  dialect: openscape-business\n  username: u\n  password_file: /nonexistent/pw\n", "c.yaml:4:18: cti.password_file: /nonexistent/pw: no such file or directory"},
		{"unset password variable", "cti:\n  dialect: openscape-business\n  username: u\n  password_env: RCC_TEST_UNSET_PASSWORD\n", "c.yaml:4:17: cti.password_env: environment variable RCC_TEST_UNSET_PASSWORD is not set"},
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

// TestParseConfigCredentials checks the three ways to give the CTI
// password, and that the password shows in no printed, logged or written
// form of the configuration, nor in an error.
func TestParseConfigCredentials(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	require.NoError(t, os.WriteFile(file, []byte("from-file\nignored\n"), 0o600))
	t.Setenv("RCC_TEST_CTI_PASSWORD", "from-env")
	for _, tt := range []struct{ key, want string }{
		{"password: inline-secret", "inline-secret"},
		{"password_file: " + file, "from-file"},
		{"password_env: RCC_TEST_CTI_PASSWORD", "from-env"},
	} {
		cfg, err := ParseConfig("c.yaml", []byte("cti:\n  dialect: avaya-dmcc\n  username: rcc\n  switch_name: CM1\n  "+tt.key+"\n"))
		require.NoError(t, err, tt.key)
		got, err := cfg.CTI.ResolvePassword()
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
		assert.Equal(t, "avaya-dmcc", cfg.CTI.Dialect)
	}
	cfg, err := ParseConfig("c.yaml", []byte("cti:\n  dialect: openscape-business\n  username: rcc\n  password: inline-secret\n"))
	require.NoError(t, err)
	out, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cti", cfg.CTI, "password", cfg.CTI.Password)
	for _, shown := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), string(out), logged.String()} {
		assert.NotContains(t, shown, "inline-secret")
	}
	assert.Contains(t, string(out), "[redacted]")

	// LoadConfig takes a relative password_file beside the configuration.
	conf := filepath.Join(dir, "gw.yaml")
	require.NoError(t, os.WriteFile(conf, []byte("cti:\n  dialect: openscape-business\n  username: u\n  password_file: pw\n"), 0o600))
	cfg, err = LoadConfig(conf)
	require.NoError(t, err)
	assert.Equal(t, file, cfg.CTI.PasswordFile)
	got, err := cfg.CTI.ResolvePassword()
	require.NoError(t, err)
	assert.Equal(t, "from-file", got)

	// A password file whose first line is empty is refused.
	require.NoError(t, os.WriteFile(file, []byte("\n"), 0o600))
	_, err = ParseConfig("c.yaml", []byte("cti:\n  dialect: openscape-business\n  username: u\n  password_file: "+file+"\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cti.password_file: "+file+": the first line is empty")
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
	assert.Equal(t, "ecma354", cfg.CTI.Dialect)
	assert.Equal(t, filepath.Join("..", "..", "examples", "gateway", "directory.example.yaml"), cfg.Directory.File,
		"the sample directory beside it, relative to the configuration file")
	assert.Equal(t, "/etc/rcc/gateway.crt", cfg.SIP.TLS.CertFile, "absolute names stay")
}

// TestDialectConfigs keeps the sample configuration of each dialect beside
// the binary valid: each loads, names its dialect and, where the dialect
// logs in, its user and a password from the environment.
func TestDialectConfigs(t *testing.T) {
	t.Setenv("RCC_CTI_PASSWORD", "from-the-environment")
	for _, d := range dialect.Names() {
		t.Run(d, func(t *testing.T) {
			cfg, err := LoadConfig("../../examples/gateway/config." + d + ".yaml")
			require.NoError(t, err)
			assert.Equal(t, d, cfg.CTI.Dialect)
			assert.NotEmpty(t, cfg.CTI.Endpoints)
			pw, err := cfg.CTI.ResolvePassword()
			require.NoError(t, err)
			if dd, _ := dialect.Lookup(d); dd.Session == dialect.SessionLogin {
				assert.NotEmpty(t, cfg.CTI.Username)
				assert.Equal(t, "from-the-environment", pw)
			} else {
				assert.Empty(t, pw)
			}
		})
	}
}

// TestLoadConfigResolvesFiles checks that LoadConfig takes relative file
// names from the configuration file's folder, and leaves absolute ones.
func TestLoadConfigResolvesFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gw.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
sip:
  tls: {cert_file: certs/gw.crt, key_file: /abs/gw.key, client_ca_file: ../ca.crt}
cti:
  tls: {ca_file: cti-ca.crt}
directory:
  file: dir.yaml
`), 0o600))
	cfg, err := LoadConfig(path)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "dir.yaml"), cfg.Directory.File)
	assert.Equal(t, filepath.Join(dir, "certs", "gw.crt"), cfg.SIP.TLS.CertFile)
	assert.Equal(t, "/abs/gw.key", cfg.SIP.TLS.KeyFile)
	assert.Equal(t, filepath.Join(filepath.Dir(dir), "ca.crt"), cfg.SIP.TLS.ClientCAFile)
	assert.Equal(t, filepath.Join(dir, "cti-ca.crt"), cfg.CTI.TLS.CAFile)
	assert.Empty(t, cfg.CTI.TLS.CertFile, "unset stays unset")

	// ParseConfig has no file to be relative to.
	cfg, err = ParseConfig("gw.yaml", []byte("directory:\n  file: dir.yaml\n"))
	require.NoError(t, err)
	assert.Equal(t, "dir.yaml", cfg.Directory.File)
}

// TestParseConfigAddresses checks that an address whose port cannot be
// used is refused at load, naming the key and the value, rather than
// retried forever (a CTI endpoint) or refused only when the socket opens.
func TestParseConfigAddresses(t *testing.T) {
	cti := func(addr string) string { return "cti:\n  endpoints:\n    - {name: a, address: \"" + addr + "\"}\n" }
	sipl := func(addr string) string {
		return "sip:\n  listen:\n    - {transport: udp, address: \"" + addr + "\"}\n"
	}
	admin := func(addr string) string { return "admin:\n  listen: \"" + addr + "\"\n" }
	bad := []struct {
		name, yaml, want string
	}{
		{"cti port not a number", cti("127.0.0.1:notaport"), `c.yaml:3:26: cti.endpoints[0].address: "127.0.0.1:notaport": port "notaport" is not a number`},
		{"cti port out of range", cti("127.0.0.1:65536"), `cti.endpoints[0].address: "127.0.0.1:65536": port 65536 is out of range (1 to 65535)`},
		{"cti port far out of range", cti("127.0.0.1:99999999999999999999"), `port 99999999999999999999 is out of range`},
		{"cti negative port", cti("127.0.0.1:-1"), `cti.endpoints[0].address: "127.0.0.1:-1": port "-1" is not a number`},
		{"cti port zero", cti("127.0.0.1:0"), `cti.endpoints[0].address: "127.0.0.1:0": port 0 is not a port to connect to`},
		{"cti missing port", cti("127.0.0.1"), `cti.endpoints[0].address: "127.0.0.1": missing port in address`},
		{"cti empty port", cti("127.0.0.1:"), `cti.endpoints[0].address: "127.0.0.1:": no port`},
		{"cti no host", cti(":2748"), `cti.endpoints[0].address: ":2748": no host`},
		{"cti empty", cti(""), `cti.endpoints[0].address: "": missing port in address`},
		{"cti service name", cti("pbx.example.com:csta"), `port "csta" is not a number`},
		{"sip port not a number", sipl("127.0.0.1:sip"), `c.yaml:3:33: sip.listen[0].address: "127.0.0.1:sip": port "sip" is not a number`},
		{"sip port out of range", sipl("0.0.0.0:70000"), `sip.listen[0].address: "0.0.0.0:70000": port 70000 is out of range`},
		{"sip missing port", sipl("0.0.0.0"), `sip.listen[0].address: "0.0.0.0": missing port in address`},
		{"admin port not a number", admin("127.0.0.1:http"), `c.yaml:2:11: admin.listen: "127.0.0.1:http": port "http" is not a number`},
		{"admin port out of range", admin("127.0.0.1:65536"), `admin.listen: "127.0.0.1:65536": port 65536 is out of range`},
		{"admin missing port", admin("localhost"), `admin.listen: "localhost": missing port in address`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("c.yaml", []byte(tt.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	good := []string{
		cti("127.0.0.1:2748"), cti("[::1]:2748"), cti("pbx.example.com:65535"), cti("10.0.0.1:1"),
		sipl("127.0.0.1:0"), sipl(":5060"), sipl("[::]:5061"),
		admin("127.0.0.1:0"), admin(":9090"),
	}
	for _, y := range good {
		_, err := ParseConfig("c.yaml", []byte(y))
		assert.NoError(t, err, y)
	}
}

// TestNewRefusesBadAddress checks that a configuration changed in code
// (as the example's -cti flag does) is checked again by New.
func TestNewRefusesBadAddress(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", nil)
	require.NoError(t, err)
	cfg.CTI.Endpoints = []Endpoint{{Address: "127.0.0.1:notaport"}}
	_, err = New(cfg, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `cti.endpoints[0].address: "127.0.0.1:notaport": port "notaport" is not a number`)
}
