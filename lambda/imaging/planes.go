package imaging

import (
	"image"
	"image/color"
)

// plane is one 8-bit channel.
type plane struct {
	pix          []byte
	w, h, stride int
}

func (p plane) row(y int) []byte { return p.pix[y*p.stride : y*p.stride+p.w] }

// planes is the working form of an image: JPEG's own YCbCr, so a decoded
// JPEG needs no colour conversion at all, and resizing each plane on its own
// is exact because YCbCr is an affine transform of RGB. A grey image has
// only y. Chroma covers subX×subY luma pixels per sample.
type planes struct {
	y, cb, cr  plane
	gray       bool
	subX, subY int
	owned      [][]byte // pooled buffers to release
}

func (p *planes) release() {
	for _, b := range p.owned {
		putBuf(b)
	}
	p.owned = nil
}

func newPlane(w, h int, owner *planes) plane {
	buf := getBuf(w * h)
	owner.owned = append(owner.owned, buf)
	return plane{pix: buf, w: w, h: h, stride: w}
}

// toPlanes converts a decoded image to planes without per-pixel At calls
// for every type the decoders return. YCbCr and Gray are used in place;
// everything else is converted to full-resolution YCbCr with alpha
// composited over white.
func toPlanes(img image.Image) *planes {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		sx, sy := subsampling(m.SubsampleRatio)
		cx0, cy0 := b.Min.X/sx, b.Min.Y/sy
		cw, ch := (b.Max.X+sx-1)/sx-cx0, (b.Max.Y+sy-1)/sy-cy0
		co := m.COffset(b.Min.X, b.Min.Y)
		return &planes{
			y:    plane{pix: m.Y[m.YOffset(b.Min.X, b.Min.Y):], w: w, h: h, stride: m.YStride},
			cb:   plane{pix: m.Cb[co:], w: cw, h: ch, stride: m.CStride},
			cr:   plane{pix: m.Cr[co:], w: cw, h: ch, stride: m.CStride},
			subX: sx, subY: sy,
		}
	case *pngPlanes:
		return m.p
	case *image.Gray:
		return &planes{y: plane{pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], w: w, h: h, stride: m.Stride}, gray: true, subX: 1, subY: 1}
	case *image.Gray16:
		p := &planes{gray: true, subX: 1, subY: 1}
		p.y = newPlane(w, h, p)
		parallelRows(h, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
				dst := p.y.row(y)
				for x := range dst {
					dst[x] = src[2*x] // high byte, as color.GrayModel does
				}
			}
		})
		return p
	}
	return rgbToPlanes(w, h, rgbRows(img))
}

func subsampling(r image.YCbCrSubsampleRatio) (x, y int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 1, 1
}

// rgbToPlanes converts rows of opaque RGB (from fill) to full-resolution
// Y, Cb and Cr with the JFIF coefficients.
func rgbToPlanes(w, h int, fill func(y int, dst []byte)) *planes {
	p := &planes{subX: 1, subY: 1}
	p.y = newPlane(w, h, p)
	p.cb = newPlane(w, h, p)
	p.cr = newPlane(w, h, p)
	parallelRows(h, func(lo, hi int) {
		rgb := make([]byte, 3*w)
		for y := lo; y < hi; y++ {
			fill(y, rgb)
			yr, cbr, crr := p.y.row(y), p.cb.row(y), p.cr.row(y)
			for x := range yr {
				s := rgb[3*x : 3*x+3 : 3*x+3]
				r, g, b := int32(s[0]), int32(s[1]), int32(s[2])
				yr[x] = uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
				cbr[x] = clamp8((-11056*r - 21712*g + 32768*b + 257<<15) >> 16)
				crr[x] = clamp8((32768*r - 27440*g - 5328*b + 257<<15) >> 16)
			}
		}
	})
	return p
}

// chromaRows reads chroma rows at full resolution from planes whose chroma
// may be subsampled, repeating each sample over the luma pixels it covers;
// full-resolution rows are returned as they are.
type chromaRows struct{ cb, cr []byte }

func newChromaRows(p *planes) chromaRows {
	if p.gray || (p.subX == 1 && p.subY == 1) {
		return chromaRows{}
	}
	return chromaRows{make([]byte, p.y.w), make([]byte, p.y.w)}
}

// rows are the Cb and Cr rows for luma row y (valid until the next call).
func (c chromaRows) rows(p *planes, y int) (cb, cr []byte) {
	if c.cb == nil {
		return p.cb.row(y), p.cr.row(y)
	}
	sb, sr := p.cb.row(y/p.subY), p.cr.row(y/p.subY)
	for x := range c.cb {
		c.cb[x], c.cr[x] = sb[x/p.subX], sr[x/p.subX]
	}
	return c.cb, c.cr
}

