package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// ProcRun is the measurement of one external process.
type ProcRun struct {
	Wall   time.Duration `json:"wall"`
	MaxRSS int64         `json:"max_rss"` // bytes
	Usage  Usage         `json:"usage"`   // the process's CPU time, faults and context switches
}

// Why a spawner: Go starts children with vfork semantics, and Linux
// charges a child's ru_maxrss with the memory of the process that started
// it. Started from the benchmark (hundreds of MiB of inputs and
// references), every child would show the benchmark's RSS. A fresh, small
// spawner process starts the measured one instead, so ru_maxrss is the
// measured process's own (or the spawner's few MiB, whichever is larger).

// Spawn is the spawner side: run argv, then print its wall time and peak
// RSS as JSON on stdout. The measured process's output goes to stderr.
func Spawn(argv []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("spawn: no command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", argv[0], err)
	}
	pr := ProcRun{Wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		pr.MaxRSS = int64(ru.Maxrss) * 1024 // Linux reports KiB
		pr.Usage = usageOf(ru)
	}
	return json.NewEncoder(os.Stdout).Encode(pr)
}

// RunSpawner runs argv through a spawner child (self -spawn argv...), with
// env added to the environment.
func RunSpawner(self, env []string, argv ...string) (ProcRun, error) {
	args := append(append(append([]string{}, self[1:]...), "-spawn"), argv...)
	cmd := exec.Command(self[0], args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return ProcRun{}, fmt.Errorf("%w: %s", err, stderr.String())
	}
	var pr ProcRun
	if err := json.Unmarshal(out, &pr); err != nil {
		return ProcRun{}, fmt.Errorf("spawner printed %q: %w", out, err)
	}
	return pr, nil
}

// vmHWM is this process's peak resident set (VmHWM in /proc/self/status),
// which starts afresh at exec.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d", &kb); err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}
