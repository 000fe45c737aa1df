package verify

import (
	"fmt"
	"image"
	"image/color"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// OrientationSample is the committed sample whose pixels are stored
// rotated, with EXIF Orientation 6 (samples/LICENSE.md): upright it is
// 360×240, with a red band across the top and a green block at the left.
const OrientationSample = "exif-orientation-6.jpg"

// Upright reports why img, a thumbnail of OrientationSample, is not shown
// upright (nil when it is): the top centre must be the red band and the
// lower left the green block. Rotated by any quarter turn, or mirrored,
// one of them is elsewhere.
func Upright(img image.Image) error {
	b := img.Bounds()
	top := img.At(b.Min.X+b.Dx()/2, b.Min.Y+b.Dy()/20)
	left := img.At(b.Min.X+b.Dx()/20, b.Min.Y+b.Dy()*3/4)
	switch {
	case !reddish(top):
		return fmt.Errorf("top centre is %v, want the red band (not upright?)", rgb(top))
	case !greenish(left):
		return fmt.Errorf("lower left is %v, want the green block (not upright or mirrored?)", rgb(left))
	}
	return nil
}

// AssertUpright fails t unless every thumbnail (by size, as
// AssertThumbnails returns them) of OrientationSample is upright.
func AssertUpright(t testing.TB, thumbs map[int]image.Image) {
	t.Helper()
	require.NotEmpty(t, thumbs, "no thumbnails of %s to check", OrientationSample)
	sizes := make([]int, 0, len(thumbs))
	for size := range thumbs {
		sizes = append(sizes, size)
	}
	sort.Ints(sizes)
	for _, size := range sizes {
		assert.NoError(t, Upright(thumbs[size]), "thumbnail %d of %s", size, OrientationSample)
	}
}

func reddish(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r > 0x9000 && g < 0x6000 && b < 0x6000
}

func greenish(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return g > 0x7000 && r < 0x5000 && b < 0x6000
}

func rgb(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("rgb(%d,%d,%d)", r>>8, g>>8, b>>8)
}
