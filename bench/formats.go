package bench

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/imaging"
	"github.com/imgpipe/imgpipe/lambda/imaging/preview"
)

// The thumbnail formats comparison (the formats engineer's rows of `make
// bench`): for each bench input and each default size, the JPEG at the
// default quality against WebP and AVIF, all made by lambda/imaging from the
// same resized pixels and scored against the same Lanczos3 reference as the
// main table. Each format is swept over qualities, so the report can say
// what quality (and how many bytes) matches the JPEG's SSIM; the defaults
// are checked against that. It also times, on one core in CPU time, the
// whole job with each extra format and the placeholder and colours.

// FormatSizes are the sizes compared: the default job's.
var FormatSizes = []int{256, 1024}

// WebPSweep and AVIFSweep are the qualities tried to find the one at which
// each format matches the JPEG's SSIM.
var (
	WebPSweep = []int{55, 60, 65, 70, 75, 80, 85, 90}
	AVIFSweep = []int{40, 45, 50, 55, 60, 65, 70}
)

// FormatPoint is one encoding of one thumbnail.
type FormatPoint struct {
	Quality int     `json:"quality"`
	Bytes   int     `json:"bytes"`
	SSIM    float64 `json:"ssim"`
}

// FormatRow is one thumbnail (input and size) in every format.
type FormatRow struct {
	Input string      `json:"image"`
	Size  int         `json:"size"`
	W     int         `json:"width"`
	H     int         `json:"height"`
	JPEG  FormatPoint `json:"jpeg"`
	// WebP and AVIF are the sweeps, in quality order.
	WebP []FormatPoint `json:"webp"`
	AVIF []FormatPoint `json:"avif"`
}

// Equal is the interpolated quality and bytes at which a sweep reaches
// ssim; ok false when the sweep does not bracket it.
func Equal(sweep []FormatPoint, ssim float64) (quality, bytes float64, ok bool) {
	for i := 1; i < len(sweep); i++ {
		a, b := sweep[i-1], sweep[i]
		if a.SSIM <= ssim && ssim <= b.SSIM && b.SSIM > a.SSIM {
			t := (ssim - a.SSIM) / (b.SSIM - a.SSIM)
			return float64(a.Quality) + t*float64(b.Quality-a.Quality), float64(a.Bytes) + t*float64(b.Bytes-a.Bytes), true
		}
	}
	return 0, 0, false
}

// At returns the sweep's point at quality q.
func At(sweep []FormatPoint, q int) (FormatPoint, bool) {
	for _, p := range sweep {
		if p.Quality == q {
			return p, true
		}
	}
	return FormatPoint{}, false
}

// FormatCost is the CPU time of the default job on one input, on one core,
// with each set of formats, and of the placeholder and colours.
type FormatCost struct {
	Input      string             `json:"image"`
	JobCPUms   map[string]float64 `json:"job_cpu_ms"` // "jpeg", "jpeg+webp", "jpeg+avif": median CPU ms of Process
	PreviewCPU float64            `json:"preview_cpu_ms"`
}

// FormatsResult is the formats section of the report.
type FormatsResult struct {
	WebPQuality int          `json:"webp_quality"` // the defaults measured
	AVIFQuality int          `json:"avif_quality"`
	Rows        []FormatRow  `json:"rows"`
	Costs       []FormatCost `json:"costs"`
	// Init is the CPU time of compiling each WebAssembly encoder, once per
	// process, on its first encode.
	InitCPUms map[string]float64 `json:"init_cpu_ms"`
}

// threadCPU is the CPU time of the calling OS thread (Linux).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil { // RUSAGE_THREAD
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processCPU is the CPU time of the process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func newProcessor(formats []imaging.Format, webpQ, avifQ int) (*imaging.Processor, error) {
	return imaging.New(imaging.Options{Sizes: FormatSizes, Quality: Quality, MaxPixels: contract.DefaultMaxImagePixels,
		Formats: formats, WebPQuality: webpQ, AVIFQuality: avifQ})
}

