package imaging

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ycbcrOf converts img to YCbCr with the given chroma subsampling, each
// chroma sample averaged over the pixels it covers, as an encoder would.
func ycbcrOf(img *image.RGBA, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	b := img.Bounds()
	out := image.NewYCbCr(b, ratio)
	sx, sy := subsampling(ratio)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.RGBAAt(x, y)
			out.Y[out.YOffset(x, y)], _, _ = color.RGBToYCbCr(c.R, c.G, c.B)
		}
	}
	cw, ch := (b.Dx()+sx-1)/sx, (b.Dy()+sy-1)/sy
	for cy := range ch {
		for cx := range cw {
			var sb, sr, n int
			for y := cy * sy; y < min(cy*sy+sy, b.Dy()); y++ {
				for x := cx * sx; x < min(cx*sx+sx, b.Dx()); x++ {
					c := img.RGBAAt(x, y)
					_, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
					sb, sr, n = sb+int(cb), sr+int(cr), n+1
				}
			}
			i := cy*out.CStride + cx
			out.Cb[i], out.Cr[i] = uint8((sb+n/2)/n), uint8((sr+n/2)/n)
		}
	}
	return out
}

// Every chroma subsampling a JPEG decoder returns is resampled in place,
// as well as its RGB equivalent would be.
func TestSubsamplingRatios(t *testing.T) {
	photo := photoLike(601, 403) // odd sizes: partial chroma samples at the edges
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	for _, ratio := range ratios {
		t.Run(ratio.String(), func(t *testing.T) {
			img := ycbcrOf(photo, ratio)
			src := toPlanes(img)
			var owner planes
			defer owner.release()
			out := resizePlanes(src, 256, 172, &owner)
			ref := reference(smoothRGB(img), 256, 172)
			q := psnr(t, smoothRGB(planesImage(out)), ref)
			t.Logf("%v: %.1f dB", ratio, q)
			assert.GreaterOrEqual(t, q, 34.0)
		})
	}
}

// A scaled JPEG decoder returns an image smaller than the original (1/2,
// 1/4, 1/8, rounded up); thumbnails keep the dimensions computed from the
// original and the quality of a full decode.
func TestScaledDecodeInput(t *testing.T) {
	const w, h = 1601, 1203
	full := photoLike(w, h)
	p := newTestProcessor(t, 384, 96) // a scaled decode is never smaller than the largest size
	for _, denom := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("1/%d", denom), func(t *testing.T) {
			sw, sh := (w+denom-1)/denom, (h+denom-1)/denom
			scaled := reference(full, sw, sh).(*image.RGBA)
			src := toPlanes(ycbcrOf(scaled, image.YCbCrSubsampleRatio420))
			defer src.release()
			thumbs, err := p.thumbnails(context.Background(), &Result{Width: w, Height: h}, src, 1, &colorPlan{})
			require.NoError(t, err)
			for _, th := range thumbs {
				ww, wh := fit(w, h, th.Size)
				require.Equal(t, [2]int{ww, wh}, [2]int{th.Width, th.Height})
				got := smoothRGB(decodeJPEGBytes(t, th.JPEG))
				require.Equal(t, image.Rect(0, 0, ww, wh), got.Bounds())
				ref := reference(full, ww, wh)
				q, bar := psnr(t, got, ref), psnr(t, smoothRGB(decodeJPEGBytes(t, encodeTestJPEG(t, ref, testQuality))), ref)
				t.Logf("size %d: %.1f dB (reference through the encoder %.1f dB)", th.Size, q, bar)
				assert.GreaterOrEqual(t, q, bar-1.0)
			}
		})
	}
}
