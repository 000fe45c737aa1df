package bench

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"

	"github.com/nfnt/resize"
)

// Reference is the quality yardstick: the fully decoded image
// (transparency over white) resized with Lanczos3, at each thumbnail's
// dimensions.
type Reference struct {
	full  *image.RGBA
	cache map[image.Point]*image.RGBA
}

// NewReference decodes data fully with the standard library.
func NewReference(data []byte) (*Reference, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("reference decode: %w", err)
	}
	b := img.Bounds()
	full := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(full, full.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(full, full.Bounds(), img, b.Min, draw.Over)
	return &Reference{full: full, cache: map[image.Point]*image.RGBA{}}, nil
}

func (r *Reference) at(w, h int) *image.RGBA {
	k := image.Pt(w, h)
	if m, ok := r.cache[k]; ok {
		return m
	}
	m := toRGBA(resize.Resize(uint(w), uint(h), r.full, resize.Lanczos3))
	r.cache[k] = m
	return m
}

// PSNR decodes a JPEG thumbnail and returns its luma PSNR in dB against
// the reference at the thumbnail's dimensions.
func (r *Reference) PSNR(thumb []byte) (float64, error) {
	img, err := jpeg.Decode(bytes.NewReader(thumb))
	if err != nil {
		return 0, fmt.Errorf("decoding a thumbnail: %w", err)
	}
	b := img.Bounds()
	return LumaPSNR(toRGBA(img), r.at(b.Dx(), b.Dy())), nil
}

func toRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok && m.Bounds().Min == (image.Point{}) {
		return m
	}
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Bounds(), img, b.Min, draw.Src)
	return m
}

// LumaPSNR is the peak signal-to-noise ratio of a against b in luma
// (Rec. 601 weights, as JPEG's Y), where resampling quality shows and
// chroma subsampling does not; +Inf when equal. Same size required.
func LumaPSNR(a, b *image.RGBA) float64 {
	var se float64
	n := 0
	for y := 0; y < a.Rect.Dy(); y++ {
		ra := a.Pix[y*a.Stride : y*a.Stride+4*a.Rect.Dx()]
		rb := b.Pix[y*b.Stride : y*b.Stride+4*b.Rect.Dx()]
		for i := 0; i < len(ra); i += 4 {
			ya := 0.299*float64(ra[i]) + 0.587*float64(ra[i+1]) + 0.114*float64(ra[i+2])
			yb := 0.299*float64(rb[i]) + 0.587*float64(rb[i+1]) + 0.114*float64(rb[i+2])
			se += (ya - yb) * (ya - yb)
			n++
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(n)/se)
}

// Score is one thumbnail's quality against the reference.
type Score struct {
	W, H int
	SSIM float64 // luma SSIM, see SSIM
	PSNR float64 // luma PSNR in dB, see LumaPSNR
}

// Score decodes a JPEG thumbnail and measures it against the reference at
// the thumbnail's dimensions.
func (r *Reference) Score(thumb []byte) (Score, error) {
	img, err := jpeg.Decode(bytes.NewReader(thumb))
	if err != nil {
		return Score{}, fmt.Errorf("decoding a thumbnail: %w", err)
	}
	return r.ScoreImage(img)
}

// ScoreImage measures a decoded thumbnail (of any format) against the
// reference at its dimensions.
func (r *Reference) ScoreImage(img image.Image) (Score, error) {
	b := img.Bounds()
	got, want := toRGBA(img), r.at(b.Dx(), b.Dy())
	s, err := SSIM(got, want)
	if err != nil {
		return Score{}, err
	}
	return Score{W: b.Dx(), H: b.Dy(), SSIM: s, PSNR: LumaPSNR(got, want)}, nil
}
