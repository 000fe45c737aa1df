// Package icc reads ICC colour profiles (v2 and v4) and builds transforms
// from a profile's device colours to sRGB, the colour space of every
// thumbnail. It has no dependencies and knows nothing of images: it maps
// rows of 8-bit samples.
//
// What it handles:
//   - RGB matrix/TRC profiles (rXYZ/gXYZ/bXYZ with rTRC/gTRC/bTRC), every
//     curve type: curv gamma, curv table, para function types 0 to 4;
//   - grey profiles (grayTRC);
//   - LUT-based profiles of RGB, grey or CMYK devices (A2B1, else A2B0):
//     lut8 (mft1), lut16 (mft2) and lutAtoB (mAB) with their curves, CLUT
//     (multilinear interpolation, 8- or 16-bit) and matrix, to a PCS of XYZ
//     or Lab;
//   - the description (desc or mluc) for the record.
//
// The rendering intent is relative colorimetric, without black-point
// compensation: the PCS is D50, and sRGB's colorants are adapted to D50 with
// the Bradford transform, as lcms2 and libvips do. Colours outside sRGB are
// clipped per channel.
//
// Every size read from a profile is checked against the bytes present
// before anything is allocated for it, so a hostile profile costs at most
// its own size; Parse and NewTransform return errors, never panic.
package icc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Colour space signatures of the header's data colour space and PCS fields.
const (
	SpaceRGB  = "RGB "
	SpaceGray = "GRAY"
	SpaceCMYK = "CMYK"
	SpaceXYZ  = "XYZ "
	SpaceLab  = "Lab "
)

// Profile is a parsed ICC profile.
type Profile struct {
	Major, Minor int    // version, e.g. 2.1 or 4.4
	Class        string // device class: "mntr", "scnr", "prtr", "spac", ...
	ColorSpace   string // data colour space: SpaceRGB, SpaceGray, SpaceCMYK, ...
	PCS          string // SpaceXYZ or SpaceLab
	Description  string // from desc (v2 textDescription or v4 mluc); "" when absent
	tags         map[string][]byte
}

const (
	headerSize   = 128
	maxTags      = 256 // real profiles have fewer than 40
	maxDescRunes = 128
)

// ErrUnsupported marks a valid profile this package cannot convert (an
// unusual device space, no usable tags). Malformed profiles give other errors.
var ErrUnsupported = errors.New("icc: unsupported profile")

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)
}

// Parse reads the header and tag table of an ICC profile. Tags are checked
// to lie within the data; their contents are read when used.
func Parse(b []byte) (*Profile, error) {
	if len(b) < headerSize+4 {
		return nil, fmt.Errorf("icc: %d bytes is too short for a profile header and tag count", len(b))
	}
	if string(b[36:40]) != "acsp" {
		return nil, fmt.Errorf("icc: no 'acsp' signature at byte 36")
	}
	size := binary.BigEndian.Uint32(b)
	if uint64(size) > uint64(len(b)) || size < headerSize+4 {
		return nil, fmt.Errorf("icc: header declares %d bytes, but %d are present", size, len(b))
	}
	b = b[:size]
	p := &Profile{
		Major:      int(b[8]),
		Minor:      int(b[9] >> 4),
		Class:      string(b[12:16]),
		ColorSpace: string(b[16:20]),
		PCS:        string(b[20:24]),
		tags:       map[string][]byte{},
	}
	if p.Major < 2 || p.Major > 5 {
		return nil, fmt.Errorf("icc: version %d.%d is not an ICC profile version (2 to 4)", p.Major, p.Minor)
	}
	n := binary.BigEndian.Uint32(b[headerSize:])
	if n > maxTags || uint64(headerSize+4)+uint64(n)*12 > uint64(len(b)) {
		return nil, fmt.Errorf("icc: tag table of %d entries does not fit in %d bytes", n, len(b))
	}
	for i := range int(n) {
		e := b[headerSize+4+12*i:]
		sig := string(e[:4])
		off, sz := binary.BigEndian.Uint32(e[4:]), binary.BigEndian.Uint32(e[8:])
		if uint64(off)+uint64(sz) > uint64(len(b)) || sz < 8 {
			return nil, fmt.Errorf("icc: tag %q at %d+%d lies outside the %d-byte profile", sig, off, sz, len(b))
		}
		if _, dup := p.tags[sig]; !dup {
			p.tags[sig] = b[off : off+sz]
		}
	}
	p.Description = p.description()
	return p, nil
}

