package fastjpeg

import "encoding/binary"

// Markers (ITU T.81 table B.1).
const (
	mSOF0  = 0xC0 // baseline
	mSOF1  = 0xC1 // extended sequential, Huffman
	mSOF2  = 0xC2 // progressive, Huffman
	mDHT   = 0xC4
	mDAC   = 0xCC
	mRST0  = 0xD0
	mRST7  = 0xD7
	mSOI   = 0xD8
	mEOI   = 0xD9
	mSOS   = 0xDA
	mDQT   = 0xDB
	mDNL   = 0xDC
	mDRI   = 0xDD
	mDHP   = 0xDE
	mEXP   = 0xDF
	mAPP14 = 0xEE
	mTEM   = 0x01
)

// unzig maps a zigzag index to its natural (row-major) index in a block.
var unzig [64]int

func init() {
	// Walk the anti-diagonals, alternating direction.
	k := 0
	for s := 0; s < 15; s++ {
		for i := 0; i <= s; i++ {
			r, c := i, s-i // down-left on odd diagonals
			if s%2 == 0 {
				r, c = s-i, i // up-right on even diagonals
			}
			if r < 8 && c < 8 {
				unzig[k] = r*8 + c
				k++
			}
		}
	}
}

type component struct {
	id     uint8
	h, v   int // sampling factors
	tq     uint8
	bw, bh int // blocks in the (MCU-padded) plane
	plane  []byte
	stride int
	// progressive: kept coefficients (zigzag order, k < keep) and, for the
	// coefficients not kept, a bit per zigzag index that is nonzero.
	coef []int16
	mask []uint64
}

type decoder struct {
	data  []byte
	pos   int
	scale int
	bs    int      // output pixels per block edge: 8/scale
	keep  int      // coefficients kept per block (zigzag prefix)
	place [64]int8 // zigzag index -> index in the bs x bs output block, or -1

	width, height int
	progressive   bool
	ncomp         int
	comp          [4]component
	hmax, vmax    int
	mcusX, mcusY  int
	frame         bool
	allocated     bool
	scans         int

	quant    [4][64]int32 // zigzag order
	quantSet [4]bool
	dcTab    [4]huffTable
	acTab    [4]huffTable
	dcSet    [4]bool
	acSet    [4]bool
	ri       int

	adobe          bool
	adobeTransform uint8

	br     bitReader
	eobrun int

	specPred [4]int32 // A's DC predictors where speculative decoding synchronised

	pending []*progScan // progressive scans not yet decoded
}

// segment returns the payload of the length-prefixed segment at d.pos and
// advances past it.
func (d *decoder) segment(name string) ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, truncated("%s segment cut short", name)
	}
	n := int(binary.BigEndian.Uint16(d.data[d.pos:]))
	if n < 2 {
		return nil, corrupt("%s segment length %d", name, n)
	}
	if d.pos+n > len(d.data) {
		return nil, truncated("%s segment cut short", name)
	}
	p := d.data[d.pos+2 : d.pos+n]
	d.pos += n
	return p, nil
}

