package icc

import (
	"fmt"
	"math"
	"sync"
)

// Transform converts rows of 8-bit device samples to 8-bit sRGB. It is
// immutable and safe for concurrent use.
type Transform struct {
	in   int  // channels per input pixel: 1, 3 or 4
	gray bool // one output channel (a grey input stays grey)

	// matrix/TRC: the matrix from the device's linear RGB to linear sRGB
	// (m), and in fixed point what Convert uses (fixed).
	m     [9]float32
	fixed *FixedMatrix

	lut1 [256]uint8 // grey → grey

	grid *grid // LUT profiles: device link sampled on a grid
}

// In is the number of input channels per pixel.
func (t *Transform) In() int { return t.in }

// Out is the number of output channels per pixel: 1 for grey, else 3.
func (t *Transform) Out() int {
	if t.gray {
		return 1
	}
	return 3
}

// encodeSteps is the resolution of the table encoding linear light to
// 8-bit sRGB: fine enough that the steepest part of the curve (near black)
// loses under a quarter of a code value.
const (
	encodeBits  = 14
	encodeSteps = 1 << encodeBits
	linBits     = 16
	matBits     = 14
	sumShift    = linBits + matBits - encodeBits
)

var encodeTable = sync.OnceValue(func() *[encodeSteps + 1]uint8 {
	var t [encodeSteps + 1]uint8
	for i := range t {
		t[i] = uint8(math.Round(255 * srgbEncode(float64(i)/encodeSteps)))
	}
	return &t
})

// Convert maps n = len(src)/In() pixels from src into dst, which holds
// n·Out() bytes.
func (t *Transform) Convert(dst, src []byte) {
	n := len(src) / t.in
	switch {
	case t.grid != nil:
		t.grid.convert(dst[:n*t.Out()], src[:n*t.in])
	case t.gray:
		for i, v := range src[:n] {
			dst[i] = t.lut1[v]
		}
	default:
		f := t.fixed
		m := &f.M
		lr, lg, lb := &f.Lin[0], &f.Lin[1], &f.Lin[2]
		for i := range n {
			s := src[3*i : 3*i+3 : 3*i+3]
			d := dst[3*i : 3*i+3 : 3*i+3]
			r, g, b := int(lr[s[0]]), int(lg[s[1]]), int(lb[s[2]])
			d[0] = f.Encode(int(m[0])*r + int(m[1])*g + int(m[2])*b)
			d[1] = f.Encode(int(m[3])*r + int(m[4])*g + int(m[5])*b)
			d[2] = f.Encode(int(m[6])*r + int(m[7])*g + int(m[8])*b)
		}
	}
}

// FixedMatrix is a matrix/TRC transform in fixed point, for callers that
// fuse it with their own pixel loop (see Convert for its use): Lin decodes
// each channel's 8-bit value to linear light in units of 2^-16, M is the
// matrix from those to linear sRGB (row-major) in units of 2^-14, and
// Encode turns a row's sum of products into an 8-bit sRGB value.
type FixedMatrix struct {
	Lin [3][256]int32
	M   [9]int32
	enc *[encodeSteps + 1]uint8
}

// Encode is the 8-bit sRGB value of the linear light sum (one row of M
// applied to three Lin values), rounded and clipped to [0, 1].
func (f *FixedMatrix) Encode(sum int) uint8 {
	v := (sum + 1<<(sumShift-1)) >> sumShift
	if uint(v) > encodeSteps { // one branch, rarely taken: below 0 or above 1
		v = encodeSteps &^ (v >> 63)
	}
	return f.enc[v&(encodeSteps*2-1)]
}

// Fixed returns the transform's fixed-point form when it is a 3-channel
// matrix/TRC transform, else nil (grey, LUT and CMYK transforms).
func (t *Transform) Fixed() *FixedMatrix { return t.fixed }

// Curve is a transfer function from encoded values to linear light, both
// in [0, 1] (values above 1 are clipped at the end of a conversion).
type Curve struct {
	c     curve
	param *parametric // when the curve can be written as para type 4
}

func paraCurve(p parametric) Curve { return Curve{c: p, param: &p} }

