package imaging

import (
	"crypto/sha256"
	"fmt"
	"image"
	"strings"
	"sync"

	"github.com/imgpipe/imgpipe/lambda/imaging/icc"
)

// ColorOutput says what thumbnails do with a source's colour space.
type ColorOutput string

// Colour output modes.
const (
	// ColorSRGB converts every thumbnail to sRGB (the default): it looks
	// right in every viewer, tagged or not.
	ColorSRGB ColorOutput = "srgb"
	// ColorPreserve keeps the source's pixels and embeds its profile in
	// the thumbnail, for wide-gamut displays. A profile over
	// MaxEmbeddedProfile bytes, or one a JPEG thumbnail cannot carry
	// (CMYK), is converted to sRGB instead.
	ColorPreserve ColorOutput = "preserve"
)

// ColorAction says how a thumbnail's colours were produced.
type ColorAction string

// Colour actions, recorded with each image.
const (
	ColorNone      ColorAction = "none"      // untagged or sRGB source: pixels kept as they are
	ColorConverted ColorAction = "converted" // converted to sRGB through the source's profile
	ColorPreserved ColorAction = "preserved" // source pixels kept, profile embedded (ColorPreserve)
	ColorFallback  ColorAction = "fallback"  // colour information unusable: treated as sRGB; ColorNote says why
)

// MaxEmbeddedProfile caps the profile a thumbnail embeds in preserve mode:
// matrix/TRC display profiles are under 4 KiB, while a thumbnail of 20 KiB
// should not carry a 2 MiB print profile.
const MaxEmbeddedProfile = 64 << 10

// colorPlan is what the colour stage does to one image.
type colorPlan struct {
	t     *icc.Transform // nil: pixels are left as they are
	embed []byte         // profile to embed in every thumbnail (preserve mode)
	// toSRGB converts the preserved pixels to sRGB (preserve mode, with
	// embed): for what must be sRGB even then, the AVIF thumbnails (their
	// encoder cannot embed a profile) and the placeholder and colours.
	toSRGB  *icc.Transform
	profile string // Result.ColorProfile
	space   string // Result.ColorSpace
	action  ColorAction
	notes   []string
}

