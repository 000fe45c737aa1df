package fastjpeg

import "math"

// The inverse DCTs below are separable even/odd decompositions written
// from the definition in ITU T.81 A.3.3:
//
//	f(x,y) = 1/4 sum_u sum_v C(u) C(v) F(v,u) cos((2x+1)u pi/16) cos((2y+1)v pi/16)
//
// with C(0) = 1/sqrt(2). A reduced output of N = 8/scale samples per block
// edge evaluates the same sum, over u, v < N, at the centres of groups of
// scale pixels, which is an N-point IDCT with the 8-point normalisation.
var (
	r2 = float32(1 / math.Sqrt2)
	c1 = float32(math.Cos(math.Pi / 8))
	c3 = float32(math.Cos(3 * math.Pi / 8))
	k1 = float32(math.Cos(1 * math.Pi / 16))
	k3 = float32(math.Cos(3 * math.Pi / 16))
	k5 = float32(math.Cos(5 * math.Pi / 16))
	k7 = float32(math.Cos(7 * math.Pi / 16))
)

// clampDC is the pixel value of a block whose only coefficient is the
// dequantized DC value dc: dc/8 + 128, rounded.
func clampDC(dc int32) byte {
	v := (dc + 4 + 1024) >> 3
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return byte(v)
}

func clampF(v float32) byte {
	v = v*0.25 + 128.5
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return byte(int32(v))
}

// idct1 is the 8-point 1-D inverse DCT without the 1/2 factor: the even
// half is a 4-point IDCT, the odd half a 4x4 product.
func idct1(f0, f1, f2, f3, f4, f5, f6, f7 float32) [8]float32 {
	t0, t1 := (f0+f4)*r2, (f0-f4)*r2
	s0, s1 := f2*c1+f6*c3, f2*c3-f6*c1
	e0, e1, e2, e3 := t0+s0, t1+s1, t1-s1, t0-s0
	o0 := f1*k1 + f3*k3 + f5*k5 + f7*k7
	o1 := f1*k3 - f3*k7 - f5*k1 - f7*k5
	o2 := f1*k5 - f3*k1 + f5*k7 + f7*k3
	o3 := f1*k7 - f3*k5 + f5*k3 - f7*k1
	return [8]float32{e0 + o0, e1 + o1, e2 + o2, e3 + o3, e3 - o3, e2 - o2, e1 - o1, e0 - o0}
}

// idct8 transforms a full 8x8 block (natural order) into dst.
func idct8(in *[64]int32, dst []byte, stride int) {
	var ws [64]float32
	for x := 0; x < 8; x++ {
		if in[8+x]|in[16+x]|in[24+x]|in[32+x]|in[40+x]|in[48+x]|in[56+x] == 0 {
			dc := float32(in[x]) * r2
			for y := 0; y < 8; y++ {
				ws[y*8+x] = dc
			}
			continue
		}
		v := idct1(float32(in[x]), float32(in[8+x]), float32(in[16+x]), float32(in[24+x]),
			float32(in[32+x]), float32(in[40+x]), float32(in[48+x]), float32(in[56+x]))
		for y := 0; y < 8; y++ {
			ws[y*8+x] = v[y]
		}
	}
	for y := 0; y < 8; y++ {
		w := ws[y*8 : y*8+8 : y*8+8]
		out := dst[y*stride : y*stride+8 : y*stride+8]
		v := idct1(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
		for i := range out {
			out[i] = clampF(v[i])
		}
	}
}

// idct4 transforms the 4x4 low-frequency corner (in[0:16], row-major) into
// a 4x4 block at dst.
func idct4(in *[64]int32, dst []byte, stride int) {
	var ws [16]float32
	for x := 0; x < 4; x++ {
		f0, f1, f2, f3 := float32(in[x]), float32(in[4+x]), float32(in[8+x]), float32(in[12+x])
		a0, a1 := (f0+f2)*r2, (f0-f2)*r2
		b0, b1 := f1*c1+f3*c3, f1*c3-f3*c1
		ws[x], ws[12+x] = a0+b0, a0-b0
		ws[4+x], ws[8+x] = a1+b1, a1-b1
	}
	for y := 0; y < 4; y++ {
		w := ws[y*4 : y*4+4 : y*4+4]
		out := dst[y*stride : y*stride+4 : y*stride+4]
		a0, a1 := (w[0]+w[2])*r2, (w[0]-w[2])*r2
		b0, b1 := w[1]*c1+w[3]*c3, w[1]*c3-w[3]*c1
		out[0], out[3] = clampF(a0+b0), clampF(a0-b0)
		out[1], out[2] = clampF(a1+b1), clampF(a1-b1)
	}
}

// idct2 transforms the 2x2 low-frequency corner (in[0:4], row-major) into a
// 2x2 block at dst.
func idct2(in *[64]int32, dst []byte, stride int) {
	f00, f01, f10, f11 := in[0], in[1], in[2], in[3]
	a, b := f00+f10, f01+f11 // top row sums: u=0 and u=1 over v
	c, e := f00-f10, f01-f11
	dst[0] = clampDC(a + b)
	dst[1] = clampDC(a - b)
	dst[stride] = clampDC(c + e)
	dst[stride+1] = clampDC(c - e)
}
