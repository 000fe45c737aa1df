package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Vips runs Debian's vipsthumbnail, one process per size, as libvips users
// do from the command line.
type Vips struct {
	Bin    string // path of vipsthumbnail
	OutDir string // where thumbnails are written
}

// FindVips returns the vipsthumbnail on PATH, or an error saying why the
// libvips column is skipped.
func FindVips(outDir string) (*Vips, error) {
	bin, err := exec.LookPath("vipsthumbnail")
	if err != nil {
		return nil, fmt.Errorf("vipsthumbnail not found (install Debian's libvips-tools): %w", err)
	}
	return &Vips{Bin: bin, OutDir: outDir}, nil
}

// Version is `vips --version`'s answer, or vipsthumbnail's.
func (v *Vips) Version() string {
	out, err := exec.Command(v.Bin, "--vips-version").Output()
	if err != nil {
		return "libvips (version unknown)"
	}
	return strings.TrimSpace(string(out))
}

// ProcRun is the measurement of one child process.
type ProcRun struct {
	Wall   time.Duration
	MaxRSS int64 // bytes
}

// Thumbnail makes one thumbnail of in with longest edge size and returns
// the process's wall time and peak RSS, and the thumbnail.
func (v *Vips) Thumbnail(in string, size int) (ProcRun, []byte, error) {
	out := filepath.Join(v.OutDir, fmt.Sprintf("vips-%d.jpg", size))
	cmd := exec.Command(v.Bin, in, "--size", strconv.Itoa(size), "-o", out+"[Q="+strconv.Itoa(Quality)+",strip]")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return ProcRun{}, nil, fmt.Errorf("vipsthumbnail %s --size %d: %w: %s", in, size, err, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return ProcRun{}, nil, err
	}
	return ProcRun{Wall: wall, MaxRSS: maxRSS(cmd.ProcessState)}, data, nil
}

// maxRSS is the peak resident set of a finished child (Linux reports KiB).
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) * 1024
	}
	return 0
}
