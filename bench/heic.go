package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/imgpipe/imgpipe/internal/heiftest"
	"github.com/imgpipe/imgpipe/lambda/imaging"
	"github.com/imgpipe/imgpipe/lambda/imaging/heif"
)

// HEICTile is the tile size iPhones write.
const HEICTile = 512

// MakeGridHEIC writes an iPhone-shaped HEIC of the JPEG src: a grid of
// 512×512 HEVC tiles (the right and bottom ones overhanging), each encoded
// by Debian's heif-enc (libheif + x265) in reftools/bin, assembled by
// internal/heiftest. Tiles are encoded two at a time.
func MakeGridHEIC(reftools, src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	img, err := jpeg.Decode(f)
	_ = f.Close() // read-only: the decode error is the one that matters
	if err != nil {
		return fmt.Errorf("decode %s: %w", src, err)
	}
	b := img.Bounds()
	cols, rows := (b.Dx()+HEICTile-1)/HEICTile, (b.Dy()+HEICTile-1)/HEICTile
	tmp, err := os.MkdirTemp("", "heicgrid")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }() // a temporary folder; nothing to report
	tiles := make([]heif.Tile, cols*rows)
	errs := make([]error, len(tiles))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i := range tiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			tile := image.NewRGBA(image.Rect(0, 0, HEICTile, HEICTile))
			draw.Draw(tile, tile.Bounds(), img, b.Min.Add(image.Pt(i%cols*HEICTile, i/cols*HEICTile)), draw.Src)
			in, out := filepath.Join(tmp, fmt.Sprintf("t%d.png", i)), filepath.Join(tmp, fmt.Sprintf("t%d.heic", i))
			w, err := os.Create(in)
			if err == nil {
				err = errors.Join(png.Encode(w, tile), w.Close())
			}
			if err == nil {
				var o []byte
				if o, err = exec.Command(filepath.Join(reftools, "bin", "heif-enc"), "-q", "80", "-o", out, in).CombinedOutput(); err != nil {
					err = fmt.Errorf("heif-enc: %w: %s", err, o)
				}
			}
			if err == nil {
				tiles[i], err = codedTile(out)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return os.WriteFile(dst, heiftest.Grid(tiles, cols, rows, b.Dx(), b.Dy()).Bytes(), 0o644)
}

func codedTile(path string) (heif.Tile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return heif.Tile{}, err
	}
	f, err := heif.Parse(data)
	if err != nil {
		return heif.Tile{}, err
	}
	im, err := f.Primary()
	if err != nil {
		return heif.Tile{}, err
	}
	return im.Tiles[0], nil
}

// HEICStats compares imgpipe and libvips on one HEIC.
type HEICStats struct {
	File             string
	Width, Height    int
	Tiles, Bytes     int
	Cold             ProcRun       // imgpipe, fresh process: compile the decoder, decode, 256 + 1024 px
	Warm             time.Duration // imgpipe, median job after the first in one process
	WarmRSS          int64
	VipsLoad         ProcRun // vips heifload to .v (decode only), median
	VipsThumb        ProcRun // vipsthumbnail --size 1024, median
	VipsVersion      string
	Rounds, GOMAXPRO int
}

