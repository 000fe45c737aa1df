package imaging

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/reftools"
)

// vipsVariant saves src (a PNG) with vips through one or more steps, each
// "operation args..." with IN and OUT placeholders, and returns the last
// output. Debian's libvips writes the PNG and TIFF variants cameras,
// scanners and editors produce.
func vipsVariant(t *testing.T, src []byte, ext string, steps ...[]string) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "src.png")
	require.NoError(t, os.WriteFile(in, src, 0o644))
	for i, step := range steps {
		out := filepath.Join(dir, "step"+string(rune('a'+i))+"."+ext)
		if i < len(steps)-1 {
			out = filepath.Join(dir, "step"+string(rune('a'+i))+".v")
		}
		args := make([]string, len(step))
		for j, a := range step {
			switch a {
			case "IN":
				a = in
			case "OUT":
				a = out
			}
			args[j] = a
		}
		reftools.Run(t, "vips", args...)
		in = out
	}
	b, err := os.ReadFile(in)
	require.NoError(t, err)
	return b
}

// vipsPNG renders any file vips reads as an 8-bit-per-sample PNG image
// (first page), the independent reference decoding.
func vipsPNG(t *testing.T, file []byte, ext string) image.Image {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in."+ext), filepath.Join(dir, "out.png")
	require.NoError(t, os.WriteFile(in, file, 0o644))
	reftools.Run(t, "vips", "copy", in, out)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	return img
}

