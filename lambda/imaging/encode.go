package imaging

import (
	"bytes"
	"image"
	"image/jpeg"
)

// encodeJPEG encodes 4:4:4 (or grey) planes with the standard library's
// encoder, which writes no metadata segments at all: no EXIF, no GPS, no
// ICC profile, no comments. Thumbnails are metadata-free by construction.
func encodeJPEG(p *planes, quality int) ([]byte, error) {
	var img image.Image
	r := image.Rect(0, 0, p.y.w, p.y.h)
	if p.gray {
		img = &image.Gray{Pix: p.y.pix, Stride: p.y.stride, Rect: r}
	} else {
		img = &image.YCbCr{
			Y: p.y.pix, Cb: p.cb.pix, Cr: p.cr.pix,
			YStride: p.y.stride, CStride: p.cb.stride,
			SubsampleRatio: image.YCbCrSubsampleRatio444, Rect: r,
		}
	}
	var buf bytes.Buffer
	buf.Grow(p.y.w*p.y.h/4 + 1024)
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
