package jpegenc

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"testing"

	"github.com/imgpipe/imgpipe/lambda/imaging/fastjpeg"
)

// FuzzEncode encodes planes of fuzzed sizes, layouts and contents, and
// checks that both decoders read the result back at the right size with
// the right average brightness.
func FuzzEncode(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(0), uint8(82), []byte{0})
	f.Add(uint8(17), uint8(9), uint8(1), uint8(100), []byte{0, 255, 17, 200})
	f.Add(uint8(40), uint8(33), uint8(2), uint8(1), []byte("a plane of text"))
	f.Add(uint8(64), uint8(3), uint8(3), uint8(50), bytes.Repeat([]byte{255, 0}, 99))
	f.Fuzz(func(t *testing.T, w8, h8, layout, q8 uint8, pix []byte) {
		w, h := 1+int(w8)%80, 1+int(h8)%80
		q := 1 + int(q8)%100
		if len(pix) == 0 {
			pix = []byte{128}
		}
		fill := func(pw, ph, stride, salt int) Plane {
			p := Plane{Pix: make([]byte, (ph-1)*stride+pw), W: pw, H: ph, Stride: stride}
			for i := range p.Pix {
				p.Pix[i] = pix[(i*7+salt)%len(pix)] ^ byte(salt)
			}
			return p
		}
		pad := int(layout>>2) % 5 // rows wider than the plane
		img := &Image{Y: fill(w, h, w+pad, 0)}
		switch layout % 3 {
		case 0:
			img.Gray = true
		case 1:
			img.Cb, img.Cr = fill(w, h, w+pad, 1), fill(w, h, w+pad, 2)
		case 2:
			cw, ch := (w+1)/2, (h+1)/2
			img.Cb, img.Cr = fill(cw, ch, cw+pad, 1), fill(cw, ch, cw+pad, 2)
		}
		data, err := Encode(img, Options{Quality: q})
		if err != nil {
			t.Fatalf("%dx%d layout %d q%d: %v", w, h, layout%3, q, err)
		}
		std, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("image/jpeg cannot decode %dx%d layout %d q%d: %v", w, h, layout%3, q, err)
		}
		fast, err := fastjpeg.Decode(data, 1)
		if err != nil {
			t.Fatalf("fastjpeg cannot decode %dx%d layout %d q%d: %v", w, h, layout%3, q, err)
		}
		want := image.Rect(0, 0, w, h)
		var sum float64
		for y := range h {
			for x := range w {
				sum += float64(img.Y.Pix[y*img.Y.Stride+x])
			}
		}
		mean := sum / float64(w*h)
		for name, m := range map[string]image.Image{"image/jpeg": std, "fastjpeg": fast} {
			if m.Bounds() != want {
				t.Fatalf("%s: bounds %v, want %v", name, m.Bounds(), want)
			}
			var got float64
			for y := range h {
				for x := range w {
					switch d := m.(type) {
					case *image.Gray:
						got += float64(d.Pix[y*d.Stride+x])
					case *image.YCbCr:
						got += float64(d.Y[d.YOffset(x, y)])
					default:
						t.Fatalf("%s decoded to %T", name, m)
					}
				}
			}
			// The DC terms keep the average, up to quantisation and
			// clipping at 0 and 255 (at most about half a step of the
			// coarsest DC quantiser, 255 at quality 1).
			tol := 4 + float64(quantTable(0, q)[0])/2
			if d := math.Abs(got/float64(w*h) - mean); d > tol {
				t.Fatalf("%s: mean luma %.1f, want %.1f (±%.1f)", name, got/float64(w*h), mean, tol)
			}
		}
	})
}
