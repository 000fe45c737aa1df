// Package heif reads the ISO base media file format (ISOBMFF) container of
// HEIF/HEIC and AVIF images, without decoding any pixel: the brands, the
// primary image and how it is coded (one HEVC or AV1 item, or a grid of
// such tiles), its size, the transforms that make it upright (clap, irot,
// imir), its colour properties (colr), bit depth (pixi or the codec
// configuration), its alpha plane, and its Exif item. An image sequence
// without a primary item gives its first frame.
//
// Every size, count and offset is checked against the data and against hard
// bounds before anything is allocated for it, so a hostile file fails with
// a Corrupt or TooLarge error naming the problem rather than costing memory.
// Standalone turns one coded item (a tile, an alpha plane, a whole image)
// into a minimal HEIF/AVIF file of its own, without transforms, for a
// decoder that only understands whole files.
//
// References: ISO/IEC 14496-12 (ISOBMFF), ISO/IEC 23008-12 (HEIF),
// ISO/IEC 23000-22 (MIAF) and the AV1 Image File Format (AVIF).
package heif

import (
	"slices"
)

// Hard bounds on what a container may declare. Real files are far below
// them: an iPhone 48 MP HEIC has about 200 items (tiles, thumbnail, gain
// map) and under 100 properties.
const (
	maxChildren    = 10000   // boxes at one level of nesting
	maxItems       = 10000   // items in iinf/iloc
	maxProperties  = 10000   // properties in ipco
	maxAssocs      = 100000  // item-property associations in ipma
	maxRefs        = 100000  // item references in iref
	maxExtents     = 1000    // extents of one item
	maxExifBytes   = 4 << 20 // an Exif item larger than this is ignored
	maxTransforms  = 32      // clap/irot/imir properties of one item
	maxCodecConfig = 1 << 16 // hvcC/av1C box size
)

// Codec is how an image item is coded.
type Codec string

// Codecs we decode.
const (
	HEVC Codec = "hvc1"
	AV1  Codec = "av01"
)

// File is a parsed container.
type File struct {
	MajorBrand string
	Brands     []string // compatible brands, in file order
	data       []byte
	items      map[uint32]*item
	idat       []byte
	primary    uint32
	props      []box // ipco children, 0-based (ipma indices are 1-based)
}

// item is one entry of iinf with its location, properties and references.
type item struct {
	id       uint32
	typ      string // hvc1, av01, grid, Exif, mime, ...
	hidden   bool
	method   uint8 // iloc construction method: 0 file offset, 1 idat
	baseOff  uint64
	extents  [][2]uint64 // offset, length (0 = to the end)
	located  bool
	assoc    []assoc
	refsFrom map[string][]uint32 // reference type → items this item refers to
	frame    *Image              // the first frame of a sequence (no item of its own)
}

type assoc struct {
	index     uint16 // 1-based into ipco
	essential bool
}

// Brands that say which codec a file holds.
var (
	heicBrands = []string{"heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs"}
	avifBrands = []string{"avif", "avis"}
	heifBrands = []string{"mif1", "msf1", "mif2", "miaf"}
)

// SniffBrands reports, from the ftyp box alone, whether data is a HEIF
// family file and which codec its brands promise: HEVC, AV1, or "" for a
// generic HEIF brand (mif1, msf1) that needs the container to tell. ok is
// false when data does not start with an ftyp box naming any of them.
func SniffBrands(data []byte) (codec Codec, ok bool) {
	major, compat, err := readFtyp(data)
	if err != nil {
		return "", false
	}
	all := append([]string{major}, compat...)
	has := func(set []string) bool {
		return slices.ContainsFunc(all, func(b string) bool { return slices.Contains(set, b) })
	}
	switch {
	case has(avifBrands):
		return AV1, true
	case has(heicBrands):
		return HEVC, true
	case has(heifBrands):
		return "", true
	}
	return "", false
}

