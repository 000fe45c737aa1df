package imaging

import (
	"bytes"
	"image"
	"image/jpeg"
)

// encodeOptions are the settings of one thumbnail encoding.
type encodeOptions struct {
	quality int    // JPEG quality, 1..100
	icc     []byte // ICC profile to embed (preserve mode); nil: none
}

// encodeJPEG encodes 4:4:4 (or grey) planes with the standard library's
// encoder, which writes no metadata segments at all: no EXIF, no GPS, no
// ICC profile, no comments. Thumbnails are metadata-free by construction;
// the only segments added are those of o.icc, in preserve mode.
func encodeJPEG(p *planes, o encodeOptions) ([]byte, error) {
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
	buf.Grow(p.y.w*p.y.h/4 + 1024 + len(o.icc))
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: o.quality}); err != nil {
		return nil, err
	}
	if o.icc == nil {
		return buf.Bytes(), nil
	}
	out := buf.Bytes()
	return append(appendICCSegments(append([]byte(nil), out[:2]...), o.icc), out[2:]...), nil
}

// iccChunkSize is the most profile bytes one APP2 segment carries: a
// segment's length field counts at most 65535 bytes, including itself (2),
// the ICC_PROFILE header (12), and the sequence number and count (2).
const iccChunkSize = 65535 - 2 - len(iccChunkHeader) - 2

// appendICCSegments appends profile as APP2 ICC_PROFILE segments, numbered
// from 1. The caller keeps profile within 255 chunks (MaxEmbeddedProfile).
func appendICCSegments(dst, profile []byte) []byte {
	n := (len(profile) + iccChunkSize - 1) / iccChunkSize
	for i := range n {
		part := profile[i*iccChunkSize : min(len(profile), (i+1)*iccChunkSize)]
		size := 2 + len(iccChunkHeader) + 2 + len(part)
		dst = append(dst, 0xff, 0xe2, byte(size>>8), byte(size))
		dst = append(dst, iccChunkHeader...)
		dst = append(dst, byte(i+1), byte(n))
		dst = append(dst, part...)
	}
	return dst
}
