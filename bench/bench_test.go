package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5 * ms}, 5 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 5 * ms}, 5 * ms},
		{[]time.Duration{4 * ms, 1 * ms, 2 * ms, 100 * ms}, 3 * ms},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Median(tt.in))
	}
}

func TestFit(t *testing.T) {
	tests := []struct{ w, h, size, ww, wh int }{
		{4032, 3024, 256, 256, 192},
		{3024, 4032, 1024, 768, 1024},
		{5640, 3172, 256, 256, 144},
		{100, 50, 256, 100, 50},
		{5000, 1, 256, 256, 1},
	}
	for _, tt := range tests {
		w, h := Fit(tt.w, tt.h, tt.size)
		assert.Equal(t, [2]int{tt.ww, tt.wh}, [2]int{w, h}, "%dx%d -> %d", tt.w, tt.h, tt.size)
	}
}

func TestPSNR(t *testing.T) {
	a := image.NewRGBA(image.Rect(0, 0, 4, 4))
	b := image.NewRGBA(image.Rect(0, 0, 4, 4))
	assert.True(t, math.IsInf(LumaPSNR(a, b), 1))
	for i := range b.Pix {
		b.Pix[i] = 1 // every R, G, B off by one: luma off by one, MSE 1
	}
	assert.InDelta(t, 20*math.Log10(255), LumaPSNR(a, b), 1e-6)
}

func TestGoPipelinesMakeEverySize(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}))
	ref, err := NewReference(buf.Bytes())
	require.NoError(t, err)
	for _, p := range GoPipelines()[1:] { // imgpipe has its own tests
		t.Run(p.Name, func(t *testing.T) {
			thumbs, err := p.Run(buf.Bytes(), []int{256, 100}, Quality)
			require.NoError(t, err)
			require.Len(t, thumbs, 2)
			assert.Equal(t, [2]int{256, 192}, [2]int{thumbs[0].W, thumbs[0].H})
			assert.Equal(t, [2]int{100, 75}, [2]int{thumbs[1].W, thumbs[1].H})
			q, err := ref.PSNR(thumbs[0].JPEG)
			require.NoError(t, err)
			assert.Greater(t, q, 15.0, "a resize of the same image cannot be that far off")
		})
	}
}

