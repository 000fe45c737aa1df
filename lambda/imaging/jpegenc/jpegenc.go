// Package jpegenc is a baseline JPEG encoder for imaging's planes, written
// from ITU T.81. It takes 8-bit YCbCr (or grey) planes as they are, so no
// RGB round trip happens, and makes files small with Huffman tables built
// for each image (two passes: quantise and count, then code). Colour
// images are written 4:2:0, like image/jpeg's encoder, with the Annex K
// quantisation tables scaled by quality the way libjpeg and image/jpeg
// scale them. The file holds no metadata at all (no JFIF, Exif or comment
// segment), except an ICC profile when one is given.
package jpegenc

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync"
)

// Plane is one 8-bit channel: W×H samples, rows Stride bytes apart.
type Plane struct {
	Pix          []byte
	W, H, Stride int
}

// Image is what Encode encodes: a luma plane and, unless Gray, two chroma
// planes that are either full size or already subsampled 2×2 to
// ceil(W/2)×ceil(H/2) (JFIF centring: a chroma sample covers a 2×2 luma
// block).
type Image struct {
	Y, Cb, Cr Plane
	Gray      bool
}

// Options are the encoding parameters.
type Options struct {
	Quality int    // 1..100, as image/jpeg and libjpeg interpret it
	ICC     []byte // an ICC profile to embed (APP2 ICC_PROFILE chunks); nil for none
}

// MaxICC is the largest profile that fits in the 255 chunks JPEG allows.
const MaxICC = 255 * iccChunk

// iccChunk is the profile bytes per APP2 segment: 65535 less the length
// field (2), "ICC_PROFILE\x00" (12) and the chunk number and count (2).
const iccChunk = 65535 - 2 - 14

// Encode returns img as a baseline JPEG.
func Encode(img *Image, o Options) ([]byte, error) {
	if err := check(img, o); err != nil {
		return nil, err
	}
	e := newEncoder(img, o.Quality)
	defer e.release()
	e.transform()
	e.buildTables()
	out := make([]byte, 0, e.estimate()+len(o.ICC)+len(o.ICC)/iccChunk*18+1024)
	out = append(out, 0xFF, 0xD8)
	out = appendICC(out, o.ICC)
	out = e.appendHeaders(out)
	out = e.appendScan(out)
	return append(out, 0xFF, 0xD9), nil
}

func check(img *Image, o Options) error {
	if o.Quality < 1 || o.Quality > 100 {
		return fmt.Errorf("jpegenc: quality %d is outside 1..100", o.Quality)
	}
	if len(o.ICC) > MaxICC {
		return fmt.Errorf("jpegenc: ICC profile of %d bytes is over the %d bytes that fit in 255 APP2 segments", len(o.ICC), MaxICC)
	}
	w, h := img.Y.W, img.Y.H
	if w < 1 || h < 1 || w > 65535 || h > 65535 {
		return fmt.Errorf("jpegenc: %dx%d: each edge must be between 1 and 65535 pixels", w, h)
	}
	planes := []struct {
		name string
		p    Plane
	}{{"Y", img.Y}}
	if !img.Gray {
		cw, ch := img.Cb.W, img.Cb.H
		full := cw == w && ch == h
		half := cw == (w+1)/2 && ch == (h+1)/2
		if !full && !half {
			return fmt.Errorf("jpegenc: chroma %dx%d for luma %dx%d: want the same size or ceil(W/2)xceil(H/2)", cw, ch, w, h)
		}
		if img.Cr.W != cw || img.Cr.H != ch {
			return fmt.Errorf("jpegenc: Cb is %dx%d but Cr is %dx%d", cw, ch, img.Cr.W, img.Cr.H)
		}
		planes = append(planes, struct {
			name string
			p    Plane
		}{"Cb", img.Cb}, struct {
			name string
			p    Plane
		}{"Cr", img.Cr})
	}
	for _, pl := range planes {
		p := pl.p
		if p.Stride < p.W || len(p.Pix) < (p.H-1)*p.Stride+p.W {
			return fmt.Errorf("jpegenc: %s plane of %dx%d with stride %d has only %d bytes", pl.name, p.W, p.H, p.Stride, len(p.Pix))
		}
	}
	return nil
}

// zigzag maps a zigzag index to its natural (row-major) position.
var zigzag [64]int

