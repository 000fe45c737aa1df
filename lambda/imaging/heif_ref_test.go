package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/gen2brain/avif"
	"github.com/gen2brain/heic"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/heiftest"
	"github.com/imgpipe/imgpipe/internal/reftools"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging/heif"
)

// Test files are made at test time by Debian's reference encoders
// (heif-enc: libheif + x265; avifenc: libavif + libaom) and checked against
// libheif's own rendering through vips (heifload applies clap, irot and imir
// for both HEVC and AV1). Encodes are cached per test binary.

var refCache sync.Map // key → []byte

// encodeRef writes img as PNG, runs a reference encoder on it and returns the
// output file. tool is "heif-enc" or "avifenc"; args come before the files.
func encodeRef(t testing.TB, tool string, img image.Image, args ...string) []byte {
	t.Helper()
	key := fmt.Sprintf("%s %q %p", tool, args, img)
	if b, ok := refCache.Load(key); ok {
		return b.([]byte)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.png"), filepath.Join(dir, "out.heic")
	if tool == "avifenc" {
		out = filepath.Join(dir, "out.avif")
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	require.NoError(t, os.WriteFile(in, buf.Bytes(), 0o644))
	if tool == "heif-enc" {
		reftools.Run(t, tool, append(args, "-o", out, in)...)
	} else {
		reftools.Run(t, tool, append(append([]string{"-s", "8", "-j", "1"}, args...), in, out)...)
	}
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	refCache.Store(key, b)
	return b
}

// libheifRender decodes a file with libheif through vips (transforms
// applied, alpha kept) as the reference picture.
func libheifRender(t testing.TB, file []byte, ext string) image.Image {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in."+ext), filepath.Join(dir, "out.png")
	require.NoError(t, os.WriteFile(in, file, 0o644))
	reftools.Run(t, "vips", "copy", in, out)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	return img
}

// codedTile is the primary image's only coded picture of an encoder's file.
func codedTile(t testing.TB, file []byte) heif.Tile {
	t.Helper()
	f, err := heif.Parse(file)
	require.NoError(t, err)
	im, err := f.Primary()
	require.NoError(t, err)
	require.Len(t, im.Tiles, 1)
	return im.Tiles[0]
}

func TestHEIFDecodersRunInWebAssembly(t *testing.T) {
	// Built without the nodynamic tag, a cgo build could pick up a system
	// libheif/libavif instead of the embedded WebAssembly the Lambda ships.
	assert.Error(t, heic.Dynamic(), "gen2brain/heic uses a shared libheif: build with -tags nodynamic (make does)")
	assert.Error(t, avif.Dynamic(), "gen2brain/avif uses a shared libavif: build with -tags nodynamic (make does)")
}

// deep16 is photoLike as 16-bit samples.
func deep16(img *image.RGBA) *image.RGBA64 {
	out := image.NewRGBA64(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			c := img.RGBAAt(x, y)
			out.SetRGBA64(x, y, color.RGBA64{uint16(c.R)<<8 | uint16(x&0xff), uint16(c.G) << 8, uint16(c.B) << 8, 0xffff})
		}
	}
	return out
}

func TestHEIFMatchesLibheif(t *testing.T) {
	reftools.Dir(t)
	photo := photoLike(320, 240)
	alpha := withAlpha(photo)
	deep := deep16(photo)
	cases := []struct {
		name, tool string
		img        image.Image
		args       []string
		format     Format
		depth      int
		hasAlpha   bool
		w, h       int
	}{
		{"heic 4:2:0", "heif-enc", photo, []string{"-q", "90"}, FormatHEIC, 8, false, 320, 240},
		{"heic 4:2:2", "heif-enc", photo, []string{"-q", "90", "-p", "chroma=422"}, FormatHEIC, 8, false, 320, 240},
		{"heic 4:4:4", "heif-enc", photo, []string{"-q", "90", "-p", "chroma=444"}, FormatHEIC, 8, false, 320, 240},
		{"heic 10-bit", "heif-enc", deep, []string{"-q", "90", "-b", "10"}, FormatHEIC, 10, false, 320, 240},
		{"heic alpha", "heif-enc", alpha, []string{"-q", "90"}, FormatHEIC, 8, true, 320, 240},
		{"avif 4:2:0", "avifenc", photo, []string{"-y", "420", "--min", "10", "--max", "20"}, FormatAVIF, 8, false, 320, 240},
		{"avif 4:2:2", "avifenc", photo, []string{"-y", "422", "--min", "10", "--max", "20"}, FormatAVIF, 8, false, 320, 240},
		{"avif 4:4:4", "avifenc", photo, []string{"-y", "444", "--min", "10", "--max", "20"}, FormatAVIF, 8, false, 320, 240},
		{"avif 10-bit", "avifenc", deep, []string{"-d", "10", "--min", "10", "--max", "20"}, FormatAVIF, 10, false, 320, 240},
		{"avif alpha", "avifenc", alpha, []string{"--min", "10", "--max", "20"}, FormatAVIF, 8, true, 320, 240},
		{"avif 10-bit alpha", "avifenc", alpha, []string{"-d", "10", "--min", "10", "--max", "20"}, FormatAVIF, 10, true, 320, 240},
		{"avif grid 2x2", "avifenc", photo, []string{"-g", "2x2", "--min", "10", "--max", "20"}, FormatAVIF, 8, false, 320, 240},
		{"avif irot 1", "avifenc", photo, []string{"--irot", "1"}, FormatAVIF, 8, false, 240, 320},
		{"avif imir 0", "avifenc", photo, []string{"--imir", "0"}, FormatAVIF, 8, false, 320, 240},
		{"avif irot 3 imir 1", "avifenc", photo, []string{"--irot", "3", "--imir", "1"}, FormatAVIF, 8, false, 240, 320},
		{"avif crop", "avifenc", photo, []string{"--crop", "20,10,200,180"}, FormatAVIF, 8, false, 200, 180},
	}
	p := newTestProcessor(t, 200, 64)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := encodeRef(t, tc.tool, tc.img, tc.args...)
			res, err := p.Process(context.Background(), file)
			require.NoError(t, err)
			assert.Equal(t, tc.format, res.Format)
			assert.Equal(t, [2]int{tc.w, tc.h}, [2]int{res.Width, res.Height}, "upright size")
			assert.Equal(t, tc.depth, res.BitDepth)
			assert.Equal(t, tc.hasAlpha, res.HasAlpha)
			ext := map[Format]string{FormatHEIC: "heic", FormatAVIF: "avif"}[tc.format]
			ref := libheifRender(t, file, ext)
			require.Equal(t, [2]int{tc.w, tc.h}, [2]int{ref.Bounds().Dx(), ref.Bounds().Dy()}, "libheif's upright size")
			for _, th := range res.Thumbnails {
				assertLike(t, th, ref, "libheif's rendering")
			}
		})
	}
}

