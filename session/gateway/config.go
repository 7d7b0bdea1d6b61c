package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/rcc-go/rcc/internal/yamlparse"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/csta/dialect"
	"github.com/rcc-go/rcc/ctipool"
	"github.com/rcc-go/rcc/session"
	"github.com/rcc-go/rcc/sip"
)

// Config is the gateway's configuration file. Every field has a default (see
// defaultConfig and config.example.yaml); a file only names what it changes.
type Config struct {
	SIP       SIPConfig       `yaml:"sip"`
	CTI       CTIConfig       `yaml:"cti"`
	Session   SessionConfig   `yaml:"session"`
	Directory DirectoryConfig `yaml:"directory"`
	Admin     AdminConfig     `yaml:"admin"`
	Log       LogConfig       `yaml:"log"`
}

// SIPConfig is the SIP side: listeners, TLS, trusted peers, session timers.
type SIPConfig struct {
	Listen            []Listener `yaml:"listen"`
	Hostname          string     `yaml:"hostname"`
	TLS               TLSFiles   `yaml:"tls"`
	TrustedPeers      []string   `yaml:"trusted_peers"`
	TrustedSubjects   []string   `yaml:"trusted_subjects"`
	AuthPeers         []string   `yaml:"auth_peers"`
	Realm             string     `yaml:"realm"`
	NonceLifetime     Duration   `yaml:"nonce_lifetime"`
	DigestAlgorithms  []string   `yaml:"digest_algorithms"`
	SessionExpires    Duration   `yaml:"session_expires"`
	MinSessionExpires Duration   `yaml:"min_session_expires"`
	MaxBodySize       int        `yaml:"max_body_size"`
	EventQueueSize    int        `yaml:"event_queue_size"`
	EventTimeout      Duration   `yaml:"event_timeout"`
	MaxEventTimeouts  int        `yaml:"max_event_timeouts"`
	RetryAfter        Duration   `yaml:"retry_after"`
	UDPReadBuffer     int        `yaml:"udp_read_buffer"`
	// MaxUDPTransactions is sip.ServerConfig.MaxUDPTransactions.
	MaxUDPTransactions int `yaml:"max_udp_transactions"`
}

// Listener is one SIP listening socket.
type Listener struct {
	Transport string `yaml:"transport"`
	Address   string `yaml:"address"`
}

// TLSFiles names certificate files. ClientCAFile turns on verification of
// client certificates (mutual TLS).
type TLSFiles struct {
	CertFile          string `yaml:"cert_file"`
	KeyFile           string `yaml:"key_file"`
	CAFile            string `yaml:"ca_file"`
	ClientCAFile      string `yaml:"client_ca_file"`
	RequireClientCert bool   `yaml:"require_client_cert"`
	ServerName        string `yaml:"server_name"`
}

// CTIConfig is the CTI side: the endpoints in priority order, the CSTA
// dialect they speak with its credentials, and the link tuning.
type CTIConfig struct {
	Endpoints []Endpoint `yaml:"endpoints"`
	// Dialect is the CSTA dialect of the PBX (see package csta/dialect):
	// ecma354 (the default), openscape-voice, openscape-business or
	// avaya-dmcc. Every endpoint speaks it: the endpoints of one gateway
	// are failover peers of one PBX.
	Dialect string `yaml:"dialect"`
	// Username is the login of the dialects with one (openscape-business,
	// avaya-dmcc).
	Username string `yaml:"username"`
	// Password, PasswordFile and PasswordEnv give the password: inline,
	// as the first line of a file, or as an environment variable's value.
	// At most one may be set. The password is never logged nor shown.
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
	// SwitchName is the switch avaya-dmcc's GetDeviceId names (the
	// Communication Manager's name in AES).
	SwitchName        string   `yaml:"switch_name"`
	TLS               TLSFiles `yaml:"tls"`
	ApplicationID     string   `yaml:"application_id"`
	HeartbeatInterval Duration `yaml:"heartbeat_interval"`
	HeartbeatMisses   int      `yaml:"heartbeat_misses"`
	RequestTimeout    Duration `yaml:"request_timeout"`
	DialTimeout       Duration `yaml:"dial_timeout"`
	ReconnectMin      Duration `yaml:"reconnect_min"`
	ReconnectMax      Duration `yaml:"reconnect_max"`
}

