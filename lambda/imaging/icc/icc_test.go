package icc

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func p3Profile(t testing.TB) []byte {
	b, err := EncodeMatrixTRC("Display P3", PrimariesDisplayP3, CurveSRGB)
	require.NoError(t, err)
	return b
}

func TestDisplayP3Matrix(t *testing.T) {
	p, err := Parse(p3Profile(t))
	require.NoError(t, err)
	assert.Equal(t, "Display P3", p.Description)
	assert.Equal(t, "display-p3", p.SpaceName())
	assert.Equal(t, [2]int{4, 4}, [2]int{p.Major, p.Minor})
	tr, err := NewTransform(p)
	require.NoError(t, err)
	// The published linear Display P3 to linear sRGB matrix (both D65).
	want := [9]float64{1.2249, -0.2247, 0, -0.0420, 1.0419, 0, -0.0197, -0.0786, 1.0979}
	for i, v := range want {
		assert.InDelta(t, v, float64(tr.m[i]), 0.002, "element %d", i)
	}
	assert.False(t, tr.IsSRGB())
	// Mid-grey and white stay neutral.
	dst := make([]byte, 6)
	tr.Convert(dst, []byte{128, 128, 128, 255, 255, 255})
	assert.Equal(t, []byte{128, 128, 128, 255, 255, 255}, dst)
}

func TestSRGBProfilesNeedNoConversion(t *testing.T) {
	b, err := EncodeMatrixTRC("sRGB", PrimariesSRGB, CurveSRGB)
	require.NoError(t, err)
	p, err := Parse(b)
	require.NoError(t, err)
	tr, err := NewTransform(p)
	require.NoError(t, err)
	assert.True(t, tr.IsSRGB())
	assert.Equal(t, "srgb", p.SpaceName())
	b, err = EncodeMatrixTRC("BT.709", PrimariesSRGB, CurveBT709)
	require.NoError(t, err)
	p, err = Parse(b)
	require.NoError(t, err)
	tr, err = NewTransform(p)
	require.NoError(t, err)
	assert.False(t, tr.IsSRGB(), "same primaries, another curve")
}

func para(typ uint16, params ...float64) []byte {
	b := []byte("para\x00\x00\x00\x00")
	b = binary.BigEndian.AppendUint16(b, typ)
	b = append(b, 0, 0)
	for _, v := range params {
		b = binary.BigEndian.AppendUint32(b, uint32(int32(math.Round(v*65536))))
	}
	return b
}

func curv(entries ...uint16) []byte {
	b := []byte("curv\x00\x00\x00\x00")
	b = binary.BigEndian.AppendUint32(b, uint32(len(entries)))
	for _, e := range entries {
		b = binary.BigEndian.AppendUint16(b, e)
	}
	return b
}

func TestCurves(t *testing.T) {
	g, a, b, c, d, e, f := 2.4, 1/1.055, 0.055/1.055, 1/12.92, 0.04045, 0.01, 0.02
	cases := []struct {
		name string
		data []byte
		want func(x float64) float64
	}{
		{"curv identity", curv(), func(x float64) float64 { return x }},
		{"curv gamma 1.8", curv(0x01cd), func(x float64) float64 { return math.Pow(x, float64(0x01cd)/256) }},
		{"curv table", curv(0, 0x4000, 0xffff), func(x float64) float64 {
			if x < 0.5 {
				return 2 * x * 0x4000 / 65535.0
			}
			return 0x4000/65535.0 + (x-0.5)*2*(1-0x4000/65535.0)
		}},
		{"para 0", para(0, g), func(x float64) float64 { return math.Pow(x, g) }},
		{"para 1", para(1, g, a, b), func(x float64) float64 {
			if x >= -b/a {
				return math.Pow(a*x+b, g)
			}
			return 0
		}},
		{"para 2", para(2, g, 1.2, -0.1, c), func(x float64) float64 {
			if x >= 0.1/1.2 {
				return math.Pow(1.2*x-0.1, g) + c
			}
			return c
		}},
		{"para 3", para(3, g, a, b, c, d), func(x float64) float64 {
			if x >= d {
				return math.Pow(a*x+b, g)
			}
			return c * x
		}},
		{"para 4", para(4, g, a, b, c, d, e, f), func(x float64) float64 {
			if x >= d {
				return math.Pow(a*x+b, g) + e
			}
			return c*x + f
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cv, _, err := parseCurve(tc.data)
			require.NoError(t, err)
			for x := 0.0; x <= 1; x += 1.0 / 64 {
				assert.InDelta(t, tc.want(x), cv.eval(x), 1e-4, "x=%v", x) // s15.16 rounding of the parameters
			}
		})
	}
	bad := map[string][]byte{
		"truncated curv":  curv(1, 2, 3)[:15],
		"curv gamma zero": curv(0),
		"para type 5":     para(5, 1),
		"para truncated":  para(4, 1, 2, 3)[:20],
		"para gamma zero": para(0, 0),
		"unknown type":    []byte("xxxx\x00\x00\x00\x00\x00\x00\x00\x00"),
		"short":           []byte("curv"),
	}
	for name, data := range bad {
		_, _, err := parseCurve(data)
		assert.Error(t, err, name)
	}
}