func (c *colorPlan) note(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

// fallback gives up on the colour information: pixels are used as they
// are (CMYK with the naive conversion), as if untagged.
func (c *colorPlan) fallback(format string, args ...any) {
	c.t, c.embed, c.action = nil, nil, ColorFallback
	c.note(format+": colours used as if sRGB", args...)
}

// kind of decoded pixels the colour information must fit.
type pixelKind int

const (
	pixelsRGB pixelKind = iota
	pixelsGray
	pixelsCMYK
)

func kindOf(img image.Image) pixelKind {
	switch img.(type) {
	case *image.CMYK:
		return pixelsCMYK
	case *image.Gray, *image.Gray16:
		return pixelsGray
	}
	return pixelsRGB
}

var channelsOf = map[pixelKind]int{pixelsRGB: 3, pixelsGray: 1, pixelsCMYK: 4}
var kindNames = map[pixelKind]string{pixelsRGB: "colour", pixelsGray: "grey", pixelsCMYK: "CMYK"}

// planColor decides, from what the file declares and the kind of pixels
// decoded, how thumbnails get their colours.
func planColor(ci colorInfo, kind pixelKind, mode ColorOutput) colorPlan {
	plan := colorPlan{space: "srgb", action: ColorNone}
	plan.notes = append(plan.notes, ci.notes...)
	switch {
	case ci.icc != nil:
		planICC(&plan, ci.icc, kind, mode)
	case ci.nclx != nil:
		planNCLX(&plan, *ci.nclx, kind, mode)
	case ci.srgb:
		plan.profile = "sRGB (PNG sRGB chunk)"
	case ci.gamma != 0 || ci.chrm != nil:
		planPNGGamma(&plan, ci, kind, mode)
	}
	if kind == pixelsCMYK && plan.t == nil && plan.action != ColorFallback {
		plan.space = "cmyk"
		if plan.profile == "" {
			plan.action = ColorFallback
			plan.note("CMYK without an ICC profile: converted with the naive formula")
		}
	}
	return plan
}

func planICC(plan *colorPlan, b []byte, kind pixelKind, mode ColorOutput) {
	e := cachedProfile(b)
	if e.err != nil && e.prof == nil {
		plan.space = ""
		plan.fallback("the embedded ICC profile is malformed (%v)", e.err)
		return
	}
	plan.profile, plan.space = e.prof.Description, e.prof.SpaceName()
	if plan.profile == "" {
		plan.profile = "(ICC profile without a description)"
	}
	if e.err != nil {
		plan.fallback("the embedded ICC profile cannot be converted (%v)", e.err)
		return
	}
	if e.t.In() != channelsOf[kind] {
		plan.fallback("the embedded ICC profile is for %s pixels, but the image has %s pixels", e.prof.ColorSpace, kindNames[kind])
		return
	}
	if e.srgb {
		plan.space = "srgb"
		return
	}
	if mode == ColorPreserve {
		switch {
		case kind == pixelsCMYK:
			plan.note("preserve: a JPEG thumbnail cannot carry a CMYK profile, converted to sRGB")
		case len(b) > MaxEmbeddedProfile:
			plan.note("preserve: the profile is %d bytes, over the cap of %d for embedding, converted to sRGB", len(b), MaxEmbeddedProfile)
		default:
			plan.embed, plan.action, plan.toSRGB = b, ColorPreserved, e.t
			return
		}
	}
	plan.t, plan.action = e.t, ColorConverted
}

// nclx code points (ITU-T H.273) this stage knows.
var (
	nclxPrimaries = map[uint16]struct {
		name string
		p    icc.Primaries
	}{
		1:  {"BT.709", icc.PrimariesSRGB},
		2:  {"unspecified (taken as BT.709)", icc.PrimariesSRGB},
		4:  {"BT.470 System M", icc.Primaries{R: [2]float64{0.67, 0.33}, G: [2]float64{0.21, 0.71}, B: [2]float64{0.14, 0.08}, W: [2]float64{0.310, 0.316}}},
		5:  {"BT.601 625", icc.PrimariesBT601_625},
		6:  {"BT.601 525", icc.PrimariesBT601_525},
		7:  {"SMPTE 240M", icc.PrimariesBT601_525},
		9:  {"BT.2020", icc.PrimariesBT2020},
		11: {"DCI-P3", icc.PrimariesDCIP3},
		12: {"Display P3", icc.PrimariesDisplayP3},
		22: {"EBU Tech 3213-E", icc.Primaries{R: [2]float64{0.630, 0.340}, G: [2]float64{0.295, 0.605}, B: [2]float64{0.155, 0.077}, W: [2]float64{0.3127, 0.3290}}},
	}
	nclxTransfers = map[uint16]struct {
		name string
		c    icc.Curve
		hdr  bool
	}{
		1:  {"BT.709", icc.CurveBT709, false},
		2:  {"unspecified (taken as sRGB)", icc.CurveSRGB, false},
		4:  {"gamma 2.2", icc.CurveGamma(2.2), false},
		5:  {"gamma 2.8", icc.CurveGamma(2.8), false},
		6:  {"BT.601", icc.CurveBT709, false},
		8:  {"linear", icc.CurveLinear, false},
		13: {"sRGB", icc.CurveSRGB, false},
		14: {"BT.2020", icc.CurveBT709, false},
		15: {"BT.2020 12-bit", icc.CurveBT709, false},
		16: {"PQ (SMPTE ST 2084)", icc.CurvePQ, true},
		18: {"HLG (ARIB STD-B67)", icc.CurveHLG, true},
	}
)

func planNCLX(plan *colorPlan, n nclx, kind pixelKind, mode ColorOutput) {
	pr, okP := nclxPrimaries[n.primaries]
	tr, okT := nclxTransfers[n.transfer]
	plan.profile = fmt.Sprintf("nclx %d/%d/%d", n.primaries, n.transfer, n.matrix)
	if !okP || !okT {
		plan.space = ""
		plan.fallback("nclx colour primaries %d or transfer %d is not supported", n.primaries, n.transfer)
		return
	}
	plan.profile = fmt.Sprintf("%s primaries, %s transfer (nclx %d/%d/%d)", pr.name, tr.name, n.primaries, n.transfer, n.matrix)
	plan.space = pr.p.SpaceName()
	if kind != pixelsRGB {
		plan.fallback("nclx describes RGB, but the image has %s pixels", kindNames[kind])
		return
	}
	if pr.p == icc.PrimariesSRGB && (n.transfer == 13 || n.transfer == 2) {
		return // sRGB
	}
	t, err := icc.NewMatrixTRC(pr.p, tr.c)
	if err != nil {
		plan.fallback("nclx: %v", err)
		return
	}
	if mode == ColorPreserve {
		if tr.hdr {
			plan.note("preserve: an HDR transfer (%s) has no ICC equivalent, converted to sRGB", tr.name)
		} else if p, err := icc.EncodeMatrixTRC(plan.profile, pr.p, tr.c); err == nil {
			plan.embed, plan.action, plan.toSRGB = p, ColorPreserved, t
			return
		}
	}
	plan.t, plan.action = t, ColorConverted
	if tr.hdr {
		plan.note("HDR (%s) mapped to SDR: reference white (203 cd/m²) at sRGB white, highlights clipped", tr.name)
	}
}

// planPNGGamma handles PNG gAMA/cHRM without iCCP or sRGB. A gamma of
// about 1/2.2 with sRGB's chromaticities (or none) is what most writers
// mean by sRGB and is left alone.
func planPNGGamma(plan *colorPlan, ci colorInfo, kind pixelKind, mode ColorOutput) {
	prim := icc.PrimariesSRGB
	if c := ci.chrm; c != nil {
		f := func(v uint32) float64 { return float64(v) / 100000 }
		prim = icc.Primaries{W: [2]float64{f(c[0]), f(c[1])}, R: [2]float64{f(c[2]), f(c[3])}, G: [2]float64{f(c[4]), f(c[5])}, B: [2]float64{f(c[6]), f(c[7])}}
		if !prim.Valid() {
			plan.fallback("the PNG cHRM chromaticities are impossible")
			return
		}
	}
	curve, desc := icc.CurveSRGB, "sRGB curve"
	if ci.gamma != 0 {
		g := 100000 / float64(ci.gamma)
		if g < 0.2 || g > 5 {
			plan.fallback("the PNG gAMA of %d is implausible", ci.gamma)
			return
		}
		curve, desc = icc.CurveGamma(g), fmt.Sprintf("gamma %.2f", g)
	}
	plan.space = prim.SpaceName()
	plan.profile = fmt.Sprintf("PNG gAMA/cHRM (%s, %s primaries)", desc, plan.space)
	nearSRGB := (ci.gamma == 0 || (ci.gamma >= 44000 && ci.gamma <= 47000)) && plan.space == "srgb"
	if nearSRGB || kind == pixelsCMYK {
		return
	}
	if kind == pixelsGray {
		prim = icc.PrimariesSRGB // a grey image's chromaticities do not matter
	}
	t, err := icc.NewMatrixTRC(prim, curve)
	if err != nil {
		plan.fallback("PNG gAMA/cHRM: %v", err)
		return
	}
	if kind == pixelsGray {
		t = t.Gray()
	}
	if mode == ColorPreserve && kind == pixelsRGB {
		if p, err := icc.EncodeMatrixTRC(plan.profile, prim, curve); err == nil {
			plan.embed, plan.action, plan.toSRGB = p, ColorPreserved, t
			return
		}
	}
	plan.t, plan.action = t, ColorConverted
}

// cachedProfile parses a profile and builds its transform once per
// distinct profile: a LUT profile's transform takes tens of milliseconds
// to build, and uploads from one camera or app share their profile.
type profileEntry struct {
	prof *icc.Profile
	t    *icc.Transform
	srgb bool
	err  error
}

var profileCache = struct {
	sync.Mutex
	m map[[32]byte]*profileEntry
}{m: map[[32]byte]*profileEntry{}}

const maxCachedProfiles = 32

func cachedProfile(b []byte) *profileEntry {
	key := sha256.Sum256(b)
	profileCache.Lock()
	e, ok := profileCache.m[key]
	profileCache.Unlock()
	if ok {
		return e
	}
	e = &profileEntry{}
	e.prof, e.err = icc.Parse(b)
	if e.err == nil {
		e.t, e.err = icc.NewTransform(e.prof)
		e.srgb = e.err == nil && e.t.IsSRGB()
	}
	profileCache.Lock()
	if len(profileCache.m) >= maxCachedProfiles {
		clear(profileCache.m)
	}
	profileCache.m[key] = e
	profileCache.Unlock()
	return e
}

// colorNote joins the plan's notes for the record.
func (c *colorPlan) colorNote() string { return strings.Join(c.notes, "; ") }

// convertPlanes applies t to thumbnail planes (any chroma subsampling, or
// grey), writing new 4:4:4 (or grey) planes owned by owner: the input may
// be the base of a smaller size.
func convertPlanes(t *icc.Transform, p *planes, owner *planes) *planes {
	w, h := p.y.w, p.y.h
	if p.gray {
		out := &planes{gray: true, subX: 1, subY: 1}
		out.y = newPlane(w, h, owner)
		if t.Out() != 1 {
			panic("imaging: a colour transform applied to grey planes")
		}
		parallelRows(h, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				t.Convert(out.y.row(y), p.y.row(y))
			}
		})
		return out
	}
	out := &planes{subX: 1, subY: 1}
	out.y, out.cb, out.cr = newPlane(w, h, owner), newPlane(w, h, owner), newPlane(w, h, owner)
	if f := t.Fixed(); f != nil {
		parallelRows(h, func(lo, hi int) {
			full := newChromaRows(p)
			for y := lo; y < hi; y++ {
				cb, cr := full.rows(p, y)
				convertYCbCrRow(f, out.y.row(y), out.cb.row(y), out.cr.row(y), p.y.row(y), cb, cr)
			}
		})
		return out
	}
	parallelRows(h, func(lo, hi int) {
		src, dst := make([]byte, 3*w), make([]byte, 3*w)
		full := newChromaRows(p)
		for y := lo; y < hi; y++ {
			cb, cr := full.rows(p, y)
			ycbcrRowToRGB(src, p.y.row(y), cb, cr)
			t.Convert(dst, src)
			rgbRowToYCbCr(out.y.row(y), out.cb.row(y), out.cr.row(y), dst)
		}
	})
	return out
}