// Transfer functions.
var (
	CurveSRGB   = paraCurve(srgbDecode)
	CurveLinear = paraCurve(parametric{g: 1, a: 1})
	// CurveBT709 is the inverse of the BT.709/BT.601/BT.2020 OETF.
	CurveBT709 = paraCurve(parametric{g: 1 / 0.45, a: 1 / 1.099, b: 0.099 / 1.099, c: 1 / 4.5, d: 0.081})
	// CurvePQ is SMPTE ST 2084 with BT.2408's reference white (203 cd/m²)
	// at 1: highlights above it are clipped when converted to sRGB.
	CurvePQ = Curve{c: funcCurve(pqToSDR)}
	// CurveHLG is ARIB STD-B67 / BT.2100 HLG, displayed on a 1000 cd/m²
	// reference display (system gamma 1.2) with reference white at 1.
	CurveHLG = Curve{c: funcCurve(hlgToSDR)}
)

// CurveGamma is a pure power law: linear = encoded^g.
func CurveGamma(g float64) Curve { return paraCurve(parametric{g: g, a: 1}) }

type funcCurve func(float64) float64

func (f funcCurve) eval(x float64) float64 { return f(x) }

const refWhiteNits = 203

func pqToSDR(e float64) float64 {
	const m1, m2, c1, c2, c3 = 2610.0 / 16384, 2523.0 / 4096 * 128, 3424.0 / 4096, 2413.0 / 4096 * 32, 2392.0 / 4096 * 32
	p := math.Pow(clamp01(e), 1/m2)
	return 10000 * math.Pow(math.Max(p-c1, 0)/(c2-c3*p), 1/m1) / refWhiteNits
}

func hlgToSDR(e float64) float64 {
	const a, b, c = 0.17883277, 0.28466892, 0.55991073
	e = clamp01(e)
	var scene float64
	if e <= 0.5 {
		scene = e * e / 3
	} else {
		scene = (math.Exp((e-c)/a) + b) / 12
	}
	// OOTF for a 1000 cd/m² display, per channel (a close approximation of
	// the luminance-based OOTF for thumbnails).
	return 1000 * math.Pow(scene, 1.2) / refWhiteNits
}

// NewMatrixTRC returns the transform from an RGB space given by its
// primaries and transfer function (as an nclx box or PNG cHRM/gAMA
// describes it) to sRGB.
func NewMatrixTRC(p Primaries, c Curve) (*Transform, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("icc: primaries %v do not form an RGB space", p)
	}
	m := p.toD50()
	return matrixTransform(m, [3]curve{c.c, c.c, c.c}), nil
}

func matrixTransform(toD50 mat3, trc [3]curve) *Transform {
	t := &Transform{in: 3, fixed: &FixedMatrix{enc: encodeTable()}}
	for c := range 3 {
		for v := range 256 {
			l := trc[c].eval(float64(v) / 255)
			// Curves give at most a few dozen (PQ's highlights, clipped
			// at the end): far inside int32 at 16 fractional bits.
			if math.IsNaN(l) {
				l = 0
			}
			t.fixed.Lin[c][v] = int32(math.Round(math.Max(-1<<14, math.Min(l, 1<<14)) * (1 << linBits)))
		}
	}
	m := srgbFromD50.mul(toD50)
	for i := range m {
		t.m[i] = float32(m[i])
		t.fixed.M[i] = int32(math.Round(m[i] * (1 << matBits)))
	}
	return t
}