func init() {
	k := 0
	for d := 0; d < 15; d++ { // anti-diagonals u+v = d
		for i := 0; i <= d; i++ {
			v, u := i, d-i // odd diagonals run down-left
			if d%2 == 0 {
				v, u = d-i, i // even diagonals run up-right
			}
			if u < 8 && v < 8 {
				zigzag[k] = v*8 + u
				k++
			}
		}
	}
}

// Annex K tables K.1 (luminance) and K.2 (chrominance), natural order.
var baseQuant = [2][64]uint8{{
	16, 11, 10, 16, 24, 40, 51, 61,
	12, 12, 14, 19, 26, 58, 60, 55,
	14, 13, 16, 24, 40, 57, 69, 56,
	14, 17, 22, 29, 51, 87, 80, 62,
	18, 22, 37, 56, 68, 109, 103, 77,
	24, 35, 55, 64, 81, 104, 113, 92,
	49, 64, 78, 87, 103, 121, 120, 101,
	72, 92, 95, 98, 112, 100, 103, 99,
}, {
	17, 18, 24, 47, 99, 99, 99, 99,
	18, 21, 26, 66, 99, 99, 99, 99,
	24, 26, 56, 99, 99, 99, 99, 99,
	47, 66, 99, 99, 99, 99, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99,
}}

// quantTable scales table t for quality (libjpeg's rule: 5000/q below 50,
// 200-2q from 50) in zigzag order, clamped to 1..255 for baseline.
func quantTable(t, quality int) [64]uint8 {
	scale := 200 - 2*quality
	if quality < 50 {
		scale = 5000 / quality
	}
	var q [64]uint8
	for k := range 64 {
		v := (int(baseQuant[t][zigzag[k]])*scale + 50) / 100
		q[k] = uint8(min(max(v, 1), 255))
	}
	return q
}

// component is one colour component as coded.
type component struct {
	plane  Plane // the samples coded (chroma subsampled already)
	h, v   int   // sampling factors
	table  int   // quantisation and Huffman table: 0 luma, 1 chroma
	bw, bh int   // blocks per row and column of the MCU-padded component
}

// encoder holds one image's quantised coefficients between the passes.
type encoder struct {
	comps    []component
	mcusX    int
	mcusY    int
	perMCU   int // blocks per MCU
	quant    [2]*quantizer
	coef     []int16  // 64 per block, zigzag order, in scan order
	mask     []uint64 // nonzero coefficients per block
	dcSpec   [2]huffSpec
	acSpec   [2]huffSpec
	dcCode   [2]*huffCode
	acCode   [2]*huffCode
	scratch  []byte // subsampled chroma
	w, h     int
	blocks   int
	tables   int
	compOf   []uint8 // component of each block of an MCU
	estimate func() int
}

var coefPool, maskPool, bytePool sync.Pool

func getInt16(n int) []int16 {
	if p, ok := coefPool.Get().(*[]int16); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]int16, n)
}

func getUint64(n int) []uint64 {
	if p, ok := maskPool.Get().(*[]uint64); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]uint64, n)
}

func getBytes(n int) []byte {
	if p, ok := bytePool.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n)
}

func (e *encoder) release() {
	coefPool.Put(&e.coef)
	maskPool.Put(&e.mask)
	if e.scratch != nil {
		bytePool.Put(&e.scratch)
	}
}

func newEncoder(img *Image, quality int) *encoder {
	e := &encoder{w: img.Y.W, h: img.Y.H}
	if img.Gray {
		e.tables = 1
		e.comps = []component{{plane: img.Y, h: 1, v: 1, table: 0}}
		e.mcusX, e.mcusY = (e.w+7)/8, (e.h+7)/8
	} else {
		e.tables = 2
		cb, cr := img.Cb, img.Cr
		if cb.W == e.w && cb.H == e.h && (e.w > 1 || e.h > 1) {
			cw, ch := (e.w+1)/2, (e.h+1)/2
			e.scratch = getBytes(2 * cw * ch)
			cb = subsample(cb, e.scratch[:cw*ch], cw, ch)
			cr = subsample(cr, e.scratch[cw*ch:], cw, ch)
		}
		e.comps = []component{
			{plane: img.Y, h: 2, v: 2, table: 0},
			{plane: cb, h: 1, v: 1, table: 1},
			{plane: cr, h: 1, v: 1, table: 1},
		}
		e.mcusX, e.mcusY = (e.w+15)/16, (e.h+15)/16
	}
	for i := range e.comps {
		c := &e.comps[i]
		c.bw, c.bh = e.mcusX*c.h, e.mcusY*c.v
		e.perMCU += c.h * c.v
		for range c.h * c.v {
			e.compOf = append(e.compOf, uint8(i))
		}
	}
	for t := range e.tables {
		q := quantTable(t, quality)
		e.quant[t] = newQuantizer(&q)
	}
	e.blocks = e.perMCU * e.mcusX * e.mcusY
	e.coef = getInt16(64 * e.blocks)
	e.mask = getUint64(e.blocks)
	return e
}

