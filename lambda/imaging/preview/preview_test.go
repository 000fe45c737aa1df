package preview

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/buckket/go-blurhash"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rowsOf reads an image as Of wants it.
func rowsOf(img *image.RGBA) (int, int, func(int, []byte)) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	return w, h, func(y int, dst []byte) {
		for x := range w {
			p := img.Pix[y*img.Stride+4*x:]
			dst[3*x], dst[3*x+1], dst[3*x+2] = p[0], p[1], p[2]
		}
	}
}

func paint(w, h int, at func(x, y int) color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, at(x, y))
		}
	}
	return img
}

func facts(t *testing.T, img *image.RGBA) Facts {
	t.Helper()
	f, err := Of(rowsOf(img))
	require.NoError(t, err)
	return f
}

func TestUniform(t *testing.T) {
	for _, c := range []color.RGBA{{0, 0, 0, 255}, {255, 255, 255, 255}, {200, 40, 90, 255}, {1, 2, 3, 255}} {
		f := facts(t, paint(64, 40, func(int, int) color.RGBA { return c }))
		want := fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
		assert.Equal(t, want, f.AverageColor)
		assert.Equal(t, want, f.DominantColor)
		img, err := DecodePlaceholder(f.Placeholder, 8, 8)
		require.NoError(t, err)
		r, g, b, _ := img.At(4, 4).RGBA()
		assert.InDelta(t, float64(c.R), float64(r>>8), 2, f.Placeholder)
		assert.InDelta(t, float64(c.G), float64(g>>8), 2, f.Placeholder)
		assert.InDelta(t, float64(c.B), float64(b>>8), 2, f.Placeholder)
	}
}

// TestAverageIsInLinearLight: black and white half and half average to
// linear 0.5, which is sRGB 188, not 128.
func TestAverageIsInLinearLight(t *testing.T) {
	f := facts(t, paint(50, 50, func(x, _ int) color.RGBA {
		if x%2 == 0 {
			return color.RGBA{0, 0, 0, 255}
		}
		return color.RGBA{255, 255, 255, 255}
	}))
	assert.Equal(t, "#bcbcbc", f.AverageColor)
}

func TestDominantIsTheMostCommonColour(t *testing.T) {
	red, blue := color.RGBA{200, 30, 40, 255}, color.RGBA{20, 40, 180, 255}
	// 60 % blue in one block, 40 % red.
	f := facts(t, paint(100, 50, func(x, _ int) color.RGBA {
		if x < 40 {
			return red
		}
		return blue
	}))
	assert.Equal(t, "#1428b4", f.DominantColor)
	// Many shades of one colour beat one flat colour with more pixels than
	// any single shade: the histogram counts perceptually close colours
	// together.
	g := facts(t, paint(100, 100, func(x, y int) color.RGBA {
		if x < 35 {
			return red // 35 % flat red
		}
		d := uint8((x*7 + y*13) % 9) // 65 % green in nine shades
		return color.RGBA{30 + d, 150 + d, 60 + d, 255}
	}))
	c, err := ParseColor(g.DominantColor)
	require.NoError(t, err)
	assert.Greater(t, int(c[1]), 140, "dominant %s should be the green", g.DominantColor)
	assert.Less(t, int(c[0]), 60, "dominant %s should be the green", g.DominantColor)
}

// TestDominantIsAColourOfTheImage: the result is the mean of real pixels,
// not a cell centre.
func TestDominantIsAColourOfTheImage(t *testing.T) {
	f := facts(t, paint(30, 30, func(x, y int) color.RGBA {
		if (x+y)%2 == 0 {
			return color.RGBA{100, 150, 200, 255}
		}
		return color.RGBA{102, 150, 200, 255}
	}))
	c, err := ParseColor(f.DominantColor)
	require.NoError(t, err)
	assert.InDelta(t, 101, float64(c[0]), 1)
	assert.Equal(t, [2]uint8{150, 200}, [2]uint8{c[1], c[2]})
}

// TestHashOfTheReduction: the BlurHash made from the 32-pixel reduction
// renders like the one made from every pixel.
func TestHashOfTheReduction(t *testing.T) {
	img := paint(256, 171, func(x, y int) color.RGBA {
		fx, fy := float64(x)/256, float64(y)/171
		v := 0.5 + 0.5*math.Sin(fx*5+fy*3)
		return color.RGBA{uint8(255 * fx), uint8(255 * v), uint8(255 * (1 - fy)), 255}
	})
	f := facts(t, img)
	full, err := blurhash.Encode(HashX, HashY, img)
	require.NoError(t, err)
	a, err := DecodePlaceholder(f.Placeholder, 32, 24)
	require.NoError(t, err)
	b, err := DecodePlaceholder(full, 32, 24)
	require.NoError(t, err)
	worst, total := 0.0, 0.0
	for y := range 24 {
		for x := range 32 {
			ca, cb := a.At(x, y).(color.NRGBA), b.At(x, y).(color.NRGBA)
			for _, d := range []float64{float64(ca.R) - float64(cb.R), float64(ca.G) - float64(cb.G), float64(ca.B) - float64(cb.B)} {
				worst = max(worst, math.Abs(d))
				total += math.Abs(d)
			}
		}
	}
	mean := total / (32 * 24 * 3)
	t.Logf("reduced %s, full %s: mean difference %.2f, largest %.0f", f.Placeholder, full, mean, worst)
	// A few factors land one quantisation step apart (about 10 levels where
	// that factor peaks); the rest are the same.
	assert.LessOrEqual(t, mean, 2.5)
	assert.LessOrEqual(t, worst, 20.0)
	assert.Len(t, f.Placeholder, 4+2*HashX*HashY)
}

func TestTinyAndOddImages(t *testing.T) {
	for _, size := range [][2]int{{1, 1}, {1, 300}, {300, 1}, {33, 32}} {
		f := facts(t, paint(size[0], size[1], func(x, y int) color.RGBA { return color.RGBA{uint8(x), uint8(y), 90, 255} }))
		_, err := DecodePlaceholder(f.Placeholder, 4, 4)
		assert.NoError(t, err, "%v", size)
	}
	_, err := Of(0, 5, func(int, []byte) {})
	assert.ErrorContains(t, err, "0x5 has no pixels")
}

func TestParseColor(t *testing.T) {
	c, err := ParseColor("#0a1bff")
	require.NoError(t, err)
	assert.Equal(t, [3]uint8{10, 27, 255}, c)
	for _, bad := range []string{"", "0a1bff", "#0a1bf", "#0A1BFF", "#0a1bfg", "#0a1bff0"} {
		_, err := ParseColor(bad)
		assert.Error(t, err, bad)
	}
}

func TestDecodePlaceholderRejects(t *testing.T) {
	_, err := DecodePlaceholder("not a hash", 4, 4)
	assert.Error(t, err)
	other, err := blurhash.Encode(3, 3, paint(8, 8, func(int, int) color.RGBA { return color.RGBA{1, 2, 3, 255} }))
	require.NoError(t, err)
	_, err = DecodePlaceholder(other, 4, 4)
	assert.ErrorContains(t, err, "not 4×3 components")
}

// BenchmarkOf256 is the cost on a 256×192 thumbnail, the smallest size of
// the default configuration.
func BenchmarkOf256(b *testing.B) {
	img := paint(256, 192, func(x, y int) color.RGBA {
		return color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255}
	})
	w, h, rows := rowsOf(img)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Of(w, h, rows); err != nil {
			b.Fatal(err)
		}
	}
}
