package fastjpeg

import (
	"runtime"
	"sync"
)

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
			var mask *uint64
			if c.mask != nil {
				mask = &c.mask[b]
			}
			switch {
			case sc.ss == 0:
				d.decodeDC(sc, 0, &pred[0], coef)
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

// coefficient access for kept (k < keep) and dropped coefficients.
func nonzero(coef []int16, mask *uint64, k int) bool {
	if k < len(coef) {
		return coef[k] != 0
	}
	return mask != nil && *mask>>uint(k)&1 != 0
}

func set(coef []int16, mask *uint64, k int, v int32) {
	if k < len(coef) {
		coef[k] = int16(v)
	} else if mask != nil {
		*mask |= 1 << uint(k)
	}
}

func (d *decoder) decodeACFirst(sc *scan, coef []int16, mask *uint64) {
	if d.eobrun > 0 {
		d.eobrun--
		return
	}
	br := &d.br
	act := &d.acTab[sc.ta[0]]
	for k := sc.ss; k <= sc.se; {
		if br.n < 32 {
			br.fill()
		}
		rs := br.decode(act)
		r, s := int(rs>>4), uint(rs&15)
		if s == 0 {
			if r < 15 {
				d.eobrun = 1<<r - 1
				if r > 0 {
					d.eobrun += int(br.bits(uint(r)))
				}
				return
			}
			k += 16
			continue
		}
		k += r
		if k > sc.se {
			br.bad = true
			return
		}
		set(coef, mask, k, br.receive(s)<<sc.al)
		k++
	}
}

func (d *decoder) decodeACRefine(sc *scan, coef []int16, mask *uint64) {
	br := &d.br
	act := &d.acTab[sc.ta[0]]
	p1 := int32(1) << sc.al
	m1 := int32(-1) << sc.al
	refine := func(k int) {
		if br.n < 16 {
			br.fill()
		}
		if br.bits(1) != 0 && k < len(coef) {
			c := int32(coef[k])
			if c&p1 == 0 {
				if c >= 0 {
					c += p1
				} else {
					c += m1
				}
				coef[k] = int16(c)
			}
		}
	}
	k := sc.ss
	if d.eobrun == 0 {
		for ; k <= sc.se; k++ {
			if br.n < 32 {
				br.fill()
			}
			rs := br.decode(act)
			r, s := int(rs>>4), uint(rs&15)
			var z int32
			if s != 0 {
				if s != 1 {
					br.bad = true
					return
				}
				if br.bits(1) != 0 {
					z = p1
				} else {
					z = m1
				}
			} else if r != 15 {
				d.eobrun = 1 << r
				if r > 0 {
					d.eobrun += int(br.bits(uint(r)))
				}
				break
			}
			for ; k <= sc.se; k++ {
				if nonzero(coef, mask, k) {
					refine(k)
				} else {
					if r == 0 {
						break
					}
					r--
				}
			}
			if z != 0 {
				if k > sc.se {
					br.bad = true
					return
				}
				set(coef, mask, k, z)
			}
		}
	}
	if d.eobrun > 0 {
		for ; k <= sc.se; k++ {
			if nonzero(coef, mask, k) {
				refine(k)
			}
		}
		d.eobrun--
	}
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