// subsample averages 2×2 blocks of the full-size plane p into a w×h plane
// in dst (an odd last row or column averages the samples it has).
func subsample(p Plane, dst []byte, w, h int) Plane {
	for y := range h {
		r0 := p.Pix[2*y*p.Stride:]
		r1 := r0
		if 2*y+1 < p.H {
			r1 = p.Pix[(2*y+1)*p.Stride:]
		}
		out := dst[y*w : y*w+w]
		full := p.W / 2
		r0, r1 = r0[:2*full+p.W%2], r1[:2*full+p.W%2]
		for x := range full {
			s := uint32(r0[2*x]) + uint32(r0[2*x+1]) + uint32(r1[2*x]) + uint32(r1[2*x+1])
			out[x] = uint8((s + 2) >> 2)
		}
		if full < w {
			s := uint32(r0[2*full]) + uint32(r1[2*full])
			out[full] = uint8((s + 1) >> 1)
		}
	}
	return Plane{Pix: dst, W: w, H: h, Stride: w}
}

// load level-shifts the 8×8 block at sample (x0, y0) of p into b,
// repeating the last row and column past the plane's edges.
func load(p Plane, x0, y0 int, b *[64]float32) {
	if x0+8 <= p.W && y0+8 <= p.H {
		for y := range 8 {
			r := p.Pix[(y0+y)*p.Stride+x0:]
			r = r[:8]
			o := b[8*y : 8*y+8 : 8*y+8]
			for x := range 8 {
				o[x] = float32(int32(r[x]) - 128)
			}
		}
		return
	}
	for y := range 8 {
		sy := min(y0+y, p.H-1)
		r := p.Pix[sy*p.Stride : sy*p.Stride+p.W]
		for x := range 8 {
			b[8*y+x] = float32(int32(r[min(x0+x, p.W-1)]) - 128)
		}
	}
}

// transform runs the first pass: every block is transformed, quantised
// and stored, MCU rows spread over the available CPUs.
func (e *encoder) transform() {
	rowBlocks := e.perMCU * e.mcusX
	work := func(lo, hi int) {
		var b [64]float32
		for my := lo; my < hi; my++ {
			n := my * rowBlocks
			for mx := 0; mx < e.mcusX; mx++ {
				for ci := range e.comps {
					c := &e.comps[ci]
					q := e.quant[c.table]
					for v := range c.v {
						for h := range c.h {
							load(c.plane, (mx*c.h+h)*8, (my*c.v+v)*8, &b)
							fdct(&b)
							e.mask[n] = q.quantize(&b, e.coef[64*n:64*n+64])
							n++
						}
					}
				}
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), e.mcusY/4)
	if workers <= 1 {
		work(0, e.mcusY)
		return
	}
	var wg sync.WaitGroup
	per := (e.mcusY + workers - 1) / workers
	for lo := 0; lo < e.mcusY; lo += per {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(lo, min(lo+per, e.mcusY))
		}()
	}
	wg.Wait()
}

// category is the number of magnitude bits of v (T.81 F.1.2.1).
func category(v int32) uint {
	if v < 0 {
		v = -v
	}
	return uint(bits.Len32(uint32(v)))
}

// magnitude is the s low bits that code v (negative values as v-1).
func magnitude(v int32, s uint) uint32 {
	if v < 0 {
		v--
	}
	return uint32(v) & (1<<s - 1)
}

