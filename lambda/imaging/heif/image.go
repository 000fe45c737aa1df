package heif

import (
	"encoding/binary"
	"math/big"
	"slices"
)

// Image is one image ready to decode: its coded tiles (one for a plain
// item), the size they compose to, and what to do with the result.
type Image struct {
	Codec Codec
	// Width and Height are the stored size, before transforms: the item's
	// ispe, or a grid's output size.
	Width, Height int
	// Rows × Cols tiles of TileWidth × TileHeight, row-major; 1×1 for a
	// plain item. The tiles may overhang the right and bottom edges.
	Rows, Cols            int
	TileWidth, TileHeight int
	Tiles                 []Tile
	// BitDepth of the luma (or first) channel: pixi, else the codec
	// configuration.
	BitDepth int
	// Chroma is the codec configuration's chroma format: "400" (monochrome),
	// "420", "422" or "444".
	Chroma string
	// Crop is the clean aperture (clap) in stored coordinates; the whole
	// image when there is none.
	Crop Rect
	// Orientation is the irot/imir transforms, in their order, as the
	// equivalent EXIF orientation (1..8): what to apply to the cropped
	// stored pixels to make them upright.
	Orientation uint8
	// Alpha is the auxiliary alpha image, with the same stored size; nil
	// when the image is opaque. PremultipliedAlpha says the colour is
	// premultiplied by it (a prem reference).
	Alpha              *Image
	PremultipliedAlpha bool
	// ICC is a colr box of type prof or rICC; NCLX one of type nclx.
	ICC  []byte
	NCLX *NCLX
}

// Rect is a half-open pixel rectangle.
type Rect struct{ X0, Y0, X1, Y1 int }

// Dx and Dy are its width and height.
func (r Rect) Dx() int { return r.X1 - r.X0 }
func (r Rect) Dy() int { return r.Y1 - r.Y0 }

// NCLX holds colr nclx code points (ITU-T H.273).
type NCLX struct {
	Primaries, Transfer, Matrix uint16
	FullRange                   bool
}

// Tile is one coded image item: its codec configuration box (hvcC or av1C,
// header included), its coded data and its ispe size.
type Tile struct {
	Codec         Codec
	Config        []byte
	Data          []byte
	Width, Height int
}

// UprightSize is the size after clap and the irot/imir transforms.
func (im *Image) UprightSize() (w, h int) {
	w, h = im.Crop.Dx(), im.Crop.Dy()
	if im.Orientation >= 5 {
		w, h = h, w
	}
	return w, h
}

// DecodedPixels is the pixel count a decoder works through for this image:
// every tile in full, overhang included (a grid counts its full size).
func (im *Image) DecodedPixels() int64 {
	return int64(im.Rows) * int64(im.Cols) * int64(im.TileWidth) * int64(im.TileHeight)
}

// Properties we understand; any other property marked essential makes the
// image unsupported (HEIF: a reader must not show an image whose essential
// property it does not understand).
var knownProperties = []string{"hvcC", "av1C", "ispe", "pixi", "colr", "auxC", "pasp", "rloc",
	"clap", "irot", "imir", "clli", "mdcv", "a1lx", "lsel"}

// Primary describes the primary image (or the first frame of a sequence).
func (f *File) Primary() (*Image, error) {
	it := f.items[f.primary]
	im, err := f.image(it, 0)
	if err != nil {
		return nil, err
	}
	if err := f.transforms(it, im); err != nil {
		return nil, err
	}
	f.colour(it, im)
	for _, a := range f.referringTo("auxl", it.id) {
		if !f.isAlpha(a) {
			continue
		}
		alpha, err := f.image(a, 0)
		if err != nil {
			return nil, err
		}
		if alpha.Width != im.Width || alpha.Height != im.Height {
			return nil, unsupportedf("the alpha plane is %dx%d, not the image's %dx%d (scaled alpha is not supported)",
				alpha.Width, alpha.Height, im.Width, im.Height)
		}
		im.Alpha = alpha
		im.PremultipliedAlpha = slices.Contains(it.refsFrom["prem"], a.id)
		break
	}
	return im, nil
}

