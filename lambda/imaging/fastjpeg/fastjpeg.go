// Package fastjpeg is a pure-Go JPEG decoder that can decode straight to
// 1/2, 1/4 or 1/8 scale in the DCT domain, which is what a thumbnailer
// needs: a scale-8 decode touches only the DC coefficients, and for
// progressive files it skips the AC scans entirely.
//
// It decodes baseline and progressive Huffman-coded 8-bit JPEGs with 1, 3
// or 4 components (Gray, YCbCr with 4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1 or
// 4:1:0 subsampling, CMYK and YCCK with the Adobe marker) and restart
// markers. Anything else (arithmetic coding, 12-bit, lossless,
// hierarchical, RGB, DNL) returns an error wrapping ErrUnsupported so that
// callers can fall back to image/jpeg. Corrupt or truncated data returns
// an error wrapping ErrCorrupt. It never panics on hostile input, and what
// it allocates is bounded by the size of the input.
package fastjpeg

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
)

// ErrUnsupported marks a valid JPEG variant this decoder does not handle.
var ErrUnsupported = errors.New("fastjpeg: unsupported JPEG")

// ErrCorrupt marks invalid or truncated JPEG data.
var ErrCorrupt = errors.New("fastjpeg: corrupt JPEG")

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// truncated is a corrupt error that also wraps io.ErrUnexpectedEOF: the
// data ends before the image does.
func truncated(format string, args ...any) error {
	return fmt.Errorf("%w: "+format+": %w", append(append([]any{ErrCorrupt}, args...), io.ErrUnexpectedEOF)...)
}

// Scales are the DCT-domain scale factors Decode accepts.
var Scales = [...]int{1, 2, 4, 8}

// DecodeConfig returns the colour model and dimensions of a JPEG without
// decoding its image data.
func DecodeConfig(data []byte) (image.Config, error) {
	d := decoder{data: data, scale: 1}
	if err := d.run(true); err != nil {
		return image.Config{}, err
	}
	var m color.Model
	switch d.ncomp {
	case 1:
		m = color.GrayModel
	case 3:
		m = color.YCbCrModel
	default:
		m = color.CMYKModel
	}
	return image.Config{ColorModel: m, Width: d.width, Height: d.height}, nil
}

// Decode decodes a JPEG at 1/scale of its size: the result is
// ceil(w/scale) x ceil(h/scale). scale is 1, 2, 4 or 8. The result is an
// *image.YCbCr, *image.Gray or *image.CMYK, like image/jpeg's. A file with
// more than MaxScans scans is corrupt, whatever its variant: Decode checks
// that before anything else, so a caller that falls back to image/jpeg on
// ErrUnsupported is bounded too.
func Decode(data []byte, scale int) (image.Image, error) {
	switch scale {
	case 1, 2, 4, 8:
	default:
		return nil, fmt.Errorf("fastjpeg: scale %d is not one of 1, 2, 4, 8", scale)
	}
	if err := checkScans(data); err != nil {
		return nil, err
	}
	d := decoder{data: data, scale: scale}
	if err := d.run(false); err != nil {
		return nil, err
	}
	return d.image()
}

// ScaleFor returns the largest scale (8, 4, 2 or 1) at which a w x h image
// still has a longest edge of at least target pixels, so that resizing the
// scaled decode down to target loses no quality.
func ScaleFor(w, h, target int) int {
	long := max(w, h)
	for _, s := range []int{8, 4, 2} {
		if (long+s-1)/s >= target {
			return s
		}
	}
	return 1
}
