package imaging

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/reftools"
	"github.com/imgpipe/imgpipe/lambda/imaging/icc"
	"github.com/imgpipe/imgpipe/lambda/imaging/preview"
)

var allFormats = Options{Sizes: []int{200, 48}, Quality: 82, MaxPixels: 50_000_000,
	Formats: []Format{FormatJPEG, FormatWebP, FormatAVIF}, WebPQuality: 75, AVIFQuality: 60}

func flat(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

// magic checks the container signature of each output format.
func magic(t *testing.T, f Format, b []byte) {
	t.Helper()
	require.Greater(t, len(b), 16)
	switch f {
	case FormatJPEG:
		assert.Equal(t, []byte{0xff, 0xd8, 0xff}, b[:3])
	case FormatWebP:
		assert.Equal(t, "RIFF", string(b[:4]))
		assert.Equal(t, "WEBP", string(b[8:12]))
	case FormatAVIF:
		assert.Equal(t, "ftypavif", string(b[4:12]))
	}
}

func TestEveryFormatFromTheSamePixels(t *testing.T) {
	photo := photoLike(640, 480)
	p, err := New(allFormats)
	require.NoError(t, err)
	res, err := p.Process(context.Background(), encodeTestJPEG(t, photo, 95))
	require.NoError(t, err)
	require.Len(t, res.Thumbnails, 2)
	for _, th := range res.Thumbnails {
		require.Len(t, th.Encodings, 3)
		assert.Equal(t, th.Encodings[0].Data, th.JPEG, "JPEG is the jpeg encoding")
		ref := reference(photo, th.Width, th.Height)
		for i, e := range th.Encodings {
			assert.Equal(t, allFormats.Formats[i], e.Format, "encodings come in the order of Options.Formats")
			magic(t, e.Format, e.Data)
			img, got, err := DecodeThumbnail(e.Data)
			require.NoError(t, err)
			assert.Equal(t, e.Format, got)
			require.Equal(t, image.Rect(0, 0, th.Width, th.Height), img.Bounds(), "%s %d px", e.Format, th.Size)
			q := psnr(t, smoothRGB(img), ref)
			t.Logf("%d px %s: %d bytes, %.1f dB", th.Size, e.Format, len(e.Data), q)
			assert.Greater(t, q, 25.0, "%d px %s is far from the image", th.Size, e.Format)
		}
	}
}

// TestFormatsKeepColours catches range and channel mistakes: a flat colour
// comes back as itself from every format.
func TestFormatsKeepColours(t *testing.T) {
	for _, c := range []color.RGBA{{200, 40, 90, 255}, {12, 14, 10, 255}, {250, 250, 245, 255}, {30, 120, 220, 255}} {
		p, err := New(allFormats)
		require.NoError(t, err)
		res, err := p.Process(context.Background(), pngOf(t, flat(64, 48, c)))
		require.NoError(t, err)
		for _, e := range res.Thumbnails[0].Encodings {
			img, _, err := DecodeThumbnail(e.Data)
			require.NoError(t, err)
			got := rgbOf(img.At(20, 20))
			for k, want := range []uint8{c.R, c.G, c.B} {
				assert.InDelta(t, float64(want), got[k], 4, "%s of %v: channel %d", e.Format, c, k)
			}
		}
	}
}

func TestDefaultFormatIsJPEGOnly(t *testing.T) {
	p := newTestProcessor(t, 64)
	res, err := p.Process(context.Background(), encodeTestJPEG(t, photoLike(128, 96), 90))
	require.NoError(t, err)
	th := res.Thumbnails[0]
	require.Len(t, th.Encodings, 1)
	assert.Equal(t, FormatJPEG, th.Encodings[0].Format)
	assert.Equal(t, th.JPEG, th.Data(FormatJPEG))
	assert.Nil(t, th.Data(FormatWebP))
}

func TestWebPOnly(t *testing.T) {
	p, err := New(Options{Sizes: []int{64}, Quality: 82, MaxPixels: 1 << 20, Formats: []Format{FormatWebP}, WebPQuality: 80})
	require.NoError(t, err)
	res, err := p.Process(context.Background(), encodeTestJPEG(t, photoLike(128, 96), 90))
	require.NoError(t, err)
	th := res.Thumbnails[0]
	assert.Nil(t, th.JPEG)
	magic(t, FormatWebP, th.Data(FormatWebP))
}

func TestNewValidatesFormats(t *testing.T) {
	good := Options{Sizes: []int{256}, Quality: 82, MaxPixels: 1 << 20, WebPQuality: 75, AVIFQuality: 60}
	tests := []struct {
		name   string
		modify func(*Options)
		want   string
	}{
		{"unknown format", func(o *Options) { o.Formats = []Format{FormatJPEG, FormatPNG} }, `Options.Formats[1] is "png": thumbnails are encoded as jpeg, webp, avif`},
		{"twice", func(o *Options) { o.Formats = []Format{FormatWebP, FormatWebP} }, `Options.Formats lists "webp" twice`},
		{"webp quality", func(o *Options) { o.Formats, o.WebPQuality = []Format{FormatWebP}, 0 }, "Options.WebPQuality is 0: webp quality must be between 1 and 100"},
		{"avif quality", func(o *Options) { o.Formats, o.AVIFQuality = []Format{FormatAVIF}, 101 }, "Options.AVIFQuality is 101: avif quality must be between 1 and 100"},
		{"webp size", func(o *Options) { o.Formats, o.Sizes = []Format{FormatWebP}, []int{20000} }, "Options.Sizes[0] is 20000: a WebP thumbnail's edge is at most 16383 pixels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.modify(&o)
			_, err := New(o)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	for _, fs := range [][]Format{nil, {FormatJPEG}, {FormatAVIF, FormatWebP}} {
		o := good
		o.Formats = fs
		_, err := New(o)
		assert.NoError(t, err, "%v", fs)
	}
}

// TestWebPInputInFullRange decodes lossy WebP uploads as libwebp does:
// golang.org/x/image/webp leaves VP8's limited range to the caller.
func TestWebPInputInFullRange(t *testing.T) {
	for _, c := range []color.RGBA{{10, 10, 10, 255}, {245, 245, 245, 255}, {220, 30, 60, 255}} {
		src := flat(96, 64, c)
		wp, err := encodeWebP(toPlanes(src), encodeOptions{quality: 95})
		require.NoError(t, err)
		res, err := newTestProcessor(t, 48).Process(context.Background(), wp)
		require.NoError(t, err)
		assert.Equal(t, FormatWebP, res.Format)
		got := rgbOf(decodeJPEGBytes(t, res.Thumbnails[0].JPEG).At(10, 10))
		for k, want := range []uint8{c.R, c.G, c.B} {
			assert.InDelta(t, float64(want), got[k], 4, "%v channel %d", c, k)
		}
	}
}

func TestWebPWithICC(t *testing.T) {
	profile := encodedProfile(t, "Display P3", icc.PrimariesDisplayP3, icc.CurveSRGB)
	pl := toPlanes(photoLike(81, 47)) // odd sizes: the ICCP chunk and the canvas size must still agree
	b, err := encodeWebP(pl, encodeOptions{quality: 80, icc: profile})
	require.NoError(t, err)
	assert.Equal(t, "RIFF", string(b[:4]))
	assert.Equal(t, "WEBPVP8X", string(b[8:16]))
	assert.Equal(t, len(b)-8, int(uint32(b[4])|uint32(b[5])<<8|uint32(b[6])<<16|uint32(b[7])<<24), "RIFF size")
	assert.Equal(t, profile, readColorInfo(FormatWebP, b).icc, "the profile reads back")
	img, _, err := DecodeThumbnail(b)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 81, 47), img.Bounds())

	// libwebp's own tools accept the file and see the profile.
	dir := t.TempDir()
	path := filepath.Join(dir, "icc.webp")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	info := string(reftools.Run(t, "webpinfo", path))
	assert.Contains(t, info, "ICCP")
	assert.Contains(t, info, "No error detected")
}

func TestPreserveModeFormats(t *testing.T) {
	profile := encodedProfile(t, "Display P3", icc.PrimariesDisplayP3, icc.CurveSRGB)
	src := tagJPEG(encodeTestJPEG(t, photoLike(160, 120), 95), profile)
	results := map[ColorOutput]*Result{}
	for _, mode := range []ColorOutput{ColorSRGB, ColorPreserve} {
		o := allFormats
		o.ColorOutput = mode
		p, err := New(o)
		require.NoError(t, err)
		res, err := p.Process(context.Background(), src)
		require.NoError(t, err)
		results[mode] = res
	}
	srgb, kept := results[ColorSRGB].Thumbnails[0], results[ColorPreserve].Thumbnails[0]
	assert.Equal(t, ColorPreserved, results[ColorPreserve].ColorAction)
	assert.Equal(t, profile, readColorInfo(FormatJPEG, kept.Data(FormatJPEG)).icc)
	assert.Equal(t, profile, readColorInfo(FormatWebP, kept.Data(FormatWebP)).icc)
	assert.Nil(t, readColorInfo(FormatWebP, srgb.Data(FormatWebP)).icc)
	// AVIF cannot carry the profile, so its pixels are converted: the same
	// as in sRGB mode.
	assert.Equal(t, srgb.Data(FormatAVIF), kept.Data(FormatAVIF))
	// The placeholder and colours are sRGB in both modes.
	for _, f := range []func(*Result) string{
		func(r *Result) string { return r.Placeholder },
		func(r *Result) string { return r.AverageColor },
		func(r *Result) string { return r.DominantColor },
	} {
		assert.Equal(t, f(results[ColorSRGB]), f(results[ColorPreserve]))
	}
}

// TestPreviewFromTheSmallestThumbnail checks the facts are those of the
// smallest thumbnail's pixels, after the colour stage.
func TestPreviewFromTheSmallestThumbnail(t *testing.T) {
	profile := encodedProfile(t, "Adobe RGB (1998)", icc.PrimariesAdobeRGB, icc.CurveGamma(563.0/256))
	src := tagJPEG(encodeTestJPEG(t, photoLike(300, 200), 95), profile)
	p := newTestProcessor(t, 150, 40, 100)
	var seen []*planes
	enc := p.formats[0].encode
	p.formats[0].encode = func(pl *planes, o encodeOptions) ([]byte, error) {
		if pl.y.w == 40 {
			c := *pl
			c.y.pix, c.cb.pix, c.cr.pix = bytes.Clone(pl.y.pix), bytes.Clone(pl.cb.pix), bytes.Clone(pl.cr.pix)
			seen = append(seen, &c)
		}
		return enc(pl, o)
	}
	res, err := p.Process(context.Background(), src)
	require.NoError(t, err)
	assert.Equal(t, ColorConverted, res.ColorAction)
	require.Len(t, seen, 1)
	want, err := previewOf(seen[0])
	require.NoError(t, err)
	assert.Equal(t, want, preview.Facts{Placeholder: res.Placeholder, AverageColor: res.AverageColor, DominantColor: res.DominantColor})
	_, err = preview.DecodePlaceholder(res.Placeholder, 32, 32)
	assert.NoError(t, err)
	for _, c := range []string{res.AverageColor, res.DominantColor} {
		_, err := preview.ParseColor(c)
		assert.NoError(t, err)
	}
}

func TestAVIFRejectsWhatItCannotWrite(t *testing.T) {
	pl := toPlanes(photoLike(32, 32))
	_, err := encodeAVIF(pl, encodeOptions{quality: 60, icc: []byte("profile")})
	assert.ErrorContains(t, err, "cannot embed an ICC profile")
	_, err = encodeAVIF(pl, encodeOptions{quality: 0})
	assert.ErrorContains(t, err, "quality 0 is outside 1..100")
	_, err = encodeWebP(pl, encodeOptions{quality: 101})
	assert.ErrorContains(t, err, "quality 101 is outside 1..100")
}

func TestGreyToEveryFormat(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 90, 60))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	p, err := New(allFormats)
	require.NoError(t, err)
	res, err := p.Process(context.Background(), pngOf(t, g))
	require.NoError(t, err)
	for _, e := range res.Thumbnails[1].Encodings {
		img, _, err := DecodeThumbnail(e.Data)
		require.NoError(t, err, e.Format)
		assert.Equal(t, image.Rect(0, 0, 48, 32), img.Bounds())
		r, gr, b := rgbOf(img.At(5, 5))[0], rgbOf(img.At(5, 5))[1], rgbOf(img.At(5, 5))[2]
		assert.InDelta(t, r, gr, 3, e.Format)
		assert.InDelta(t, gr, b, 3, e.Format)
	}
}
