package fastjpeg

import (
	"math/bits"
	"runtime"
	"sync"
)

// progScan is a progressive scan waiting to be decoded, with the Huffman
// tables in force when it was read (a DHT may redefine them before the
// next scan).
type progScan struct {
	sc    scan
	start int
	ri    int
	dc    [4]huffTable // by scan component, for DC first scans
	ac    huffTable    // for AC scans
}

// runScans decodes the pending progressive scans. Scans of different
// components, and DC and AC scans of one component, touch disjoint
// coefficients, so they are split into independent groups (all DC scans;
// the AC scans of each component), each decoded in file order by its own
// goroutine with its own copy of the decoder's scan state.
func (d *decoder) runScans() error {
	if len(d.pending) == 0 {
		return nil
	}
	var groups [5][]*progScan // 0: DC, 1+i: AC of component i
	for _, j := range d.pending {
		g := 0
		if j.sc.ss > 0 {
			g = 1 + j.sc.comp[0]
		}
		groups[g] = append(groups[g], j)
	}
	d.pending = nil
	var errs [5]error
	run := func(g int) {
		w := *d // shares the coefficient stores, owns bit reader and tables
		w.pending = nil
		for _, j := range groups[g] {
			for i := 0; i < j.sc.n; i++ {
				w.dcTab[j.sc.td[i]] = j.dc[i]
			}
			w.acTab[j.sc.ta[0]] = j.ac
			w.ri = j.ri
			w.br.reset(w.data, j.start)
			w.eobrun = 0
			if err := w.decodeProgressive(&j.sc); err != nil {
				errs[g] = err
				return
			}
		}
	}
	if runtime.GOMAXPROCS(0) == 1 {
		for g := range groups {
			run(g)
		}
	} else {
		var wg sync.WaitGroup
		for g := range groups {
			if len(groups[g]) > 0 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					run(g)
				}()
			}
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeProgressive decodes one progressive scan into the coefficient
// stores.
func (d *decoder) decodeProgressive(sc *scan) error {
	var pred [4]int32
	if sc.n > 1 {
		// Interleaved DC scan over MCUs. A one-component scan, DC or AC,
		// walks the component's own blocks instead.
		n := 0
		for my := 0; my < d.mcusY; my++ {
			for mx := 0; mx < d.mcusX; mx++ {
				if d.ri > 0 && n > 0 && n%d.ri == 0 {
					d.restart(&pred)
				}
				n++
				for i := 0; i < sc.n; i++ {
					c := &d.comp[sc.comp[i]]
					for v := 0; v < c.v; v++ {
						for h := 0; h < c.h; h++ {
							b := (my*c.v+v)*c.bw + mx*c.h + h
							d.decodeDC(sc, i, &pred[i], c.coef[b*d.keep:])
						}
					}
				}
			}
			if err := d.checkReader(); err != nil {
				return err
			}
		}
		return nil
	}
	c := &d.comp[sc.comp[0]]
	cw := (d.width*c.h + d.hmax - 1) / d.hmax
	ch := (d.height*c.v + d.vmax - 1) / d.vmax
	bx, by := (cw+7)/8, (ch+7)/8
	n := 0
	for y := 0; y < by; y++ {
		for x := 0; x < bx; x++ {
			if d.ri > 0 && n > 0 && n%d.ri == 0 {
				d.restart(&pred)
			}
			n++
			b := y*c.bw + x
			coef := c.coef[b*d.keep : (b+1)*d.keep]
			if sc.ss == 0 {
				d.decodeDC(sc, 0, &pred[0], coef)
				continue
			}
			// AC scans are skipped at scale 8, so c.mask exists here.
			mask := &c.mask[b]
			switch {
			case sc.ah == 0 && d.eobrun > 0:
				d.eobrun-- // inside an end-of-band run: nothing coded for this block
			case sc.ah == 0:
				d.decodeACFirst(sc, coef, mask)
			default:
				d.decodeACRefine(sc, coef, mask)
			}
		}
		if err := d.checkReader(); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) decodeDC(sc *scan, i int, pred *int32, coef []int16) {
	br := &d.br
	if br.n < 32 {
		br.fill()
	}
	if sc.ah == 0 {
		s := br.decode(&d.dcTab[sc.td[i]])
		if s > 15 {
			br.bad = true
			s = 0
		}
		*pred += br.receive(uint(s))
		coef[0] = int16(*pred << sc.al)
		return
	}
	if br.bits(1) != 0 {
		coef[0] |= 1 << sc.al
	}
}

// Progressive blocks keep their first d.keep zigzag coefficients in coef
// and, in mask, a bit per zigzag index that is nonzero: the refinement
// scans need that history for every coefficient, kept or not.

func (d *decoder) decodeACFirst(sc *scan, coef []int16, mask *uint64) {
	if d.eobrun > 0 {
		d.eobrun--
		return
	}
	br := &d.br
	acc, n := br.acc, br.n
	act := &d.acTab[sc.ta[0]]
	m := *mask
	al := sc.al
	for k := sc.ss; k <= sc.se; {
		if n < 32 {
			acc, n = br.refill(acc, n)
		}
		if f := act.ac[acc>>(64-fastBits)]; f != 0 {
			k += int(f>>8) & 0xFF
			l := uint(f & 0xFF)
			acc <<= l
			n -= l
			if k > sc.se {
				br.bad = true
				break
			}
			m |= 1 << uint(k)
			if k < len(coef) {
				coef[k] = int16((f >> 16) << al)
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
		r, s := uint(rs>>4), uint(rs&15)
		if s == 0 {
			if r < 15 {
				d.eobrun = 1<<r - 1
				if r > 0 {
					d.eobrun += int(acc >> (64 - r))
					acc <<= r
					n -= r
				}
				break
			}
			k += 16
			continue
		}
		k += int(r)
		if k > sc.se {
			br.bad = true
			break
		}
		m |= 1 << uint(k)
		v := int32(acc >> (64 - s))
		acc <<= s
		n -= s
		if v < 1<<(s-1) {
			v += -1<<s + 1
		}
		if k < len(coef) {
			coef[k] = int16(v << al)
		}
		k++
	}
	br.acc, br.n = acc, n
	*mask = m
}

// span returns the bits a..b of a 64-bit mask (none when b < a).
func span(a, b int) uint64 {
	if b < a {
		return 0
	}
	return ^uint64(0) >> uint(63-b) &^ (1<<uint(a) - 1)
}

func (d *decoder) decodeACRefine(sc *scan, coef []int16, mask *uint64) {
	br := &d.br
	act := &d.acTab[sc.ta[0]]
	p1 := int32(1) << sc.al
	m := *mask
	k := sc.ss
	// kept marks the coefficients whose corrections matter.
	kept := uint64(1)<<uint(len(coef)) - 1
	if len(coef) >= 64 {
		kept = ^uint64(0)
	}
	acc, n := br.acc, br.n
	if d.eobrun == 0 {
		for ; k <= sc.se; k++ {
			if n < 32 {
				acc, n = br.refill(acc, n)
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
			r, s := uint(rs>>4), uint(rs&15)
			var z int32
			if s != 0 {
				if s != 1 {
					br.bad = true
					break
				}
				z = (int32(acc>>63)*2 - 1) * p1 // the sign bit, without a branch
				acc <<= 1
				n--
			} else if r != 15 {
				d.eobrun = 1 << r
				if r > 0 {
					d.eobrun += int(acc >> (64 - r))
					acc <<= r
					n -= r
				}
				break
			}
			// Skip r zero coefficients to the next zero one, giving every
			// nonzero coefficient on the way its correction bit.
			zeros := ^m & span(k, sc.se)
			for ; r > 0 && zeros != 0; r-- {
				zeros &= zeros - 1
			}
			t := sc.se + 1
			if zeros != 0 {
				t = bits.TrailingZeros64(zeros)
			}
			if nz := m & span(k, t-1); nz != 0 {
				if c := uint(bits.OnesCount64(nz)); nz&kept == 0 && c <= 32 {
					// Corrections of dropped coefficients: skip the bits.
					if n < c+16 {
						acc, n = br.refill(acc, n)
					}
					acc <<= c
					n -= c
				} else {
					br.acc, br.n = acc, n
					d.correct(nz, coef, p1)
					acc, n = br.acc, br.n
				}
			}
			k = t
			if z != 0 {
				if k > sc.se {
					br.bad = true
					break
				}
				m |= 1 << uint(k)
				if k < len(coef) {
					coef[k] = int16(z)
				}
			}
		}
	}
	br.acc, br.n = acc, n
	if d.eobrun > 0 {
		d.correct(m&span(k, sc.se), coef, p1)
		d.eobrun--
	}
	*mask = m
}

// correct reads one correction bit for each nonzero coefficient in nz and
// applies those for kept coefficients; bits for dropped ones are skipped
// in bulk.
func (d *decoder) correct(nz uint64, coef []int16, p1 int32) {
	br := &d.br
	acc, n := br.acc, br.n
	if nz&(1<<uint(len(coef))-1) == 0 {
		for cnt := uint(bits.OnesCount64(nz)); cnt > 0; {
			if n < 32 {
				acc, n = br.refill(acc, n)
			}
			t := min(cnt, 24)
			acc <<= t
			n -= t
			cnt -= t
		}
		br.acc, br.n = acc, n
		return
	}
	for nz != 0 {
		k := bits.TrailingZeros64(nz)
		nz &= nz - 1
		if n < 16 {
			acc, n = br.refill(acc, n)
		}
		bit := acc >> 63
		acc <<= 1
		n--
		if bit != 0 && k < len(coef) {
			c := int32(coef[k])
			if c&p1 == 0 {
				if c >= 0 {
					c += p1
				} else {
					c -= p1
				}
				coef[k] = int16(c)
			}
		}
	}
	br.acc, br.n = acc, n
}

// finishProgressive dequantizes and inverse-transforms the stored
// coefficients into the planes, spreading block rows over the CPUs.
func (d *decoder) finishProgressive() {
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		c.stride = c.bw * d.bs
		c.plane = make([]byte, c.stride*c.bh*d.bs)
	}
	type job struct{ ci, y0, y1 int }
	var jobs []job
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		const rows = 8
		for y := 0; y < c.bh; y += rows {
			jobs = append(jobs, job{i, y, min(y+rows, c.bh)})
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	var wg sync.WaitGroup
	next := make(chan job, len(jobs))
	for _, j := range jobs {
		next <- j
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var blk [64]int32
			for j := range next {
				c := &d.comp[j.ci]
				q := &d.quant[c.tq]
				for y := j.y0; y < j.y1; y++ {
					row := c.plane[y*d.bs*c.stride:]
					for x := 0; x < c.bw; x++ {
						b := y*c.bw + x
						coef := c.coef[b*d.keep : (b+1)*d.keep]
						ac := false
						blk[0] = int32(coef[0]) * q[0]
						for k := 1; k < len(coef); k++ {
							if v := coef[k]; v != 0 {
								if p := d.place[k]; p >= 0 {
									blk[p] = int32(v) * q[k]
									ac = true
								}
							}
						}
						d.emit(&blk, ac, row[x*d.bs:], c.stride)
					}
				}
			}
		}()
	}
	wg.Wait()
}
