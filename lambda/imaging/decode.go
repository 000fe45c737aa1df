package imaging

import (
	"bytes"
	"errors"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging/fastjpeg"
)

// decodeConfig reads the dimensions from the header without decoding pixels.
func decodeConfig(format Format, data []byte) (cfg image.Config, err error) {
	defer recoverAs(&err, format, "header")
	r := bytes.NewReader(data)
	switch format {
	case FormatJPEG:
		cfg, err = jpeg.DecodeConfig(r)
	case FormatPNG:
		cfg, err = png.DecodeConfig(r)
	case FormatGIF:
		cfg, err = gif.DecodeConfig(r)
	case FormatWebP:
		if webpAnimated(data) {
			return cfg, fault.Permanentf(contract.ReasonUnsupportedFormat, "animated WebP is not supported (only still WebP images are)")
		}
		cfg, err = webp.DecodeConfig(r)
	case FormatBMP:
		cfg, err = bmp.DecodeConfig(r)
	case FormatTIFF:
		cfg, err = tiff.DecodeConfig(r)
	default:
		return cfg, fault.Permanentf(contract.ReasonUnsupportedFormat, "no decoder for format %q", format)
	}
	if err != nil {
		return cfg, classify(format, "header", err)
	}
	return cfg, nil
}

// checkDimensions rejects absurd dimensions as corrupt and images over the
// pixel cap as too_many_pixels, before any pixel buffer is allocated.
func checkDimensions(format Format, cfg image.Config, maxPixels int64) error {
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return fault.Permanentf(contract.ReasonCorrupt, "%s header declares impossible dimensions %dx%d", format, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return fault.Permanentf(contract.ReasonTooManyPixels, "%s image is %dx%d = %d pixels, over the cap of %d pixels",
			format, cfg.Width, cfg.Height, px, maxPixels)
	}
	return nil
}

// decodeImage decodes the pixels once. A JPEG may come back smaller than
// cfg (scaled decoding); nothing may come back larger than cfg.
func decodeImage(format Format, data []byte, cfg image.Config, longestTarget int) (img image.Image, err error) {
	defer recoverAs(&err, format, "image data")
	r := bytes.NewReader(data)
	switch format {
	case FormatJPEG:
		if n := jpegScans(data); n > maxJPEGScans {
			return nil, fault.Permanentf(contract.ReasonCorrupt, "jpeg has %d scans, more than the %d any real encoder writes (each scan costs a pass over the image)", n, maxJPEGScans)
		}
		img, err = decodeJPEG(data, cfg, longestTarget)
	case FormatPNG:
		img, err = png.Decode(r)
	case FormatGIF:
		img, err = gif.Decode(r) // the first frame
		if err == nil {
			img = onCanvas(img, cfg)
		}
	case FormatWebP:
		img, err = webp.Decode(r)
	case FormatBMP:
		img, err = bmp.Decode(r)
	case FormatTIFF:
		img, err = tiff.Decode(r)
	default:
		return nil, fault.Permanentf(contract.ReasonUnsupportedFormat, "no decoder for format %q", format)
	}
	if err != nil {
		return nil, classify(format, "image data", err)
	}
	if b := img.Bounds(); b.Empty() || b.Dx() > cfg.Width || b.Dy() > cfg.Height {
		return nil, fault.Permanentf(contract.ReasonCorrupt, "%s decoded to %dx%d, inconsistent with its header %dx%d",
			format, b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	return img, nil
}

// decodeJPEG is the single entry point of JPEG pixel decoding. longestTarget
// is the longest edge of the biggest thumbnail, so a scaled decoder may
// return an image smaller than cfg (by 1/2, 1/4 or 1/8) as long as it stays
// at least that big; the pipeline computes target sizes from cfg.
//
// fastjpeg decodes in the DCT domain at the smallest scale that still
// leaves the resampler a quarter of headroom over the largest thumbnail,
// so that its Lanczos filter, not the DCT reduction, shapes the final
// detail. JPEG variants fastjpeg does not handle (arithmetic coding,
// 12-bit, lossless, RGB) go to the standard library.
func decodeJPEG(data []byte, cfg image.Config, longestTarget int) (image.Image, error) {
	img, err := fastjpeg.Decode(data, fastjpeg.ScaleFor(cfg.Width, cfg.Height, longestTarget+longestTarget/4))
	if errors.Is(err, fastjpeg.ErrUnsupported) {
		return jpeg.Decode(bytes.NewReader(data))
	}
	return img, err
}

// classify maps a decoder error to a permanent failure: a variant of a
// format we don't decode is unsupported_format, anything else corrupt.
func classify(format Format, what string, err error) error {
	var (
		ju jpeg.UnsupportedError
		pu png.UnsupportedError
		tu tiff.UnsupportedError
	)
	switch {
	case errors.As(err, &ju) && string(ju) == "excessive DC component": // Go reports this damage as "unsupported"
	case errors.As(err, &ju), errors.As(err, &pu), errors.As(err, &tu), errors.Is(err, bmp.ErrUnsupported):
		return fault.Permanentf(contract.ReasonUnsupportedFormat, "%s %s uses an unsupported feature: %w", format, what, err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fault.Permanentf(contract.ReasonCorrupt, "%s %s is truncated: %w", format, what, err)
	}
	return fault.Permanentf(contract.ReasonCorrupt, "%s %s is malformed: %w", format, what, err)
}

// recoverAs turns a decoder panic into a corrupt failure.
func recoverAs(err *error, format Format, what string) {
	if r := recover(); r != nil {
		*err = fault.Permanentf(contract.ReasonCorrupt, "%s %s is malformed (decoder panicked: %v)", format, what, r)
	}
}

// webpAnimated reports whether an extended WebP has its animation flag set.
func webpAnimated(data []byte) bool {
	return len(data) >= 21 && string(data[12:16]) == "VP8X" && data[20]&0x02 != 0
}

// onCanvas places a GIF's first frame, which may cover only part of the
// logical screen, on a transparent canvas of the screen's size.
func onCanvas(img image.Image, cfg image.Config) image.Image {
	screen := image.Rect(0, 0, cfg.Width, cfg.Height)
	if img.Bounds() == screen || !img.Bounds().In(screen) {
		return img
	}
	canvas := image.NewNRGBA(screen)
	draw.Draw(canvas, img.Bounds(), img, img.Bounds().Min, draw.Src)
	return canvas
}

// maxJPEGScans bounds the scans of a progressive JPEG. Encoders write about
// ten; a crafted file with thousands of tiny scans would make any decoder
// pass over the whole image thousands of times.
const maxJPEGScans = 100

// jpegScans counts the start-of-scan markers of a JPEG, skipping segment
// payloads and entropy-coded data (where 0xFF is always followed by a zero
// stuffing byte or a restart marker). It stops counting past maxJPEGScans.
func jpegScans(data []byte) int {
	n := 0
	for i := 2; i+1 < len(data) && n <= maxJPEGScans; {
		if data[i] != 0xff {
			// Entropy-coded data: jump to the next 0xFF that starts a marker.
			j := bytes.IndexByte(data[i:], 0xff)
			if j < 0 {
				break
			}
			i += j
			continue
		}
		m := data[i+1]
		switch {
		case m == 0x00 || m == 0xff || (m >= 0xd0 && m <= 0xd7) || m == 0x01:
			i++ // stuffing, fill byte or restart marker: not a segment
			if m != 0xff {
				i++
			}
			continue
		case m == 0xd8:
			i += 2
			continue
		case m == 0xd9:
			return n
		}
		if i+4 > len(data) {
			break
		}
		if m == 0xda {
			n++
		}
		i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
	}
	return n
}