// assertLike checks a thumbnail against a reference rendering: as close to
// it as the reference itself after the same JPEG encoding, less 1 dB (the
// bar of TestEveryFormatDecodes), or 38 dB.
func assertLike(t *testing.T, th Thumbnail, refImg image.Image, what string) {
	t.Helper()
	got := decodeJPEGBytes(t, th.JPEG)
	ref := reference(refImg, th.Width, th.Height)
	q := psnr(t, got, ref)
	// Above 38 dB no difference is visible: the bar stops there.
	bar := min(psnr(t, decodeJPEGBytes(t, encodeTestJPEG(t, ref, testQuality)), ref)-1.0, 38)
	t.Logf("%d px: PSNR %.1f dB against %s (bar %.1f)", th.Size, q, what, bar)
	assert.GreaterOrEqual(t, q, bar, "thumbnail differs from %s", what)
}

// orientationOps are irot/imir properties whose combined effect is each
// EXIF orientation (checked in package heif against an explicit grid).
var orientationOps = map[int][]heiftest.Prop{
	1: nil,
	2: {heiftest.Imir(1)},
	3: {heiftest.Irot(2)},
	4: {heiftest.Imir(0)},
	5: {heiftest.Irot(1), heiftest.Imir(0)},
	6: {heiftest.Irot(3)},
	7: {heiftest.Irot(3), heiftest.Imir(0)},
	8: {heiftest.Irot(1)},
}