// HEICJob is the imgpipe side, run in a fresh process by the benchmark:
// process file rounds times (256 and 1024 px, q82) and print the first
// job's time, the median of the others and the peak RSS as JSON.
func HEICJob(file string, rounds int) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	p, err := imaging.New(imaging.Options{Sizes: []int{256, 1024}, Quality: 82, MaxPixels: 50_000_000})
	if err != nil {
		return err
	}
	var times []time.Duration
	for range max(rounds, 1) {
		start := time.Now()
		if _, err := p.Process(context.Background(), data); err != nil {
			return err
		}
		times = append(times, time.Since(start))
	}
	out := struct {
		First, Warm time.Duration
		MaxRSS      int64
	}{First: times[0], MaxRSS: vmHWM()}
	if len(times) > 1 {
		out.Warm = Median(times[1:])
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// MeasureHEIC times imgpipe (through self -heic-job) and libvips's vips
// and vipsthumbnail from reftools/bin on the same file.
func MeasureHEIC(self []string, reftools, file, tmp string, rounds int) (*HEICStats, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	f, err := heif.Parse(data)
	if err != nil {
		return nil, err
	}
	im, err := f.Primary()
	if err != nil {
		return nil, err
	}
	s := &HEICStats{File: filepath.Base(file), Width: im.Width, Height: im.Height, Tiles: len(im.Tiles), Bytes: len(data), Rounds: rounds, GOMAXPRO: runtime.GOMAXPROCS(0)}
	// Cold: one job in a fresh process, through a spawner for its own RSS.
	if s.Cold, err = RunSpawner(self, nil, append(append([]string{}, self...), "-heic-job", file, "-heic-rounds", "1")...); err != nil {
		return nil, fmt.Errorf("imgpipe cold HEIC job: %w", err)
	}
	cmd := exec.Command(self[0], append(append([]string{}, self[1:]...), "-heic-job", file, "-heic-rounds", fmt.Sprint(rounds+1))...)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("imgpipe warm HEIC jobs: %w", err)
	}
	var warm struct {
		First, Warm time.Duration
		MaxRSS      int64
	}
	if err := json.Unmarshal(out, &warm); err != nil {
		return nil, err
	}
	s.Warm, s.WarmRSS = warm.Warm, warm.MaxRSS
	vips := filepath.Join(reftools, "bin", "vips")
	if v, err := exec.Command(vips, "--version").Output(); err == nil {
		s.VipsVersion = strings.TrimSpace(string(v))
	}
	var loads, thumbs []ProcRun
	for i := range rounds {
		pr, err := RunSpawner(self, nil, vips, "heifload", file, filepath.Join(tmp, fmt.Sprintf("h%d.v", i)))
		if err != nil {
			return nil, fmt.Errorf("vips heifload: %w", err)
		}
		loads = append(loads, pr)
		pr, err = RunSpawner(self, nil, filepath.Join(reftools, "bin", "vipsthumbnail"), file, "--size", "1024", "-o", filepath.Join(tmp, fmt.Sprintf("h%d.jpg[Q=82,strip]", i)))
		if err != nil {
			return nil, fmt.Errorf("vipsthumbnail: %w", err)
		}
		thumbs = append(thumbs, pr)
		if err := os.Remove(filepath.Join(tmp, fmt.Sprintf("h%d.v", i))); err != nil {
			return nil, err
		}
	}
	s.VipsLoad, s.VipsThumb = medianRun(loads), medianRun(thumbs)
	return s, nil
}

func medianRun(runs []ProcRun) ProcRun {
	var walls []time.Duration
	var rss []time.Duration
	for _, r := range runs {
		walls = append(walls, r.Wall)
		rss = append(rss, time.Duration(r.MaxRSS))
	}
	return ProcRun{Wall: Median(walls), MaxRSS: int64(Median(rss))}
}

// Markdown is the HEIC section of docs/benchmarks.md.
func (s *HEICStats) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## 12 MP HEIC: imgpipe against libvips heifload\n\n")
	fmt.Fprintf(&b, "`%s`: %dx%d, %d HEVC tiles of %d×%d (iPhone layout), %.1f MB, made by `MakeGridHEIC` from the 12 MP crop with Debian's heif-enc. ",
		s.File, s.Width, s.Height, s.Tiles, HEICTile, HEICTile, float64(s.Bytes)/1e6)
	fmt.Fprintf(&b, "libvips: %s (Debian, native libheif + libde265). imgpipe: libheif/libde265 in WebAssembly (wazero), tiles decoded on GOMAXPROCS=%d goroutines. Medians of %d runs; each libvips run is a fresh process.\n\n", s.VipsVersion, s.GOMAXPRO, s.Rounds)
	fmt.Fprintln(&b, "| run | wall | peak RSS (MiB) |")
	fmt.Fprintln(&b, "|---|---:|---:|")
	fmt.Fprintf(&b, "| imgpipe, first HEIC of a fresh process (module compile + decode + 256 and 1024 px) | %.0f ms | %s |\n", ms(s.Cold.Wall), mib(s.Cold.MaxRSS))
	fmt.Fprintf(&b, "| imgpipe, warm (decode + 256 and 1024 px) | %.0f ms | %s |\n", ms(s.Warm), mib(s.WarmRSS))
	fmt.Fprintf(&b, "| `vips heifload` to `.v` (decode only, process start included) | %.0f ms | %s |\n", ms(s.VipsLoad.Wall), mib(s.VipsLoad.MaxRSS))
	fmt.Fprintf(&b, "| `vipsthumbnail --size 1024` (decode + one size) | %.0f ms | %s |\n", ms(s.VipsThumb.Wall), mib(s.VipsThumb.MaxRSS))
	return b.String()
}
