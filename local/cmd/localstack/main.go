// Command localstack keeps the local stack running for other tools:
// `make local-up` (localstack up) starts it (kumo, provisioned as for
// `make run`, with the real handler) and, once the handler answers, writes
// out/local/stack.json atomically, then runs until Ctrl-C or `make
// local-down` (localstack down), which stops it by the process id it
// recorded. Stopping removes stack.json first, then every process and
// resource of the stack.
//
//	localstack up   [-dir out/local] [-wait-port 0s]
//	localstack down [-dir out/local]
//
// The stack listens on 127.0.0.1:4566 (kumo sends S3 notifications there),
// so one runs per network namespace.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/imgpipe/imgpipe/internal/stackfile"
	"github.com/imgpipe/imgpipe/local/stack"
)

// Files under -dir.
const (
	stackFile = "stack.json"
	pidFile   = "local-up.pid"
	logDir    = "logs"
)

// stopTimeout bounds how long down waits for up to finish.
const stopTimeout = 60 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "up" && args[0] != "down") {
		_, _ = fmt.Fprintln(stderr, "usage: localstack up [-dir out/local] [-wait-port D] | localstack down [-dir out/local]")
		return 2
	}
	fs := flag.NewFlagSet("localstack "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "out/local", "folder of stack.json, the pid file and the logs")
	wait := fs.Duration("wait-port", 0, "wait this long for "+stack.DefaultAddr+" if another stack holds it (0: fail at once, naming the holder)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if args[0] == "down" {
		return down(*dir, stdout, stderr)
	}
	return up(ctx, *dir, *wait, stdout, stderr)
}

func up(ctx context.Context, dir string, wait time.Duration, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		_, _ = fmt.Fprintf(stderr, "local-up: "+format+"\n", a...)
		return 1
	}
	if pid, alive := running(dir); alive {
		return fail("a local stack is already running (pid %d, %s): stop it with make local-down", pid, filepath.Join(dir, pidFile))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail("%v", err)
	}
	_ = os.Remove(filepath.Join(dir, stackFile)) // a stale one from a killed run
	if err := writeAtomic(filepath.Join(dir, pidFile), strconv.Itoa(os.Getpid())+"\n"); err != nil {
		return fail("write the pid file: %v", err)
	}
	defer func() { _ = os.Remove(filepath.Join(dir, pidFile)) }() // gone already if down removed it

	lg := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	inputs, err := stack.InputsFromEnv(os.LookupEnv)
	if err != nil {
		return fail("%v", err)
	}
	st, err := stack.Start(ctx, stack.Config{LogDir: filepath.Join(dir, logDir), PortWait: wait, Logger: lg, ProcessingInputs: inputs})
	if err != nil {
		if ctx.Err() != nil {
			return fail("stopped while starting: %v", err)
		}
		return fail("%v", err)
	}
	stackPath := filepath.Join(dir, stackFile)
	defer func() {
		// stack.json goes first: nobody should start work on a dying stack.
		_ = os.Remove(stackPath)
		st.Close()
		_, _ = fmt.Fprintln(stderr, "local-up: stopped; no process of the stack is left")
	}()
	desc, err := st.Description()
	if err != nil {
		return fail("%v", err)
	}
	if err := stackfile.Write(stackPath, desc); err != nil {
		return fail("write %s: %v", stackPath, err)
	}
	lg.Info("handler running", "pid", st.HandlerPID(), "log", st.HandlerLogPath())
	_, _ = fmt.Fprintf(stdout, "local stack ready at %s\n  stack:   %s\n  bucket:  %s (uploads under %s)\n  table:   %s\n  function %s\n  dlq:     %s\n  logs:    %s\n"+
		"try:      go run ./cmd/imgpipe --stack %s status\nstop:     Ctrl-C, or make local-down\n",
		desc.Endpoint, stackPath, desc.Bucket, desc.UploadsPrefix, desc.Table, desc.Function, desc.DLQ, st.LogDir, stackPath)

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			_, _ = fmt.Fprintln(stderr, "local-up: stopping")
			return 0
		case <-tick.C:
			if herr := st.HandlerErr(); herr != nil {
				return fail("%v; last lines of %s:\n%s", herr, st.HandlerLogPath(), st.HandlerLogTail(20))
			}
		}
	}
}

// down stops the stack recorded in dir and waits for it to finish.
func down(dir string, stdout, stderr io.Writer) int {
	pid, alive := running(dir)
	switch {
	case pid == 0:
		_, _ = fmt.Fprintf(stdout, "local-down: no local stack is running (no %s)\n", filepath.Join(dir, pidFile))
		return 0
	case !alive:
		_ = os.Remove(filepath.Join(dir, pidFile))
		_ = os.Remove(filepath.Join(dir, stackFile))
		_, _ = fmt.Fprintf(stdout, "local-down: the stack recorded in %s (pid %d) is not running; removed its files\n", dir, pid)
		return 0
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		_, _ = fmt.Fprintf(stderr, "local-down: signal pid %d: %v\n", pid, err)
		return 1
	}
	deadline := time.Now().Add(stopTimeout)
	for time.Now().Before(deadline) {
		if !isLocalstack(pid) {
			_, _ = fmt.Fprintf(stdout, "local-down: stopped the local stack (pid %d)\n", pid)
			return 0
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, _ = fmt.Fprintf(stderr, "local-down: pid %d did not stop within %s\n", pid, stopTimeout)
	return 1
}

// running reads the pid file of dir: pid 0 when there is none, alive when
// that process exists and is a localstack.
func running(dir string) (pid int, alive bool) {
	b, err := os.ReadFile(filepath.Join(dir, pidFile))
	if err != nil {
		return 0, false
	}
	pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return -1, false
	}
	return pid, isLocalstack(pid)
}

// isLocalstack reports whether pid exists and runs this command (a reused pid
// of another program is not ours to signal).
func isLocalstack(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	cmd, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return true // no /proc to tell: trust the pid file
	}
	exe := strings.SplitN(string(cmd), "\x00", 2)[0]
	return strings.Contains(filepath.Base(exe), "localstack")
}

func writeAtomic(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
