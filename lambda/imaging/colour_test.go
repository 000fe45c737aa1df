package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/colortest"
	"github.com/imgpipe/imgpipe/lambda/imaging/icc"
)

func encodedProfile(t testing.TB, desc string, p icc.Primaries, c icc.Curve) []byte {
	b, err := icc.EncodeMatrixTRC(desc, p, c)
	require.NoError(t, err)
	return b
}

// tagJPEG embeds profile in a JPEG as APP2 chunks, as encoders do.
func tagJPEG(jpg, profile []byte) []byte {
	return withSegments(jpg, appendICCSegments(nil, profile))
}

// padded returns profile with a private tag of n bytes added (a valid,
// larger profile).
func padded(t testing.TB, profile []byte, n int) []byte {
	count := binary.BigEndian.Uint32(profile[128:])
	out := append([]byte(nil), profile[:132+12*count]...)
	out = append(out, make([]byte, 12)...) // the new tag entry
	shift := uint32(12)
	for i := range count {
		e := out[132+12*i:]
		binary.BigEndian.PutUint32(e[4:], binary.BigEndian.Uint32(e[4:])+shift)
	}
	out = append(out, profile[132+12*count:]...)
	e := out[132+12*count:]
	copy(e, "zzzz")
	binary.BigEndian.PutUint32(e[4:], uint32(len(out)))
	binary.BigEndian.PutUint32(e[8:], uint32(n))
	out = append(out, "zzzz\x00\x00\x00\x00"...)
	out = append(out, make([]byte, n-8)...)
	binary.BigEndian.PutUint32(out[128:], count+1)
	binary.BigEndian.PutUint32(out, uint32(len(out)))
	_, err := icc.Parse(out)
	require.NoError(t, err)
	return out
}

func TestColourHandling(t *testing.T) {
	photo := photoLike(96, 64)
	jpg := encodeTestJPEG(t, photo, 90)
	png := pngOf(t, photo)
	adobe := encodedProfile(t, "Adobe RGB (1998)", icc.PrimariesAdobeRGB, icc.CurveGamma(563.0/256))
	srgb := encodedProfile(t, "sRGB IEC61966-2.1", icc.PrimariesSRGB, icc.CurveSRGB)
	untaggedJPEG, _, _ := captureThumb(t, jpg, 48, ColorSRGB)
	untaggedPNG, _, _ := captureThumb(t, png, 48, ColorSRGB)

	cases := []struct {
		name    string
		data    []byte
		mode    ColorOutput
		action  ColorAction
		space   string
		profile string
		note    string // substring; "" for none
		embeds  bool
		same    bool // pixels as the untagged image's
	}{
		{"untagged", jpg, ColorSRGB, ColorNone, "srgb", "", "", false, true},
		{"sRGB profile", tagJPEG(jpg, srgb), ColorSRGB, ColorNone, "srgb", "sRGB IEC61966-2.1", "", false, true},
		{"sRGB profile, preserve", tagJPEG(jpg, srgb), ColorPreserve, ColorNone, "srgb", "sRGB IEC61966-2.1", "", false, true},
		{"Adobe RGB", tagJPEG(jpg, adobe), ColorSRGB, ColorConverted, "adobe-rgb", "Adobe RGB (1998)", "", false, false},
		{"Adobe RGB, preserve", tagJPEG(jpg, adobe), ColorPreserve, ColorPreserved, "adobe-rgb", "Adobe RGB (1998)", "", true, true},
		{"over the embedding cap", tagJPEG(jpg, padded(t, adobe, MaxEmbeddedProfile)), ColorPreserve, ColorConverted, "adobe-rgb", "Adobe RGB (1998)", "over the cap", false, false},
		{"malformed profile", tagJPEG(jpg, []byte("not a profile at all, just some bytes long enough to be read as one ....................................................................................")), ColorSRGB, ColorFallback, "", "", "malformed", false, true},
		{"broken chunks", withSegments(jpg, app2(1, 2, adobe[:100])), ColorSRGB, ColorNone, "srgb", "", "chunk 2 of 2 is missing", false, true},
		{"grey profile on colour pixels", tagJPEG(jpg, greyProfile(t)), ColorSRGB, ColorFallback, "gray", "grey", "for GRAY pixels", false, true},
		{"PNG sRGB chunk", withPNGChunks(png, pngChunk("sRGB", []byte{0})), ColorSRGB, ColorNone, "srgb", "sRGB (PNG sRGB chunk)", "", false, true},
		{"PNG gAMA 1/2.2", withPNGChunks(png, pngChunk("gAMA", binary.BigEndian.AppendUint32(nil, 45455))), ColorSRGB, ColorNone, "srgb", "PNG gAMA/cHRM (gamma 2.20, srgb primaries)", "", false, true},
		{"PNG gAMA 1.0", withPNGChunks(png, pngChunk("gAMA", binary.BigEndian.AppendUint32(nil, 100000))), ColorSRGB, ColorConverted, "srgb", "PNG gAMA/cHRM (gamma 1.00, srgb primaries)", "", false, false},
		{"PNG cICP Display P3", withPNGChunks(png, pngChunk("cICP", []byte{12, 13, 0, 1})), ColorSRGB, ColorConverted, "display-p3", "Display P3 primaries, sRGB transfer (nclx 12/13/0)", "", false, false},
		{"PNG cICP Display P3, preserve", withPNGChunks(png, pngChunk("cICP", []byte{12, 13, 0, 1})), ColorPreserve, ColorPreserved, "display-p3", "Display P3 primaries, sRGB transfer (nclx 12/13/0)", "", true, true},
		{"PNG cICP BT.2020 PQ, preserve", withPNGChunks(png, pngChunk("cICP", []byte{9, 16, 0, 1})), ColorPreserve, ColorConverted, "rec2020", "BT.2020 primaries, PQ (SMPTE ST 2084) transfer (nclx 9/16/0)", "HDR", false, false},
		{"PNG cICP unknown", withPNGChunks(png, pngChunk("cICP", []byte{99, 13, 0, 1})), ColorSRGB, ColorFallback, "", "nclx 99/13/0", "not supported", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, res, thumb := captureThumb(t, tc.data, 48, tc.mode)
			assert.Equal(t, tc.action, res.ColorAction)
			assert.Equal(t, tc.space, res.ColorSpace)
			assert.Equal(t, tc.profile, res.ColorProfile)
			if tc.note == "" {
				assert.Empty(t, res.ColorNote)
			} else {
				assert.Contains(t, res.ColorNote, tc.note)
			}
			embedded := readColorInfo(FormatJPEG, thumb).icc
			assert.Equal(t, tc.embeds, embedded != nil, "embedded profile")
			if embedded != nil {
				p, err := icc.Parse(embedded)
				require.NoError(t, err)
				assert.Equal(t, tc.space, p.SpaceName())
				// Preserve writes nothing but the profile: SOI, APP2s, then
				// the encoder's own segments.
				assert.NotContains(t, string(markers(t, thumb)), "\xe1")
			}
			untagged := untaggedJPEG
			if res.Format == FormatPNG {
				untagged = untaggedPNG
			}
			s, err := colortest.Compare(untagged, got)
			require.NoError(t, err)
			if tc.same {
				assert.Less(t, s.MeanDE, 1.0, "pixels as if untagged")
			} else {
				assert.Greater(t, s.MeanDE, 1.0, "pixels converted")
			}
		})
	}
}

