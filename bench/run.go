package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Job is one set of thumbnail sizes made from one upload.
type Job struct {
	Name  string
	Sizes []int
}

// JPEGSweep are the qualities at which imgpipe's thumbnails are also
// encoded, untimed, to read its bytes at sharp's SSIM (Quality is measured
// anyway).
var JPEGSweep = []int{74, 78, 80, 84, 86, 90}

// Jobs are the project's default job and its smallest size alone.
var Jobs = []Job{{"256+1024", []int{256, 1024}}, {"256", []int{256}}}

// Pipeline names as they appear in the report and in benchmarks.json.
const (
	NameImgpipe = "imgpipe"
	NameSharp   = "sharp"
	NameVips    = "vipsthumbnail"
	NameNfnt    = "nfnt"
)

// ThumbScore is one thumbnail of a cell: its size on disk and its quality.
type ThumbScore struct {
	Score
	Bytes int
	// Sweep is the same thumbnail encoded at other qualities (and at
	// Quality), in quality order, for the comparison at equal SSIM; only
	// for the pipeline and core count that Config.Sweep names.
	Sweep []FormatPoint
}

// Cell is the measurement of one pipeline on one input, job and core count.
type Cell struct {
	Input, Job, Pipeline string
	Cores                int
	Times                []time.Duration
	Usage                []Usage // per timed run, as Times: CPU time, faults, context switches
	MaxRSS               int64   // bytes
	Thumbs               []ThumbScore
	Err                  error
	files                []string // thumbnails of the last timed run
}

// Median is the median of the cell's times.
func (c *Cell) Median() time.Duration { return Median(c.Times) }

// MedianCPU is the median of the cell's CPU times; zero when not measured.
func (c *Cell) MedianCPU() time.Duration {
	ds := make([]time.Duration, len(c.Usage))
	for i, u := range c.Usage {
		ds[i] = time.Duration(u.CPUMS * float64(time.Millisecond))
	}
	return Median(ds)
}

// Bytes is the total size of the cell's thumbnails.
func (c *Cell) Bytes() int {
	n := 0
	for _, t := range c.Thumbs {
		n += t.Bytes
	}
	return n
}

// SSIM is the mean SSIM of the cell's thumbnails.
func (c *Cell) SSIM() float64 {
	if len(c.Thumbs) == 0 {
		return 0
	}
	s := 0.0
	for _, t := range c.Thumbs {
		s += t.SSIM
	}
	return s / float64(len(c.Thumbs))
}

// Median returns the median of ds (the mean of the middle two for an even
// count); zero for none.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Config says what to measure.
type Config struct {
	Inputs  []Input
	Workers []WorkerSpec // in-process pipelines, each in its own worker process
	Vips    *Vips        // nil: skip vipsthumbnail
	Cores   []int        // core counts to measure: 1 and the machine's
	Rounds  int
	// Sweep lists the qualities at which imgpipe, on the last core count,
	// also encodes every thumbnail (untimed) so that its bytes can be read
	// at sharp's SSIM; nil for none.
	Sweep  []int
	Self   []string // os.Args prefix to re-run this program as a spawner
	TmpDir string
	Log    io.Writer // progress lines
}

// logf writes a progress line. Progress is for the person watching: a
// failed write must not stop the measurements, so its error is dropped.
func (cfg Config) logf(format string, args ...any) {
	_, _ = fmt.Fprintf(cfg.Log, format, args...)
}

// Measured is what Run measured.
type Measured struct {
	Cells []*Cell
	// Loads is the load average (1, 5, 15 min) at the start of each timing
	// round.
	Loads []string
}

