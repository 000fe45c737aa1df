package imaging

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseExif(t *testing.T) {
	plus2 := time.FixedZone("+02:00", 2*3600)
	cases := []struct {
		name        string
		block       []byte
		orientation Orientation
		exif        *Exif
	}{
		{"none", nil, 1, nil},
		{"orientation only, little-endian", buildExif(exifFields{orientation: 8}), 8, nil},
		{"orientation only, big-endian", buildExif(exifFields{bigEndian: true, orientation: 3}), 3, nil},
		{"out-of-range orientation ignored", buildExif(exifFields{orientation: 9}), 1, nil},
		{"full summary", buildExif(exifFields{
			orientation: 6, make: "NIKON CORPORATION", model: "NIKON D850",
			dateTime: "2020:01:01 00:00:00", dateTimeOriginal: "2019:12:31 23:59:58", offsetOriginal: "+02:00",
		}), 6, &Exif{Make: "NIKON CORPORATION", Model: "NIKON D850", TakenAt: time.Date(2019, 12, 31, 23, 59, 58, 0, plus2)}},
		{"falls back to DateTime", buildExif(exifFields{bigEndian: true, make: "Apple", dateTime: "2021:02:03 04:05:06"}),
			1, &Exif{Make: "Apple", TakenAt: time.Date(2021, 2, 3, 4, 5, 6, 0, time.UTC)}},
		{"blank date ignored", buildExif(exifFields{model: "X", dateTimeOriginal: "0000:00:00 00:00:00"}), 1, &Exif{Model: "X"}},
		{"strings cleaned", buildExif(exifFields{make: "  Bad\x01Make\xff  "}), 1, &Exif{Make: "BadMake"}},
		{"short make inline", buildExif(exifFields{make: "LG"}), 1, &Exif{Make: "LG"}},
		{"bad byte order", []byte("XX*\x00\x08\x00\x00\x00"), 1, nil},
		{"bad magic", []byte("II+\x00\x08\x00\x00\x00"), 1, nil},
		{"IFD offset past the end", []byte("II*\x00\xff\xff\x00\x00"), 1, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			md := parseExif(tc.block)
			assert.Equal(t, tc.orientation, md.orientation)
			if tc.exif == nil {
				assert.Nil(t, md.exif)
				return
			}
			require.NotNil(t, md.exif)
			assert.Equal(t, tc.exif.Make, md.exif.Make)
			assert.Equal(t, tc.exif.Model, md.exif.Model)
			assert.True(t, tc.exif.TakenAt.Equal(md.exif.TakenAt), "TakenAt %v, want %v", md.exif.TakenAt, tc.exif.TakenAt)
		})
	}
}

// Every prefix of a valid block parses without panicking; the orientation
// is either absent or right.
func TestParseExifTruncated(t *testing.T) {
	block := buildExif(exifFields{orientation: 5, make: "Canon", model: "EOS", dateTimeOriginal: "2001:02:03 04:05:06"})
	for n := range len(block) {
		md := parseExif(block[:n])
		assert.Contains(t, []Orientation{OrientNormal, OrientTranspose}, md.orientation)
	}
}

func TestExifInContainers(t *testing.T) {
	block := buildExif(exifFields{orientation: 7, model: "Pixel 8"})
	// PNG: eXIf chunk between IHDR and IDAT.
	png := pngOf(t, photoLike(8, 8))
	chunk := append([]byte("eXIf"), block...)
	var c []byte
	c = binary.BigEndian.AppendUint32(c, uint32(len(block)))
	c = append(c, chunk...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(chunk))
	idat := bytes.Index(png, []byte("IDAT")) - 4
	withExif := append(append(append([]byte(nil), png[:idat]...), c...), png[idat:]...)
	// WebP: an EXIF chunk (with the "Exif\0\0" prefix some writers add).
	payload := append([]byte("Exif\x00\x00"), block...)
	webp := []byte("RIFF\x00\x00\x00\x00WEBPVP8X")
	webp = binary.LittleEndian.AppendUint32(webp, 10)
	webp = append(webp, make([]byte, 10)...)
	webp = append(webp, "EXIF"...)
	webp = binary.LittleEndian.AppendUint32(webp, uint32(len(payload)))
	webp = append(webp, payload...)

	cases := []struct {
		name   string
		format Format
		data   []byte
	}{
		{"jpeg app1", FormatJPEG, withAPP1(encodeTestJPEG(t, photoLike(8, 8), 90), block)},
		{"png eXIf", FormatPNG, withExif},
		{"webp EXIF", FormatWebP, webp},
		{"tiff IFD0", FormatTIFF, block},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			md := readExif(tc.format, tc.data)
			assert.Equal(t, OrientTransverse, md.orientation)
			require.NotNil(t, md.exif)
			assert.Equal(t, "Pixel 8", md.exif.Model)
		})
	}
	// The PNG with its eXIf chunk still decodes, rotated.
	res, err := newTestProcessor(t, 64).Process(t.Context(), withExif)
	require.NoError(t, err)
	assert.Equal(t, OrientTransverse, res.Orientation)
}

func FuzzParseExif(f *testing.F) {
	f.Add(buildExif(exifFields{orientation: 6, make: "Canon", model: "EOS", dateTimeOriginal: "2001:02:03 04:05:06", offsetOriginal: "-05:00"}))
	f.Add(buildExif(exifFields{bigEndian: true, orientation: 2, dateTime: "2001:02:03 04:05:06"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		md := parseExif(b)
		if !md.orientation.Valid() {
			t.Fatalf("orientation %d out of range", md.orientation)
		}
		if md.exif != nil && len([]rune(md.exif.Make)) > maxExifString {
			t.Fatalf("make too long")
		}
	})
}
