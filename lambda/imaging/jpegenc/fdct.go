package jpegenc

import "math"

// The forward DCT is the fast factorisation of Arai, Agui and Nakajima
// ("A fast DCT-SQ scheme for images", Trans. IEICE E71(11), 1988): an
// 8-point transform in 5 multiplications and 29 additions whose outputs
// are the true DCT coefficients times a known factor per frequency. Those
// factors are folded into the quantisation divisors, so the transform and
// the quantisation cost one multiply per coefficient together.
//
// For the 2-D transform of ITU T.81 A.3.3,
//
//	F(v,u) = 1/4 C(u) C(v) sum_x sum_y f(x,y) cos((2x+1)u pi/16) cos((2y+1)v pi/16),
//
// the row-then-column AAN output at (v, u) is F(v,u) * 8 * s(u) * s(v), with
// s(0) = 1 and s(k) = sqrt(2) cos(k pi/16); TestFDCTMatchesDefinition checks
// this against the definition.
var (
	aanR2 = float32(math.Sqrt2 / 2)                                  // cos(4 pi/16)
	aanA  = float32(math.Cos(6 * math.Pi / 16))                      // cos(6 pi/16)
	aanB  = float32(math.Cos(2*math.Pi/16) - math.Cos(6*math.Pi/16)) // cos(2 pi/16) - cos(6 pi/16)
	aanC  = float32(math.Cos(2*math.Pi/16) + math.Cos(6*math.Pi/16)) // cos(2 pi/16) + cos(6 pi/16)
	aanS  [8]float64                                                 // s(k)
)

func init() {
	aanS[0] = 1
	for k := 1; k < 8; k++ {
		aanS[k] = math.Sqrt2 * math.Cos(float64(k)*math.Pi/16)
	}
}

// fdct1 is the 8-point AAN transform of x0..x7 (one row or column).
func fdct1(x0, x1, x2, x3, x4, x5, x6, x7 float32) (y0, y1, y2, y3, y4, y5, y6, y7 float32) {
	s07, d07 := x0+x7, x0-x7
	s16, d16 := x1+x6, x1-x6
	s25, d25 := x2+x5, x2-x5
	s34, d34 := x3+x4, x3-x4

	// Even part: a 4-point transform of the sums.
	e0, e3 := s07+s34, s07-s34
	e1, e2 := s16+s25, s16-s25
	y0, y4 = e0+e1, e0-e1
	r := (e2 + e3) * aanR2
	y2, y6 = e3+r, e3-r

	// Odd part: a rotation of the differences.
	o0 := d34 + d25
	o1 := d25 + d16
	o2 := d16 + d07
	t := (o0 - o2) * aanA
	p := aanB*o0 + t
	q := aanC*o2 + t
	m := o1 * aanR2
	h, l := d07+m, d07-m
	y5, y3 = l+p, l-p
	y1, y7 = h+q, h-q
	return
}

// fdct transforms the level-shifted block b (natural order) in place: on
// return b holds the AAN-scaled coefficients.
func fdct(b *[64]float32) {
	for y := 0; y < 64; y += 8 {
		r := b[y : y+8 : y+8]
		r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] = fdct1(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])
	}
	for x := 0; x < 8; x++ {
		b[x], b[8+x], b[16+x], b[24+x], b[32+x], b[40+x], b[48+x], b[56+x] =
			fdct1(b[x], b[8+x], b[16+x], b[24+x], b[32+x], b[40+x], b[48+x], b[56+x])
	}
}

// quantizer turns AAN-scaled coefficients into quantised ones in zigzag
// order: recip[k] is 1 / (q[k] * 8 * s(u) * s(v)) for the zigzag index k
// at natural position (v, u).
type quantizer struct {
	q     [64]uint8   // the table as written to DQT, zigzag order
	recip [64]float32 // zigzag order
}

func newQuantizer(q *[64]uint8) *quantizer {
	z := &quantizer{q: *q}
	for k := range 64 {
		n := zigzag[k]
		u, v := n%8, n/8
		z.recip[k] = float32(1 / (float64(q[k]) * 8 * aanS[u] * aanS[v]))
	}
	return z
}

// quantize writes the quantised coefficients of b (AAN-scaled, natural
// order) to out in zigzag order, rounding to nearest, and returns a mask
// with bit k set when out[k] is nonzero.
func (z *quantizer) quantize(b *[64]float32, out []int16) uint64 {
	out = out[:64]
	var mask uint64
	for k := range 64 {
		v := b[zigzag[k]] * z.recip[k]
		// Round to nearest, halves up (|v| stays far below 16384).
		c := int32(v+16384.5) - 16384
		if float32(c)-v == 0.5 && c&1 != 0 {
			c-- // a tie: to even, so that ties do not shift flat areas one way
		}
		out[k] = int16(c)
		if c != 0 {
			mask |= 1 << k
		}
	}
	return mask
}
