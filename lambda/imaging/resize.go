package imaging

import (
	"math"
)

// The resampler is separable Lanczos3 with fixed-point weights computed once
// per axis. For large reductions an integer box (area) pre-shrink first
// brings the remaining ratio down to between preShrinkGap and twice that,
// which keeps the cost of the Lanczos passes low without aliasing: the box
// averages every source pixel, and the Lanczos pass that follows still
// reduces by at least preShrinkGap.
const (
	lanczosA     = 3
	preShrinkGap = 1.5
	weightBits   = 14
	weightOne    = 1 << weightBits
)

func lanczos(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1e-9 {
		return 1
	}
	if x >= lanczosA {
		return 0
	}
	px := math.Pi * x
	return lanczosA * math.Sin(px) * math.Sin(px/lanczosA) / (px * px)
}

// weights maps each output index to a window of source indices.
type weights struct {
	start, count []int32
	w            []int32 // flat, stride taps
	taps         int
}

// makeWeights computes the Lanczos3 weights for resampling srcN samples to
// dstN, where scale is source samples per output sample (pixel centres
// aligned: output i sits at source (i+0.5)·scale − 0.5). Source indices past
// an edge are folded onto the edge sample.
func makeWeights(dstN, srcN int, scale float64) *weights {
	fs := max(scale, 1)
	support := lanczosA * fs
	taps := int(math.Ceil(support))*2 + 2
	wt := &weights{start: make([]int32, dstN), count: make([]int32, dstN), w: make([]int32, dstN*taps), taps: taps}
	tmp := make([]float64, taps)
	for i := range dstN {
		c := (float64(i) + 0.5) * scale
		lo, hi := int(math.Floor(c-support)), int(math.Ceil(c+support))
		first, last := max(lo, 0), min(hi, srcN-1)
		if last-first+1 > taps { // only if rounding widened the window
			last = first + taps - 1
		}
		if first > last { // c outside the source: use the nearest edge
			first = min(max(int(c), 0), srcN-1)
			last = first
		}
		n := last - first + 1
		clear(tmp[:n])
		sum := 0.0
		for j := lo; j <= hi; j++ {
			v := lanczos((float64(j) + 0.5 - c) / fs)
			if v == 0 {
				continue
			}
			tmp[min(max(j, first), last)-first] += v
			sum += v
		}
		if sum == 0 {
			tmp[0], sum = 1, 1
		}
		row := wt.w[i*taps : i*taps+n]
		total, big := int32(0), 0
		for k := range row {
			row[k] = int32(math.Round(tmp[k] / sum * weightOne))
			total += row[k]
			if row[k] > row[big] {
				big = k
			}
		}
		row[big] += weightOne - total // weights sum to exactly one
		wt.start[i], wt.count[i] = int32(first), int32(n)
	}
	return wt
}

// resizePlane resamples src into dst. sx and sy are source samples per
// destination sample along each axis (they may differ from the size ratio
// when the source is a chroma plane or a scaled decode).
func resizePlane(dst, src plane, sx, sy float64) {
	var scratch planes
	defer scratch.release()
	kx, ky := max(int(sx/preShrinkGap), 1), max(int(sy/preShrinkGap), 1)
	if kx > 1 || ky > 1 {
		shrunk := newPlane((src.w+kx-1)/kx, (src.h+ky-1)/ky, &scratch)
		boxShrink(shrunk, src, kx, ky)
		src, sx, sy = shrunk, sx/float64(kx), sy/float64(ky)
	}
	hsrc := src
	if src.w != dst.w || sx != 1 {
		hsrc = newPlane(dst.w, src.h, &scratch)
		resizeRows(hsrc, src, makeWeights(dst.w, src.w, sx))
	}
	if hsrc.h != dst.h || sy != 1 {
		resizeColumns(dst, hsrc, makeWeights(dst.h, hsrc.h, sy))
		return
	}
	parallelRows(dst.h, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			copy(dst.row(y), hsrc.row(y))
		}
	})
}

// resizeRows resamples each row horizontally.
func resizeRows(dst, src plane, wt *weights) {
	parallelRows(src.h, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			srow, drow := src.row(y), dst.row(y)
			for x := range drow {
				st, n := int(wt.start[x]), int(wt.count[x])
				ws := wt.w[x*wt.taps : x*wt.taps+n]
				ss := srow[st : st+n]
				ss = ss[:len(ws)]
				var sum int32
				for k, w := range ws {
					sum += int32(ss[k]) * w
				}
				drow[x] = clamp8((sum + weightOne/2) >> weightBits)
			}
		}
	})
}

// resizeColumns resamples vertically, accumulating whole rows so that
// memory is read sequentially.
func resizeColumns(dst, src plane, wt *weights) {
	parallelRows(dst.h, func(lo, hi int) {
		acc := make([]int32, dst.w)
		for y := lo; y < hi; y++ {
			clear(acc)
			st, n := int(wt.start[y]), int(wt.count[y])
			for k, w := range wt.w[y*wt.taps : y*wt.taps+n] {
				srow := src.row(st + k)
				srow = srow[:len(acc)]
				for x, v := range srow {
					acc[x] += int32(v) * w
				}
			}
			drow := dst.row(y)
			drow = drow[:len(acc)]
			for x, s := range acc {
				drow[x] = clamp8((s + weightOne/2) >> weightBits)
			}
		}
	})
}

// boxShrink averages kx×ky blocks of src into dst (partial blocks at the
// right and bottom edges average the pixels they have).
func boxShrink(dst, src plane, kx, ky int) {
	parallelRows(dst.h, func(lo, hi int) {
		acc := make([]uint32, dst.w)
		for y := lo; y < hi; y++ {
			clear(acc)
			y0, y1 := y*ky, min(y*ky+ky, src.h)
			for sy := y0; sy < y1; sy++ {
				srow := src.row(sy)
				full := src.w / kx
				for x := range full {
					var s uint32
					for _, v := range srow[x*kx : x*kx+kx] {
						s += uint32(v)
					}
					acc[x] += s
				}
				if full < dst.w {
					var s uint32
					for _, v := range srow[full*kx:] {
						s += uint32(v)
					}
					acc[full] += s
				}
			}
			rows := uint32(y1 - y0)
			drow := dst.row(y)
			for x, s := range acc {
				n := rows * uint32(min(kx, src.w-x*kx))
				drow[x] = uint8((s + n/2) / n)
			}
		}
	})
}