// image describes a coded item or a grid of them, without transforms.
func (f *File) image(it *item, depth int) (*Image, error) {
	if it.frame != nil {
		return it.frame, nil
	}
	w, h, err := f.ispe(it)
	if err != nil {
		return nil, err
	}
	switch Codec(it.typ) {
	case HEVC, AV1:
		t, err := f.tile(it)
		if err != nil {
			return nil, err
		}
		im := &Image{Codec: t.Codec, Width: w, Height: h, Rows: 1, Cols: 1, TileWidth: w, TileHeight: h,
			Tiles: []Tile{t}, Crop: Rect{0, 0, w, h}, Orientation: 1}
		im.BitDepth, im.Chroma = f.depthAndChroma(it, t)
		return im, nil
	case "grid":
		if depth > 0 {
			return nil, unsupportedf("item %d is a grid of grids, which HEIF does not allow", it.id)
		}
		return f.grid(it)
	case "":
		return nil, corruptf("item %d has no type", it.id)
	}
	return nil, unsupportedf("the image is coded as %q, not HEVC (hvc1), AV1 (av01) or a grid of them", printable([]byte(it.typ)))
}

func (f *File) ispe(it *item) (w, h int, err error) {
	p, ok := f.property(it, "ispe")
	if !ok {
		return 0, 0, corruptf("image item %d has no ispe (image size) property", it.id)
	}
	r := newReader(p.body, "the ispe box of item %d", it.id)
	r.fullBox()
	uw, uh := r.u32(), r.u32()
	if r.err != nil {
		return 0, 0, r.err
	}
	if uw == 0 || uh == 0 || uw > 1<<30 || uh > 1<<30 {
		return 0, 0, corruptf("image item %d declares impossible dimensions %dx%d", it.id, uw, uh)
	}
	return int(uw), int(uh), nil
}

// tile returns the codec configuration and data of a coded item, after
// checking that the bitstream's own size agrees with its ispe.
func (f *File) tile(it *item) (Tile, error) {
	codec := Codec(it.typ)
	cfgType := "hvcC"
	if codec == AV1 {
		cfgType = "av1C"
	}
	cfg, ok := f.property(it, cfgType)
	if !ok {
		return Tile{}, corruptf("%s item %d has no %s (decoder configuration) property", codec, it.id, cfgType)
	}
	if len(cfg.body) > maxCodecConfig {
		return Tile{}, corruptf("item %d's %s is %d bytes, more than %d", it.id, cfgType, len(cfg.body), maxCodecConfig)
	}
	w, h, err := f.ispe(it)
	if err != nil {
		return Tile{}, err
	}
	data, err := f.itemData(it)
	if err != nil {
		return Tile{}, err
	}
	if len(data) == 0 {
		return Tile{}, corruptf("%s item %d has no coded data", codec, it.id)
	}
	t := Tile{Codec: codec, Config: boxBytes(cfgType, cfg.body), Data: data, Width: w, Height: h}
	if err := checkBitstreamSize(t); err != nil {
		return Tile{}, err
	}
	return t, nil
}

// boxBytes serialises a box.
func boxBytes(typ string, body []byte) []byte {
	b := make([]byte, 8, 8+len(body))
	binary.BigEndian.PutUint32(b, uint32(8+len(body)))
	copy(b[4:], typ)
	return append(b, body...)
}

