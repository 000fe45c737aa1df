package imaging

import (
	"bytes"
	"context"
	"image"
	"image/gif"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/heiftest"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging/heif"
	"github.com/imgpipe/imgpipe/lambda/imaging/icc"
)

// fuzzSeeds are small valid images of every format, with and without EXIF,
// and damaged copies; testdata/fuzz/FuzzProcess holds more (crashers
// found while fuzzing stay there as regression seeds).
func fuzzSeeds(t testing.TB) [][]byte {
	small := photoLike(24, 16)
	alpha := withAlpha(small)
	jpg := encodeTestJPEG(t, small, 80)
	seeds := [][]byte{
		jpg,
		withAPP1(jpg, buildExif(exifFields{orientation: 6, make: "Canon", dateTimeOriginal: "2001:02:03 04:05:06"})),
		encodeTestJPEG(t, grayOf(small, false), 80),
		pngOf(t, alpha),
		pngOf(t, grayOf(small, true)),
		encodeWith(t, func(b *bytes.Buffer) error { return gif.Encode(b, small, nil) }),
		encodeWith(t, func(b *bytes.Buffer) error { return bmp.Encode(b, small) }),
		encodeWith(t, func(b *bytes.Buffer) error { return tiff.Encode(b, alpha, &tiff.Options{Compression: tiff.Deflate}) }),
		encodeWith(t, func(b *bytes.Buffer) error {
			return tiff.Encode(b, small, &tiff.Options{Compression: tiff.Uncompressed})
		}),
		readTestdata(t, "video-001.lossy.webp"),
		// colour information: profiles in every container, nclx, gAMA
		tagJPEG(jpg, encodedProfile(t, "Display P3", icc.PrimariesDisplayP3, icc.CurveSRGB)),
		tagJPEG(encodeTestJPEG(t, grayOf(small, false), 80), greyProfile(t)),
		withPNGChunks(pngOf(t, small), pngChunk("iCCP", iCCP(t, encodedProfile(t, "Adobe RGB", icc.PrimariesAdobeRGB, icc.CurveGamma(2.2))))),
		withPNGChunks(pngOf(t, small), pngChunk("cICP", []byte{9, 16, 0, 1}), pngChunk("gAMA", []byte{0, 0, 0xb1, 0x8f})),
		tagJPEG(readTestdata(t, "video-001.cmyk.jpeg"), encodedProfile(t, "P3", icc.PrimariesDisplayP3, icc.CurveSRGB)),
		pngHeaderOnly(1<<15, 1<<15),
		[]byte("not an image"),
	}
	// HEIF: the committed HEIC grid and AVIF samples (real coded pictures)
	// and containers with every transform, alpha, Exif and a grid.
	for _, name := range []string{"heif-grid-irot.heic", "yellow-rose-alpha-10bit.avif"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "samples", "images", name))
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	fake := heiftest.HEVCTile(32, 24, 32, 24, []byte{0, 0, 0, 2, 0x26, 1})
	seeds = append(seeds,
		heiftest.Still(fake, heiftest.Irot(3), heiftest.Imir(1), heiftest.Clap(30, 1, 20, 1, 0, 1, 0, 1)).WithAlpha(fake).Bytes(),
		heiftest.Grid([]heif.Tile{fake, fake}, 2, 1, 60, 24).WithExif(buildExif(exifFields{orientation: 6})).Bytes())
	for _, s := range slices.Clone(seeds) {
		seeds = append(seeds, s[:len(s)*2/3])
	}
	return seeds
}

// FuzzProcess feeds arbitrary bytes to the sniff/decode entry point: it
// must never panic, never fail other than with a permanent reason, and
// every success must be decodable thumbnails of the promised size.
func FuzzProcess(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	const maxPixels = 1 << 20 // keeps each fuzz input's memory small
	p, err := New(Options{Sizes: []int{32, 8}, Quality: 75, MaxPixels: maxPixels})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := p.Process(context.Background(), data)
		if err != nil {
			reason, ok := fault.ReasonOf(err)
			if !ok || !slices.Contains(contract.Reasons, reason) {
				t.Fatalf("error is not a permanent failure with a known reason: %v", err)
			}
			return
		}
		if res.Width <= 0 || res.Height <= 0 || int64(res.Width)*int64(res.Height) > maxPixels {
			t.Fatalf("impossible result dimensions %dx%d", res.Width, res.Height)
		}
		if !res.Orientation.Valid() {
			t.Fatalf("orientation %d", res.Orientation)
		}
		if len(res.Thumbnails) != 2 {
			t.Fatalf("%d thumbnails", len(res.Thumbnails))
		}
		for _, th := range res.Thumbnails {
			w, h := fit(res.Width, res.Height, th.Size)
			if th.Width != w || th.Height != h {
				t.Fatalf("thumbnail %d is %dx%d, want %dx%d", th.Size, th.Width, th.Height, w, h)
			}
			img, err := jpeg.Decode(bytes.NewReader(th.JPEG))
			if err != nil {
				t.Fatalf("thumbnail %d does not decode: %v", th.Size, err)
			}
			if img.Bounds() != image.Rect(0, 0, w, h) {
				t.Fatalf("thumbnail %d decodes to %v", th.Size, img.Bounds())
			}
		}
	})
}