// Run measures every pipeline on every input, job and core count.
//
//  1. One long-lived worker process per pipeline and core count, warmed up
//     by one run of every input and job.
//  2. Rounds interleaved rounds: each round runs every pipeline once on
//     every input, job and core count, the pipelines of one cell back to
//     back and in an order that rotates from round to round, so that load
//     from elsewhere on the machine hits them alike.
//  3. Peak RSS: a fresh worker process per pipeline, input, job and core
//     count runs the job twice and reports its peak resident set
//     (vipsthumbnail's comes from the timed runs, one process per size).
//  4. Quality: the thumbnails of the last round against the reference,
//     and imgpipe's thumbnails at the qualities of cfg.Sweep.
func Run(cfg Config) (*Measured, error) {
	var cells []*Cell
	index := map[string]*Cell{}
	cell := func(in, job, p string, cores int) *Cell {
		k := fmt.Sprint(in, "|", job, "|", p, "|", cores)
		if c, ok := index[k]; ok {
			return c
		}
		c := &Cell{Input: in, Job: job, Pipeline: p, Cores: cores}
		index[k] = c
		cells = append(cells, c)
		return c
	}
	workers := map[string]*Worker{}
	defer func() {
		for _, w := range workers {
			if err := w.Close(); err != nil {
				cfg.logf("worker: %v\n", err) // the measurements are taken; say it and go on
			}
		}
	}()
	var names []string // pipeline order within a cell
	for _, s := range cfg.Workers {
		names = append(names, s.Pipeline)
		for _, n := range cfg.Cores {
			w, err := StartWorker(s, n)
			if err != nil {
				return nil, err
			}
			workers[fmt.Sprint(s.Pipeline, n)] = w
			cfg.logf("worker %s, %d core(s): %s\n", s.Pipeline, n, w.Ready)
		}
	}
	if cfg.Vips != nil {
		names = append(names, NameVips)
	}
	// measure runs pipeline p once on one cell and records the time.
	measure := func(c *Cell, in Input, job Job, p string, cores int) {
		if c.Err != nil {
			return
		}
		out := filepath.Join(cfg.TmpDir, fmt.Sprintf("%s-%s-%s-%d", p, slug(in.Name), job.Name, cores))
		if p == NameVips {
			var total time.Duration
			var use Usage
			var files []string
			for i, s := range job.Sizes {
				f := fmt.Sprintf("%s-%d.jpg", out, i)
				pr, err := cfg.Vips.Thumbnail(cfg.Self, in.Path, s, Quality, cores, f)
				if err != nil {
					c.Err = err
					return
				}
				total += pr.Wall
				use = use.Add(pr.Usage)
				c.MaxRSS = max(c.MaxRSS, pr.MaxRSS)
				files = append(files, f)
			}
			c.Times, c.Usage, c.files = append(c.Times, total), append(c.Usage, use), files
			return
		}
		ans, err := workers[fmt.Sprint(p, cores)].Thumbs(in.Path, job.Sizes, Quality, out)
		if err != nil {
			c.Err = err
			return
		}
		c.Times = append(c.Times, time.Duration(ans.MS*float64(time.Millisecond)))
		c.Usage = append(c.Usage, ans.Usage)
		c.files = ans.Files
	}
	cfg.logf("warm-up: every worker once on every input and job\n")
	for _, in := range cfg.Inputs {
		for _, job := range Jobs {
			for _, n := range cfg.Cores {
				for _, s := range cfg.Workers {
					if _, err := workers[fmt.Sprint(s.Pipeline, n)].Thumbs(in.Path, job.Sizes, Quality, ""); err != nil {
						cell(in.Name, job.Name, s.Pipeline, n).Err = err
					}
				}
			}
		}
	}
	var loads []string
	for r := 0; r < cfg.Rounds; r++ {
		loads = append(loads, LoadAverage())
		cfg.logf("timing: round %d/%d (load average %s)\n", r+1, cfg.Rounds, loads[r])
		for _, in := range cfg.Inputs {
			for _, job := range Jobs {
				for _, n := range cfg.Cores {
					for k := range names {
						p := names[(k+r)%len(names)]
						measure(cell(in.Name, job.Name, p, n), in, job, p, n)
					}
				}
			}
		}
	}
	cfg.logf("memory: a fresh worker per pipeline, input, job and core count\n")
	for _, s := range cfg.Workers {
		for _, in := range cfg.Inputs {
			for _, job := range Jobs {
				for _, n := range cfg.Cores {
					c := cell(in.Name, job.Name, s.Pipeline, n)
					if c.Err != nil {
						continue
					}
					if c.MaxRSS, c.Err = peakRSS(s, n, in, job); c.Err != nil {
						continue
					}
				}
			}
		}
	}
	cfg.logf("quality: SSIM and PSNR of the last round's thumbnails against a Lanczos3 resize of the fully decoded original\n")
	for _, in := range cfg.Inputs {
		data, err := os.ReadFile(in.Path)
		if err != nil {
			return nil, err
		}
		ref, err := NewReference(data)
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			if c.Input != in.Name || c.Err != nil {
				continue
			}
			for _, f := range c.files {
				jpg, err := os.ReadFile(f)
				if err != nil {
					c.Err = err
					break
				}
				s, err := ref.Score(jpg)
				if err != nil {
					c.Err = fmt.Errorf("%s: %w", f, err)
					break
				}
				c.Thumbs = append(c.Thumbs, ThumbScore{Score: s, Bytes: len(jpg)})
			}
		}
		if len(cfg.Sweep) > 0 && len(cfg.Cores) > 0 {
			all := cfg.Cores[len(cfg.Cores)-1]
			w := workers[fmt.Sprint(NameImgpipe, all)]
			for _, job := range Jobs {
				c := cell(in.Name, job.Name, NameImgpipe, all)
				if w == nil || c.Err != nil {
					continue
				}
				if c.Err = sweep(cfg, w, ref, in, job, c); c.Err != nil {
					continue
				}
			}
		}
	}
	return &Measured{Cells: cells, Loads: loads}, nil
}

