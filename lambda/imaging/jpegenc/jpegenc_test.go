package jpegenc

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/lambda/imaging/fastjpeg"
)

// photo draws a photo-like YCbCr 4:4:4 image: smooth shading, edges, fine
// texture and noise.
func photo(w, h int, seed uint64) *Image {
	r := rand.New(rand.NewPCG(seed, 3))
	img := &Image{
		Y:  Plane{Pix: make([]byte, w*h), W: w, H: h, Stride: w},
		Cb: Plane{Pix: make([]byte, w*h), W: w, H: h, Stride: w},
		Cr: Plane{Pix: make([]byte, w*h), W: w, H: h, Stride: w},
	}
	cx, cy, rad := r.Float64()*float64(w), r.Float64()*float64(h), 0.3*float64(min(w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			v := 110 + 60*math.Sin(3*fx+2*fy) + 10*math.Sin(float64(x)*0.4+float64(y)*0.21) + 3*r.NormFloat64()
			if math.Hypot(float64(x)-cx, float64(y)-cy) < rad {
				v = 0.4*v + 100
			}
			i := y*w + x
			img.Y.Pix[i] = clamp(v)
			// Chroma with texture of its own, as in photographs.
			img.Cb.Pix[i] = clamp(128 + 40*fx - 20*fy + 0.2*(v-110) + 2*r.NormFloat64())
			img.Cr.Pix[i] = clamp(128 - 30*fx + 25*math.Sin(5*fy) - 0.15*(v-110) + 2*r.NormFloat64())
		}
	}
	return img
}

func clamp(v float64) uint8 { return uint8(max(0, min(255, math.Round(v)))) }

// psnr compares a w×h plane with the decoded samples at(x, y).
func psnr(p Plane, at func(x, y int) uint8) float64 {
	var se float64
	for y := range p.H {
		for x := range p.W {
			d := float64(p.Pix[y*p.Stride+x]) - float64(at(x, y))
			se += d * d
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(p.W*p.H)/se)
}

// chromaAt reads a chroma sample of the 4:4:4 reference at full size.
func decodeBoth(t *testing.T, data []byte) (std image.Image, fast image.Image) {
	t.Helper()
	std, err := jpeg.Decode(bytes.NewReader(data))
	require.NoError(t, err, "image/jpeg decodes it")
	fast, err = fastjpeg.Decode(data, 1)
	require.NoError(t, err, "fastjpeg decodes it")
	return std, fast
}

func TestEncodeDecodesWithBothDecoders(t *testing.T) {
	for _, tc := range []struct {
		w, h, q int
		minY    float64 // luma PSNR floor
		minC    float64 // chroma PSNR floor (against the 4:4:4 source)
	}{
		{640, 480, 82, 36, 36},
		{333, 217, 82, 36, 36},
		{1024, 768, 95, 42, 38},
		{257, 129, 50, 32, 34},
	} {
		img := photo(tc.w, tc.h, uint64(tc.w))
		data, err := Encode(img, Options{Quality: tc.q})
		require.NoError(t, err)
		std, fast := decodeBoth(t, data)
		for name, m := range map[string]image.Image{"image/jpeg": std, "fastjpeg": fast} {
			yc, ok := m.(*image.YCbCr)
			require.True(t, ok, "%s decodes to YCbCr", name)
			require.Equal(t, image.Rect(0, 0, tc.w, tc.h), yc.Bounds())
			assert.Equal(t, image.YCbCrSubsampleRatio420, yc.SubsampleRatio)
			py := psnr(img.Y, func(x, y int) uint8 { return yc.Y[yc.YOffset(x, y)] })
			pcb := psnr(img.Cb, func(x, y int) uint8 { return yc.Cb[yc.COffset(x, y)] })
			pcr := psnr(img.Cr, func(x, y int) uint8 { return yc.Cr[yc.COffset(x, y)] })
			t.Logf("%dx%d q%d %s: %d bytes, PSNR Y %.1f Cb %.1f Cr %.1f dB", tc.w, tc.h, tc.q, name, len(data), py, pcb, pcr)
			assert.GreaterOrEqual(t, py, tc.minY, "%s luma", name)
			assert.GreaterOrEqual(t, pcb, tc.minC, "%s Cb", name)
			assert.GreaterOrEqual(t, pcr, tc.minC, "%s Cr", name)
		}
	}
}

// stdlibEncode encodes img with image/jpeg, which is what the pipeline used
// before this package.
func stdlibEncode(t *testing.T, img *Image, q int) []byte {
	t.Helper()
	m := &image.YCbCr{Y: img.Y.Pix, Cb: img.Cb.Pix, Cr: img.Cr.Pix, YStride: img.Y.Stride, CStride: img.Cb.Stride,
		SubsampleRatio: image.YCbCrSubsampleRatio444, Rect: image.Rect(0, 0, img.Y.W, img.Y.H)}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, m, &jpeg.Options{Quality: q}))
	return buf.Bytes()
}

