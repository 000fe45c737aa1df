package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
)

// colorInfo is what the file says about its colours, before any
// conversion. Reading it never fails an image: colour information that is
// malformed or over a cap is dropped, the image counts as untagged (sRGB),
// and notes says why, for the record.
type colorInfo struct {
	// icc is the embedded ICC profile, reassembled: JPEG APP2 ICC_PROFILE
	// chunks, PNG iCCP (inflated), WebP ICCP, TIFF tag 34675, HEIF/AVIF colr
	// of type prof or rICC. At most maxICCBytes.
	icc []byte
	// nclx is a coded colour description: HEIF/AVIF colr of type nclx, or
	// PNG cICP, which carries the same code points (ITU-T H.273).
	nclx *nclx
	// srgb is PNG's sRGB chunk: the image is sRGB, whatever gAMA says.
	srgb bool
	// gamma is PNG's gAMA: the encoding exponent ×100000 (45455 for
	// 1/2.2), 0 when absent.
	gamma uint32
	// chrm is PNG's cHRM: white x, y, red x, y, green x, y, blue x, y,
	// each ×100000; nil when absent.
	chrm *[8]uint32
	// notes says what colour information was found unusable and ignored.
	notes []string
}

// nclx holds ITU-T H.273 code points: colour primaries, transfer
// characteristics and matrix coefficients, and whether the samples use the
// full range. The decoder has already applied the matrix and the range, so
// only primaries and transfer matter for conversion.
type nclx struct {
	primaries, transfer, matrix uint16
	fullRange                   bool
}

// maxICCBytes caps an embedded profile. Real display and camera profiles
// are a few KiB, large CMYK profiles up to about 2 MiB; a larger one is
// ignored (the image is treated as untagged) with a note.
const maxICCBytes = 4 << 20

func (c *colorInfo) note(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

// setICC keeps a profile found in the file, unless it is over the cap or a
// profile was already found (the first one wins, as decoders do).
func (c *colorInfo) setICC(where string, p []byte) {
	switch {
	case c.icc != nil:
		c.note("a second ICC profile in %s was ignored", where)
	case len(p) > maxICCBytes:
		c.note("the ICC profile in %s is %d bytes, over the cap of %d bytes: ignored", where, len(p), maxICCBytes)
	case len(p) == 0:
		c.note("the ICC profile in %s is empty: ignored", where)
	default:
		c.icc = p
	}
}

// readColorInfo finds the colour information of data in the given format.
func readColorInfo(format Format, data []byte) colorInfo {
	var c colorInfo
	switch format {
	case FormatJPEG:
		jpegColorInfo(data, &c)
	case FormatPNG:
		pngColorInfo(data, &c)
	case FormatWebP:
		webpColorInfo(data, &c)
	case FormatTIFF:
		tiffColorInfo(data, &c)
	case FormatHEIC, FormatAVIF:
		heifColorInfo(data, &c)
	}
	return c
}

// iccChunkHeader starts every APP2 segment that carries part of an ICC
// profile; a 1-based sequence number and the chunk count follow.
const iccChunkHeader = "ICC_PROFILE\x00"

// jpegColorInfo reassembles the ICC profile from the APP2 segments before
// the first scan. Chunks may come in any order; each must agree on the
// count, have a sequence number from 1 to count, and appear once.
func jpegColorInfo(data []byte, c *colorInfo) {
	var (
		chunks [][]byte // by sequence number - 1
		count  int
		size   int
		bad    string
	)
	jpegSegments(data, func(marker byte, seg []byte) bool {
		if marker != 0xe2 || !bytes.HasPrefix(seg, []byte(iccChunkHeader)) || bad != "" {
			return true
		}
		if len(seg) < len(iccChunkHeader)+2 {
			bad = "an APP2 ICC_PROFILE segment is too short for its sequence number and count"
			return true
		}
		seq, n := int(seg[len(iccChunkHeader)]), int(seg[len(iccChunkHeader)+1])
		switch {
		case n == 0 || seq == 0 || seq > n:
			bad = fmt.Sprintf("an APP2 ICC_PROFILE chunk is numbered %d of %d", seq, n)
		case count != 0 && n != count:
			bad = fmt.Sprintf("APP2 ICC_PROFILE chunks disagree on their count (%d and %d)", count, n)
		case chunks != nil && chunks[seq-1] != nil:
			bad = fmt.Sprintf("APP2 ICC_PROFILE chunk %d of %d appears twice", seq, n)
		}
		if bad != "" {
			return true
		}
		if chunks == nil {
			count, chunks = n, make([][]byte, n)
		}
		chunks[seq-1] = seg[len(iccChunkHeader)+2:]
		size += len(chunks[seq-1])
		if size > maxICCBytes {
			bad = fmt.Sprintf("the APP2 ICC_PROFILE chunks add up to more than the cap of %d bytes", maxICCBytes)
		}
		return true
	})
	if chunks == nil && bad == "" {
		return
	}
	for i, ch := range chunks {
		if ch == nil && bad == "" {
			bad = fmt.Sprintf("APP2 ICC_PROFILE chunk %d of %d is missing", i+1, count)
		}
	}
	if bad != "" {
		c.note("%s: the embedded profile was ignored", bad)
		return
	}
	c.setICC("the JPEG APP2 segments", bytes.Join(chunks, nil))
}

// jpegSegments calls fn with each marker segment's marker and payload
// before the first scan, until fn returns false. It stops at anything
// malformed: what follows is not trusted.
func jpegSegments(data []byte, fn func(marker byte, seg []byte) bool) {
	i := 2 // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xff {
			return
		}
		marker := data[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker == 0x01 || marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7): // no length
			i += 2
			continue
		case marker == 0xda || marker == 0xd9: // start of scan, end of image
			return
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return
		}
		if !fn(marker, data[i+4:i+2+n]) {
			return
		}
		i += 2 + n
	}
}