func greyProfile(t testing.TB) []byte {
	// A v4 grey profile: header, desc and a kTRC of gamma 2.2.
	rgb := encodedProfile(t, "grey", icc.PrimariesSRGB, icc.CurveGamma(2.2))
	p := append([]byte(nil), rgb...)
	copy(p[16:20], "GRAY")
	count := binary.BigEndian.Uint32(p[128:])
	for i := range count {
		e := p[132+12*i:]
		if string(e[:4]) == "rTRC" {
			copy(e, "kTRC")
		}
	}
	return p
}

func TestGreyAndCMYKColour(t *testing.T) {
	grey := grayOf(photoLike(64, 48), false)
	jpg := encodeTestJPEG(t, grey, 90)
	got, res, _ := captureThumb(t, tagJPEG(jpg, greyProfile(t)), 32, ColorSRGB)
	assert.Equal(t, ColorConverted, res.ColorAction)
	assert.Equal(t, "gray", res.ColorSpace)
	_, isGray := got.(*image.Gray)
	assert.True(t, isGray, "a grey image stays grey")

	_, res, _ = captureThumb(t, readTestdata(t, "video-001.cmyk.jpeg"), 32, ColorSRGB)
	assert.Equal(t, ColorFallback, res.ColorAction)
	assert.Equal(t, "cmyk", res.ColorSpace)
	assert.Contains(t, res.ColorNote, "naive")
}

func TestICCSegmentsRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 20000) // 200 kB: four chunks
	jpg := tagJPEG(encodeTestJPEG(t, photoLike(8, 8), 80), big)
	assert.Equal(t, big, readColorInfo(FormatJPEG, jpg).icc)
	_, err := decodeJPEGBytesErr(jpg)
	assert.NoError(t, err)
}

func decodeJPEGBytesErr(b []byte) (image.Image, error) {
	img, _, err := image.Decode(bytes.NewReader(b))
	return img, err
}

// The fused row conversion gives exactly what its three steps give one
// after the other, on every Cb/Cr pair at several lumas.
func TestConvertYCbCrRowMatchesTheSteps(t *testing.T) {
	tr, err := icc.NewMatrixTRC(icc.PrimariesDisplayP3, icc.CurveSRGB)
	require.NoError(t, err)
	f := tr.Fixed()
	require.NotNil(t, f, "a matrix/TRC transform has a fixed-point form")
	const n = 256 * 256
	for _, luma := range []byte{0, 17, 128, 200, 255} {
		sy, scb, scr := make([]byte, n), make([]byte, n), make([]byte, n)
		for i := range n {
			sy[i], scb[i], scr[i] = luma, byte(i>>8), byte(i)
		}
		rgb, conv := make([]byte, 3*n), make([]byte, 3*n)
		ycbcrRowToRGB(rgb, sy, scb, scr)
		tr.Convert(conv, rgb)
		wy, wcb, wcr := make([]byte, n), make([]byte, n), make([]byte, n)
		rgbRowToYCbCr(wy, wcb, wcr, conv)
		gy, gcb, gcr := make([]byte, n), make([]byte, n), make([]byte, n)
		convertYCbCrRow(f, gy, gcb, gcr, sy, scb, scr)
		require.Equal(t, wy, gy, "Y at luma %d", luma)
		require.Equal(t, wcb, gcb, "Cb at luma %d", luma)
		require.Equal(t, wcr, gcr, "Cr at luma %d", luma)
	}
	gp, err := icc.Parse(greyProfile(t))
	require.NoError(t, err)
	grey, err := icc.NewTransform(gp)
	require.NoError(t, err)
	assert.Nil(t, grey.Fixed(), "a grey transform has none")
}
