package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// Thumbnail makes one thumbnail of in with longest edge size through a
// spawner child (see Spawn) and returns vipsthumbnail's wall time and peak
// RSS, and the thumbnail.
func (v *Vips) Thumbnail(self []string, in string, size, quality int) (ProcRun, []byte, error) {
	out := filepath.Join(v.OutDir, fmt.Sprintf("vips-%d.jpg", size))
	pr, err := RunSpawner(self, v.Bin, in, "--size", strconv.Itoa(size), "-o", out+"[Q="+strconv.Itoa(quality)+",strip]")
	if err != nil {
		return ProcRun{}, nil, fmt.Errorf("vipsthumbnail %s --size %d: %w", in, size, err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return ProcRun{}, nil, err
	}
	return pr, data, nil
}
