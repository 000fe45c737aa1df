package imaging

import (
	"github.com/imgpipe/imgpipe/lambda/imaging/jpegenc"
)

// encodeOptions are the settings of one thumbnail encoding.
type encodeOptions struct {
	quality int    // the format's quality, 1..100
	icc     []byte // ICC profile to embed (preserve mode); nil: none
}

// encoder encodes thumbnail planes (4:4:4, 4:2:0 or grey) in one format.
type encoder func(p *planes, o encodeOptions) ([]byte, error)

// encoders has the encoder of every format of OutputFormats.
var encoders = map[Format]encoder{
	FormatJPEG: encodeJPEG,
	FormatWebP: encodeWebP,
	FormatAVIF: encodeAVIF,
}

// encodeJPEG encodes planes (4:4:4, 4:2:0 or grey) with jpegenc, which
// writes no metadata segments at all: no EXIF, no GPS, no comments, and an
// ICC profile only when o.icc holds one (preserve mode). Thumbnails are
// metadata-free by construction.
func encodeJPEG(p *planes, o encodeOptions) ([]byte, error) {
	return jpegenc.Encode(jpegImage(p), jpegenc.Options{Quality: o.quality, ICC: o.icc})
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