// run parses the markers and decodes every scan. With configOnly it stops
// after the frame header.
func (d *decoder) run(configOnly bool) error {
	if len(d.data) < 2 || d.data[0] != 0xFF || d.data[1] != mSOI {
		return corrupt("missing SOI marker: not a JPEG")
	}
	d.bs = 8 / d.scale
	d.keep = 0
	for k := 0; k < 64; k++ {
		d.place[k] = -1
		r, c := unzig[k]/8, unzig[k]%8
		if r < d.bs && c < d.bs {
			d.place[k] = int8(r*d.bs + c)
			d.keep = k + 1
		}
	}
	d.pos = 2
	for {
		// Find the next marker, tolerating extraneous bytes and fill bytes
		// as libjpeg does.
		for d.pos < len(d.data) && d.data[d.pos] != 0xFF {
			d.pos++
		}
		for d.pos < len(d.data) && d.data[d.pos] == 0xFF {
			d.pos++
		}
		if d.pos >= len(d.data) {
			if d.scans > 0 {
				return d.runScans() // missing EOI: keep what was decoded
			}
			if !d.frame {
				return corrupt("no frame header (SOF) before the end of the data")
			}
			if configOnly {
				return nil
			}
			return corrupt("no image data (SOS) before the end of the data")
		}
		m := d.data[d.pos]
		d.pos++
		switch {
		case m == mEOI:
			if !d.frame {
				return corrupt("no frame header (SOF) before EOI")
			}
			if d.scans == 0 && !configOnly {
				return corrupt("no image data (SOS) before EOI")
			}
			return d.runScans()
		case m == mSOF0 || m == mSOF1 || m == mSOF2:
			if err := d.parseSOF(m == mSOF2); err != nil {
				return err
			}
			if configOnly {
				return nil
			}
		case m == 0xC3 || (m >= 0xC5 && m <= 0xC7) || m == mDHP || m == mEXP:
			return unsupported("lossless or hierarchical JPEG (marker 0x%02X)", m)
		case (m >= 0xC9 && m <= 0xCB) || (m >= 0xCD && m <= 0xCF) || m == mDAC:
			return unsupported("arithmetic-coded JPEG (marker 0x%02X)", m)
		case m == mDHT:
			if err := d.parseDHT(); err != nil {
				return err
			}
		case m == mDQT:
			if err := d.parseDQT(); err != nil {
				return err
			}
		case m == mDRI:
			p, err := d.segment("DRI")
			if err != nil {
				return err
			}
			if len(p) != 2 {
				return corrupt("DRI segment has length %d, want 4", len(p)+2)
			}
			d.ri = int(binary.BigEndian.Uint16(p))
		case m == mAPP14:
			p, err := d.segment("APP14")
			if err != nil {
				return err
			}
			if len(p) >= 12 && string(p[:5]) == "Adobe" {
				d.adobe = true
				d.adobeTransform = p[11]
			}
		case m == mSOS:
			if !d.frame {
				return corrupt("SOS before the frame header")
			}
			if configOnly {
				return nil
			}
			if d.scans >= MaxScans { // in case this walk finds a scan checkScans skipped
				return corrupt("more than %d scans", MaxScans)
			}
			if err := d.parseSOSAndScan(); err != nil {
				return err
			}
			d.scans++
		case m == mDNL:
			return unsupported("DNL marker")
		case m >= mRST0 && m <= mRST7, m == mTEM, m == mSOI:
			// No payload. Stray restart markers are harmless.
		default:
			if _, err := d.segment("marker"); err != nil {
				return err
			}
		}
	}
}

