package fastjpeg

import (
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode checks that no input makes the decoder panic, that every
// failure is classified, and that a success has the promised size.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/*.jpeg")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(1))
	}
	f.Add(encode(f, photo(33, 17, 3), 50), uint8(2))
	f.Add(encode(f, photo(9, 70, 4), 95), uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, sel uint8) {
		scale := Scales[int(sel)%len(Scales)]
		cfg, err := DecodeConfig(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("unclassified DecodeConfig error: %v", err)
			}
			return
		}
		if cfg.Width*cfg.Height > 1<<20 {
			return // callers cap pixels before decoding
		}
		img, err := Decode(data, scale)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("unclassified Decode error: %v", err)
			}
			return
		}
		want := image.Rect(0, 0, (cfg.Width+scale-1)/scale, (cfg.Height+scale-1)/scale)
		if img.Bounds() != want {
			t.Fatalf("bounds %v, want %v", img.Bounds(), want)
		}
		// Touch every pixel: the planes must cover the bounds.
		for y := want.Min.Y; y < want.Max.Y; y++ {
			for x := want.Min.X; x < want.Max.X; x++ {
				img.At(x, y)
			}
		}
	})
}