// NewTransform builds the transform from the profile's device colours to
// sRGB. A profile whose device space is not grey, RGB or CMYK, or that
// has neither a usable A2B table nor matrix/TRC tags, returns an error
// wrapping ErrUnsupported.
func NewTransform(p *Profile) (*Transform, error) {
	in := 0
	switch p.ColorSpace {
	case SpaceGray:
		in = 1
	case SpaceRGB:
		in = 3
	case SpaceCMYK:
		in = 4
	default:
		return nil, unsupported("device colour space %q", p.ColorSpace)
	}
	if p.PCS != SpaceXYZ && p.PCS != SpaceLab {
		return nil, unsupported("profile connection space %q", p.PCS)
	}
	// Relative colorimetric: A2B1, else A2B0 (as lcms2 chooses), else the
	// matrix/TRC or grey TRC tags.
	for _, sig := range []string{"A2B1", "A2B0"} {
		t, _, ok := p.tag(sig)
		if !ok {
			continue
		}
		l, err := parseLUT(t, in, p.PCS)
		if err != nil {
			if in == 4 || (!p.Has("rTRC") && !p.Has("kTRC")) {
				return nil, fmt.Errorf("tag %s: %w", sig, err)
			}
			break // fall back to the shaper tags
		}
		return lutTransform(l), nil
	}
	switch in {
	case 1:
		trc, err := p.curveTag("kTRC")
		if err != nil {
			return nil, err
		}
		t := &Transform{in: 1, gray: true}
		for v := range 256 {
			y := trc.eval(float64(v) / 255)
			if p.PCS == SpaceLab { // the curve gives L*/100 (ICC.1, F.2)
				y = labToXYZ(100*y, 0, 0)[1]
			}
			t.lut1[v] = uint8(math.Round(255 * srgbEncode(y)))
		}
		return t, nil
	case 3:
		var cols [3][3]float64
		var trc [3]curve
		for i, c := range "rgb" {
			var err error
			if cols[i], err = p.xyzTag(string(c) + "XYZ"); err != nil {
				return nil, err
			}
			if trc[i], err = p.curveTag(string(c) + "TRC"); err != nil {
				return nil, err
			}
		}
		return matrixTransform(columns(cols[0], cols[1], cols[2]), trc), nil
	}
	return nil, unsupported("CMYK profile without an A2B0 or A2B1 table")
}

// lutTransform samples the LUT pipeline, followed by the PCS to sRGB
// conversion, on a grid (a grey one on all 256 values).
func lutTransform(l *pipeline) *Transform {
	exact := func(dev []float64) [3]float64 {
		xyz := decodePCS(l.eval(dev), l.enc)
		lin := srgbFromD50.apply(xyz)
		// Unclipped, so that interpolating between grid points on either
		// side of the gamut boundary clips where the colour does.
		return [3]float64{srgbEncodeUnclipped(lin[0]), srgbEncodeUnclipped(lin[1]), srgbEncodeUnclipped(lin[2])}
	}
	if l.in == 1 {
		t := &Transform{in: 1, gray: true}
		for v := range 256 {
			y := decodePCS(l.eval([]float64{float64(v) / 255}), l.enc)[1]
			t.lut1[v] = uint8(math.Round(255 * srgbEncode(y)))
		}
		return t
	}
	return &Transform{in: l.in, grid: sampleGrid(l.in, exact)}
}

// IsSRGB reports whether the transform leaves sRGB values as they are (to
// within one code value on a 6×6×6 cube and a grey ramp): the profile
// describes sRGB, and converting would only cost time.
func (t *Transform) IsSRGB() bool {
	if t.in == 4 {
		return false
	}
	if t.gray {
		for v := range 256 {
			if d := int(t.lut1[v]) - v; d < -1 || d > 1 {
				return false
			}
		}
		return true
	}
	var src, dst []byte
	for r := 0; r < 256; r += 51 {
		for g := 0; g < 256; g += 51 {
			for b := 0; b < 256; b += 51 {
				src = append(src, byte(r), byte(g), byte(b))
			}
		}
	}
	for v := range 256 {
		src = append(src, byte(v), byte(v), byte(v))
	}
	dst = make([]byte, len(src))
	t.Convert(dst, src)
	for i := range src {
		if d := int(dst[i]) - int(src[i]); d < -1 || d > 1 {
			return false
		}
	}
	return true
}

// Gray returns the transform of an RGB transform applied to neutral
// input (r = g = b), for grey pixels: its output is the green channel,
// which equals the others when the space's white is neutral.
func (t *Transform) Gray() *Transform {
	if t.gray {
		return t
	}
	g := &Transform{in: 1, gray: true}
	var src, dst [3 * 256]byte
	for v := range 256 {
		src[3*v], src[3*v+1], src[3*v+2] = byte(v), byte(v), byte(v)
	}
	if t.in == 3 {
		t.Convert(dst[:], src[:])
	}
	for v := range 256 {
		g.lut1[v] = dst[3*v+1]
	}
	return g
}
