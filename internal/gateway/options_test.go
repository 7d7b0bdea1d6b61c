package gateway

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/rcc-go/rcc/csta"
	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/lineappearance"
	"github.com/rcc-go/rcc/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGivenDirectoryAndEndpoints runs two gateways outside demo mode on
// CTI endpoints of one shared fake PBX, with a directory given in code
// (Options.Directory) instead of a file: both take sessions for its users,
// the demo users are unknown to them, and Reload has no file to read.
func TestGivenDirectoryAndEndpoints(t *testing.T) {
	dir := &lineappearance.Data{
		Lines:       []lineappearance.Line{{DN: "5001"}},
		Devices:     []lineappearance.Device{{Name: "SEP000000005001", Kind: lineappearance.HardPhone, Registered: true}},
		Appearances: []lineappearance.Appearance{{Line: lineappearance.Line{DN: "5001"}, Device: "SEP000000005001", Index: 1}},
		Users:       []lineappearance.User{{AOR: "sip:dave@example.com", Devices: []string{"SEP000000005001"}}},
	}
	pbx, err := ctitest.NewPBX(ctitest.PBXConfig{Directory: dir, FarEnds: ctitest.DemoFarEnds(0, 0)})
	require.NoError(t, err)
	cluster := ctitest.NewTest(t, pbx, 2)

	for _, name := range []string{"node-a", "node-b"} {
		t.Run(name, func(t *testing.T) {
			cfg, err := ParseConfig("test", nil)
			require.NoError(t, err)
			cfg.SIP.Listen = []Listener{{Transport: "udp", Address: "127.0.0.1:0"}}
			for _, a := range cluster.Addrs() {
				cfg.CTI.Endpoints = append(cfg.CTI.Endpoints, Endpoint{Address: a})
			}
			g := runGateway(t, cfg, Options{Directory: dir, Logger: slog.New(slog.DiscardHandler)}, 2)
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			assert.Nil(t, g.Cluster(), "no demo cluster outside demo mode")
			tg := &testGateway{Gateway: g, pbx: pbx}

			dave := tg.dial(t, "udp", "sip:dave@example.com", "tel:5001;phone-context=dialstring")
			_, err = dave.s.Monitor(ctx)
			require.NoError(t, err)
			mc := do[*csta.MakeCallResponse](dave, &csta.MakeCall{CallingDevice: csta.Device("tel:5001;phone-context=dialstring"), CalledDirectoryNumber: csta.Device("tel:2000")})
			dave.waitEvent(0, "EstablishedEvent", onCall(mc.CallingDevice.CallID))
			do[*csta.ClearConnectionResponse](dave, &csta.ClearConnection{ConnectionToBeCleared: mc.CallingDevice})

			_, err = g.Reload()
			assert.ErrorIs(t, err, ErrNoDirectoryFile)
		})
	}
	require.NoError(t, pbx.WaitForNoCalls(t.Context()))
}

// TestGivenDirectoryInDemoMode checks that a directory given in code
// replaces the demo directory in demo mode: a demo user it leaves out is
// refused.
func TestGivenDirectoryInDemoMode(t *testing.T) {
	dir := lineappearance.Demo()
	dir.Users = dir.Users[1:] // no alice
	cfg, err := ParseConfig("test", nil)
	require.NoError(t, err)
	cfg.SIP.Listen = []Listener{{Transport: "udp", Address: "127.0.0.1:0"}}
	g := runGateway(t, cfg, Options{Demo: true, Directory: dir, Logger: slog.New(slog.DiscardHandler)}, 1)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	tg := &testGateway{Gateway: g}
	_, err = sip.Dial(ctx, sip.ClientConfig{Gateway: tg.uri(t, "udp"), User: aliceAOR, Line: aliceLine})
	var r *sip.RefusalError
	require.True(t, errors.As(err, &r), "got %v", err)
	assert.Equal(t, 403, r.Status)
	bob := tg.dial(t, "udp", bobAOR, bobLine)
	_, err = bob.s.Monitor(ctx)
	require.NoError(t, err)
}
