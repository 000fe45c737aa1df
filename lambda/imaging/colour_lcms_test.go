package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/tiff"

	"github.com/imgpipe/imgpipe/internal/colortest"
	"github.com/imgpipe/imgpipe/internal/reftools"
	"github.com/imgpipe/imgpipe/lambda/imaging/icc"
)

// Accuracy bars against lcms2, the reference colour management system.
const (
	maxMeanDE2000  = 1.5
	maxMeanColDiff = 3.0 // per channel, 8-bit code values
)

// captureThumb processes data into one thumbnail of size px and returns
// its pixels before JPEG encoding (so encoder noise does not count) with
// the result.
func captureThumb(t testing.TB, data []byte, size int, mode ColorOutput) (image.Image, *Result, []byte) {
	t.Helper()
	p, err := New(Options{Sizes: []int{size}, Quality: 90, MaxPixels: 50_000_000, ColorOutput: mode})
	require.NoError(t, err)
	var (
		mu  sync.Mutex
		got image.Image
	)
	p.formats[0].encode = func(pl *planes, o encodeOptions) ([]byte, error) {
		mu.Lock()
		got = planesImage(pl)
		mu.Unlock()
		return encodeJPEG(pl, o)
	}
	res, err := p.Process(t.Context(), data)
	require.NoError(t, err)
	return got, res, res.Thumbnails[0].JPEG
}

// accuracyCase is one tagged test image made at test time by lcms2 from
// an sRGB photo, and lcms2's own rendering of it back to sRGB.
type accuracyCase struct {
	name      string
	container Format
	profile   string // path of the ICC profile
	space     string // expected Result.ColorSpace
}

