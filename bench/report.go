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
	Loads  []string     // load average at the start of each timing round
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

func cpuRatio(a, b *Cell) (float64, bool) {
	if a == nil || b == nil || a.MedianCPU() == 0 || b.MedianCPU() == 0 {
		return 0, false
	}
	return float64(a.MedianCPU()) / float64(b.MedianCPU()), true
}

func ratio(a, b *Cell) string { return ratioOf(timeRatio(a, b)) }

func ratioOf(v float64, ok bool) string {
	if ok {
		return fmt.Sprintf("%.2f×", v)
	}
	return "–"
}

// cpuMS is the cell's median CPU time in ms, or a dash.
func cpuMS(c *Cell) string {
	if c.MedianCPU() == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", ms(c.MedianCPU()))
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
	fmt.Fprintln(w, "Written by `make bench` (`bench/cmd/thumbbench`, which also writes `docs/benchmarks.json`); numbers from one run on one machine. Wall times are what a user waits for, but on a busy machine they mostly measure the load: read them together with the load average below and the CPU times, which the load disturbs much less (see *How it is measured*).")
	fmt.Fprintln(w)
	for _, h := range r.Header {
		fmt.Fprintf(w, "- %s\n", h)
	}
	if len(r.Loads) > 0 {
		one := make([]string, len(r.Loads))
		for i, l := range r.Loads {
			one[i], _, _ = strings.Cut(l, ",")
		}
		fmt.Fprintf(w, "- load average (1 min) at the start of each timing round: %s\n", strings.Join(one, ", "))
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
		"**CPU time** (`CPU ms`, `median_cpu_ms` in benchmarks.json) is user + system time of the whole process over the same span as the wall time, from `getrusage(RUSAGE_SELF)` before and after the run (Node: `process.resourceUsage()`; vipsthumbnail: its process's rusage, summed over sizes). It counts every thread: Go's GC workers, libvips' and libuv's pools. It is the cost of the work: on a quiet machine a one-core wall time is about its CPU time, and an all-cores wall time is at most its CPU time. On a busy one it is the steadier figure. The kernel shares a CPU between runnable threads by their weight, so a process that keeps more threads runnable than it was given cores gets a larger share under load: sharp runs libvips' worker threads for each pipeline plus libuv's, Go runs at most `GOMAXPROCS` threads at once. On this shared machine (other work at nice 10) `GOMAXPROCS=8` instead of 2 halved imgpipe's 2-core wall time at the same CPU time, which a quiet machine would not show. benchmarks.json also has each run's CPU time (`runs_cpu_ms`) and the median minor page faults and voluntary and involuntary context switches (`median_usage`).",
		"**Peak RSS**: a fresh worker process per pipeline, input, job and core count runs the job twice and reports its own peak resident set (`VmHWM` for Go, `process.resourceUsage().maxRSS` for Node, which includes Node's own heap and sharp's libraries); for vipsthumbnail `ru_maxrss` of its process (started from a small spawner), the larger of its sizes.",
		fmt.Sprintf("**Quality**: every thumbnail of the last timed round (JPEG q%d) is decoded and compared with the fully decoded original (transparency over white) resized with nfnt/resize Lanczos3 to the thumbnail's dimensions: SSIM of the luma (Wang et al. 2004: 11-tap Gaussian window, σ 1.5, K1 0.01, K2 0.03) and luma PSNR. Values are per size, in the job's order; bytes are the thumbnails' sizes.", Quality),
	} {
		fmt.Fprintf(w, "- %s\n", l)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Results")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "`÷ sharp` is the wall-time ratio against sharp at the same core count, `CPU ÷ sharp` the CPU-time ratio (below 1 is faster or cheaper).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| image | job | cores | pipeline | median ms | CPU ms | ÷ sharp | CPU ÷ sharp | peak RSS MiB | bytes | SSIM | PSNR dB (Y) |")
	fmt.Fprintln(w, "|---|---|---:|---|---:|---:|---:|---:|---:|---|---|---|")
	for _, in := range r.Inputs {
		for _, job := range Jobs {
			for _, n := range r.Cores {
				sharp := r.find(in.Name, job.Name, NameSharp, n)
				for _, c := range r.Cells {
					if c.Input != in.Name || c.Job != job.Name || c.Cores != n {
						continue
					}
					if c.Err != nil {
						fmt.Fprintf(w, "| %s | %s | %d | %s | failed: %s | | | | | | | |\n", in.Name, job.Name, n, c.Pipeline, strings.ReplaceAll(c.Err.Error(), "|", "/"))
						continue
					}
					name := c.Pipeline
					if name == NameImgpipe {
						name = "**" + name + "**"
					}
					fmt.Fprintf(w, "| %s | %s | %d | %s | %.0f | %s | %s | %s | %s | %s | %s | %s |\n", in.Name, job.Name, n, name,
						ms(c.Median()), cpuMS(c), ratio(c, sharp), ratioOf(cpuRatio(c, sharp)), mib(c.MaxRSS),
						perSize(c, func(t ThumbScore) string { return fmt.Sprint(t.Bytes) }),
						perSize(c, func(t ThumbScore) string { return fmt.Sprintf("%.4f", t.SSIM) }),
						perSize(c, func(t ThumbScore) string { return dB(t.PSNR) }))
				}
			}
		}
	}
	r.equalSSIM(w)
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

// equalSSIM writes the bytes comparison at equal SSIM: for every
// thumbnail, sharp's bytes and SSIM against imgpipe's at the same quality
// setting and imgpipe's interpolated at sharp's SSIM from its sweep
// (writes to a strings.Builder cannot fail).
func (r *Report) equalSSIM(w *strings.Builder) {
	if len(r.Cores) == 0 {
		return
	}
	all := r.Cores[len(r.Cores)-1]
	var rows []string
	for _, in := range r.Inputs {
		for _, job := range Jobs {
			ours, theirs := r.find(in.Name, job.Name, NameImgpipe, all), r.find(in.Name, job.Name, NameSharp, all)
			if ours == nil || theirs == nil || len(ours.Thumbs) != len(theirs.Thumbs) {
				continue
			}
			for i, t := range ours.Thumbs {
				s := theirs.Thumbs[i]
				eq := "not bracketed"
				if len(t.Sweep) == 0 {
					eq = "not swept"
				} else if q, b, ok := Equal(t.Sweep, s.SSIM); ok {
					eq = fmt.Sprintf("q%.1f: %.0f B (%+.1f %%)", q, b, 100*(b/float64(s.Bytes)-1))
				}
				rows = append(rows, fmt.Sprintf("| %s | %s | %dx%d | %d | %.4f | %d (%+.1f %%) | %.4f | %s |", in.Name, job.Name, t.W, t.H,
					s.Bytes, s.SSIM, t.Bytes, 100*(float64(t.Bytes)/float64(s.Bytes)-1), t.SSIM, eq))
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Bytes at equal SSIM")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Thumbnails of the %d-core runs. Both pipelines at q%d (the same quality setting: libjpeg's scaling of the Annex K tables on both sides), and imgpipe's bytes at sharp's SSIM, interpolated linearly between the two qualities that bracket it in a sweep of imgpipe's encodings of the same thumbnail (%s; untimed). Percentages are against sharp's bytes.\n\n", all, Quality, ints(r.sweepQualities()))
	fmt.Fprintln(w, "| image | job | thumbnail | sharp bytes | sharp SSIM | imgpipe bytes, same setting | imgpipe SSIM | imgpipe at sharp's SSIM |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---|")
	for _, l := range rows {
		fmt.Fprintln(w, l)
	}
}

// sweepQualities are the qualities of the sweeps in the report.
func (r *Report) sweepQualities() []int {
	for _, c := range r.Cells {
		for _, t := range c.Thumbs {
			if len(t.Sweep) > 0 {
				q := make([]int, len(t.Sweep))
				for i, p := range t.Sweep {
					q[i] = p.Quality
				}
				return q
			}
		}
	}
	return nil
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
			ours, theirs := r.find(in, job, NameImgpipe, n), r.find(in, job, NameSharp, n)
			if v, ok := timeRatio(ours, theirs); ok {
				l := fmt.Sprintf("%s, %s, %d core(s): %.2f× sharp's wall time (target ≤ %.2f×): %s", in, job, n, v, limit, check(v <= limit))
				if c, ok := cpuRatio(ours, theirs); ok {
					l += fmt.Sprintf("; %.2f× its CPU time: %s", c, check(c <= limit))
				}
				out = append(out, l)
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
			ok, eqOK, swept := true, true, true
			var parts, eqParts []string
			for i, t := range ours.Thumbs {
				s := theirs.Thumbs[i]
				ok = ok && t.Bytes <= s.Bytes && ssimEqualOrBetter(t.SSIM, s.SSIM)
				parts = append(parts, fmt.Sprintf("%d B at SSIM %.4f vs %d B at %.4f", t.Bytes, t.SSIM, s.Bytes, s.SSIM))
				if len(t.Sweep) == 0 {
					swept = false
					continue
				}
				q, b, in := Equal(t.Sweep, s.SSIM)
				if !in {
					eqOK = false
					eqParts = append(eqParts, fmt.Sprintf("SSIM %.4f outside q%d..q%d", s.SSIM, t.Sweep[0].Quality, t.Sweep[len(t.Sweep)-1].Quality))
					continue
				}
				eqOK = eqOK && b <= float64(s.Bytes)
				eqParts = append(eqParts, fmt.Sprintf("%.0f B (q%.1f) vs %d B", b, q, s.Bytes))
			}
			l := fmt.Sprintf("%s, %s, bytes ≤ sharp's at equal or better SSIM: same quality setting: %s: %s", in.Name, job.Name, strings.Join(parts, "; "), check(ok))
			if swept {
				l += fmt.Sprintf("; at sharp's SSIM: %s: %s", strings.Join(eqParts, "; "), check(eqOK))
			}
			out = append(out, l)
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
	Image    string  `json:"image"`
	Job      string  `json:"job"`
	Pipeline string  `json:"pipeline"`
	Cores    int     `json:"cores"`
	MedianMS float64 `json:"median_ms"`
	// MedianCPUMS is the median CPU time (user + system, every thread of
	// the process) over the same runs; 0 when not measured.
	MedianCPUMS float64   `json:"median_cpu_ms"`
	PeakRSSMiB  float64   `json:"peak_rss_mib"`
	Bytes       int       `json:"bytes"` // all thumbnails of the job
	SSIM        float64   `json:"ssim"`  // mean over the job's thumbnails
	RunsMS      []float64 `json:"runs_ms"`
	RunsCPUMS   []float64 `json:"runs_cpu_ms"`
	// MedianUsage is the median of each resource figure over the runs.
	MedianUsage *Usage      `json:"median_usage,omitempty"`
	Thumbnails  []JSONThumb `json:"thumbnails"`
	Error       string      `json:"error,omitempty"`
}

// JSONThumb is one thumbnail of a result.
type JSONThumb struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Bytes  int     `json:"bytes"`
	SSIM   float64 `json:"ssim"`
	PSNR   float64 `json:"psnr_db"`
	// Sweep is the thumbnail at other qualities (imgpipe, all cores), and
	// AtSharpSSIM the bytes and quality interpolated from it at sharp's
	// SSIM for the same thumbnail.
	Sweep       []FormatPoint `json:"sweep,omitempty"`
	AtSharpSSIM *JSONEqual    `json:"at_sharp_ssim,omitempty"`
}

// JSONEqual is a point interpolated on a quality sweep.
type JSONEqual struct {
	SSIM    float64 `json:"ssim"`
	Quality float64 `json:"quality"`
	Bytes   float64 `json:"bytes"`
}

// JSON writes benchmarks.json: the environment lines and one result per
// cell.
func (r *Report) JSON(w io.Writer) error {
	doc := struct {
		Environment []string       `json:"environment"`
		RoundLoads  []string       `json:"round_load_averages"`
		Targets     []string       `json:"targets"`
		Results     []JSONResult   `json:"results"`
		Formats     *FormatsResult `json:"formats,omitempty"`
	}{Environment: r.Header, RoundLoads: r.Loads, Targets: r.Targets(), Results: []JSONResult{}, Formats: r.Formats}
	round := func(v float64, d float64) float64 { return math.Round(v*d) / d }
	for _, c := range r.Cells {
		res := JSONResult{Image: c.Input, Job: c.Job, Pipeline: c.Pipeline, Cores: c.Cores, RunsMS: []float64{}, RunsCPUMS: []float64{}, Thumbnails: []JSONThumb{}}
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
			if len(c.Usage) > 0 {
				res.MedianCPUMS = round(ms(c.MedianCPU()), 10)
				for _, u := range c.Usage {
					res.RunsCPUMS = append(res.RunsCPUMS, round(u.CPUMS, 10))
				}
				m := MedianUsage(c.Usage)
				m.CPUMS, m.UserMS, m.SysMS = round(m.CPUMS, 10), round(m.UserMS, 10), round(m.SysMS, 10)
				res.MedianUsage = &m
			}
			sharp := r.find(c.Input, c.Job, NameSharp, c.Cores)
			for i, t := range c.Thumbs {
				p := t.PSNR
				if math.IsInf(p, 1) {
					p = 999
				}
				jt := JSONThumb{Width: t.W, Height: t.H, Bytes: t.Bytes, SSIM: round(t.SSIM, 1e5), PSNR: round(p, 100)}
				for _, pt := range t.Sweep {
					jt.Sweep = append(jt.Sweep, FormatPoint{Quality: pt.Quality, Bytes: pt.Bytes, SSIM: round(pt.SSIM, 1e5)})
				}
				if sharp != nil && i < len(sharp.Thumbs) {
					if q, b, ok := Equal(t.Sweep, sharp.Thumbs[i].SSIM); ok {
						jt.AtSharpSSIM = &JSONEqual{SSIM: round(sharp.Thumbs[i].SSIM, 1e5), Quality: round(q, 10), Bytes: math.Round(b)}
					}
				}
				res.Thumbnails = append(res.Thumbnails, jt)
			}
		}
		doc.Results = append(doc.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
