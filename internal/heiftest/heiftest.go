// Package heiftest writes HEIF/AVIF containers for tests: grids assembled
// from tiles a reference encoder made, images with irot/imir/clap, Exif,
// alpha or colr added, and deliberately broken variants. The coded pictures
// always come from a real encoder (heif-enc, avifenc); only the container
// around them is written here. Test support: nothing in the Lambda imports it.
package heiftest

import (
	"encoding/binary"

	"github.com/imgpipe/imgpipe/lambda/imaging/heif"
)

// Box serialises a box.
func Box(typ string, body ...[]byte) []byte {
	n := 8
	for _, b := range body {
		n += len(b)
	}
	out := make([]byte, 8, n)
	binary.BigEndian.PutUint32(out, uint32(n))
	copy(out[4:], typ)
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

// FullBox serialises a box with a version and flags.
func FullBox(typ string, version uint8, flags uint32, body ...[]byte) []byte {
	return Box(typ, append([][]byte{{version, byte(flags >> 16), byte(flags >> 8), byte(flags)}}, body...)...)
}

func u16(v int) []byte { return []byte{byte(v >> 8), byte(v)} }
func u32(v uint32) []byte {
	return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

// Prop is an item property and whether it is essential.
type Prop struct {
	Box       []byte
	Essential bool
}

// Properties.
func Ispe(w, h int) Prop { return Prop{Box: FullBox("ispe", 0, 0, u32(uint32(w)), u32(uint32(h)))} }

// Irot turns the image anticlockwise by angle×90°.
func Irot(angle int) Prop { return Prop{Box: Box("irot", []byte{byte(angle & 3)}), Essential: true} }

// Imir mirrors: mode 0 exchanges top and bottom, 1 left and right.
func Imir(mode int) Prop { return Prop{Box: Box("imir", []byte{byte(mode & 1)}), Essential: true} }

// Clap is a clean aperture of w×h centred at offset (dx, dy) from the
// image centre (all in whole pixels over denominator 1, or halves with d=2).
func Clap(wN, wD, hN, hD uint32, hoN int32, hoD uint32, voN int32, voD uint32) Prop {
	return Prop{Box: Box("clap", u32(wN), u32(wD), u32(hN), u32(hD), u32(uint32(hoN)), u32(hoD), u32(uint32(voN)), u32(voD)), Essential: true}
}

// Pixi declares bits per channel.
func Pixi(bits ...int) Prop {
	b := []byte{byte(len(bits))}
	for _, v := range bits {
		b = append(b, byte(v))
	}
	return Prop{Box: FullBox("pixi", 0, 0, b)}
}

// AuxCAlpha marks an auxiliary item as an alpha plane (HEVC URN).
func AuxCAlpha() Prop {
	return Prop{Box: FullBox("auxC", 0, 0, []byte("urn:mpeg:hevc:2015:auxid:1\x00"))}
}

// ColrNCLX is a colr box with nclx code points.
func ColrNCLX(primaries, transfer, matrix int, full bool) Prop {
	f := byte(0)
	if full {
		f = 0x80
	}
	return Prop{Box: Box("colr", []byte("nclx"), u16(primaries), u16(transfer), u16(matrix), []byte{f})}
}

// ColrICC is a colr box holding an ICC profile.
func ColrICC(icc []byte) Prop { return Prop{Box: Box("colr", []byte("prof"), icc)} }

// Config is a coded picture's decoder configuration as a property.
func Config(t heif.Tile) Prop { return Prop{Box: t.Config, Essential: true} }

// Item is an item of a file. Data goes into mdat, or into idat when Idat.
type Item struct {
	ID     uint32
	Type   string
	Data   []byte
	Props  []Prop
	Hidden bool
	Idat   bool
}

// Ref is an item reference of type Type from one item to others.
type Ref struct {
	Type string
	From uint32
	To   []uint32
}

// File is a HEIF file to write.
type File struct {
	Major   string   // major brand; "heic" when empty
	Brands  []string // compatible brands; mif1 and the major brand when empty
	Primary uint32
	Items   []Item
	Refs    []Ref
}

// Bytes writes the file: ftyp, meta (hdlr, pitm, iinf, iref, iprp, idat,
// iloc with 32-bit offsets) and one mdat.
func (f File) Bytes() []byte {
	major := f.Major
	if major == "" {
		major = "heic"
	}
	brands := f.Brands
	if brands == nil {
		brands = []string{"mif1", major}
	}
	ftypBody := []byte(major + "\x00\x00\x00\x00")
	for _, b := range brands {
		ftypBody = append(ftypBody, b...)
	}
	ftyp := Box("ftyp", ftypBody)

	hdlr := FullBox("hdlr", 0, 0, make([]byte, 4), []byte("pict"), make([]byte, 13))
	pitm := FullBox("pitm", 0, 0, u16(int(f.Primary)))
	var infes [][]byte
	for _, it := range f.Items {
		flags := uint32(0)
		if it.Hidden {
			flags = 1
		}
		infes = append(infes, FullBox("infe", 2, flags, u16(int(it.ID)), u16(0), []byte(it.Type), []byte{0}))
	}
	iinf := FullBox("iinf", 0, 0, append([][]byte{u16(len(f.Items))}, infes...)...)
	var refs [][]byte
	for _, r := range f.Refs {
		b := append(u16(int(r.From)), u16(len(r.To))...)
		for _, to := range r.To {
			b = append(b, u16(int(to))...)
		}
		refs = append(refs, Box(r.Type, b))
	}
	var iref []byte
	if len(refs) > 0 {
		iref = FullBox("iref", 0, 0, refs...)
	}
	// Properties: one copy per item, in item order.
	var props [][]byte
	var ipma []byte
	for _, it := range f.Items {
		ipma = append(ipma, u16(int(it.ID))...)
		ipma = append(ipma, byte(len(it.Props)))
		for _, p := range it.Props {
			props = append(props, p.Box)
			idx := len(props) // 15-bit indices (ipma flags 1)
			if p.Essential {
				idx |= 0x8000
			}
			ipma = append(ipma, u16(idx)...)
		}
	}
	iprp := Box("iprp", Box("ipco", props...), FullBox("ipma", 0, 1, u32(uint32(len(f.Items))), ipma))
	var idatBody, mdatBody []byte
	type loc struct {
		method   int
		off, len int
	}
	locs := make([]loc, len(f.Items))
	for i, it := range f.Items {
		if it.Idat {
			locs[i] = loc{1, len(idatBody), len(it.Data)}
			idatBody = append(idatBody, it.Data...)
		} else {
			locs[i] = loc{0, len(mdatBody), len(it.Data)}
			mdatBody = append(mdatBody, it.Data...)
		}
	}
	var idat []byte
	if idatBody != nil {
		idat = Box("idat", idatBody)
	}
	// iloc v1 (construction methods), 4-byte offsets and lengths.
	ilocLen := 12 + 2 + 2 + len(f.Items)*(2+2+2+2+8)
	metaLen := 12 + len(hdlr) + len(pitm) + len(iinf) + len(iref) + len(iprp) + len(idat) + ilocLen
	mdatStart := len(ftyp) + metaLen + 8
	iloc := []byte{0x44, 0x00}
	iloc = append(iloc, u16(len(f.Items))...)
	for i, it := range f.Items {
		off := locs[i].off
		if locs[i].method == 0 {
			off += mdatStart
		}
		iloc = append(iloc, u16(int(it.ID))...)
		iloc = append(iloc, u16(locs[i].method)...)
		iloc = append(iloc, u16(0)...) // data_reference_index
		iloc = append(iloc, u16(1)...) // extent_count
		iloc = append(iloc, u32(uint32(off))...)
		iloc = append(iloc, u32(uint32(locs[i].len))...)
	}
	meta := FullBox("meta", 0, 0, hdlr, pitm, iinf, iref, iprp, idat, FullBox("iloc", 1, 0, iloc))
	out := append(ftyp, meta...)
	return append(out, Box("mdat", mdatBody)...)
}

// Still is a file whose primary image (item 1) is one coded picture, with
// extra properties (transforms, colr, pixi) after its configuration and ispe.
func Still(t heif.Tile, extra ...Prop) File {
	return File{Major: brand(t), Primary: 1, Items: []Item{{ID: 1, Type: string(t.Codec),
		Data: t.Data, Props: append([]Prop{Config(t), Ispe(t.Width, t.Height)}, extra...)}}}
}

// Grid is a file whose primary image (item 1) is a cols×rows grid of the
// given tiles (row-major) with output size w×h, extra properties on the grid.
func Grid(tiles []heif.Tile, cols, rows, w, h int, extra ...Prop) File {
	desc := append([]byte{0, 0, byte(rows - 1), byte(cols - 1)}, append(u16(w), u16(h)...)...)
	f := File{Major: brand(tiles[0]), Primary: 1, Items: []Item{{ID: 1, Type: "grid", Data: desc, Idat: true,
		Props: append([]Prop{Ispe(w, h)}, extra...)}}}
	ref := Ref{Type: "dimg", From: 1}
	for i, t := range tiles {
		id := uint32(i + 2)
		f.Items = append(f.Items, Item{ID: id, Type: string(t.Codec), Data: t.Data, Hidden: true,
			Props: []Prop{Config(t), Ispe(t.Width, t.Height)}})
		ref.To = append(ref.To, id)
	}
	f.Refs = append(f.Refs, ref)
	return f
}

// WithExif adds an Exif item (a TIFF structure) describing the primary.
func (f File) WithExif(tiff []byte) File {
	id := f.nextID()
	f.Items = append(f.Items, Item{ID: id, Type: "Exif", Data: append(u32(0), tiff...), Hidden: true})
	f.Refs = append(f.Refs, Ref{Type: "cdsc", From: id, To: []uint32{f.Primary}})
	return f
}

// WithAlpha adds a coded alpha plane for the primary.
func (f File) WithAlpha(a heif.Tile) File {
	id := f.nextID()
	f.Items = append(f.Items, Item{ID: id, Type: string(a.Codec), Data: a.Data, Hidden: true,
		Props: []Prop{Config(a), Ispe(a.Width, a.Height), AuxCAlpha()}})
	f.Refs = append(f.Refs, Ref{Type: "auxl", From: id, To: []uint32{f.Primary}})
	return f
}

func (f File) nextID() uint32 {
	id := uint32(1)
	for _, it := range f.Items {
		id = max(id, it.ID+1)
	}
	return id
}

func brand(t heif.Tile) string {
	if t.Codec == heif.AV1 {
		return "avif"
	}
	return "heic"
}