// Secret is a configuration value that is never shown: its String,
// GoString, slog, JSON and YAML forms are "[redacted]" (or empty when
// unset).
type Secret string

const redacted = "[redacted]"

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString redacts the secret in %#v.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// LogValue redacts the secret in logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalYAML redacts the secret when a configuration is written out.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON redacts the secret in JSON (a JSON log of the
// configuration, for one).
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.String())), nil }

// Value returns the secret itself.
func (s Secret) Value() string { return string(s) }

// Endpoint is one CTI Manager address.
type Endpoint struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	TLS     bool   `yaml:"tls"`
}

// SessionConfig is the gateway core: CTI loss policy and limits.
type SessionConfig struct {
	LossPolicy         string   `yaml:"loss_policy"`
	MaxSessions        int      `yaml:"max_sessions"`
	MaxSessionsPerUser int      `yaml:"max_sessions_per_user"`
	RequestTimeout     Duration `yaml:"request_timeout"`
}

// DirectoryConfig names the directory file and the device preference.
type DirectoryConfig struct {
	File       string   `yaml:"file"`
	Preference []string `yaml:"preference"`
}

// AdminConfig is the admin HTTP listener (health, metrics, status page).
type AdminConfig struct {
	Listen string `yaml:"listen"`
}

// LogConfig selects the log format and level.
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Duration is a time.Duration written as a Go duration string ("10s") or a
// number of seconds.
type Duration time.Duration

// UnmarshalText accepts "1m30s" style strings and plain seconds.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// parseDuration parses a Duration as UnmarshalText does.
func parseDuration(v string) (Duration, error) {
	if dur, err := time.ParseDuration(v); err == nil {
		if dur < 0 {
			return 0, fmt.Errorf("negative duration %q", v)
		}
		return Duration(dur), nil
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || strconv.FormatInt(secs, 10) != v || secs < 0 || secs > int64(1<<63-1)/int64(time.Second) {
		return 0, fmt.Errorf("invalid duration %q (want e.g. 10s, 500ms, 2m)", v)
	}
	return Duration(time.Duration(secs) * time.Second), nil
}

// MarshalYAML writes the duration as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// defaultConfig returns the configuration a file is laid over. The
// settings the libraries have defaults for take them from the libraries'
// Default constants (a zero in a file selects the same default, as the
// library applies it); what only the gateway decides (listeners, log) is
// stated here. TrustedPeers and Preference stay nil, which the libraries
// read as their defaults (loopback; lineappearance.DefaultPreference).
func defaultConfig() Config {
	return Config{
		SIP: SIPConfig{
			Listen: []Listener{
				{Transport: "udp", Address: "127.0.0.1:5060"},
				{Transport: "tcp", Address: "127.0.0.1:5060"},
			},
			SessionExpires:     Duration(sip.DefaultSessionExpires),
			MinSessionExpires:  Duration(sip.DefaultMinSE),
			MaxBodySize:        csta.DefaultMaxSize,
			EventQueueSize:     sip.DefaultEventQueueSize,
			EventTimeout:       Duration(sip.DefaultEventTimeout),
			MaxEventTimeouts:   sip.DefaultMaxEventTimeouts,
			RetryAfter:         Duration(sip.DefaultRetryAfter),
			UDPReadBuffer:      sip.DefaultUDPReadBuffer,
			MaxUDPTransactions: sip.DefaultMaxUDPTransactions,
			NonceLifetime:      Duration(sip.DefaultNonceLifetime),
		},
		CTI: CTIConfig{
			Dialect:           dialect.ECMA354,
			ApplicationID:     ctipool.DefaultApplicationID,
			HeartbeatInterval: Duration(ctipool.DefaultHeartbeatInterval),
			HeartbeatMisses:   ctipool.DefaultHeartbeatMisses,
			RequestTimeout:    Duration(ctipool.DefaultRequestTimeout),
			DialTimeout:       Duration(ctipool.DefaultDialTimeout),
			ReconnectMin:      Duration(ctipool.DefaultReconnectMin),
			ReconnectMax:      Duration(ctipool.DefaultReconnectMax),
		},
		Session: SessionConfig{
			LossPolicy:         session.Rehome.String(),
			MaxSessions:        session.DefaultMaxSessions,
			MaxSessionsPerUser: session.DefaultMaxSessionsPerUser,
			RequestTimeout:     Duration(session.DefaultRequestTimeout),
		},
		Log: LogConfig{Level: "info", Format: "text"},
	}
}

// or returns d, or def when d is zero: the value a library uses.
func or(d Duration, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d.D()
}

// ConfigError is a configuration problem, with the file position when known.
type ConfigError struct {
	File   string
	Path   string // dotted key path, e.g. "sip.listen[1].transport"
	Line   int
	Column int
	Msg    string
}

func (e *ConfigError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("config: %s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.File != "":
		return fmt.Sprintf("config: %s: %s", e.File, e.Msg)
	}
	return "config: " + e.Msg
}

// LoadConfig reads and validates a configuration file. The relative file
// names in it (directory.file, cti.password_file and the certificate
// files of sip.tls and cti.tls) are taken relative to the directory the
// configuration file is in, so that a configuration and its directory file
// can sit side by side wherever the gateway is started from.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, &ConfigError{File: path, Msg: err.Error()}
	}
	return parseConfig(path, data, filepath.Dir(path))
}

