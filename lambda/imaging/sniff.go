package imaging

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"unicode/utf8"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging/heif"
)

// signature ties a Format to the magic bytes that start its files.
type signature struct {
	format Format
	match  func([]byte) bool
}

func prefix(p string) func([]byte) bool {
	return func(b []byte) bool { return bytes.HasPrefix(b, []byte(p)) }
}

var signatures = []signature{
	{FormatJPEG, prefix("\xff\xd8\xff")},
	{FormatPNG, prefix("\x89PNG\r\n\x1a\n")},
	{FormatGIF, func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
	}},
	{FormatWebP, func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" }},
	{FormatBMP, prefix("BM")},
	{FormatTIFF, func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*"))
	}},
}

// knownOthers names common non-image (or unsupported image) files so that the
// error message says what was uploaded.
var knownOthers = []struct {
	name  string
	match func([]byte) bool
}{
	{"an ISO-BMFF file that is not a HEIF image (MP4/QuickTime video?)", func(b []byte) bool { return len(b) >= 12 && string(b[4:8]) == "ftyp" }},
	{"PDF", prefix("%PDF-")},
	{"ZIP archive", prefix("PK\x03\x04")},
	{"gzip data", prefix("\x1f\x8b")},
	{"Photoshop PSD", prefix("8BPS")},
	{"ICO icon", prefix("\x00\x00\x01\x00")},
	{"JPEG 2000", prefix("\x00\x00\x00\x0cjP  \r\n\x87\n")},
	{"JPEG XL", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("\xff\x0a")) || bytes.HasPrefix(b, []byte("\x00\x00\x00\x0cJXL \r\n\x87\n"))
	}},
	{"RIFF container that is not WebP", prefix("RIFF")},
	{"GIF with an unknown version", prefix("GIF8")},
	{"PNG with a damaged signature", prefix("\x89PNG")},
}

// sniff identifies the format from magic bytes only.
func sniff(data []byte) (Format, error) {
	if len(data) == 0 {
		return "", fault.Permanentf(contract.ReasonEmpty, "the object has zero bytes")
	}
	if f, ok := sniffHEIF(data); ok {
		return f, nil
	}
	for _, s := range signatures {
		if s.match(data) {
			return s.format, nil
		}
	}
	return "", fault.Permanentf(contract.ReasonUnsupportedFormat,
		"not an image in a supported format (JPEG, PNG, GIF, WebP, BMP, TIFF, HEIC/HEIF, AVIF): %s", describe(data))
}

// describe says what unrecognised bytes look like.
func describe(data []byte) string {
	for _, k := range knownOthers {
		if k.match(data) {
			return "looks like " + k.name + firstBytes(data)
		}
	}
	head := data[:min(len(data), 512)]
	if looksLikeText(head) {
		trimmed := bytes.TrimSpace(head)
		switch {
		case bytes.HasPrefix(trimmed, []byte("<svg")) || bytes.Contains(head, []byte("<svg")):
			return "looks like SVG (vector XML)" + firstBytes(data)
		case bytes.HasPrefix(trimmed, []byte("<")):
			return "looks like XML/HTML text" + firstBytes(data)
		case bytes.HasPrefix(trimmed, []byte("{")) || bytes.HasPrefix(trimmed, []byte("[")):
			return "looks like JSON text" + firstBytes(data)
		}
		return "looks like text" + firstBytes(data)
	}
	return "unrecognised data" + firstBytes(data)
}

func firstBytes(data []byte) string {
	n := min(len(data), 16)
	return fmt.Sprintf(" (%d bytes, first %d: %s)", len(data), n, hex.EncodeToString(data[:n]))
}

// looksLikeText reports whether b is valid UTF-8 (allowing a character cut
// at the end) without control characters other than whitespace.
func looksLikeText(b []byte) bool {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return len(b)-i < utf8.UTFMax && len(b) == 512
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' {
			return false
		}
		i += size
	}
	return len(b) > 0
}

// sniffHEIF tells HEIF files by their ftyp brands: an AVIF brand (avif,
// avis) or a HEVC one (heic, heix, hevc, heim, heis, ...), major or
// compatible. A file with only the generic brands (mif1, msf1) is whatever
// its primary image is coded with.
func sniffHEIF(data []byte) (Format, bool) {
	if len(data) < 12 || string(data[4:8]) != "ftyp" {
		return "", false
	}
	codec, ok := heif.SniffBrands(data)
	if !ok {
		return "", false
	}
	if codec == "" {
		codec = heif.HEVC // the common case, and what a broken file is reported as
		if f, err := heif.Parse(data); err == nil {
			if im, err := f.Primary(); err == nil {
				codec = im.Codec
			}
		}
	}
	if codec == heif.AV1 {
		return FormatAVIF, true
	}
	return FormatHEIC, true
}
