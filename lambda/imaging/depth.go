package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
)

// depthAndAlpha reads, from the header (the decoded image only where the
// header does not say), the bits per colour sample and whether the image
// has an alpha channel or a transparent palette entry.
func depthAndAlpha(format Format, data []byte, img image.Image) (depth int, alpha bool) {
	switch format {
	case FormatJPEG:
		return jpegPrecision(data), false
	case FormatPNG:
		if len(data) < 26 {
			return 0, false
		}
		depth, ct := int(data[24]), data[25]
		if ct == 3 { // palette: the colours themselves are 8-bit
			depth = 8
		}
		return depth, ct == 4 || ct == 6 || pngHasChunk(data, "tRNS")
	case FormatGIF:
		if m, ok := img.(*image.Paletted); ok {
			for _, c := range m.Palette {
				if _, _, _, a := c.RGBA(); a != 0xffff {
					return 8, true
				}
			}
		}
		return 8, false
	case FormatWebP:
		return 8, webpHasAlpha(data)
	case FormatBMP:
		_, ok := img.(*image.NRGBA)
		return 8, ok
	case FormatTIFF:
		return tiffDepthAlpha(data)
	case FormatHEIC, FormatAVIF:
		return heifDepthAlpha(format, data)
	}
	return 0, false
}

// jpegPrecision is the sample precision of the first SOF segment.
func jpegPrecision(data []byte) int {
	for i := 2; i+4 < len(data); {
		if data[i] != 0xff {
			return 0
		}
		m := data[i+1]
		if m == 0xff {
			i++
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			if i+4 < len(data) {
				return int(data[i+4])
			}
			return 0
		}
		if m == 0xda || n < 2 {
			return 0
		}
		i += 2 + n
	}
	return 0
}

// pngHasChunk reports whether a chunk of type typ comes before IDAT.
func pngHasChunk(data []byte, typ string) bool {
	for i := 8; i+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		t := string(data[i+4 : i+8])
		if t == typ {
			return true
		}
		if t == "IDAT" || n < 0 || n > len(data)-i-12 {
			return false
		}
		i += 12 + n
	}
	return false
}

// webpHasAlpha reads the VP8X alpha flag or the VP8L alpha_is_used bit.
func webpHasAlpha(data []byte) bool {
	if len(data) < 30 {
		return false
	}
	switch string(data[12:16]) {
	case "VP8X":
		return data[20]&0x10 != 0
	case "VP8L":
		return data[20] == 0x2f && binary.LittleEndian.Uint32(data[21:])>>28&1 == 1
	}
	return false
}

// tiffDepthAlpha reads BitsPerSample and ExtraSamples of the first IFD.
func tiffDepthAlpha(data []byte) (depth int, alpha bool) {
	if len(data) < 8 {
		return 0, false
	}
	r := tiffReader{b: data, bo: binary.LittleEndian}
	if bytes.HasPrefix(data, []byte("MM")) {
		r.bo = binary.BigEndian
	}
	depth = 1 // the TIFF default
	r.entries(r.bo.Uint32(data[4:]), func(e ifdEntry) {
		switch e.tag {
		case 258: // BitsPerSample
			depth = int(r.uint(e))
		case 338: // ExtraSamples: 1 associated, 2 unassociated alpha
			if v := r.uint(e); v == 1 || v == 2 {
				alpha = true
			}
		}
	})
	return depth, alpha
}