// TestColourAccuracyAgainstLCMS converts an sRGB photo into other colour
// spaces with lcms2 (jpgicc for JPEG, tificc for the lossless containers),
// embedding the profile, and compares imgpipe's 256 px thumbnail of each
// with imgpipe's thumbnail of lcms2's own conversion of that file back to
// sRGB (relative colorimetric, the same resize): mean CIEDE2000 at most
// maxMeanDE2000 and mean colour within maxMeanColDiff per channel. Run with
// -v to see the table.
func TestColourAccuracyAgainstLCMS(t *testing.T) {
	reftools.Dir(t)
	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(tmp, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	photo := photoLike(1024, 640)
	srcJPEG := write("srgb.jpg", encodeTestJPEG(t, photo, 95))
	srcTIFF := write("srgb.tif", encodeWith(t, func(b *bytes.Buffer) error { return tiff.Encode(b, photo, nil) }))
	p3, err := icc.EncodeMatrixTRC("Display P3", icc.PrimariesDisplayP3, icc.CurveSRGB)
	require.NoError(t, err)
	p3Path := write("display-p3.icc", p3)

	cases := []accuracyCase{
		{"Display P3 (v4 matrix, para type 3)", FormatJPEG, p3Path, "display-p3"},
		{"Adobe RGB (v4, para type 0)", FormatJPEG, reftools.Profile(t, "colord/AdobeRGB1998.icc"), "adobe-rgb"},
		{"Adobe RGB compatible (v2, curv gamma)", FormatJPEG, reftools.Profile(t, "compatibleWithAdobeRGB1998.icc"), "adobe-rgb"},
		{"ProPhoto RGB (v4, para)", FormatJPEG, reftools.Profile(t, "colord/ProPhotoRGB.icc"), "prophoto-rgb"},
		{"Swapped red and green (v4)", FormatJPEG, reftools.Profile(t, "colord/SwappedRedAndGreen.icc"), "rgb"},
		{"Rec. 709 (v4, curv table)", FormatJPEG, reftools.Profile(t, "colord/Rec709.icc"), "srgb"},
		{"CMYK SWOP (v2 lut16 to Lab)", FormatJPEG, reftools.Profile(t, "ghostscript/default_cmyk.icc"), "cmyk"},
		{"CMYK PS (v4 lut16 to XYZ)", FormatJPEG, reftools.Profile(t, "ghostscript/ps_cmyk.icc"), "cmyk"},
		{"Grey, linear (v2 curv, XYZ)", FormatJPEG, reftools.Profile(t, "Gray.icc"), "gray"},
		{"Grey CIE L* (v2 curv, Lab)", FormatJPEG, reftools.Profile(t, "Gray-CIE_L.icc"), "gray"},
		{"ProPhoto RGB, PNG iCCP", FormatPNG, reftools.Profile(t, "colord/ProPhotoRGB.icc"), "prophoto-rgb"},
		{"Display P3, WebP ICCP", FormatWebP, p3Path, "display-p3"},
		{"Wide Gamut RGB, TIFF tag 34675", FormatTIFF, reftools.Profile(t, "colord/WideGamutRGB.icc"), "rgb"},
	}
	if t.Failed() {
		return
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-40s %8s %8s %26s\n", "test image (lcms2 → imgpipe 256 px)", "mean ΔE", "max ΔE", "mean colour diff R G B")
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tagged, ref := makeTagged(t, tmp, fmt.Sprint(i), tc, srcJPEG, srcTIFF)
			got, res, thumb := captureThumb(t, tagged, 256, ColorSRGB)
			want, _, _ := captureThumb(t, ref, 256, ColorSRGB)
			assert.Equal(t, tc.container, res.Format)
			assert.Equal(t, ColorConverted, res.ColorAction, res.ColorNote)
			assert.Equal(t, tc.space, res.ColorSpace)
			assert.NotEmpty(t, res.ColorProfile)
			assert.Empty(t, readColorInfo(FormatJPEG, thumb).icc, "an sRGB thumbnail embeds no profile")
			s, err := colortest.Compare(want, got)
			require.NoError(t, err)
			fmt.Fprintf(&table, "%-40s %8.3f %8.2f %8.2f %8.2f %8.2f\n", tc.name, s.MeanDE, s.MaxDE, s.MeanDiff[0], s.MeanDiff[1], s.MeanDiff[2])
			assert.LessOrEqual(t, s.MeanDE, maxMeanDE2000, "mean ΔE2000")
			for c := range 3 {
				assert.LessOrEqual(t, abs(s.MeanDiff[c]), maxMeanColDiff, "mean colour, channel %d", c)
			}
			// And the conversion matters: without it the thumbnail would be
			// visibly off (except where the space is close to sRGB).
			raw, _, _ := captureThumb(t, stripColour(t, tagged, tc.container), 256, ColorSRGB)
			naive, err := colortest.Compare(want, raw)
			require.NoError(t, err)
			t.Logf("%s: mean ΔE2000 %.3f (max %.2f) converted, %.3f if the profile were ignored", tc.name, s.MeanDE, s.MaxDE, naive.MeanDE)
		})
	}
	t.Logf("colour accuracy against lcms2 %s\n%s", "(relative colorimetric, 1024×640 sRGB photo-like source)", table.String())
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// makeTagged returns the tagged test file of a case and lcms2's rendering
// of it to sRGB (as an untagged PNG or JPEG).
func makeTagged(t *testing.T, tmp, id string, tc accuracyCase, srcJPEG, srcTIFF string) (tagged, ref []byte) {
	t.Helper()
	path := func(n string) string { return filepath.Join(tmp, id+"-"+n) }
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		return b
	}
	if tc.container == FormatJPEG {
		reftools.Run(t, "jpgicc", "-t1", "-q95", "-e", "-o"+tc.profile, srcJPEG, path("tagged.jpg"))
		reftools.Run(t, "jpgicc", "-t1", "-q100", path("tagged.jpg"), path("ref.jpg"))
		return read(path("tagged.jpg")), read(path("ref.jpg"))
	}
	// Lossless containers hold the same pixels as the tagged TIFF, whose
	// sRGB rendering by tificc is the reference for all of them.
	reftools.Run(t, "tificc", "-t1", "-e", "-o"+tc.profile, srcTIFF, path("tagged.tif"))
	reftools.Run(t, "tificc", "-t1", path("tagged.tif"), path("ref.tif"))
	refImg, err := tiff.Decode(bytes.NewReader(read(path("ref.tif"))))
	require.NoError(t, err)
	ref = pngOf(t, refImg)
	tif := read(path("tagged.tif"))
	switch tc.container {
	case FormatTIFF:
		return tif, ref
	case FormatPNG, FormatWebP:
		img, err := tiff.Decode(bytes.NewReader(tif))
		require.NoError(t, err)
		png := withPNGChunks(pngOf(t, img), pngChunk("iCCP", iCCP(t, read(tc.profile))))
		if tc.container == FormatPNG {
			return png, ref
		}
		p := path("tagged.png")
		require.NoError(t, os.WriteFile(p, png, 0o644))
		reftools.Run(t, "cwebp", "-quiet", "-lossless", "-exact", "-metadata", "icc", p, "-o", path("tagged.webp"))
		return read(path("tagged.webp")), ref
	}
	t.Fatalf("no tagged %s", tc.container)
	return nil, nil
}

// stripColour returns the file without its colour information, by
// re-encoding its decoded pixels as a PNG (JPEG CMYK is inverted by the
// decoders and naively converted, as imgpipe would without a profile).
func stripColour(t *testing.T, data []byte, f Format) []byte {
	var img image.Image
	var err error
	switch f {
	case FormatJPEG:
		img, err = jpeg.Decode(bytes.NewReader(data))
	case FormatTIFF:
		img, err = tiff.Decode(bytes.NewReader(data))
	default:
		img, _, err = image.Decode(bytes.NewReader(data))
	}
	require.NoError(t, err)
	return pngOf(t, img)
}
