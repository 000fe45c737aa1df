package icc

import (
	"math"
	"strings"
)

// mat3 is a row-major 3×3 matrix.
type mat3 [9]float64

func (m mat3) mul(n mat3) mat3 {
	var r mat3
	for i := range 3 {
		for j := range 3 {
			r[3*i+j] = m[3*i]*n[j] + m[3*i+1]*n[3+j] + m[3*i+2]*n[6+j]
		}
	}
	return r
}

func (m mat3) apply(v [3]float64) [3]float64 {
	return [3]float64{
		m[0]*v[0] + m[1]*v[1] + m[2]*v[2],
		m[3]*v[0] + m[4]*v[1] + m[5]*v[2],
		m[6]*v[0] + m[7]*v[1] + m[8]*v[2],
	}
}

func (m mat3) inv() (mat3, bool) {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	det := a*(e*i-f*h) - b*(d*i-f*g) + c*(d*h-e*g)
	if math.Abs(det) < 1e-12 || math.IsNaN(det) {
		return mat3{}, false
	}
	return mat3{
		(e*i - f*h) / det, (c*h - b*i) / det, (b*f - c*e) / det,
		(f*g - d*i) / det, (a*i - c*g) / det, (c*d - a*f) / det,
		(d*h - e*g) / det, (b*g - a*h) / det, (a*e - b*d) / det,
	}, true
}

func diag(v [3]float64) mat3 { return mat3{v[0], 0, 0, 0, v[1], 0, 0, 0, v[2]} }

// columns builds the matrix whose columns are the given colorants.
func columns(r, g, b [3]float64) mat3 {
	return mat3{r[0], g[0], b[0], r[1], g[1], b[1], r[2], g[2], b[2]}
}

// D50 is the ICC profile connection space's white (ICC.1, 7.2.16).
var D50 = [3]float64{0.9642, 1.0, 0.8249}

// xyY returns the XYZ of chromaticity x, y at Y = 1.
func xyY(xy [2]float64) [3]float64 {
	x, y := xy[0], xy[1]
	return [3]float64{x / y, 1, (1 - x - y) / y}
}

// bradfordMatrix is the cone response matrix of the Bradford transform.
var bradfordMatrix = mat3{0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296}

// adapt is the Bradford chromatic adaptation from white src to white dst.
func adapt(src, dst [3]float64) mat3 {
	inv, _ := bradfordMatrix.inv()
	s, d := bradfordMatrix.apply(src), bradfordMatrix.apply(dst)
	return inv.mul(diag([3]float64{d[0] / s[0], d[1] / s[1], d[2] / s[2]})).mul(bradfordMatrix)
}

// Primaries are the chromaticities (CIE 1931 x, y) of an RGB space's red,
// green and blue and of its white.
type Primaries struct{ R, G, B, W [2]float64 }

// Primaries of the RGB spaces this package names.
var (
	d65           = [2]float64{0.3127, 0.3290}
	PrimariesSRGB = Primaries{R: [2]float64{0.64, 0.33}, G: [2]float64{0.30, 0.60}, B: [2]float64{0.15, 0.06}, W: d65} // also BT.709
	// PrimariesDisplayP3 are those of SMPTE EG 432-1 (P3 with a D65 white).
	PrimariesDisplayP3 = Primaries{R: [2]float64{0.680, 0.320}, G: [2]float64{0.265, 0.690}, B: [2]float64{0.150, 0.060}, W: d65}
	// PrimariesDCIP3 are those of SMPTE RP 431-2 (the cinema white).
	PrimariesDCIP3     = Primaries{R: [2]float64{0.680, 0.320}, G: [2]float64{0.265, 0.690}, B: [2]float64{0.150, 0.060}, W: [2]float64{0.314, 0.351}}
	PrimariesAdobeRGB  = Primaries{R: [2]float64{0.64, 0.33}, G: [2]float64{0.21, 0.71}, B: [2]float64{0.15, 0.06}, W: d65}
	PrimariesProPhoto  = Primaries{R: [2]float64{0.7347, 0.2653}, G: [2]float64{0.1596, 0.8404}, B: [2]float64{0.0366, 0.0001}, W: [2]float64{0.3457, 0.3585}}
	PrimariesBT2020    = Primaries{R: [2]float64{0.708, 0.292}, G: [2]float64{0.170, 0.797}, B: [2]float64{0.131, 0.046}, W: d65}
	PrimariesBT601_625 = Primaries{R: [2]float64{0.64, 0.33}, G: [2]float64{0.29, 0.60}, B: [2]float64{0.15, 0.06}, W: d65}
	PrimariesBT601_525 = Primaries{R: [2]float64{0.630, 0.340}, G: [2]float64{0.310, 0.595}, B: [2]float64{0.155, 0.070}, W: d65}
)

