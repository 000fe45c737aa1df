// Command gensamples writes the sample images of `make run` into
// samples/images (run from the repository root: go run ./local/cmd/gensamples). Outputs
// are deterministic and committed; see samples/LICENSE.md for origins.
//
// Real photos come from BSD-licensed test data: Go's own
// image/testdata/video-001.* (GOROOT) and golang.org/x/image's
// testdata/yellow_rose.lossy.webp (module cache, version from go.mod).
// The synthetic files (transparent PNG, EXIF-rotated JPEG, the broken
// ones) are drawn here.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/image/webp"
)

func main() {
	out := flag.String("out", "samples/images", "directory to write the samples to")
	flag.Parse()
	if err := run(*out); err != nil {
		log.Fatal(err)
	}
}

func run(out string) error {
	goroot, err := goEnv("GOROOT")
	if err != nil {
		return err
	}
	ximage, err := goList("golang.org/x/image")
	if err != nil {
		return err
	}
	goData := filepath.Join(goroot, "src", "image", "testdata")
	roseWebP, err := os.ReadFile(filepath.Join(ximage, "testdata", "yellow_rose.lossy.webp"))
	if err != nil {
		return fmt.Errorf("read the x/image rose: %w", err)
	}
	rose, err := webp.Decode(bytes.NewReader(roseWebP))
	if err != nil {
		return fmt.Errorf("decode the x/image rose: %w", err)
	}
	roseJPEG, err := encodeJPEG(rose, 90)
	if err != nil {
		return err
	}
	video, err := os.ReadFile(filepath.Join(goData, "video-001.jpeg"))
	if err != nil {
		return fmt.Errorf("read Go's video-001.jpeg: %w", err)
	}
	gif, err := os.ReadFile(filepath.Join(goData, "video-001.gif"))
	if err != nil {
		return fmt.Errorf("read Go's video-001.gif: %w", err)
	}
	rotated, err := exifRotatedJPEG()
	if err != nil {
		return err
	}
	roseAlphaWebP, err := os.ReadFile(filepath.Join(ximage, "testdata", "yellow_rose.lossy-with-alpha.webp"))
	if err != nil {
		return fmt.Errorf("read the x/image rose with alpha: %w", err)
	}
	roseAlpha, err := webp.Decode(bytes.NewReader(roseAlphaWebP))
	if err != nil {
		return fmt.Errorf("decode the x/image rose with alpha: %w", err)
	}
	heifFiles, err := heifSamples(uprightScene(), roseAlpha, roseJPEG)
	if err != nil {
		return err
	}
	var transparent bytes.Buffer
	if err := png.Encode(&transparent, badge(480, 320)); err != nil {
		return fmt.Errorf("encode the transparent PNG: %w", err)
	}

	files := map[string][]byte{
		"yellow-rose.jpg":                roseJPEG,
		"yellow-rose.webp":               roseWebP,
		"video-001.gif":                  gif,
		"Café crème – ünïcode name.jpeg": video,
		"transparent-badge.png":          transparent.Bytes(),
		"exif-orientation-6.jpg":         rotated,
		"truncated.jpg":                  roseJPEG[:len(roseJPEG)*2/5],
		"empty.jpg":                      {},
		"not-an-image.jpg":               []byte("This is a text file with a .jpg name: imgpipe sniffs formats from bytes, not names.\n"),
	}
	for name, data := range heifFiles {
		files[name] = data
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		if len(data) > 200<<10 {
			return fmt.Errorf("%s is %d bytes: samples must stay under 200 KB", name, len(data))
		}
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
		fmt.Printf("%-34s %7d bytes\n", name, len(data))
	}
	return nil
}

func goEnv(name string) (string, error) {
	b, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func goList(mod string) (string, error) {
	b, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod).Output()
	if err != nil {
		return "", fmt.Errorf("find module %s (go mod download %s): %w", mod, mod, err)
	}
	dir := strings.TrimSpace(string(b))
	if dir == "" {
		return "", errors.New("module " + mod + " is not downloaded: run go mod download " + mod)
	}
	return dir, nil
}

func encodeJPEG(img image.Image, q int) ([]byte, error) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		return nil, fmt.Errorf("encode JPEG: %w", err)
	}
	return b.Bytes(), nil
}

// badge is a w×h RGBA image: a fully transparent background, a
// half-transparent blue disc and an opaque orange bar, so a viewer can see
// what happens to alpha.
func badge(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	cx, cy, r := w/2, h/2, h*2/5
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := x-cx, y-cy
			if dx*dx+dy*dy <= r*r {
				img.SetNRGBA(x, y, color.NRGBA{R: 30, G: 90, B: 220, A: 128 + uint8(127*y/h)})
			}
		}
	}
	draw.Draw(img, image.Rect(w/8, h*3/8, w*7/8, h*5/8), image.NewUniform(color.NRGBA{R: 250, G: 140, B: 20, A: 255}), image.Point{}, draw.Over)
	return img
}

