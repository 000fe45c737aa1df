package imaging

import (
	"image"
)

// Lossy WebP (VP8) stores BT.601 YCbCr in limited range: Y in 16..235, Cb
// and Cr in 16..240. golang.org/x/image/webp returns those samples as an
// image.YCbCr, which the image packages read as JPEG's full range, so
// black comes out as (16,16,16) and white as (235,235,235): a washed-out
// picture (golang/go#40173). fullRangeWebP rescales the decoded planes in
// place to full range, after which they mean what image.YCbCr says.

// Limited-to-full-range rescaling, clamped.
var webpFullLuma, webpFullChroma = func() (l, c [256]byte) {
	for i := range 256 {
		l[i] = clampRound(float64(i-16) * 255 / 219)
		c[i] = clampRound(128 + float64(i-128)*255/224)
	}
	return l, c
}()

func clampRound(v float64) byte {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return byte(v + 0.5)
}

// fullRangeWebP rescales what golang.org/x/image/webp decoded from a lossy
// WebP (an *image.YCbCr, or *image.NYCbCrA with alpha) to full range, in
// place. Lossless WebP decodes to NRGBA, which is returned as it is.
func fullRangeWebP(img image.Image) image.Image {
	var m *image.YCbCr
	switch t := img.(type) {
	case *image.YCbCr:
		m = t
	case *image.NYCbCrA:
		m = &t.YCbCr
	default:
		return img
	}
	for i, v := range m.Y {
		m.Y[i] = webpFullLuma[v]
	}
	for i, v := range m.Cb {
		m.Cb[i] = webpFullChroma[v]
	}
	for i, v := range m.Cr {
		m.Cr[i] = webpFullChroma[v]
	}
	return img
}
