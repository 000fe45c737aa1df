package icc

import (
	"encoding/binary"
	"fmt"
)

// maxChannels bounds the inputs of a LUT: grey, RGB and CMYK are what this
// package converts.
const maxChannels = 4

// clut is a colour lookup table: grid[i] points per input dimension (the
// first input varies slowest), out values per point in [0, 1].
type clut struct {
	in, out int
	grid    []int
	stride  []int // per input, in points
	v       []float32
}

// parseCLUT reads points×out samples of prec bytes (1 or 2) from b.
func parseCLUT(b []byte, grid []int, out, prec int) (*clut, error) {
	c := &clut{in: len(grid), out: out, grid: grid, stride: make([]int, len(grid))}
	points := uint64(1)
	for i := len(grid) - 1; i >= 0; i-- {
		if grid[i] < 2 {
			return nil, fmt.Errorf("icc: CLUT with %d grid points on input %d", grid[i], i+1)
		}
		c.stride[i] = int(points)
		points *= uint64(grid[i])
		if points*uint64(out)*uint64(prec) > uint64(len(b)) {
			return nil, fmt.Errorf("icc: CLUT of grid %v × %d outputs does not fit in %d bytes", grid, out, len(b))
		}
	}
	n := int(points) * out
	c.v = make([]float32, n)
	switch prec {
	case 1:
		for i := range c.v {
			c.v[i] = float32(b[i]) / 255
		}
	case 2:
		for i := range c.v {
			c.v[i] = float32(binary.BigEndian.Uint16(b[2*i:])) / 65535
		}
	default:
		return nil, fmt.Errorf("icc: CLUT precision of %d bytes", prec)
	}
	return c, nil
}

// eval interpolates the table multilinearly at x (inputs in [0, 1]) into dst.
func (c *clut) eval(x []float64, dst []float64) {
	var (
		base int
		frac [maxChannels]float64
		step [maxChannels]int
	)
	for i := range c.in {
		p := clamp01(x[i]) * float64(c.grid[i]-1)
		k := int(p)
		if k >= c.grid[i]-1 {
			k = c.grid[i] - 2
		}
		frac[i] = p - float64(k)
		base += k * c.stride[i]
		step[i] = c.stride[i]
	}
	for o := range c.out {
		dst[o] = 0
	}
	for corner := range 1 << c.in {
		w, off := 1.0, base
		for i := range c.in {
			if corner&(1<<i) != 0 {
				w *= frac[i]
				off += step[i]
			} else {
				w *= 1 - frac[i]
			}
		}
		if w == 0 {
			continue
		}
		p := c.v[off*c.out : off*c.out+c.out]
		for o := range c.out {
			dst[o] += w * float64(p[o])
		}
	}
}

// pcsEncoding says how a LUT's [0, 1] outputs map to PCS values.
type pcsEncoding int

const (
	encXYZ   pcsEncoding = iota // X = v · 65535/32768 (u1Fixed15)
	encLabV2                    // lut16: L = v·65535/65280·100, a = v·65535/256 - 128
	encLabV4                    // lut8 and mAB: L = 100·v, a = 255·v - 128
)

// pipeline is an A2B LUT: per-input curves, optional CLUT, optional
// per-output M curves and matrix (mAB only), per-output B curves (output
// curves of mft1/mft2).
type pipeline struct {
	in     int
	a      []curve // nil: none
	clut   *clut   // nil: none (then in must be 3)
	m      []curve
	matrix *[12]float64 // 3×3 and offsets
	b      []curve
	enc    pcsEncoding
}

// eval maps device values in [0, 1] to the three PCS values in [0, 1]
// (still encoded).
func (l *pipeline) eval(x []float64) [3]float64 {
	var v [maxChannels]float64
	copy(v[:], x[:l.in])
	if l.a != nil {
		for i := range l.in {
			v[i] = l.a[i].eval(clamp01(v[i]))
		}
	}
	var out [3]float64
	if l.clut != nil {
		l.clut.eval(v[:l.in], out[:])
	} else {
		copy(out[:], v[:3])
	}
	if l.m != nil {
		for i := range 3 {
			out[i] = l.m[i].eval(clamp01(out[i]))
		}
	}
	if m := l.matrix; m != nil {
		r, g, b := out[0], out[1], out[2]
		out[0] = m[0]*r + m[1]*g + m[2]*b + m[9]
		out[1] = m[3]*r + m[4]*g + m[5]*b + m[10]
		out[2] = m[6]*r + m[7]*g + m[8]*b + m[11]
	}
	for i := range 3 {
		out[i] = l.b[i].eval(clamp01(out[i]))
	}
	return out
}