// TestSmallerThanStdlibAtEqualQuality: the same quantisation as image/jpeg
// with tables built for the image makes smaller files of the same or
// better fidelity.
func TestSmallerThanStdlibAtEqualQuality(t *testing.T) {
	for _, q := range []int{60, 82, 95} {
		img := photo(800, 600, 9)
		ours, err := Encode(img, Options{Quality: q})
		require.NoError(t, err)
		theirs := stdlibEncode(t, img, q)
		a, _ := decodeBoth(t, ours)
		b, _ := decodeBoth(t, theirs)
		ya, yb := a.(*image.YCbCr), b.(*image.YCbCr)
		pa := psnr(img.Y, func(x, y int) uint8 { return ya.Y[ya.YOffset(x, y)] })
		pb := psnr(img.Y, func(x, y int) uint8 { return yb.Y[yb.YOffset(x, y)] })
		ca := psnr(img.Cb, func(x, y int) uint8 { return ya.Cb[ya.COffset(x, y)] })
		cb := psnr(img.Cb, func(x, y int) uint8 { return yb.Cb[yb.COffset(x, y)] })
		t.Logf("q%d: ours %d B (Y %.2f dB, Cb %.2f dB), image/jpeg %d B (Y %.2f dB, Cb %.2f dB)", q, len(ours), pa, ca, len(theirs), pb, cb)
		assert.Less(t, len(ours), len(theirs), "q%d: optimised tables make a smaller file", q)
		assert.GreaterOrEqual(t, pa, pb-0.05, "q%d: luma fidelity at least image/jpeg's", q)
		assert.GreaterOrEqual(t, ca, cb-0.05, "q%d: chroma fidelity at least image/jpeg's", q)
	}
}

func TestGrey(t *testing.T) {
	img := photo(99, 51, 2)
	g := &Image{Y: img.Y, Gray: true}
	data, err := Encode(g, Options{Quality: 90})
	require.NoError(t, err)
	std, fast := decodeBoth(t, data)
	for name, m := range map[string]image.Image{"image/jpeg": std, "fastjpeg": fast} {
		gm, ok := m.(*image.Gray)
		require.True(t, ok, name)
		p := psnr(img.Y, func(x, y int) uint8 { return gm.GrayAt(x, y).Y })
		assert.GreaterOrEqual(t, p, 38.0, name)
	}
}

func TestChromaAlreadySubsampled(t *testing.T) {
	full := photo(101, 67, 4)
	cw, ch := 51, 34
	half := &Image{Y: full.Y, Cb: Plane{Pix: make([]byte, cw*ch), W: cw, H: ch, Stride: cw}, Cr: Plane{Pix: make([]byte, cw*ch), W: cw, H: ch, Stride: cw}}
	subsample(full.Cb, half.Cb.Pix, cw, ch)
	subsample(full.Cr, half.Cr.Pix, cw, ch)
	a, err := Encode(full, Options{Quality: 82})
	require.NoError(t, err)
	b, err := Encode(half, Options{Quality: 82})
	require.NoError(t, err)
	assert.Equal(t, a, b, "subsampling in the encoder or before it gives the same file")
}

func TestICCProfileChunks(t *testing.T) {
	img := photo(40, 30, 5)
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 1000, iccChunk, iccChunk + 1, 3*iccChunk + 17} {
		profile := make([]byte, n)
		for i := range profile {
			profile[i] = byte(r.Uint32())
		}
		data, err := Encode(img, Options{Quality: 82, ICC: profile})
		require.NoError(t, err)
		got, count := readICC(t, data)
		assert.Equal(t, (n+iccChunk-1)/iccChunk, count, "%d bytes", n)
		assert.Equal(t, profile, got, "%d bytes: the profile comes back whole", n)
		decodeBoth(t, data)
	}
	_, err := Encode(img, Options{Quality: 82, ICC: make([]byte, MaxICC+1)})
	assert.ErrorContains(t, err, "ICC profile")
}

