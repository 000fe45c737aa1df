package icc

import (
	"encoding/binary"
	"fmt"
	"math"
)

// curve maps [0, 1] to [0, 1] (a tone reproduction curve, or one channel's
// curve in a LUT).
type curve interface {
	eval(x float64) float64
}

type identity struct{}

func (identity) eval(x float64) float64 { return x }

// gamma is curv with one entry, or para type 0.
type gamma float64

func (g gamma) eval(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return math.Pow(x, float64(g))
}

// table is curv with n ≥ 2 entries spread evenly over [0, 1], linearly
// interpolated.
type table []float64

func (t table) eval(x float64) float64 {
	x = clamp01(x) * float64(len(t)-1)
	i := int(x)
	if i >= len(t)-1 {
		return t[len(t)-1]
	}
	f := x - float64(i)
	return t[i] + f*(t[i+1]-t[i])
}

// parametric is para of any function type, as its type 4 form:
// x >= d: (a·x + b)^g + e; else c·x + f.
type parametric struct{ g, a, b, c, d, e, f float64 }

func (p parametric) eval(x float64) float64 {
	var y float64
	if x >= p.d {
		v := p.a*x + p.b
		if v > 0 {
			y = math.Pow(v, p.g)
		}
		y += p.e
	} else {
		y = p.c*x + p.f
	}
	return y
}

// srgbDecode is the sRGB transfer function (IEC 61966-2-1) as para type 3.
var srgbDecode = parametric{g: 2.4, a: 1 / 1.055, b: 0.055 / 1.055, c: 1 / 12.92, d: 0.04045}

func clamp01(x float64) float64 {
	switch {
	case x > 1:
		return 1
	case x >= 0:
		return x
	}
	return 0 // also NaN
}

// maxCurveEntries bounds a curv table: 4096 is the most real profiles use.
const maxCurveEntries = 1 << 16

// parseCurve reads a curv or para element at the start of b and returns it
// with the number of bytes it occupies (unpadded).
func parseCurve(b []byte) (curve, int, error) {
	if len(b) < 12 {
		return nil, 0, fmt.Errorf("icc: curve of %d bytes is truncated", len(b))
	}
	switch string(b[:4]) {
	case "curv":
		n := binary.BigEndian.Uint32(b[8:])
		size := 12 + 2*uint64(n)
		if n > maxCurveEntries || size > uint64(len(b)) {
			return nil, 0, fmt.Errorf("icc: curv of %d entries does not fit in %d bytes", n, len(b))
		}
		switch n {
		case 0:
			return identity{}, 12, nil
		case 1:
			g := float64(binary.BigEndian.Uint16(b[12:])) / 256
			if g == 0 {
				return nil, 0, fmt.Errorf("icc: curv gamma of 0")
			}
			return gamma(g), 14, nil
		}
		t := make(table, n)
		for i := range t {
			t[i] = float64(binary.BigEndian.Uint16(b[12+2*i:])) / 65535
		}
		return t, int(size), nil
	case "para":
		typ := binary.BigEndian.Uint16(b[8:])
		counts := [...]int{1, 3, 4, 5, 7}
		if int(typ) >= len(counts) {
			return nil, 0, unsupported("para function type %d", typ)
		}
		n := counts[typ]
		size := 12 + 4*n
		if size > len(b) {
			return nil, 0, fmt.Errorf("icc: para type %d of %d bytes is truncated", typ, len(b))
		}
		v := make([]float64, 7)
		for i := range n {
			v[i] = s15f16(b[12+4*i:])
		}
		p := parametric{g: v[0], a: 1}
		switch typ {
		case 1: // x >= -b/a: (ax+b)^g, else 0
			p.a, p.b = v[1], v[2]
			p.d = paraBreak(p.a, p.b)
		case 2: // x >= -b/a: (ax+b)^g + c, else c
			p.a, p.b, p.e, p.f = v[1], v[2], v[3], v[3]
			p.d = paraBreak(p.a, p.b)
		case 3:
			p.a, p.b, p.c, p.d = v[1], v[2], v[3], v[4]
		case 4:
			p.a, p.b, p.c, p.d, p.e, p.f = v[1], v[2], v[3], v[4], v[5], v[6]
		}
		if p.g <= 0 || math.IsNaN(p.d) {
			return nil, 0, fmt.Errorf("icc: para type %d with impossible parameters %v", typ, v[:n])
		}
		return p, size, nil
	}
	return nil, 0, unsupported("curve type %q", b[:4])
}

// paraBreak is -b/a, where a para type 1 or 2 curve starts its power part.
func paraBreak(a, b float64) float64 {
	if a == 0 {
		return math.Inf(1)
	}
	return -b / a
}

// curveTag reads a TRC tag.
func (p *Profile) curveTag(sig string) (curve, error) {
	t, _, ok := p.tag(sig)
	if !ok {
		return nil, unsupported("no %q tag", sig)
	}
	c, _, err := parseCurve(t)
	if err != nil {
		return nil, fmt.Errorf("tag %q: %w", sig, err)
	}
	return c, nil
}

// parseCurves reads n curves stored one after another, each padded to four
// bytes, as in lutAtoBType.
func parseCurves(b []byte, n int) ([]curve, error) {
	cs := make([]curve, n)
	off := 0
	for i := range cs {
		if off > len(b) {
			return nil, fmt.Errorf("icc: curve %d of %d is outside the tag", i+1, n)
		}
		c, size, err := parseCurve(b[off:])
		if err != nil {
			return nil, err
		}
		cs[i] = c
		off += (size + 3) &^ 3
	}
	return cs, nil
}
