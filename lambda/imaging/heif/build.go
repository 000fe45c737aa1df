package heif

import "encoding/binary"

// identityColr is a colr box of type nclx: colour primaries and transfer
// unspecified (2), matrix coefficients 0 (identity, GBR), full range.
var identityColr = []byte{0, 0, 0, 19, 'c', 'o', 'l', 'r', 'n', 'c', 'l', 'x', 0, 2, 0, 2, 0, 0, 0x80}

// Standalone returns a minimal still-image file holding only this coded
// item: ftyp, a meta box with one item (its codec configuration and ispe,
// no transform or alpha, no colour but the identity matrix below) and the
// coded data in mdat. It is what the decoders get: they only take whole
// files, and this way they decode exactly one tile, alpha plane or image,
// and apply no transform of their own (the pipeline applies clap/irot/imir
// once, itself).
//
// An HEVC picture with subsampled chroma (4:2:0, 4:2:2) is declared to use
// the identity matrix (a colr nclx box with matrix_coefficients 0, full
// range). The WebAssembly libheif build can only return a picture in the
// layout libheif prefers for it, and for YCbCr that means upsampling the
// chroma to 4:4:4 (bilinear) and downsampling it back (averaging): that
// blurs the chroma, and libheif's bilinear upsampler (1.18, and still at
// its HEAD) computes each picture's outermost rows and columns from the
// wrong chroma samples (in[cx/2] for in[cx]), which put pink and grey
// lines along every tile seam of a grid. With the identity matrix libheif
// prefers RGB and converts with its nearest-neighbour YCbCr to RGB
// operation, which for matrix 0 copies the planes unchanged (G = Y,
// B = Cb, R = Cr): wasmcodec.DecodeHEVC takes the decoder's planes back
// from those channels, exactly as libde265 decoded them.
func (t Tile) Standalone() []byte {
	c := t.Chroma()
	return t.standalone(t.Codec == HEVC && (c == "420" || c == "422"))
}

// StandaloneYCbCr is Standalone without the identity matrix: the
// WebAssembly libheif returns such a picture as YCbCr, its chroma
// round-tripped through 4:4:4 (blurred, the outermost rows and columns
// wrong), but it needs less memory than through RGB, for pictures too
// large for that.
func (t Tile) StandaloneYCbCr() []byte { return t.standalone(false) }

func (t Tile) standalone(identity bool) []byte {
	brand := "heic"
	if t.Codec == AV1 {
		brand = "avif"
	}
	ftyp := boxBytes("ftyp", []byte(brand+"\x00\x00\x00\x00mif1"+brand+"miaf"))

	full := func(typ string, version byte, body []byte) []byte {
		return boxBytes(typ, append([]byte{version, 0, 0, 0}, body...))
	}
	hdlr := full("hdlr", 0, append(append(make([]byte, 4), "pict"...), make([]byte, 13)...))
	pitm := full("pitm", 0, []byte{0, 1})
	infe := full("infe", 2, append([]byte{0, 1, 0, 0}, string(t.Codec)+"\x00"...))
	iinf := full("iinf", 0, append([]byte{0, 1}, infe...))
	ispe := make([]byte, 8)
	binary.BigEndian.PutUint32(ispe, uint32(t.Width))
	binary.BigEndian.PutUint32(ispe[4:], uint32(t.Height))
	config := t.Config
	if t.Codec == HEVC && len(config) > 8+16 && config[8+16]&3 == 0 {
		// A monochrome picture (a grey image, an alpha plane). The WebAssembly
		// libheif build (gen2brain/heic) asks libheif for the configuration's
		// layout and supports only YCbCr 4:2:0/4:2:2/4:4:4, so it fails on
		// "monochrome". Declared 4:2:0, libheif decodes the monochrome
		// bitstream (the SPS, not hvcC, drives libde265) and adds neutral
		// chroma: the luma plane is the picture.
		config = append([]byte(nil), config...)
		config[8+16] |= 1
	}
	props := append(append([]byte{}, config...), full("ispe", 0, ispe)...)
	assoc := []byte{0x81, 0x02} // item 1: config (essential), ispe
	if identity {
		props = append(props, identityColr...)
		assoc = append(assoc, 0x03)
	}
	ipco := boxBytes("ipco", props)
	ipma := full("ipma", 0, append([]byte{0, 0, 0, 1, 0, 1, byte(len(assoc))}, assoc...))
	iprp := boxBytes("iprp", append(ipco, ipma...))

	// iloc v0: 4-byte offsets and lengths, no base offset; one extent.
	ilocBody := []byte{0x44, 0x00, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(ilocBody[14:], uint32(len(t.Data)))
	iloc := full("iloc", 0, ilocBody)

	metaBody := make([]byte, 4, 4+len(hdlr)+len(pitm)+len(iinf)+len(iprp)+len(iloc))
	for _, b := range [][]byte{hdlr, pitm, iinf, iprp, iloc} {
		metaBody = append(metaBody, b...)
	}
	meta := boxBytes("meta", metaBody)

	// Patch the extent offset: iloc starts after meta's header (8 + 4) and
	// the boxes before it; the offset field is 10 bytes into its body.
	dataOffset := len(ftyp) + len(meta) + 8
	ilocStart := 12 + len(hdlr) + len(pitm) + len(iinf) + len(iprp)
	binary.BigEndian.PutUint32(meta[ilocStart+12+10:], uint32(dataOffset))

	out := make([]byte, 0, dataOffset+len(t.Data))
	out = append(out, ftyp...)
	out = append(out, meta...)
	var mdat [8]byte
	binary.BigEndian.PutUint32(mdat[:], uint32(8+len(t.Data)))
	copy(mdat[4:], "mdat")
	out = append(out, mdat[:]...)
	return append(out, t.Data...)
}