// profile assembles a profile from tags for tests.
func profile(space, pcs string, major byte, tags map[string][]byte) []byte {
	var sigs []string
	for s := range tags {
		sigs = append(sigs, s)
	}
	out := make([]byte, headerSize+4+12*len(sigs))
	copy(out[16:], space)
	copy(out[20:], pcs)
	copy(out[36:], "acsp")
	out[8] = major
	binary.BigEndian.PutUint32(out[headerSize:], uint32(len(sigs)))
	for i, s := range sigs {
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		e := out[headerSize+4+12*i:]
		copy(e, s)
		binary.BigEndian.PutUint32(e[4:], uint32(len(out)))
		binary.BigEndian.PutUint32(e[8:], uint32(len(tags[s])))
		out = append(out, tags[s]...)
	}
	binary.BigEndian.PutUint32(out, uint32(len(out)))
	return out
}

func xyzTagData(v [3]float64) []byte {
	b := []byte("XYZ \x00\x00\x00\x00")
	for _, c := range v {
		b = binary.BigEndian.AppendUint32(b, uint32(int32(math.Round(c*65536))))
	}
	return b
}

func TestParseRejectsMalformed(t *testing.T) {
	good := p3Profile(t)
	_, err := Parse(good)
	require.NoError(t, err)
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := map[string][]byte{
		"empty":           nil,
		"short":           good[:100],
		"no acsp":         mut(func(b []byte) []byte { b[36] = 'x'; return b }),
		"size past end":   mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b, uint32(len(b)+1)); return b }),
		"version 9":       mut(func(b []byte) []byte { b[8] = 9; return b }),
		"huge tag count":  mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[headerSize:], 1<<30); return b }),
		"tag past end":    mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[headerSize+8:], 1<<31); return b }),
		"tag offset wrap": mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[headerSize+8:], 0xffffffff); return b }),
	}
	for name, data := range cases {
		_, err := Parse(data)
		assert.Error(t, err, name)
	}
}

func TestUnsupportedProfiles(t *testing.T) {
	lab := profile(SpaceLab, SpaceLab, 4, map[string][]byte{"desc": mlucOf("Lab")})
	p, err := Parse(lab)
	require.NoError(t, err)
	_, err = NewTransform(p)
	assert.ErrorIs(t, err, ErrUnsupported)

	noTRC := profile(SpaceRGB, SpaceXYZ, 4, map[string][]byte{"rXYZ": xyzTagData(D50), "gXYZ": xyzTagData(D50), "bXYZ": xyzTagData(D50)})
	p, err = Parse(noTRC)
	require.NoError(t, err)
	_, err = NewTransform(p)
	assert.ErrorIs(t, err, ErrUnsupported)

	cmyk := profile(SpaceCMYK, SpaceLab, 2, map[string][]byte{"desc": mlucOf("CMYK")})
	p, err = Parse(cmyk)
	require.NoError(t, err)
	_, err = NewTransform(p)
	assert.ErrorIs(t, err, ErrUnsupported)
}

