package bench

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
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
	cells := []*Cell{
		{Input: "a", Job: "256+1024", Pipeline: Imgpipe().Name, Times: []time.Duration{100 * ms}, PeakHeap: 50 << 20},
		{Input: "a", Job: "256+1024", Pipeline: VipsName, Times: []time.Duration{200 * ms}},
		{Input: "a", Job: "256+1024", Pipeline: NfntLanczos3().Name, Times: []time.Duration{250 * ms}},
		{Input: "b", Job: "256", Pipeline: Imgpipe().Name, Times: []time.Duration{100 * ms}, PeakHeap: 200 << 20},
		{Input: "b", Job: "256", Pipeline: VipsName, Times: []time.Duration{500 * ms}},
	}
	r := &Report{Inputs: ins, Cells: cells}
	got := strings.Join(r.Targets(), "\n")
	assert.Contains(t, got, "12 MP baseline JPEG, 256+1024: 0.50× libvips' time (target ≤ 1.0×): met")
	assert.Contains(t, got, "2.5× faster than stdlib+nfnt Lanczos3 (target ≥ 3×): **missed**")
	assert.Contains(t, got, "18 MP progressive JPEG, 256: 5.0× faster than libvips (target ≥ 3×): met")
	assert.Contains(t, got, "b: peak heap 200 MiB (target ≤ 160 MiB): **missed**")
	var md bytes.Buffer
	r.Markdown(&md)
	assert.Contains(t, md.String(), "| a | 256+1024 | **imgpipe** | 100 | 0.50× | 0.40× | 50 |")
}
