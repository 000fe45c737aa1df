package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/tiff"
)

// app2 is one APP2 ICC_PROFILE segment with the given sequence number and
// count (written as-is, so tests can make them wrong).
func app2(seq, count byte, part []byte) []byte {
	payload := append([]byte(iccChunkHeader), seq, count)
	payload = append(payload, part...)
	seg := []byte{0xff, 0xe2, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	return append(seg, payload...)
}

// withSegments inserts raw segments right after the SOI of a JPEG.
func withSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// pngChunk is one PNG chunk with its CRC.
func pngChunk(typ string, body []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	c = append(c, typ...)
	c = append(c, body...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// withPNGChunks inserts chunks right before the first IDAT of a PNG.
func withPNGChunks(png []byte, chunks ...[]byte) []byte {
	idat := bytes.Index(png, []byte("IDAT")) - 4
	out := append([]byte(nil), png[:idat]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, png[idat:]...)
}

func zlibOf(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// iCCP builds an iCCP chunk body: name, NUL, method 0, zlib data.
func iCCP(t testing.TB, profile []byte) []byte {
	return append([]byte("ICC profile\x00\x00"), zlibOf(t, profile)...)
}

// webpWith builds an extended WebP container holding the given chunks
// (type, body) after VP8X; enough for the colour reader, not a decodable image.
func webpWith(chunks ...[2][]byte) []byte {
	w := []byte("RIFF\x00\x00\x00\x00WEBPVP8X")
	w = binary.LittleEndian.AppendUint32(w, 10)
	w = append(w, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0) // ICC flag
	for _, c := range chunks {
		w = append(w, c[0]...)
		w = binary.LittleEndian.AppendUint32(w, uint32(len(c[1])))
		w = append(w, c[1]...)
		if len(c[1])%2 == 1 {
			w = append(w, 0)
		}
	}
	return w
}

func TestJPEGICCChunks(t *testing.T) {
	jpg := encodeTestJPEG(t, photoLike(8, 8), 90)
	profile := bytes.Repeat([]byte("0123456789abcdef"), 100)
	a, b, c := profile[:500], profile[500:1200], profile[1200:]
	cases := []struct {
		name string
		segs [][]byte
		want []byte // nil: no profile
		note string // substring of the note, "" for none
	}{
		{"one chunk", [][]byte{app2(1, 1, profile)}, profile, ""},
		{"in order", [][]byte{app2(1, 3, a), app2(2, 3, b), app2(3, 3, c)}, profile, ""},
		{"any order", [][]byte{app2(3, 3, c), app2(1, 3, a), app2(2, 3, b)}, profile, ""},
		{"missing chunk", [][]byte{app2(1, 3, a), app2(3, 3, c)}, nil, "chunk 2 of 3 is missing"},
		{"duplicate chunk", [][]byte{app2(1, 2, a), app2(1, 2, b), app2(2, 2, c)}, nil, "appears twice"},
		{"counts disagree", [][]byte{app2(1, 2, a), app2(2, 3, b)}, nil, "disagree on their count"},
		{"sequence zero", [][]byte{app2(0, 1, a)}, nil, "numbered 0 of 1"},
		{"sequence past count", [][]byte{app2(3, 2, a)}, nil, "numbered 3 of 2"},
		{"count zero", [][]byte{app2(1, 0, a)}, nil, "numbered 1 of 0"},
		{"no sequence bytes", [][]byte{{0xff, 0xe2, 0, 14, 'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0}}, nil, "too short"},
		{"empty profile", [][]byte{app2(1, 1, nil)}, nil, "is empty"},
		{"other APP2 ignored", [][]byte{{0xff, 0xe2, 0, 6, 'M', 'P', 'F', 0}, app2(1, 1, profile)}, profile, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ci := readColorInfo(FormatJPEG, withSegments(jpg, tc.segs...))
			assert.Equal(t, tc.want, ci.icc)
			if tc.note == "" {
				assert.Empty(t, ci.notes)
			} else {
				require.Len(t, ci.notes, 1)
				assert.Contains(t, ci.notes[0], tc.note)
			}
		})
	}
	t.Run("untagged", func(t *testing.T) {
		ci := readColorInfo(FormatJPEG, jpg)
		assert.Nil(t, ci.icc)
		assert.Empty(t, ci.notes)
	})
	t.Run("over the cap", func(t *testing.T) {
		part := make([]byte, 65000)
		var segs [][]byte
		n := maxICCBytes/len(part) + 2
		for i := range n {
			segs = append(segs, app2(byte(i+1), byte(n), part))
		}
		ci := readColorInfo(FormatJPEG, withSegments(jpg, segs...))
		assert.Nil(t, ci.icc)
		require.Len(t, ci.notes, 1)
		assert.Contains(t, ci.notes[0], "cap")
	})
	t.Run("segments after the scan are not read", func(t *testing.T) {
		data := append(append([]byte(nil), jpg[:len(jpg)-2]...), app2(1, 1, profile)...)
		assert.Nil(t, readColorInfo(FormatJPEG, data).icc)
	})
}

func TestPNGColorChunks(t *testing.T) {
	png := pngOf(t, photoLike(8, 8))
	profile := bytes.Repeat([]byte("profile bytes "), 50)
	gama := binary.BigEndian.AppendUint32(nil, 45455)
	var chrmBody []byte
	for _, v := range []uint32{31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000} {
		chrmBody = binary.BigEndian.AppendUint32(chrmBody, v)
	}
	t.Run("iCCP", func(t *testing.T) {
		ci := readColorInfo(FormatPNG, withPNGChunks(png, pngChunk("iCCP", iCCP(t, profile))))
		assert.Equal(t, profile, ci.icc)
		assert.Empty(t, ci.notes)
	})
	t.Run("sRGB gAMA cHRM cICP", func(t *testing.T) {
		ci := readColorInfo(FormatPNG, withPNGChunks(png,
			pngChunk("sRGB", []byte{0}), pngChunk("gAMA", gama), pngChunk("cHRM", chrmBody), pngChunk("cICP", []byte{12, 13, 0, 1})))
		assert.True(t, ci.srgb)
		assert.Equal(t, uint32(45455), ci.gamma)
		require.NotNil(t, ci.chrm)
		assert.Equal(t, [8]uint32{31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000}, *ci.chrm)
		assert.Equal(t, &nclx{primaries: 12, transfer: 13, fullRange: true}, ci.nclx)
		assert.Empty(t, ci.notes)
	})
	bad := []struct {
		name  string
		chunk []byte
		note  string
	}{
		{"iCCP bad zlib", pngChunk("iCCP", []byte("name\x00\x00not zlib")), "zlib"},
		{"iCCP no name", pngChunk("iCCP", append([]byte("\x00\x00"), zlibOf(t, profile)...)), "profile name"},
		{"iCCP name too long", pngChunk("iCCP", append(append(bytes.Repeat([]byte("n"), 80), 0, 0), zlibOf(t, profile)...)), "profile name"},
		{"iCCP unknown method", pngChunk("iCCP", append([]byte("n\x00\x01"), zlibOf(t, profile)...)), "compression method 1"},
		{"iCCP truncated zlib", pngChunk("iCCP", iCCP(t, profile)[:30]), "zlib"},
		{"iCCP zlib bomb", pngChunk("iCCP", iCCP(t, make([]byte, maxICCBytes+1))), "cap"},
		{"gAMA short", pngChunk("gAMA", []byte{1, 2}), "gAMA"},
		{"gAMA zero", pngChunk("gAMA", []byte{0, 0, 0, 0}), "gAMA"},
		{"cHRM short", pngChunk("cHRM", chrmBody[:20]), "cHRM"},
		{"cICP short", pngChunk("cICP", []byte{1, 2}), "cICP"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			ci := readColorInfo(FormatPNG, withPNGChunks(png, tc.chunk))
			assert.Nil(t, ci.icc)
			assert.Nil(t, ci.chrm)
			assert.Zero(t, ci.gamma)
			assert.Nil(t, ci.nclx)
			require.Len(t, ci.notes, 1)
			assert.Contains(t, ci.notes[0], tc.note)
		})
	}
	t.Run("chunks after IDAT are not read", func(t *testing.T) {
		iend := bytes.Index(png, []byte("IEND")) - 4
		data := append(append(append([]byte(nil), png[:iend]...), pngChunk("iCCP", iCCP(t, profile))...), png[iend:]...)
		assert.Nil(t, readColorInfo(FormatPNG, data).icc)
	})
}

func TestWebPAndTIFFProfiles(t *testing.T) {
	profile := bytes.Repeat([]byte("odd"), 33) // odd length: the chunk is padded
	ci := readColorInfo(FormatWebP, webpWith([2][]byte{[]byte("ICCP"), profile}, [2][]byte{[]byte("VP8L"), {1, 2}}))
	assert.Equal(t, profile, ci.icc)

	ci = readColorInfo(FormatWebP, webpWith([2][]byte{[]byte("ALPH"), {1}}, [2][]byte{[]byte("ICCP"), profile}))
	assert.Equal(t, profile, ci.icc, "after a padded chunk")

	ci = readColorInfo(FormatWebP, webpWith([2][]byte{[]byte("ICCP"), profile})[:40])
	assert.Nil(t, ci.icc, "truncated chunk")

	for _, bigEndian := range []bool{false, true} {
		data := tiffWithTag(t, bigEndian, tagICCProfile, 7, profile)
		ci := readColorInfo(FormatTIFF, data)
		assert.Equal(t, profile, ci.icc, "big endian %v", bigEndian)
	}
	ci = readColorInfo(FormatTIFF, tiffWithTag(t, false, tagICCProfile, 2, profile))
	assert.Nil(t, ci.icc)
	require.Len(t, ci.notes, 1)
	assert.Contains(t, ci.notes[0], "type 2")

	// A real TIFF without the tag.
	plain := encodeWith(t, func(b *bytes.Buffer) error { return tiff.Encode(b, photoLike(8, 8), nil) })
	ci = readColorInfo(FormatTIFF, plain)
	assert.Nil(t, ci.icc)
	assert.Empty(t, ci.notes)
}

// tiffWithTag is a minimal TIFF structure: a header and an IFD with one
// entry of the given tag and type whose value is stored after the IFD.
func tiffWithTag(t testing.TB, bigEndian bool, tag, typ uint16, value []byte) []byte {
	t.Helper()
	var bo binary.AppendByteOrder = binary.LittleEndian
	out := []byte("II*\x00")
	if bigEndian {
		bo, out = binary.BigEndian, []byte("MM\x00*")
	}
	out = bo.AppendUint32(out, 8)
	out = bo.AppendUint16(out, 1)
	out = bo.AppendUint16(out, tag)
	out = bo.AppendUint16(out, typ)
	out = bo.AppendUint32(out, uint32(len(value)))
	out = bo.AppendUint32(out, 8+2+12+4)
	out = bo.AppendUint32(out, 0) // no next IFD
	return append(out, value...)
}

// iccChunkSize is the most profile bytes one APP2 segment carries.
const iccChunkSize = 65535 - 2 - len(iccChunkHeader) - 2

// appendICCSegments appends profile as APP2 ICC_PROFILE segments, numbered
// from 1, as encoders write them.
func appendICCSegments(dst, profile []byte) []byte {
	n := (len(profile) + iccChunkSize - 1) / iccChunkSize
	for i := range n {
		part := profile[i*iccChunkSize : min(len(profile), (i+1)*iccChunkSize)]
		dst = append(dst, app2(byte(i+1), byte(n), part)...)
	}
	return dst
}
