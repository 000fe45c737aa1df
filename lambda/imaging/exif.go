package imaging

import (
	"bytes"
	"encoding/binary"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// exifData is what we read from an image's EXIF: the orientation to apply
// and the summary to record. It never fails: malformed EXIF is ignored.
type exifData struct {
	orientation Orientation // always valid; OrientNormal when absent
	exif        *Exif       // nil when no summary field is present
}

// EXIF (TIFF) tags we read.
const (
	tagMake               = 0x010f
	tagModel              = 0x0110
	tagOrientation        = 0x0112
	tagDateTime           = 0x0132
	tagExifIFD            = 0x8769
	tagDateTimeOriginal   = 0x9003
	tagOffsetTime         = 0x9010
	tagOffsetTimeOriginal = 0x9011
)

const (
	maxExifString = 128 // runes kept of Make and Model
	maxIFDEntries = 512 // more entries than this is not a real IFD
	exifHeader    = "Exif\x00"
)

// readExif finds the EXIF block of data in the given format and parses it.
func readExif(format Format, data []byte) exifData {
	var block []byte
	switch format {
	case FormatJPEG:
		block = jpegExif(data)
	case FormatPNG:
		block = pngExif(data)
	case FormatWebP:
		block = webpExif(data)
	case FormatTIFF:
		block = data
	case FormatHEIC, FormatAVIF:
		// The orientation is the container's irot/imir; the Exif
		// orientation tag is never applied on top of it.
		tiff, o := heifExif(format, data)
		md := parseExif(tiff)
		md.orientation = o
		return md
	}
	return parseExif(block)
}

// jpegExif returns the TIFF structure of the first APP1 Exif segment,
// scanning the marker segments that precede the first scan.
func jpegExif(data []byte) []byte {
	i := 2 // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xff {
			return nil
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
			return nil
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return nil
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xe1 && len(seg) > len(exifHeader) && string(seg[:len(exifHeader)]) == exifHeader {
			return seg[len(exifHeader)+1:]
		}
		i += 2 + n
	}
	return nil
}

// pngExif returns the content of the eXIf chunk.
func pngExif(data []byte) []byte {
	i := 8 // after the signature
	for i+12 <= len(data) {
		n := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if n < 0 || n > len(data)-i-12 {
			return nil
		}
		switch typ {
		case "eXIf":
			return data[i+8 : i+8+n]
		case "IEND":
			return nil
		}
		i += 12 + n
	}
	return nil
}

// webpExif returns the content of the EXIF chunk of an extended WebP,
// without the "Exif\0\0" prefix that some writers add.
func webpExif(data []byte) []byte {
	i := 12 // after RIFF size WEBP
	for i+8 <= len(data) {
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		if n < 0 || n > len(data)-i-8 {
			return nil
		}
		if string(data[i:i+4]) == "EXIF" {
			c := data[i+8 : i+8+n]
			if len(c) > len(exifHeader) && string(c[:len(exifHeader)]) == exifHeader {
				c = c[len(exifHeader)+1:]
			}
			return c
		}
		i += 8 + n + n&1
	}
	return nil
}

// tiffReader reads IFD entries of a TIFF structure with bounds checks.
type tiffReader struct {
	b  []byte
	bo binary.ByteOrder
}

// ifdEntry is one 12-byte IFD entry with its value bytes resolved.
type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte // nil when out of bounds
}

// typeSize is the byte size of one value of a TIFF field type (0 if unknown).
func typeSize(typ uint16) uint64 {
	switch typ {
	case 1, 2, 6, 7: // BYTE ASCII SBYTE UNDEFINED
		return 1
	case 3, 8: // SHORT SSHORT
		return 2
	case 4, 9, 11, 13: // LONG SLONG FLOAT IFD
		return 4
	case 5, 10, 12: // RATIONAL SRATIONAL DOUBLE
		return 8
	}
	return 0
}