// Has reports whether the profile has the tag.
func (p *Profile) Has(sig string) bool { _, ok := p.tags[sig]; return ok }

// tag returns a tag's data and its type signature.
func (p *Profile) tag(sig string) ([]byte, string, bool) {
	t, ok := p.tags[sig]
	if !ok {
		return nil, "", false
	}
	return t, string(t[:4]), true
}

// description reads the 'desc' tag: a v2 textDescriptionType (ASCII) or a
// v4 multiLocalizedUnicodeType (English preferred), cleaned for display.
func (p *Profile) description() string {
	t, typ, ok := p.tag("desc")
	if !ok {
		return ""
	}
	switch typ {
	case "desc":
		if len(t) < 12 {
			return ""
		}
		n := binary.BigEndian.Uint32(t[8:])
		if uint64(n) > uint64(len(t)-12) {
			return ""
		}
		return cleanText(string(t[12 : 12+n]))
	case "mluc":
		return cleanText(mluc(t))
	case "text":
		return cleanText(string(t[8:]))
	}
	return ""
}

// mluc returns the en-US record of a multiLocalizedUnicodeType, else the
// first English one, else the first.
func mluc(t []byte) string {
	if len(t) < 16 {
		return ""
	}
	n, recSize := binary.BigEndian.Uint32(t[8:]), binary.BigEndian.Uint32(t[12:])
	if recSize < 12 || uint64(n)*uint64(recSize) > uint64(len(t)-16) {
		return ""
	}
	best, bestScore := -1, -1
	for i := range int(n) {
		r := t[16+i*int(recSize):]
		score := 0
		switch {
		case string(r[:4]) == "enUS":
			score = 2
		case string(r[:2]) == "en":
			score = 1
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return ""
	}
	r := t[16+best*int(recSize):]
	length, off := binary.BigEndian.Uint32(r[4:]), binary.BigEndian.Uint32(r[8:])
	if uint64(off)+uint64(length) > uint64(len(t)) {
		return ""
	}
	s := t[off : off+length]
	u := make([]uint16, len(s)/2)
	for i := range u {
		u[i] = binary.BigEndian.Uint16(s[2*i:])
	}
	return string(utf16.Decode(u))
}

// cleanText cuts at the first NUL, drops control and invalid characters,
// trims and caps the length.
func cleanText(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxDescRunes {
		s = strings.TrimSpace(string([]rune(s)[:maxDescRunes]))
	}
	return s
}

// s15f16 reads a signed 15.16 fixed-point number.
func s15f16(b []byte) float64 { return float64(int32(binary.BigEndian.Uint32(b))) / 65536 }

// xyzTag reads an XYZType tag's first value.
func (p *Profile) xyzTag(sig string) ([3]float64, error) {
	t, typ, ok := p.tag(sig)
	if !ok {
		return [3]float64{}, unsupported("no %q tag", sig)
	}
	if typ != "XYZ " || len(t) < 20 {
		return [3]float64{}, fmt.Errorf("icc: tag %q is not an XYZ value", sig)
	}
	v := [3]float64{s15f16(t[8:]), s15f16(t[12:]), s15f16(t[16:])}
	for _, c := range v {
		if math.IsNaN(c) || c < -5 || c > 5 {
			return v, fmt.Errorf("icc: tag %q has an impossible value %v", sig, v)
		}
	}
	return v, nil
}
