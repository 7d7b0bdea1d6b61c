package sip_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/netip"
	"time"

	"github.com/rcc-go/rcc/sip"
)

// The server makes every peer on loopback authenticate with SIP digest;
// the credentials store keeps HA1 hashes, not passwords.
func Example_digest() {
	ha1, err := sip.HA1(sip.DigestSHA256, "alice", "rcc.example.com", "secret")
	if err != nil {
		log.Fatal(err)
	}
	creds := sip.CredentialsFunc(func(aor, realm, algorithm string) (string, bool) {
		if aor == "sip:alice@example.com" && realm == "rcc.example.com" && algorithm == sip.DigestSHA256 {
			return ha1, true
		}
		return "", false
	})
	srv, err := sip.NewServer(sip.ServerConfig{
		Handler:      demoHandler{},
		TrustedPeers: []netip.Prefix{}, // no proxy vouches for anyone
		AuthPeers:    []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Realm:        "rcc.example.com",
		Credentials:  creds,
	})
	if err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.ServeTCP(l)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := func(password string) (*sip.ClientSession, error) {
		return sip.Dial(ctx, sip.ClientConfig{
			Gateway:   "sip:cti@" + l.Addr().String() + ";transport=tcp",
			User:      "sip:alice@example.com",
			Line:      "tel:1001;phone-context=dialstring",
			LocalAddr: "127.0.0.1:0",
			Password:  password,
		})
	}
	_, err = dial("guess")
	var r *sip.RefusalError
	if errors.As(err, &r) {
		fmt.Println("client:", r.Status, r.Reason)
	}
	c, err := dial("secret")
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		log.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// client: 401 Unauthorized
	// gateway: session for sip:alice@example.com on tel:1001;phone-context=dialstring
	// gateway: session closed: sip: peer ended the dialog with BYE
}
