package main

import (
	"fmt"
	"time"

	"github.com/rcc-go/rcc/ctipool/ctitest"
	"github.com/rcc-go/rcc/session/gateway"
	"github.com/rcc-go/rcc/session/gateway/demo"
)

// newGateway builds the gateway with opts: from the configuration alone, or with
// -demo on an in-process fake PBX (package demo) with the demo directory,
// or a generated one of users users, whose 2xxx far ends answer after
// answerDelay. The cluster is the fake PBX's, nil outside demo mode.
func newGateway(cfg gateway.Config, opts gateway.Options, demoMode bool, users int, answerDelay time.Duration) (*gateway.Gateway, *ctitest.Cluster, error) {
	if !demoMode {
		g, err := gateway.New(cfg, opts)
		return g, nil, err
	}
	if users < 0 {
		return nil, nil, fmt.Errorf("-demo-users %d: must not be negative", users)
	}
	o := demo.Options{Users: users}
	if answerDelay != ctitest.DefaultAnswerDelay {
		pbx, err := demoPBX(o, answerDelay)
		if err != nil {
			return nil, nil, err
		}
		o.PBX = pbx
	}
	g, err := demo.New(cfg, opts, o)
	if err != nil {
		return nil, nil, err
	}
	return g.Gateway, g.Cluster(), nil
}

// demoPBX builds the demo PBX with far ends that answer after
// answerDelay, on the directory the demo of o runs on.
func demoPBX(o demo.Options, answerDelay time.Duration) (*ctitest.PBX, error) {
	if answerDelay < 0 {
		return nil, fmt.Errorf("-demo-answer-delay %v: must not be negative", answerDelay)
	}
	data, err := demo.Directory(o)
	if err != nil {
		return nil, err
	}
	return ctitest.NewPBX(ctitest.PBXConfig{Directory: data, FarEnds: ctitest.DemoFarEnds(answerDelay, ctitest.DefaultHangUpDelay)})
}