// sweep encodes the thumbnails of one input and job again at every quality
// of cfg.Sweep and scores them; the cell's own thumbnails are the points at
// Quality.
func sweep(cfg Config, w *Worker, ref *Reference, in Input, job Job, c *Cell) error {
	for i := range c.Thumbs {
		c.Thumbs[i].Sweep = []FormatPoint{{Quality: Quality, Bytes: c.Thumbs[i].Bytes, SSIM: c.Thumbs[i].SSIM}}
	}
	for _, q := range cfg.Sweep {
		if q == Quality {
			continue
		}
		out := filepath.Join(cfg.TmpDir, fmt.Sprintf("sweep-%s-%s-q%d", slug(in.Name), job.Name, q))
		ans, err := w.Thumbs(in.Path, job.Sizes, q, out)
		if err != nil {
			return fmt.Errorf("quality sweep at q%d: %w", q, err)
		}
		if len(ans.Files) != len(c.Thumbs) {
			return fmt.Errorf("quality sweep at q%d: %d thumbnails, want %d", q, len(ans.Files), len(c.Thumbs))
		}
		for i, f := range ans.Files {
			jpg, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			s, err := ref.Score(jpg)
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			c.Thumbs[i].Sweep = append(c.Thumbs[i].Sweep, FormatPoint{Quality: q, Bytes: len(jpg), SSIM: s.SSIM})
		}
	}
	for i := range c.Thumbs {
		slices.SortFunc(c.Thumbs[i].Sweep, func(a, b FormatPoint) int { return a.Quality - b.Quality })
	}
	return nil
}

// LoadAverage is the first three fields of /proc/loadavg ("unknown" where
// there is none).
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}

// peakRSS runs one job twice in a fresh worker and returns the worker's
// peak resident set.
func peakRSS(s WorkerSpec, cores int, in Input, job Job) (int64, error) {
	w, err := StartWorker(s, cores)
	if err != nil {
		return 0, err
	}
	defer func() { _ = w.Close() }() // a worker that ran both jobs and reported its RSS has done its part
	for range 2 {
		if _, err := w.Thumbs(in.Path, job.Sizes, Quality, ""); err != nil {
			return 0, err
		}
	}
	return w.MaxRSS()
}

// slug makes an input name usable in a file name.
func slug(s string) string {
	b := []byte(s)
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			b[i] = '_'
		}
	}
	return string(b)
}