// Formats runs the comparison on inputs with the given default qualities.
// rounds is the number of timed runs per job (medians are reported).
func Formats(inputs []Input, webpQ, avifQ, rounds int, read func(Input) ([]byte, error), log io.Writer) (*FormatsResult, error) {
	res := &FormatsResult{WebPQuality: webpQ, AVIFQuality: avifQ, InitCPUms: map[string]float64{}}
	ctx := context.Background()
	// The first encode of each WebAssembly format compiles its module.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tiny := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for _, f := range []imaging.Format{imaging.FormatWebP, imaging.FormatAVIF} {
		p, err := newProcessor([]imaging.Format{f}, webpQ, avifQ)
		if err != nil {
			return nil, err
		}
		c := processCPU()
		if _, err := p.Process(ctx, pngBytes(tiny)); err != nil {
			return nil, fmt.Errorf("first %s encode: %w", f, err)
		}
		res.InitCPUms[string(f)] = ms(processCPU() - c)
	}
	for _, in := range inputs {
		_, _ = fmt.Fprintf(log, "bench formats: %s\n", in.Name) // progress for the person watching; a failed write must not stop the measurements
		data, err := read(in)
		if err != nil {
			return nil, err
		}
		ref, err := NewReference(data)
		if err != nil {
			return nil, err
		}
		rows := make([]FormatRow, len(FormatSizes))
		score := func(formats []imaging.Format, webp, avif int, put func(i int, pt FormatPoint)) error {
			p, err := newProcessor(formats, webp, avif)
			if err != nil {
				return err
			}
			r, err := p.Process(ctx, data)
			if err != nil {
				return err
			}
			for i, th := range r.Thumbnails {
				b := th.Encodings[0].Data
				img, _, err := imaging.DecodeThumbnail(b)
				if err != nil {
					return err
				}
				s, err := ref.ScoreImage(img)
				if err != nil {
					return err
				}
				rows[i].Input, rows[i].Size, rows[i].W, rows[i].H = in.Name, th.Size, th.Width, th.Height
				put(i, FormatPoint{Bytes: len(b), SSIM: s.SSIM})
			}
			return nil
		}
		if err := score([]imaging.Format{imaging.FormatJPEG}, webpQ, avifQ, func(i int, pt FormatPoint) { pt.Quality = Quality; rows[i].JPEG = pt }); err != nil {
			return nil, fmt.Errorf("%s jpeg: %w", in.Name, err)
		}
		for _, q := range withDefault(WebPSweep, webpQ) {
			if err := score([]imaging.Format{imaging.FormatWebP}, q, avifQ, func(i int, pt FormatPoint) { pt.Quality = q; rows[i].WebP = append(rows[i].WebP, pt) }); err != nil {
				return nil, fmt.Errorf("%s webp q%d: %w", in.Name, q, err)
			}
		}
		for _, q := range withDefault(AVIFSweep, avifQ) {
			if err := score([]imaging.Format{imaging.FormatAVIF}, webpQ, q, func(i int, pt FormatPoint) { pt.Quality = q; rows[i].AVIF = append(rows[i].AVIF, pt) }); err != nil {
				return nil, fmt.Errorf("%s avif q%d: %w", in.Name, q, err)
			}
		}
		res.Rows = append(res.Rows, rows...)

		cost := FormatCost{Input: in.Name, JobCPUms: map[string]float64{}}
		prev := runtime.GOMAXPROCS(1)
		for _, job := range []struct {
			name    string
			formats []imaging.Format
		}{{"jpeg", []imaging.Format{imaging.FormatJPEG}}, {"jpeg+webp", []imaging.Format{imaging.FormatJPEG, imaging.FormatWebP}}, {"jpeg+avif", []imaging.Format{imaging.FormatJPEG, imaging.FormatAVIF}}} {
			p, err := newProcessor(job.formats, webpQ, avifQ)
			if err != nil {
				return nil, err
			}
			var times []time.Duration
			for range rounds {
				runtime.GC()
				c := processCPU()
				if _, err := p.Process(ctx, data); err != nil {
					return nil, err
				}
				times = append(times, processCPU()-c)
			}
			cost.JobCPUms[job.name] = ms(Median(times))
		}
		runtime.GOMAXPROCS(prev)
		// The placeholder and colours of the smallest thumbnail, as Process
		// computes them (from its rows of sRGB pixels).
		small, err := newProcessor([]imaging.Format{imaging.FormatJPEG}, webpQ, avifQ)
		if err != nil {
			return nil, err
		}
		r, err := small.Process(ctx, data)
		if err != nil {
			return nil, err
		}
		img, _, err := imaging.DecodeThumbnail(r.Thumbnails[0].Encodings[0].Data)
		if err != nil {
			return nil, err
		}
		b := img.Bounds()
		rows3 := func(y int, dst []byte) {
			for x := range b.Dx() {
				cr, cg, cb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				dst[3*x], dst[3*x+1], dst[3*x+2] = byte(cr>>8), byte(cg>>8), byte(cb>>8)
			}
		}
		pix := make([][]byte, b.Dy())
		for y := range pix {
			pix[y] = make([]byte, 3*b.Dx())
			rows3(y, pix[y])
		}
		// CPU clocks tick in milliseconds: time batches of runs.
		const batch = 100
		var times []time.Duration
		for range 5 {
			c := threadCPU()
			for range batch {
				if _, err := preview.Of(b.Dx(), b.Dy(), func(y int, dst []byte) { copy(dst, pix[y]) }); err != nil {
					return nil, err
				}
			}
			times = append(times, (threadCPU()-c)/batch)
		}
		cost.PreviewCPU = ms(Median(times))
		res.Costs = append(res.Costs, cost)
	}
	return res, nil
}