// resolveFiles makes the relative file names of c relative to dir.
func (c *Config) resolveFiles(dir string) {
	for _, f := range []*string{
		&c.Directory.File,
		&c.SIP.TLS.CertFile, &c.SIP.TLS.KeyFile, &c.SIP.TLS.CAFile, &c.SIP.TLS.ClientCAFile,
		&c.CTI.TLS.CertFile, &c.CTI.TLS.KeyFile, &c.CTI.TLS.CAFile, &c.CTI.TLS.ClientCAFile,
		&c.CTI.PasswordFile,
	} {
		if *f != "" && !filepath.IsAbs(*f) {
			*f = filepath.Join(dir, *f)
		}
	}
}

// maxConfigSize bounds a configuration file.
const maxConfigSize = 1 << 20

// ParseConfig parses and validates configuration YAML; name is used in
// errors. Unknown keys are errors, so a misspelt setting is not silently
// ignored; so are duplicate keys. Every error from the file has its line
// and column, and names the key path, such as "sip.listen[1].transport".
func ParseConfig(name string, data []byte) (Config, error) {
	return parseConfig(name, data, "")
}

// parseConfig is ParseConfig; when dir is not empty, the relative file
// names are made relative to it (see LoadConfig) before validation, which
// reads cti.password_file.
func parseConfig(name string, data []byte, dir string) (Config, error) {
	cfg := defaultConfig()
	if len(data) > maxConfigSize {
		return cfg, &ConfigError{File: name, Msg: fmt.Sprintf("file larger than %d bytes", maxConfigSize)}
	}
	var root ast.Node
	if len(bytes.TrimSpace(data)) > 0 {
		// Duplicate keys are reported by checkKeys, with their path.
		f, err := yamlparse.Parse(data, parser.AllowDuplicateMapKey())
		if err != nil {
			e := yamlparse.Located(err)
			return cfg, &ConfigError{File: name, Line: e.Line, Column: e.Column, Msg: e.Msg}
		}
		if len(f.Docs) > 0 {
			root = f.Docs[0].Body
		}
	}
	if root != nil {
		if err := checkKeys(root, reflect.TypeFor[Config](), ""); err != nil {
			err.File = name
			return cfg, err
		}
		if err := yamlparse.Decode(root, &cfg, yaml.Strict()); err != nil {
			return cfg, decodeError(name, root, err)
		}
	}
	if dir != "" {
		cfg.resolveFiles(dir)
	}
	if err := cfg.validate(); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			ce.File = name
			if n := findNode(root, ce.Path); n != nil {
				ce.Line, ce.Column = yamlparse.Pos(n)
			}
		}
		return cfg, err
	}
	return cfg, nil
}

