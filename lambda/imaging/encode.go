package imaging

import (
	"github.com/imgpipe/imgpipe/lambda/imaging/jpegenc"
)

// encodeJPEG encodes planes (4:4:4, 4:2:0 or grey) with jpegenc, which
// writes no metadata segments at all: no EXIF, no GPS, no ICC profile, no
// comments. Thumbnails are metadata-free by construction.
func encodeJPEG(p *planes, quality int) ([]byte, error) {
	return jpegenc.Encode(jpegImage(p), jpegenc.Options{Quality: quality})
}

// jpegImage is p as jpegenc's input, without copying.
func jpegImage(p *planes) *jpegenc.Image {
	img := &jpegenc.Image{Y: jpegPlane(p.y), Gray: p.gray}
	if !p.gray {
		img.Cb, img.Cr = jpegPlane(p.cb), jpegPlane(p.cr)
	}
	return img
}

func jpegPlane(p plane) jpegenc.Plane {
	return jpegenc.Plane{Pix: p.pix, W: p.w, H: p.h, Stride: p.stride}
}