// withDefault is sweep with q added in order (when missing).
func withDefault(sweep []int, q int) []int {
	if slices.Contains(sweep, q) {
		return sweep
	}
	out := append(slices.Clone(sweep), q)
	slices.Sort(out)
	return out
}

func pngBytes(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // an in-memory RGBA always encodes
	}
	return b.Bytes()
}

// Markdown appends the formats section to w (writes to a strings.Builder
// cannot fail).
func (f *FormatsResult) Markdown(w *strings.Builder) {
	fmt.Fprintln(w, "## Thumbnail formats")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Every thumbnail made by `lambda/imaging` from the same resized pixels, scored like the table above (luma SSIM against the Lanczos3 reference). JPEG at q%d; WebP (libwebp, method 4) at the default `WEBP_QUALITY` %d; AVIF (libavif/libaom, speed 9) at the default `AVIF_QUALITY` %d. **Equal SSIM**: each format swept over qualities (WebP %s, AVIF %s) and interpolated to the quality and bytes that match the JPEG's SSIM.\n\n",
		Quality, f.WebPQuality, f.AVIFQuality, ints(WebPSweep), ints(AVIFSweep))
	fmt.Fprintln(w, "| image | size | JPEG bytes | JPEG SSIM | WebP bytes | WebP SSIM | AVIF bytes | AVIF SSIM | WebP at equal SSIM | AVIF at equal SSIM |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
	var webpQs, avifQs []float64
	for _, r := range f.Rows {
		wp, _ := At(r.WebP, f.WebPQuality)
		av, _ := At(r.AVIF, f.AVIFQuality)
		eq := func(sweep []FormatPoint, qs *[]float64) string {
			q, b, ok := Equal(sweep, r.JPEG.SSIM)
			if !ok {
				return "not bracketed"
			}
			*qs = append(*qs, q)
			return fmt.Sprintf("q%.0f, %.0f B (%+.0f %%)", q, b, 100*(b/float64(r.JPEG.Bytes)-1))
		}
		fmt.Fprintf(w, "| %s | %dx%d | %d | %.4f | %d | %.4f | %d | %.4f | %s | %s |\n", r.Input, r.W, r.H,
			r.JPEG.Bytes, r.JPEG.SSIM, wp.Bytes, wp.SSIM, av.Bytes, av.SSIM, eq(r.WebP, &webpQs), eq(r.AVIF, &avifQs))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "- Quality matching JPEG q%d's SSIM, median over the thumbnails: WebP q%.0f (default %d), AVIF q%.0f (default %d).\n", Quality, median(webpQs), f.WebPQuality, median(avifQs), f.AVIFQuality)
	names := make([]string, 0, len(f.InitCPUms))
	for k := range f.InitCPUms {
		names = append(names, k)
	}
	slices.Sort(names)
	var inits []string
	for _, k := range names {
		inits = append(inits, fmt.Sprintf("%s %.0f ms", k, f.InitCPUms[k]))
	}
	fmt.Fprintf(w, "- Compiling the WebAssembly encoders, once per process on the first encode (CPU): %s.\n", strings.Join(inits, ", "))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "CPU time of the whole default job (256 + 1024 px) per image on one core (`GOMAXPROCS=1`, median), by formats written, and of the placeholder and colours (BlurHash, average and dominant colour of the 256 px thumbnail; `lambda/imaging/preview`):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| image | jpeg ms | jpeg+webp ms | jpeg+avif ms | placeholder + colours ms |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, c := range f.Costs {
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %.0f | %.2f |\n", c.Input, c.JobCPUms["jpeg"], c.JobCPUms["jpeg+webp"], c.JobCPUms["jpeg+avif"], c.PreviewCPU)
	}
}

func ints(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