func (f *File) grid(it *item) (*Image, error) {
	desc, err := f.itemData(it)
	if err != nil {
		return nil, err
	}
	r := newReader(desc, "the grid descriptor of item %d", it.id)
	r.u8() // version
	flags := r.u8()
	rows, cols := int(r.u8())+1, int(r.u8())+1
	fieldSize := 2
	if flags&1 != 0 {
		fieldSize = 4
	}
	gw, gh := r.uintN(fieldSize), r.uintN(fieldSize)
	if r.err != nil {
		return nil, r.err
	}
	if gw == 0 || gh == 0 || gw > 1<<30 || gh > 1<<30 {
		return nil, corruptf("the grid declares impossible output dimensions %dx%d", gw, gh)
	}
	outW, outH := int(gw), int(gh) // the descriptor is authoritative (ispe should agree)
	ids := it.refsFrom["dimg"]
	if len(ids) != rows*cols {
		return nil, corruptf("the grid declares %d×%d tiles but references %d", rows, cols, len(ids))
	}
	im := &Image{Width: outW, Height: outH, Rows: rows, Cols: cols, Crop: Rect{0, 0, outW, outH}, Orientation: 1}
	im.Tiles = make([]Tile, 0, len(ids))
	for i, id := range ids {
		ti := f.items[id]
		if ti == nil {
			return nil, corruptf("grid tile %d refers to item %d, which does not exist", i, id)
		}
		if c := Codec(ti.typ); c != HEVC && c != AV1 {
			return nil, unsupportedf("grid tile %d is coded as %q, not HEVC or AV1", i, printable([]byte(ti.typ)))
		}
		t, err := f.tile(ti)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			im.Codec, im.TileWidth, im.TileHeight = t.Codec, t.Width, t.Height
			im.BitDepth, im.Chroma = f.depthAndChroma(ti, t)
			// The overhang must be less than a tile: otherwise whole tiles lie
			// outside the image (and a tiny grid could declare huge tiles).
			if cols*t.Width < outW || rows*t.Height < outH {
				return nil, corruptf("the grid's %d×%d tiles of %dx%d do not cover its %dx%d output", cols, rows, t.Width, t.Height, outW, outH)
			}
			if (cols-1)*t.Width >= outW || (rows-1)*t.Height >= outH {
				return nil, corruptf("the grid's %d×%d tiles of %dx%d overhang its %dx%d output by a whole tile", cols, rows, t.Width, t.Height, outW, outH)
			}
		} else if t.Codec != im.Codec || t.Width != im.TileWidth || t.Height != im.TileHeight {
			return nil, corruptf("grid tile %d is a %dx%d %s item, unlike the first (%dx%d %s)", i, t.Width, t.Height, t.Codec, im.TileWidth, im.TileHeight, im.Codec)
		}
		im.Tiles = append(im.Tiles, t)
	}
	if p, ok := f.property(it, "pixi"); ok {
		if d := pixiDepth(p); d > 0 {
			im.BitDepth = d
		}
	}
	return im, nil
}

// depthAndChroma reads the bit depth (pixi, else the codec configuration)
// and the chroma format of a coded item.
func (f *File) depthAndChroma(it *item, t Tile) (int, string) {
	depth := t.BitDepth()
	if p, ok := f.property(it, "pixi"); ok {
		if d := pixiDepth(p); d > 0 {
			depth = d
		}
	}
	return depth, t.Chroma()
}

// BitDepth is the bit depth of luma the coded item's configuration
// declares (8 when it says nothing).
func (t Tile) BitDepth() int {
	if len(t.Config) < 8 {
		return 8
	}
	cfg := t.Config[8:]
	switch t.Codec {
	case HEVC:
		if len(cfg) >= 18 {
			return 8 + int(cfg[17]&7)
		}
	case AV1:
		if len(cfg) >= 3 {
			switch high, twelve := cfg[2]&0x40 != 0, cfg[2]&0x20 != 0; {
			case high && twelve:
				return 12
			case high:
				return 10
			}
		}
	}
	return 8
}

