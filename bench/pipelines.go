package bench

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // PNG input
	"math"

	"github.com/nfnt/resize"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/imaging"
)

// Thumb is one encoded thumbnail.
type Thumb struct {
	W, H int
	JPEG []byte
}

// Pipeline makes the thumbnails of one image, one per size.
type Pipeline struct {
	Name string
	Run  func(data []byte, sizes []int, quality int) ([]Thumb, error)
}

// Quality is the JPEG quality every pipeline encodes with when timed: the
// project's default.
const Quality = contract.DefaultJPEGQuality

// QualityForPSNR is the JPEG quality of the untimed quality pass, high so
// that the PSNR measures decoding and resampling rather than the encoder.
const QualityForPSNR = 100

// Fit returns the dimensions of a w x h image scaled so its longest edge is
// size, never upscaled.
func Fit(w, h, size int) (int, int) {
	if max(w, h) <= size {
		return w, h
	}
	if w >= h {
		return size, max(1, int(math.Round(float64(h)*float64(size)/float64(w))))
	}
	return max(1, int(math.Round(float64(w)*float64(size)/float64(h)))), size
}

// Imgpipe is the project's pipeline (lambda/imaging): one decode, at the
// scale the largest size needs, then every size.
func Imgpipe() Pipeline {
	return Pipeline{Name: "imgpipe", Run: func(data []byte, sizes []int, quality int) ([]Thumb, error) {
		p, err := imaging.New(imaging.Options{Sizes: sizes, Quality: quality, MaxPixels: contract.DefaultMaxImagePixels})
		if err != nil {
			return nil, err
		}
		res, err := p.Process(context.Background(), data)
		if err != nil {
			return nil, err
		}
		out := make([]Thumb, len(res.Thumbnails))
		for i, t := range res.Thumbnails {
			out[i] = Thumb{t.Width, t.Height, t.JPEG}
		}
		return out, nil
	}}
}

// stdlibResize decodes with the standard library and resizes each size
// from the full image with resize.
func stdlibResize(name string, resize func(img image.Image, w, h int) image.Image) Pipeline {
	return Pipeline{Name: name, Run: func(data []byte, sizes []int, quality int) ([]Thumb, error) {
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		b := img.Bounds()
		out := make([]Thumb, 0, len(sizes))
		for _, s := range sizes {
			w, h := Fit(b.Dx(), b.Dy(), s)
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, resize(img, w, h), &jpeg.Options{Quality: quality}); err != nil {
				return nil, fmt.Errorf("encoding: %w", err)
			}
			out = append(out, Thumb{w, h, buf.Bytes()})
		}
		return out, nil
	}}
}

// NfntLanczos3 is the baseline, "nfnt": stdlib decode, nfnt/resize
// Lanczos3 from the full image for each size, stdlib encode.
func NfntLanczos3() Pipeline {
	return stdlibResize("nfnt", func(img image.Image, w, h int) image.Image {
		return resize.Resize(uint(w), uint(h), img, resize.Lanczos3)
	})
}

// GoPipelines are the in-process Go pipelines: ours and the baseline.
func GoPipelines() []Pipeline {
	return []Pipeline{Imgpipe(), NfntLanczos3()}
}
