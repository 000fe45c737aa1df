package heif

// parseFirstFrame handles an image sequence without a primary item (no
// meta box, only moov): its first video track's first sample becomes the
// image, with the track's codec configuration and sample-entry size.
func (f *File) parseFirstFrame(moov []byte) error {
	traks, err := boxes(moov, "the moov box", false)
	if err != nil {
		return err
	}
	for _, trak := range traks {
		if trak.typ != "trak" {
			continue
		}
		mdia, err := child(trak.body, "trak", "mdia")
		if err != nil || mdia == nil {
			continue
		}
		hdlr, _ := child(mdia, "mdia", "hdlr")
		if len(hdlr) < 12 || (string(hdlr[8:12]) != "pict" && string(hdlr[8:12]) != "vide") {
			continue
		}
		stbl, err := path(mdia, "minf", "stbl")
		if err != nil {
			return err
		}
		if stbl == nil {
			return corruptf("the image sequence's track has no sample table (stbl)")
		}
		im, err := f.firstSample(stbl)
		if err != nil {
			return err
		}
		f.primary = 0
		f.items[0] = &item{id: 0, typ: "frame", frame: im, refsFrom: map[string][]uint32{}}
		return nil
	}
	return corruptf("the image sequence has no video track")
}

// child returns the body of the first child box of type typ (nil if none).
func child(body []byte, where, typ string) ([]byte, error) {
	bs, err := boxes(body, "the "+where+" box", false)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		if b.typ == typ {
			return b.body, nil
		}
	}
	return nil, nil
}

func path(body []byte, typs ...string) ([]byte, error) {
	where := "track"
	for _, t := range typs {
		var err error
		if body, err = child(body, where, t); err != nil || body == nil {
			return nil, err
		}
		where = t
	}
	return body, nil
}

func (f *File) firstSample(stbl []byte) (*Image, error) {
	stsd, err := child(stbl, "stbl", "stsd")
	if err != nil {
		return nil, err
	}
	r := newReader(stsd, "the stsd box")
	r.fullBox()
	r.u32()
	if r.err != nil {
		return nil, r.err
	}
	entries, err := boxes(r.b, "the stsd box", false)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, corruptf("the image sequence's sample description is empty")
	}
	e := entries[0]
	var codec Codec
	cfgType := ""
	switch e.typ {
	case "hvc1", "hev1":
		codec, cfgType = HEVC, "hvcC"
	case "av01":
		codec, cfgType = AV1, "av1C"
	default:
		return nil, unsupportedf("the image sequence is coded as %q, not HEVC or AV1", printable([]byte(e.typ)))
	}
	const visualEntry = 78 // VisualSampleEntry fields before its child boxes
	if len(e.body) < visualEntry {
		return nil, corruptf("the %s sample entry is truncated", e.typ)
	}
	w, h := int(e.body[24])<<8|int(e.body[25]), int(e.body[26])<<8|int(e.body[27])
	if w == 0 || h == 0 {
		return nil, corruptf("the image sequence declares impossible dimensions %dx%d", w, h)
	}
	props, err := boxes(e.body[visualEntry:], "the "+e.typ+" sample entry", false)
	if err != nil {
		return nil, err
	}
	var cfg []byte
	im := &Image{Codec: codec, Width: w, Height: h, Rows: 1, Cols: 1, TileWidth: w, TileHeight: h,
		Crop: Rect{0, 0, w, h}, Orientation: 1}
	fake := &File{props: props}
	pseudo := &item{}
	for i, p := range props {
		if p.typ == cfgType {
			cfg = boxBytes(cfgType, p.body)
		}
		pseudo.assoc = append(pseudo.assoc, assoc{index: uint16(i + 1)})
	}
	if cfg == nil {
		return nil, corruptf("the %s sample entry has no %s box", e.typ, cfgType)
	}
	fake.colour(pseudo, im)

	// First sample: offset of the first chunk, size of the first sample.
	size, off := uint64(0), uint64(0)
	if b, err := child(stbl, "stbl", "stsz"); err == nil && b != nil {
		sr := newReader(b, "the stsz box")
		sr.fullBox()
		if size = uint64(sr.u32()); size == 0 {
			if n := sr.u32(); n > 0 {
				size = uint64(sr.u32())
			}
		}
		if sr.err != nil {
			return nil, sr.err
		}
	}
	if b, _ := child(stbl, "stbl", "stco"); b != nil {
		cr := newReader(b, "the stco box")
		cr.fullBox()
		if cr.u32() > 0 {
			off = uint64(cr.u32())
		}
		if cr.err != nil {
			return nil, cr.err
		}
	} else if b, _ := child(stbl, "stbl", "co64"); b != nil {
		cr := newReader(b, "the co64 box")
		cr.fullBox()
		if cr.u32() > 0 {
			off = cr.u64()
		}
		if cr.err != nil {
			return nil, cr.err
		}
	}
	if size == 0 || off == 0 {
		return nil, corruptf("the image sequence's first sample has no size or offset")
	}
	if off > uint64(len(f.data)) || size > uint64(len(f.data))-off {
		return nil, corruptf("the image sequence's first sample (%d bytes at %d) lies past the end of the file (truncated)", size, off)
	}
	t := Tile{Codec: codec, Config: cfg, Data: f.data[off : off+size], Width: w, Height: h}
	if err := checkBitstreamSize(t); err != nil {
		return nil, err
	}
	im.Tiles = []Tile{t}
	im.BitDepth, im.Chroma = fake.depthAndChroma(pseudo, t)
	return im, nil
}
