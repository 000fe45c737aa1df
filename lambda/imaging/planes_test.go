package imaging

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"sync"
	"testing"

	"github.com/imgpipe/imgpipe/lambda/imaging/icc"
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
		for _, sub := range []int{1, 2} {
			t.Run(fmt.Sprintf("%v/to-%d", ratio, sub), func(t *testing.T) {
				img := ycbcrOf(photo, ratio)
				src := toPlanes(img)
				var owner planes
				defer owner.release()
				out := resizePlanes(src, 256, 172, sub, &owner)
				assert.Equal(t, [2]int{256, 172}, [2]int{out.y.w, out.y.h})
				assert.Equal(t, [4]int{sub, sub, 256 / sub, 172 / sub}, [4]int{out.subX, out.subY, out.cb.w, out.cb.h})
				ref := reference(smoothRGB(img), 256, 172)
				q := psnr(t, smoothRGB(planesImage(out)), ref)
				t.Logf("%v to 1/%d chroma: %.1f dB", ratio, sub, q)
				assert.GreaterOrEqual(t, q, 34.0)
			})
		}
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

// TestThumbnailChromaResolution: thumbnails are resized straight to 4:2:0
// when every output format writes 4:2:0 and no colour stage converts them;
// AVIF (4:4:4) and a conversion to sRGB get full chroma.
func TestThumbnailChromaResolution(t *testing.T) {
	untagged := encodeTestJPEG(t, photoLike(300, 200), 95)
	adobe := tagJPEG(untagged, encodedProfile(t, "Adobe RGB (1998)", icc.PrimariesAdobeRGB, icc.CurveGamma(563.0/256)))
	cases := []struct {
		name    string
		data    []byte
		formats []Format
		mode    ColorOutput
		want    int
	}{
		{"JPEG", untagged, []Format{FormatJPEG}, ColorSRGB, 2},
		{"JPEG and WebP", untagged, []Format{FormatJPEG, FormatWebP}, ColorSRGB, 2},
		{"with AVIF", untagged, []Format{FormatJPEG, FormatAVIF}, ColorSRGB, 1},
		{"converted to sRGB", adobe, []Format{FormatJPEG}, ColorSRGB, 1},
		{"profile preserved", adobe, []Format{FormatJPEG}, ColorPreserve, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(Options{Sizes: []int{100, 40}, Quality: 82, WebPQuality: 75, AVIFQuality: 60, MaxPixels: 1 << 20, Formats: tc.formats, ColorOutput: tc.mode})
			require.NoError(t, err)
			var mu sync.Mutex
			seen := map[string]bool{}
			for i := range p.formats {
				enc := p.formats[i].encode
				p.formats[i].encode = func(pl *planes, o encodeOptions) ([]byte, error) {
					mu.Lock()
					seen[fmt.Sprintf("%dx%d sub %dx%d chroma %dx%d", pl.y.w, pl.y.h, pl.subX, pl.subY, pl.cb.w, pl.cb.h)] = true
					mu.Unlock()
					return enc(pl, o)
				}
			}
			res, err := p.Process(t.Context(), tc.data)
			require.NoError(t, err)
			want := map[string]bool{}
			for _, th := range res.Thumbnails {
				want[fmt.Sprintf("%dx%d sub %dx%d chroma %dx%d", th.Width, th.Height, tc.want, tc.want, (th.Width+tc.want-1)/tc.want, (th.Height+tc.want-1)/tc.want)] = true
			}
			assert.Equal(t, want, seen)
			assert.NotEmpty(t, res.Placeholder)
		})
	}
}

// TestConvertPlanesReadsSubsampledChroma: converting 4:2:0 planes gives
// what converting them with each chroma sample repeated over its 2×2 luma
// pixels gives (preserve mode converts 4:2:0 thumbnails for the preview).
func TestConvertPlanesReadsSubsampledChroma(t *testing.T) {
	src := toPlanes(photoLike(67, 45))
	defer src.release()
	var owner planes
	defer owner.release()
	sub := resizePlanes(src, 67, 45, 2, &owner)
	require.Equal(t, [2]int{34, 23}, [2]int{sub.cb.w, sub.cb.h})
	full := &planes{subX: 1, subY: 1, y: sub.y, cb: newPlane(67, 45, &owner), cr: newPlane(67, 45, &owner)}
	for y := range 45 {
		for x := range 67 {
			full.cb.row(y)[x], full.cr.row(y)[x] = sub.cb.row(y / 2)[x/2], sub.cr.row(y / 2)[x/2]
		}
	}
	mt, err := icc.NewMatrixTRC(icc.PrimariesDisplayP3, icc.CurveSRGB)
	require.NoError(t, err)
	got, want := convertPlanes(mt, sub, &owner), convertPlanes(mt, full, &owner)
	for _, pl := range [][2]plane{{got.y, want.y}, {got.cb, want.cb}, {got.cr, want.cr}} {
		for y := range 45 {
			require.Equal(t, pl[1].row(y), pl[0].row(y), "row %d", y)
		}
	}
	pg, err := previewOf(sub)
	require.NoError(t, err)
	pw, err := previewOf(full)
	require.NoError(t, err)
	assert.Equal(t, pw, pg)
}