// buildTables counts the symbols of every block and builds the optimal
// Huffman tables from the counts.
func (e *encoder) buildTables() {
	var dcFreq, acFreq [2][256]uint32
	var pred [3]int32
	for n := 0; n < e.blocks; n++ {
		ci := e.compOf[n%e.perMCU]
		t := e.comps[ci].table
		blk := e.coef[64*n : 64*n+64]
		dcFreq[t][category(int32(blk[0])-pred[ci])]++
		pred[ci] = int32(blk[0])
		ac := &acFreq[t]
		m := e.mask[n] &^ 1
		last := 0
		for m != 0 {
			k := bits.TrailingZeros64(m)
			m &= m - 1
			run := k - last - 1
			for run > 15 {
				ac[0xF0]++
				run -= 16
			}
			ac[run<<4|int(category(int32(blk[k])))]++
			last = k
		}
		if last != 63 {
			ac[0x00]++
		}
	}
	for t := range e.tables {
		e.dcSpec[t] = optimalSpec(&dcFreq[t])
		e.acSpec[t] = optimalSpec(&acFreq[t])
		e.dcCode[t] = e.dcSpec[t].codes()
		e.acCode[t] = e.acSpec[t].codes()
	}
	// The coded size is known now, give or take stuffing.
	var total uint64
	for t := range e.tables {
		for s, f := range dcFreq[t] {
			total += uint64(f) * uint64(e.dcCode[t][s]>>16+uint32(s))
		}
		for s, f := range acFreq[t] {
			total += uint64(f) * uint64(e.acCode[t][s]>>16+uint32(s&15))
		}
	}
	e.estimate = func() int { return int(total/8) + int(total/8)/128 + 16 }
}

func (e *encoder) appendHeaders(out []byte) []byte {
	// DQT: every table in one segment.
	out = append(out, 0xFF, 0xDB, 0, byte(2+65*e.tables))
	for t := range e.tables {
		out = append(out, byte(t))
		out = append(out, e.quant[t].q[:]...)
	}
	// SOF0.
	nc := len(e.comps)
	out = append(out, 0xFF, 0xC0, 0, byte(8+3*nc), 8, byte(e.h>>8), byte(e.h), byte(e.w>>8), byte(e.w), byte(nc))
	for i, c := range e.comps {
		out = append(out, byte(i+1), byte(c.h<<4|c.v), byte(c.table))
	}
	// DHT: every table in one segment.
	n := 2
	for t := range e.tables {
		n += 2*17 + len(e.dcSpec[t].vals) + len(e.acSpec[t].vals)
	}
	out = append(out, 0xFF, 0xC4, byte(n>>8), byte(n))
	for t := range e.tables {
		for class, s := range []*huffSpec{&e.dcSpec[t], &e.acSpec[t]} {
			out = append(out, byte(class<<4|t))
			out = append(out, s.counts[:]...)
			out = append(out, s.vals...)
		}
	}
	// SOS.
	out = append(out, 0xFF, 0xDA, 0, byte(6+2*nc), byte(nc))
	for i, c := range e.comps {
		out = append(out, byte(i+1), byte(c.table<<4|c.table))
	}
	return append(out, 0, 63, 0)
}

// appendScan runs the second pass: the entropy-coded data.
func (e *encoder) appendScan(out []byte) []byte {
	w := bitWriter{buf: out}
	var pred [3]int32
	for n := 0; n < e.blocks; n++ {
		ci := e.compOf[n%e.perMCU]
		t := e.comps[ci].table
		dc, ac := e.dcCode[t], e.acCode[t]
		blk := e.coef[64*n : 64*n+64]
		d := int32(blk[0]) - pred[ci]
		pred[ci] = int32(blk[0])
		s := category(d)
		c := dc[s]
		w.put(c&0xFFFF<<s|magnitude(d, s), uint(c>>16)+s)
		m := e.mask[n] &^ 1
		last := 0
		for m != 0 {
			k := bits.TrailingZeros64(m)
			m &= m - 1
			run := k - last - 1
			for run > 15 {
				z := ac[0xF0]
				w.put(z&0xFFFF, uint(z>>16))
				run -= 16
			}
			v := int32(blk[k])
			s := category(v)
			c := ac[run<<4|int(s)]
			w.put(c&0xFFFF<<s|magnitude(v, s), uint(c>>16)+s)
			last = k
		}
		if last != 63 {
			z := ac[0x00]
			w.put(z&0xFFFF, uint(z>>16))
		}
	}
	w.flush()
	return w.buf
}

// appendICC writes profile as APP2 ICC_PROFILE segments (ICC.1 B.4).
func appendICC(out, profile []byte) []byte {
	if len(profile) == 0 {
		return out
	}
	count := (len(profile) + iccChunk - 1) / iccChunk
	for i := range count {
		chunk := profile[i*iccChunk : min((i+1)*iccChunk, len(profile))]
		n := 2 + 14 + len(chunk)
		out = append(out, 0xFF, 0xE2, byte(n>>8), byte(n))
		out = append(out, "ICC_PROFILE\x00"...)
		out = append(out, byte(i+1), byte(count))
		out = append(out, chunk...)
	}
	return out
}