// TestHEICOrientationUpright: the stored quadrant picture with each
// transform comes out upright the way libheif shows it, and the Exif
// orientation (here 6, contradicting every case) is never applied on top.
func TestHEICOrientationUpright(t *testing.T) {
	reftools.Dir(t)
	const w, h = 128, 96
	stored := storedFor(1, w, h)
	tile := codedTile(t, encodeRef(t, "heif-enc", stored, "-q", "95", "-p", "chroma=444"))
	p := newTestProcessor(t, 64)
	for o := 1; o <= 8; o++ {
		t.Run(fmt.Sprint(o), func(t *testing.T) {
			file := heiftest.Still(tile, orientationOps[o]...).
				WithExif(buildExif(exifFields{orientation: 6, make: "Apple", model: "iPhone 15", dateTimeOriginal: "2024:05:06 07:08:09"})).Bytes()
			res, err := p.Process(context.Background(), file)
			require.NoError(t, err)
			assert.Equal(t, Orientation(o), res.Orientation)
			require.NotNil(t, res.Exif)
			assert.Equal(t, "Apple", res.Exif.Make)
			assert.Equal(t, "iPhone 15", res.Exif.Model)
			assert.Equal(t, "2024-05-06T07:08:09Z", res.Exif.TakenAt.Format("2006-01-02T15:04:05Z07:00"))
			uw, uh := w, h
			if o >= 5 {
				uw, uh = h, w
			}
			assert.Equal(t, [2]int{uw, uh}, [2]int{res.Width, res.Height})
			got := decodeJPEGBytes(t, res.Thumbnails[0].JPEG)
			ref := libheifRender(t, file, "heic")
			require.Equal(t, [2]int{uw, uh}, [2]int{ref.Bounds().Dx(), ref.Bounds().Dy()})
			gb := got.Bounds()
			for q := range 4 {
				fx, fy := 0.25+0.5*float64(q%2), 0.25+0.5*float64(q/2)
				g := rgbOf(got.At(int(fx*float64(gb.Dx())), int(fy*float64(gb.Dy()))))
				r := rgbOf(ref.At(int(fx*float64(uw)), int(fy*float64(uh))))
				// the expected colour: the stored quadrant shown there
				sx, sy := storedCoord(o, int(fx*float64(uw)), int(fy*float64(uh)), w, h)
				e := rgbOf(stored.At(sx, sy))
				for c := range 3 {
					assert.InDelta(t, e[c], r[c], 40, "libheif disagrees with the EXIF mapping at quadrant %d", q)
					assert.InDelta(t, r[c], g[c], 40, "quadrant %d: got %v, libheif %v", q, g, r)
				}
			}
		})
	}
}

// TestHEICGridAndClap: a grid of four tiles from heif-enc, overhanging its
// output, with a clean aperture, decodes to the source picture.
func TestHEICGridAndClap(t *testing.T) {
	reftools.Dir(t)
	photo := photoLike(256, 192)
	var tiles []heif.Tile
	for q := range 4 {
		r := image.Rect(0, 0, 128, 96).Add(image.Pt(q%2*128, q/2*96))
		sub := image.NewRGBA(image.Rect(0, 0, 128, 96))
		for y := range 96 {
			for x := range 128 {
				sub.Set(x, y, photo.At(r.Min.X+x, r.Min.Y+y))
			}
		}
		tiles = append(tiles, codedTile(t, encodeRef(t, "heif-enc", sub, "-q", "95", "-p", "chroma=444")))
	}
	p := newTestProcessor(t, 240, 60)
	for _, tc := range []struct {
		name string
		file []byte
		crop image.Rectangle
	}{
		{"overhanging grid", heiftest.Grid(tiles, 2, 2, 250, 190).Bytes(), image.Rect(0, 0, 250, 190)},
		{"grid with clap", heiftest.Grid(tiles, 2, 2, 256, 192, heiftest.Clap(200, 1, 150, 1, 10, 1, -5, 1)).Bytes(), image.Rect(38, 16, 238, 166)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := p.Process(context.Background(), tc.file)
			require.NoError(t, err)
			assert.Equal(t, [2]int{tc.crop.Dx(), tc.crop.Dy()}, [2]int{res.Width, res.Height})
			src := photo.SubImage(tc.crop)
			ref := libheifRender(t, tc.file, "heic")
			require.Equal(t, tc.crop.Size(), ref.Bounds().Size())
			for _, th := range res.Thumbnails {
				assertLike(t, th, ref, "libheif's rendering")
				got := decodeJPEGBytes(t, th.JPEG)
				q := psnr(t, got, reference(src, th.Width, th.Height))
				t.Logf("%d px: PSNR %.1f dB against the source before encoding", th.Size, q)
				assert.GreaterOrEqual(t, q, 25.0)
			}
		})
	}
}

