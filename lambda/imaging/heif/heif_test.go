package heif_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/heiftest"
	"github.com/imgpipe/imgpipe/lambda/imaging/heif"
)

var payload = bytes.Repeat([]byte{0, 0, 0, 4, 0x26, 1, 0xaf, 0x10}, 4) // NAL units that are no SPS

func hevc(w, h int) heif.Tile { return heiftest.HEVCTile(w, h, w, h, payload) }

func primary(t *testing.T, data []byte) (*heif.File, *heif.Image) {
	t.Helper()
	f, err := heif.Parse(data)
	require.NoError(t, err)
	im, err := f.Primary()
	require.NoError(t, err)
	return f, im
}

func kindOf(t *testing.T, data []byte) heif.Kind {
	t.Helper()
	f, err := heif.Parse(data)
	if err == nil {
		_, err = f.Primary()
	}
	require.Error(t, err)
	return heif.KindOf(err)
}

func TestStillImage(t *testing.T) {
	data := heiftest.Still(hevc(640, 480)).Bytes()
	_, im := primary(t, data)
	assert.Equal(t, heif.HEVC, im.Codec)
	assert.Equal(t, [2]int{640, 480}, [2]int{im.Width, im.Height})
	assert.Equal(t, heif.Rect{X0: 0, Y0: 0, X1: 640, Y1: 480}, im.Crop)
	assert.Equal(t, uint8(1), im.Orientation)
	assert.Equal(t, 8, im.BitDepth)
	assert.Equal(t, "420", im.Chroma)
	assert.Nil(t, im.Alpha)
	require.Len(t, im.Tiles, 1)
	assert.Equal(t, payload, im.Tiles[0].Data)
	assert.Equal(t, int64(640*480), im.DecodedPixels())

	av := heiftest.Still(heiftest.AV1Tile(320, 200, 320, 200, []byte{0x12, 0})).Bytes()
	_, im = primary(t, av)
	assert.Equal(t, heif.AV1, im.Codec)
	assert.Equal(t, "420", im.Chroma)
}

func TestSniffBrands(t *testing.T) {
	ftyp := func(major string, compat ...string) []byte {
		b := []byte(major + "\x00\x00\x00\x00")
		for _, c := range compat {
			b = append(b, c...)
		}
		return append(heiftest.Box("ftyp", b), heiftest.Box("free")...)
	}
	for _, tc := range []struct {
		data  []byte
		codec heif.Codec
		ok    bool
	}{
		{ftyp("heic", "mif1"), heif.HEVC, true},
		{ftyp("heix"), heif.HEVC, true},
		{ftyp("hevc", "msf1"), heif.HEVC, true},
		{ftyp("heim"), heif.HEVC, true},
		{ftyp("heis"), heif.HEVC, true},
		{ftyp("mif1", "heic"), heif.HEVC, true},
		{ftyp("avif", "mif1", "miaf"), heif.AV1, true},
		{ftyp("avis", "msf1"), heif.AV1, true},
		{ftyp("mif1", "avif"), heif.AV1, true},
		{ftyp("mif1", "miaf"), "", true},
		{ftyp("msf1"), "", true},
		{ftyp("isom", "mp41"), "", false}, // MP4 video
		{ftyp("qt  "), "", false},
		{[]byte("\x00\x00\x00\x08ftyp"), "", false},
	} {
		codec, ok := heif.SniffBrands(tc.data)
		assert.Equal(t, tc.ok, ok, "%q", tc.data)
		assert.Equal(t, tc.codec, codec, "%q", tc.data)
	}
}

