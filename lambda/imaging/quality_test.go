package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/nfnt/resize"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// planesImage copies thumbnail planes (4:4:4 or grey) into an image.
func planesImage(p *planes) image.Image {
	r := image.Rect(0, 0, p.y.w, p.y.h)
	if p.gray {
		return &image.Gray{Pix: append([]byte(nil), p.y.pix...), Stride: p.y.stride, Rect: r}
	}
	ratio := map[[2]int]image.YCbCrSubsampleRatio{
		{1, 1}: image.YCbCrSubsampleRatio444, {2, 2}: image.YCbCrSubsampleRatio420,
		{2, 1}: image.YCbCrSubsampleRatio422, {1, 2}: image.YCbCrSubsampleRatio440,
	}[[2]int{p.subX, p.subY}]
	return &image.YCbCr{
		Y: append([]byte(nil), p.y.pix...), Cb: append([]byte(nil), p.cb.pix...), Cr: append([]byte(nil), p.cr.pix...),
		YStride: p.y.stride, CStride: p.cb.stride, SubsampleRatio: ratio, Rect: r,
	}
}

// TestThumbnailQuality holds every thumbnail to PSNR ≥ 34 dB against the
// fully decoded image resized with a plain Lanczos3 (the quality bar of
// docs/benchmarks.md). The pixels
// measured are the thumbnail's before JPEG encoding, so the bar measures
// decoding, resampling and orientation, not the encoder: through Go's
// encoder at q82 even the reference itself scores only 30-33 dB on textured
// photos. The encoded thumbnail must then stay close to the reference
// through the same encoder (their errors add up, hence the margin).
func TestThumbnailQuality(t *testing.T) {
	type input struct {
		name string
		data []byte
	}
	landscape, portrait := photoLike(1800, 1350), photoLike(900, 1500)
	inputs := []input{
		{"jpeg 1800x1350", encodeTestJPEG(t, landscape, 95)},
		{"jpeg 900x1500", encodeTestJPEG(t, portrait, 95)},
		{"png 900x1500 with alpha", encodeWith(t, func(b *bytes.Buffer) error { return png.Encode(b, withAlpha(portrait)) })},
	}
	if !testing.Short() { // the phone-camera case of the benchmark: 12 MP, 1024 px needs a box pre-shrink
		inputs = append(inputs, input{"jpeg 4032x3024", encodeTestJPEG(t, photoLike(4032, 3024), 90)})
	}
	// Real photographs, when present (they are not committed; `make
	// bench-images` extracts some from Debian packages under .tools/):
	// IMGPIPE_TEST_PHOTOS is a glob, e.g. "/tmp/photos/*.jpg".
	if pattern := os.Getenv("IMGPIPE_TEST_PHOTOS"); pattern != "" {
		files, err := filepath.Glob(pattern)
		require.NoError(t, err)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			inputs = append(inputs, input{filepath.Base(f), b})
		}
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			dec, _, err := image.Decode(bytes.NewReader(in.data))
			require.NoError(t, err)
			flat := overWhite(dec)
			p, err := New(Options{Sizes: []int{1024, 256, 700}, Quality: 82, MaxPixels: 50_000_000})
			require.NoError(t, err)
			var mu sync.Mutex
			seen := map[[2]int]image.Image{}
			p.formats[0].encode = func(pl *planes, q encodeOptions) ([]byte, error) {
				mu.Lock()
				seen[[2]int{pl.y.w, pl.y.h}] = planesImage(pl)
				mu.Unlock()
				return encodeJPEG(pl, q)
			}
			res, err := p.Process(context.Background(), in.data)
			require.NoError(t, err)
			for _, th := range res.Thumbnails {
				t.Run(fmt.Sprint(th.Size), func(t *testing.T) {
					ref := resize.Resize(uint(th.Width), uint(th.Height), flat, resize.Lanczos3)
					pixels := seen[[2]int{th.Width, th.Height}]
					require.NotNil(t, pixels, "no pixels seen for %dx%d", th.Width, th.Height)
					q := psnr(t, smoothRGB(pixels), ref)
					got := smoothRGB(decodeJPEGBytes(t, th.JPEG))
					refJPEG := smoothRGB(decodeJPEGBytes(t, encodeTestJPEG(t, ref, 82)))
					qj, bar := psnr(t, got, ref), psnr(t, refJPEG, ref)
					t.Logf("%dx%d: pixels %.1f dB; JPEG q82 %.1f dB (reference through the same encoder %.1f dB)", th.Width, th.Height, q, qj, bar)
					assert.GreaterOrEqual(t, q, 34.0, "thumbnail pixels too far from the Lanczos3 reference")
					assert.GreaterOrEqual(t, qj, bar-1.5, "encoded thumbnail loses much more than the reference through the same encoder")
				})
			}
		})
	}
}

// zonePlate is a grey image of concentric rings whose frequency rises from
// zero at the centre to about 0.35 cycles per pixel in the corners: every
// resampling shortcut that lets frequencies fold shows as false rings.
func zonePlate(n int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, n, n))
	c := float64(n) / 2
	for y := range n {
		for x := range n {
			dx, dy := float64(x)-c, float64(y)-c
			img.Pix[y*n+x] = uint8(127.5 + 127.5*math.Cos(math.Pi*(dx*dx+dy*dy)/(2*float64(n))))
		}
	}
	return img
}

// TestNoAliasingOnZonePlate: with the box pre-shrink leaving too small a
// Lanczos ratio (e.g. a gap of 1.5) false rings appear at the edges and
// this drops to 31-34 dB; a clean resampler stays near the reference.
func TestNoAliasingOnZonePlate(t *testing.T) {
	const n = 2000
	zp := zonePlate(n)
	p, err := New(Options{Sizes: []int{1024, 300, 256}, Quality: 82, MaxPixels: 50_000_000})
	require.NoError(t, err)
	var mu sync.Mutex
	seen := map[int]image.Image{}
	p.formats[0].encode = func(pl *planes, q encodeOptions) ([]byte, error) {
		mu.Lock()
		seen[pl.y.w] = planesImage(pl)
		mu.Unlock()
		return encodeJPEG(pl, q)
	}
	res, err := p.Process(context.Background(), pngOf(t, zp))
	require.NoError(t, err)
	for _, th := range res.Thumbnails {
		q := psnr(t, seen[th.Width], reference(zp, th.Width, th.Height))
		t.Logf("%dx%d: %.1f dB", th.Width, th.Height, q)
		assert.GreaterOrEqual(t, q, 40.0, "the %d px thumbnail of a zone plate is aliased", th.Size)
	}
}
