package bench

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Vips runs Debian's vipsthumbnail, one process per size, as libvips users
// do from the command line.
type Vips struct {
	Bin string // path of vipsthumbnail
}

// FindVips returns the vipsthumbnail on PATH, or an error saying why the
// libvips column is skipped.
func FindVips() (*Vips, error) {
	bin, err := exec.LookPath("vipsthumbnail")
	if err != nil {
		return nil, fmt.Errorf("vipsthumbnail not found (install Debian's libvips-tools): %w", err)
	}
	return &Vips{Bin: bin}, nil
}

// Version is `vips --version`'s answer, or vipsthumbnail's.
func (v *Vips) Version() string {
	out, err := exec.Command(v.Bin, "--vips-version").Output()
	if err != nil {
		return "libvips (version unknown)"
	}
	return strings.TrimSpace(string(out))
}

// Thumbnail makes one thumbnail of in with longest edge size into out
// through a spawner child (see Spawn) and returns vipsthumbnail's wall time
// and peak RSS. cores sets libvips' thread count (VIPS_CONCURRENCY); with
// one core the process is also pinned to one CPU.
func (v *Vips) Thumbnail(self []string, in string, size, quality, cores int, out string) (ProcRun, error) {
	argv := pinned(cores, []string{v.Bin, in, "--size", strconv.Itoa(size), "-o", out + "[Q=" + strconv.Itoa(quality) + ",strip]"})
	pr, err := RunSpawner(self, []string{"VIPS_CONCURRENCY=" + strconv.Itoa(cores)}, argv...)
	if err != nil {
		return ProcRun{}, fmt.Errorf("vipsthumbnail %s --size %d: %w", in, size, err)
	}
	return pr, nil
}