// TestHEICGridSeamsMatchLibheif decodes grids of subsampled heif-enc tiles
// at full size and compares them pixel by pixel with libheif's own
// rendering, in a band around every tile edge (where each tile's chroma
// ends) and in the interior. Both decode the same planes with libde265 and
// convert them to RGB with nearest-neighbour chroma, so only the rounding
// of that conversion differs: the interior bar is 2 code values, and the
// band may differ from libheif no more than the interior does (+1, mean
// +0.25). Chroma that was round-tripped through libheif's bilinear 4:4:4
// upsampling (which samples the wrong chroma along each picture's edges)
// differed by 30-46 code values along the seams of the 4:2:0 sample.
func TestHEICGridSeamsMatchLibheif(t *testing.T) {
	reftools.Dir(t)
	const tw, th, band = 128, 96, 3
	photo := photoLike(2*tw, 2*th)
	for _, tc := range []struct {
		name, chroma string
		w, h         int
	}{
		{"4:2:0 grid", "420", 250, 190},
		{"4:2:2 grid", "422", 2 * tw, 2 * th},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tiles []heif.Tile
			for q := range 4 {
				sub := image.NewRGBA(image.Rect(0, 0, tw, th))
				draw.Draw(sub, sub.Bounds(), photo, image.Pt(q%2*tw, q/2*th), draw.Src)
				tiles = append(tiles, codedTile(t, encodeRef(t, "heif-enc", sub, "-q", "90", "-p", "chroma="+tc.chroma)))
			}
			require.Equal(t, tc.chroma, tiles[0].Chroma())
			file := heiftest.Grid(tiles, 2, 2, tc.w, tc.h).Bytes()
			got, err := decodeHEIF(context.Background(), FormatHEIC, file)
			require.NoError(t, err)
			ref := libheifRender(t, file, "heic")
			require.Equal(t, image.Rect(0, 0, tc.w, tc.h), got.Bounds())
			require.Equal(t, got.Bounds().Size(), ref.Bounds().Size())
			// distance of a coordinate from the nearest edge of its tile
			edge := func(v, size int) int { return min(v%size, size-1-v%size) }
			var seam, inner struct {
				sum, max float64
				n        int
			}
			for y := range tc.h {
				for x := range tc.w {
					g, r := rgbOf(got.At(x, y)), rgbOf(ref.At(x, y))
					d := 0.0
					for c := range 3 {
						d = max(d, math.Abs(g[c]-r[c]))
					}
					s := &inner
					if edge(x, tw) < band || edge(y, th) < band {
						s = &seam
					}
					s.sum += d
					s.max = max(s.max, d)
					s.n++
				}
			}
			seamMean, innerMean := seam.sum/float64(seam.n), inner.sum/float64(inner.n)
			t.Logf("largest channel difference from libheif: within %d px of a tile edge mean %.2f max %.0f; interior mean %.2f max %.0f",
				band, seamMean, seam.max, innerMean, inner.max)
			assert.LessOrEqual(t, inner.max, 2.0, "interior differs from libheif by more than the YCbCr to RGB rounding")
			assert.LessOrEqual(t, seam.max, inner.max+1, "tile seams differ from libheif more than the interior does")
			assert.LessOrEqual(t, seamMean, innerMean+0.25, "tile seams differ from libheif more than the interior does")
		})
	}
}

