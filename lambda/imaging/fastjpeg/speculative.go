package fastjpeg

import (
	"bytes"
	"runtime"
	"sync/atomic"
	"time"
)

// Speculative parallel entropy decoding of a baseline scan without restart
// markers. Huffman-coded data cannot be split where it is stored, but JPEG's
// codes resynchronise: a decoder started at an arbitrary bit soon lands on
// a true block boundary, and from there on decodes exactly what a decoder
// from the start of the scan would. So a second goroutine (B) starts in the
// middle of the data, guessing that it is at the first block of an MCU,
// and records where every block it decodes starts: the bit position (with
// stuffing removed) and the block's place in its MCU. The first goroutine
// (A) decodes from the start as usual; once past the middle it compares
// each of its block starts with B's. At the first one that matches in both
// position and place, B's blocks from there on are A's: decoding is
// deterministic from that state, except for the DC predictors, which B
// kept as its own and which are corrected by the difference between A's
// and B's predictors at that block. A stops there and B's blocks are
// written out. If nothing matches (or B saw damage past the match, or the
// block counts disagree), the scan is decoded sequentially instead, so the
// result never depends on the speculation.

// specStats counts how speculative decodes ended, for tests.
var specStats struct{ synced, sequential, redone atomic.Int64 }

// specMinBlocks is the smallest scan worth splitting.
const specMinBlocks = 16384

// specChunk is the record of specChunkBlocks of B's blocks.
type specChunk struct {
	pos       [specChunkBlocks]uint64 // bit position of the block's first bit, from the scan start
	phase     [specChunkBlocks]uint8  // the block's index within its MCU
	ac        [specChunkBlocks]bool
	predAfter [specChunkBlocks]int32 // B's DC predictor of the block's component after it
	coef      []int32                // d.bs*d.bs dequantised coefficients per block
}

const specChunkBlocks = 4096

// specRun is B's record, in chunks allocated as B goes, so that A can read
// the entries B has published (n) while B writes more.
type specRun struct {
	chunks []*specChunk // sized for every block of the scan; filled as needed
	bad    []int        // blocks at which B saw an invalid code
	n      atomic.Int64
	endPos uint64 // bit position after B's last block
	failed bool   // B panicked: its record is not to be used
}

func (r *specRun) at(k int) (*specChunk, int) {
	return r.chunks[k/specChunkBlocks], k % specChunkBlocks
}

func (r *specRun) pos(k int) uint64 {
	c, i := r.at(k)
	return c.pos[i]
}

// canSpeculate reports whether decodeBaselineSpec may be used for sc.
func (d *decoder) canSpeculate(sc *scan) bool {
	return sc.n > 1 && d.ri == 0 && d.scale > 1 && runtime.GOMAXPROCS(0) >= 2
}

// unstuffedBits is the number of entropy-coded bits in data: 8 per byte,
// less the zero bytes stuffed after each 0xFF.
func unstuffedBits(data []byte) uint64 {
	// Entropy-coded data has 0xFF only before a stuffed zero (or at the
	// end, before a marker), so the pairs cannot overlap.
	return 8 * uint64(len(data)-bytes.Count(data, []byte{0xFF, 0}))
}

// decodeBaselineSpec decodes the interleaved scan sc as described above. It
// reports false (having written nothing) when the scan is too small to be
// worth it; the caller then decodes it sequentially.
func (d *decoder) decodeBaselineSpec(sc *scan) (bool, error) {
	var phases []int // scan component of each block of an MCU
	var offs []int   // its (v, h) offset in blocks: v*8 + h
	for i := 0; i < sc.n; i++ {
		c := &d.comp[sc.comp[i]]
		for v := 0; v < c.v; v++ {
			for h := 0; h < c.h; h++ {
				phases = append(phases, i)
				offs = append(offs, v*8+h)
			}
		}
	}
	perMCU := len(phases)
	total := perMCU * d.mcusX * d.mcusY
	if total < specMinBlocks {
		return false, nil
	}
	start := d.br.pos
	end := nextMarker(d.data, start, true)
	mid := start + (end-start)/2
	for mid < end && d.data[mid-1] == 0xFF {
		mid++
	}
	if mid >= end {
		return false, nil
	}
	midBits := unstuffedBits(d.data[start:mid])
	endBits := midBits + unstuffedBits(d.data[mid:end])
	kept := d.bs * d.bs
	run := &specRun{chunks: make([]*specChunk, total/specChunkBlocks+1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			// A defect shown by hostile data must not take the process
			// down from this goroutine; the sequential redo below meets it
			// again where the caller can recover.
			if recover() != nil {
				run.failed = true
			}
		}()
		d.speculate(sc, phases, mid, midBits, endBits, run)
	}()
	synced, j, err := d.decodeUntilSync(sc, phases, offs, midBits, run, done)
	<-done
	if err != nil {
		return true, err
	}
	if synced < 0 {
		specStats.sequential.Add(1)
		return true, nil // A decoded everything itself
	}
	// B's blocks j .. j+need-1 are the rest of the scan. B may have gone
	// on past them into the fill bits; it must not have stopped short, seen
	// damage among them, or needed bits past the end of the data for them.
	count, need := int(run.n.Load()), total-synced
	after := run.endPos
	if j+need < count {
		after = run.pos(j + need)
	}
	damaged := false
	for _, k := range run.bad {
		damaged = damaged || k >= j && k < j+need
	}
	if run.failed || count-j < need || damaged || after > endBits {
		// Inconsistent: decode the scan again, sequentially, from the start.
		specStats.redone.Add(1)
		d.br.reset(d.data, start)
		return true, d.decodeBaselineSeq(sc)
	}
	// DC correction per scan component: A's predictor minus B's before
	// block j (B's last block of that component before j; every component
	// has one within the previous MCU, or none before B's first block).
	var delta [4]int32
	for i := 0; i < sc.n; i++ {
		predB := int32(0)
		for k := j - 1; k >= 0 && k >= j-perMCU; k-- {
			if c, x := run.at(k); phases[c.phase[x]] == i {
				predB = c.predAfter[x]
				break
			}
		}
		delta[i] = d.specPred[i] - predB
	}
	bs := d.bs
	var blk [64]int32
	for k := j; k < j+need; k++ {
		g := synced + (k - j)
		mcu, ph := g/perMCU, g%perMCU
		my, mx := mcu/d.mcusX, mcu%d.mcusX
		i := phases[ph]
		c := &d.comp[sc.comp[i]]
		ch, x := run.at(k)
		copy(blk[:kept], ch.coef[x*kept:(x+1)*kept])
		blk[0] += delta[i] * d.quant[c.tq][0]
		v, h := offs[ph]/8, offs[ph]%8
		off := ((my*c.v+v)*bs)*c.stride + (mx*c.h+h)*bs
		d.emit(&blk, ch.ac[x], c.plane[off:], c.stride)
	}
	specStats.synced.Add(1)
	// Marker parsing resumes after the scan's data.
	d.br = bitReader{data: d.data, pos: end, marker: true}
	return true, nil
}