// decodeError turns a decoding error into a ConfigError at the value that
// failed, named by its key path.
func decodeError(name string, root ast.Node, err error) *ConfigError {
	ce := &ConfigError{File: name}
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te) && te.SrcType != nil && te.DstType != nil:
		// Its own message names the enclosing struct field, not the key.
		ce.Line, ce.Column = yamlparse.TokenPos(te.Token)
		ce.Msg = "cannot unmarshal " + te.SrcType.String() + " into " + te.DstType.String()
	default:
		e := yamlparse.Located(err)
		ce.Line, ce.Column, ce.Msg = e.Line, e.Column, e.Msg
	}
	if path := pathAt(root, ce.Line, ce.Column); path != "" {
		ce.Path = path
		ce.Msg = path + ": " + ce.Msg
	}
	return ce
}

// checkKeys checks that every key of the mapping n names a field of the
// struct type t (by its yaml tag), once, and so on down the tree, and that
// every Duration parses; path is n's key path. It runs before the decoder,
// which reports neither key paths nor where a Duration failed. Other
// values of the wrong shape are left to the decoder.
func checkKeys(n ast.Node, t reflect.Type, path string) *ConfigError {
	if _, alias := n.(*ast.AliasNode); alias {
		return nil // checked at its anchor; an unknown one is the decoder's
	}
	n = yamlparse.Unwrap(n)
	if t == reflect.TypeFor[Duration]() {
		if _, null := n.(*ast.NullNode); null || n == nil {
			return nil
		}
		line, col := yamlparse.Pos(n)
		v, ok := yamlparse.Scalar(n)
		if !ok {
			return &ConfigError{Path: path, Line: line, Column: col, Msg: path + ": duration must be a scalar"}
		}
		if _, err := parseDuration(v); err != nil {
			return &ConfigError{Path: path, Line: line, Column: col, Msg: path + ": " + err.Error()}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		entries, ok := yamlparse.Entries(n)
		if !ok {
			return nil
		}
		seen := make(map[string]ast.Node, len(entries))
		for _, mv := range entries {
			k := yamlparse.Key(mv)
			key, _ := yamlparse.Scalar(yamlparse.Unwrap(k))
			kp := key
			if path != "" {
				kp = path + "." + key
			}
			line, col := yamlparse.Pos(k)
			if first, dup := seen[key]; dup {
				fl, fc := yamlparse.Pos(first)
				return &ConfigError{Path: kp, Line: line, Column: col, Msg: fmt.Sprintf("%s: duplicate key (first at %d:%d)", kp, fl, fc)}
			}
			seen[key] = k
			f, ok := fieldByKey(t, key)
			if !ok {
				return &ConfigError{Path: kp, Line: line, Column: col, Msg: kp + ": unknown key"}
			}
			if err := checkKeys(mv.Value, f.Type, kp); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if seq, ok := n.(*ast.SequenceNode); ok {
			for i, v := range seq.Values {
				if err := checkKeys(v, t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// fieldByKey returns the field of struct type t whose yaml tag is key.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag == key && key != "" {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

var validTransports = map[string]bool{"udp": true, "tcp": true, "tls": true}

// bad returns a ConfigError whose message starts with its key path, as in
// "sip.listen[1].transport: ..."; the path is taken from the message.
func bad(format string, args ...any) *ConfigError {
	msg := fmt.Sprintf(format, args...)
	path, _, _ := strings.Cut(msg, ":")
	path, _, _ = strings.Cut(path, " ")
	return &ConfigError{Path: path, Msg: msg}
}

func (c *Config) validate() error {
	if len(c.SIP.Listen) == 0 {
		return bad("sip.listen: at least one listener is required")
	}
	for i, l := range c.SIP.Listen {
		if !validTransports[strings.ToLower(l.Transport)] {
			return bad("sip.listen[%d].transport: %q is not udp, tcp or tls", i, l.Transport)
		}
		if err := checkHostPort(l.Address, true); err != nil {
			return bad("sip.listen[%d].address: %q: %v", i, l.Address, err)
		}
		if strings.EqualFold(l.Transport, "tls") && (c.SIP.TLS.CertFile == "" || c.SIP.TLS.KeyFile == "") {
			return bad("sip.listen[%d]: a tls listener needs sip.tls.cert_file and sip.tls.key_file", i)
		}
	}
	if _, err := parsePrefixes("sip.trusted_peers", c.SIP.TrustedPeers); err != nil {
		return err
	}
	if _, err := parsePrefixes("sip.auth_peers", c.SIP.AuthPeers); err != nil {
		return err
	}
	switch {
	case len(c.SIP.AuthPeers) > 0 && c.SIP.Realm == "":
		return bad("sip.realm: required when sip.auth_peers is set (the digest realm, as in the directory's credentials)")
	case strings.ContainsAny(c.SIP.Realm, "\"\\\r\n"):
		return bad("sip.realm: %q holds a quote, backslash or line break", c.SIP.Realm)
	}
	seenAlg := map[string]bool{}
	for i, a := range c.SIP.DigestAlgorithms {
		u := strings.ToUpper(a)
		switch {
		case u != sip.DigestSHA256 && u != sip.DigestMD5:
			return bad("sip.digest_algorithms[%d]: %q is not %s or %s", i, a, sip.DigestSHA256, sip.DigestMD5)
		case seenAlg[u]:
			return bad("sip.digest_algorithms[%d]: %q is listed twice", i, a)
		}
		seenAlg[u] = true
	}
	if c.SIP.SessionExpires.D() < sip.DefaultMinSE && c.SIP.SessionExpires != 0 {
		return bad("sip.session_expires: %v is below the RFC 4028 minimum of %.0fs", c.SIP.SessionExpires.D(), sip.DefaultMinSE.Seconds())
	}
	if se, minSE := or(c.SIP.SessionExpires, sip.DefaultSessionExpires), or(c.SIP.MinSessionExpires, sip.DefaultMinSE); minSE > se {
		return bad("sip.min_session_expires (%v) is above sip.session_expires (%v)", minSE, se)
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"sip.max_body_size", c.SIP.MaxBodySize},
		{"sip.event_queue_size", c.SIP.EventQueueSize},
		{"sip.max_event_timeouts", c.SIP.MaxEventTimeouts},
		{"sip.udp_read_buffer", c.SIP.UDPReadBuffer},
		{"sip.max_udp_transactions", c.SIP.MaxUDPTransactions},
		{"cti.heartbeat_misses", c.CTI.HeartbeatMisses},
		{"session.max_sessions", c.Session.MaxSessions},
		{"session.max_sessions_per_user", c.Session.MaxSessionsPerUser},
	} {
		if f.v < 0 {
			return bad("%s: %d is negative (0 selects the default)", f.name, f.v)
		}
	}
	if len(c.CTI.Endpoints) > ctipool.MaxEndpoints {
		return bad("cti.endpoints: %d endpoints configured, at most %d are allowed", len(c.CTI.Endpoints), ctipool.MaxEndpoints)
	}
	names := map[string]bool{}
	for i, ep := range c.CTI.Endpoints {
		if err := checkHostPort(ep.Address, false); err != nil {
			return bad("cti.endpoints[%d].address: %q: %v", i, ep.Address, err)
		}
		if ep.Name != "" {
			if names[ep.Name] {
				return bad("cti.endpoints[%d].name: %q is used twice", i, ep.Name)
			}
			names[ep.Name] = true
		}
	}
	if err := c.CTI.validateDialect(); err != nil {
		return err
	}
	if rmin, rmax := or(c.CTI.ReconnectMin, ctipool.DefaultReconnectMin), or(c.CTI.ReconnectMax, ctipool.DefaultReconnectMax); rmax < rmin {
		return bad("cti.reconnect_max (%v) is below cti.reconnect_min (%v)", rmax, rmin)
	}
	if err := oneOf(c.Session.LossPolicy, "rehome", "reconnect"); err != nil {
		return bad("session.loss_policy: %v", err)
	}
	for i, p := range c.Directory.Preference {
		if err := oneOf(p, "soft-registered", "hard-registered", "config-order"); err != nil {
			return bad("directory.preference[%d]: %v", i, err)
		}
	}
	if c.Admin.Listen != "" {
		if err := checkHostPort(c.Admin.Listen, true); err != nil {
			return bad("admin.listen: %q: %v", c.Admin.Listen, err)
		}
	}
	if err := oneOf(c.Log.Level, "debug", "info", "warn", "error"); err != nil {
		return bad("log.level: %v", err)
	}
	if err := oneOf(c.Log.Format, "text", "json"); err != nil {
		return bad("log.format: %v", err)
	}
	return nil
}

// oneOf reports v that is none of allowed (two or more names, matched
// exactly) as `"v" is not a, b or c`.
func oneOf(v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	last := len(allowed) - 1
	return fmt.Errorf("%q is not %s or %s", v, strings.Join(allowed[:last], ", "), allowed[last])
}

// validateDialect checks cti.dialect and its credentials.
func (c *CTIConfig) validateDialect() error {
	d, err := dialect.Lookup(c.Dialect)
	if err != nil {
		return bad("cti.dialect: %q is not a known dialect (known: %s)", c.Dialect, strings.Join(dialect.Names(), ", "))
	}
	set := 0
	for _, v := range []string{c.Password.Value(), c.PasswordFile, c.PasswordEnv} {
		if v != "" {
			set++
		}
	}
	if set > 1 {
		return bad("cti.password: set at most one of cti.password, cti.password_file and cti.password_env")
	}
	if _, err := c.ResolvePassword(); err != nil {
		return err
	}
	if d.Session != dialect.SessionLogin && (c.Username != "" || set > 0) {
		return bad("cti.username: dialect %s has no login; remove the credentials or choose openscape-business or avaya-dmcc", d.Name)
	}
	if d.Name == dialect.AvayaDMCC && c.Username == "" {
		return bad("cti.username: dialect avaya-dmcc logs in to AES: a user name is required")
	}
	if d.Name == dialect.AvayaDMCC && c.SwitchName == "" {
		return bad("cti.switch_name: dialect avaya-dmcc names the switch in GetDeviceId: the switch (Communication Manager) name as AES knows it is required")
	}
	if set > 0 && c.Username == "" {
		return bad("cti.username: a password is configured without a user name")
	}
	if c.SwitchName != "" && !d.DeviceIDService {
		return bad("cti.switch_name: only avaya-dmcc names a switch, not %s", d.Name)
	}
	return nil
}

// checkHostPort checks a host:port address: the port must be a number
// from 1 to 65535, or 0 (any free port) for a listening address, and an
// address to connect to must name its host. Service names ("sip") are not
// accepted: a typo would otherwise only show when the socket is opened, or,
// for a CTI endpoint, in a connection retried forever.
func checkHostPort(addr string, listen bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if ae, ok := errors.AsType[*net.AddrError](err); ok {
			return errors.New(ae.Err)
		}
		return err
	}
	if !listen && host == "" {
		return errors.New("no host")
	}
	if strings.ContainsAny(host, " \t") {
		return fmt.Errorf("host %q has white space", host)
	}
	if port == "" {
		return errors.New("no port")
	}
	n, err := strconv.ParseUint(port, 10, 16)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange):
		return fmt.Errorf("port %s is out of range (1 to 65535)", port)
	case err != nil:
		return fmt.Errorf("port %q is not a number", port)
	case n == 0 && !listen:
		return errors.New("port 0 is not a port to connect to (1 to 65535)")
	}
	return nil
}

// ResolvePassword returns the CTI password from cti.password, cti.password_file
// or cti.password_env. Its errors name the key and never the password.
func (c *CTIConfig) ResolvePassword() (string, error) {
	switch {
	case c.PasswordFile != "":
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", bad("cti.password_file: %s: %v", c.PasswordFile, err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			return "", bad("cti.password_file: %s: the first line is empty", c.PasswordFile)
		}
		return line, nil
	case c.PasswordEnv != "":
		v, ok := os.LookupEnv(c.PasswordEnv)
		if !ok || v == "" {
			return "", bad("cti.password_env: environment variable %s is not set", c.PasswordEnv)
		}
		return v, nil
	}
	return c.Password.Value(), nil
}

// parsePrefixes parses the list of prefixes at key with parsePrefix; a nil
// list gives nil (the library's default).
func parsePrefixes(key string, list []string) ([]netip.Prefix, error) {
	if list == nil {
		return nil, nil
	}
	out := make([]netip.Prefix, 0, len(list))
	for i, p := range list {
		pfx, err := parsePrefix(p)
		if err != nil {
			return nil, bad("%s[%d]: %v", key, i, err)
		}
		out = append(out, pfx)
	}
	return out, nil
}

// parsePrefix accepts a CIDR prefix or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither an address nor a prefix", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// findNode returns the node at a dotted path such as "sip.listen[1].address",
// or the nearest ancestor that exists, or nil.
func findNode(root ast.Node, path string) ast.Node {
	if root == nil || path == "" {
		return nil
	}
	n := yamlparse.Unwrap(root)
	best := n
	for _, part := range strings.Split(path, ".") {
		key, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			key = part[:i]
			if v, err := strconv.Atoi(part[i+1 : len(part)-1]); err == nil {
				idx = v
			}
		}
		next := mapValue(n, key)
		if next == nil {
			return best
		}
		n, best = next, next
		if idx >= 0 {
			seq, ok := n.(*ast.SequenceNode)
			if !ok || idx >= len(seq.Values) {
				return best
			}
			n = yamlparse.Unwrap(seq.Values[idx])
			best = n
		}
	}
	return best
}

// mapValue returns the value of key in mapping n, or nil.
func mapValue(n ast.Node, key string) ast.Node {
	entries, _ := yamlparse.Entries(n)
	for _, mv := range entries {
		if k, _ := yamlparse.Scalar(yamlparse.Unwrap(yamlparse.Key(mv))); k == key {
			return yamlparse.Unwrap(mv.Value)
		}
	}
	return nil
}

// pathAt returns the key path of the value at line:col under root, or "".
func pathAt(root ast.Node, line, col int) string {
	var walk func(n ast.Node, path string) (string, bool)
	walk = func(n ast.Node, path string) (string, bool) {
		n = yamlparse.Unwrap(n)
		if n != nil {
			l, c := yamlparse.Pos(n)
			tl, tc := yamlparse.TokenPos(n.GetToken())
			if l == line && c == col || tl == line && tc == col {
				return path, true
			}
			if a, ok := n.(*ast.AliasNode); ok { // the decoder names the alias's name
				if l, c := yamlparse.Pos(a.Value); l == line && c == col {
					return path, true
				}
			}
		}
		if entries, ok := yamlparse.Entries(n); ok {
			for _, mv := range entries {
				key, _ := yamlparse.Scalar(yamlparse.Unwrap(yamlparse.Key(mv)))
				kp := key
				if path != "" {
					kp = path + "." + key
				}
				if l, c := yamlparse.Pos(yamlparse.Key(mv)); l == line && c == col {
					return kp, true
				}
				if p, ok := walk(mv.Value, kp); ok {
					return p, true
				}
			}
		}
		if seq, ok := n.(*ast.SequenceNode); ok {
			for i, v := range seq.Values {
				if p, ok := walk(v, path+"["+strconv.Itoa(i)+"]"); ok {
					return p, true
				}
			}
		}
		return "", false
	}
	if line <= 0 || root == nil {
		return ""
	}
	p, _ := walk(root, "")
	return p
}
