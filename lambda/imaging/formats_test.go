package imaging

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	_ "golang.org/x/image/webp" // registers the WebP decoder for the references
)

func encodeWith(t testing.TB, enc func(*bytes.Buffer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, enc(&buf))
	return buf.Bytes()
}

func pngOf(t testing.TB, img image.Image) []byte {
	return encodeWith(t, func(b *bytes.Buffer) error { return png.Encode(b, img) })
}

// withAlpha returns a copy of img whose alpha fades from opaque (left) to
// transparent (right), as non-premultiplied NRGBA.
func withAlpha(img *image.RGBA) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.RGBAAt(x, y)
			c.A = uint8(255 - 255*(x-b.Min.X)/b.Dx())
			out.SetNRGBA(x, y, color.NRGBA(c))
		}
	}
	return out
}

func to16(img image.Image, premultiplied bool) image.Image {
	b := img.Bounds()
	if premultiplied {
		out := image.NewRGBA64(b)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				out.Set(x, y, img.At(x, y))
			}
		}
		return out
	}
	out := image.NewNRGBA64(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}

func grayOf(img image.Image, sixteen bool) image.Image {
	b := img.Bounds()
	var out draw16 = image.NewGray(b)
	if sixteen {
		out = image.NewGray16(b)
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}

type draw16 interface {
	image.Image
	Set(x, y int, c color.Color)
}

func TestEveryFormatDecodes(t *testing.T) {
	photo := photoLike(300, 200)
	alpha := withAlpha(photo)
	cases := []struct {
		name    string
		data    func(t testing.TB) []byte
		format  Format
		w, h    int
		refFile string // an independent decoding, when the stdlib can't decode the input itself
	}{
		{"jpeg baseline 4:2:0", func(t testing.TB) []byte { return encodeTestJPEG(t, photo, 90) }, FormatJPEG, 300, 200, ""},
		{"jpeg grey", func(t testing.TB) []byte { return encodeTestJPEG(t, grayOf(photo, false), 90) }, FormatJPEG, 300, 200, ""},
		{"jpeg progressive", func(t testing.TB) []byte { return readTestdata(t, "video-001.progressive.jpeg") }, FormatJPEG, 150, 103, ""},
		{"jpeg adobe cmyk", func(t testing.TB) []byte { return readTestdata(t, "video-001.cmyk.jpeg") }, FormatJPEG, 150, 103, "video-001.cmyk.png"},
		{"png rgba", func(t testing.TB) []byte { return pngOf(t, photo) }, FormatPNG, 300, 200, ""},
		{"png nrgba with alpha", func(t testing.TB) []byte { return pngOf(t, alpha) }, FormatPNG, 300, 200, ""},
		{"png 16-bit rgba", func(t testing.TB) []byte { return pngOf(t, to16(alpha, true)) }, FormatPNG, 300, 200, ""},
		{"png 16-bit nrgba", func(t testing.TB) []byte { return pngOf(t, to16(alpha, false)) }, FormatPNG, 300, 200, ""},
		{"png grey", func(t testing.TB) []byte { return pngOf(t, grayOf(photo, false)) }, FormatPNG, 300, 200, ""},
		{"png grey 16-bit", func(t testing.TB) []byte { return pngOf(t, grayOf(photo, true)) }, FormatPNG, 300, 200, ""},
		{"gif", func(t testing.TB) []byte {
			return encodeWith(t, func(b *bytes.Buffer) error { return gif.Encode(b, photo, nil) })
		}, FormatGIF, 300, 200, ""},
		{"bmp", func(t testing.TB) []byte {
			return encodeWith(t, func(b *bytes.Buffer) error { return bmp.Encode(b, photo) })
		}, FormatBMP, 300, 200, ""},
		{"tiff deflate", func(t testing.TB) []byte {
			return encodeWith(t, func(b *bytes.Buffer) error {
				return tiff.Encode(b, photo, &tiff.Options{Compression: tiff.Deflate, Predictor: true})
			})
		}, FormatTIFF, 300, 200, ""},
		{"tiff with alpha", func(t testing.TB) []byte {
			return encodeWith(t, func(b *bytes.Buffer) error { return tiff.Encode(b, alpha, nil) })
		}, FormatTIFF, 300, 200, ""},
		{"webp lossy", func(t testing.TB) []byte { return readTestdata(t, "video-001.lossy.webp") }, FormatWebP, 150, 103, ""},
		{"webp lossy with alpha", func(t testing.TB) []byte { return readTestdata(t, "yellow_rose.lossy-with-alpha.webp") }, FormatWebP, 400, 301, ""},
		{"webp lossless", func(t testing.TB) []byte { return readTestdata(t, "tux.lossless.webp") }, FormatWebP, 386, 395, ""},
	}
	p := newTestProcessor(t, 128, 48)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			res, err := p.Process(context.Background(), data)
			require.NoError(t, err)
			assert.Equal(t, tc.format, res.Format)
			assert.Equal(t, [2]int{tc.w, tc.h}, [2]int{res.Width, res.Height})
			assert.Equal(t, OrientNormal, res.Orientation)
			refData := data
			if tc.refFile != "" {
				refData = readTestdata(t, tc.refFile)
			}
			refImg, _, err := image.Decode(bytes.NewReader(refData))
			require.NoError(t, err)
			if tc.format == FormatWebP { // as libwebp shows it: image.Decode leaves lossy WebP in limited range
				refImg = fullRangeWebP(refImg)
			}
			require.Len(t, res.Thumbnails, 2)
			for _, th := range res.Thumbnails {
				w, h := fit(tc.w, tc.h, th.Size)
				require.Equal(t, [2]int{w, h}, [2]int{th.Width, th.Height}, "size %d", th.Size)
				got := decodeJPEGBytes(t, th.JPEG)
				require.Equal(t, image.Rect(0, 0, w, h), got.Bounds())
				// The bar: as close to the reference as the reference itself
				// after the same JPEG encoding (chroma subsampling costs
				// small, colourful thumbnails a few dB whatever the resizer).
				ref := reference(refImg, w, h)
				q := psnr(t, got, ref)
				bar := psnr(t, decodeJPEGBytes(t, encodeTestJPEG(t, ref, testQuality)), ref) - 1.0
				t.Logf("size %d: %dx%d, %d bytes, PSNR %.1f dB (bar %.1f)", th.Size, w, h, len(th.JPEG), q, bar)
				assert.GreaterOrEqual(t, q, bar, "thumbnail differs from the reference decoding")
			}
		})
	}
}
