package imaging

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"sync"
	"testing"

	"github.com/nfnt/resize"
)

// A ~12 MP phone-sized photo-like JPEG (4032×3024, 4:2:0, q90), generated
// once per benchmark run and never committed.
var bench12MP = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, photoLike(4032, 3024), &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

var benchSizes = []int{256, 1024}

// BenchmarkProcess12MP is the full default job on one upload: sniff, EXIF,
// decode once, 1024 and 256 px thumbnails, JPEG q82. The stdlib+nfnt
// sub-benchmark is the same job done the plain way (decode, nfnt/resize
// Lanczos3 per size, encode), as the baseline to compare against.
func BenchmarkProcess12MP(b *testing.B) {
	data := bench12MP()
	b.Run("imgpipe", func(b *testing.B) {
		p, err := New(Options{Sizes: benchSizes, Quality: 82, MaxPixels: 50_000_000})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Process(context.Background(), data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stdlib+nfnt-lanczos3", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			img, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range benchSizes {
				w, h := fit(img.Bounds().Dx(), img.Bounds().Dy(), s)
				var out bytes.Buffer
				if err := jpeg.Encode(&out, resize.Resize(uint(w), uint(h), img, resize.Lanczos3), &jpeg.Options{Quality: 82}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkResize12MP isolates the resampler: YCbCr 4:2:0 planes of the
// 12 MP image to 1024 px.
func BenchmarkResize12MP(b *testing.B) {
	img, err := jpeg.Decode(bytes.NewReader(bench12MP()))
	if err != nil {
		b.Fatal(err)
	}
	src := toPlanes(img.(*image.YCbCr))
	b.ReportAllocs()
	for b.Loop() {
		var owner planes
		resizePlanes(src, 1024, 768, &owner)
		owner.release()
	}
}
