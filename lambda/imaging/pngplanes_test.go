package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawPNG writes a PNG by hand so that every filter type is exercised: row
// y uses filter filters[y % len(filters)]. pix holds w*bpp bytes per row.
func rawPNG(t *testing.T, w, h int, ctype byte, pix []byte, filters []byte, extra ...[]byte) []byte {
	t.Helper()
	bpp := map[byte]int{2: 3, 3: 1, 6: 4, 0: 1}[ctype]
	n := w * bpp
	var raw bytes.Buffer
	prev := make([]byte, n)
	for y := 0; y < h; y++ {
		cur := pix[y*n : (y+1)*n]
		ft := filters[y%len(filters)]
		raw.WriteByte(ft)
		for i := 0; i < n; i++ {
			var a, c uint8
			if i >= bpp {
				a, c = cur[i-bpp], prev[i-bpp]
			}
			b := prev[i]
			var pred uint8
			switch ft {
			case 1:
				pred = a
			case 2:
				pred = b
			case 3:
				pred = uint8((uint16(a) + uint16(b)) / 2)
			case 4:
				pred = paethRef(a, b, c)
			}
			raw.WriteByte(cur[i] - pred)
		}
		prev = cur
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, err := zw.Write(raw.Bytes())
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, ctype
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	for _, e := range extra {
		out = append(out, e...)
	}
	// Split the data over several IDAT chunks, as encoders do.
	zb := z.Bytes()
	for len(zb) > 0 {
		k := min(len(zb), 1000)
		out = append(out, chunk("IDAT", zb[:k])...)
		zb = zb[k:]
	}
	return append(out, chunk("IEND", nil)...)
}

func chunk(typ string, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	out = append(out, typ...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
}

// paethRef is PNG 9.4's predictor as the specification writes it.
func paethRef(a, b, c uint8) uint8 {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := absInt(p-int(a)), absInt(p-int(b)), absInt(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestPaethMatchesSpecification(t *testing.T) {
	for a := 0; a < 256; a += 3 {
		for b := 0; b < 256; b += 5 {
			for c := 0; c < 256; c++ {
				require.Equal(t, int32(paethRef(uint8(a), uint8(b), uint8(c))), paeth32(int32(a), int32(b), int32(c)), "%d %d %d", a, b, c)
			}
		}
	}
}

// referencePlanes is what the pipeline made before the fast path: image/png,
// toPlanes, then the resampler's box pre-shrink.
func referencePlanes(t *testing.T, data []byte, shrink int) *planes {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	p := toPlanes(img)
	if shrink == 1 {
		return p
	}
	w, h := (p.y.w+shrink-1)/shrink, (p.y.h+shrink-1)/shrink
	out := &planes{subX: 1, subY: 1}
	out.y, out.cb, out.cr = newPlane(w, h, out), newPlane(w, h, out), newPlane(w, h, out)
	boxShrink(out.y, p.y, shrink, shrink)
	boxShrink(out.cb, p.cb, shrink, shrink)
	boxShrink(out.cr, p.cr, shrink, shrink)
	return out
}

// maxDiff is the largest sample difference between two planes.
func maxDiff(t *testing.T, a, b plane) int {
	t.Helper()
	require.Equal(t, [2]int{a.w, a.h}, [2]int{b.w, b.h})
	d := 0
	for y := 0; y < a.h; y++ {
		ra, rb := a.row(y), b.row(y)
		for x := range ra {
			d = max(d, absInt(int(ra[x])-int(rb[x])))
		}
	}
	return d
}

func TestPNGFastPathMatchesImagePNG(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	// Photo-like pixels with some translucent ones, so that compositing over
	// white is exercised.
	pixels := func(w, h, bpp int) []byte {
		pix := make([]byte, w*h*bpp)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for c := 0; c < bpp; c++ {
					v := 100 + 60*float64((x*(c+1)+y*(3-c))%97)/97 + float64(r.IntN(20))
					pix[(y*w+x)*bpp+c] = uint8(v)
				}
				if bpp == 4 {
					a := uint8(255)
					if (x+y)%7 == 0 {
						a = uint8(r.IntN(256))
					}
					pix[(y*w+x)*bpp+3] = a
				}
			}
		}
		return pix
	}
	var palette, trns []byte
	for i := range 200 {
		palette = append(palette, uint8(i), uint8(255-i), uint8(i*7))
		trns = append(trns, uint8(255-i))
	}
	index := func(w, h, _ int) []byte {
		pix := make([]byte, w*h)
		for i := range pix {
			pix[i] = uint8(r.IntN(210)) // a few past the palette: black
		}
		return pix
	}
	cases := []struct {
		name  string
		ctype byte
		pix   func(w, h, bpp int) []byte
		bpp   int
		extra [][]byte
	}{
		{"rgb", 2, pixels, 3, nil},
		{"rgba", 6, pixels, 4, nil},
		{"palette", 3, index, 1, [][]byte{chunk("PLTE", palette)}},
		{"palette with tRNS", 3, index, 1, [][]byte{chunk("PLTE", palette), chunk("tRNS", trns[:150])}},
	}
	for _, tc := range cases {
		for _, sz := range [][2]int{{1, 1}, {7, 5}, {64, 70}, {131, 97}} {
			w, h := sz[0], sz[1]
			data := rawPNG(t, w, h, tc.ctype, tc.pix(w, h, tc.bpp), []byte{0, 1, 2, 3, 4, 4, 1}, tc.extra...)
			for _, shrink := range []int{1, 2, 4, 8} {
				for _, procs := range []int{1, 2} {
					t.Run(fmt.Sprintf("%s/%dx%d/shrink%d/procs%d", tc.name, w, h, shrink, procs), func(t *testing.T) {
						defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
						m, err := decodePNGPlanes(data, shrink)
						require.NoError(t, err)
						defer m.p.release()
						ref := referencePlanes(t, data, shrink)
						defer ref.release()
						want := 0
						if shrink > 1 {
							want = 1 // averaging RGB, then converting, rounds differently
						}
						assert.LessOrEqual(t, maxDiff(t, m.p.y, ref.y), want, "Y")
						assert.LessOrEqual(t, maxDiff(t, m.p.cb, ref.cb), want, "Cb")
						assert.LessOrEqual(t, maxDiff(t, m.p.cr, ref.cr), want, "Cr")
					})
				}
			}
		}
	}
}

func TestPNGFastPathFallsBack(t *testing.T) {
	rgb := make([]byte, 8*8*3)
	good := rawPNG(t, 8, 8, 2, rgb, []byte{0})
	ihdrAt := 8 + 8 // IHDR body
	mutate := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	refix := func(b []byte) { // recompute IHDR's CRC after an edit
		binary.BigEndian.PutUint32(b[ihdrAt+13:], crc32.ChecksumIEEE(b[ihdrAt-4:ihdrAt+13]))
	}
	var gray, interlaced, deep bytes.Buffer
	require.NoError(t, png.Encode(&gray, image.NewGray(image.Rect(0, 0, 9, 9))))
	require.NoError(t, png.Encode(&deep, image.NewRGBA64(image.Rect(0, 0, 9, 9))))
	interlacedPNG := mutate(func(b []byte) { b[ihdrAt+12] = 1; refix(b) })
	interlaced.Write(interlacedPNG)
	for name, data := range map[string][]byte{
		"grey":       gray.Bytes(),
		"16-bit":     deep.Bytes(),
		"interlaced": interlaced.Bytes(),
		"colour key": rawPNG(t, 8, 8, 2, rgb, []byte{0}, chunk("tRNS", []byte{0, 1, 0, 2, 0, 3})),
		"bad CRC":    mutate(func(b []byte) { b[ihdrAt+13] ^= 1 }),
		"truncated":  good[:len(good)-30],
		"bad filter": rawPNG(t, 8, 8, 2, rgb, []byte{5}),
		"no IDAT":    append(append([]byte("\x89PNG\r\n\x1a\n"), good[8:8+25]...), chunk("IEND", nil)...),
	} {
		_, err := decodePNGPlanes(data, 1)
		assert.True(t, errors.Is(err, errPNGFallback), "%s: %v", name, err)
	}
	// Files the fast path passes on still decode (or fail) through image/png.
	img, err := decodePNG(gray.Bytes(), image.Config{Width: 9, Height: 9}, 256)
	require.NoError(t, err)
	assert.IsType(t, &image.Gray{}, img)
	_, err = decodePNG(good[:len(good)-30], image.Config{Width: 8, Height: 8}, 256)
	assert.Error(t, err)
}

func TestPNGShrinkFor(t *testing.T) {
	for _, tc := range []struct{ w, h, target, want int }{
		{5120, 2880, 1024, 2}, // 5× over: the resampler would box by 2
		{5120, 2880, 256, 8},  // 20×: by 8
		{2000, 1000, 1024, 1},
		{2560, 1600, 1024, 1},
		{4000, 3000, 512, 2}, // 7.8×: int(3.1) = 3, so 2
		{100000, 10, 256, 8},
	} {
		assert.Equal(t, tc.want, pngShrinkFor(tc.w, tc.h, tc.target), "%dx%d to %d", tc.w, tc.h, tc.target)
	}
}

func TestPNGPlanesAt(t *testing.T) {
	data := rawPNG(t, 2, 1, 2, []byte{255, 0, 0, 0, 0, 255}, []byte{0})
	m, err := decodePNGPlanes(data, 1)
	require.NoError(t, err)
	r, g, b, _ := m.At(0, 0).RGBA()
	assert.Greater(t, r, g)
	assert.Greater(t, r, b)
	_, _, b2, _ := m.At(1, 0).RGBA()
	assert.Greater(t, b2, uint32(0xc000))
	assert.Equal(t, color.YCbCr{}, m.At(5, 5))
}
