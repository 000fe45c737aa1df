package verify

import (
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// uprightScene draws the layout of OrientationSample, upright, at w×h: a
// light background, a red band across the top sixth, a green block over
// the left sixth below it.
func uprightScene(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{235, 235, 225, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 0, w, h/6), image.NewUniform(color.RGBA{210, 30, 30, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, h/6, w/6, h), image.NewUniform(color.RGBA{30, 160, 60, 255}), image.Point{}, draw.Src)
	return img
}

// transform returns src with each pixel moved by f (dst size w×h).
func transform(src image.Image, w, h int, f func(x, y int) (int, int)) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	b := src.Bounds()
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			dx, dy := f(x, y)
			dst.Set(dx, dy, src.At(x, y))
		}
	}
	return dst
}

func TestUpright(t *testing.T) {
	const w, h = 160, 107
	up := uprightScene(w, h)
	cases := []struct {
		name    string
		img     image.Image
		wantErr string
	}{
		{"upright", up, ""},
		{"rotated 90° clockwise", transform(up, h, w, func(x, y int) (int, int) { return h - 1 - y, x }), "top centre"},
		{"rotated 180°", transform(up, w, h, func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }), "top centre"},
		{"rotated 90° counter-clockwise (as stored)", transform(up, h, w, func(x, y int) (int, int) { return y, w - 1 - x }), "top centre"},
		{"mirrored", transform(up, w, h, func(x, y int) (int, int) { return w - 1 - x, y }), "lower left"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Upright(tc.img)
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

// TestOrientationSampleExists keeps the constant in step with samples/.
func TestOrientationSampleExists(t *testing.T) {
	_, err := os.Stat(filepath.Join("..", "..", "samples", "images", OrientationSample))
	require.NoError(t, err)
}