// orientationOf returns the EXIF orientation that displays the stored w×h
// image the way the ops (irot angle or imir mode, in order) do, found by
// applying them to a labelled pixel grid: an independent check of the
// group arithmetic in the parser.
func orientationOf(t *testing.T, w, h int, ops []heiftest.Prop) uint8 {
	t.Helper()
	grid := make([][]int, h)
	for y := range grid {
		grid[y] = make([]int, w)
		for x := range grid[y] {
			grid[y][x] = y*w + x
		}
	}
	for _, op := range ops {
		typ, v := string(op.Box[4:8]), int(op.Box[8])
		switch {
		case typ == "irot":
			for range v { // anticlockwise quarter turn: (x, y) → (y, W-1-x)
				gh, gw := len(grid), len(grid[0])
				next := make([][]int, gw)
				for y := range next {
					next[y] = make([]int, gh)
					for x := range next[y] {
						next[y][x] = grid[x][gw-1-y]
					}
				}
				grid = next
			}
		case typ == "imir" && v == 0: // top and bottom exchanged
			for i, j := 0, len(grid)-1; i < j; i, j = i+1, j-1 {
				grid[i], grid[j] = grid[j], grid[i]
			}
		case typ == "imir" && v == 1: // left and right exchanged
			for _, row := range grid {
				for i, j := 0, len(row)-1; i < j; i, j = i+1, j-1 {
					row[i], row[j] = row[j], row[i]
				}
			}
		}
	}
	// storedCoord semantics (EXIF tag 274): upright (x, y) shows stored pixel.
	stored := func(o, x, y int) (int, int) {
		switch o {
		case 2:
			return w - 1 - x, y
		case 3:
			return w - 1 - x, h - 1 - y
		case 4:
			return x, h - 1 - y
		case 5:
			return y, x
		case 6:
			return y, h - 1 - x
		case 7:
			return w - 1 - y, h - 1 - x
		case 8:
			return w - 1 - y, x
		}
		return x, y
	}
next:
	for o := 1; o <= 8; o++ {
		uw, uh := w, h
		if o >= 5 {
			uw, uh = h, w
		}
		if len(grid) != uh || len(grid[0]) != uw {
			continue
		}
		for y := range uh {
			for x := range uw {
				sx, sy := stored(o, x, y)
				if grid[y][x] != sy*w+sx {
					continue next
				}
			}
		}
		return uint8(o)
	}
	t.Fatalf("no EXIF orientation matches %v", ops)
	return 0
}

func TestTransformsComposeLikeApplyingThem(t *testing.T) {
	var cases [][]heiftest.Prop
	for a := range 4 {
		cases = append(cases, []heiftest.Prop{heiftest.Irot(a)})
		for m := range 2 {
			cases = append(cases, []heiftest.Prop{heiftest.Irot(a), heiftest.Imir(m)})
			cases = append(cases, []heiftest.Prop{heiftest.Imir(m), heiftest.Irot(a)})
		}
	}
	cases = append(cases, []heiftest.Prop{heiftest.Imir(0), heiftest.Imir(1)}, []heiftest.Prop{heiftest.Irot(1), heiftest.Irot(1), heiftest.Imir(1)})
	seen := map[uint8]bool{}
	for _, ops := range cases {
		name := ""
		for _, op := range ops {
			name += fmt.Sprintf("%s%d ", op.Box[4:8], op.Box[8])
		}
		t.Run(name, func(t *testing.T) {
			_, im := primary(t, heiftest.Still(hevc(6, 4), ops...).Bytes())
			want := orientationOf(t, 6, 4, ops)
			assert.Equal(t, want, im.Orientation)
			seen[want] = true
			w, h := im.UprightSize()
			if want >= 5 {
				assert.Equal(t, [2]int{4, 6}, [2]int{w, h})
			} else {
				assert.Equal(t, [2]int{6, 4}, [2]int{w, h})
			}
		})
	}
	assert.Len(t, seen, 8, "the cases cover all eight orientations")
}