func TestDescriptions(t *testing.T) {
	v2 := []byte("desc\x00\x00\x00\x00")
	v2 = binary.BigEndian.AppendUint32(v2, 12)
	v2 = append(v2, "Adobe RGB\x01\x00\x00"...)
	p, err := Parse(profile(SpaceRGB, SpaceXYZ, 2, map[string][]byte{"desc": v2}))
	require.NoError(t, err)
	assert.Equal(t, "Adobe RGB", p.Description)

	// mluc with a German and an en-US record: English wins.
	m := []byte("mluc\x00\x00\x00\x00")
	m = binary.BigEndian.AppendUint32(m, 2)
	m = binary.BigEndian.AppendUint32(m, 12)
	m = append(m, "deDE"...)
	m = binary.BigEndian.AppendUint32(m, 4)
	m = binary.BigEndian.AppendUint32(m, 40)
	m = append(m, "enUS"...)
	m = binary.BigEndian.AppendUint32(m, 6)
	m = binary.BigEndian.AppendUint32(m, 44)
	m = append(m, 0, 'F', 0, 'a', 0, 'P', 0, '3', 0, 'x')
	p, err = Parse(profile(SpaceRGB, SpaceXYZ, 4, map[string][]byte{"desc": m}))
	require.NoError(t, err)
	assert.Equal(t, "P3x", p.Description)

	// A record pointing outside the tag gives no description, not an error.
	bad := append([]byte(nil), m...)
	binary.BigEndian.PutUint32(bad[28+8:], 1000)
	p, err = Parse(profile(SpaceRGB, SpaceXYZ, 4, map[string][]byte{"desc": bad}))
	require.NoError(t, err)
	assert.Equal(t, "", p.Description)
}

// lut16 builds an mft2 tag for in inputs with input tables of shaper (256
// entries; nil: identity), identity output tables, and a grid of n points
// whose outputs are fn(shaped inputs).
func lut16(in, n int, shaper func(float64) float64, fn func(x []float64) [3]float64) []byte {
	b := []byte("mft2\x00\x00\x00\x00")
	b = append(b, byte(in), 3, byte(n), 0)
	for i := range 9 { // identity matrix
		v := 0.0
		if i%4 == 0 {
			v = 1
		}
		b = binary.BigEndian.AppendUint32(b, uint32(int32(v*65536)))
	}
	entries := 2
	if shaper != nil {
		entries = 256
	}
	b = binary.BigEndian.AppendUint16(b, uint16(entries))
	b = binary.BigEndian.AppendUint16(b, 2)
	for range in {
		for k := range entries {
			v := float64(k) / float64(entries-1)
			if shaper != nil {
				v = shaper(v)
			}
			b = binary.BigEndian.AppendUint16(b, uint16(math.Round(v*65535)))
		}
	}
	total := 1
	for range in {
		total *= n
	}
	x := make([]float64, in)
	for p := range total {
		k := p
		for i := in - 1; i >= 0; i-- {
			x[i] = float64(k%n) / float64(n-1)
			k /= n
		}
		for _, v := range fn(x) {
			b = binary.BigEndian.AppendUint16(b, uint16(math.Round(clamp01(v)*65535)))
		}
	}
	for range 3 {
		b = append(b, 0, 0, 0xff, 0xff)
	}
	return b
}

// mab builds an lutAtoBType with identity B, M and A curves, a matrix and
// a CLUT of n points per input of fn.
func mab(in, n int, matrix [12]float64, fn func(x []float64) [3]float64) []byte {
	ident := curv()
	ident = append(ident, make([]byte, (4-len(ident)%4)%4)...)
	curves := func(k int) []byte {
		var b []byte
		for range k {
			b = append(b, ident...)
		}
		return b
	}
	b := []byte("mAB \x00\x00\x00\x00")
	b = append(b, byte(in), 3, 0, 0)
	offB := 32
	bc := curves(3)
	offMat := offB + len(bc)
	var mat []byte
	for _, v := range matrix {
		mat = binary.BigEndian.AppendUint32(mat, uint32(int32(math.Round(v*65536))))
	}
	offM := offMat + len(mat)
	mc := curves(3)
	offCLUT := offM + len(mc)
	cl := make([]byte, 20)
	for i := range in {
		cl[i] = byte(n)
	}
	cl[16] = 2
	total := 1
	for range in {
		total *= n
	}
	x := make([]float64, in)
	for p := range total {
		k := p
		for i := in - 1; i >= 0; i-- {
			x[i] = float64(k%n) / float64(n-1)
			k /= n
		}
		for _, v := range fn(x) {
			cl = binary.BigEndian.AppendUint16(cl, uint16(math.Round(clamp01(v)*65535)))
		}
	}
	cl = append(cl, make([]byte, (4-len(cl)%4)%4)...)
	offA := offCLUT + len(cl)
	for _, o := range []int{offB, offMat, offM, offCLUT, offA} {
		b = binary.BigEndian.AppendUint32(b, uint32(o))
	}
	b = append(append(append(append(append(b, bc...), mat...), mc...), cl...), curves(in)...)
	return b
}

