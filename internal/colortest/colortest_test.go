package colortest

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The 34 reference pairs of Sharma, Wu and Dalal, "The CIEDE2000
// color-difference formula: implementation notes, supplementary test data,
// and mathematical observations" (2005), Table 1, with their ΔE00.
var sharma = []struct {
	c1, c2 Lab
	de     float64
}{
	{Lab{50, 2.6772, -79.7751}, Lab{50, 0, -82.7485}, 2.0425},
	{Lab{50, 3.1571, -77.2803}, Lab{50, 0, -82.7485}, 2.8615},
	{Lab{50, 2.8361, -74.0200}, Lab{50, 0, -82.7485}, 3.4412},
	{Lab{50, -1.3802, -84.2814}, Lab{50, 0, -82.7485}, 1.0000},
	{Lab{50, -1.1848, -84.8006}, Lab{50, 0, -82.7485}, 1.0000},
	{Lab{50, -0.9009, -85.5211}, Lab{50, 0, -82.7485}, 1.0000},
	{Lab{50, 0, 0}, Lab{50, -1, 2}, 2.3669},
	{Lab{50, -1, 2}, Lab{50, 0, 0}, 2.3669},
	{Lab{50, 2.4900, -0.0010}, Lab{50, -2.4900, 0.0009}, 7.1792},
	{Lab{50, 2.4900, -0.0010}, Lab{50, -2.4900, 0.0010}, 7.1792},
	{Lab{50, 2.4900, -0.0010}, Lab{50, -2.4900, 0.0011}, 7.2195},
	{Lab{50, 2.4900, -0.0010}, Lab{50, -2.4900, 0.0012}, 7.2195},
	{Lab{50, -0.0010, 2.4900}, Lab{50, 0.0009, -2.4900}, 4.8045},
	{Lab{50, -0.0010, 2.4900}, Lab{50, 0.0010, -2.4900}, 4.8045},
	{Lab{50, -0.0010, 2.4900}, Lab{50, 0.0011, -2.4900}, 4.7461},
	{Lab{50, 2.5, 0}, Lab{50, 0, -2.5}, 4.3065},
	{Lab{50, 2.5, 0}, Lab{73, 25, -18}, 27.1492},
	{Lab{50, 2.5, 0}, Lab{61, -5, 29}, 22.8977},
	{Lab{50, 2.5, 0}, Lab{56, -27, -3}, 31.9030},
	{Lab{50, 2.5, 0}, Lab{58, 24, 15}, 19.4535},
	{Lab{50, 2.5, 0}, Lab{50, 3.1736, 0.5854}, 1.0000},
	{Lab{50, 2.5, 0}, Lab{50, 3.2972, 0}, 1.0000},
	{Lab{50, 2.5, 0}, Lab{50, 1.8634, 0.5757}, 1.0000},
	{Lab{50, 2.5, 0}, Lab{50, 3.2592, 0.3350}, 1.0000},
	{Lab{60.2574, -34.0099, 36.2677}, Lab{60.4626, -34.1751, 39.4387}, 1.2644},
	{Lab{63.0109, -31.0961, -5.8663}, Lab{62.8187, -29.7946, -4.0864}, 1.2630},
	{Lab{61.2901, 3.7196, -5.3901}, Lab{61.4292, 2.2480, -4.9620}, 1.8731},
	{Lab{35.0831, -44.1164, 3.7933}, Lab{35.0232, -40.0716, 1.5901}, 1.8645},
	{Lab{22.7233, 20.0904, -46.6940}, Lab{23.0331, 14.9730, -42.5619}, 2.0373},
	{Lab{36.4612, 47.8580, 18.3852}, Lab{36.2715, 50.5065, 21.2231}, 1.4146},
	{Lab{90.8027, -2.0831, 1.4410}, Lab{91.1528, -1.6435, 0.0447}, 1.4441},
	{Lab{90.9257, -0.5406, -0.9208}, Lab{88.6381, -0.8985, -0.7239}, 1.5381},
	{Lab{6.7747, -0.2908, -2.4247}, Lab{5.8714, -0.0985, -2.2286}, 0.6377},
	{Lab{2.0776, 0.0795, -1.1350}, Lab{0.9033, -0.0636, -0.5514}, 0.9082},
}

func TestDeltaE2000Sharma(t *testing.T) {
	for i, p := range sharma {
		assert.InDelta(t, p.de, DeltaE2000(p.c1, p.c2), 0.00005, "pair %d", i+1)
		assert.InDelta(t, p.de, DeltaE2000(p.c2, p.c1), 0.00005, "pair %d reversed", i+1)
	}
}

func TestSRGBToLab(t *testing.T) {
	w := SRGBToLab(255, 255, 255)
	assert.InDelta(t, 100, w.L, 0.01)
	assert.InDelta(t, 0, w.A, 0.01)
	assert.InDelta(t, 0, w.B, 0.01)
	k := SRGBToLab(0, 0, 0)
	assert.InDelta(t, 0, k.L, 0.01)
	// sRGB red in CIELAB (D65), as published by colour-science tools.
	r := SRGBToLab(255, 0, 0)
	assert.InDelta(t, 53.24, r.L, 0.02)
	assert.InDelta(t, 80.09, r.A, 0.05)
	assert.InDelta(t, 67.20, r.B, 0.05)
}

func TestCompare(t *testing.T) {
	a := image.NewRGBA(image.Rect(0, 0, 2, 1))
	b := image.NewRGBA(image.Rect(0, 0, 2, 1))
	a.Set(0, 0, color.RGBA{100, 100, 100, 255})
	a.Set(1, 0, color.RGBA{200, 50, 20, 255})
	b.Set(0, 0, color.RGBA{100, 100, 100, 255})
	b.Set(1, 0, color.RGBA{210, 50, 20, 255})
	s, err := Compare(a, b)
	require.NoError(t, err)
	de := DeltaE2000(SRGBToLab(200, 50, 20), SRGBToLab(210, 50, 20))
	assert.InDelta(t, de/2, s.MeanDE, 1e-9)
	assert.InDelta(t, de, s.MaxDE, 1e-9)
	assert.Equal(t, [3]float64{5, 0, 0}, s.MeanDiff)
	_, err = Compare(a, image.NewRGBA(image.Rect(0, 0, 1, 1)))
	assert.Error(t, err)
}
