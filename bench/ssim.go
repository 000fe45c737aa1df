package bench

import (
	"fmt"
	"image"
	"math"
)

// SSIM parameters of Wang, Bovik, Sheikh and Simoncelli, "Image quality
// assessment: from error visibility to structural similarity" (IEEE TIP,
// 2004): an 11-tap Gaussian window with σ = 1.5, K1 = 0.01, K2 = 0.03 and
// a dynamic range L of 255.
const (
	ssimTaps  = 11
	ssimSigma = 1.5
	ssimC1    = (0.01 * 255) * (0.01 * 255)
	ssimC2    = (0.03 * 255) * (0.03 * 255)
)

// lumaOf is the Rec. 601 luma (JPEG's Y) of every pixel of m, row-major.
func lumaOf(m *image.RGBA) []float64 {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	out := make([]float64, w*h)
	for y := range h {
		row := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for x := range w {
			p := row[4*x : 4*x+3]
			out[y*w+x] = 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
		}
	}
	return out
}

// gaussianWindow is the normalised 1-D SSIM window.
func gaussianWindow() []float64 {
	g := make([]float64, ssimTaps)
	sum := 0.0
	for i := range g {
		d := float64(i - ssimTaps/2)
		g[i] = math.Exp(-d * d / (2 * ssimSigma * ssimSigma))
		sum += g[i]
	}
	for i := range g {
		g[i] /= sum
	}
	return g
}

// filterValid convolves the w×h image v with the separable window g in
// both directions, keeping only the positions where the window lies wholly
// inside (MATLAB's filter2 'valid', as in the paper's reference code).
func filterValid(v []float64, w, h int, g []float64) []float64 {
	n := len(g)
	ow, oh := w-n+1, h-n+1
	tmp := make([]float64, ow*h)
	for y := range h {
		row := v[y*w : y*w+w]
		for x := range ow {
			s := 0.0
			for k, c := range g {
				s += c * row[x+k]
			}
			tmp[y*ow+x] = s
		}
	}
	out := make([]float64, ow*oh)
	for y := range oh {
		for k, c := range g {
			src := tmp[(y+k)*ow : (y+k)*ow+ow]
			dst := out[y*ow : y*ow+ow]
			for x, s := range src {
				dst[x] += c * s
			}
		}
	}
	return out
}

// SSIM is the mean structural similarity of the luma of a and b (same
// size, at least 11 pixels each way): 1 for identical images, lower as
// structure, contrast or brightness drift apart.
func SSIM(a, b *image.RGBA) (float64, error) {
	w, h := a.Rect.Dx(), a.Rect.Dy()
	if b.Rect.Dx() != w || b.Rect.Dy() != h {
		return 0, fmt.Errorf("ssim: %dx%d against %dx%d: sizes differ", w, h, b.Rect.Dx(), b.Rect.Dy())
	}
	if w < ssimTaps || h < ssimTaps {
		return 0, fmt.Errorf("ssim: %dx%d is smaller than the %d-pixel window", w, h, ssimTaps)
	}
	ya, yb := lumaOf(a), lumaOf(b)
	aa, bb, ab := make([]float64, w*h), make([]float64, w*h), make([]float64, w*h)
	for i := range ya {
		aa[i], bb[i], ab[i] = ya[i]*ya[i], yb[i]*yb[i], ya[i]*yb[i]
	}
	g := gaussianWindow()
	ma, mb := filterValid(ya, w, h, g), filterValid(yb, w, h, g)
	saa, sbb, sab := filterValid(aa, w, h, g), filterValid(bb, w, h, g), filterValid(ab, w, h, g)
	sum := 0.0
	for i := range ma {
		mab := ma[i] * mb[i]
		ma2, mb2 := ma[i]*ma[i], mb[i]*mb[i]
		num := (2*mab + ssimC1) * (2*(sab[i]-mab) + ssimC2)
		den := (ma2 + mb2 + ssimC1) * ((saa[i] - ma2) + (sbb[i] - mb2) + ssimC2)
		sum += num / den
	}
	return sum / float64(len(ma)), nil
}
