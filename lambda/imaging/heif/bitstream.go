package heif

// The decoders allocate their picture buffers from the size written in the
// bitstream (HEVC sequence parameter set, AV1 sequence header), not from
// ispe. So a file with a small ispe and a huge bitstream size could get
// past the pixel cap and make the decoder allocate gigabytes. These checks
// read that size from the codec configuration and from any parameter set
// in the coded data before the first picture, and reject a mismatch.

// sizeSlack is how much a coded size may exceed ispe: HEVC pads to its
// minimum coding block (8) and crops with the conformance window; AV1
// writes the exact size.
const sizeSlack = 64

func checkBitstreamSize(t Tile) error {
	var sizes [][2]uint64
	var err error
	switch t.Codec {
	case HEVC:
		sizes, err = hevcSizes(t.Config[8:], t.Data)
	case AV1:
		sizes, err = av1Sizes(t.Config[8:], t.Data)
	}
	if err != nil {
		return err
	}
	for _, s := range sizes {
		if s[0] > uint64(t.Width)+sizeSlack || s[1] > uint64(t.Height)+sizeSlack {
			return corruptf("the %s bitstream declares %dx%d pixels, larger than its item's ispe %dx%d",
				t.Codec, s[0], s[1], t.Width, t.Height)
		}
	}
	return nil
}

// bitReader reads bits MSB first; reading past the end sets bad.
type bitReader struct {
	b   []byte
	pos uint64
	bad bool
}

func (r *bitReader) bits(n int) uint64 {
	var v uint64
	for range n {
		if r.pos >= uint64(len(r.b))*8 {
			r.bad = true
			return 0
		}
		v = v<<1 | uint64(r.b[r.pos/8]>>(7-r.pos%8)&1)
		r.pos++
	}
	return v
}

func (r *bitReader) skip(n int) { r.bits(n) }

// ue reads an Exp-Golomb unsigned value (HEVC ue(v)).
func (r *bitReader) ue() uint64 {
	zeros := 0
	for r.bits(1) == 0 {
		if zeros++; zeros > 31 || r.bad {
			r.bad = true
			return 0
		}
	}
	return 1<<zeros - 1 + r.bits(zeros)
}

