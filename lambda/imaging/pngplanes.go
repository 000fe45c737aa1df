package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"runtime"

	"github.com/klauspost/compress/zlib"
)

// PNG fast path. The common PNGs (8-bit truecolour, truecolour with alpha
// and palette, not interlaced) are decoded straight into YCbCr planes:
// no full-size RGBA image is made, transparency is composited over white
// as rows come out of the inflater, and when the thumbnails are much
// smaller than the image the rows are box-averaged by 2, 4 or 8 on the
// way (the same integer pre-shrink the resampler would apply first), so
// that only the shrunk planes are ever held. Inflating uses
// klauspost/compress, which measures about a third faster than
// compress/flate here; rows are unfiltered and converted on a second
// goroutine when there is a second CPU. Every other PNG (grey, 16-bit,
// interlaced, colour-keyed transparency) and any file this path rejects
// goes to image/png, which then decides what is wrong with it.

// pngPlanes is a PNG decoded into planes. It is an image.Image so that it
// travels through decodeImage like any decoded image; toPlanes unwraps it.
type pngPlanes struct {
	p *planes
}

func (m *pngPlanes) ColorModel() color.Model { return color.YCbCrModel }
func (m *pngPlanes) Bounds() image.Rectangle { return image.Rect(0, 0, m.p.y.w, m.p.y.h) }
func (m *pngPlanes) At(x, y int) color.Color {
	if !(image.Point{x, y}.In(m.Bounds())) {
		return color.YCbCr{}
	}
	return color.YCbCr{Y: m.p.y.pix[y*m.p.y.stride+x], Cb: m.p.cb.pix[y*m.p.cb.stride+x], Cr: m.p.cr.pix[y*m.p.cr.stride+x]}
}

// decodePNG decodes a PNG for thumbnails at most longestTarget pixels
// long: through the fast path when it can, else with image/png.
func decodePNG(data []byte, cfg image.Config, longestTarget int) (image.Image, error) {
	if m, err := decodePNGPlanes(data, pngShrinkFor(cfg.Width, cfg.Height, longestTarget)); err == nil {
		return m, nil
	}
	return png.Decode(bytes.NewReader(data))
}

// errPNGFallback says the fast path does not handle this file.
var errPNGFallback = errors.New("png: not for the fast path")

// pngShrinkFor is the box factor (1, 2, 4 or 8) for a w×h image whose
// largest thumbnail has longest edge target: the largest power of two not
// over the integer pre-shrink the resampler would pick (see resizePlane).
func pngShrinkFor(w, h, target int) int {
	k := int(float64(max(w, h)) / float64(max(target, 1)) / preShrinkGap)
	s := 1
	for s < 8 && 2*s <= k {
		s *= 2
	}
	return s
}

// pngHeader is what the fast path needs from the chunks before IDAT.
type pngHeader struct {
	w, h    int
	ctype   byte
	palette [256][3]byte // over white, for colour type 3
	idat    [][]byte
}

// parsePNG walks the chunks, checking CRCs, and collects the IDAT data.
func parsePNG(data []byte) (*pngHeader, error) {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(data) < 8 || string(data[:8]) != sig {
		return nil, errPNGFallback
	}
	hd := &pngHeader{}
	var plte []byte
	var trns []byte
	seenIHDR, seenEnd := false, false
	for i := 8; i < len(data) && !seenEnd; {
		if i+12 > len(data) {
			return nil, errPNGFallback
		}
		n := int(binary.BigEndian.Uint32(data[i:]))
		if n > len(data)-i-12 {
			return nil, errPNGFallback
		}
		typ := data[i+4 : i+8]
		body := data[i+8 : i+8+n]
		if crc32.ChecksumIEEE(data[i+4:i+8+n]) != binary.BigEndian.Uint32(data[i+8+n:]) {
			return nil, errPNGFallback
		}
		switch string(typ) {
		case "IHDR":
			if n != 13 || seenIHDR {
				return nil, errPNGFallback
			}
			seenIHDR = true
			hd.w, hd.h = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			depth, ctype, comp, filter, interlace := body[8], body[9], body[10], body[11], body[12]
			if depth != 8 || (ctype != 2 && ctype != 3 && ctype != 6) || comp != 0 || filter != 0 || interlace != 0 {
				return nil, errPNGFallback
			}
			if hd.w <= 0 || hd.h <= 0 || hd.w > 1<<24 || hd.h > 1<<24 {
				return nil, errPNGFallback
			}
			hd.ctype = ctype
		case "PLTE":
			plte = body
		case "tRNS":
			trns = body
		case "IDAT":
			if !seenIHDR {
				return nil, errPNGFallback
			}
			hd.idat = append(hd.idat, body)
		case "IEND":
			seenEnd = true
		}
		i += 12 + n
	}
	if !seenIHDR || len(hd.idat) == 0 {
		return nil, errPNGFallback
	}
	switch hd.ctype {
	case 3:
		if len(plte) == 0 || len(plte)%3 != 0 || len(plte) > 3*256 || len(trns) > len(plte)/3 {
			return nil, errPNGFallback
		}
		for i := 0; i < len(plte)/3; i++ {
			a := uint8(255)
			if i < len(trns) {
				a = trns[i]
			}
			// As toPlanes composites image/png's palette entries.
			hd.palette[i] = premulOverWhite(color.NRGBA{plte[3*i], plte[3*i+1], plte[3*i+2], a})
		}
		// Indices past the palette stay black, as toPlanes makes them.
	default:
		if trns != nil {
			return nil, errPNGFallback // colour-keyed transparency: image/png handles it
		}
	}
	return hd, nil
}

