package imaging

import (
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// quadrant colours of the upright test picture: top-left, top-right,
// bottom-left, bottom-right.
var quadrants = [4]color.RGBA{
	{255, 0, 0, 255},     // red
	{0, 190, 0, 255},     // green
	{0, 0, 255, 255},     // blue
	{255, 255, 255, 255}, // white
}

// storedCoord says which stored pixel is shown at upright (x, y) under EXIF
// orientation o, for a stored image of w×h (see the TIFF/EXIF spec, tag 274).
func storedCoord(o, x, y, w, h int) (int, int) {
	switch o {
	case 2: // mirrored horizontally
		return w - 1 - x, y
	case 3: // rotated 180°
		return w - 1 - x, h - 1 - y
	case 4: // mirrored vertically
		return x, h - 1 - y
	case 5: // mirrored along the top-left/bottom-right diagonal
		return y, x
	case 6: // needs a 90° clockwise turn: the stored top row becomes the right column
		return y, h - 1 - x
	case 7: // mirrored along the other diagonal
		return w - 1 - y, h - 1 - x
	case 8: // needs a 90° counter-clockwise turn: the stored top row becomes the left column
		return w - 1 - y, x
	}
	return x, y
}

// storedFor builds the stored image that displays as the upright quadrant
// picture of uw×uh under orientation o.
func storedFor(o, uw, uh int) *image.RGBA {
	w, h := uw, uh
	if o >= 5 {
		w, h = uh, uw
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range uh {
		for x := range uw {
			q := 0
			if x >= uw/2 {
				q++
			}
			if y >= uh/2 {
				q += 2
			}
			sx, sy := storedCoord(o, x, y, w, h)
			img.SetRGBA(sx, sy, quadrants[q])
		}
	}
	return img
}

func TestOrientationPixelsUpright(t *testing.T) {
	const uw, uh = 256, 128
	for o := 1; o <= 8; o++ {
		for _, size := range []int{1024, 64} { // without and with resizing
			for _, big := range []bool{false, true} {
				t.Run(fmt.Sprintf("orientation%d/size%d/bigEndian=%v", o, size, big), func(t *testing.T) {
					jpg := withAPP1(encodeTestJPEG(t, storedFor(o, uw, uh), 95), buildExif(exifFields{bigEndian: big, orientation: uint16(o)}))
					res, err := newTestProcessor(t, size).Process(context.Background(), jpg)
					require.NoError(t, err)
					assert.Equal(t, Orientation(o), res.Orientation)
					assert.Equal(t, [2]int{uw, uh}, [2]int{res.Width, res.Height}, "upright dimensions of the original")
					th := res.Thumbnails[0]
					wantW, wantH := fit(uw, uh, size)
					require.Equal(t, [2]int{wantW, wantH}, [2]int{th.Width, th.Height})
					img := decodeJPEGBytes(t, th.JPEG)
					require.Equal(t, image.Rect(0, 0, wantW, wantH), img.Bounds())
					for q, want := range quadrants {
						x, y := wantW/4+(q%2)*wantW/2, wantH/4+(q/2)*wantH/2
						got := rgbOf(img.At(x, y))
						for c, w := range []uint8{want.R, want.G, want.B} {
							assert.InDelta(t, float64(w), got[c], 40, "quadrant %d at (%d,%d): got %v want %v", q, x, y, got, want)
						}
					}
				})
			}
		}
	}
}

func TestOrientPlaneMatchesMapping(t *testing.T) {
	const w, h = 5, 3
	src := plane{pix: make([]byte, w*h), w: w, h: h, stride: w}
	for i := range src.pix {
		src.pix[i] = byte(i)
	}
	for o := 1; o <= 8; o++ {
		var owner planes
		got := orientPlane(src, Orientation(o), &owner)
		dw, dh := w, h
		if o >= 5 {
			dw, dh = h, w
		}
		require.Equal(t, [2]int{dw, dh}, [2]int{got.w, got.h}, "orientation %d", o)
		for y := range dh {
			for x := range dw {
				sx, sy := storedCoord(o, x, y, w, h)
				assert.Equal(t, src.pix[sy*w+sx], got.pix[y*got.stride+x], "orientation %d at (%d,%d)", o, x, y)
			}
		}
		owner.release()
	}
}

// rgbTIFF writes an uncompressed 8-bit RGB TIFF with an Orientation tag in
// its IFD0 (x/image/tiff's encoder writes none).
func rgbTIFF(img *image.RGBA, orientation uint16) []byte {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	le := binary.LittleEndian
	const entries = 11
	ifdSize := 2 + entries*12 + 4
	bpsAt := 8 + ifdSize
	pixAt := bpsAt + 6
	out := le.AppendUint32([]byte("II*\x00"), 8)
	out = le.AppendUint16(out, entries)
	entry := func(tag, typ uint16, count, value uint32) {
		out = le.AppendUint16(out, tag)
		out = le.AppendUint16(out, typ)
		out = le.AppendUint32(out, count)
		if typ == 3 && count == 1 {
			out = le.AppendUint16(out, uint16(value))
			out = le.AppendUint16(out, 0)
			return
		}
		out = le.AppendUint32(out, value)
	}
	entry(256, 4, 1, uint32(w))           // ImageWidth
	entry(257, 4, 1, uint32(h))           // ImageLength
	entry(258, 3, 3, uint32(bpsAt))       // BitsPerSample 8,8,8
	entry(259, 3, 1, 1)                   // Compression: none
	entry(262, 3, 1, 2)                   // Photometric: RGB
	entry(273, 4, 1, uint32(pixAt))       // StripOffsets
	entry(274, 3, 1, uint32(orientation)) // Orientation
	entry(277, 3, 1, 3)                   // SamplesPerPixel
	entry(278, 4, 1, uint32(h))           // RowsPerStrip
	entry(279, 4, 1, uint32(w*h*3))       // StripByteCounts
	entry(284, 3, 1, 1)                   // PlanarConfiguration: chunky
	out = le.AppendUint32(out, 0)         // no next IFD
	out = append(out, 8, 0, 8, 0, 8, 0)   // BitsPerSample values
	for y := range h {
		for x := range w {
			c := img.RGBAAt(x, y)
			out = append(out, c.R, c.G, c.B)
		}
	}
	return out
}

func TestTIFFOrientation(t *testing.T) {
	const uw, uh = 64, 32
	for _, o := range []int{1, 3, 6, 8} {
		t.Run(fmt.Sprintf("orientation%d", o), func(t *testing.T) {
			res, err := newTestProcessor(t, 1024).Process(context.Background(), rgbTIFF(storedFor(o, uw, uh), uint16(o)))
			require.NoError(t, err)
			assert.Equal(t, FormatTIFF, res.Format)
			assert.Equal(t, Orientation(o), res.Orientation)
			assert.Equal(t, [2]int{uw, uh}, [2]int{res.Width, res.Height})
			img := decodeJPEGBytes(t, res.Thumbnails[0].JPEG)
			for q, want := range quadrants {
				got := rgbOf(img.At(uw/4+(q%2)*uw/2, uh/4+(q/2)*uh/2))
				for c, w := range []uint8{want.R, want.G, want.B} {
					assert.InDelta(t, float64(w), got[c], 40, "quadrant %d: got %v want %v", q, got, want)
				}
			}
		})
	}
}