// speculate is B: it decodes blocks from byte mid (bit midBits of the
// scan) to the end of the scan's data, assuming mid starts an MCU.
func (d *decoder) speculate(sc *scan, phases []int, mid int, midBits, endBits uint64, run *specRun) {
	var br bitReader
	br.reset(d.data, mid)
	var pred [4]int32
	var blk [64]int32
	kept := d.bs * d.bs
	phase := 0
	limit := len(run.chunks) * specChunkBlocks
	for k := 0; k < limit; k++ {
		pos := midBits + br.bitPos()
		if pos >= endBits {
			break
		}
		ch, x := run.at(k)
		if ch == nil {
			ch = &specChunk{coef: make([]int32, specChunkBlocks*kept)}
			run.chunks[k/specChunkBlocks] = ch
		}
		i := phases[phase]
		c := &d.comp[sc.comp[i]]
		ac := d.decodeBlock(&br, &d.dcTab[sc.td[i]], &d.acTab[sc.ta[i]], &pred[i], &d.quant[c.tq], &blk)
		if br.bad {
			run.bad, br.bad = append(run.bad, k), false
		}
		ch.pos[x], ch.phase[x], ch.ac[x], ch.predAfter[x] = pos, uint8(phase), ac, pred[i]
		copy(ch.coef[x*kept:(x+1)*kept], blk[:kept])
		clear(blk[:kept])
		run.n.Store(int64(k + 1)) // publishes the entry to A
		if phase++; phase == len(phases) {
			phase = 0
		}
	}
	run.endPos = midBits + br.bitPos()
}

// decodeUntilSync is A: the sequential decode, which stops at the first
// block whose start matches one of B's. It returns that block's global
// index and B's index for it (-1, 0 when A decoded the whole scan), with
// A's DC predictors at that point in d.specPred.
func (d *decoder) decodeUntilSync(sc *scan, phases, offs []int, midBits uint64, run *specRun, done <-chan struct{}) (int, int, error) {
	var pred [4]int32
	br := &d.br
	bs := d.bs
	perMCU := len(phases)
	e := d.newEmitter(perMCU*d.mcusX, d.mcusY)
	defer e.close()
	j := 0 // B's next candidate entry
	g := 0
	for my := 0; my < d.mcusY; my++ {
		for mx := 0; mx < d.mcusX; mx++ {
			for ph, i := range phases {
				if pos := br.bitPos(); pos >= midBits {
					// Wait until B has recorded a block at or past pos, or is done.
					for {
						n := int(run.n.Load())
						for j < n && run.pos(j) < pos {
							j++
						}
						if j < n {
							break
						}
						select {
						case <-done:
							n = int(run.n.Load())
							for j < n && run.pos(j) < pos {
								j++
							}
						case <-time.After(20 * time.Microsecond):
							// B is behind: wait without spinning, so that on
							// a busy machine A does not take B's CPU.
							continue
						}
						break
					}
					if j < int(run.n.Load()) && run.pos(j) == pos {
						if c, x := run.at(j); int(c.phase[x]) == ph {
							// Damage A met in this row so far is reported
							// as the sequential decoder would at its end.
							if err := d.checkReader(); err != nil {
								return -1, 0, err
							}
							d.specPred = pred
							return g, j, nil
						}
					}
				}
				c := &d.comp[sc.comp[i]]
				v, h := offs[ph]/8, offs[ph]%8
				off := ((my*c.v+v)*bs)*c.stride + (mx*c.h+h)*bs
				p := e.slot()
				p.ac = d.decodeBlock(br, &d.dcTab[sc.td[i]], &d.acTab[sc.ta[i]], &pred[i], &d.quant[c.tq], &p.blk)
				p.dst, p.stride = c.plane[off:], c.stride
				e.put(p)
				g++
			}
		}
		if err := d.checkReader(); err != nil {
			return -1, 0, err
		}
		e.endRow()
	}
	return -1, 0, nil
}