// xyzEncoded is the [0, 1] LUT encoding of PCS XYZ.
func xyzEncoded(v [3]float64) [3]float64 {
	const k = 32768.0 / 65535
	return [3]float64{v[0] * k, v[1] * k, v[2] * k}
}

// TestLUTProfilesMatchMatrix builds LUT profiles (lut16 to XYZ and Lab,
// lutAtoB with a matrix) that sample the Display P3 matrix/TRC profile,
// and checks their transforms agree with the matrix one.
func TestLUTProfilesMatchMatrix(t *testing.T) {
	ref, err := NewMatrixTRC(PrimariesDisplayP3, CurveSRGB)
	require.NoError(t, err)
	toXYZ := PrimariesDisplayP3.toD50()
	// As real LUT profiles do, the input curves linearise and the CLUT
	// holds what is smooth in linear light.
	dec := srgbDecode.eval
	xyzOf := func(x []float64) [3]float64 { return xyzEncoded(toXYZ.apply([3]float64{x[0], x[1], x[2]})) }
	labOf := func(x []float64) [3]float64 { // on encoded input: Lab is close to perceptual
		v := toXYZ.apply([3]float64{dec(x[0]), dec(x[1]), dec(x[2])})
		f := func(t float64) float64 {
			if t > 216.0/24389 {
				return math.Cbrt(t)
			}
			return (24389.0/27*t + 16) / 116
		}
		fx, fy, fz := f(v[0]/D50[0]), f(v[1]/D50[1]), f(v[2]/D50[2])
		L, a, b := 116*fy-16, 500*(fx-fy), 200*(fy-fz)
		return [3]float64{L / 100 * 65280 / 65535, (a + 128) * 256 / 65535, (b + 128) * 256 / 65535}
	}
	// mAB: the CLUT gives linear RGB scaled by ½, the matrix maps it to XYZ.
	var mat [12]float64
	for i := range 9 {
		mat[i] = 2 * toXYZ[i] * 32768 / 65535
	}
	halfLin := func(x []float64) [3]float64 { return [3]float64{dec(x[0]) / 2, dec(x[1]) / 2, dec(x[2]) / 2} }
	cases := map[string][]byte{
		"lut16 XYZ":  profile(SpaceRGB, SpaceXYZ, 2, map[string][]byte{"A2B0": lut16(3, 33, dec, xyzOf)}),
		"lut16 Lab":  profile(SpaceRGB, SpaceLab, 2, map[string][]byte{"A2B0": lut16(3, 33, nil, labOf)}),
		"mAB matrix": profile(SpaceRGB, SpaceXYZ, 4, map[string][]byte{"A2B1": mab(3, 33, mat, halfLin)}),
	}
	var src []byte
	for r := 0; r < 256; r += 15 {
		for g := 0; g < 256; g += 15 {
			for b := 0; b < 256; b += 15 {
				src = append(src, byte(r), byte(g), byte(b))
			}
		}
	}
	want := make([]byte, len(src))
	ref.Convert(want, src)
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := Parse(data)
			require.NoError(t, err)
			tr, err := NewTransform(p)
			require.NoError(t, err)
			require.NotNil(t, tr.grid)
			got := make([]byte, len(src))
			tr.Convert(got, src)
			// The device link is sampled on 33 points per input (as lcms2
			// samples its precalculated transforms): colours that clip in
			// sRGB, and those just inside where the sRGB curve is steep,
			// differ most; the mean is what matters for a thumbnail.
			worst, sum := 0, 0
			for i := range got {
				d := int(math.Abs(float64(got[i]) - float64(want[i])))
				sum += d
				px := want[i/3*3 : i/3*3+3]
				if !slices.Contains(px, 0) && !slices.Contains(px, 255) {
					worst = max(worst, d)
				}
			}
			assert.LessOrEqual(t, worst, 6, "largest difference in code values, in gamut")
			assert.LessOrEqual(t, float64(sum)/float64(len(got)), 0.3, "mean difference")
		})
	}
}

