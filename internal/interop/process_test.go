//go:build interop

package interop

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rcc-go/rcc/lineappearance"
	"github.com/stretchr/testify/require"
)

// process is a peer program the test started. Its output is kept for
// failure messages; it is killed by its process ID when the test ends.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	err  error // once done is closed
}

// lockedBuffer is a bytes.Buffer safe for the writes of a process and the
// reads of the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 4<<20 { // keep the memory bounded; the start matters most
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startProcess starts a program in dir, killed when the test ends (or
// after limit, whichever comes first).
func startProcess(t testing.TB, limit time.Duration, dir, bin string, args ...string) *process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	p := &process{name: filepath.Base(bin), cmd: cmd, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		p.err = cmd.Wait()
		cancel()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t, syscall.SIGTERM) })
	return p
}

// stop sends sig to the process, waits for it to exit, and kills it if it
// has not exited after 10 seconds.
func (p *process) stop(t testing.TB, sig syscall.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Logf("%s (pid %d) did not exit on %v; killing it", p.name, p.cmd.Process.Pid, sig)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// exited reports whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// binDir holds the programs the tests build, removed by TestMain.
var binDir string

var buildGateway = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "gateway")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/rcc-go/rcc/examples/gateway")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build examples/gateway: %v\n%s", err, out)
	}
	return bin, nil
})

// startGatewayProcess runs the example gateway binary on the given CTI
// endpoints and directory, listening on 127.0.0.1:port over UDP and TCP,
// and waits until it answers OPTIONS with 200 (its CTI connections are
// up).
func startGatewayProcess(t testing.TB, port int, cti []string, dir *lineappearance.Data) *process {
	t.Helper()
	bin, err := buildGateway()
	require.NoError(t, err)
	work := t.TempDir()
	dirFile := filepath.Join(work, "directory.yaml")
	require.NoError(t, os.WriteFile(dirFile, directoryYAML(dir), 0o600))
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := startProcess(t, 30*time.Minute, work, bin,
		"-sip", "udp:"+addr+",tcp:"+addr,
		"-cti", strings.Join(cti, ","),
		"-directory", dirFile,
		"-log-level", "warn",
	)
	p.waitReady(t, addr)
	return p
}

// waitReady waits until the process answers OPTIONS to addr over UDP with
// 200, and fails the test if it exits first.
func (p *process) waitReady(t testing.TB, addr string) {
	t.Helper()
	eventually(t, func() bool {
		if p.exited() {
			t.Fatalf("%s exited: %v\n%s", p.name, p.err, p.out)
		}
		res, err := options("udp", addr)
		return err == nil && res.Status == 200
	}, "%s on %s to answer OPTIONS with 200", p.name, addr)
}

// directoryYAML writes a directory in the file format of package
// lineappearance.
func directoryYAML(d *lineappearance.Data) []byte {
	var b bytes.Buffer
	b.WriteString("version: 1\nlines:\n")
	for _, l := range d.Lines {
		fmt.Fprintf(&b, "  - dn: %q\n", l.DN)
		if l.Partition != "" {
			fmt.Fprintf(&b, "    partition: %q\n", l.Partition)
		}
	}
	b.WriteString("devices:\n")
	for _, dev := range d.Devices {
		fmt.Fprintf(&b, "  - name: %s\n    model: %q\n    kind: %s\n    registered: %t\n    lines:\n", dev.Name, dev.Model, dev.Kind, dev.Registered)
		for _, a := range d.Appearances {
			if a.Device == dev.Name {
				fmt.Fprintf(&b, "      - dn: %q\n        index: %d\n", a.Line.DN, a.Index)
				if a.Line.Partition != "" {
					fmt.Fprintf(&b, "        partition: %q\n", a.Line.Partition)
				}
			}
		}
	}
	b.WriteString("users:\n")
	for _, u := range d.Users {
		fmt.Fprintf(&b, "  - uri: %s\n    devices: [%s]\n", u.AOR, strings.Join(u.Devices, ", "))
	}
	return b.Bytes()
}
