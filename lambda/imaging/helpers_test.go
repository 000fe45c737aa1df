package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/nfnt/resize"

	"github.com/stretchr/testify/require"
)

// photoLike draws a deterministic image with what makes photos hard to
// resize: smooth gradients, fine texture of several frequencies, noise and
// hard-edged shapes.
func photoLike(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	tx, ty := make([]float64, w), make([]float64, h)
	for x := range tx {
		tx[x] = 18*math.Sin(float64(x)*0.31) + 9*math.Sin(float64(x)*1.7)
	}
	for y := range ty {
		ty[y] = 18*math.Sin(float64(y)*0.23) + 9*math.Cos(float64(y)*1.3)
	}
	seed := uint32(12345)
	for y := range h {
		fy := float64(y) / float64(h)
		for x := range w {
			fx := float64(x) / float64(w)
			seed = seed*1664525 + 1013904223
			noise := float64(seed>>24)/255*16 - 8
			tex := tx[x]*ty[y]/18 + noise
			r := 40 + 150*fx + tex
			g := 60 + 120*fy + tex
			b := 200 - 120*fx*fy + tex
			// hard edges: a disc and a bar with their own colour
			dx, dy := fx-0.35, fy-0.45
			if dx*dx+dy*dy < 0.04 {
				r, g, b = 230+tex/2, 200+tex/2, 40+tex/2
			}
			if fx > 0.65 && fx < 0.72 {
				r, g, b = 20+tex/2, 30+tex/2, 35+tex/2
			}
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = clampF(r), clampF(g), clampF(b), 255
		}
	}
	return img
}

func clampF(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

func encodeTestJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}))
	return buf.Bytes()
}

// exifFields describes an EXIF block for tests.
type exifFields struct {
	bigEndian        bool
	orientation      uint16 // 0: absent
	make, model      string
	dateTime         string
	dateTimeOriginal string
	offsetOriginal   string
}

// buildExif writes a TIFF-structured EXIF block: IFD0 with Orientation,
// Make, Model, DateTime and a pointer to an Exif IFD holding
// DateTimeOriginal and OffsetTimeOriginal.
func buildExif(f exifFields) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	hdr := []byte("II*\x00")
	if f.bigEndian {
		bo, hdr = binary.BigEndian, []byte("MM\x00*")
	}
	type ent struct {
		tag, typ uint16
		count    uint32
		inline   []byte // ≤ 4 bytes
		data     []byte // > 4 bytes
		ptr      bool   // the value is the Exif IFD offset
	}
	ascii := func(tag uint16, s string) ent {
		b := append([]byte(s), 0)
		if len(b) <= 4 {
			return ent{tag: tag, typ: 2, count: uint32(len(b)), inline: b}
		}
		return ent{tag: tag, typ: 2, count: uint32(len(b)), data: b}
	}
	var ifd0, sub []ent
	if f.orientation != 0 {
		v := bo.AppendUint16(nil, f.orientation)
		ifd0 = append(ifd0, ent{tag: tagOrientation, typ: 3, count: 1, inline: v})
	}
	if f.make != "" {
		ifd0 = append(ifd0, ascii(tagMake, f.make))
	}
	if f.model != "" {
		ifd0 = append(ifd0, ascii(tagModel, f.model))
	}
	if f.dateTime != "" {
		ifd0 = append(ifd0, ascii(tagDateTime, f.dateTime))
	}
	if f.dateTimeOriginal != "" {
		sub = append(sub, ascii(tagDateTimeOriginal, f.dateTimeOriginal))
	}
	if f.offsetOriginal != "" {
		sub = append(sub, ascii(tagOffsetTimeOriginal, f.offsetOriginal))
	}
	if len(sub) > 0 {
		ifd0 = append(ifd0, ent{tag: tagExifIFD, typ: 4, count: 1, ptr: true})
	}
	out := append([]byte{}, hdr...)
	out = bo.AppendUint32(out, 8)
	writeIFD := func(ents []ent, subOffset uint32) {
		start := uint32(len(out))
		dataAt := start + 2 + uint32(len(ents))*12 + 4
		var data []byte
		out = bo.AppendUint16(out, uint16(len(ents)))
		for _, e := range ents {
			out = bo.AppendUint16(out, e.tag)
			out = bo.AppendUint16(out, e.typ)
			out = bo.AppendUint32(out, e.count)
			switch {
			case e.ptr:
				out = bo.AppendUint32(out, subOffset)
			case e.data != nil:
				out = bo.AppendUint32(out, dataAt+uint32(len(data)))
				data = append(data, e.data...)
			default:
				v := make([]byte, 4)
				copy(v, e.inline)
				out = append(out, v...)
			}
		}
		out = bo.AppendUint32(out, 0) // no next IFD
		out = append(out, data...)
	}
	// Exif IFD goes after IFD0 and its data; compute IFD0's size first.
	ifd0Size := 2 + len(ifd0)*12 + 4
	for _, e := range ifd0 {
		ifd0Size += len(e.data)
	}
	writeIFD(ifd0, uint32(8+ifd0Size))
	if len(sub) > 0 {
		writeIFD(sub, 0)
	}
	return out
}