// TestBrokenHEIF: damaged files fail permanently with the reason that
// names the problem, before any pixel is decoded where the container says so.
func TestBrokenHEIF(t *testing.T) {
	reftools.Dir(t)
	heicFile := encodeRef(t, "heif-enc", photoLike(160, 120), "-q", "80")
	avifFile := encodeRef(t, "avifenc", photoLike(160, 120))
	tile := codedTile(t, heicFile)
	// The coded data's first NAL unit length garbled: its framing no longer fits.
	garbled := heiftest.Still(heif.Tile{Codec: tile.Codec, Config: tile.Config, Width: tile.Width, Height: tile.Height,
		Data: append([]byte{0x7f, 0xff, 0xff, 0xff}, tile.Data[4:]...)}).Bytes()
	fake := func(w, h int) heif.Tile { return heiftest.HEVCTile(w, h, w, h, []byte{0, 0, 0, 2, 0x26, 1}) }
	var grid []heif.Tile
	for range 11 * 11 {
		grid = append(grid, fake(512, 512))
	}
	p, err := New(Options{Sizes: []int{64}, Quality: 80, MaxPixels: 31_500_000})
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		data   []byte
		reason contract.Reason
		msg    string
	}{
		{"heic truncated", heicFile[:len(heicFile)*2/3], contract.ReasonCorrupt, "truncated"},
		{"avif truncated", avifFile[:len(avifFile)*2/3], contract.ReasonCorrupt, "truncated"},
		{"heic cut in its boxes", heicFile[:200], contract.ReasonCorrupt, ""},
		{"picture data garbled", garbled, contract.ReasonCorrupt, "NAL unit declares"},
		{"no meta", heiftest.Box("ftyp", []byte("heic\x00\x00\x00\x00mif1heic")), contract.ReasonCorrupt, "neither a meta box"},
		{"declares 100 MP", heiftest.Still(fake(10000, 10000)).Bytes(), contract.ReasonTooManyPixels, "over the cap"},
		{"grid tiles over the cap", heiftest.Grid(grid, 11, 11, 5600, 5600).Bytes(), contract.ReasonTooManyPixels, "decoded pixels"},
		{"single picture over the decoder budget", heiftest.Still(heiftest.AV1Tile(6000, 5000, 6000, 5000, []byte{0x32, 0})).Bytes(), contract.ReasonTooManyPixels, "memory budget"},
		{"unsupported codec", func() []byte {
			f := heiftest.Still(fake(64, 64))
			f.Items[0].Type = "j2k1"
			return f.Bytes()
		}(), contract.ReasonUnsupportedFormat, "j2k1"},
		{"mp4 video", heiftest.Box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2mp41")), contract.ReasonUnsupportedFormat, "MP4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Process(context.Background(), tc.data)
			require.Error(t, err)
			reason, ok := fault.ReasonOf(err)
			require.True(t, ok, "a permanent failure: %v", err)
			assert.Equal(t, tc.reason, reason, "%v", err)
			assert.Contains(t, err.Error(), tc.msg)
			t.Log(err)
		})
	}
}

// TestHEICSoak decodes 500 HEIC images in one process, four at a time
// (one of the WebAssembly libraries once had an out-of-bounds bug on
// repeated decodes): every decode succeeds and gives the same pixels, and
// the resident memory after them is where it was after the first 50.
func TestHEICSoak(t *testing.T) {
	reftools.Dir(t)
	if testing.Short() {
		t.Skip("500 decodes")
	}
	file := encodeRef(t, "heif-enc", photoLike(128, 96), "-q", "80")
	withA := encodeRef(t, "heif-enc", withAlpha(photoLike(128, 96)), "-q", "80")
	p := newTestProcessor(t, 96)
	first, err := p.Process(context.Background(), file)
	require.NoError(t, err)
	run := func(n int) {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data := file
				if i%5 == 0 {
					data = withA
				}
				res, err := p.Process(context.Background(), data)
				if err == nil && i%5 != 0 && !bytes.Equal(res.Thumbnails[0].JPEG, first.Thumbnails[0].JPEG) {
					err = fmt.Errorf("decode %d gave other pixels", i)
				}
				errs <- err
			}()
			if i%4 == 3 {
				wg.Wait()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	}
	run(50)
	start := residentMiB(t)
	run(450)
	end := residentMiB(t)
	t.Logf("resident memory after 50 decodes: %d MiB, after 500: %d MiB", start, end)
	assert.Less(t, end-start, 48, "resident memory grew over 450 decodes")
}

// residentMiB is this process's resident set after returning free memory
// to the system.
func residentMiB(t *testing.T) int {
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int
			_, err := fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			require.NoError(t, err)
			return kb / 1024
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
