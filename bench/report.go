package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Report is everything `make bench` prints and writes.
type Report struct {
	Header []string // environment lines: date, machine, versions, load
	Inputs []Input
	Cores  []int
	Cells  []*Cell
	Binary *BinaryStats // nil when lambda/cmd/processor is absent
	// Formats is the thumbnail formats comparison (formats.go); nil when
	// not run.
	Formats *FormatsResult
	Notes   []string
}

func (r *Report) find(in, job, p string, cores int) *Cell {
	for _, c := range r.Cells {
		if c.Input == in && c.Job == job && c.Pipeline == p && c.Cores == cores && c.Err == nil && len(c.Times) > 0 {
			return c
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mibf(b int64) float64 { return float64(b) / (1 << 20) }

func mib(b int64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", mibf(b))
}

func timeRatio(a, b *Cell) (float64, bool) {
	if a == nil || b == nil || b.Median() == 0 {
		return 0, false
	}
	return float64(a.Median()) / float64(b.Median()), true
}

func ratio(a, b *Cell) string {
	if v, ok := timeRatio(a, b); ok {
		return fmt.Sprintf("%.2f×", v)
	}
	return "–"
}

// perSize formats one value per thumbnail, in the job's order.
func perSize(c *Cell, f func(t ThumbScore) string) string {
	if len(c.Thumbs) == 0 {
		return "–"
	}
	s := make([]string, len(c.Thumbs))
	for i, t := range c.Thumbs {
		s[i] = f(t)
	}
	return strings.Join(s, " / ")
}

func dB(v float64) string {
	if math.IsInf(v, 1) {
		return "∞"
	}
	return fmt.Sprintf("%.1f", v)
}

// Markdown returns the report as Markdown (docs/benchmarks.md).
func (r *Report) Markdown() string {
	var b strings.Builder
	w := &b // writes to a strings.Builder cannot fail
	fmt.Fprintln(w, "# Thumbnail benchmarks")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Written by `make bench` (`bench/cmd/thumbbench`, which also writes `docs/benchmarks.json`); numbers from one run on one machine. Absolute times are noisy on a shared machine; the ratios, measured side by side in interleaved rounds, hold better.")
	fmt.Fprintln(w)
	for _, h := range r.Header {
		fmt.Fprintf(w, "- %s\n", h)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Inputs")
	fmt.Fprintln(w)
	for _, in := range r.Inputs {
		fmt.Fprintf(w, "- **%s**: %s\n", in.Name, in.What)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Targets against sharp")
	fmt.Fprintln(w)
	for _, l := range r.Targets() {
		fmt.Fprintf(w, "- %s\n", l)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## How it is measured")
	fmt.Fprintln(w)
	for _, l := range []string{
		"**imgpipe** (`lambda/imaging`) and **nfnt** (stdlib decode, nfnt/resize Lanczos3 from the full image per size, stdlib encode) run in long-lived Go worker processes (`thumbbench -worker`), **sharp** in one long-lived Node process (`bench/sharp/worker.js`): each is warmed up with one run of every input and job, then timed in-process from the input bytes in memory to every encoded JPEG. A GC runs before each timed run (Go `runtime.GC()`, Node `gc()`).",
		"**sharp**: one pipeline per size from the input buffer (`sharp(buf).rotate().resize(s, s, {fit: 'inside', withoutEnlargement: true}).flatten({background: '#ffffff'}).jpeg({quality})`), so libvips' shrink-on-load picks the JPEG scale per size; its operation cache is off (`sharp.cache(false)`), since every request stands for a new upload. sharp's own defaults otherwise: 4:2:0 chroma, optimised Huffman coding, no trellis quantisation.",
		"**1 core**: every process pinned to one CPU with `taskset`; Go with `GOMAXPROCS=1`; sharp with `sharp.concurrency(1)` and the sizes one after another; vipsthumbnail with `VIPS_CONCURRENCY=1`. **All cores**: Go with `GOMAXPROCS` = the CPU count; sharp with `sharp.concurrency(CPU count)` and every size of the job at once (`Promise.all`, libuv's default pool of 4 threads); vipsthumbnail with `VIPS_CONCURRENCY` = the CPU count.",
		"**vipsthumbnail** (secondary): one process per size (`vipsthumbnail IN --size N -o OUT[Q=82,strip]`), process wall times summed; it pays libvips' start-up on every call, which a warm service does not.",
		"Rounds are interleaved: each round runs every pipeline once on every input, job and core count, the pipelines of one cell back to back, in an order that rotates from round to round. Times are medians over the rounds.",
		"**Peak RSS**: a fresh worker process per pipeline, input, job and core count runs the job twice and reports its own peak resident set (`VmHWM` for Go, `process.resourceUsage().maxRSS` for Node, which includes Node's own heap and sharp's libraries); for vipsthumbnail `ru_maxrss` of its process (started from a small spawner), the larger of its sizes.",
		fmt.Sprintf("**Quality**: every thumbnail of the last timed round (JPEG q%d) is decoded and compared with the fully decoded original (transparency over white) resized with nfnt/resize Lanczos3 to the thumbnail's dimensions: SSIM of the luma (Wang et al. 2004: 11-tap Gaussian window, σ 1.5, K1 0.01, K2 0.03) and luma PSNR. Values are per size, in the job's order; bytes are the thumbnails' sizes.", Quality),
	} {
		fmt.Fprintf(w, "- %s\n", l)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Results")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "`÷ sharp` is the time ratio against sharp at the same core count (below 1 is faster).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| image | job | cores | pipeline | median ms | ÷ sharp | peak RSS MiB | bytes | SSIM | PSNR dB (Y) |")
	fmt.Fprintln(w, "|---|---|---:|---|---:|---:|---:|---|---|---|")
	for _, in := range r.Inputs {
		for _, job := range Jobs {
			for _, n := range r.Cores {
				sharp := r.find(in.Name, job.Name, NameSharp, n)
				for _, c := range r.Cells {
					if c.Input != in.Name || c.Job != job.Name || c.Cores != n {
						continue
					}
					if c.Err != nil {
						fmt.Fprintf(w, "| %s | %s | %d | %s | failed: %s | | | | | |\n", in.Name, job.Name, n, c.Pipeline, strings.ReplaceAll(c.Err.Error(), "|", "/"))
						continue
					}
					name := c.Pipeline
					if name == NameImgpipe {
						name = "**" + name + "**"
					}
					fmt.Fprintf(w, "| %s | %s | %d | %s | %.0f | %s | %s | %s | %s | %s |\n", in.Name, job.Name, n, name,
						ms(c.Median()), ratio(c, sharp), mib(c.MaxRSS),
						perSize(c, func(t ThumbScore) string { return fmt.Sprint(t.Bytes) }),
						perSize(c, func(t ThumbScore) string { return fmt.Sprintf("%.4f", t.SSIM) }),
						perSize(c, func(t ThumbScore) string { return dB(t.PSNR) }))
				}
			}
		}
	}
	if r.Formats != nil {
		fmt.Fprintln(w)
		r.Formats.Markdown(w)
	}
	if r.Binary != nil {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "## Binary and cold start")
		fmt.Fprintln(w)
		fmt.Fprintln(w, r.Binary.Markdown())
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "## Notes")
		fmt.Fprintln(w)
		for _, n := range r.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
	return b.String()
}

// ssimEqualOrBetter compares SSIM at the four decimals the report shows.
func ssimEqualOrBetter(a, b float64) bool {
	return math.Round(a*1e4) >= math.Round(b*1e4)
}

// Targets checks the measured numbers against the targets set for
// imgpipe against sharp.
func (r *Report) Targets() []string {
	if len(r.Inputs) < 4 {
		return []string{"inputs missing: no target check"}
	}
	var out []string
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**missed**"
	}
	phone, prog, small, png := r.Inputs[0].Name, r.Inputs[1].Name, r.Inputs[2].Name, r.Inputs[3].Name
	speed := func(in, job string, limit float64) {
		for _, n := range r.Cores {
			if v, ok := timeRatio(r.find(in, job, NameImgpipe, n), r.find(in, job, NameSharp, n)); ok {
				out = append(out, fmt.Sprintf("%s, %s, %d core(s): %.2f× sharp's time (target ≤ %.2f×): %s", in, job, n, v, limit, check(v <= limit)))
			} else {
				out = append(out, fmt.Sprintf("%s, %s, %d core(s): not measured", in, job, n))
			}
		}
	}
	speed(phone, "256+1024", 0.75)
	speed(phone, "256", 0.9)
	speed(png, "256+1024", 0.8)
	for _, in := range []string{prog, small} {
		for _, job := range Jobs {
			speed(in, job.Name, 0.5)
		}
	}
	if len(r.Cores) == 0 {
		return out
	}
	all := r.Cores[len(r.Cores)-1]
	for _, in := range r.Inputs {
		for _, job := range Jobs {
			ours, theirs := r.find(in.Name, job.Name, NameImgpipe, all), r.find(in.Name, job.Name, NameSharp, all)
			if ours == nil || theirs == nil || len(ours.Thumbs) != len(theirs.Thumbs) || len(ours.Thumbs) == 0 {
				continue
			}
			ok := true
			var parts []string
			for i, t := range ours.Thumbs {
				s := theirs.Thumbs[i]
				ok = ok && t.Bytes <= s.Bytes && ssimEqualOrBetter(t.SSIM, s.SSIM)
				parts = append(parts, fmt.Sprintf("%d B at SSIM %.4f vs %d B at %.4f", t.Bytes, t.SSIM, s.Bytes, s.SSIM))
			}
			out = append(out, fmt.Sprintf("%s, %s, bytes ≤ sharp's at equal or better SSIM: %s: %s", in.Name, job.Name, strings.Join(parts, "; "), check(ok)))
		}
	}
	for _, in := range r.Inputs {
		worst, wc := 0.0, (*Cell)(nil)
		for _, job := range Jobs {
			for _, n := range r.Cores {
				ours, theirs := r.find(in.Name, job.Name, NameImgpipe, n), r.find(in.Name, job.Name, NameSharp, n)
				if ours == nil || theirs == nil || ours.MaxRSS <= 0 || theirs.MaxRSS <= 0 {
					continue
				}
				if v := float64(ours.MaxRSS) / float64(theirs.MaxRSS); v > worst {
					worst, wc = v, ours
				}
			}
		}
		if wc != nil {
			out = append(out, fmt.Sprintf("%s, peak RSS: at most %.2f× sharp's (worst: %s, %d core(s); target ≤ 0.5×): %s", in.Name, worst, wc.Job, wc.Cores, check(worst <= 0.5)))
		}
	}
	return out
}

// JSONResult is one row of benchmarks.json.
type JSONResult struct {
	Image      string      `json:"image"`
	Job        string      `json:"job"`
	Pipeline   string      `json:"pipeline"`
	Cores      int         `json:"cores"`
	MedianMS   float64     `json:"median_ms"`
	PeakRSSMiB float64     `json:"peak_rss_mib"`
	Bytes      int         `json:"bytes"` // all thumbnails of the job
	SSIM       float64     `json:"ssim"`  // mean over the job's thumbnails
	RunsMS     []float64   `json:"runs_ms"`
	Thumbnails []JSONThumb `json:"thumbnails"`
	Error      string      `json:"error,omitempty"`
}

// JSONThumb is one thumbnail of a result.
type JSONThumb struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Bytes  int     `json:"bytes"`
	SSIM   float64 `json:"ssim"`
	PSNR   float64 `json:"psnr_db"`
}

// JSON writes benchmarks.json: the environment lines and one result per
// cell.
func (r *Report) JSON(w io.Writer) error {
	doc := struct {
		Environment []string       `json:"environment"`
		Targets     []string       `json:"targets"`
		Results     []JSONResult   `json:"results"`
		Formats     *FormatsResult `json:"formats,omitempty"`
	}{Environment: r.Header, Targets: r.Targets(), Results: []JSONResult{}, Formats: r.Formats}
	round := func(v float64, d float64) float64 { return math.Round(v*d) / d }
	for _, c := range r.Cells {
		res := JSONResult{Image: c.Input, Job: c.Job, Pipeline: c.Pipeline, Cores: c.Cores, RunsMS: []float64{}, Thumbnails: []JSONThumb{}}
		if c.Err != nil {
			res.Error = c.Err.Error()
		} else {
			res.MedianMS = round(ms(c.Median()), 10)
			res.PeakRSSMiB = round(mibf(c.MaxRSS), 10)
			res.Bytes = c.Bytes()
			res.SSIM = round(c.SSIM(), 1e5)
			for _, t := range c.Times {
				res.RunsMS = append(res.RunsMS, round(ms(t), 10))
			}
			for _, t := range c.Thumbs {
				p := t.PSNR
				if math.IsInf(p, 1) {
					p = 999
				}
				res.Thumbnails = append(res.Thumbnails, JSONThumb{Width: t.W, Height: t.H, Bytes: t.Bytes, SSIM: round(t.SSIM, 1e5), PSNR: round(p, 100)})
			}
		}
		doc.Results = append(doc.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