func TestCleanAperture(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []heiftest.Prop
		crop heif.Rect
	}{
		{"centred", []heiftest.Prop{heiftest.Clap(60, 1, 40, 1, 0, 1, 0, 1)}, heif.Rect{X0: 20, Y0: 10, X1: 80, Y1: 50}},
		{"offset", []heiftest.Prop{heiftest.Clap(60, 1, 40, 1, -10, 1, 5, 1)}, heif.Rect{X0: 10, Y0: 15, X1: 70, Y1: 55}},
		{"right edge, odd size (iPhone-like)", []heiftest.Prop{heiftest.Clap(99, 1, 60, 1, -1, 2, 0, 1)}, heif.Rect{X0: 0, Y0: 0, X1: 99, Y1: 60}},
		// After a clockwise quarter turn (irot 3) the aperture is in displayed
		// coordinates (60 wide, 100 tall): 80 rows moved down by 10 drop the
		// displayed top 20 rows, which are the stored left 20 columns.
		{"after irot 3", []heiftest.Prop{heiftest.Irot(3), heiftest.Clap(60, 1, 80, 1, 0, 1, 10, 1)}, heif.Rect{X0: 20, Y0: 0, X1: 100, Y1: 60}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, im := primary(t, heiftest.Still(hevc(100, 60), tc.ops...).Bytes())
			assert.Equal(t, tc.crop, im.Crop)
		})
	}
	for _, bad := range []heiftest.Prop{
		heiftest.Clap(200, 1, 40, 1, 0, 1, 0, 1),  // wider than the image
		heiftest.Clap(60, 1, 40, 1, 100, 1, 0, 1), // off to the right
		heiftest.Clap(60, 0, 40, 1, 0, 1, 0, 1),   // zero denominator
		heiftest.Clap(0, 1, 40, 1, 0, 1, 0, 1),    // empty
		{Box: heiftest.Box("clap", []byte{0, 0})}, // truncated
	} {
		assert.Equal(t, heif.Corrupt, kindOf(t, heiftest.Still(hevc(100, 60), bad).Bytes()))
	}
}