// TestCMYKLUT checks a four-input lut16 (to Lab) on the grid's corners and
// between them: a profile where ink removes lightness.
func TestCMYKLUT(t *testing.T) {
	lab := func(x []float64) [3]float64 { // L* falls with total ink, neutral
		ink := math.Min(1, (x[0]+x[1]+x[2])/3+x[3])
		return [3]float64{(100 - 100*ink) / 100 * 65280 / 65535, 128 * 256 / 65535.0, 128 * 256 / 65535.0}
	}
	p, err := Parse(profile(SpaceCMYK, SpaceLab, 2, map[string][]byte{"A2B0": lut16(4, 9, nil, lab)}))
	require.NoError(t, err)
	tr, err := NewTransform(p)
	require.NoError(t, err)
	assert.Equal(t, 4, tr.In())
	assert.Equal(t, 3, tr.Out())
	src := []byte{0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 128}
	dst := make([]byte, 9)
	tr.Convert(dst, src)
	assert.Equal(t, []byte{255, 255, 255, 0, 0, 0}, dst[:6], "paper white, full black")
	// 50 % K: L* ≈ 49.8, which is sRGB ≈ 118 on every channel.
	for _, v := range dst[6:] {
		assert.InDelta(t, 118, int(v), 2)
	}
}

func TestLUTBounds(t *testing.T) {
	good := lut16(3, 5, nil, func(x []float64) [3]float64 { return [3]float64{x[0], x[1], x[2]} })
	_, err := parseLUT(good, 3, SpaceXYZ)
	require.NoError(t, err)
	huge := append([]byte(nil), good...)
	huge[10] = 255 // grid points: 255³ × 3 × 2 bytes are not there
	_, err = parseLUT(huge, 3, SpaceXYZ)
	assert.ErrorContains(t, err, "does not fit")
	_, err = parseLUT(good[:len(good)-10], 3, SpaceXYZ)
	assert.Error(t, err)
	_, err = parseLUT(good, 4, SpaceXYZ)
	assert.ErrorContains(t, err, "want 4 to 3")
	m := mab(3, 3, [12]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, func(x []float64) [3]float64 { return [3]float64{x[0], x[1], x[2]} })
	_, err = parseLUT(m, 3, SpaceXYZ)
	require.NoError(t, err)
	bad := append([]byte(nil), m...)
	binary.BigEndian.PutUint32(bad[24:], 1<<30) // CLUT offset outside
	_, err = parseLUT(bad, 3, SpaceXYZ)
	assert.ErrorContains(t, err, "outside")
}

func TestNCLXCurves(t *testing.T) {
	// PQ: 203 cd/m² (BT.2408 reference white, code 0.58) maps to 1.
	assert.InDelta(t, 1, CurvePQ.c.eval(0.5806), 0.01)
	assert.InDelta(t, 0, CurvePQ.c.eval(0), 1e-9)
	// HLG: 75 % signal is reference white.
	assert.InDelta(t, 1, CurveHLG.c.eval(0.75), 0.05)
	_, err := EncodeMatrixTRC("PQ", PrimariesBT2020, CurvePQ)
	assert.Error(t, err, "PQ has no parametric form")
	_, err = NewMatrixTRC(Primaries{}, CurveSRGB)
	assert.Error(t, err)
	tr, err := NewMatrixTRC(PrimariesBT2020, CurveBT709)
	require.NoError(t, err)
	assert.False(t, tr.IsSRGB())
	assert.Equal(t, "rec2020", PrimariesBT2020.SpaceName())
}

// FuzzParse feeds arbitrary bytes to the parser and the transform builder:
// no panic, no unbounded allocation, and a transform converts.
func FuzzParse(f *testing.F) {
	f.Add(p3Profile(f))
	f.Add(profile(SpaceCMYK, SpaceLab, 2, map[string][]byte{"A2B0": lut16(4, 3, nil, func(x []float64) [3]float64 { return [3]float64{x[0], x[1], x[2]} })}))
	f.Add(profile(SpaceRGB, SpaceXYZ, 4, map[string][]byte{"A2B0": mab(3, 2, [12]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, func(x []float64) [3]float64 { return [3]float64{x[0], x[1], x[2]} })}))
	f.Add(profile(SpaceGray, SpaceXYZ, 2, map[string][]byte{"kTRC": curv(0x0100), "desc": mlucOf("grey")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		_ = p.SpaceName()
		tr, err := NewTransform(p)
		if err != nil {
			return
		}
		src := make([]byte, 4*tr.In())
		for i := range src {
			src[i] = byte(i * 67)
		}
		tr.Convert(make([]byte, 4*tr.Out()), src)
		_ = tr.IsSRGB()
	})
}
