package imaging

import (
	"bytes"
	"fmt"
	"image"

	"github.com/gen2brain/avif"
)

// AVIF thumbnails are written by libavif 1.1 with libaom 3.10 compiled to
// WebAssembly and run by wazero (github.com/gen2brain/avif, the module
// whose decoder reads AVIF uploads; no cgo). The encoder module is
// compiled on the first AVIF encode of a process, so a process that writes
// no AVIF pays nothing for it (it is the larger of the two: about a second
// of CPU to compile, docs/formats.md).
//
// libavif takes 8-bit RGBA and converts it to YUV 4:2:0 itself (BT.601,
// full range); the file's colour is signalled as unspecified primaries and
// transfer, which browsers show as sRGB. The encoder cannot embed an ICC
// profile, so in preserve mode AVIF thumbnails are converted to sRGB
// (thumbnails() does that before calling encodeAVIF).

// avifSpeed is libavif's speed, 0 (slowest, smallest) to 10. At 9 a
// 1024×768 thumbnail encodes in about 0.3 s of one core here; 8 makes
// files 1-3 % smaller for four times the time (docs/formats.md).
const avifSpeed = 9

// encodeAVIF encodes planes as an AVIF, 4:2:0, with libavif's quality
// o.quality (1..100). o.icc must be nil: see above.
func encodeAVIF(p *planes, o encodeOptions) ([]byte, error) {
	if o.quality < 1 || o.quality > 100 {
		return nil, fmt.Errorf("avif: quality %d is outside 1..100", o.quality)
	}
	if o.icc != nil {
		return nil, fmt.Errorf("avif: the encoder cannot embed an ICC profile")
	}
	if !p.gray && (p.subX != 1 || p.subY != 1) {
		return nil, fmt.Errorf("avif: chroma subsampled %dx%d: want 4:4:4 or grey planes", p.subX, p.subY)
	}
	var buf bytes.Buffer
	err := avif.Encode(&buf, planesRGBA(p), avif.Options{
		Quality: o.quality, QualityAlpha: 100, Speed: avifSpeed,
		ChromaSubsampling: image.YCbCrSubsampleRatio420,
	})
	if err != nil {
		return nil, fmt.Errorf("avif: %w", err)
	}
	return buf.Bytes(), nil
}

// planesRGBA converts 4:4:4 or grey planes to opaque RGBA.
func planesRGBA(p *planes) *image.RGBA {
	w, h := p.y.w, p.y.h
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	parallelRows(h, func(lo, hi int) {
		rgb := make([]byte, 3*w)
		for y := lo; y < hi; y++ {
			dst := m.Pix[y*m.Stride : y*m.Stride+4*w]
			if p.gray {
				for x, v := range p.y.row(y) {
					dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = v, v, v, 255
				}
				continue
			}
			ycbcrRowToRGB(rgb, p.y.row(y), p.cb.row(y), p.cr.row(y))
			for x := range w {
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = rgb[3*x], rgb[3*x+1], rgb[3*x+2], 255
			}
		}
	})
	return m
}