func TestGrid(t *testing.T) {
	tiles := []heif.Tile{hevc(512, 512), hevc(512, 512), hevc(512, 512), hevc(512, 512), hevc(512, 512), hevc(512, 512)}
	data := heiftest.Grid(tiles, 3, 2, 1500, 1000, heiftest.Irot(1)).Bytes()
	_, im := primary(t, data)
	assert.Equal(t, [2]int{1500, 1000}, [2]int{im.Width, im.Height})
	assert.Equal(t, [4]int{3, 2, 512, 512}, [4]int{im.Cols, im.Rows, im.TileWidth, im.TileHeight})
	assert.Len(t, im.Tiles, 6)
	assert.Equal(t, int64(6*512*512), im.DecodedPixels(), "a grid counts its full tiles")
	assert.Equal(t, uint8(8), im.Orientation)

	for name, f := range map[string]heiftest.File{
		"too few tiles":          heiftest.Grid(tiles[:5], 3, 2, 1500, 1000),
		"tiles do not cover":     heiftest.Grid(tiles, 3, 2, 1600, 1000),
		"a whole tile overhangs": heiftest.Grid(tiles, 3, 2, 1000, 1000),
		"mixed tile sizes":       heiftest.Grid(append(tiles[:5:5], hevc(256, 512)), 3, 2, 1500, 1000),
	} {
		assert.Equal(t, heif.Corrupt, kindOf(t, f.Bytes()), name)
	}
	// A descriptor declaring 256×256 tiles with one reference allocates nothing for them.
	huge := heiftest.Grid(tiles[:1], 1, 1, 512, 512)
	huge.Items[0].Data = []byte{0, 1, 255, 255, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	assert.Equal(t, heif.Corrupt, kindOf(t, huge.Bytes()))
}

func TestAlphaExifAndColour(t *testing.T) {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x00")
	icc := bytes.Repeat([]byte{7}, 300)
	f := heiftest.Still(hevc(64, 48), heiftest.ColrNCLX(12, 13, 1, true), heiftest.ColrICC(icc), heiftest.Pixi(10, 10, 10)).
		WithAlpha(hevc(64, 48)).WithExif(tiff)
	file, im := primary(t, f.Bytes())
	require.NotNil(t, im.Alpha)
	assert.Equal(t, [2]int{64, 48}, [2]int{im.Alpha.Width, im.Alpha.Height})
	assert.False(t, im.PremultipliedAlpha)
	assert.Equal(t, tiff, file.Exif())
	assert.Equal(t, &heif.NCLX{Primaries: 12, Transfer: 13, Matrix: 1, FullRange: true}, im.NCLX)
	assert.Equal(t, icc, im.ICC)
	assert.Equal(t, 10, im.BitDepth, "pixi wins over the codec configuration")

	// An Exif item whose offset skips an "Exif\0\0" prefix.
	g := heiftest.Still(hevc(64, 48)).WithExif(tiff)
	g.Items[1].Data = append([]byte{0, 0, 0, 6}, append([]byte("Exif\x00\x00"), tiff...)...)
	file, _ = primary(t, g.Bytes())
	assert.Equal(t, tiff, file.Exif())
	// A bad offset is ignored, never a failure.
	g.Items[1].Data = []byte{0xff, 0, 0, 0, 1, 2}
	file, _ = primary(t, g.Bytes())
	assert.Nil(t, file.Exif())

	// A depth map is an auxiliary image that is not alpha.
	d := heiftest.Still(hevc(64, 48)).WithAlpha(hevc(64, 48))
	d.Items[1].Props[2] = heiftest.Prop{Box: heiftest.FullBox("auxC", 0, 0, []byte("urn:mpeg:hevc:2015:auxid:2\x00"))}
	_, im = primary(t, d.Bytes())
	assert.Nil(t, im.Alpha)
}

func TestUnsupportedAndMissing(t *testing.T) {
	jpegItem := heiftest.Still(hevc(64, 48))
	jpegItem.Items[0].Type = "jpeg"
	essential := heiftest.Still(hevc(64, 48), heiftest.Prop{Box: heiftest.Box("xyzw", []byte{1}), Essential: true})
	optional := heiftest.Still(hevc(64, 48), heiftest.Prop{Box: heiftest.Box("xyzw", []byte{1})})
	noIspe := heiftest.Still(hevc(64, 48))
	noIspe.Items[0].Props = noIspe.Items[0].Props[:1]
	noConfig := heiftest.Still(hevc(64, 48))
	noConfig.Items[0].Props = noConfig.Items[0].Props[1:]
	missingPrimary := heiftest.Still(hevc(64, 48))
	missingPrimary.Primary = 9
	zero := heiftest.Still(hevc(64, 48))
	zero.Items[0].Props[1] = heiftest.Ispe(0, 48)

	assert.Equal(t, heif.Unsupported, kindOf(t, jpegItem.Bytes()))
	assert.Equal(t, heif.Unsupported, kindOf(t, essential.Bytes()))
	primary(t, optional.Bytes())
	assert.Equal(t, heif.Corrupt, kindOf(t, noIspe.Bytes()))
	assert.Equal(t, heif.Corrupt, kindOf(t, noConfig.Bytes()))
	assert.Equal(t, heif.Corrupt, kindOf(t, missingPrimary.Bytes()))
	assert.Equal(t, heif.Corrupt, kindOf(t, zero.Bytes()))
}

func TestBitstreamSizeMustMatchIspe(t *testing.T) {
	// A tiny ispe over a huge coded size would get past the pixel cap.
	assert.Equal(t, heif.Corrupt, kindOf(t, heiftest.Still(heiftest.HEVCTile(64, 64, 30000, 30000, payload)).Bytes()))
	assert.Equal(t, heif.Corrupt, kindOf(t, heiftest.Still(heiftest.AV1Tile(64, 64, 30000, 30000, []byte{0x12, 0})).Bytes()))
	// An SPS in the coded data before the picture counts too.
	big := heiftest.HEVCTile(64, 64, 30000, 30000, nil)
	inband := heiftest.HEVCTile(64, 64, 64, 64, nil)
	var arr [8]byte
	nal := big.Config[8+23+5:] // the SPS NAL unit of the config
	binary.BigEndian.PutUint32(arr[:], uint32(len(nal)))
	inband.Data = append(append(arr[:4:4], nal...), payload...)
	assert.Equal(t, heif.Corrupt, kindOf(t, heiftest.Still(inband).Bytes()))
	// Padding to the coding block size is fine.
	primary(t, heiftest.Still(heiftest.HEVCTile(1000, 750, 1000, 752, payload)).Bytes())
}

// TestTruncatedAndGarbled cuts and corrupts a valid file everywhere: every
// result is an error of a known kind or a valid image, never a panic.
func TestTruncatedAndGarbled(t *testing.T) {
	data := heiftest.Grid([]heif.Tile{hevc(64, 64), hevc(64, 64)}, 2, 1, 120, 64, heiftest.Irot(1), heiftest.Clap(100, 1, 60, 1, 0, 1, 0, 1)).
		WithAlpha(hevc(120, 64)).WithExif([]byte("II*\x00\x08\x00\x00\x00")).Bytes()
	for n := range len(data) - 1 {
		f, err := heif.Parse(data[:n])
		if err == nil {
			_, err = f.Primary()
		}
		if err != nil {
			assert.Contains(t, []heif.Kind{heif.Corrupt, heif.Unsupported, heif.TooLarge}, heif.KindOf(err), "cut at %d", n)
		}
	}
	for i := range data {
		for _, v := range []byte{0, 0xff, data[i] ^ 0x80} {
			g := bytes.Clone(data)
			g[i] = v
			if f, err := heif.Parse(g); err == nil {
				_, _ = f.Primary()
				_ = f.Exif()
			}
		}
	}
}

// TestAbsurdCountsAllocateNothing: declared counts far beyond the data fail
// without allocating for them.
func TestAbsurdCountsAllocateNothing(t *testing.T) {
	base := heiftest.Still(hevc(64, 48)).Bytes()
	patch := func(box string, at int, v []byte) []byte {
		g := bytes.Clone(base)
		i := bytes.Index(g, []byte(box)) + 4 + at
		copy(g[i:], v)
		return g
	}
	cases := map[string][]byte{
		"iloc item count":  patch("iloc", 6, []byte{0xff, 0xff}),  // v1: after version/flags and sizes
		"iloc extents":     patch("iloc", 14, []byte{0xff, 0xff}), // first item's extent_count
		"ipma entries":     patch("ipma", 4, []byte{0xff, 0xff, 0xff, 0xff}),
		"iinf entries":     patch("iinf", 4, []byte{0xff, 0xff}),
		"box size":         patch("meta", -4, []byte{0x7f, 0xff, 0xff, 0xff}),
		"ispe 2^31 pixels": patch("ispe", 4, []byte{0x7f, 0xff, 0xff, 0xff}),
	}
	for name, data := range cases {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f, err := heif.Parse(data)
		if err == nil {
			_, err = f.Primary()
		}
		runtime.ReadMemStats(&after)
		if name != "iinf entries" { // the count is informative; entries are boxes
			assert.Error(t, err, name)
		}
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "%s: allocated for the declared count", name)
	}
}