// readFtyp reads the ftyp box that must start the file.
func readFtyp(data []byte) (major string, compat []string, err error) {
	if len(data) < 16 || string(data[4:8]) != "ftyp" {
		return "", nil, corruptf("the file does not start with an ftyp box")
	}
	bs, err := boxes(data[:min(len(data), int(beU32(data)))], "the ftyp box", false)
	if err != nil || len(bs) != 1 {
		return "", nil, corruptf("the ftyp box is truncated or garbled")
	}
	body := bs[0].body
	if len(body) < 8 || len(body)%4 != 0 {
		return "", nil, corruptf("the ftyp box has %d bytes, not 8 plus a multiple of 4", len(body))
	}
	major = string(body[:4])
	for i := 8; i < len(body) && len(compat) < 64; i += 4 {
		compat = append(compat, string(body[i:i+4]))
	}
	return major, compat, nil
}

func beU32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// Parse reads the container structure. It allocates in proportion to the
// boxes actually present (each bounded), never to declared sizes or counts.
func Parse(data []byte) (*File, error) {
	major, compat, err := readFtyp(data)
	if err != nil {
		return nil, err
	}
	f := &File{MajorBrand: major, Brands: compat, data: data, items: map[uint32]*item{}}
	top, err := boxes(data, "the file", true)
	if err != nil {
		return nil, err
	}
	var meta, moov []byte
	for _, b := range top {
		switch b.typ {
		case "meta":
			if meta != nil {
				return nil, corruptf("the file has two top-level meta boxes")
			}
			meta = b.body
		case "moov":
			moov = b.body
		}
	}
	switch {
	case meta != nil:
		if err := f.parseMeta(meta); err != nil {
			return nil, err
		}
	case moov != nil:
		if err := f.parseFirstFrame(moov); err != nil {
			return nil, err
		}
	default:
		return nil, corruptf("the file has neither a meta box (still image) nor a moov box (image sequence)")
	}
	return f, nil
}

func (f *File) parseMeta(meta []byte) error {
	r := newReader(meta, "the meta box")
	r.fullBox()
	if r.err != nil {
		return r.err
	}
	children, err := boxes(r.b, "the meta box", false)
	if err != nil {
		return err
	}
	var iloc, iinf, iref, iprp []byte
	handler, hasPitm := "", false
	for _, b := range children {
		switch b.typ {
		case "hdlr":
			hr := newReader(b.body, "the hdlr box")
			hr.fullBox()
			hr.u32()
			handler = hr.fourCC()
			if hr.err != nil {
				return hr.err
			}
		case "pitm":
			pr := newReader(b.body, "the pitm box")
			if v, _ := pr.fullBox(); v == 0 {
				f.primary = uint32(pr.u16())
			} else {
				f.primary = pr.u32()
			}
			if pr.err != nil {
				return pr.err
			}
			hasPitm = true
		case "iloc":
			iloc = b.body
		case "iinf":
			iinf = b.body
		case "iref":
			iref = b.body
		case "iprp":
			iprp = b.body
		case "idat":
			f.idat = b.body
		}
	}
	if handler != "pict" {
		return unsupportedf("the meta box's handler is %q, not \"pict\" (not an image file)", handler)
	}
	if !hasPitm {
		return corruptf("the meta box has no pitm box naming the primary image")
	}
	if iinf == nil || iloc == nil {
		return corruptf("the meta box lacks its iinf (item info) or iloc (item location) box")
	}
	if err := f.parseIinf(iinf); err != nil {
		return err
	}
	if err := f.parseIloc(iloc); err != nil {
		return err
	}
	if iref != nil {
		if err := f.parseIref(iref); err != nil {
			return err
		}
	}
	if iprp != nil {
		if err := f.parseIprp(iprp); err != nil {
			return err
		}
	}
	if f.items[f.primary] == nil {
		return corruptf("the primary item %d is not in the item info", f.primary)
	}
	return nil
}

