package icc

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf16"
)

// EncodeMatrixTRC writes a v4 display profile (matrix/TRC) for an RGB
// space given by its primaries and a parametric transfer function: the
// profile a thumbnail embeds when its source described its colours by code
// points (nclx, PNG cHRM/gAMA) rather than by a profile. Curves that are
// not parametric (PQ, HLG) cannot be written and return an error.
func EncodeMatrixTRC(description string, p Primaries, c Curve) ([]byte, error) {
	if c.param == nil {
		return nil, fmt.Errorf("icc: the transfer function has no parametric form to write")
	}
	if !p.Valid() {
		return nil, fmt.Errorf("icc: primaries %v do not form an RGB space", p)
	}
	m := p.toD50()
	chad := adapt(xyY(p.W), D50)
	f := func(v float64) []byte {
		return binary.BigEndian.AppendUint32(nil, uint32(int32(math.Round(v*65536))))
	}
	xyz := func(v [3]float64) []byte {
		b := append([]byte("XYZ \x00\x00\x00\x00"), f(v[0])...)
		return append(append(b, f(v[1])...), f(v[2])...)
	}
	pc := *c.param
	para := append([]byte("para\x00\x00\x00\x00\x00\x04\x00\x00"), f(pc.g)...) // function type 4
	for _, v := range []float64{pc.a, pc.b, pc.c, pc.d, pc.e, pc.f} {
		para = append(para, f(v)...)
	}
	sf32 := []byte("sf32\x00\x00\x00\x00")
	for _, v := range chad {
		sf32 = append(sf32, f(v)...)
	}
	type tag struct {
		sig  string
		data []byte
	}
	tags := []tag{
		{"desc", mlucOf(description)},
		{"cprt", mlucOf("No copyright, use freely")},
		{"wtpt", xyz(D50)},
		{"chad", sf32},
		{"rXYZ", xyz([3]float64{m[0], m[3], m[6]})},
		{"gXYZ", xyz([3]float64{m[1], m[4], m[7]})},
		{"bXYZ", xyz([3]float64{m[2], m[5], m[8]})},
		{"rTRC", para}, // the three TRC entries share one element
	}
	n := len(tags) + 2
	out := make([]byte, headerSize+4+12*n)
	var offsets []uint32
	var sizes []uint32
	for _, t := range tags {
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		offsets = append(offsets, uint32(len(out)))
		sizes = append(sizes, uint32(len(t.data)))
		out = append(out, t.data...)
	}
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	be := binary.BigEndian
	be.PutUint32(out[0:], uint32(len(out)))
	be.PutUint32(out[8:], 0x04400000)
	copy(out[12:], "mntrRGB XYZ ")
	be.PutUint16(out[24:], 2024) // creation date: a fixed one keeps the bytes reproducible
	be.PutUint16(out[26:], 1)
	be.PutUint16(out[28:], 1)
	copy(out[36:], "acsp")
	copy(out[68:], f(D50[0]))
	copy(out[72:], f(D50[1]))
	copy(out[76:], f(D50[2]))
	be.PutUint32(out[headerSize:], uint32(n))
	entry := func(i int, sig string, off, size uint32) {
		e := out[headerSize+4+12*i:]
		copy(e, sig)
		be.PutUint32(e[4:], off)
		be.PutUint32(e[8:], size)
	}
	for i, t := range tags {
		entry(i, t.sig, offsets[i], sizes[i])
	}
	trc := len(tags) - 1
	entry(len(tags), "gTRC", offsets[trc], sizes[trc])
	entry(len(tags)+1, "bTRC", offsets[trc], sizes[trc])
	return out, nil
}

// mlucOf is a multiLocalizedUnicodeType with one en-US record.
func mlucOf(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := []byte("mluc\x00\x00\x00\x00")
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, 12)
	b = append(b, "enUS"...)
	b = binary.BigEndian.AppendUint32(b, uint32(2*len(u)))
	b = binary.BigEndian.AppendUint32(b, 28)
	for _, c := range u {
		b = binary.BigEndian.AppendUint16(b, c)
	}
	return b
}