// exifRotatedJPEG draws an upright 360×240 scene that is obviously
// asymmetric (red band at the top, an arrow pointing up, a green block at
// the left), stores its pixels rotated 90° counter-clockwise (240×360) and
// tags the file with EXIF Orientation 6 ("rotate 90° clockwise to view"),
// as a phone held upright writes it. Displayed correctly it is upright.
func exifRotatedJPEG() ([]byte, error) {
	up := uprightScene()
	w, h := up.Bounds().Dx(), up.Bounds().Dy()
	// Stored = upright rotated 90° counter-clockwise: stored(x, y) = up(w-1-y, x).
	stored := image.NewRGBA(image.Rect(0, 0, h, w))
	for y := 0; y < w; y++ {
		for x := 0; x < h; x++ {
			stored.Set(x, y, up.At(w-1-y, x))
		}
	}
	plain, err := encodeJPEG(stored, 90)
	if err != nil {
		return nil, err
	}
	return withExif(plain, exifSegment(6, "imgpipe", "gensamples", "2026:11:28 12:00:00")), nil
}

// uprightScene is the asymmetric 360×240 picture of the orientation
// samples: red band at the top, green block at the left, arrow pointing up.
func uprightScene() *image.RGBA {
	const w, h = 360, 240
	up := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(up, up.Bounds(), image.NewUniform(color.RGBA{235, 235, 225, 255}), image.Point{}, draw.Src)
	draw.Draw(up, image.Rect(0, 0, w, 40), image.NewUniform(color.RGBA{210, 30, 30, 255}), image.Point{}, draw.Src)
	draw.Draw(up, image.Rect(0, 40, 60, h), image.NewUniform(color.RGBA{30, 160, 60, 255}), image.Point{}, draw.Src)
	dark := color.RGBA{20, 20, 20, 255}
	// Arrow pointing up: a shaft and a triangular head.
	draw.Draw(up, image.Rect(200, 110, 230, 220), image.NewUniform(dark), image.Point{}, draw.Src)
	for y := 60; y < 110; y++ {
		half := (y - 60) * 4 / 5
		draw.Draw(up, image.Rect(215-half, y, 215+half+1, y+1), image.NewUniform(dark), image.Point{}, draw.Src)
	}
	return up
}

// withExif inserts the APP1 segment right after the JPEG's SOI marker.
func withExif(jpg, app1 []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

// exifSegment builds an APP1 Exif segment (little-endian TIFF) with IFD0
// entries Make, Model, Orientation and an Exif IFD holding
// DateTimeOriginal.
func exifSegment(orientation uint16, make, model, taken string) []byte {
	type entry struct {
		tag, typ uint16
		count    uint32
		data     []byte // ASCII data (NUL-terminated) or nil for inline values
		inline   uint32
	}
	ascii := func(s string) []byte { return append([]byte(s), 0) }
	const (
		typeASCII = 2
		typeShort = 3
		typeLong  = 4
	)
	le := binary.LittleEndian
	ifd0 := []entry{
		{tag: 0x010F, typ: typeASCII, data: ascii(make)},
		{tag: 0x0110, typ: typeASCII, data: ascii(model)},
		{tag: 0x0112, typ: typeShort, count: 1, inline: uint32(orientation)},
		{tag: 0x8769, typ: typeLong, count: 1}, // Exif IFD offset, set below
	}
	exifIFD := []entry{{tag: 0x9003, typ: typeASCII, data: ascii(taken)}}

	ifdLen := func(n int) uint32 { return uint32(2 + 12*n + 4) }
	// Layout: header(8) | IFD0 | IFD0 data | Exif IFD | Exif data.
	off := uint32(8) + ifdLen(len(ifd0))
	var data0 []byte
	for i := range ifd0 {
		if ifd0[i].data != nil {
			ifd0[i].count = uint32(len(ifd0[i].data))
			ifd0[i].inline = off + uint32(len(data0))
			data0 = append(data0, ifd0[i].data...)
		}
	}
	exifOff := off + uint32(len(data0))
	ifd0[3].inline = exifOff
	off = exifOff + ifdLen(len(exifIFD))
	var data1 []byte
	for i := range exifIFD {
		exifIFD[i].count = uint32(len(exifIFD[i].data))
		exifIFD[i].inline = off + uint32(len(data1))
		data1 = append(data1, exifIFD[i].data...)
	}
	writeIFD := func(b *bytes.Buffer, es []entry) {
		_ = binary.Write(b, le, uint16(len(es)))
		for _, e := range es {
			_ = binary.Write(b, le, e.tag)
			_ = binary.Write(b, le, e.typ)
			_ = binary.Write(b, le, e.count)
			if e.typ == typeShort {
				_ = binary.Write(b, le, uint16(e.inline))
				_ = binary.Write(b, le, uint16(0))
			} else {
				_ = binary.Write(b, le, e.inline)
			}
		}
		_ = binary.Write(b, le, uint32(0)) // no next IFD
	}
	var tiff bytes.Buffer
	tiff.WriteString("II")
	_ = binary.Write(&tiff, le, uint16(42))
	_ = binary.Write(&tiff, le, uint32(8))
	writeIFD(&tiff, ifd0)
	tiff.Write(data0)
	writeIFD(&tiff, exifIFD)
	tiff.Write(data1)

	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}