func (d *decoder) parseSOF(progressive bool) error {
	if d.frame {
		return corrupt("more than one frame header")
	}
	p, err := d.segment("SOF")
	if err != nil {
		return err
	}
	if len(p) < 6 {
		return corrupt("SOF segment too short")
	}
	if p[0] != 8 {
		return unsupported("%d-bit sample precision", p[0])
	}
	d.height = int(binary.BigEndian.Uint16(p[1:]))
	d.width = int(binary.BigEndian.Uint16(p[3:]))
	d.ncomp = int(p[5])
	if d.height == 0 {
		return unsupported("height defined by a DNL marker")
	}
	if d.width == 0 {
		return corrupt("image width is zero")
	}
	switch d.ncomp {
	case 1, 3, 4:
	default:
		return unsupported("%d color components", d.ncomp)
	}
	if len(p) != 6+3*d.ncomp {
		return corrupt("SOF segment length does not match %d components", d.ncomp)
	}
	d.progressive = progressive
	d.hmax, d.vmax = 1, 1
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		c.id = p[6+3*i]
		c.h, c.v = int(p[7+3*i]>>4), int(p[7+3*i]&15)
		c.tq = p[8+3*i]
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return corrupt("component %d has sampling factors %dx%d", i, c.h, c.v)
		}
		if c.tq > 3 {
			return corrupt("component %d uses quantization table %d", i, c.tq)
		}
		for j := 0; j < i; j++ {
			if d.comp[j].id == c.id {
				return corrupt("repeated component identifier %d", c.id)
			}
		}
		if d.ncomp == 1 {
			c.h, c.v = 1, 1 // sampling factors mean nothing with one component
		}
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
	}
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		if d.hmax%c.h != 0 || d.vmax%c.v != 0 {
			return unsupported("non-integral subsampling %dx%d of %dx%d", c.h, c.v, d.hmax, d.vmax)
		}
	}
	switch d.ncomp {
	case 3:
		if d.isRGB() {
			return unsupported("RGB (not YCbCr) JPEG")
		}
		y, cb, cr := d.comp[0], d.comp[1], d.comp[2]
		if y.h != d.hmax || y.v != d.vmax || cb.h != cr.h || cb.v != cr.v {
			return unsupported("subsampling %dx%d,%dx%d,%dx%d", y.h, y.v, cb.h, cb.v, cr.h, cr.v)
		}
		if _, ok := subsampleRatio(d.hmax/cb.h, d.vmax/cb.v); !ok {
			return unsupported("subsampling %dx%d,%dx%d,%dx%d", y.h, y.v, cb.h, cb.v, cr.h, cr.v)
		}
	case 4:
		if !d.adobe {
			return unsupported("4-component JPEG without an Adobe marker")
		}
	}
	d.mcusX = (d.width + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcusY = (d.height + 8*d.vmax - 1) / (8 * d.vmax)
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		c.bw, c.bh = d.mcusX*c.h, d.mcusY*c.v
	}
	d.frame = true
	return nil
}

// isRGB follows libjpeg: an Adobe transform of 0 with three components, or
// component identifiers 'R', 'G', 'B' without an Adobe marker.
func (d *decoder) isRGB() bool {
	if d.adobe {
		return d.adobeTransform == 0
	}
	return d.comp[0].id == 'R' && d.comp[1].id == 'G' && d.comp[2].id == 'B'
}

func (d *decoder) parseDQT() error {
	p, err := d.segment("DQT")
	if err != nil {
		return err
	}
	for len(p) > 0 {
		pq, tq := p[0]>>4, p[0]&15
		if tq > 3 {
			return corrupt("quantization table %d", tq)
		}
		p = p[1:]
		switch pq {
		case 0:
			if len(p) < 64 {
				return corrupt("truncated quantization table")
			}
			for k := 0; k < 64; k++ {
				d.quant[tq][k] = int32(p[k])
			}
			p = p[64:]
		case 1:
			if len(p) < 128 {
				return corrupt("truncated quantization table")
			}
			for k := 0; k < 64; k++ {
				d.quant[tq][k] = int32(binary.BigEndian.Uint16(p[2*k:]))
			}
			p = p[128:]
		default:
			return corrupt("quantization table precision %d", pq)
		}
		d.quantSet[tq] = true
	}
	return nil
}

func (d *decoder) parseDHT() error {
	p, err := d.segment("DHT")
	if err != nil {
		return err
	}
	for len(p) > 0 {
		if len(p) < 17 {
			return corrupt("truncated Huffman table")
		}
		tc, th := p[0]>>4, p[0]&15
		if tc > 1 || th > 3 {
			return corrupt("Huffman table class %d id %d", tc, th)
		}
		var counts [16]uint8
		copy(counts[:], p[1:17])
		n := 0
		for _, c := range counts {
			n += int(c)
		}
		if n == 0 || n > 256 || len(p) < 17+n {
			return corrupt("Huffman table with %d symbols", n)
		}
		vals := p[17 : 17+n]
		if tc == 0 {
			err = d.dcTab[th].build(&counts, vals, false)
			d.dcSet[th] = err == nil
		} else {
			err = d.acTab[th].build(&counts, vals, true)
			d.acSet[th] = err == nil
		}
		if err != nil {
			return err
		}
		p = p[17+n:]
	}
	return nil
}
