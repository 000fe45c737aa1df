package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"sync"
	"testing"

	"github.com/nfnt/resize"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// planesImage views 4:2:0 (or grey) planes as an image.
func planesImage(p *planes) image.Image {
	r := image.Rect(0, 0, p.y.w, p.y.h)
	if p.gray {
		return &image.Gray{Pix: append([]byte(nil), p.y.pix...), Stride: p.y.stride, Rect: r}
	}
	return &image.YCbCr{
		Y: append([]byte(nil), p.y.pix...), Cb: append([]byte(nil), p.cb.pix...), Cr: append([]byte(nil), p.cr.pix...),
		YStride: p.y.stride, CStride: p.cb.stride, SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: r,
	}
}

// TestThumbnailQuality holds every thumbnail to PSNR ≥ 34 dB against the
// fully decoded image resized with a plain Lanczos3 (issue 6). The pixels
// measured are the thumbnail's before JPEG encoding, so the bar measures
// decoding, resampling and orientation, not the encoder. The encoded
// thumbnail must then lose no more than the reference does through the same
// encoder.
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
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			dec, _, err := image.Decode(bytes.NewReader(in.data))
			require.NoError(t, err)
			flat := overWhite(dec)
			p, err := New(Options{Sizes: []int{1024, 256, 700}, Quality: 82, MaxPixels: 50_000_000})
			require.NoError(t, err)
			var mu sync.Mutex
			seen := map[[2]int]image.Image{}
			p.encode = func(pl *planes, q int) ([]byte, error) {
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
					assert.GreaterOrEqual(t, qj, bar-0.5, "encoded thumbnail loses more than the reference through the same encoder")
				})
			}
		})
	}
}
