package bench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"time"
)

// Job is one set of thumbnail sizes made from one upload.
type Job struct {
	Name  string
	Sizes []int
}

// Jobs are the project's default job and its smallest size alone.
var Jobs = []Job{{"256+1024", []int{256, 1024}}, {"256", []int{256}}}

// VipsName is the libvips pipeline's name in the table.
const VipsName = "libvips vipsthumbnail"

// Cell is the measurement of one pipeline on one input and job.
type Cell struct {
	Input, Job, Pipeline string
	Times                []time.Duration
	PeakHeap, MaxRSS     int64 // bytes; PeakHeap is 0 for processes we don't instrument
	PSNR                 []float64
	Thumbs               []Thumb // from the first round, for quality
	Err                  error
}

// Median is the median of the cell's times.
func (c *Cell) Median() time.Duration { return Median(c.Times) }

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
	Inputs    []Input
	Pipelines []Pipeline
	Vips      *Vips // nil: skip libvips
	Rounds    int
	Self      []string // os.Args prefix to re-run this program as a memory child
	Log       io.Writer
}

// Run measures every pipeline on every input and job: Rounds interleaved
// rounds of timings (Go pipelines in this process, with a GC before each
// run so that no run pays for another's garbage; libvips as processes),
// then one memory run per Go pipeline in a fresh child process, then an
// untimed quality pass.
func Run(cfg Config) ([]*Cell, error) {
	var cells []*Cell
	index := map[[3]string]*Cell{}
	cell := func(in, job, p string) *Cell {
		k := [3]string{in, job, p}
		if c, ok := index[k]; ok {
			return c
		}
		c := &Cell{Input: in, Job: job, Pipeline: p}
		index[k] = c
		cells = append(cells, c)
		return c
	}
	data := make([][]byte, len(cfg.Inputs))
	for i, in := range cfg.Inputs {
		b, err := os.ReadFile(in.Path)
		if err != nil {
			return nil, err
		}
		data[i] = b
	}
	// each runs every pipeline once on every input and job.
	each := func(quality int, f func(c *Cell, d time.Duration, thumbs []Thumb)) {
		for i, in := range cfg.Inputs {
			for _, job := range Jobs {
				for _, p := range cfg.Pipelines {
					c := cell(in.Name, job.Name, p.Name)
					if c.Err != nil {
						continue
					}
					runtime.GC()
					start := time.Now()
					thumbs, err := p.Run(data[i], job.Sizes, quality)
					d := time.Since(start)
					if err != nil {
						c.Err = err
						continue
					}
					f(c, d, thumbs)
				}
				if cfg.Vips == nil {
					continue
				}
				c := cell(in.Name, job.Name, VipsName)
				if c.Err != nil {
					continue
				}
				var total time.Duration
				var thumbs []Thumb
				for _, s := range job.Sizes {
					pr, jpg, err := cfg.Vips.Thumbnail(cfg.Self, in.Path, s, quality)
					if err != nil {
						c.Err = err
						break
					}
					total += pr.Wall
					c.MaxRSS = max(c.MaxRSS, pr.MaxRSS)
					thumbs = append(thumbs, Thumb{JPEG: jpg})
				}
				if c.Err == nil {
					f(c, total, thumbs)
				}
			}
		}
	}
	for r := 0; r < cfg.Rounds; r++ {
		fmt.Fprintf(cfg.Log, "timing: round %d/%d\n", r+1, cfg.Rounds)
		each(Quality, func(c *Cell, d time.Duration, _ []Thumb) { c.Times = append(c.Times, d) })
	}
	fmt.Fprintln(cfg.Log, "memory: one child process per Go pipeline, input and job")
	for i, in := range cfg.Inputs {
		for _, job := range Jobs {
			for _, p := range cfg.Pipelines {
				c := cell(in.Name, job.Name, p.Name)
				if c.Err != nil {
					continue
				}
				m, err := MeasureMemory(cfg.Self, p.Name, cfg.Inputs[i].Path, job.Sizes)
				if err != nil {
					c.Err = err
					continue
				}
				c.PeakHeap, c.MaxRSS = m.PeakHeap, m.MaxRSS
			}
		}
	}
	fmt.Fprintf(cfg.Log, "quality: every pipeline once more at JPEG q%d\n", QualityForPSNR)
	each(QualityForPSNR, func(c *Cell, _ time.Duration, thumbs []Thumb) { c.Thumbs = thumbs })
	for i, in := range cfg.Inputs {
		ref, err := NewReference(data[i])
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			if c.Input != in.Name || c.Err != nil {
				continue
			}
			for _, t := range c.Thumbs {
				q, err := ref.PSNR(t.JPEG)
				if err != nil {
					c.Err = err
					break
				}
				c.PSNR = append(c.PSNR, q)
			}
			c.Thumbs = nil
		}
	}
	return cells, nil
}
