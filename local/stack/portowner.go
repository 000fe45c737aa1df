package stack

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// listen binds addr and, when the port is taken (still taken after wait,
// when wait > 0), returns an error that says so and names the process
// holding it when /proc can tell.
func listen(ctx context.Context, addr string, wait time.Duration) (net.Listener, error) {
	deadline := time.Now().Add(wait)
	ln, err := net.Listen("tcp", addr)
	for err != nil && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for %s: %w", addr, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
		ln, err = net.Listen("tcp", addr)
	}
	if err == nil {
		return ln, nil
	}
	_, portStr, splitErr := net.SplitHostPort(addr)
	port, convErr := strconv.Atoi(portStr)
	if splitErr != nil || convErr != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	owner := portOwner(port)
	if owner == "" {
		owner = "another process (could not tell which)"
	}
	return nil, fmt.Errorf("port %s is taken by %s: the local stack needs it because kumo sends S3→Lambda notifications to http://localhost:%d; stop that process (or an earlier `make run`) and retry: %w",
		addr, owner, port, err)
}

// portOwner names the process listening on TCP port, read from /proc on
// Linux. It returns "" when it cannot tell (other OS, no permission).
func portOwner(port int) string {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		for _, ino := range listeningInodes(f, port) {
			inodes[ino] = true
		}
	}
	if len(inodes) == 0 {
		return ""
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range procs {
		link, err := os.Readlink(fd)
		if err != nil || !strings.HasPrefix(link, "socket:[") {
			continue
		}
		if !inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
			continue
		}
		pidDir := filepath.Dir(filepath.Dir(fd))
		pid := filepath.Base(pidDir)
		cmd, _ := os.ReadFile(filepath.Join(pidDir, "cmdline"))
		name := strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))
		if len(name) > 120 {
			name = name[:120] + "…"
		}
		return fmt.Sprintf("pid %s (%s)", pid, name)
	}
	return "a process of another user (socket inode found, owner not readable)"
}

// listeningInodes returns the socket inodes in LISTEN state on port in a
// /proc/net/tcp-format file.
func listeningInodes(file string, port int) []string {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer func() { _ = f.Close() }() // read-only
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		if len(fields) < 10 || fields[3] != "0A" {
			continue
		}
		i := strings.LastIndexByte(fields[1], ':')
		if i < 0 {
			continue
		}
		p, err := strconv.ParseInt(fields[1][i+1:], 16, 32)
		if err == nil && int(p) == port {
			out = append(out, fields[9])
		}
	}
	return out
}
