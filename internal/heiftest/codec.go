package heiftest

import "github.com/imgpipe/imgpipe/lambda/imaging/heif"

// bitWriter writes bits MSB first.
type bitWriter struct {
	b []byte
	n int
}

func (w *bitWriter) bits(v uint64, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

func (w *bitWriter) ue(v uint64) {
	v++
	n := 0
	for x := v; x > 1; x >>= 1 {
		n++
	}
	w.bits(0, n)
	w.bits(v, n+1)
}

// HEVCTile is a fake HEVC tile: a real-shaped hvcC (8-bit 4:2:0, one SPS
// declaring spsW×spsH, 4-byte NAL lengths) around data that is no picture.
// For container tests that never reach a decoder.
func HEVCTile(w, h, spsW, spsH int, data []byte) heif.Tile {
	sps := &bitWriter{}
	sps.bits(0x4201, 16) // NAL header: SPS
	sps.bits(0, 4)       // vps id
	sps.bits(0, 3)       // max_sub_layers_minus1
	sps.bits(1, 1)
	sps.bits(0x01, 8) // general profile: Main
	sps.bits(0x60000000, 32)
	sps.bits(0, 48)
	sps.bits(90, 8) // level 3
	sps.ue(0)       // sps id
	sps.ue(1)       // chroma 4:2:0
	sps.ue(uint64(spsW))
	sps.ue(uint64(spsH))
	sps.bits(0, 1)
	sps.bits(1, 1) // stop bit, enough for our reader
	cfg := []byte{1, 0x01, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 90, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 1,
		0x80 | 33, 0, 1, byte(len(sps.b) >> 8), byte(len(sps.b))}
	cfg = append(cfg, sps.b...)
	return heif.Tile{Codec: heif.HEVC, Config: Box("hvcC", cfg), Data: data, Width: w, Height: h}
}

// AV1Tile is a fake AV1 tile: an av1C whose configOBUs hold a reduced
// still-picture sequence header declaring maxW×maxH, around data that is
// no picture. For container tests that never reach a decoder.
func AV1Tile(w, h, maxW, maxH int, data []byte) heif.Tile {
	seq := &bitWriter{}
	seq.bits(0, 3) // profile 0
	seq.bits(1, 1) // still_picture
	seq.bits(1, 1) // reduced_still_picture_header
	seq.bits(8, 5) // seq_level_idx
	seq.bits(15, 4)
	seq.bits(15, 4)
	seq.bits(uint64(maxW-1), 16)
	seq.bits(uint64(maxH-1), 16)
	seq.bits(0, 8)
	obu := append([]byte{1<<3 | 2, byte(len(seq.b))}, seq.b...) // OBU_SEQUENCE_HEADER with size
	cfg := append([]byte{0x81, 0x08, 0x0c, 0}, obu...)
	return heif.Tile{Codec: heif.AV1, Config: Box("av1C", cfg), Data: data, Width: w, Height: h}
}
