package main

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/imgpipe/imgpipe/internal/heiftest"
	"github.com/imgpipe/imgpipe/internal/reftools"
	"github.com/imgpipe/imgpipe/lambda/imaging/heif"
	"github.com/imgpipe/imgpipe/lambda/imaging/icc"
)

// heifSamples makes the samples only Debian's reference encoders can write
// (Go has no HEVC or AV1 encoder, lcms2 converts colours): make samples
// installs them and sets IMGPIPE_REFTOOLS. Single-threaded encoders with
// fixed settings give the same bytes on every run.
//
//   - heif-grid-irot.heic: the EXIF sample's upright scene stored rotated
//     90° counter-clockwise, as a 2×2 grid of 128×184 HEVC tiles that
//     overhang the 240×360 output (as iPhones tile), with irot 3 (turn
//     90° clockwise to view) and an Exif item saying Orientation 6, which
//     HEIF readers must not apply on top: upright it is 360×240.
//   - yellow-rose-alpha-10bit.avif: the rose with its alpha, 10-bit AV1.
//   - yellow-rose-display-p3.jpg: the rose converted by lcms2 into Display
//     P3 with the profile embedded (a wide-gamut JPEG: its thumbnails must
//     look like the sRGB rose).
//   - truncated.heic: the first half of the HEIC (expected: FAILED, corrupt).
func heifSamples(upright image.Image, roseAlpha image.Image, roseJPEG []byte) (map[string][]byte, error) {
	dir := os.Getenv(reftools.EnvVar)
	if dir == "" {
		return nil, fmt.Errorf("%s is unset: the HEIC, AVIF and Display P3 samples need the reference tools (run make samples, which installs them)", reftools.EnvVar)
	}
	tmp, err := os.MkdirTemp("", "gensamples")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }() // a temporary folder; nothing to report
	tool := func(name string, args ...string) error {
		cmd := exec.Command(filepath.Join(dir, "bin", name), args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %v: %w\n%s", name, args, err, out)
		}
		return nil
	}
	writePNG := func(name string, img image.Image) (string, error) {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			return "", err
		}
		p := filepath.Join(tmp, name)
		return p, os.WriteFile(p, b.Bytes(), 0o644)
	}

	// The grid: stored = upright turned 90° counter-clockwise.
	ub := upright.Bounds()
	w, h := ub.Dy(), ub.Dx() // stored size 240×360
	stored := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			stored.Set(x, y, upright.At(ub.Min.X+ub.Dx()-1-y, ub.Min.Y+x))
		}
	}
	const tw, th = 128, 184
	var tiles []heif.Tile
	for i := range 4 {
		tile := image.NewRGBA(image.Rect(0, 0, tw, th))
		draw.Draw(tile, tile.Bounds(), stored, image.Pt(i%2*tw, i/2*th), draw.Src) // the overhang stays black
		in, err := writePNG(fmt.Sprintf("tile%d.png", i), tile)
		if err != nil {
			return nil, err
		}
		out := filepath.Join(tmp, fmt.Sprintf("tile%d.heic", i))
		if err := tool("heif-enc", "-q", "85", "-o", out, in); err != nil {
			return nil, err
		}
		t, err := codedPicture(out)
		if err != nil {
			return nil, err
		}
		tiles = append(tiles, t)
	}
	exif := exifSegment(6, "imgpipe", "gensamples HEIC", "2026:11:28 12:00:00")[4+6:] // the TIFF structure
	grid := heiftest.Grid(tiles, 2, 2, w, h, heiftest.Irot(3)).WithExif(exif).Bytes()

	in, err := writePNG("rose-alpha.png", roseAlpha)
	if err != nil {
		return nil, err
	}
	avifPath := filepath.Join(tmp, "rose.avif")
	if err := tool("avifenc", "-j", "1", "-s", "6", "-d", "10", "--min", "20", "--max", "30", in, avifPath); err != nil {
		return nil, err
	}
	avif, err := os.ReadFile(avifPath)
	if err != nil {
		return nil, err
	}

	p3, err := icc.EncodeMatrixTRC("Display P3", icc.PrimariesDisplayP3, icc.CurveSRGB)
	if err != nil {
		return nil, err
	}
	p3Path, srcPath, outPath := filepath.Join(tmp, "p3.icc"), filepath.Join(tmp, "rose.jpg"), filepath.Join(tmp, "rose-p3.jpg")
	if err := os.WriteFile(p3Path, p3, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(srcPath, roseJPEG, 0o644); err != nil {
		return nil, err
	}
	if err := tool("jpgicc", "-t1", "-q90", "-e", "-o"+p3Path, srcPath, outPath); err != nil {
		return nil, err
	}
	wide, err := os.ReadFile(outPath)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		"heif-grid-irot.heic":          grid,
		"yellow-rose-alpha-10bit.avif": avif,
		"yellow-rose-display-p3.jpg":   wide,
		"truncated.heic":               grid[:len(grid)/2],
	}, nil
}

// codedPicture is the single coded picture of a reference encoder's file.
func codedPicture(path string) (heif.Tile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return heif.Tile{}, err
	}
	f, err := heif.Parse(b)
	if err != nil {
		return heif.Tile{}, fmt.Errorf("%s: %w", path, err)
	}
	im, err := f.Primary()
	if err != nil {
		return heif.Tile{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(im.Tiles) != 1 {
		return heif.Tile{}, fmt.Errorf("%s: expected one coded picture, found %d", path, len(im.Tiles))
	}
	return im.Tiles[0], nil
}