func TestStandaloneRoundTrip(t *testing.T) {
	for _, tile := range []heif.Tile{hevc(512, 384), heiftest.AV1Tile(300, 200, 300, 200, []byte{0x32, 0})} {
		f, im := primary(t, tile.Standalone())
		assert.Equal(t, tile, im.Tiles[0])
		assert.Equal(t, uint8(1), im.Orientation)
		assert.Nil(t, f.Exif())
		codec, ok := heif.SniffBrands(tile.Standalone())
		assert.True(t, ok)
		assert.Equal(t, tile.Codec, codec)
	}
}

// TestStandaloneIdentityMatrix: HEVC pictures with subsampled chroma are
// declared to use the identity matrix (so that the WebAssembly libheif
// hands over their planes unconverted, see Standalone); 4:4:4, monochrome
// and AV1 pictures carry no colour information.
func TestStandaloneIdentityMatrix(t *testing.T) {
	withChroma := func(idc byte) heif.Tile {
		tile := hevc(64, 48)
		tile.Config = append([]byte(nil), tile.Config...)
		tile.Config[8+16] = 0xfc | idc
		return tile
	}
	identity := &heif.NCLX{Primaries: 2, Transfer: 2, Matrix: 0, FullRange: true}
	for _, tc := range []struct {
		name, chroma string
		tile         heif.Tile
		nclx         *heif.NCLX
	}{
		{"hevc 4:2:0", "420", withChroma(1), identity},
		{"hevc 4:2:2", "422", withChroma(2), identity},
		{"hevc 4:4:4", "444", withChroma(3), nil},
		{"hevc monochrome", "400", withChroma(0), nil},
		{"av1", "420", heiftest.AV1Tile(64, 48, 64, 48, []byte{0x32, 0}), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.chroma, tc.tile.Chroma())
			_, im := primary(t, tc.tile.Standalone())
			assert.Equal(t, tc.nclx, im.NCLX)
			_, im = primary(t, tc.tile.StandaloneYCbCr())
			assert.Nil(t, im.NCLX, "StandaloneYCbCr declares no colour")
			assert.Equal(t, tc.tile.Data, im.Tiles[0].Data)
		})
	}
}