// convertYCbCrRow is ycbcrRowToRGB, a matrix/TRC transform and
// rgbRowToYCbCr fused in one pass over a row (the same arithmetic, with
// no intermediate rows): the colour stage's common case.
func convertYCbCrRow(f *icc.FixedMatrix, dy, dcb, dcr, sy, scb, scr []byte) {
	n := len(sy)
	dy, dcb, dcr, scb, scr = dy[:n], dcb[:n], dcr[:n], scb[:n], scr[:n]
	m := &f.M
	lr, lg, lb := &f.Lin[0], &f.Lin[1], &f.Lin[2]
	for x, yv := range sy {
		yy := int32(yv) * 0x10101
		cb, cr := int32(scb[x])-128, int32(scr[x])-128
		lin0 := int(lr[clamp16(yy+91881*cr)])
		lin1 := int(lg[clamp16(yy-22554*cb-46802*cr)])
		lin2 := int(lb[clamp16(yy+116130*cb)])
		r := int32(f.Encode(int(m[0])*lin0 + int(m[1])*lin1 + int(m[2])*lin2))
		g := int32(f.Encode(int(m[3])*lin0 + int(m[4])*lin1 + int(m[5])*lin2))
		b := int32(f.Encode(int(m[6])*lin0 + int(m[7])*lin1 + int(m[8])*lin2))
		dy[x] = uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
		dcb[x] = clamp8((-11056*r - 21712*g + 32768*b + 257<<15) >> 16)
		dcr[x] = clamp8((32768*r - 27440*g - 5328*b + 257<<15) >> 16)
	}
}

