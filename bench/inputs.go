// Package bench is the side-by-side thumbnail benchmark behind `make bench`:
// the project's imaging pipeline against sharp (Node, warm and in-process),
// libvips' vipsthumbnail and a stdlib+nfnt/resize baseline, on one core and
// on all, on real photographs taken from Debian packages at bench time.
package bench

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
)

// Input is one benchmark image.
type Input struct {
	Name string // short label for the table
	What string // description
	Path string
}

// Debian package paths (relative to the extraction root) of the inputs.
const (
	ElephantsPath = "usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg"
	PathPath      = "usr/share/wallpapers/Path/contents/images/2560x1600.jpg"
	PatakPath     = "usr/share/wallpapers/Patak/contents/images/5120x2880.png"
	// PhoneName is the 12 MP stand-in for a phone JPEG, made from Elephants.
	PhoneName = "phone-12mp.jpg"
)

// Inputs returns the four benchmark inputs under dir (where the Debian
// packages were extracted into dir/root), making the 12 MP crop if absent.
func Inputs(dir string) ([]Input, error) {
	root := filepath.Join(dir, "root")
	ins := []Input{
		{"12MP baseline JPEG", "4032x3024 centre crop of Elephants, baseline 4:2:0 q90 (Go encoder)", filepath.Join(dir, PhoneName)},
		{"18MP progressive JPEG", "Elephants 5640x3172 progressive (mate-backgrounds)", filepath.Join(root, ElephantsPath)},
		{"4MP JPEG", "Path 2560x1600 (plasma-workspace-wallpapers)", filepath.Join(root, PathPath)},
		{"15MP PNG", "Patak 5120x2880 RGBA (plasma-workspace-wallpapers)", filepath.Join(root, PatakPath)},
	}
	for _, in := range ins[1:] {
		if _, err := os.Stat(in.Path); err != nil {
			return nil, fmt.Errorf("bench input %s: %w (run `make bench-images`)", in.Name, err)
		}
	}
	if _, err := os.Stat(ins[0].Path); err != nil {
		if err := MakePhoneCrop(ins[1].Path, ins[0].Path); err != nil {
			return nil, err
		}
	}
	return ins, nil
}

// MakePhoneCrop writes the 4032x3024 centre crop of the JPEG at src to dst,
// baseline 4:2:0 at quality 90 with Go's encoder.
func MakePhoneCrop(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("decoding %s: %w", src, err)
	}
	const w, h = 4032, 3024
	b := img.Bounds()
	if b.Dx() < w || b.Dy() < h {
		return fmt.Errorf("%s is %dx%d, smaller than the %dx%d crop", src, b.Dx(), b.Dy(), w, h)
	}
	x0, y0 := b.Min.X+(b.Dx()-w)/2, b.Min.Y+(b.Dy()-h)/2
	sub := img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(x0, y0, x0+w, y0+h))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, sub, &jpeg.Options{Quality: 90}); err != nil {
		return err
	}
	return os.WriteFile(dst, buf.Bytes(), 0o644)
}