// TestSequenceFirstFrame: a file with only a moov box (an image sequence
// without a primary item) gives its first sample.
func TestSequenceFirstFrame(t *testing.T) {
	tile := hevc(320, 240)
	frame0, frame1 := tile.Data, []byte{9, 9, 9, 9}
	entry := append(make([]byte, 24), 320>>8, 320&0xff, 240>>8, 240&0xff)
	entry = append(entry, make([]byte, 78-len(entry))...)
	entry = append(entry, tile.Config...)
	stsd := heiftest.FullBox("stsd", 0, 0, []byte{0, 0, 0, 1}, heiftest.Box("hvc1", entry))
	stsz := heiftest.FullBox("stsz", 0, 0, []byte{0, 0, 0, 0, 0, 0, 0, 2}, []byte{0, 0, 0, byte(len(frame0)), 0, 0, 0, 4})
	ftyp := heiftest.Box("ftyp", []byte("msf1\x00\x00\x00\x00msf1hevc"))
	build := func(off int) []byte {
		stco := heiftest.FullBox("stco", 0, 0, []byte{0, 0, 0, 1}, []byte{byte(off >> 24), byte(off >> 16), byte(off >> 8), byte(off)})
		stbl := heiftest.Box("stbl", stsd, stsz, stco)
		mdia := heiftest.Box("mdia", heiftest.FullBox("hdlr", 0, 0, make([]byte, 4), []byte("pict"), make([]byte, 13)),
			heiftest.Box("minf", stbl))
		moov := heiftest.Box("moov", heiftest.Box("trak", mdia))
		return append(append(ftyp, moov...), heiftest.Box("mdat", frame0, frame1)...)
	}
	probe := build(0)
	data := build(len(probe) - len(frame0) - len(frame1))
	_, im := primary(t, data)
	assert.Equal(t, [2]int{320, 240}, [2]int{im.Width, im.Height})
	assert.Equal(t, frame0, im.Tiles[0].Data)
	assert.Equal(t, heif.Corrupt, kindOf(t, build(len(data)+10)), "a first sample past the end")
}

// FuzzParse feeds arbitrary bytes to the container parser: it never
// panics, errors have a kind, and every image it accepts has a sane shape
// whose standalone pictures parse back to themselves.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"heif-grid-irot.heic", "yellow-rose-alpha-10bit.avif", "truncated.heic"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "..", "samples", "images", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add(heiftest.Still(hevc(64, 48), heiftest.Irot(1), heiftest.Imir(0), heiftest.Clap(60, 1, 40, 1, 0, 1, 0, 1)).Bytes())
	f.Add(heiftest.Grid([]heif.Tile{hevc(32, 32), hevc(32, 32)}, 2, 1, 60, 32).WithAlpha(hevc(60, 32)).WithExif([]byte("II*\x00\x08\x00\x00\x00")).Bytes())
	f.Add(heiftest.Still(heiftest.AV1Tile(40, 30, 40, 30, []byte{0x32, 0}), heiftest.ColrNCLX(9, 16, 9, false), heiftest.Pixi(10)).Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := heif.Parse(data)
		if err != nil {
			if k := heif.KindOf(err); k != heif.Corrupt && k != heif.Unsupported && k != heif.TooLarge {
				t.Fatalf("error of no kind: %v", err)
			}
			return
		}
		_ = file.Exif()
		im, err := file.Primary()
		if err != nil {
			return
		}
		if im.Width <= 0 || im.Height <= 0 || im.Crop.Dx() <= 0 || im.Crop.Dy() <= 0 || im.Crop.X1 > im.Width || im.Crop.Y1 > im.Height {
			t.Fatalf("impossible shape %dx%d crop %+v", im.Width, im.Height, im.Crop)
		}
		if im.Orientation < 1 || im.Orientation > 8 || len(im.Tiles) != im.Rows*im.Cols {
			t.Fatalf("orientation %d, %d tiles for %dx%d", im.Orientation, len(im.Tiles), im.Cols, im.Rows)
		}
		for _, tile := range im.Tiles[:min(len(im.Tiles), 4)] {
			g, err := heif.Parse(tile.Standalone())
			if err != nil {
				t.Fatalf("standalone picture does not parse: %v", err)
			}
			back, err := g.Primary()
			if err != nil || back.Tiles[0].Width != tile.Width || !bytes.Equal(back.Tiles[0].Data, tile.Data) {
				t.Fatalf("standalone picture does not round-trip: %v", err)
			}
		}
	})
}