func clamp8(v int32) uint8 {
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// div255 is round(v/255) for 0 <= v <= 65535.
func div255(v uint32) uint8 { return uint8((v + 128 + (v+128)>>8) >> 8) }

// overWhite8 composites a non-premultiplied 8-bit channel over white.
func overWhite8(c, a uint8) uint8 {
	return div255(uint32(c)*uint32(a) + 255*uint32(255-a))
}

// rgbRows returns a function filling row y (relative to the bounds) as
// opaque 8-bit RGB, transparency composited over white.
func rgbRows(img image.Image) func(y int, dst []byte) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.RGBA: // premultiplied: c + (1-a)·white
		return func(y int, dst []byte) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < len(dst)/3; x++ {
				s := src[4*x : 4*x+4 : 4*x+4]
				na := 255 - s[3]
				dst[3*x], dst[3*x+1], dst[3*x+2] = sat8(s[0], na), sat8(s[1], na), sat8(s[2], na)
			}
		}
	case *image.NRGBA:
		return func(y int, dst []byte) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < len(dst)/3; x++ {
				s := src[4*x : 4*x+4 : 4*x+4]
				if a := s[3]; a == 255 {
					dst[3*x], dst[3*x+1], dst[3*x+2] = s[0], s[1], s[2]
				} else {
					dst[3*x], dst[3*x+1], dst[3*x+2] = overWhite8(s[0], a), overWhite8(s[1], a), overWhite8(s[2], a)
				}
			}
		}
	case *image.RGBA64:
		return func(y int, dst []byte) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < len(dst)/3; x++ {
				s := src[8*x : 8*x+8 : 8*x+8]
				na := 0xffff - (uint32(s[6])<<8 | uint32(s[7]))
				for c := range 3 {
					v := min(uint32(s[2*c])<<8|uint32(s[2*c+1])+na, 0xffff)
					dst[3*x+c] = uint8(v >> 8)
				}
			}
		}
	case *image.NRGBA64:
		return func(y int, dst []byte) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < len(dst)/3; x++ {
				s := src[8*x : 8*x+8 : 8*x+8]
				a := uint64(s[6])<<8 | uint64(s[7])
				for c := range 3 {
					v := uint64(s[2*c])<<8 | uint64(s[2*c+1])
					dst[3*x+c] = uint8((v*a + 0xffff*(0xffff-a)) / 0xffff >> 8)
				}
			}
		}
	case *image.CMYK: // the decoders return un-inverted CMYK (0 = no ink)
		return func(y int, dst []byte) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < len(dst)/3; x++ {
				s := src[4*x : 4*x+4 : 4*x+4]
				k := uint32(255 - s[3])
				dst[3*x] = div255(uint32(255-s[0]) * k)
				dst[3*x+1] = div255(uint32(255-s[1]) * k)
				dst[3*x+2] = div255(uint32(255-s[2]) * k)
			}
		}
	case *image.Paletted:
		var lut [256][3]byte // indices past the palette stay black
		for i, c := range m.Palette[:min(len(m.Palette), 256)] {
			lut[i] = premulOverWhite(c)
		}
		return func(y int, dst []byte) {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < len(dst)/3; x++ {
				e := lut[src[x]]
				dst[3*x], dst[3*x+1], dst[3*x+2] = e[0], e[1], e[2]
			}
		}
	case *image.NYCbCrA:
		return func(y int, dst []byte) {
			for x := 0; x < len(dst)/3; x++ {
				px, py := b.Min.X+x, b.Min.Y+y
				yi, ci := m.YOffset(px, py), m.COffset(px, py)
				r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				a := m.A[m.AOffset(px, py)]
				dst[3*x], dst[3*x+1], dst[3*x+2] = overWhite8(r, a), overWhite8(g, a), overWhite8(bl, a)
			}
		}
	}
	return func(y int, dst []byte) { // any other image type
		for x := 0; x < len(dst)/3; x++ {
			c := premulOverWhite(img.At(b.Min.X+x, b.Min.Y+y))
			dst[3*x], dst[3*x+1], dst[3*x+2] = c[0], c[1], c[2]
		}
	}
}

// sat8 is c + na saturated at 255.
func sat8(c, na uint8) uint8 {
	if v := uint16(c) + uint16(na); v < 255 {
		return uint8(v)
	}
	return 255
}

// premulOverWhite composites any color over white to 8-bit RGB.
func premulOverWhite(c color.Color) [3]byte {
	if c == nil {
		return [3]byte{}
	}
	r, g, b, a := c.RGBA()
	na := 0xffff - a
	return [3]byte{uint8(min(r+na, 0xffff) >> 8), uint8(min(g+na, 0xffff) >> 8), uint8(min(b+na, 0xffff) >> 8)}
}