// unescape removes HEVC emulation-prevention bytes (00 00 03 → 00 00).
func unescape(nal []byte) []byte {
	out := make([]byte, 0, len(nal))
	zeros := 0
	for _, c := range nal {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}

// hevcSizes returns the picture size of every SPS in the hvcC arrays and in
// the coded data before its first picture.
func hevcSizes(cfg, data []byte) ([][2]uint64, error) {
	if len(cfg) < 23 {
		return nil, corruptf("the hvcC box is %d bytes, shorter than its 23-byte header", len(cfg))
	}
	var sizes [][2]uint64
	add := func(nal []byte) error {
		if len(nal) < 2 || nal[0]>>1&0x3f != 33 { // not an SPS
			return nil
		}
		w, h, ok := spsSize(unescape(nal[2:min(len(nal), 512)]))
		if !ok {
			return corruptf("the HEVC sequence parameter set is truncated or garbled")
		}
		sizes = append(sizes, [2]uint64{w, h})
		return nil
	}
	r := newReader(cfg[22:], "the hvcC box")
	arrays := int(r.u8())
	for range arrays {
		r.u8()
		n := int(r.u16())
		for range n {
			nal := r.need(int(r.u16()))
			if r.err != nil {
				return nil, r.err
			}
			if err := add(nal); err != nil {
				return nil, err
			}
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	lengthSize := int(cfg[21]&3) + 1
	for rest := data; len(rest) > 0; {
		if len(rest) < lengthSize {
			return nil, corruptf("the HEVC data ends inside a NAL unit length (truncated)")
		}
		var n uint64
		for _, c := range rest[:lengthSize] {
			n = n<<8 | uint64(c)
		}
		rest = rest[lengthSize:]
		if n > uint64(len(rest)) {
			return nil, corruptf("an HEVC NAL unit declares %d bytes but only %d remain (truncated)", n, len(rest))
		}
		nal := rest[:n]
		rest = rest[n:]
		if len(nal) >= 1 && nal[0]>>1&0x3f < 32 { // a picture: parameter sets come before
			break
		}
		if err := add(nal); err != nil {
			return nil, err
		}
	}
	return sizes, nil
}

// spsSize reads pic_width/height_in_luma_samples from an SPS payload (after
// the two-byte NAL header, emulation prevention removed). H.265 7.3.2.2.
func spsSize(b []byte) (w, h uint64, ok bool) {
	r := &bitReader{b: b}
	r.skip(4) // sps_video_parameter_set_id
	subLayers := int(r.bits(3))
	r.skip(1)
	// profile_tier_level(1, subLayers): the general profile (88 bits) and
	// level (8), then per sub-layer flags and the same fields.
	r.skip(96)
	profile, level := make([]bool, subLayers), make([]bool, subLayers)
	for i := range subLayers {
		profile[i], level[i] = r.bits(1) == 1, r.bits(1) == 1
	}
	if subLayers > 0 {
		r.skip(2 * (8 - subLayers))
	}
	for i := range subLayers {
		if profile[i] {
			r.skip(88)
		}
		if level[i] {
			r.skip(8)
		}
	}
	r.ue() // sps_seq_parameter_set_id
	if chroma := r.ue(); chroma == 3 {
		r.skip(1)
	}
	w, h = r.ue(), r.ue()
	return w, h, !r.bad && w > 0 && h > 0
}

// av1Sizes returns the maximum frame size of every sequence header OBU in
// the av1C configOBUs and in the coded data before its first frame.
func av1Sizes(cfg, data []byte) ([][2]uint64, error) {
	if len(cfg) < 4 {
		return nil, corruptf("the av1C box is %d bytes, shorter than its 4-byte header", len(cfg))
	}
	var sizes [][2]uint64
	for _, part := range [][]byte{cfg[4:], data} {
		for rest := part; len(rest) > 0; {
			hdr := rest[0]
			typ, ext, hasSize := hdr>>3&15, hdr&4 != 0, hdr&2 != 0
			i := 1
			if ext {
				i++
			}
			n := uint64(len(rest) - min(i, len(rest)))
			if hasSize {
				var v uint64
				var k int
				for k = 0; k < 8; k++ {
					if i+k >= len(rest) {
						return nil, corruptf("the AV1 data ends inside an OBU header (truncated)")
					}
					c := rest[i+k]
					v |= uint64(c&0x7f) << (7 * k)
					if c&0x80 == 0 {
						break
					}
				}
				if k == 8 {
					return nil, corruptf("an AV1 OBU size is not a valid leb128 number")
				}
				i += k + 1
				n = v
			}
			if i > len(rest) || n > uint64(len(rest)-i) {
				return nil, corruptf("an AV1 OBU declares %d bytes but fewer remain (truncated)", n)
			}
			obu := rest[i : uint64(i)+n]
			rest = rest[uint64(i)+n:]
			switch typ {
			case 1: // sequence header
				w, h, ok := av1SequenceSize(obu)
				if !ok {
					return nil, corruptf("the AV1 sequence header is truncated or garbled")
				}
				sizes = append(sizes, [2]uint64{w, h})
			case 3, 4, 6: // frame header, tile group, frame: the picture has begun
				rest = nil
			}
		}
	}
	return sizes, nil
}

// av1SequenceSize reads max_frame_width/height from a sequence header OBU
// (AV1 specification 5.5).
func av1SequenceSize(b []byte) (w, h uint64, ok bool) {
	r := &bitReader{b: b}
	r.skip(3) // seq_profile
	r.skip(1) // still_picture
	if reduced := r.bits(1) == 1; reduced {
		r.skip(5)
	} else {
		decoderModel := false
		bufferDelayBits := 0
		if timing := r.bits(1) == 1; timing {
			r.skip(64) // num_units_in_display_tick, time_scale
			if equal := r.bits(1) == 1; equal {
				// uvlc
				zeros := 0
				for r.bits(1) == 0 {
					if zeros++; zeros >= 32 || r.bad {
						return 0, 0, false
					}
				}
				r.skip(zeros)
			}
			if decoderModel = r.bits(1) == 1; decoderModel {
				bufferDelayBits = int(r.bits(5)) + 1
				r.skip(32)
				r.skip(10) // buffer_removal_time_length_minus_1, frame_presentation_time_length_minus_1
			}
		}
		initialDelay := r.bits(1) == 1
		points := int(r.bits(5)) + 1
		for range points {
			r.skip(12) // operating_point_idc
			if level := r.bits(5); level > 7 {
				r.skip(1)
			}
			if decoderModel && r.bits(1) == 1 {
				r.skip(2*bufferDelayBits + 1)
			}
			if initialDelay && r.bits(1) == 1 {
				r.skip(4)
			}
		}
	}
	wb, hb := int(r.bits(4))+1, int(r.bits(4))+1
	w, h = r.bits(wb)+1, r.bits(hb)+1
	return w, h, !r.bad
}
