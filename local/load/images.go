package load

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
)

// Image is one generated upload.
type Image struct {
	Name        string // file name under the run's prefix, with its extension
	ContentType string
	Body        []byte
	Width       int
	Height      int
}

// Sizes of the generated images: the longest edge is drawn from these
// bounds, the shape from portrait to panorama; small enough that thousands
// are processed in minutes on two shared cores, large enough that the
// function decodes, resizes and encodes real work.
const (
	minEdge = 96
	maxEdge = 1280
)

// Generate makes image i of a run seeded with seed: JPEG (two in three,
// at a quality from 60 to 95) or PNG, of a size and shape drawn from the
// seed, with a gradient, blocks and noise that differ for every i (no two
// uploads have the same bytes). The same seed and i give the same image.
func Generate(seed uint64, i int) (Image, error) {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	long := minEdge + rng.IntN(maxEdge-minEdge+1)
	aspect := 0.5 + rng.Float64()*1.5 // 1:2 to 2:1
	w, h := long, int(float64(long)/aspect)
	if aspect < 1 {
		w, h = int(float64(long)*aspect), long
	}
	w, h = max(w, 16), max(h, 16)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c0 := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
	c1 := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
	for y := range h {
		for x := range w {
			t := (x + y) * 255 / (w + h)
			img.SetRGBA(x, y, color.RGBA{
				R: uint8((int(c0.R)*(255-t) + int(c1.R)*t) / 255),
				G: uint8((int(c0.G)*(255-t) + int(c1.G)*t) / 255),
				B: uint8((int(c0.B)*(255-t) + int(c1.B)*t) / 255),
				A: 255,
			})
		}
	}
	for range 3 + rng.IntN(6) {
		bw, bh := 1+rng.IntN(w/2+1), 1+rng.IntN(h/2+1)
		bx, by := rng.IntN(w), rng.IntN(h)
		fill := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		for y := by; y < min(by+bh, h); y++ {
			for x := bx; x < min(bx+bw, w); x++ {
				img.SetRGBA(x, y, fill)
			}
		}
	}
	// The index, as noise in the first row: every image's bytes differ.
	for x := range min(w, 64) {
		img.SetRGBA(x, 0, color.RGBA{uint8(i >> (x % 32)), uint8(rng.IntN(256)), uint8(x), 255})
	}
	var buf bytes.Buffer
	out := Image{Width: w, Height: h}
	if rng.IntN(3) < 2 {
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 60 + rng.IntN(36)}); err != nil {
			return Image{}, fmt.Errorf("encode image %d as JPEG: %w", i, err)
		}
		out.Name, out.ContentType = fmt.Sprintf("img-%06d.jpg", i), "image/jpeg"
	} else {
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
			return Image{}, fmt.Errorf("encode image %d as PNG: %w", i, err)
		}
		out.Name, out.ContentType = fmt.Sprintf("img-%06d.png", i), "image/png"
	}
	out.Body = buf.Bytes()
	return out, nil
}
