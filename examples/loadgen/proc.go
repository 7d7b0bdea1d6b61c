package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procStats is what the harness reads about the process under test.
type procStats struct {
	RSS        uint64 // bytes, VmRSS
	CPU        time.Duration
	Threads    int
	Goroutines int // -1 when unknown
}

// target is the process whose resources are measured: this one (the
// target runs in-process) or another by PID.
type target struct {
	pid        int    // 0: this process
	metricsURL string // Prometheus text endpoint with go_goroutines, optional
}

// read samples the process.
func (t target) read(ctx context.Context) (procStats, error) {
	pid := "self"
	if t.pid > 0 {
		pid = strconv.Itoa(t.pid)
	}
	st := procStats{Goroutines: -1}
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return st, fmt.Errorf("reading process status: %w", err)
	}
	for line := range strings.Lines(string(status)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		switch {
		case k == "VmRSS" && len(f) == 2 && f[1] == "kB":
			kb, _ := strconv.ParseUint(f[0], 10, 64)
			st.RSS = kb << 10
		case k == "Threads" && len(f) == 1:
			st.Threads, _ = strconv.Atoi(f[0])
		}
	}
	if st.CPU, err = processCPU(pid); err != nil {
		return st, err
	}
	switch {
	case t.pid == 0:
		st.Goroutines = runtime.NumGoroutine()
	case t.metricsURL != "":
		if n, err := scrapeGoroutines(ctx, t.metricsURL); err == nil {
			st.Goroutines = n
		}
	}
	return st, nil
}

// processCPU returns the user and system CPU time of a process from
// /proc/<pid>/stat.
func processCPU(pid string) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, fmt.Errorf("reading process stat: %w", err)
	}
	// The command name is in parentheses and may hold spaces: the fields
	// counted here start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%s/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%s/stat", pid)
	}
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%s/stat", pid)
	}
	const clockTicks = 100 // USER_HZ on Linux
	return time.Duration(ut+stime) * time.Second / clockTicks, nil
}

// selfCPU returns this process's CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// scrapeGoroutines reads go_goroutines from a Prometheus text endpoint.
func scrapeGoroutines(ctx context.Context, url string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(res.Body, 16<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, err
			}
			return int(f), nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no go_goroutines in %s", url)
}

// raiseFileLimit raises the soft limit on open files to the hard limit and
// returns the new soft limit.
func raiseFileLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
	return l.Cur
}