func TestReportMarksTargets(t *testing.T) {
	ins := []Input{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}}
	ms := time.Millisecond
	th := func(bytes int, ssim float64) []ThumbScore {
		return []ThumbScore{{Score: Score{W: 256, H: 192, SSIM: ssim, PSNR: 40}, Bytes: bytes}}
	}
	cpu := func(v ...float64) []Usage {
		var us []Usage
		for _, c := range v {
			us = append(us, Usage{CPUMS: c, UserMS: c, MinorFaults: 10, Voluntary: 3})
		}
		return us
	}
	swept := th(1100, 0.96)
	swept[0].Sweep = []FormatPoint{{Quality: 74, Bytes: 800, SSIM: 0.94}, {Quality: 78, Bytes: 900, SSIM: 0.945}, {Quality: 82, Bytes: 1100, SSIM: 0.96}}
	cells := []*Cell{
		{Input: "a", Job: "256+1024", Pipeline: NameImgpipe, Cores: 1, Times: []time.Duration{70 * ms}, Usage: cpu(50), MaxRSS: 40 << 20, Thumbs: th(900, 0.95)},
		{Input: "a", Job: "256+1024", Pipeline: NameSharp, Cores: 1, Times: []time.Duration{100 * ms}, Usage: cpu(100), MaxRSS: 100 << 20, Thumbs: th(1000, 0.95)},
		{Input: "a", Job: "256+1024", Pipeline: NameImgpipe, Cores: 2, Times: []time.Duration{80 * ms}, Usage: cpu(90, 70, 80), MaxRSS: 60 << 20, Thumbs: th(900, 0.95)},
		{Input: "a", Job: "256+1024", Pipeline: NameSharp, Cores: 2, Times: []time.Duration{100 * ms}, Usage: cpu(100), MaxRSS: 100 << 20, Thumbs: th(1000, 0.95)},
		{Input: "b", Job: "256", Pipeline: NameImgpipe, Cores: 2, Times: []time.Duration{60 * ms}, Thumbs: swept},
		{Input: "b", Job: "256", Pipeline: NameSharp, Cores: 2, Times: []time.Duration{100 * ms}, Thumbs: th(1000, 0.95)},
		{Input: "d", Job: "256+1024", Pipeline: NameImgpipe, Cores: 2, Err: errors.New("boom")},
	}
	r := &Report{Inputs: ins, Cores: []int{1, 2}, Cells: cells, Loads: []string{"1.50, 2.00, 3.00", "0.75, 1.00, 2.00"}}
	got := strings.Join(r.Targets(), "\n")
	assert.Contains(t, got, "a, 256+1024, 1 core(s): 0.70× sharp's wall time (target ≤ 0.75×): met; 0.50× its CPU time: met")
	assert.Contains(t, got, "a, 256+1024, 2 core(s): 0.80× sharp's wall time (target ≤ 0.75×): **missed**; 0.80× its CPU time: **missed**")
	assert.Contains(t, got, "b, 256, 2 core(s): 0.60× sharp's wall time (target ≤ 0.50×): **missed**\n", "no CPU times, no CPU ratio")
	assert.Contains(t, got, "d, 256+1024, 2 core(s): not measured")
	assert.Contains(t, got, "a, 256+1024, bytes ≤ sharp's at equal or better SSIM: same quality setting: 900 B at SSIM 0.9500 vs 1000 B at 0.9500: met\n", "not swept: no equal-SSIM part")
	assert.Contains(t, got, "b, 256, bytes ≤ sharp's at equal or better SSIM: same quality setting: 1100 B at SSIM 0.9600 vs 1000 B at 0.9500: **missed**; at sharp's SSIM: 967 B (q79.3) vs 1000 B: met")
	assert.Contains(t, got, "a, peak RSS: at most 0.60× sharp's (worst: 256+1024, 2 core(s); target ≤ 0.5×): **missed**")
	md := r.Markdown()
	assert.Contains(t, md, "| a | 256+1024 | 1 | **imgpipe** | 70 | 50 | 0.70× | 0.50× | 40 | 900 | 0.9500 | 40.0 |")
	assert.Contains(t, md, "| b | 256 | 2 | **imgpipe** | 60 | – | 0.60× | – | – | 1100 | 0.9600 | 40.0 |")
	assert.Contains(t, md, "| d | 256+1024 | 2 | imgpipe | failed: boom |")
	assert.Contains(t, md, "load average (1 min) at the start of each timing round: 1.50, 0.75")
	assert.Contains(t, md, "| b | 256 | 256x192 | 1000 | 0.9500 | 1100 (+10.0 %) | 0.9600 | q79.3: 967 B (-3.3 %) |")

	var js bytes.Buffer
	require.NoError(t, r.JSON(&js))
	var doc struct {
		Results []map[string]any `json:"results"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &doc))
	require.Len(t, doc.Results, len(cells))
	first := doc.Results[0]
	for _, k := range []string{"image", "job", "pipeline", "cores", "median_ms", "peak_rss_mib", "bytes", "ssim"} {
		assert.Contains(t, first, k)
	}
	assert.Equal(t, "a", first["image"])
	assert.Equal(t, "256+1024", first["job"])
	assert.Equal(t, "imgpipe", first["pipeline"])
	assert.EqualValues(t, 1, first["cores"])
	assert.EqualValues(t, 70, first["median_ms"])
	assert.EqualValues(t, 40, first["peak_rss_mib"])
	assert.EqualValues(t, 900, first["bytes"])
	assert.InDelta(t, 0.95, first["ssim"], 1e-9)
	assert.EqualValues(t, 50, first["median_cpu_ms"])
	assert.Equal(t, []any{50.0}, first["runs_cpu_ms"])
	assert.Equal(t, map[string]any{"cpu_ms": 50.0, "user_ms": 50.0, "sys_ms": 0.0, "minflt": 10.0, "nvcsw": 3.0, "nivcsw": 0.0}, first["median_usage"])
	assert.EqualValues(t, 80, doc.Results[2]["median_cpu_ms"], "the median of 90, 70, 80")
	assert.EqualValues(t, 0, doc.Results[4]["median_cpu_ms"], "not measured")
	eq := doc.Results[4]["thumbnails"].([]any)[0].(map[string]any)
	assert.Len(t, eq["sweep"], 3)
	assert.Equal(t, map[string]any{"ssim": 0.95, "quality": 79.3, "bytes": 967.0}, eq["at_sharp_ssim"])
	assert.Equal(t, "boom", doc.Results[6]["error"])
}

func TestWorkerProtocol(t *testing.T) {
	p := Pipeline{Name: "fake", Run: func(data []byte, sizes []int, quality int) ([]Thumb, error) {
		if quality != 82 {
			return nil, fmt.Errorf("quality %d", quality)
		}
		var out []Thumb
		for _, s := range sizes {
			out = append(out, Thumb{W: s, H: s / 2, JPEG: append([]byte(nil), data...)})
		}
		return out, nil
	}}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.bin")
	require.NoError(t, os.WriteFile(in, []byte("pixels"), 0o644))
	reqs := strings.Join([]string{
		fmt.Sprintf(`{"image":%q,"sizes":[256,100],"quality":82,"out":%q}`, in, filepath.Join(dir, "t")),
		fmt.Sprintf(`{"image":%q,"sizes":[256],"quality":50}`, in),
		`{"rss":true}`,
		`not json`,
	}, "\n") + "\n"
	var out bytes.Buffer
	require.NoError(t, ServeWorker(p, strings.NewReader(reqs), &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 5)
	var ans []Answer
	for _, l := range lines {
		var a Answer
		require.NoError(t, json.Unmarshal([]byte(l), &a))
		ans = append(ans, a)
	}
	assert.True(t, ans[0].Ready)
	assert.Equal(t, []int{256, 100}, ans[1].W)
	assert.Equal(t, []int{128, 50}, ans[1].H)
	require.Len(t, ans[1].Files, 2)
	b, err := os.ReadFile(ans[1].Files[1])
	require.NoError(t, err)
	assert.Equal(t, "pixels", string(b))
	assert.Equal(t, "quality 50", ans[2].Error)
	assert.Greater(t, ans[3].MaxRSS, int64(1<<20))
	assert.Contains(t, ans[4].Error, "bad request")
}

func TestSSIM(t *testing.T) {
	a := photoLike(64, 48, 1)
	s, err := SSIM(a, a)
	require.NoError(t, err)
	assert.InDelta(t, 1, s, 1e-12, "an image is identical to itself")

	// Two flat images: only the luminance term is left, (2ab+C1)/(a²+b²+C1).
	flat := func(v uint8) *image.RGBA {
		m := image.NewRGBA(image.Rect(0, 0, 20, 20))
		for i := range m.Pix {
			m.Pix[i] = v
		}
		return m
	}
	s, err = SSIM(flat(100), flat(120))
	require.NoError(t, err)
	assert.InDelta(t, (2*100*120+ssimC1)/(100*100+120*120+ssimC1), s, 1e-9)

	// More noise, less similarity.
	noisy := func(amp float64) *image.RGBA {
		m := image.NewRGBA(a.Rect)
		copy(m.Pix, a.Pix)
		r := rand.New(rand.NewPCG(7, 7))
		for i := range m.Pix {
			if i%4 != 3 {
				m.Pix[i] = uint8(max(0, min(255, float64(m.Pix[i])+amp*r.NormFloat64())))
			}
		}
		return m
	}
	s1, err := SSIM(a, noisy(4))
	require.NoError(t, err)
	s2, err := SSIM(a, noisy(20))
	require.NoError(t, err)
	assert.Less(t, s1, 1.0)
	assert.Less(t, s2, s1)
	s3, err := SSIM(noisy(20), a)
	require.NoError(t, err)
	assert.InDelta(t, s2, s3, 1e-12, "symmetric")

	_, err = SSIM(a, flat(1))
	assert.ErrorContains(t, err, "sizes differ")
	_, err = SSIM(flat(1).SubImage(image.Rect(0, 0, 10, 20)).(*image.RGBA), flat(1).SubImage(image.Rect(0, 0, 10, 20)).(*image.RGBA))
	assert.ErrorContains(t, err, "smaller than the 11-pixel window")
}

func TestReferenceScore(t *testing.T) {
	var src bytes.Buffer
	require.NoError(t, jpeg.Encode(&src, photoLike(400, 300, 3), &jpeg.Options{Quality: 95}))
	ref, err := NewReference(src.Bytes())
	require.NoError(t, err)
	enc := func(m image.Image, q int) []byte {
		var b bytes.Buffer
		require.NoError(t, jpeg.Encode(&b, m, &jpeg.Options{Quality: q}))
		return b.Bytes()
	}
	good, err := ref.Score(enc(ref.at(200, 150), 95))
	require.NoError(t, err)
	bad, err := ref.Score(enc(ref.at(200, 150), 10))
	require.NoError(t, err)
	assert.Equal(t, [2]int{200, 150}, [2]int{good.W, good.H})
	assert.Greater(t, good.SSIM, 0.97)
	assert.Less(t, bad.SSIM, good.SSIM)
	assert.Less(t, bad.PSNR, good.PSNR)
}

func TestEqualInterpolatesTheSweep(t *testing.T) {
	sweep := []FormatPoint{{Quality: 60, Bytes: 1000, SSIM: 0.90}, {Quality: 70, Bytes: 1400, SSIM: 0.94}, {Quality: 80, Bytes: 2000, SSIM: 0.96}}
	q, b, ok := Equal(sweep, 0.95)
	require.True(t, ok)
	assert.InDelta(t, 75, q, 1e-9)
	assert.InDelta(t, 1700, b, 1e-9)
	_, _, ok = Equal(sweep, 0.97)
	assert.False(t, ok, "above the sweep")
	_, _, ok = Equal(sweep, 0.89)
	assert.False(t, ok, "below the sweep")
	p, ok := At(sweep, 70)
	assert.True(t, ok)
	assert.Equal(t, 1400, p.Bytes)
}

func TestUsageArithmetic(t *testing.T) {
	a := Usage{CPUMS: 10, UserMS: 8, SysMS: 2, MinorFaults: 5, Voluntary: 3, Involuntary: 1}
	b := Usage{CPUMS: 25, UserMS: 20, SysMS: 5, MinorFaults: 9, Voluntary: 4, Involuntary: 7}
	assert.Equal(t, Usage{CPUMS: 15, UserMS: 12, SysMS: 3, MinorFaults: 4, Voluntary: 1, Involuntary: 6}, b.Sub(a))
	assert.Equal(t, Usage{CPUMS: 35, UserMS: 28, SysMS: 7, MinorFaults: 14, Voluntary: 7, Involuntary: 8}, a.Add(b))
	c := Usage{CPUMS: 1, UserMS: 100, SysMS: 0, MinorFaults: 100, Voluntary: 0, Involuntary: 4}
	assert.Equal(t, Usage{CPUMS: 10, UserMS: 20, SysMS: 2, MinorFaults: 9, Voluntary: 3, Involuntary: 4}, MedianUsage([]Usage{a, b, c}), "each field on its own")
	assert.Equal(t, Usage{}, MedianUsage(nil))
	now, err := usageNow()
	require.NoError(t, err)
	assert.Positive(t, now.CPUMS, "a running test has used some CPU")
}
