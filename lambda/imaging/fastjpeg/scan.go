package fastjpeg

import "runtime"

// scan is one parsed SOS header.
type scan struct {
	n      int
	comp   [4]int // indices into decoder.comp
	td, ta [4]uint8
	ss, se int
	ah, al uint
}

func (d *decoder) parseSOSAndScan() error {
	p, err := d.segment("SOS")
	if err != nil {
		return err
	}
	if len(p) < 1 {
		return corrupt("SOS segment too short")
	}
	var sc scan
	sc.n = int(p[0])
	if sc.n < 1 || sc.n > d.ncomp || len(p) != 4+2*sc.n {
		return corrupt("SOS segment with %d components", sc.n)
	}
	blocks := 0
	for i := 0; i < sc.n; i++ {
		id := p[1+2*i]
		ci := -1
		for j := 0; j < d.ncomp; j++ {
			if d.comp[j].id == id {
				ci = j
			}
		}
		if ci < 0 {
			return corrupt("SOS names unknown component %d", id)
		}
		for j := 0; j < i; j++ {
			if sc.comp[j] == ci {
				return corrupt("SOS repeats component %d", id)
			}
		}
		sc.comp[i] = ci
		sc.td[i], sc.ta[i] = p[2+2*i]>>4, p[2+2*i]&15
		if sc.td[i] > 3 || sc.ta[i] > 3 {
			return corrupt("SOS selects Huffman table %d/%d", sc.td[i], sc.ta[i])
		}
		blocks += d.comp[ci].h * d.comp[ci].v
	}
	if sc.n > 1 && blocks > 10 {
		return corrupt("MCU of %d blocks", blocks)
	}
	q := p[1+2*sc.n:]
	sc.ss, sc.se = int(q[0]), int(q[1])
	sc.ah, sc.al = uint(q[2]>>4), uint(q[2]&15)
	if d.progressive {
		switch {
		case sc.ss > sc.se || sc.se > 63 || sc.al > 13 || sc.ah > 13:
			return corrupt("progressive scan with spectral range %d..%d, bits %d/%d", sc.ss, sc.se, sc.ah, sc.al)
		case sc.ss == 0 && sc.se != 0:
			return corrupt("progressive DC scan with AC coefficients")
		case sc.ss > 0 && sc.n != 1:
			return corrupt("progressive AC scan with %d components", sc.n)
		}
	} else if sc.ss != 0 || sc.se != 63 || sc.ah != 0 || sc.al != 0 {
		return corrupt("sequential scan with spectral range %d..%d", sc.ss, sc.se)
	}
	for i := 0; i < sc.n; i++ {
		ci := sc.comp[i]
		if !d.quantSet[d.comp[ci].tq] {
			return corrupt("component %d uses undefined quantization table %d", i, d.comp[ci].tq)
		}
		needDC := !d.progressive || (sc.ss == 0 && sc.ah == 0)
		needAC := !d.progressive || sc.ss > 0
		if needDC && !d.dcSet[sc.td[i]] {
			return corrupt("scan uses undefined DC Huffman table %d", sc.td[i])
		}
		if needAC && !d.acSet[sc.ta[i]] {
			return corrupt("scan uses undefined AC Huffman table %d", sc.ta[i])
		}
	}
	if err := d.allocate(); err != nil {
		return err
	}
	start := d.pos
	if d.progressive && sc.ss > 0 && d.keep == 1 {
		// At 1/8 scale only DC matters: skip AC scans without decoding.
		d.pos = nextMarker(d.data, start, true)
		return nil
	}
	if d.progressive {
		// Progressive scans are decoded after the last marker, several at
		// a time (see runScans): note where this one starts and the tables
		// it uses, and skip its data.
		job := progScan{sc: sc, start: start, ri: d.ri}
		for i := 0; i < sc.n; i++ {
			if sc.ss == 0 && sc.ah == 0 {
				job.dc[i] = d.dcTab[sc.td[i]]
			}
		}
		if sc.ss > 0 {
			job.ac = d.acTab[sc.ta[0]]
		}
		d.pending = append(d.pending, &job)
		d.pos = nextMarker(d.data, start, true)
		return nil
	}
	d.br.reset(d.data, start)
	d.eobrun = 0
	if err := d.decodeBaseline(&sc); err != nil {
		return err
	}
	// Resume marker parsing after the entropy-coded data.
	p0 := d.br.pos
	if !d.br.marker {
		p0 = nextMarker(d.data, p0, true)
	}
	d.pos = p0
	return nil
}

