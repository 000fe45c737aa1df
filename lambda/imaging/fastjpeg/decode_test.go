package fastjpeg

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZigzag(t *testing.T) {
	// The first and last entries of T.81 figure A.6, and that it is a
	// permutation.
	assert.Equal(t, []int{0, 1, 8, 16, 9, 2, 3, 10, 17, 24}, unzig[:10])
	assert.Equal(t, []int{62, 63}, unzig[62:])
	seen := map[int]bool{}
	for _, v := range unzig {
		seen[v] = true
	}
	assert.Len(t, seen, 64)
}

// maxDiff compares two images of the same type plane by plane (YCbCr,
// Gray) or pixel by pixel, returning the largest per-sample difference.
func maxDiff(t *testing.T, got, want image.Image) int {
	t.Helper()
	require.Equal(t, want.Bounds(), got.Bounds())
	switch w := want.(type) {
	case *image.YCbCr:
		g, ok := got.(*image.YCbCr)
		require.True(t, ok, "got %T, want %T", got, want)
		require.Equal(t, w.SubsampleRatio, g.SubsampleRatio)
		m := 0
		b := w.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi, ci := w.YOffset(x, y), w.COffset(x, y)
				gyi, gci := g.YOffset(x, y), g.COffset(x, y)
				m = max(m, absDiff(w.Y[yi], g.Y[gyi]), absDiff(w.Cb[ci], g.Cb[gci]), absDiff(w.Cr[ci], g.Cr[gci]))
			}
		}
		return m
	}
	require.IsType(t, want, got)
	m := 0
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, a1 := want.At(x, y).RGBA()
			r2, g2, b2, a2 := got.At(x, y).RGBA()
			for _, p := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}, {a1, a2}} {
				m = max(m, absDiff(uint8(p[0]>>8), uint8(p[1]>>8)))
			}
		}
	}
	return m
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// scale1Tolerance bounds the per-sample difference from image/jpeg at full
// size: both are IDCTs of the same coefficients, with different rounding.
const scale1Tolerance = 3

func TestDecodeMatchesStdlibOnGoTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/*.jpeg")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			want, werr := jpeg.Decode(bytes.NewReader(data))
			got, gerr := Decode(data, 1)
			switch {
			case strings.Contains(f, ".rgb."):
				require.ErrorIs(t, gerr, ErrUnsupported)
				return
			}
			require.NoError(t, werr)
			require.NoError(t, gerr)
			assert.LessOrEqual(t, maxDiff(t, got, want), scale1Tolerance)
			cfg, err := DecodeConfig(data)
			require.NoError(t, err)
			wcfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
			require.NoError(t, err)
			assert.Equal(t, wcfg, cfg)
		})
	}
}

// photo draws a photo-like test image: smooth gradients, a few hard edges,
// fine texture and noise, so that every frequency band carries energy.
func photo(w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cx, cy := float64(w)*r.Float64(), float64(h)*r.Float64()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			d := math.Hypot(float64(x)-cx, float64(y)-cy) / float64(max(w, h))
			base := 128 + 90*math.Sin(6*fx+3*fy)*math.Cos(4*d)
			tex := 20 * math.Sin(float64(x)*0.7+float64(y)*0.3)
			edge := 0.0
			if (x/37+y/53)%2 == 0 {
				edge = 40
			}
			n := r.NormFloat64() * 6
			c := func(off float64) uint8 {
				v := base + off + tex*0.5 + edge + n
				return uint8(max(0, min(255, v)))
			}
			img.SetRGBA(x, y, color.RGBA{c(0), c(30 * fx), c(-40 * fy), 255})
		}
	}
	return img
}

func encode(t testing.TB, img image.Image, q int) []byte {
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}))
	return buf.Bytes()
}

func TestDecodeMatchesStdlibOnGeneratedImages(t *testing.T) {
	sizes := [][2]int{{1, 1}, {7, 9}, {16, 16}, {17, 33}, {64, 48}, {100, 75}, {257, 131}, {800, 600}}
	for i, sz := range sizes {
		for _, q := range []int{30, 75, 95, 100} {
			for _, gray := range []bool{false, true} {
				name := fmt.Sprintf("%dx%d_q%d_gray%v", sz[0], sz[1], q, gray)
				t.Run(name, func(t *testing.T) {
					var img image.Image = photo(sz[0], sz[1], uint64(i))
					if gray {
						g := image.NewGray(img.Bounds())
						for y := 0; y < sz[1]; y++ {
							for x := 0; x < sz[0]; x++ {
								g.Set(x, y, img.At(x, y))
							}
						}
						img = g
					}
					data := encode(t, img, q)
					want, err := jpeg.Decode(bytes.NewReader(data))
					require.NoError(t, err)
					got, err := Decode(data, 1)
					require.NoError(t, err)
					assert.LessOrEqual(t, maxDiff(t, got, want), scale1Tolerance)
				})
			}
		}
	}
}

func TestScaleFor(t *testing.T) {
	tests := []struct{ w, h, target, want int }{
		{4032, 3024, 256, 8},
		{4032, 3024, 1024, 2},
		{5640, 3172, 1024, 4},
		{2560, 1600, 1024, 2},
		{2560, 1600, 256, 8},
		{800, 600, 1024, 1},
		{2048, 10, 1024, 2},
		{10, 2048, 256, 8},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ScaleFor(tt.w, tt.h, tt.target), "%dx%d -> %d", tt.w, tt.h, tt.target)
	}
}

func TestDecodeRejectsBadScale(t *testing.T) {
	_, err := Decode(encode(t, photo(8, 8, 1), 90), 3)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scale 3")
}

func TestErrors(t *testing.T) {
	good := encode(t, photo(40, 30, 2), 80)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"png", []byte("\x89PNG\r\n\x1a\n"), ErrCorrupt},
		{"truncated header", good[:40], io.ErrUnexpectedEOF},
		{"truncated scan", good[:len(good)-200], io.ErrUnexpectedEOF},
		{"arithmetic", replaceSOF(good, 0xC9), ErrUnsupported},
		{"lossless", replaceSOF(good, 0xC3), ErrUnsupported},
		{"12-bit", setPrecision(good, 12), ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.data, 1)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tt.want), "got %v", err)
			assert.True(t, errors.Is(err, ErrCorrupt) || errors.Is(err, ErrUnsupported), "unclassified: %v", err)
		})
	}
}

func sofOffset(data []byte) int {
	for i := 2; i+1 < len(data); i++ {
		if data[i] == 0xFF && data[i+1] == 0xC0 {
			return i
		}
	}
	return -1
}

func replaceSOF(data []byte, m byte) []byte {
	out := bytes.Clone(data)
	out[sofOffset(out)+1] = m
	return out
}

func setPrecision(data []byte, p byte) []byte {
	out := bytes.Clone(data)
	out[sofOffset(out)+4] = p
	return out
}

// plane is one channel of an image: w x h samples.
type plane struct {
	pix          []byte
	stride, w, h int
}

func planes(t *testing.T, img image.Image) []plane {
	t.Helper()
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		cw, ch := m.COffset(b.Max.X-1, b.Max.Y-1)%m.CStride+1, m.COffset(b.Max.X-1, b.Max.Y-1)/m.CStride+1
		return []plane{{m.Y, m.YStride, b.Dx(), b.Dy()}, {m.Cb, m.CStride, cw, ch}, {m.Cr, m.CStride, cw, ch}}
	case *image.Gray:
		return []plane{{m.Pix, m.Stride, b.Dx(), b.Dy()}}
	case *image.CMYK:
		var ps []plane
		for c := 0; c < 4; c++ {
			p := plane{make([]byte, b.Dx()*b.Dy()), b.Dx(), b.Dx(), b.Dy()}
			for y := 0; y < b.Dy(); y++ {
				for x := 0; x < b.Dx(); x++ {
					p.pix[y*p.stride+x] = m.Pix[y*m.Stride+4*x+c]
				}
			}
			ps = append(ps, p)
		}
		return ps
	}
	t.Fatalf("unexpected image type %T", img)
	return nil
}

// boxPSNR compares a scaled plane with the box-averaged full-size plane.
func boxPSNR(got, full plane, s int) float64 {
	var se float64
	n := 0
	for y := 0; y < got.h; y++ {
		for x := 0; x < got.w; x++ {
			sum, cnt := 0, 0
			for yy := y * s; yy < min(y*s+s, full.h); yy++ {
				for xx := x * s; xx < min(x*s+s, full.w); xx++ {
					sum += int(full.pix[yy*full.stride+xx])
					cnt++
				}
			}
			if cnt == 0 {
				continue
			}
			d := float64(got.pix[y*got.stride+x]) - float64(sum)/float64(cnt)
			se += d * d
			n++
		}
	}
	if se == 0 {
		return 99
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// scaledPSNR is the smallest per-plane PSNR of a scaled decode against the
// box-downscaled stdlib decode.
func scaledPSNR(t *testing.T, data []byte, scale int) float64 {
	t.Helper()
	want, err := jpeg.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	got, err := Decode(data, scale)
	require.NoError(t, err)
	wb := want.Bounds()
	require.Equal(t, image.Rect(0, 0, (wb.Dx()+scale-1)/scale, (wb.Dy()+scale-1)/scale), got.Bounds())
	gp, wp := planes(t, got), planes(t, want)
	require.Len(t, gp, len(wp))
	worst := 99.0
	for i := range gp {
		worst = min(worst, boxPSNR(gp[i], wp[i], scale))
	}
	return worst
}

// minScaledPSNR is the bound for scaled decodes: a DCT-domain reduction is
// not a box filter, but it is close to one.
const minScaledPSNR = 30

func TestScaledDecodeMatchesBoxDownscale(t *testing.T) {
	files, err := filepath.Glob("testdata/*.jpeg")
	require.NoError(t, err)
	for _, f := range files {
		if strings.Contains(f, ".rgb.") {
			continue
		}
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, s := range []int{2, 4, 8} {
			t.Run(fmt.Sprintf("%s/%d", filepath.Base(f), s), func(t *testing.T) {
				p := scaledPSNR(t, data, s)
				t.Logf("PSNR %.1f dB", p)
				assert.GreaterOrEqual(t, p, float64(minScaledPSNR))
			})
		}
	}
	for i, sz := range [][2]int{{17, 33}, {257, 131}, {640, 480}} {
		data := encode(t, photo(sz[0], sz[1], uint64(i)), 90)
		for _, s := range []int{2, 4, 8} {
			t.Run(fmt.Sprintf("generated_%dx%d/%d", sz[0], sz[1], s), func(t *testing.T) {
				p := scaledPSNR(t, data, s)
				t.Logf("PSNR %.1f dB", p)
				assert.GreaterOrEqual(t, p, float64(minScaledPSNR))
			})
		}
	}
}

// A progressive file and its baseline twin (same coefficients, from the Go
// testdata) must decode identically at every scale: this checks the
// progressive path, including the dropped-coefficient bookkeeping of the
// refinement scans at scales 2 and 4, against the simpler baseline path.
func TestProgressiveMatchesBaselineTwin(t *testing.T) {
	files, err := filepath.Glob("testdata/*.progressive.jpeg")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, prog := range files {
		base := strings.Replace(prog, ".progressive.jpeg", ".jpeg", 1)
		if _, err := os.Stat(base); err != nil {
			continue
		}
		for _, s := range Scales {
			t.Run(fmt.Sprintf("%s/%d", filepath.Base(prog), s), func(t *testing.T) {
				pd, err := os.ReadFile(prog)
				require.NoError(t, err)
				bd, err := os.ReadFile(base)
				require.NoError(t, err)
				pi, err := Decode(pd, s)
				require.NoError(t, err)
				bi, err := Decode(bd, s)
				require.NoError(t, err)
				assert.Equal(t, 0, maxDiff(t, pi, bi))
			})
		}
	}
}