// decodePNGPlanes decodes data as described above, box-shrunk by shrink.
// It returns errPNGFallback, or another error, when image/png should
// decode the file instead.
func decodePNGPlanes(data []byte, shrink int) (*pngPlanes, error) {
	hd, err := parsePNG(data)
	if err != nil {
		return nil, err
	}
	readers := make([]io.Reader, len(hd.idat))
	for i, b := range hd.idat {
		readers[i] = bytes.NewReader(b)
	}
	zr, err := zlib.NewReader(io.MultiReader(readers...))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errPNGFallback, err)
	}
	defer func() { _ = zr.Close() }() // the row reads below report every decompression error; Close only releases
	bpp := 3
	switch hd.ctype {
	case 3:
		bpp = 1
	case 6:
		bpp = 4
	}
	ow, oh := (hd.w+shrink-1)/shrink, (hd.h+shrink-1)/shrink
	out := &planes{subX: 1, subY: 1}
	out.y = newPlane(ow, oh, out)
	out.cb = newPlane(ow, oh, out)
	out.cr = newPlane(ow, oh, out)
	conv := newPNGConverter(hd, out, shrink, bpp)
	stride := 1 + hd.w*bpp
	if runtime.GOMAXPROCS(0) < 2 || hd.h < 64 {
		buf := make([]byte, stride)
		for y := 0; y < hd.h; y++ {
			if _, err := io.ReadFull(zr, buf); err != nil {
				out.release()
				return nil, fmt.Errorf("%w: %v", errPNGFallback, err)
			}
			if err := conv.row(buf); err != nil {
				out.release()
				return nil, err
			}
		}
		conv.finish()
		return &pngPlanes{out}, nil
	}
	// Two stages: this goroutine inflates batches of rows, the other
	// unfilters and converts them, with a few batches in flight.
	const batchRows = 32
	type batch struct {
		buf  []byte
		rows int
	}
	free, full := make(chan []byte, 3), make(chan batch, 3)
	for range 3 {
		free <- make([]byte, batchRows*stride)
	}
	done := make(chan error, 1)
	go func() {
		var err error
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("png: converting rows panicked: %v", r)
			}
			for range full { // drain, so that the inflater never blocks
			}
			done <- err
		}()
		for b := range full {
			for r := 0; r < b.rows && err == nil; r++ {
				err = conv.row(b.buf[r*stride : (r+1)*stride])
			}
			free <- b.buf
			if err != nil {
				return
			}
		}
		conv.finish()
	}()
	var readErr error
	for y := 0; y < hd.h; {
		buf := <-free
		rows := min(batchRows, hd.h-y)
		if _, readErr = io.ReadFull(zr, buf[:rows*stride]); readErr != nil {
			break
		}
		full <- batch{buf, rows}
		y += rows
	}
	close(full)
	convErr := <-done
	if readErr != nil || convErr != nil {
		out.release()
		if readErr != nil {
			return nil, fmt.Errorf("%w: %v", errPNGFallback, readErr)
		}
		return nil, convErr
	}
	return &pngPlanes{out}, nil
}