func (f *File) parseIinf(b []byte) error {
	r := newReader(b, "the iinf box")
	v, _ := r.fullBox()
	if v == 0 {
		r.u16()
	} else {
		r.u32()
	}
	if r.err != nil {
		return r.err
	}
	entries, err := boxes(r.b, "the iinf box", false)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.typ != "infe" {
			continue
		}
		if len(f.items) == maxItems {
			return tooLargef("the file declares more than %d items", maxItems)
		}
		er := newReader(e.body, "an infe box")
		ver, flags := er.fullBox()
		it := &item{hidden: flags&1 != 0, refsFrom: map[string][]uint32{}}
		switch ver {
		case 2:
			it.id = uint32(er.u16())
		case 3:
			it.id = er.u32()
		default:
			// Versions 0 and 1 predate typed items: no image can be in them.
			continue
		}
		er.u16() // item_protection_index
		it.typ = er.fourCC()
		if er.err != nil {
			return er.err
		}
		if f.items[it.id] != nil {
			return corruptf("item %d is declared twice in iinf", it.id)
		}
		f.items[it.id] = it
	}
	return nil
}

func (f *File) parseIloc(b []byte) error {
	r := newReader(b, "the iloc box")
	v, _ := r.fullBox()
	if v > 2 {
		return unsupportedf("the iloc box has version %d (only 0, 1 and 2 exist)", v)
	}
	sizes := r.u16()
	offSize, lenSize, baseSize := int(sizes>>12), int(sizes>>8&15), int(sizes>>4&15)
	idxSize := 0
	if v >= 1 {
		idxSize = int(sizes & 15)
	}
	var count uint32
	if v < 2 {
		count = uint32(r.u16())
	} else {
		count = r.u32()
	}
	if r.err != nil {
		return r.err
	}
	if count > maxItems {
		return tooLargef("the iloc box declares %d items, more than %d", count, maxItems)
	}
	for range count {
		var id uint32
		if v < 2 {
			id = uint32(r.u16())
		} else {
			id = r.u32()
		}
		method := uint8(0)
		if v >= 1 {
			method = uint8(r.u16() & 15)
		}
		r.u16() // data_reference_index
		base := r.uintN(baseSize)
		n := r.u16()
		if r.err != nil {
			return r.err
		}
		if n > maxExtents {
			return tooLargef("item %d has %d extents, more than %d", id, n, maxExtents)
		}
		// Each extent needs at least offSize+lenSize bytes: a count larger
		// than the box can hold is caught before allocating for it.
		if need := int(n) * (offSize + lenSize + idxSize); need > len(r.b) {
			return corruptf("item %d declares %d extents but the iloc box has only %d bytes left (truncated)", id, n, len(r.b))
		}
		ext := make([][2]uint64, 0, n)
		for range n {
			r.uintN(idxSize)
			off := r.uintN(offSize)
			ln := r.uintN(lenSize)
			ext = append(ext, [2]uint64{off, ln})
		}
		if r.err != nil {
			return r.err
		}
		it := f.items[id]
		if it == nil {
			continue // a location for an item without info: unused
		}
		if it.located {
			return corruptf("item %d has two locations in iloc", id)
		}
		it.method, it.baseOff, it.extents, it.located = method, base, ext, true
	}
	return nil
}

func (f *File) parseIref(b []byte) error {
	r := newReader(b, "the iref box")
	v, _ := r.fullBox()
	if r.err != nil {
		return r.err
	}
	refs, err := boxes(r.b, "the iref box", false)
	if err != nil {
		return err
	}
	total := 0
	for _, ref := range refs {
		rr := newReader(ref.body, "an iref %q entry", ref.typ)
		idSize := 2
		if v != 0 {
			idSize = 4
		}
		from := uint32(rr.uintN(idSize))
		n := int(rr.u16())
		if rr.err != nil {
			return rr.err
		}
		if n*idSize > len(rr.b) {
			return corruptf("an iref %q entry of item %d declares %d references but holds only %d bytes (truncated)", printable([]byte(ref.typ)), from, n, len(rr.b))
		}
		if total += n; total > maxRefs {
			return tooLargef("the iref box declares more than %d references", maxRefs)
		}
		it := f.items[from]
		to := make([]uint32, 0, n)
		for range n {
			to = append(to, uint32(rr.uintN(idSize)))
		}
		if it != nil {
			it.refsFrom[ref.typ] = append(it.refsFrom[ref.typ], to...)
		}
	}
	return nil
}

