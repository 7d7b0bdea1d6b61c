package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/rcc-go/rcc/sip"
)

// printHash prints the directory credentials of the user in a realm: the
// HA1 hashes of the password, for MD5 and SHA-256, as the directory file
// takes them under the user. The password comes from -password,
// $RCC_PASSWORD or the first line of the input; it is never printed.
func printHash(cfg config, stdin io.Reader, stdout, stderr io.Writer) int {
	user := cfg.authUser
	if user == "" {
		rest := cfg.user
		if scheme, after, ok := strings.Cut(rest, ":"); ok && (strings.EqualFold(scheme, "sip") || strings.EqualFold(scheme, "sips")) {
			rest = after
		}
		at := strings.IndexByte(rest, '@')
		if at <= 0 {
			fmt.Fprintf(stderr, "rccclient: -hash: -user %q has no user part (want sip:user@host), or give -auth-user\n", cfg.user)
			return 2
		}
		user = rest[:at]
	}
	password := cfg.password
	if password == "" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			fmt.Fprintf(stderr, "rccclient: -hash: reading the password: %v\n", err)
			return 1
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if password == "" {
		fmt.Fprintln(stderr, "rccclient: -hash: no password (give $RCC_PASSWORD, -password or a line on the input)")
		return 2
	}
	if strings.ContainsAny(cfg.hashRealm, "\"\\\r\n") {
		fmt.Fprintln(stderr, "rccclient: -hash: the realm must not hold a quote, backslash or line break")
		return 2
	}
	md5, err := sip.HA1(sip.DigestMD5, user, cfg.hashRealm, password)
	if err != nil {
		fmt.Fprintf(stderr, "rccclient: -hash: %v\n", err)
		return 1
	}
	sha, err := sip.HA1(sip.DigestSHA256, user, cfg.hashRealm, password)
	if err != nil {
		fmt.Fprintf(stderr, "rccclient: -hash: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "# credentials of user %q in realm %q\ncredentials:\n  - realm: %q\n    ha1_md5: %s\n    ha1_sha256: %s\n",
		user, cfg.hashRealm, cfg.hashRealm, md5, sha)
	return 0
}