// allocate makes the output planes (sequential) or coefficient stores
// (progressive) once, after checking that the dimensions are plausible for
// the amount of data: every block of a component costs at least one bit.
func (d *decoder) allocate() error {
	if d.allocated {
		return nil
	}
	minBlocks := -1
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		cw := (d.width*c.h + d.hmax - 1) / d.hmax
		ch := (d.height*c.v + d.vmax - 1) / d.vmax
		n := ((cw + 7) / 8) * ((ch + 7) / 8)
		if minBlocks < 0 || n < minBlocks {
			minBlocks = n
		}
	}
	if minBlocks > 8*len(d.data) {
		return corrupt("%dx%d image cannot fit in %d bytes (truncated?)", d.width, d.height, len(d.data))
	}
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		if d.progressive {
			c.coef = make([]int16, c.bw*c.bh*d.keep)
			if d.keep > 1 {
				c.mask = make([]uint64, c.bw*c.bh)
			}
		} else {
			c.stride = c.bw * d.bs
			c.plane = make([]byte, c.stride*c.bh*d.bs)
		}
	}
	d.allocated = true
	return nil
}

// restart handles a restart marker between intervals: it drops the
// buffered bits, consumes the RSTn marker and resets the predictors.
func (d *decoder) restart(pred *[4]int32) {
	br := &d.br
	p := br.pos
	if !br.marker {
		p = nextMarker(d.data, p, false)
	}
	br.acc, br.n, br.padEOF = 0, 0, 0
	switch {
	case p+1 < len(d.data) && d.data[p+1] >= mRST0 && d.data[p+1] <= mRST7:
		br.pos, br.marker = p+2, false
	case p >= len(d.data):
		br.pos, br.marker = len(d.data), false
	default:
		// Some other marker: the interval is short. Feed zeros, as libjpeg
		// does, rather than reading the next segment as image data.
		br.pos, br.marker = p, true
	}
	*pred = [4]int32{}
	d.eobrun = 0
}

func (d *decoder) checkReader() error {
	if d.br.bad {
		return corrupt("invalid Huffman code or coefficient index")
	}
	if d.br.truncated() {
		return truncated("image data cut short")
	}
	return nil
}

// decodeBaseline decodes a sequential scan into the planes. The entropy
// decoding is inherently serial; the inverse DCTs of one row of blocks run
// on another goroutine while the next row is decoded (see emitter).
func (d *decoder) decodeBaseline(sc *scan) error {
	var pred [4]int32
	br := &d.br
	bs := d.bs
	if sc.n == 1 {
		c := &d.comp[sc.comp[0]]
		cw := (d.width*c.h + d.hmax - 1) / d.hmax
		ch := (d.height*c.v + d.vmax - 1) / d.vmax
		bx, by := (cw+7)/8, (ch+7)/8
		dct, act, q := &d.dcTab[sc.td[0]], &d.acTab[sc.ta[0]], &d.quant[c.tq]
		e := d.newEmitter(bx, by)
		defer e.close()
		n := 0
		for y := 0; y < by; y++ {
			row := c.plane[y*bs*c.stride:]
			for x := 0; x < bx; x++ {
				if d.ri > 0 && n > 0 && n%d.ri == 0 {
					d.restart(&pred)
				}
				n++
				p := e.slot()
				p.ac = d.decodeBlock(br, dct, act, &pred[0], q, &p.blk)
				p.dst, p.stride = row[x*bs:], c.stride
				e.put(p)
			}
			if err := d.checkReader(); err != nil {
				return err
			}
			e.endRow()
		}
		return nil
	}
	if d.canSpeculate(sc) {
		if handled, err := d.decodeBaselineSpec(sc); handled {
			return err
		}
	}
	return d.decodeBaselineSeq(sc)
}

