package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// buildHandler compiles pkg (e.g. ./lambda/cmd/processor) for the host into
// dir/bootstrap, with the production build tag, and returns its path.
func buildHandler(ctx context.Context, moduleRoot, pkg, dir string) (string, error) {
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc,nodynamic", "-o", out, pkg)
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build the Lambda handler %s in %s: %w\n%s", pkg, moduleRoot, err, stderr.String())
	}
	return out, nil
}

// moduleRoot returns the directory of the main module's go.mod, as `go env
// GOMOD` reports it from the working directory.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root with `go env GOMOD`: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("find the module root: the working directory is not inside the imgpipe module (go env GOMOD is empty)")
	}
	return filepath.Dir(gomod), nil
}

// process is the running handler: one child process in its own process
// group, its stdout and stderr appended to a log file.
type process struct {
	cmd     *exec.Cmd
	logPath string
	log     *os.File
	done    chan struct{} // closed when the process has exited
	waitErr error
	once    sync.Once
}

// startProcess runs bin with env. The child is killed when ctx is
// cancelled or stop is called, whichever comes first.
func startProcess(ctx context.Context, bin string, env map[string]string, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open the handler log: %w", err)
	}
	cmd := exec.Command(bin)
	cmd.Env = envList(env)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childAttr()
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("start the Lambda handler %s: %w", bin, err), logFile.Close())
	}
	p := &process{cmd: cmd, logPath: logPath, log: logFile, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			p.stop()
		case <-p.done:
		}
	}()
	return p, nil
}

// exited reports the exit error if the process has ended, else nil, false.
func (p *process) exited() (error, bool) {
	select {
	case <-p.done:
		if p.waitErr == nil {
			return errors.New("the Lambda handler exited with status 0"), true
		}
		return fmt.Errorf("the Lambda handler exited: %w", p.waitErr), true
	default:
		return nil, false
	}
}

// stop ends the whole process group: SIGTERM, then SIGKILL after a grace
// period. It is safe to call more than once and returns once the child is
// gone.
func (p *process) stop() {
	p.once.Do(func() {
		pgid := p.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(2 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
		// Children the handler may have forked live in the same group.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		_ = p.log.Close() // the handler is gone: nothing more is written, and stop has no caller to tell
	})
	<-p.done
}

// tail returns the last n lines of the handler's log.
func tailFile(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log at %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func envList(env map[string]string) []string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	// The child gets no other environment: what it sees is what a Lambda
	// sandbox would give it, plus PATH. No HOME, so no shared AWS config or
	// credentials file of the user can leak into it.
	if _, ok := env["PATH"]; !ok {
		out = append(out, "PATH="+os.Getenv("PATH"))
	}
	return out
}
