package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Report is everything `make bench` prints and writes.
type Report struct {
	Header []string // environment lines: date, machine, versions
	Inputs []Input
	Cells  []*Cell
	Binary *BinaryStats // nil when lambda/cmd/processor is absent
	Notes  []string
}

func (r *Report) find(in, job, p string) *Cell {
	for _, c := range r.Cells {
		if c.Input == in && c.Job == job && c.Pipeline == p && c.Err == nil && len(c.Times) > 0 {
			return c
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(b int64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", float64(b)/(1<<20))
}

func ratio(a, b *Cell) string {
	if a == nil || b == nil || b.Median() == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", float64(a.Median())/float64(b.Median()))
}

func psnrs(c *Cell) string {
	if len(c.PSNR) == 0 {
		return "–"
	}
	s := make([]string, len(c.PSNR))
	for i, v := range c.PSNR {
		if math.IsInf(v, 1) {
			s[i] = "∞"
		} else {
			s[i] = fmt.Sprintf("%.1f", v)
		}
	}
	return strings.Join(s, " / ")
}

// Markdown writes the report.
func (r *Report) Markdown(w io.Writer) {
	fmt.Fprintln(w, "# Thumbnail benchmarks")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Written by `make bench` (`bench/cmd/thumbbench`); numbers from one run on one machine. Absolute times are noisy on shared machines; the ratios, measured side by side in interleaved rounds, hold better.")
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
	fmt.Fprintln(w, "## Targets")
	fmt.Fprintln(w)
	for _, l := range r.Targets() {
		fmt.Fprintf(w, "- %s\n", l)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Results")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Time is the median over the rounds: in-process wall time for the Go pipelines (decode, resize, JPEG encode of every size), process wall time for `vipsthumbnail` (one process per size, summed). `÷ libvips` and `÷ baseline` are time ratios (below 1 is faster); the baseline is stdlib decode + nfnt/resize Lanczos3. Timed runs encode at JPEG q"+fmt.Sprint(Quality)+" (the project default). Peak heap is sampled from `runtime/metrics` (`"+heapMetric+"`, every 0.5 ms) in a fresh child process per Go pipeline, input and job; peak RSS is that child's `VmHWM`, and for libvips `ru_maxrss` of `vipsthumbnail` (started from a small spawner process so that the benchmark's own memory is not charged to it; the larger of its sizes). PSNR is luma PSNR of each thumbnail, made in an untimed pass at JPEG q"+fmt.Sprint(QualityForPSNR)+" so that it measures decoding and resampling rather than the encoder, against the fully decoded image resized with nfnt/resize Lanczos3; one value per size, in the job's order.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| image | sizes | pipeline | median ms | ÷ libvips | ÷ baseline | peak heap MiB | peak RSS MiB | PSNR dB (Y) |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|---|")
	for _, in := range r.Inputs {
		for _, job := range Jobs {
			vips := r.find(in.Name, job.Name, VipsName)
			base := r.find(in.Name, job.Name, NfntLanczos3().Name)
			for _, c := range r.Cells {
				if c.Input != in.Name || c.Job != job.Name {
					continue
				}
				if c.Err != nil {
					fmt.Fprintf(w, "| %s | %s | %s | failed: %s | | | | | |\n", in.Name, job.Name, c.Pipeline, strings.ReplaceAll(c.Err.Error(), "|", "/"))
					continue
				}
				name := c.Pipeline
				if name == Imgpipe().Name {
					name = "**" + name + "**"
				}
				fmt.Fprintf(w, "| %s | %s | %s | %.0f | %s | %s | %s | %s | %s |\n", in.Name, job.Name, name,
					ms(c.Median()), ratio(c, vips), ratio(c, base), mib(c.PeakHeap), mib(c.MaxRSS), psnrs(c))
			}
		}
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
}

// Targets checks the measured numbers against the performance targets the
// project set itself (speed against libvips and the stdlib baseline, peak
// heap, binary size, cold init); each line says the target and whether it
// was met.
func (r *Report) Targets() []string {
	var out []string
	ours := Imgpipe().Name
	base := NfntLanczos3().Name
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**missed**"
	}
	timeRatio := func(in, job, a, b string) (float64, bool) {
		ca, cb := r.find(in, job, a), r.find(in, job, b)
		if ca == nil || cb == nil {
			return 0, false
		}
		return float64(ca.Median()) / float64(cb.Median()), true
	}
	if len(r.Inputs) < 4 {
		return []string{"inputs missing: no target check"}
	}
	phone, prog, png := r.Inputs[0].Name, r.Inputs[1].Name, r.Inputs[3].Name
	if v, ok := timeRatio(phone, "256+1024", ours, VipsName); ok {
		out = append(out, fmt.Sprintf("12 MP baseline JPEG, 256+1024: %.2f× libvips' time (target ≤ 1.0×): %s", v, check(v <= 1)))
	}
	if v, ok := timeRatio(phone, "256+1024", base, ours); ok {
		out = append(out, fmt.Sprintf("12 MP baseline JPEG, 256+1024: %.1f× faster than stdlib+nfnt Lanczos3 (target ≥ 3×): %s", v, check(v >= 3)))
	}
	if v, ok := timeRatio(phone, "256", ours, VipsName); ok {
		out = append(out, fmt.Sprintf("12 MP baseline JPEG, 256 alone: %.2f× libvips' time (target ≤ 2.0×): %s", v, check(v <= 2)))
	}
	for _, job := range Jobs {
		if v, ok := timeRatio(prog, job.Name, VipsName, ours); ok {
			out = append(out, fmt.Sprintf("18 MP progressive JPEG, %s: %.1f× faster than libvips (target ≥ 3×): %s", job.Name, v, check(v >= 3)))
		}
	}
	for _, job := range Jobs {
		if v, ok := timeRatio(png, job.Name, ours, VipsName); ok {
			out = append(out, fmt.Sprintf("15 MP PNG, %s: %.2f× libvips' time (target ≤ 1.0×): %s", job.Name, v, check(v <= 1)))
		}
	}
	for _, t := range []struct {
		in    string
		limit int64
	}{{phone, 100}, {prog, 160}} {
		var peak int64
		for _, job := range Jobs {
			if c := r.find(t.in, job.Name, ours); c != nil {
				peak = max(peak, c.PeakHeap)
			}
		}
		if peak > 0 {
			out = append(out, fmt.Sprintf("%s: peak heap %s MiB (target ≤ %d MiB): %s", t.in, mib(peak), t.limit, check(peak <= t.limit<<20)))
		}
	}
	if b := r.Binary; b != nil {
		out = append(out, fmt.Sprintf("bootstrap (linux/arm64, -s -w): %.1f MB (target ≤ 15 MB): %s", float64(b.Size)/1e6, check(b.Size <= 15e6)))
		out = append(out, fmt.Sprintf("cold init, process start to ready: %.1f ms median (target ≤ 30 ms): %s", ms(b.ColdInit), check(b.ColdInit <= 30*time.Millisecond)))
	}
	return out
}