// decodeBaselineSeq decodes an interleaved sequential scan from the
// reader's position, one MCU after another.
func (d *decoder) decodeBaselineSeq(sc *scan) error {
	var pred [4]int32
	br := &d.br
	bs := d.bs
	perMCU := 0
	for i := 0; i < sc.n; i++ {
		perMCU += d.comp[sc.comp[i]].h * d.comp[sc.comp[i]].v
	}
	e := d.newEmitter(perMCU*d.mcusX, d.mcusY)
	defer e.close()
	n := 0
	for my := 0; my < d.mcusY; my++ {
		for mx := 0; mx < d.mcusX; mx++ {
			if d.ri > 0 && n > 0 && n%d.ri == 0 {
				d.restart(&pred)
			}
			n++
			for i := 0; i < sc.n; i++ {
				c := &d.comp[sc.comp[i]]
				dct, act, q := &d.dcTab[sc.td[i]], &d.acTab[sc.ta[i]], &d.quant[c.tq]
				for v := 0; v < c.v; v++ {
					off := ((my*c.v+v)*bs)*c.stride + mx*c.h*bs
					for h := 0; h < c.h; h++ {
						p := e.slot()
						p.ac = d.decodeBlock(br, dct, act, &pred[i], q, &p.blk)
						p.dst, p.stride = c.plane[off+h*bs:], c.stride
						e.put(p)
					}
				}
			}
		}
		if err := d.checkReader(); err != nil {
			return err
		}
		e.endRow()
	}
	return nil
}

// decoded is one entropy-decoded block waiting for its inverse DCT.
type decoded struct {
	blk    [64]int32
	ac     bool
	dst    []byte
	stride int
}

// emitter runs the inverse DCTs of decoded blocks: at once (one CPU, or a
// small image), or a row of blocks at a time on a second goroutine, with
// three row buffers in rotation.
type emitter struct {
	d          *decoder
	one        decoded // synchronous mode
	cur        []decoded
	n          int
	free, full chan []decoded
	done       chan struct{}
}

// asyncMinBlocks is the size below which handing rows to another
// goroutine costs more than it saves.
const asyncMinBlocks = 4096

func (d *decoder) newEmitter(perRow, rows int) *emitter {
	e := &emitter{d: d}
	if runtime.GOMAXPROCS(0) < 2 || perRow*rows < asyncMinBlocks || rows < 4 {
		return e
	}
	e.free, e.full, e.done = make(chan []decoded, 3), make(chan []decoded, 3), make(chan struct{})
	for i := 0; i < 2; i++ {
		e.free <- make([]decoded, perRow)
	}
	e.cur = make([]decoded, perRow)
	go func() {
		defer close(e.done)
		for row := range e.full {
			for i := range row {
				p := &row[i]
				d.emit(&p.blk, p.ac, p.dst, p.stride)
			}
			e.free <- row[:cap(row)]
		}
	}()
	return e
}

// slot returns where to decode the next block.
func (e *emitter) slot() *decoded {
	if e.cur == nil {
		return &e.one
	}
	p := &e.cur[e.n]
	e.n++
	return p
}

// put hands over a decoded block.
func (e *emitter) put(p *decoded) {
	if e.cur == nil {
		e.d.emit(&p.blk, p.ac, p.dst, p.stride)
	}
}

// endRow ends a row of blocks.
func (e *emitter) endRow() {
	if e.cur == nil {
		return
	}
	e.full <- e.cur[:e.n]
	e.cur, e.n = <-e.free, 0
}

// close waits for the outstanding rows.
func (e *emitter) close() {
	if e.cur == nil {
		return
	}
	if e.n > 0 { // a row cut short by an error: its blocks must still be cleared
		e.full <- e.cur[:e.n]
	}
	close(e.full)
	<-e.done
	e.cur = nil
}