// pngColorInfo reads iCCP, sRGB, gAMA, cHRM and cICP from the chunks
// before the image data. Precedence between them is decided when the
// transform is chosen, not here.
func pngColorInfo(data []byte, c *colorInfo) {
	for i := 8; i+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		if n < 0 || n > len(data)-i-12 {
			return
		}
		body := data[i+8 : i+8+n]
		switch string(data[i+4 : i+8]) {
		case "iCCP":
			if p, err := inflateICCP(body); err != nil {
				c.note("the PNG iCCP chunk is unusable (%v): ignored", err)
			} else {
				c.setICC("the PNG iCCP chunk", p)
			}
		case "sRGB":
			c.srgb = true
		case "gAMA":
			if n == 4 && binary.BigEndian.Uint32(body) != 0 {
				c.gamma = binary.BigEndian.Uint32(body)
			} else {
				c.note("the PNG gAMA chunk is malformed: ignored")
			}
		case "cHRM":
			if n == 32 {
				var v [8]uint32
				for k := range v {
					v[k] = binary.BigEndian.Uint32(body[4*k:])
				}
				c.chrm = &v
			} else {
				c.note("the PNG cHRM chunk is malformed: ignored")
			}
		case "cICP":
			if n == 4 {
				c.nclx = &nclx{primaries: uint16(body[0]), transfer: uint16(body[1]), matrix: uint16(body[2]), fullRange: body[3] == 1}
			} else {
				c.note("the PNG cICP chunk is malformed: ignored")
			}
		case "IDAT", "IEND":
			return
		}
		i += 12 + n
	}
}

// inflateICCP returns the profile of an iCCP chunk: a name of 1 to 79
// bytes, a NUL, compression method 0 and zlib data, inflated to at most
// maxICCBytes.
func inflateICCP(body []byte) ([]byte, error) {
	nul := bytes.IndexByte(body, 0)
	if nul < 1 || nul > 79 || nul+2 > len(body) {
		return nil, fmt.Errorf("no profile name of 1 to 79 bytes followed by NUL and a compression method")
	}
	if body[nul+1] != 0 {
		return nil, fmt.Errorf("unknown compression method %d", body[nul+1])
	}
	zr, err := zlib.NewReader(bytes.NewReader(body[nul+2:]))
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	defer func() { _ = zr.Close() }() // ReadAll below reports every read error; Close only releases
	p, err := io.ReadAll(io.LimitReader(zr, maxICCBytes+1))
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	if len(p) > maxICCBytes {
		return nil, fmt.Errorf("it inflates to more than the cap of %d bytes", maxICCBytes)
	}
	return p, nil
}

// webpColorInfo reads the ICCP chunk of an extended WebP.
func webpColorInfo(data []byte, c *colorInfo) {
	for i := 12; i+8 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		if n < 0 || n > len(data)-i-8 {
			return
		}
		if string(data[i:i+4]) == "ICCP" {
			c.setICC("the WebP ICCP chunk", data[i+8:i+8+n])
			return
		}
		i += 8 + n + n&1
	}
}

// tagICCProfile is the TIFF tag holding an embedded ICC profile.
const tagICCProfile = 34675

// tiffColorInfo reads tag 34675 of the first IFD.
func tiffColorInfo(data []byte, c *colorInfo) {
	if len(data) < 8 {
		return
	}
	r := tiffReader{b: data, bo: binary.LittleEndian}
	if data[0] == 'M' {
		r.bo = binary.BigEndian
	}
	r.entries(r.bo.Uint32(data[4:]), func(e ifdEntry) {
		if e.tag != tagICCProfile {
			return
		}
		switch {
		case e.typ != 7 && e.typ != 1:
			c.note("TIFF tag %d has type %d, not UNDEFINED or BYTE: ignored", tagICCProfile, e.typ)
		case e.value == nil:
			c.note("TIFF tag %d points outside the file: ignored", tagICCProfile)
		default:
			c.setICC("TIFF tag 34675", e.value)
		}
	})
}