// entries calls fn for each entry of the IFD at off.
func (r tiffReader) entries(off uint32, fn func(ifdEntry)) {
	if uint64(off)+2 > uint64(len(r.b)) {
		return
	}
	n := int(r.bo.Uint16(r.b[off:]))
	if n > maxIFDEntries {
		return
	}
	for k := 0; k < n; k++ {
		p := uint64(off) + 2 + uint64(k)*12
		if p+12 > uint64(len(r.b)) {
			return
		}
		e := r.b[p : p+12]
		ent := ifdEntry{tag: r.bo.Uint16(e), typ: r.bo.Uint16(e[2:]), count: r.bo.Uint32(e[4:])}
		size := typeSize(ent.typ) * uint64(ent.count)
		switch {
		case size == 0:
		case size <= 4:
			ent.value = e[8 : 8+size]
		default:
			vo := uint64(r.bo.Uint32(e[8:]))
			if vo+size <= uint64(len(r.b)) {
				ent.value = r.b[vo : vo+size]
			}
		}
		fn(ent)
	}
}

// parseExif parses a TIFF-structured EXIF block. Anything malformed is
// skipped: the result is always usable.
func parseExif(b []byte) exifData {
	md := exifData{orientation: OrientNormal}
	if len(b) < 8 {
		return md
	}
	r := tiffReader{b: b}
	switch string(b[:2]) {
	case "II":
		r.bo = binary.LittleEndian
	case "MM":
		r.bo = binary.BigEndian
	default:
		return md
	}
	if r.bo.Uint16(b[2:]) != 42 {
		return md
	}
	var ex Exif
	var dateTime, offsetTime, original, offsetOriginal string
	exifIFD := uint32(0)
	r.entries(r.bo.Uint32(b[4:]), func(e ifdEntry) {
		switch e.tag {
		case tagOrientation:
			if o := r.uint(e); o <= uint64(OrientRotate270) && Orientation(o).Valid() {
				md.orientation = Orientation(o)
			}
		case tagMake:
			ex.Make = cleanString(e.value)
		case tagModel:
			ex.Model = cleanString(e.value)
		case tagDateTime:
			dateTime = cleanString(e.value)
		case tagOffsetTime:
			offsetTime = cleanString(e.value)
		case tagExifIFD:
			exifIFD = uint32(r.uint(e))
		}
	})
	if exifIFD != 0 {
		r.entries(exifIFD, func(e ifdEntry) {
			switch e.tag {
			case tagDateTimeOriginal:
				original = cleanString(e.value)
			case tagOffsetTimeOriginal:
				offsetOriginal = cleanString(e.value)
			}
		})
	}
	ex.TakenAt = parseExifTime(original, offsetOriginal)
	if ex.TakenAt.IsZero() {
		ex.TakenAt = parseExifTime(dateTime, offsetTime)
	}
	if ex.Make != "" || ex.Model != "" || !ex.TakenAt.IsZero() {
		md.exif = &ex
	}
	return md
}

// uint reads the first value of a SHORT or LONG entry (0 otherwise).
func (r tiffReader) uint(e ifdEntry) uint64 {
	switch {
	case e.typ == 3 && len(e.value) >= 2:
		return uint64(r.bo.Uint16(e.value))
	case (e.typ == 4 || e.typ == 13) && len(e.value) >= 4:
		return uint64(r.bo.Uint32(e.value))
	}
	return 0
}

// cleanString turns an EXIF ASCII value into a printable, valid UTF-8
// string: cut at the first NUL, control characters dropped, trimmed and
// capped in length.
func cleanString(v []byte) string {
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	s := strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(string(v), ""))
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxExifString {
		s = strings.TrimSpace(string([]rune(s)[:maxExifString]))
	}
	return s
}

// parseExifTime parses "YYYY:MM:DD HH:MM:SS" with an optional "+HH:MM"
// offset; without an offset the time is taken as UTC. Invalid → zero.
func parseExifTime(s, offset string) time.Time {
	if len(s) < 19 {
		return time.Time{}
	}
	loc := time.UTC
	if len(offset) == 6 && (offset[0] == '+' || offset[0] == '-') {
		if t, err := time.Parse("-07:00", offset); err == nil {
			_, secs := t.Zone()
			loc = time.FixedZone(offset, secs)
		}
	}
	t, err := time.ParseInLocation("2006:01:02 15:04:05", s[:19], loc)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02 15:04:05", s[:19], loc)
	}
	if err != nil || t.Year() < 1800 {
		return time.Time{}
	}
	return t
}