// TestPNGAndTIFFVariants: the PNG and TIFF variants that arrive from real
// software, each made by libvips at test time, decode like libvips reads
// them, with the right bit depth and alpha in the result.
func TestPNGAndTIFFVariants(t *testing.T) {
	reftools.Dir(t)
	photo := photoLike(240, 160)
	rgb, rgba := pngOf(t, photo), pngOf(t, withAlpha(photo))
	tall := pngOf(t, photoLike(240, 320)) // two 160-row pages when saved with --page-height
	cases := []struct {
		name     string
		data     func(t *testing.T) []byte
		format   Format
		depth    int
		hasAlpha bool
		w, h     int
	}{
		{"png 16-bit rgb (Go)", func(t *testing.T) []byte { return pngOf(t, to16(photo, false)) }, FormatPNG, 16, false, 240, 160},
		{"png 16-bit (vips)", func(t *testing.T) []byte {
			return vipsVariant(t, rgb, "png", []string{"colourspace", "IN", "OUT", "rgb16"}, []string{"pngsave", "IN", "OUT", "--bitdepth", "16"})
		}, FormatPNG, 16, false, 240, 160},
		{"png grey+alpha", func(t *testing.T) []byte {
			return vipsVariant(t, rgba, "png", []string{"colourspace", "IN", "OUT", "b-w"}, []string{"pngsave", "IN", "OUT"})
		}, FormatPNG, 8, true, 240, 160},
		{"png grey+alpha 16-bit", func(t *testing.T) []byte {
			return vipsVariant(t, rgba, "png", []string{"colourspace", "IN", "OUT", "grey16"}, []string{"pngsave", "IN", "OUT", "--bitdepth", "16"})
		}, FormatPNG, 16, true, 240, 160},
		{"png palette with tRNS", func(t *testing.T) []byte {
			return vipsVariant(t, rgba, "png", []string{"pngsave", "IN", "OUT", "--palette"})
		}, FormatPNG, 8, true, 240, 160},
		{"png Adam7 interlaced rgb", func(t *testing.T) []byte {
			return vipsVariant(t, rgb, "png", []string{"pngsave", "IN", "OUT", "--interlace"})
		}, FormatPNG, 8, false, 240, 160},
		{"png Adam7 interlaced rgba", func(t *testing.T) []byte {
			return vipsVariant(t, rgba, "png", []string{"pngsave", "IN", "OUT", "--interlace"})
		}, FormatPNG, 8, true, 240, 160},
		{"png Adam7 interlaced palette", func(t *testing.T) []byte {
			return vipsVariant(t, rgba, "png", []string{"pngsave", "IN", "OUT", "--interlace", "--palette"})
		}, FormatPNG, 8, true, 240, 160},
		{"tiff lzw strips", func(t *testing.T) []byte {
			return vipsVariant(t, rgb, "tif", []string{"tiffsave", "IN", "OUT", "--compression", "lzw"})
		}, FormatTIFF, 8, false, 240, 160},
		{"tiff deflate strips with predictor", func(t *testing.T) []byte {
			return vipsVariant(t, rgb, "tif", []string{"tiffsave", "IN", "OUT", "--compression", "deflate", "--predictor", "horizontal"})
		}, FormatTIFF, 8, false, 240, 160},
		{"tiff packbits strips", func(t *testing.T) []byte {
			return vipsVariant(t, rgb, "tif", []string{"tiffsave", "IN", "OUT", "--compression", "packbits"})
		}, FormatTIFF, 8, false, 240, 160},
		{"tiff lzw tiles", func(t *testing.T) []byte {
			return vipsVariant(t, rgb, "tif", []string{"tiffsave", "IN", "OUT", "--compression", "lzw", "--tile", "--tile-width", "64", "--tile-height", "64"})
		}, FormatTIFF, 8, false, 240, 160},
		{"tiff deflate tiles with alpha", func(t *testing.T) []byte {
			return vipsVariant(t, rgba, "tif", []string{"tiffsave", "IN", "OUT", "--compression", "deflate", "--tile", "--tile-width", "32", "--tile-height", "32"})
		}, FormatTIFF, 8, true, 240, 160},
		{"tiff packbits tiles", func(t *testing.T) []byte {
			return vipsVariant(t, rgb, "tif", []string{"tiffsave", "IN", "OUT", "--compression", "packbits", "--tile", "--tile-width", "48", "--tile-height", "48"})
		}, FormatTIFF, 8, false, 240, 160},
		{"tiff 16-bit lzw", func(t *testing.T) []byte {
			return vipsVariant(t, rgb, "tif", []string{"colourspace", "IN", "OUT", "rgb16"}, []string{"tiffsave", "IN", "OUT", "--compression", "lzw"})
		}, FormatTIFF, 16, false, 240, 160},
		{"tiff 16-bit grey deflate tiles", func(t *testing.T) []byte {
			return vipsVariant(t, rgb, "tif", []string{"colourspace", "IN", "OUT", "grey16"}, []string{"tiffsave", "IN", "OUT", "--compression", "deflate", "--tile", "--tile-width", "64", "--tile-height", "64"})
		}, FormatTIFF, 16, false, 240, 160},
		{"tiff multi-page: the first page", func(t *testing.T) []byte {
			return vipsVariant(t, tall, "tif", []string{"tiffsave", "IN", "OUT", "--compression", "lzw", "--page-height", "160"})
		}, FormatTIFF, 8, false, 240, 160},
	}
	p := newTestProcessor(t, 200, 48)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			res, err := p.Process(context.Background(), data)
			require.NoError(t, err)
			assert.Equal(t, tc.format, res.Format)
			assert.Equal(t, [2]int{tc.w, tc.h}, [2]int{res.Width, res.Height})
			assert.Equal(t, tc.depth, res.BitDepth)
			assert.Equal(t, tc.hasAlpha, res.HasAlpha)
			ref := vipsPNG(t, data, map[Format]string{FormatPNG: "png", FormatTIFF: "tif"}[tc.format])
			require.Equal(t, [2]int{tc.w, tc.h}, [2]int{ref.Bounds().Dx(), ref.Bounds().Dy()}, "libvips reads the first page")
			for _, th := range res.Thumbnails {
				assertLike(t, th, ref, "libvips's decoding")
			}
		})
	}
}
