package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/imgpipe/imgpipe/internal/benchcpu"
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
	defer benchcpu.Timer(b)()
	for b.Loop() {
		var owner planes
		resizePlanes(src, 1024, 768, 2, &owner)
		owner.release()
	}
}

// BenchmarkRealPhotos runs the default job and the 256 px job on the
// benchmark photos that `make bench` extracts (skipped when absent); with
// -cpu 1 it is the one-core case, for profiling.
func BenchmarkRealPhotos(b *testing.B) {
	root := filepath.Join("..", "..", ".tools", "bench-images")
	for _, in := range []struct{ name, path string }{
		{"phone-12MP", "phone-12mp.jpg"},
		{"elephants-18MP-progressive", "root/usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg"},
		{"path-4MP", "root/usr/share/wallpapers/Path/contents/images/2560x1600.jpg"},
		{"patak-15MP-png", "root/usr/share/wallpapers/Patak/contents/images/5120x2880.png"},
	} {
		for _, job := range [][]int{{256, 1024}, {256}} {
			b.Run(fmt.Sprintf("%s/%v", in.name, job), func(b *testing.B) {
				data, err := os.ReadFile(filepath.Join(root, in.path))
				if err != nil {
					b.Skipf("%s absent (make bench-images): %v", in.path, err)
				}
				p, err := New(Options{Sizes: job, Quality: 82, MaxPixels: 50_000_000})
				if err != nil {
					b.Fatal(err)
				}
				defer benchcpu.Timer(b)()
				for b.Loop() {
					if _, err := p.Process(context.Background(), data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