// Chroma is the chroma format the coded item's configuration declares:
// "400" (monochrome), "420", "422" or "444" (4:2:0 when it says nothing).
func (t Tile) Chroma() string {
	if len(t.Config) < 8 {
		return "420"
	}
	cfg := t.Config[8:]
	switch t.Codec {
	case HEVC:
		if len(cfg) >= 18 {
			return [4]string{"400", "420", "422", "444"}[cfg[16]&3]
		}
	case AV1:
		if len(cfg) >= 3 {
			mono, sx, sy := cfg[2]&0x10 != 0, cfg[2]&0x08 != 0, cfg[2]&0x04 != 0
			switch {
			case mono:
				return "400"
			case sx && sy:
				return "420"
			case sx:
				return "422"
			default:
				return "444"
			}
		}
	}
	return "420"
}

func pixiDepth(p box) int {
	r := newReader(p.body, "pixi")
	r.fullBox()
	if n := r.u8(); n == 0 || r.err != nil {
		return 0
	}
	d := int(r.u8())
	if r.err != nil || d == 0 || d > 16 {
		return 0
	}
	return d
}

// isAlpha reports whether an auxiliary item is an alpha plane.
func (f *File) isAlpha(it *item) bool {
	p, ok := f.property(it, "auxC")
	if !ok {
		return false
	}
	r := newReader(p.body, "auxC")
	r.fullBox()
	urn := r.cstring()
	return r.err == nil && (urn == "urn:mpeg:hevc:2015:auxid:1" || urn == "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha")
}

// transforms applies the item's clap/irot/imir properties, in their order,
// to im.Crop and im.Orientation, and rejects essential properties we do not
// understand.
func (f *File) transforms(it *item, im *Image) error {
	// The transform so far is "flip horizontally if flip, then rotate
	// clockwise by rot quarter turns" (the dihedral group D4).
	rot, flip, n := 0, false, 0
	for _, a := range it.assoc {
		p := f.props[a.index-1]
		if !slices.Contains(knownProperties, p.typ) {
			if a.essential {
				return unsupportedf("the image has an essential %q property, which we cannot honour", printable([]byte(p.typ)))
			}
			continue
		}
		switch p.typ {
		case "irot", "imir", "clap":
			if n++; n > maxTransforms {
				return corruptf("the image has more than %d transform properties", maxTransforms)
			}
		}
		switch p.typ {
		case "irot":
			if len(p.body) < 1 {
				return corruptf("the irot box is empty")
			}
			rot = (rot + 4 - int(p.body[0]&3)) % 4 // irot turns anti-clockwise
		case "imir":
			if len(p.body) < 1 {
				return corruptf("the imir box is empty")
			}
			// F·R^k = R^-k·F. Mode 1 flips left-right (F), mode 0
			// top-bottom (R²·F).
			if p.body[0]&1 == 1 {
				rot = (4 - rot) % 4
			} else {
				rot = (6 - rot) % 4
			}
			flip = !flip
		case "clap":
			if err := applyClap(p.body, im, rot, flip); err != nil {
				return err
			}
		}
	}
	im.Orientation = exifOrientation[boolInt(flip)][rot]
	return nil
}