// withAPP1 inserts an APP1 Exif segment right after the SOI of a JPEG.
func withAPP1(jpg, tiff []byte) []byte {
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// rgbOf returns the 8-bit RGB of c.
func rgbOf(c color.Color) [3]float64 {
	r, g, b, _ := c.RGBA()
	return [3]float64{float64(r >> 8), float64(g >> 8), float64(b >> 8)}
}

// psnr is the peak signal-to-noise ratio in dB between two images of the
// same size, over the R, G and B channels.
func psnr(t testing.TB, a, b image.Image) float64 {
	t.Helper()
	require.Equal(t, a.Bounds().Size(), b.Bounds().Size(), "PSNR needs images of the same size")
	var se float64
	ab, bb := a.Bounds(), b.Bounds()
	for y := range ab.Dy() {
		for x := range ab.Dx() {
			ca, cb := rgbOf(a.At(ab.Min.X+x, ab.Min.Y+y)), rgbOf(b.At(bb.Min.X+x, bb.Min.Y+y))
			for c := range 3 {
				d := ca[c] - cb[c]
				se += d * d
			}
		}
	}
	mse := se / float64(3*ab.Dx()*ab.Dy())
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

func decodeJPEGBytes(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	return img
}

const testQuality = 90

func newTestProcessor(t testing.TB, sizes ...int) *Processor {
	t.Helper()
	p, err := New(Options{Sizes: sizes, Quality: testQuality, MaxPixels: 50_000_000})
	require.NoError(t, err)
	return p
}

// overWhite composites img over white, the reference for transparency.
func overWhite(img image.Image) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Over)
	return out
}

// reference is the quality reference of a thumbnail: the fully decoded
// image over white, resized with a plain Lanczos3 (nfnt/resize, test-only).
func reference(img image.Image, w, h int) image.Image {
	return resize.Resize(uint(w), uint(h), overWhite(img), resize.Lanczos3)
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// smoothRGB converts a decoded JPEG to RGB the way libjpeg-turbo and the
// browsers display it: subsampled chroma is interpolated bilinearly between
// sample centres ("fancy upsampling"), not replicated as image.YCbCr.At
// does. Other image types are returned as they are.
func smoothRGB(img image.Image) image.Image {
	m, ok := img.(*image.YCbCr)
	if !ok {
		return img
	}
	sx, sy := subsampling(m.SubsampleRatio)
	b := m.Bounds()
	cw, ch := (b.Max.X+sx-1)/sx, (b.Max.Y+sy-1)/sy
	sample := func(p []byte, fx, fy float64) uint8 {
		fx, fy = math.Max(0, math.Min(fx, float64(cw-1))), math.Max(0, math.Min(fy, float64(ch-1)))
		x0, y0 := int(fx), int(fy)
		x1, y1 := min(x0+1, cw-1), min(y0+1, ch-1)
		ax, ay := fx-float64(x0), fy-float64(y0)
		at := func(x, y int) float64 { return float64(p[y*m.CStride+x]) }
		top := at(x0, y0)*(1-ax) + at(x1, y0)*ax
		bot := at(x0, y1)*(1-ax) + at(x1, y1)*ax
		return uint8(math.Round(top*(1-ay) + bot*ay))
	}
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			fx, fy := (float64(x)+0.5)/float64(sx)-0.5, (float64(y)+0.5)/float64(sy)-0.5
			r, g, bl := color.YCbCrToRGB(m.Y[m.YOffset(x, y)], sample(m.Cb, fx, fy), sample(m.Cr, fx, fy))
			out.SetRGBA(x, y, color.RGBA{r, g, bl, 255})
		}
	}
	return out
}
