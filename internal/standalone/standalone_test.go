package standalone

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// examples are the programs that must not link package testing.
var examples = []string{"gateway", "loadgen", "fakecti"}

// hosts are the programs that must build outside this module.
var hosts = []string{"gateway", "loadgen"}

// moduleRoot returns the directory of this module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("not inside a module")
	}
	return filepath.Dir(gomod)
}

// TestNoTestingInPrograms checks that the example programs do not link
// package testing (ctitest's helpers take a small interface instead).
func TestNoTestingInPrograms(t *testing.T) {
	root := moduleRoot(t)
	for _, ex := range examples {
		cmd := exec.Command("go", "list", "-deps", "./examples/"+ex)
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps ./examples/%s: %v", ex, err)
		}
		if slices.Contains(strings.Fields(string(out)), "testing") {
			t.Errorf("examples/%s links package testing", ex)
		}
	}
}

// TestLayering checks the imports the design forbids: session knows
// neither sip nor ctipool (the adapters do), and the configured gateway
// carries no fake PBX (package demo does).
func TestLayering(t *testing.T) {
	root := moduleRoot(t)
	for pkg, forbidden := range map[string][]string{
		"./session":         {"github.com/rcc-go/rcc/sip", "github.com/rcc-go/rcc/ctipool"},
		"./session/gateway": {"github.com/rcc-go/rcc/ctipool/ctitest", "testing"},
	} {
		cmd := exec.Command("go", "list", "-deps", pkg)
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		for _, f := range forbidden {
			if slices.Contains(deps, f) {
				t.Errorf("%s imports %s", pkg, f)
			}
		}
	}
}

// goIn runs the go command in dir with env, and returns its combined
// output.
func goIn(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// copyDir copies the regular files of src (no subdirectories) to dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// unreachable reports output of the go command that says the module proxy
// (or the network) could not be reached.
var unreachable = regexp.MustCompile(`dial tcp|no such host|connection refused|i/o timeout|network is unreachable|proxy\.golang\.org|GOPROXY=off|module lookup disabled|TLS handshake timeout`)

// TestExamplesBuildAsTheirOwnModules copies each example program into a
// module of its own, builds it there, and runs the copied gateway with
// -demo until its admin listener answers /healthz. It needs the module
// proxy of the environment (GOPROXY) for the dependencies the module cache
// lacks, and is skipped when that cannot be reached.
func TestExamplesBuildAsTheirOwnModules(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example programs in modules of their own")
	}
	root := moduleRoot(t)
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bins := map[string]string{}
	for _, ex := range hosts {
		start := time.Now()
		dir := t.TempDir()
		copyDir(t, filepath.Join(root, "examples", ex), dir)
		steps := [][]string{
			{"mod", "init", "example.com/" + ex},
			{"mod", "edit", "-replace", "github.com/rcc-go/rcc=" + root},
			{"mod", "tidy"},
			{"build", "-o", filepath.Join(dir, ex+".bin"), "."},
		}
		for _, args := range steps {
			out, err := goIn(ctx, dir, env, args...)
			if err != nil && args[1] == "tidy" && unreachable.MatchString(out) {
				t.Skipf("the module proxy cannot be reached (GOPROXY from the environment): %s", out)
			}
			if err != nil {
				t.Fatalf("examples/%s copied to its own module: go %s: %v\n%s", ex, strings.Join(args, " "), err, out)
			}
		}
		bins[ex] = filepath.Join(dir, ex+".bin")
		t.Logf("examples/%s built as its own module in %v", ex, time.Since(start).Round(time.Millisecond))
	}
	runDemo(t, ctx, bins["gateway"])
}

// admin matches the banner line that gives the admin listener's address.
var admin = regexp.MustCompile(`admin +http://([0-9.:]+)/`)

// runDemo runs the gateway binary with -demo on free ports until its
// admin listener answers /healthz, then stops it with SIGTERM.
func runDemo(t *testing.T, ctx context.Context, bin string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "-demo", "-sip", "udp:127.0.0.1:0,tcp:127.0.0.1:0", "-admin", "127.0.0.1:0", "-log-level", "warn")
	stdout, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		_ = w.Close()
		done <- err
	}()
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := admin.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var a string
	select {
	case a = <-addr:
	case <-time.After(30 * time.Second):
		t.Fatal("the copied gateway printed no admin address")
	}
	client := &http.Client{Timeout: 2 * time.Second}
	var last error
	for range 100 {
		resp, err := client.Get("http://" + a + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "ok" {
				last = nil
				break
			}
			err = errors.New(resp.Status + ": " + string(body))
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	if last != nil {
		t.Fatalf("GET /healthz of the copied gateway: %v", last)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		exited = true
		if err != nil {
			t.Fatalf("the copied gateway did not exit cleanly on SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the copied gateway did not stop on SIGTERM")
	}
}