// Valid reports whether the chromaticities can form an RGB space.
func (p Primaries) Valid() bool {
	for _, c := range [][2]float64{p.R, p.G, p.B, p.W} {
		if !(c[0] >= 0 && c[0] <= 1 && c[1] > 0 && c[1] <= 1) {
			return false
		}
	}
	_, ok := p.rgbToXYZ().inv()
	return ok
}

// rgbToXYZ is the matrix from linear RGB to XYZ at the space's own white.
func (p Primaries) rgbToXYZ() mat3 {
	m := columns(xyY(p.R), xyY(p.G), xyY(p.B))
	inv, ok := m.inv()
	if !ok {
		return mat3{}
	}
	s := inv.apply(xyY(p.W))
	return m.mul(diag(s))
}

// toD50 is the matrix from linear RGB to the PCS (XYZ, D50), adapted with
// Bradford as ICC profiles do for their colorants.
func (p Primaries) toD50() mat3 {
	return adapt(xyY(p.W), D50).mul(p.rgbToXYZ())
}

// srgbFromD50 maps PCS XYZ to linear sRGB.
var srgbFromD50 = func() mat3 {
	m, _ := PrimariesSRGB.toD50().inv()
	return m
}()

// labToXYZ converts CIE Lab (D50 white) to XYZ.
func labToXYZ(L, a, b float64) [3]float64 {
	fy := (L + 16) / 116
	fx, fz := fy+a/500, fy-b/200
	f := func(t float64) float64 {
		if t > 6.0/29 {
			return t * t * t
		}
		return 3 * (6.0 / 29) * (6.0 / 29) * (t - 4.0/29)
	}
	return [3]float64{D50[0] * f(fx), D50[1] * f(fy), D50[2] * f(fz)}
}

// decodePCS turns a LUT's encoded outputs into XYZ (D50).
func decodePCS(v [3]float64, enc pcsEncoding) [3]float64 {
	switch enc {
	case encLabV2:
		return labToXYZ(v[0]*65535/65280*100, v[1]*65535/256-128, v[2]*65535/256-128)
	case encLabV4:
		return labToXYZ(v[0]*100, v[1]*255-128, v[2]*255-128)
	}
	const k = 65535.0 / 32768
	return [3]float64{v[0] * k, v[1] * k, v[2] * k}
}

// srgbEncode is the inverse sRGB transfer function on [0, 1].
func srgbEncode(l float64) float64 {
	switch {
	case l <= 0 || math.IsNaN(l):
		return 0
	case l >= 1:
		return 1
	case l <= 0.0031308:
		return 12.92 * l
	}
	return 1.055*math.Pow(l, 1/2.4) - 0.055
}

// named RGB spaces, by their colorants adapted to D50.
var namedSpaces = []struct {
	name string
	p    Primaries
}{
	{"srgb", PrimariesSRGB},
	{"display-p3", PrimariesDisplayP3},
	{"dci-p3", PrimariesDCIP3},
	{"adobe-rgb", PrimariesAdobeRGB},
	{"prophoto-rgb", PrimariesProPhoto},
	{"rec2020", PrimariesBT2020},
}

// SpaceName names the profile's colour space for the record: "gray",
// "cmyk", "lab", a named RGB space ("srgb", "display-p3", "dci-p3",
// "adobe-rgb", "prophoto-rgb", "rec2020") when its colorants are those of
// the space (whatever its curves), else "rgb"; other device spaces give
// their signature in lower case.
func (p *Profile) SpaceName() string {
	switch p.ColorSpace {
	case SpaceGray:
		return "gray"
	case SpaceCMYK:
		return "cmyk"
	case SpaceLab:
		return "lab"
	case SpaceRGB:
		var cols [3][3]float64
		for i, c := range "rgb" {
			v, err := p.xyzTag(string(c) + "XYZ")
			if err != nil {
				return "rgb"
			}
			cols[i] = v
		}
		return nameColorants(columns(cols[0], cols[1], cols[2]))
	}
	return cleanText(strings.ToLower(strings.TrimSpace(p.ColorSpace)))
}

// SpaceName names the RGB space of the primaries, as Profile.SpaceName does.
func (p Primaries) SpaceName() string { return nameColorants(p.toD50()) }

func nameColorants(m mat3) string {
	for _, s := range namedSpaces {
		ref := s.p.toD50()
		close := true
		for i := range m {
			if math.Abs(m[i]-ref[i]) > 0.004 {
				close = false
			}
		}
		if close {
			return s.name
		}
	}
	return "rgb"
}

// srgbEncodeUnclipped extends the inverse sRGB transfer function beyond
// [0, 1], odd-symmetric below 0, so a device link keeps out-of-gamut
// colours smooth until the final rounding clips them.
func srgbEncodeUnclipped(l float64) float64 {
	switch {
	case math.IsNaN(l):
		return 0
	case l < 0:
		return -srgbEncodeUnclipped(-l)
	case l <= 0.0031308:
		return 12.92 * l
	}
	return 1.055*math.Pow(l, 1/2.4) - 0.055
}