// readICC walks the segments before SOS: it returns the reassembled
// ICC_PROFILE chunks and fails on any other metadata segment.
func readICC(t *testing.T, data []byte) ([]byte, int) {
	t.Helper()
	require.Equal(t, []byte{0xFF, 0xD8}, data[:2])
	var icc []byte
	count := 0
	for i := 2; ; {
		require.Equal(t, byte(0xFF), data[i])
		m := data[i+1]
		n := int(data[i+2])<<8 | int(data[i+3])
		seg := data[i+4 : i+2+n]
		switch m {
		case 0xDA:
			return icc, count
		case 0xE2:
			require.Equal(t, "ICC_PROFILE\x00", string(seg[:12]))
			assert.Equal(t, count+1, int(seg[12]), "chunks in order")
			count++
			icc = append(icc, seg[14:]...)
		case 0xDB, 0xC0, 0xC4:
		default:
			t.Fatalf("unexpected segment 0x%02X: the encoder writes no metadata but ICC", m)
		}
		i += 2 + n
	}
}

func TestNoMetadataWithoutICC(t *testing.T) {
	data, err := Encode(photo(20, 20, 1), Options{Quality: 82})
	require.NoError(t, err)
	icc, _ := readICC(t, data)
	assert.Empty(t, icc)
}

func TestSmallAndOddSizes(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {1, 2}, {2, 1}, {3, 3}, {7, 9}, {8, 8}, {9, 7}, {15, 17}, {16, 16}, {17, 1}, {1, 33}} {
		img := photo(sz[0], sz[1], 8)
		for _, gray := range []bool{false, true} {
			in := img
			if gray {
				in = &Image{Y: img.Y, Gray: true}
			}
			data, err := Encode(in, Options{Quality: 90})
			require.NoError(t, err, "%v", sz)
			std, fast := decodeBoth(t, data)
			assert.Equal(t, image.Rect(0, 0, sz[0], sz[1]), std.Bounds(), "%v", sz)
			assert.Equal(t, image.Rect(0, 0, sz[0], sz[1]), fast.Bounds(), "%v", sz)
			// A flat image stays flat: the DC path and edge replication.
		}
	}
	flat := &Image{Y: Plane{Pix: []byte{200, 200, 200}, W: 3, H: 1, Stride: 3}, Gray: true}
	data, err := Encode(flat, Options{Quality: 90})
	require.NoError(t, err)
	std, _ := decodeBoth(t, data)
	for x := range 3 {
		assert.InDelta(t, 200, int(std.(*image.Gray).GrayAt(x, 0).Y), 1)
	}
}

func TestRejectsBadInput(t *testing.T) {
	img := photo(10, 10, 1)
	for name, tc := range map[string]struct {
		img *Image
		o   Options
		msg string
	}{
		"quality 0":      {img, Options{Quality: 0}, "quality 0"},
		"quality 101":    {img, Options{Quality: 101}, "quality 101"},
		"empty":          {&Image{Gray: true}, Options{Quality: 80}, "0x0"},
		"chroma size":    {&Image{Y: img.Y, Cb: Plane{Pix: make([]byte, 9), W: 3, H: 3, Stride: 3}, Cr: img.Cr}, Options{Quality: 80}, "chroma 3x3 for luma 10x10"},
		"cr differs":     {&Image{Y: img.Y, Cb: img.Cb, Cr: Plane{Pix: make([]byte, 25), W: 5, H: 5, Stride: 5}}, Options{Quality: 80}, "Cb is 10x10 but Cr is 5x5"},
		"short pixels":   {&Image{Y: Plane{Pix: make([]byte, 10), W: 10, H: 10, Stride: 10}, Gray: true}, Options{Quality: 80}, "only 10 bytes"},
		"stride too low": {&Image{Y: Plane{Pix: make([]byte, 100), W: 10, H: 10, Stride: 5}, Gray: true}, Options{Quality: 80}, "stride 5"},
	} {
		_, err := Encode(tc.img, tc.o)
		assert.ErrorContains(t, err, tc.msg, name)
	}
}

func TestFDCTMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	var in [64]float64
	var b [64]float32
	for i := range in {
		in[i] = float64(r.IntN(256) - 128)
		b[i] = float32(in[i])
	}
	fdct(&b)
	for v := range 8 {
		for u := range 8 {
			cu, cv := 1.0, 1.0
			if u == 0 {
				cu = math.Sqrt2 / 2
			}
			if v == 0 {
				cv = math.Sqrt2 / 2
			}
			s := 0.0
			for y := range 8 {
				for x := range 8 {
					s += in[y*8+x] * math.Cos(float64(2*x+1)*float64(u)*math.Pi/16) * math.Cos(float64(2*y+1)*float64(v)*math.Pi/16)
				}
			}
			want := 0.25 * cu * cv * s
			got := float64(b[v*8+u]) / (8 * aanS[u] * aanS[v])
			assert.InDelta(t, want, got, 1e-3, "F(%d,%d)", v, u)
		}
	}
}

func TestOptimalTables(t *testing.T) {
	// Kraft: the codes of every table leave the all-ones code unused and
	// fit in 16 bits, even for skewed counts that want longer codes.
	r := rand.New(rand.NewPCG(9, 9))
	for trial := range 50 {
		var f [256]uint32
		n := 1 + r.IntN(256)
		for range n {
			s := r.IntN(256)
			switch trial % 3 {
			case 0:
				f[s] += 1 + uint32(r.IntN(1000))
			case 1:
				f[s] = 1 << uint(r.IntN(30)) // Fibonacci-like skew: long codes
			default:
				f[s]++
			}
		}
		spec := optimalSpec(&f)
		kraft := 0.0
		total := 0
		for l, c := range spec.counts {
			kraft += float64(c) / float64(uint(1)<<(l+1))
			total += int(c)
		}
		assert.Less(t, kraft, 1.0, "trial %d: one code point stays free", trial)
		assert.Len(t, spec.vals, total)
		codes := spec.codes()
		seen := map[uint8]bool{}
		for _, s := range spec.vals {
			assert.False(t, seen[s], "symbol %d listed twice", s)
			seen[s] = true
		}
		for s, v := range f {
			if v > 0 {
				assert.True(t, seen[uint8(s)], "trial %d: used symbol %d has a code", trial, s)
				assert.NotZero(t, codes[s]>>16)
			}
		}
	}
	// Frequent symbols get codes no longer than rare ones.
	var f [256]uint32
	f[1], f[2], f[3], f[4] = 1000, 100, 10, 1
	spec := optimalSpec(&f)
	c := spec.codes()
	assert.LessOrEqual(t, c[1]>>16, c[2]>>16)
	assert.LessOrEqual(t, c[2]>>16, c[3]>>16)
	assert.LessOrEqual(t, c[3]>>16, c[4]>>16)
}

func TestBitWriterStuffing(t *testing.T) {
	var w bitWriter
	w.put(0xFF, 8)
	w.put(0x1, 1)
	w.put(0xFFFFFF, 24)
	w.flush()
	// 0xFF, then 1 + 24 ones + 7 pad ones = 32 ones: FF FF FF FF, each stuffed.
	assert.Equal(t, []byte{0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0}, w.buf)
}

func TestQuantTableMatchesStdlibScaling(t *testing.T) {
	// image/jpeg writes its scaled tables in DQT; ours must be the same.
	img := &Image{Y: Plane{Pix: make([]byte, 64), W: 8, H: 8, Stride: 8}, Gray: true}
	for _, q := range []int{1, 25, 50, 82, 100} {
		data, err := Encode(img, Options{Quality: q})
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8)), &jpeg.Options{Quality: q}))
		assert.Equal(t, dqt(t, buf.Bytes())[0], dqt(t, data)[0], "q%d luma table", q)
	}
	_ = color.Gray{}
}

// dqt returns the quantisation tables of a JPEG, by table id.
func dqt(t *testing.T, data []byte) map[int][]byte {
	t.Helper()
	out := map[int][]byte{}
	for i := 2; i+4 <= len(data); {
		m := data[i+1]
		n := int(data[i+2])<<8 | int(data[i+3])
		if m == 0xDB {
			p := data[i+4 : i+2+n]
			for len(p) >= 65 {
				out[int(p[0]&15)] = p[1:65]
				p = p[65:]
			}
		}
		if m == 0xDA {
			break
		}
		i += 2 + n
	}
	return out
}