// ycbcrRowToRGB is JFIF's YCbCr to RGB, as image/color computes it.
func ycbcrRowToRGB(dst, yr, cbr, crr []byte) {
	for x := range yr {
		yy := int32(yr[x]) * 0x10101
		cb, cr := int32(cbr[x])-128, int32(crr[x])-128
		r := yy + 91881*cr
		g := yy - 22554*cb - 46802*cr
		b := yy + 116130*cb
		dst[3*x], dst[3*x+1], dst[3*x+2] = clamp16(r), clamp16(g), clamp16(b)
	}
}

func clamp16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// rgbRowToYCbCr is rgbToPlanes' conversion for one row.
func rgbRowToYCbCr(yr, cbr, crr, rgb []byte) {
	for x := range yr {
		s := rgb[3*x : 3*x+3 : 3*x+3]
		r, g, b := int32(s[0]), int32(s[1]), int32(s[2])
		yr[x] = uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
		cbr[x] = clamp8((-11056*r - 21712*g + 32768*b + 257<<15) >> 16)
		crr[x] = clamp8((32768*r - 27440*g - 5328*b + 257<<15) >> 16)
	}
}

// cmykToPlanes converts decoded CMYK through the profile's transform at
// decoded scale, before resizing (planes hold three channels).
func cmykToPlanes(m *image.CMYK, t *icc.Transform) *planes {
	b := m.Bounds()
	return rgbToPlanes(b.Dx(), b.Dy(), func(y int, dst []byte) {
		off := m.PixOffset(b.Min.X, b.Min.Y+y)
		t.Convert(dst, m.Pix[off:off+4*b.Dx()])
	})
}
