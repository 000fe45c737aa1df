package icc

// grid is a device link (device values to encoded sRGB) sampled on n
// points per input, the first input varying slowest, interpolated
// tetrahedrally over three inputs (and linearly over the first of four),
// as lcms2 does for its precalculated transforms.
type grid struct {
	in, n int
	v     []float32 // n^in points × 3 outputs, in 0..255
	idx   [256]int32
	frac  [256]float32
}

// Grid sizes: 33 points over three inputs (36 k points), 17 over four (84 k).
const (
	gridPoints3 = 33
	gridPoints4 = 17
)

func sampleGrid(in int, exact func([]float64) [3]float64) *grid {
	n := gridPoints3
	if in == 4 {
		n = gridPoints4
	}
	total := 1
	for range in {
		total *= n
	}
	g := &grid{in: in, n: n, v: make([]float32, 3*total)}
	dev := make([]float64, in)
	for p := range total {
		k := p
		for i := in - 1; i >= 0; i-- {
			dev[i] = float64(k%n) / float64(n-1)
			k /= n
		}
		o := exact(dev)
		for c := range 3 {
			g.v[3*p+c] = float32(255 * o[c])
		}
	}
	for v := range 256 {
		x := float64(v) * float64(n-1) / 255
		i := min(int(x), n-2)
		g.idx[v], g.frac[v] = int32(i), float32(x-float64(i))
	}
	return g
}

func round8(v float32) uint8 {
	switch {
	case v >= 255:
		return 255
	case v > 0:
		return uint8(v + 0.5)
	}
	return 0
}

// tetra interpolates the three-input cube at base (a point index) with
// strides sx, sy, sz and fractions fx, fy, fz into out.
func (g *grid) tetra(base, sx, sy, sz int, fx, fy, fz float32, out *[3]float32) {
	v := g.v
	c0 := v[3*base : 3*base+3 : 3*base+3]
	var a, b, c1 []float32 // the three other corners of the tetrahedron
	var w1, w2, w3 float32
	switch {
	case fx >= fy && fy >= fz:
		a, b, c1 = v[3*(base+sx):], v[3*(base+sx+sy):], v[3*(base+sx+sy+sz):]
		w1, w2, w3 = fx-fy, fy-fz, fz
	case fx >= fz && fz >= fy:
		a, b, c1 = v[3*(base+sx):], v[3*(base+sx+sz):], v[3*(base+sx+sy+sz):]
		w1, w2, w3 = fx-fz, fz-fy, fy
	case fz >= fx && fx >= fy:
		a, b, c1 = v[3*(base+sz):], v[3*(base+sx+sz):], v[3*(base+sx+sy+sz):]
		w1, w2, w3 = fz-fx, fx-fy, fy
	case fy >= fx && fx >= fz:
		a, b, c1 = v[3*(base+sy):], v[3*(base+sx+sy):], v[3*(base+sx+sy+sz):]
		w1, w2, w3 = fy-fx, fx-fz, fz
	case fy >= fz && fz >= fx:
		a, b, c1 = v[3*(base+sy):], v[3*(base+sy+sz):], v[3*(base+sx+sy+sz):]
		w1, w2, w3 = fy-fz, fz-fx, fx
	default: // fz >= fy >= fx
		a, b, c1 = v[3*(base+sz):], v[3*(base+sy+sz):], v[3*(base+sx+sy+sz):]
		w1, w2, w3 = fz-fy, fy-fx, fx
	}
	w0 := 1 - w1 - w2 - w3
	for k := range 3 {
		out[k] = w0*c0[k] + w1*a[k] + w2*b[k] + w3*c1[k]
	}
}

func (g *grid) convert(dst, src []byte) {
	n := g.n
	switch g.in {
	case 3:
		sx, sy, sz := n*n, n, 1
		var o [3]float32
		for i := 0; i+3 <= len(src); i += 3 {
			r, gg, b := src[i], src[i+1], src[i+2]
			base := int(g.idx[r])*sx + int(g.idx[gg])*sy + int(g.idx[b])
			g.tetra(base, sx, sy, sz, g.frac[r], g.frac[gg], g.frac[b], &o)
			dst[i], dst[i+1], dst[i+2] = round8(o[0]), round8(o[1]), round8(o[2])
		}
	case 4:
		s0, sx, sy, sz := n*n*n, n*n, n, 1
		var lo, hi [3]float32
		for i, j := 0, 0; i+4 <= len(src); i, j = i+4, j+3 {
			c, m, y, k := src[i], src[i+1], src[i+2], src[i+3]
			base := int(g.idx[m])*sx + int(g.idx[y])*sy + int(g.idx[k])
			b0 := base + int(g.idx[c])*s0
			g.tetra(b0, sx, sy, sz, g.frac[m], g.frac[y], g.frac[k], &lo)
			f := g.frac[c]
			if f != 0 {
				g.tetra(b0+s0, sx, sy, sz, g.frac[m], g.frac[y], g.frac[k], &hi)
			} else {
				hi = lo
			}
			for q := range 3 {
				dst[j+q] = round8(lo[q] + f*(hi[q]-lo[q]))
			}
		}
	}
}
