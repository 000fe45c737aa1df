package bench

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// minPSNR is the quality bar: every thumbnail at least 34 dB against
// the fully decoded image resized with Lanczos3.
const minPSNR = 34.0

// photoLike draws a photo-like image: smooth shading, edges at many
// angles, fine texture and sensor-like noise.
func photoLike(w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, 11))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type disc struct{ x, y, rad, c float64 }
	discs := make([]disc, 12)
	for i := range discs {
		discs[i] = disc{r.Float64() * float64(w), r.Float64() * float64(h), (0.05 + 0.2*r.Float64()) * float64(min(w, h)), 40 + 150*r.Float64()}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			v := 90 + 60*math.Sin(3*fx+2*fy)
			for _, d := range discs {
				if math.Hypot(float64(x)-d.x, float64(y)-d.y) < d.rad {
					v = 0.5*v + 0.5*d.c
				}
			}
			v += 8*math.Sin(float64(x)*0.31+float64(y)*0.17) + r.NormFloat64()*3
			c := func(off float64) uint8 { return uint8(max(0, min(255, v+off))) }
			img.SetRGBA(x, y, color.RGBA{c(20 * fx), c(0), c(-25 * fy), 255})
		}
	}
	return img
}

func checkQuality(t *testing.T, data []byte, sizes []int) {
	t.Helper()
	ref, err := NewReference(data)
	require.NoError(t, err)
	thumbs, err := Imgpipe().Run(data, sizes, QualityForPSNR)
	require.NoError(t, err)
	require.Len(t, thumbs, len(sizes))
	for i, th := range thumbs {
		q, err := ref.PSNR(th.JPEG)
		require.NoError(t, err)
		t.Logf("%d px (%dx%d): %.1f dB", sizes[i], th.W, th.H, q)
		assert.GreaterOrEqual(t, q, minPSNR, "%d px thumbnail", sizes[i])
	}
}

// TestImgpipeQualityOnGeneratedPhotos covers every scaled-decode factor:
// 1/8 and 1/4 for 256 px, 1/2 for 1024 px, and a full decode for sizes
// close to the original.
func TestImgpipeQualityOnGeneratedPhotos(t *testing.T) {
	for i, sz := range [][2]int{{2400, 1600}, {1200, 1800}, {1100, 700}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, jpeg.Encode(&buf, photoLike(sz[0], sz[1], uint64(i)), &jpeg.Options{Quality: 90}))
			checkQuality(t, buf.Bytes(), []int{256, 1024})
		})
	}
}

// TestImgpipeQualityOnRealPhotos runs on whichever benchmark photos `make
// bench` has extracted under .tools/bench-images.
func TestImgpipeQualityOnRealPhotos(t *testing.T) {
	if testing.Short() {
		t.Skip("real photos are large; skipped in -short mode")
	}
	dir := filepath.Join("..", ".tools", "bench-images")
	for _, p := range []string{PhoneName, filepath.Join("root", ElephantsPath), filepath.Join("root", PathPath), filepath.Join("root", PatakPath)} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, p))
			if err != nil {
				t.Skipf("%s absent (make bench-images fetches the photos): %v", p, err)
			}
			checkQuality(t, data, []int{256, 1024})
		})
	}
}