// pngConverter unfilters rows and turns them into (shrunk) YCbCr rows.
type pngConverter struct {
	hd        *pngHeader
	out       *planes
	shrink    int
	bpp       int
	prev, cur []byte // unfiltered rows, without the filter byte
	rgb       []byte // the current row as opaque RGB
	sums      []uint32
	y, rows   int // source row; rows summed into sums
}

func newPNGConverter(hd *pngHeader, out *planes, shrink, bpp int) *pngConverter {
	n := hd.w * bpp
	c := &pngConverter{hd: hd, out: out, shrink: shrink, bpp: bpp,
		prev: make([]byte, n), cur: make([]byte, n), rgb: make([]byte, 3*hd.w)}
	if shrink > 1 {
		c.sums = make([]uint32, 3*out.y.w)
	}
	return c
}

var errPNGFilter = errors.New("png: bad filter type")

// row takes one filtered row (filter byte first).
func (c *pngConverter) row(raw []byte) error {
	if err := unfilter(raw[0], raw[1:], c.cur, c.prev, c.bpp); err != nil {
		return fmt.Errorf("%w: %v", errPNGFallback, err)
	}
	c.toRGB()
	if c.shrink == 1 {
		c.emit(c.y, c.rgb)
	} else {
		c.accumulate()
		c.rows++
		if c.rows == c.shrink || c.y == c.hd.h-1 {
			c.flushSums(c.y / c.shrink)
		}
	}
	c.prev, c.cur = c.cur, c.prev
	c.y++
	return nil
}

func (c *pngConverter) finish() {}

// toRGB fills c.rgb from c.cur, transparency over white.
func (c *pngConverter) toRGB() {
	w := c.hd.w
	rgb := c.rgb[:3*w]
	switch c.hd.ctype {
	case 2:
		copy(rgb, c.cur)
	case 6:
		src := c.cur[:4*w]
		for x := range w {
			s := src[4*x : 4*x+4 : 4*x+4]
			d := rgb[3*x : 3*x+3 : 3*x+3]
			if a := s[3]; a == 255 {
				d[0], d[1], d[2] = s[0], s[1], s[2]
			} else {
				d[0], d[1], d[2] = overWhite8(s[0], a), overWhite8(s[1], a), overWhite8(s[2], a)
			}
		}
	case 3:
		pal := &c.hd.palette
		for x, i := range c.cur[:w] {
			e := pal[i]
			rgb[3*x], rgb[3*x+1], rgb[3*x+2] = e[0], e[1], e[2]
		}
	}
}

// accumulate adds the RGB row into the column sums of the output row.
func (c *pngConverter) accumulate() {
	s := c.shrink
	w := c.hd.w
	sums := c.sums
	full := w / s
	rgb := c.rgb
	for ox := range full {
		var r, g, b uint32
		px := rgb[3*ox*s : 3*(ox+1)*s]
		for i := 0; i < len(px); i += 3 {
			r += uint32(px[i])
			g += uint32(px[i+1])
			b += uint32(px[i+2])
		}
		sums[3*ox] += r
		sums[3*ox+1] += g
		sums[3*ox+2] += b
	}
	if full*s < w {
		var r, g, b uint32
		px := rgb[3*full*s : 3*w]
		for i := 0; i < len(px); i += 3 {
			r += uint32(px[i])
			g += uint32(px[i+1])
			b += uint32(px[i+2])
		}
		sums[3*full] += r
		sums[3*full+1] += g
		sums[3*full+2] += b
	}
}

// flushSums averages the summed rows into output row oy.
func (c *pngConverter) flushSums(oy int) {
	s, w := c.shrink, c.hd.w
	ow := c.out.y.w
	avg := c.rgb[:3*ow] // the row was consumed; reuse its buffer
	for ox := range ow {
		n := uint32(c.rows * min(s, w-ox*s))
		for k := range 3 {
			avg[3*ox+k] = uint8((c.sums[3*ox+k] + n/2) / n)
		}
	}
	c.emit(oy, avg)
	clear(c.sums)
	c.rows = 0
}

// emit converts one RGB row to row oy of the planes (JFIF, as rgbToPlanes).
func (c *pngConverter) emit(oy int, rgb []byte) {
	yr, cbr, crr := c.out.y.row(oy), c.out.cb.row(oy), c.out.cr.row(oy)
	for x := range yr {
		s := rgb[3*x : 3*x+3 : 3*x+3]
		r, g, b := int32(s[0]), int32(s[1]), int32(s[2])
		yr[x] = uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
		cbr[x] = clamp8((-11056*r - 21712*g + 32768*b + 257<<15) >> 16)
		crr[x] = clamp8((32768*r - 27440*g - 5328*b + 257<<15) >> 16)
	}
}