func (f *File) parseIprp(b []byte) error {
	children, err := boxes(b, "the iprp box", false)
	if err != nil {
		return err
	}
	for _, c := range children {
		switch c.typ {
		case "ipco":
			if f.props != nil {
				return corruptf("the iprp box has two ipco boxes")
			}
			props, err := boxes(c.body, "the ipco box", false)
			if err != nil {
				return err
			}
			if len(props) > maxProperties {
				return tooLargef("the ipco box holds %d properties, more than %d", len(props), maxProperties)
			}
			f.props = props
		}
	}
	total := 0
	for _, c := range children {
		if c.typ != "ipma" {
			continue
		}
		r := newReader(c.body, "the ipma box")
		v, flags := r.fullBox()
		n := r.u32()
		if r.err != nil {
			return r.err
		}
		if int64(n)*3 > int64(len(r.b)) {
			return corruptf("the ipma box declares %d entries but holds only %d bytes (truncated)", n, len(r.b))
		}
		for range n {
			var id uint32
			if v < 1 {
				id = uint32(r.u16())
			} else {
				id = r.u32()
			}
			k := int(r.u8())
			if total += k; total > maxAssocs {
				return tooLargef("the ipma box declares more than %d associations", maxAssocs)
			}
			it := f.items[id]
			for range k {
				var a assoc
				if flags&1 != 0 {
					x := r.u16()
					a = assoc{index: x & 0x7fff, essential: x&0x8000 != 0}
				} else {
					x := r.u8()
					a = assoc{index: uint16(x & 0x7f), essential: x&0x80 != 0}
				}
				if a.index == 0 {
					continue // "no property"
				}
				if int(a.index) > len(f.props) {
					return corruptf("item %d is associated with property %d, but ipco holds only %d", id, a.index, len(f.props))
				}
				if it != nil {
					it.assoc = append(it.assoc, a)
				}
			}
			if r.err != nil {
				return r.err
			}
		}
	}
	return nil
}

// itemData returns the bytes of an item, joining its extents. A location
// outside the file is corrupt; the total is bounded by the file size, so
// this never allocates more than the upload itself.
func (f *File) itemData(it *item) ([]byte, error) {
	if !it.located {
		return nil, corruptf("item %d (%s) has no location in iloc", it.id, printable([]byte(it.typ)))
	}
	var src []byte
	switch it.method {
	case 0:
		src = f.data
	case 1:
		src = f.idat
	default:
		return nil, unsupportedf("item %d is stored with iloc construction method %d (only file offsets and idat are supported)", it.id, it.method)
	}
	spans := make([][]byte, 0, len(it.extents))
	total := 0
	for _, e := range it.extents {
		off, ln := it.baseOff+e[0], e[1]
		if off < it.baseOff || off > uint64(len(src)) {
			return nil, corruptf("item %d's data starts at byte %d, past the end of its %d-byte source (truncated)", it.id, off, len(src))
		}
		if ln == 0 {
			ln = uint64(len(src)) - off
		}
		if ln > uint64(len(src))-off {
			return nil, corruptf("item %d's data runs %d bytes from byte %d, past the end of its %d-byte source (truncated)", it.id, ln, off, len(src))
		}
		spans = append(spans, src[off:off+ln])
		total += int(ln)
	}
	if len(spans) == 1 {
		return spans[0], nil
	}
	if total > len(f.data) {
		return nil, corruptf("item %d's extents add up to %d bytes, more than the whole %d-byte file", it.id, total, len(f.data))
	}
	out := make([]byte, 0, total)
	for _, s := range spans {
		out = append(out, s...)
	}
	return out, nil
}

// property returns the first property of type typ associated with it.
func (f *File) property(it *item, typ string) (box, bool) {
	for _, a := range it.assoc {
		if p := f.props[a.index-1]; p.typ == typ {
			return p, true
		}
	}
	return box{}, false
}

// referringTo lists the items with a reference of type typ to id.
func (f *File) referringTo(typ string, id uint32) []*item {
	var out []*item
	for _, it := range f.items {
		if slices.Contains(it.refsFrom[typ], id) {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b *item) int { return int(a.id) - int(b.id) })
	return out
}