// parseLUT reads an A2B tag of type mft1, mft2 or mAB for a device of in
// channels and a PCS of pcs.
func parseLUT(t []byte, in int, pcs string) (*pipeline, error) {
	if len(t) < 32 {
		return nil, fmt.Errorf("icc: LUT of %d bytes is truncated", len(t))
	}
	typ := string(t[:4])
	nIn, nOut := int(t[8]), int(t[9])
	if nIn != in || nOut != 3 {
		return nil, fmt.Errorf("icc: %s LUT maps %d to %d channels, want %d to 3", typ, nIn, nOut, in)
	}
	l := &pipeline{in: in}
	lab := pcs == SpaceLab
	switch typ {
	case "mft1", "mft2":
		grid := int(t[10])
		inEntries, outEntries, prec, off := 256, 256, 1, 48
		if typ == "mft2" {
			if len(t) < 52 {
				return nil, fmt.Errorf("icc: mft2 of %d bytes is truncated", len(t))
			}
			inEntries, outEntries = int(binary.BigEndian.Uint16(t[48:])), int(binary.BigEndian.Uint16(t[50:]))
			prec, off = 2, 52
			if inEntries < 2 || inEntries > 4096 || outEntries < 2 || outEntries > 4096 {
				return nil, fmt.Errorf("icc: mft2 with %d input and %d output table entries", inEntries, outEntries)
			}
		}
		var err error
		if l.a, off, err = lutTables(t, off, in, inEntries, prec); err != nil {
			return nil, err
		}
		gridDims := make([]int, in)
		for i := range gridDims {
			gridDims[i] = grid
		}
		if l.clut, err = parseCLUT(t[off:], gridDims, 3, prec); err != nil {
			return nil, err
		}
		off += len(l.clut.v) * prec
		if l.b, _, err = lutTables(t, off, 3, outEntries, prec); err != nil {
			return nil, err
		}
		// The matrix of lut8/lut16 applies only to XYZ input: ignored for
		// device-to-PCS tables, as the specification says.
		switch {
		case !lab:
			l.enc = encXYZ
		case typ == "mft2":
			l.enc = encLabV2
		default:
			l.enc = encLabV4
		}
		return l, nil
	case "mAB ":
		return l, parseMAB(t, l, lab)
	}
	return nil, unsupported("A2B tag type %q", typ)
}

// lutTables reads n tables of entries values of prec bytes at off, as
// curves, and returns the offset after them.
func lutTables(t []byte, off, n, entries, prec int) ([]curve, int, error) {
	end := off + n*entries*prec
	if end > len(t) {
		return nil, 0, fmt.Errorf("icc: LUT tables (%d × %d entries) do not fit in %d bytes", n, entries, len(t))
	}
	cs := make([]curve, n)
	for i := range cs {
		tb := make(table, entries)
		for k := range tb {
			p := off + (i*entries+k)*prec
			if prec == 1 {
				tb[k] = float64(t[p]) / 255
			} else {
				tb[k] = float64(binary.BigEndian.Uint16(t[p:])) / 65535
			}
		}
		cs[i] = tb
	}
	return cs, end, nil
}

// parseMAB reads a lutAtoBType: offsets to B curves, matrix, M curves,
// CLUT and A curves, relative to the tag's start.
func parseMAB(t []byte, l *pipeline, lab bool) error {
	offB := binary.BigEndian.Uint32(t[12:])
	offMat := binary.BigEndian.Uint32(t[16:])
	offM := binary.BigEndian.Uint32(t[20:])
	offCLUT := binary.BigEndian.Uint32(t[24:])
	offA := binary.BigEndian.Uint32(t[28:])
	at := func(off uint32, what string) ([]byte, error) {
		if uint64(off) >= uint64(len(t)) {
			return nil, fmt.Errorf("icc: mAB %s offset %d is outside the %d-byte tag", what, off, len(t))
		}
		return t[off:], nil
	}
	if offB == 0 {
		return fmt.Errorf("icc: mAB without B curves")
	}
	b, err := at(offB, "B curves")
	if err != nil {
		return err
	}
	if l.b, err = parseCurves(b, 3); err != nil {
		return err
	}
	if offMat != 0 {
		m, err := at(offMat, "matrix")
		if err != nil {
			return err
		}
		if len(m) < 48 {
			return fmt.Errorf("icc: mAB matrix is truncated")
		}
		var mat [12]float64
		for i := range mat {
			mat[i] = s15f16(m[4*i:])
		}
		l.matrix = &mat
	}
	if offM != 0 {
		m, err := at(offM, "M curves")
		if err != nil {
			return err
		}
		if l.m, err = parseCurves(m, 3); err != nil {
			return err
		}
	}
	if offCLUT != 0 {
		c, err := at(offCLUT, "CLUT")
		if err != nil {
			return err
		}
		if len(c) < 20 {
			return fmt.Errorf("icc: mAB CLUT header is truncated")
		}
		grid := make([]int, l.in)
		for i := range grid {
			grid[i] = int(c[i])
		}
		if l.clut, err = parseCLUT(c[20:], grid, 3, int(c[16])); err != nil {
			return err
		}
	} else if l.in != 3 {
		return fmt.Errorf("icc: mAB for %d channels without a CLUT", l.in)
	}
	if offA != 0 {
		a, err := at(offA, "A curves")
		if err != nil {
			return err
		}
		if l.a, err = parseCurves(a, l.in); err != nil {
			return err
		}
	}
	if lab {
		l.enc = encLabV4
	} else {
		l.enc = encXYZ
	}
	return nil
}
