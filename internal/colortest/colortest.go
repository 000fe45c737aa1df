// Package colortest measures colour differences between images for tests:
// CIEDE2000 (Sharma, Wu and Dalal, 2005) between the CIELAB values of two
// sRGB images, and their mean colours. It is test support: nothing in the
// Lambda imports it.
package colortest

import (
	"fmt"
	"image"
	"math"
)

// Lab is a CIELAB colour (D65 white, as sRGB's).
type Lab struct{ L, A, B float64 }

// DeltaE2000 is the CIEDE2000 colour difference with kL = kC = kH = 1.
func DeltaE2000(c1, c2 Lab) float64 {
	rad := math.Pi / 180
	cab1, cab2 := math.Hypot(c1.A, c1.B), math.Hypot(c2.A, c2.B)
	mc := (cab1 + cab2) / 2
	mc7 := math.Pow(mc, 7)
	g := 0.5 * (1 - math.Sqrt(mc7/(mc7+math.Pow(25, 7))))
	a1, a2 := (1+g)*c1.A, (1+g)*c2.A
	cp1, cp2 := math.Hypot(a1, c1.B), math.Hypot(a2, c2.B)
	hue := func(b, a float64) float64 {
		if a == 0 && b == 0 {
			return 0
		}
		h := math.Atan2(b, a) * 180 / math.Pi
		if h < 0 {
			h += 360
		}
		return h
	}
	hp1, hp2 := hue(c1.B, a1), hue(c2.B, a2)
	dL := c2.L - c1.L
	dC := cp2 - cp1
	var dh float64
	switch d := hp2 - hp1; {
	case cp1*cp2 == 0:
		dh = 0
	case math.Abs(d) <= 180:
		dh = d
	case d > 180:
		dh = d - 360
	default:
		dh = d + 360
	}
	dH := 2 * math.Sqrt(cp1*cp2) * math.Sin(dh/2*rad)
	mL := (c1.L + c2.L) / 2
	mC := (cp1 + cp2) / 2
	var mh float64
	switch {
	case cp1*cp2 == 0:
		mh = hp1 + hp2
	case math.Abs(hp1-hp2) <= 180:
		mh = (hp1 + hp2) / 2
	case hp1+hp2 < 360:
		mh = (hp1 + hp2 + 360) / 2
	default:
		mh = (hp1 + hp2 - 360) / 2
	}
	t := 1 - 0.17*math.Cos((mh-30)*rad) + 0.24*math.Cos(2*mh*rad) + 0.32*math.Cos((3*mh+6)*rad) - 0.20*math.Cos((4*mh-63)*rad)
	dTheta := 30 * math.Exp(-((mh-275)/25)*((mh-275)/25))
	mC7 := math.Pow(mC, 7)
	rc := 2 * math.Sqrt(mC7/(mC7+math.Pow(25, 7)))
	l50 := (mL - 50) * (mL - 50)
	sl := 1 + 0.015*l50/math.Sqrt(20+l50)
	sc := 1 + 0.045*mC
	sh := 1 + 0.015*mC*t
	rt := -math.Sin(2*dTheta*rad) * rc
	return math.Sqrt((dL/sl)*(dL/sl) + (dC/sc)*(dC/sc) + (dH/sh)*(dH/sh) + rt*(dC/sc)*(dH/sh))
}

// SRGBToLab converts an 8-bit sRGB colour to CIELAB (D65).
func SRGBToLab(r, g, b uint8) Lab {
	lin := func(v uint8) float64 {
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	R, G, B := lin(r), lin(g), lin(b)
	x := (0.4124564*R + 0.3575761*G + 0.1804375*B) / 0.95047
	y := 0.2126729*R + 0.7151522*G + 0.0721750*B
	z := (0.0193339*R + 0.1191920*G + 0.9503041*B) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	fx, fy, fz := f(x), f(y), f(z)
	return Lab{L: 116*fy - 16, A: 500 * (fx - fy), B: 200 * (fy - fz)}
}

// Stats compares two images of the same size pixel by pixel.
type Stats struct {
	MeanDE, MaxDE float64
	// MeanDiff is the mean colour of the second image minus that of the
	// first, per channel, in 8-bit code values.
	MeanDiff [3]float64
}

// Compare measures ΔE2000 between every pair of pixels of a and b (read
// as 8-bit sRGB) and the difference of their mean colours.
func Compare(a, b image.Image) (Stats, error) {
	ba, bb := a.Bounds(), b.Bounds()
	if ba.Size() != bb.Size() {
		return Stats{}, fmt.Errorf("colortest: images are %v and %v", ba.Size(), bb.Size())
	}
	var s Stats
	var sumA, sumB [3]float64
	n := float64(ba.Dx() * ba.Dy())
	for y := range ba.Dy() {
		for x := range ba.Dx() {
			ca, cb := rgb8(a, ba.Min.X+x, ba.Min.Y+y), rgb8(b, bb.Min.X+x, bb.Min.Y+y)
			d := DeltaE2000(SRGBToLab(ca[0], ca[1], ca[2]), SRGBToLab(cb[0], cb[1], cb[2]))
			s.MeanDE += d / n
			s.MaxDE = max(s.MaxDE, d)
			for c := range 3 {
				sumA[c] += float64(ca[c])
				sumB[c] += float64(cb[c])
			}
		}
	}
	for c := range 3 {
		s.MeanDiff[c] = (sumB[c] - sumA[c]) / n
	}
	return s, nil
}

func rgb8(img image.Image, x, y int) [3]uint8 {
	r, g, b, _ := img.At(x, y).RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

// MeanColor is the mean 8-bit sRGB colour of img.
func MeanColor(img image.Image) [3]float64 {
	var sum [3]float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := rgb8(img, x, y)
			for i := range 3 {
				sum[i] += float64(c[i])
			}
		}
	}
	n := float64(b.Dx() * b.Dy())
	return [3]float64{sum[0] / n, sum[1] / n, sum[2] / n}
}