// exifOrientation maps [flip][clockwise quarter turns] to EXIF orientation.
var exifOrientation = [2][4]uint8{{1, 6, 3, 8}, {2, 7, 4, 5}}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// applyClap intersects im.Crop with a clean aperture expressed in the
// coordinates of the image as transformed so far (rot, flip).
func applyClap(body []byte, im *Image, rot int, flip bool) error {
	r := newReader(body, "the clap box")
	var v [8]int64
	for i := range v {
		if i == 4 || i == 6 { // the offsets' numerators are signed
			v[i] = int64(int32(r.u32()))
		} else {
			v[i] = int64(r.u32())
		}
	}
	if r.err != nil {
		return r.err
	}
	if v[1] == 0 || v[3] == 0 || v[5] == 0 || v[7] == 0 {
		return corruptf("the clap box has a zero denominator")
	}
	cw, ch := im.Crop.Dx(), im.Crop.Dy()
	if rot%2 == 1 {
		cw, ch = ch, cw
	}
	frac := func(n, d int64) *big.Rat { return big.NewRat(n, d) }
	width, height := frac(v[0], v[1]), frac(v[2], v[3])
	// Centre of the aperture: offset + (size-1)/2; its left edge is the
	// centre minus (width-1)/2 (ISO/IEC 14496-12, CleanApertureBox).
	half := func(x *big.Rat) *big.Rat {
		return new(big.Rat).Quo(new(big.Rat).Sub(x, big.NewRat(1, 1)), big.NewRat(2, 1))
	}
	left := new(big.Rat).Sub(new(big.Rat).Add(frac(v[4], v[5]), half(big.NewRat(int64(cw), 1))), half(width))
	top := new(big.Rat).Sub(new(big.Rat).Add(frac(v[6], v[7]), half(big.NewRat(int64(ch), 1))), half(height))
	round := func(x *big.Rat) int64 { // round half up
		q := new(big.Rat).Add(x, big.NewRat(1, 2))
		return new(big.Int).Div(q.Num(), q.Denom()).Int64()
	}
	x0, y0, w, h := round(left), round(top), round(width), round(height)
	if w <= 0 || h <= 0 || x0 < 0 || y0 < 0 || x0+w > int64(cw) || y0+h > int64(ch) {
		return corruptf("the clap box crops %dx%d at (%d,%d), outside the %dx%d image", w, h, x0, y0, cw, ch)
	}
	// Map the rectangle back to stored coordinates (inverse of R^rot·F^flip).
	rect := Rect{int(x0), int(y0), int(x0 + w), int(y0 + h)}
	dw, dh := cw, ch
	for range rot { // undo one clockwise turn: (x,y) → (y, dw-1-x)
		rect = Rect{rect.Y0, dw - rect.X1, rect.Y1, dw - rect.X0}
		dw, dh = dh, dw
	}
	if flip {
		rect = Rect{dw - rect.X1, rect.Y0, dw - rect.X0, rect.Y1}
	}
	c := im.Crop
	im.Crop = Rect{c.X0 + rect.X0, c.Y0 + rect.Y0, c.X0 + rect.X1, c.Y0 + rect.Y1}
	return nil
}

// colour reads the colr boxes of the image (or, for a grid without them, of
// its first tile's item). Both an ICC profile and nclx may be present.
func (f *File) colour(it *item, im *Image) {
	read := func(it *item) {
		for _, a := range it.assoc {
			p := f.props[a.index-1]
			if p.typ != "colr" || len(p.body) < 4 {
				continue
			}
			switch string(p.body[:4]) {
			case "prof", "rICC":
				if im.ICC == nil {
					im.ICC = p.body[4:]
				}
			case "nclx":
				if b := p.body[4:]; im.NCLX == nil && len(b) >= 7 {
					im.NCLX = &NCLX{Primaries: binary.BigEndian.Uint16(b), Transfer: binary.BigEndian.Uint16(b[2:]),
						Matrix: binary.BigEndian.Uint16(b[4:]), FullRange: b[6]&0x80 != 0}
				}
			}
		}
	}
	read(it)
	if im.ICC == nil && im.NCLX == nil && it.typ == "grid" {
		if ids := it.refsFrom["dimg"]; len(ids) > 0 && f.items[ids[0]] != nil {
			read(f.items[ids[0]])
		}
	}
}

// Exif returns the TIFF structure of the primary image's Exif item (nil
// when there is none or it is malformed or oversized: metadata never fails
// an image).
func (f *File) Exif() []byte {
	for _, it := range f.referringTo("cdsc", f.primary) {
		if it.typ != "Exif" {
			continue
		}
		data, err := f.itemData(it)
		if err != nil || len(data) < 4 || len(data) > maxExifBytes {
			return nil
		}
		// A 4-byte offset from after itself to the TIFF header (some writers
		// put "Exif\0\0" there).
		off := uint64(binary.BigEndian.Uint32(data))
		if off > uint64(len(data))-4 {
			return nil
		}
		return data[4+off:]
	}
	return nil
}
