package ctitest

import (
	"context"
	"fmt"
	"net"
	"slices"
	"syscall"
)

// MaxClusterSize is the largest number of endpoints a Cluster has: the
// CTI Managers of one Cisco cluster, and the connections of a ctipool.
const MaxClusterSize = 8

// Cluster is one PBX served on several endpoints at once, like the CTI
// Managers of one cluster. Each endpoint is stopped and restarted on its
// own; calls live in the PBX and survive.
type Cluster struct {
	pbx *PBX
	eps []*Server
}

// NewCluster serves pbx on n endpoints (1 to MaxClusterSize), each on a
// free loopback port, named "cti1", "cti2" and so on in a fresh PBX.
func NewCluster(pbx *PBX, n int) (*Cluster, error) {
	if n < 1 || n > MaxClusterSize {
		return nil, fmt.Errorf("ctitest: cluster of %d endpoints; want 1 to %d", n, MaxClusterSize)
	}
	return pbx.ServeCluster(make([]ServerConfig, n)...)
}

// ServeCluster serves p on one endpoint per config (1 to MaxClusterSize).
// When one cannot start, those already started are closed.
func (p *PBX) ServeCluster(cfgs ...ServerConfig) (*Cluster, error) {
	if n := len(cfgs); n < 1 || n > MaxClusterSize {
		return nil, fmt.Errorf("ctitest: cluster of %d endpoints; want 1 to %d", n, MaxClusterSize)
	}
	c := &Cluster{pbx: p}
	for _, cfg := range cfgs {
		s, err := p.Serve(cfg)
		if err != nil {
			_ = c.Close()
			return nil, err
		}
		c.eps = append(c.eps, s)
	}
	return c, nil
}

// PBX returns the cluster's PBX.
func (c *Cluster) PBX() *PBX { return c.pbx }

// Endpoints returns the cluster's endpoints, in order.
func (c *Cluster) Endpoints() []*Server { return slices.Clone(c.eps) }

// Endpoint returns endpoint i, counting from 0.
func (c *Cluster) Endpoint(i int) *Server { return c.eps[i] }

// Addrs returns the endpoints' addresses, in order: what a ctipool's
// endpoint list takes.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.eps))
	for i, s := range c.eps {
		out[i] = s.Addr()
	}
	return out
}

// Dial connects in memory to the endpoint whose address is addr; see
// Server.Dial. An unknown address is refused like a stopped endpoint.
func (c *Cluster) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	for _, s := range c.eps {
		if s.Addr() == addr {
			return s.Dial(ctx, network, addr)
		}
	}
	return nil, &net.OpError{Op: "dial", Net: "pipe", Addr: pipeAddr(addr), Err: syscall.ECONNREFUSED}
}

// Close closes the cluster's endpoints. The PBX stays open.
func (c *Cluster) Close() error {
	for _, s := range c.eps {
		_ = s.Close()
	}
	return nil
}