// decodeBlock decodes one sequential block, dequantizing the coefficients
// the output scale needs into blk (bs x bs, natural order). It reports
// whether any kept AC coefficient is nonzero; blk is left zero except for
// the entries it sets, which emit clears. The bit buffer lives in local
// variables for the duration, so that it stays in registers.
func (d *decoder) decodeBlock(br *bitReader, dct, act *huffTable, pred *int32, q *[64]int32, blk *[64]int32) bool {
	acc, n := br.acc, br.n
	var ok bool
	if n < 32 {
		if acc, n, ok = br.refillFast(acc, n); !ok {
			acc, n = br.refill(acc, n)
		}
	}
	var s uint8
	if e := dct.fast[acc>>(64-fastBits)]; e != 0 {
		l := uint(e >> 8)
		acc <<= l
		n -= l
		s = uint8(e)
	} else {
		s, acc, n = br.decodeSlowLocal(dct, acc, n)
	}
	if s > 15 {
		br.bad = true
		s = 0
	}
	if s != 0 {
		v := int32(acc >> (64 - uint(s)))
		acc <<= s
		n -= uint(s)
		if v < 1<<(s-1) {
			v += -1<<s + 1
		}
		*pred += v
	}
	blk[0] = *pred * q[0]
	ac := false
	place := &d.place
	keep := d.keep
	k := 1
	for k < keep {
		if n < 32 {
			if acc, n, ok = br.refillFast(acc, n); !ok {
				acc, n = br.refill(acc, n)
			}
		}
		if f := act.ac[acc>>(64-fastBits)]; f != 0 {
			k += int(f>>8) & 0xFF
			l := uint(f & 0xFF)
			acc <<= l
			n -= l
			if k > 63 {
				br.bad = true
				return d.endBlock(br, acc, n, ac)
			}
			if p := place[k]; p >= 0 {
				blk[p] = (f >> 16) * q[k]
				ac = true
			}
			k++
			continue
		}
		var rs uint8
		if e := act.fast[acc>>(64-fastBits)]; e != 0 {
			l := uint(e >> 8)
			acc <<= l
			n -= l
			rs = uint8(e)
		} else {
			rs, acc, n = br.decodeSlowLocal(act, acc, n)
		}
		r, s := int(rs>>4), uint(rs&15)
		if s == 0 {
			if r != 15 {
				return d.endBlock(br, acc, n, ac)
			}
			k += 16
			continue
		}
		k += r
		if k > 63 {
			br.bad = true
			return d.endBlock(br, acc, n, ac)
		}
		v := int32(acc >> (64 - s))
		acc <<= s
		n -= s
		if v < 1<<(s-1) {
			v += -1<<s + 1
		}
		if p := place[k]; p >= 0 {
			blk[p] = v * q[k]
			ac = true
		}
		k++
	}
	// Past the coefficients this scale keeps: pass over the rest without
	// computing their values.
	for k < 64 {
		if n < 32 {
			if acc, n, ok = br.refillFast(acc, n); !ok {
				acc, n = br.refill(acc, n)
			}
		}
		if e := act.skip[acc>>(64-fastBits)]; e != 0 {
			l := uint(e & 0xFF)
			acc <<= l
			n -= l
			switch e >> 16 {
			case skipCoef:
				k += int(e>>8) & 0xFF
				if k > 63 {
					br.bad = true
					return d.endBlock(br, acc, n, ac)
				}
				k++
			case skipZRL:
				k += 16
			default:
				return d.endBlock(br, acc, n, ac)
			}
			continue
		}
		var rs uint8
		rs, acc, n = br.decodeSlowLocal(act, acc, n)
		r, s := int(rs>>4), uint(rs&15)
		if s == 0 {
			if r != 15 {
				break
			}
			k += 16
			continue
		}
		k += r
		if k > 63 {
			br.bad = true
			break
		}
		acc <<= s
		n -= s
		k++
	}
	return d.endBlock(br, acc, n, ac)
}

// endBlock stores the bit buffer back and returns decodeBlock's result.
func (d *decoder) endBlock(br *bitReader, acc uint64, n uint, ac bool) bool {
	br.acc, br.n = acc, n
	return ac
}

// emit writes one decoded block to the plane at dst and clears blk.
func (d *decoder) emit(blk *[64]int32, ac bool, dst []byte, stride int) {
	bs := d.bs
	if !ac {
		v := clampDC(blk[0])
		for y := 0; y < bs; y++ {
			row := dst[y*stride : y*stride+bs]
			for x := range row {
				row[x] = v
			}
		}
		blk[0] = 0
		return
	}
	switch bs {
	case 8:
		idct8(blk, dst, stride)
		*blk = [64]int32{}
	case 4:
		idct4(blk, dst, stride)
		clear(blk[:16])
	case 2:
		idct2(blk, dst, stride)
		clear(blk[:4])
	}
}