// unfilter reverses PNG filter ft (PNG 9.2) of the row src into dst, with
// prev the previous unfiltered row (zeros for the first) and bpp bytes per
// pixel.
func unfilter(ft byte, src, dst, prev []byte, bpp int) error {
	n := len(dst)
	src, prev = src[:n], prev[:n]
	switch ft {
	case 0:
		copy(dst, src)
	case 1:
		copy(dst[:bpp], src[:bpp])
		for i := bpp; i < n; i++ {
			dst[i] = src[i] + dst[i-bpp]
		}
	case 2:
		for i := range dst {
			dst[i] = src[i] + prev[i]
		}
	case 3:
		for i := 0; i < bpp; i++ {
			dst[i] = src[i] + prev[i]>>1
		}
		for i := bpp; i < n; i++ {
			dst[i] = src[i] + uint8((uint16(dst[i-bpp])+uint16(prev[i]))>>1)
		}
	case 4:
		unpaeth(dst, src, prev, bpp)
	default:
		return errPNGFilter
	}
	return nil
}

// unpaeth reverses the Paeth filter. The left and upper-left pixels stay
// in registers from one pixel to the next for the common 3 and 4 bytes
// per pixel.
func unpaeth(dst, src, prev []byte, bpp int) {
	n := len(dst)
	for i := 0; i < bpp; i++ {
		dst[i] = src[i] + prev[i] // a = c = 0 picks b
	}
	switch bpp {
	case 4:
		a0, a1, a2, a3 := int32(dst[0]), int32(dst[1]), int32(dst[2]), int32(dst[3])
		c0, c1, c2, c3 := int32(prev[0]), int32(prev[1]), int32(prev[2]), int32(prev[3])
		for i := 4; i+4 <= n; i += 4 {
			s, p, d := src[i:i+4:i+4], prev[i:i+4:i+4], dst[i:i+4:i+4]
			b0, b1, b2, b3 := int32(p[0]), int32(p[1]), int32(p[2]), int32(p[3])
			a0 = (int32(s[0]) + paeth32(a0, b0, c0)) & 0xFF
			a1 = (int32(s[1]) + paeth32(a1, b1, c1)) & 0xFF
			a2 = (int32(s[2]) + paeth32(a2, b2, c2)) & 0xFF
			a3 = (int32(s[3]) + paeth32(a3, b3, c3)) & 0xFF
			d[0], d[1], d[2], d[3] = byte(a0), byte(a1), byte(a2), byte(a3)
			c0, c1, c2, c3 = b0, b1, b2, b3
		}
	case 3:
		a0, a1, a2 := int32(dst[0]), int32(dst[1]), int32(dst[2])
		c0, c1, c2 := int32(prev[0]), int32(prev[1]), int32(prev[2])
		for i := 3; i+3 <= n; i += 3 {
			s, p, d := src[i:i+3:i+3], prev[i:i+3:i+3], dst[i:i+3:i+3]
			b0, b1, b2 := int32(p[0]), int32(p[1]), int32(p[2])
			a0 = (int32(s[0]) + paeth32(a0, b0, c0)) & 0xFF
			a1 = (int32(s[1]) + paeth32(a1, b1, c1)) & 0xFF
			a2 = (int32(s[2]) + paeth32(a2, b2, c2)) & 0xFF
			d[0], d[1], d[2] = byte(a0), byte(a1), byte(a2)
			c0, c1, c2 = b0, b1, b2
		}
	default:
		for i := bpp; i < n; i++ {
			dst[i] = src[i] + uint8(paeth32(int32(dst[i-bpp]), int32(prev[i]), int32(prev[i-bpp])))
		}
	}
}

// paeth32 is the Paeth predictor (PNG 9.4) of left a, above b and upper
// left c: whichever is closest to a + b - c, preferring a, then b.
func paeth32(a, b, c int32) int32 {
	pa, pb := b-c, a-c // |p-a|, |p-b| before the absolute value
	pc := pa + pb
	pa = (pa ^ pa>>31) - pa>>31
	pb = (pb ^ pb>>31) - pb>>31
	pc = (pc ^ pc>>31) - pc>>31
	r, m := a, pa
	if pb < m {
		r, m = b, pb
	}
	if pc < m {
		r = c
	}
	return r
}
