package fastjpeg

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/imgpipe/imgpipe/internal/benchcpu"
)

// benchFiles are real photos that `make bench` extracts; the benchmarks
// skip those that are absent.
var benchFiles = map[string]string{
	"elephants-18MP-progressive": "usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg",
	"path-4MP":                   "usr/share/wallpapers/Path/contents/images/2560x1600.jpg",
	"phone-12MP-baseline":        "phone-12mp.jpg",
}

func benchData(b *testing.B, name string) []byte {
	root := filepath.Join("..", "..", "..", ".tools", "bench-images")
	p := benchFiles[name]
	if name != "phone-12MP-baseline" {
		p = filepath.Join("root", p)
	}
	data, err := os.ReadFile(filepath.Join(root, p))
	if err != nil {
		b.Skipf("%s absent (run make bench first): %v", name, err)
	}
	return data
}

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"phone-12MP-baseline", "elephants-18MP-progressive", "path-4MP"} {
		for _, s := range Scales {
			b.Run(fmt.Sprintf("%s/scale%d", name, s), func(b *testing.B) {
				data := benchData(b, name)
				b.SetBytes(int64(len(data)))
				defer benchcpu.Timer(b)()
				for b.Loop() {
					if _, err := Decode(data, s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(name+"/stdlib", func(b *testing.B) {
			data := benchData(b, name)
			for b.Loop() {
				if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var _ image.Image
