package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"

	"github.com/gen2brain/webp"
)

// WebP thumbnails are lossy VP8 written by libwebp 1.4 compiled to
// WebAssembly and run by wazero (github.com/gen2brain/webp; no cgo). The
// module is compiled on the first WebP encode of a process, so a process
// that writes no WebP pays nothing for it.
//
// libwebp takes the thumbnail's own YCbCr, subsampled 4:2:0 here: VP8 is
// BT.601 like JPEG, but in limited ("studio") range, so each sample is
// only rescaled (Y to 16..235, Cb and Cr to 16..240), with no RGB round
// trip. The planes are opaque (transparency was composited over white when
// they were made), so the file has no alpha chunk.

// webpMethod is libwebp's speed/size trade-off, 0 (fastest) to 6: 4 is
// libwebp's and cwebp's default. docs/formats.md has the measurements.
const webpMethod = 4

// webpMaxEdge is the longest edge the VP8 header can hold (14 bits).
const webpMaxEdge = 16383

// encodeWebP encodes 4:4:4, 4:2:0 or grey planes as a lossy WebP with
// quality o.quality (libwebp's scale, 1..100). With o.icc set (preserve
// mode) the file is the extended format with an ICCP chunk; it carries no
// other metadata.
func encodeWebP(p *planes, o encodeOptions) ([]byte, error) {
	if o.quality < 1 || o.quality > 100 {
		return nil, fmt.Errorf("webp: quality %d is outside 1..100", o.quality)
	}
	img, err := webpYUVA(p)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := webp.Encode(&buf, img, webp.Options{Quality: o.quality, Method: webpMethod}); err != nil {
		return nil, fmt.Errorf("webp: %w", err)
	}
	if o.icc == nil {
		return buf.Bytes(), nil
	}
	return webpWithICC(buf.Bytes(), p.y.w, p.y.h, o.icc)
}

// Limited-range rescaling of full-range (JFIF) samples.
var webpLumaLUT, webpChromaLUT = func() (l, c [256]byte) {
	for i := range 256 {
		l[i] = byte(16 + (i*219+127)/255)
		c[i] = byte(16 + (i*224+127)/255)
	}
	return l, c
}()

// webpYUVA lays p out as libwebp's YUVA 4:2:0 input: gen2brain/webp passes
// an image.NYCbCrA whose Y, Cb, Cr and A planes are consecutive in one
// buffer (it hands the encoder the whole buffer from &Y[0]).
func webpYUVA(p *planes) (*image.NYCbCrA, error) {
	w, h := p.y.w, p.y.h
	if w < 1 || h < 1 || w > webpMaxEdge || h > webpMaxEdge {
		return nil, fmt.Errorf("webp: %dx%d: each edge must be between 1 and %d pixels", w, h, webpMaxEdge)
	}
	cw, ch := (w+1)/2, (h+1)/2
	buf := make([]byte, 2*w*h+2*cw*ch)
	y, cb, cr, a := buf[:w*h:w*h], buf[w*h:w*h+cw*ch:w*h+cw*ch], buf[w*h+cw*ch:w*h+2*cw*ch:w*h+2*cw*ch], buf[w*h+2*cw*ch:]
	for i := range a {
		a[i] = 255
	}
	parallelRows(h, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			src, dst := p.y.row(r), y[r*w:(r+1)*w]
			for x, v := range src {
				dst[x] = webpLumaLUT[v]
			}
		}
	})
	switch {
	case p.gray:
		for i := range cb {
			cb[i], cr[i] = webpChromaLUT[128], webpChromaLUT[128]
		}
	case p.subX == 2 && p.subY == 2:
		for r := range ch {
			for x := range cw {
				cb[r*cw+x] = webpChromaLUT[p.cb.pix[r*p.cb.stride+x]]
				cr[r*cw+x] = webpChromaLUT[p.cr.pix[r*p.cr.stride+x]]
			}
		}
	case p.subX == 1 && p.subY == 1:
		parallelRows(ch, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				subsampleRow(cb[r*cw:(r+1)*cw], p.cb, r)
				subsampleRow(cr[r*cw:(r+1)*cw], p.cr, r)
			}
		})
	default:
		return nil, fmt.Errorf("webp: chroma subsampled %dx%d: want 4:4:4, 4:2:0 or grey", p.subX, p.subY)
	}
	return &image.NYCbCrA{
		YCbCr: image.YCbCr{Y: y, Cb: cb, Cr: cr, YStride: w, CStride: cw,
			SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 0, w, h)},
		A: a, AStride: w,
	}, nil
}

// subsampleRow writes chroma row r of a 4:2:0 image from the full-size
// plane c: the mean of each 2×2 block (edge blocks use what exists),
// rescaled to limited range.
func subsampleRow(dst []byte, c plane, r int) {
	y0 := 2 * r
	y1 := min(y0+1, c.h-1)
	top, bot := c.row(y0), c.row(y1)
	for x := range dst {
		x0 := 2 * x
		x1 := min(x0+1, c.w-1)
		s := uint32(top[x0]) + uint32(top[x1]) + uint32(bot[x0]) + uint32(bot[x1])
		dst[x] = webpChromaLUT[(s+2)>>2]
	}
}

// webpWithICC rewrites a simple-format lossy WebP (RIFF, WEBP, one VP8
// chunk) as the extended format with an ICCP chunk: VP8X (ICC flag and
// canvas size), ICCP, then the VP8 chunk, as the container specification
// orders them.
func webpWithICC(simple []byte, w, h int, icc []byte) ([]byte, error) {
	if len(simple) < 20 || string(simple[0:4]) != "RIFF" || string(simple[8:16]) != "WEBPVP8 " {
		return nil, errors.New("webp: the encoder did not return a simple lossy WebP")
	}
	vp8 := simple[12:]
	chunk := func(out []byte, fourcc string, payload []byte) []byte {
		out = append(out, fourcc...)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
		out = append(out, payload...)
		if len(payload)%2 == 1 {
			out = append(out, 0)
		}
		return out
	}
	var vp8x [10]byte
	vp8x[0] = 0x20 // ICC profile flag
	putUint24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	putUint24(vp8x[4:7], w-1)
	putUint24(vp8x[7:10], h-1)
	out := make([]byte, 0, 12+18+8+len(icc)+1+len(vp8))
	out = append(out, "RIFF\x00\x00\x00\x00WEBP"...)
	out = chunk(out, "VP8X", vp8x[:])
	out = chunk(out, "ICCP", icc)
	out = append(out, vp8...)
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out, nil
}
