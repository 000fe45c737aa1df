package imaging

import (
	"bytes"
	"context"
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
	case FormatHEIC, FormatAVIF:
		return heifConfig(format, data)
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
func decodeImage(ctx context.Context, format Format, data []byte, cfg image.Config, longestTarget int) (img image.Image, err error) {
	defer recoverAs(&err, format, "image data")
	r := bytes.NewReader(data)
	switch format {
	case FormatJPEG:
		img, err = decodeJPEG(data, cfg, longestTarget)
	case FormatPNG:
		img, err = decodePNG(data, cfg, longestTarget)
	case FormatGIF:
		img, err = gif.Decode(r) // the first frame
		if err == nil {
			img = onCanvas(img, cfg)
		}
	case FormatWebP:
		img, err = webp.Decode(r)
		if err == nil {
			img = fullRangeWebP(img) // lossy WebP is limited-range YCbCr (webprange.go)
		}
	case FormatBMP:
		img, err = bmp.Decode(r)
	case FormatTIFF:
		img, err = tiff.Decode(r)
	case FormatHEIC, FormatAVIF:
		if img, err = decodeHEIF(ctx, format, data); err != nil {
			return nil, err // already classified
		}
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
// 12-bit, lossless, RGB) go to the standard library. fastjpeg refuses a
// file with more than fastjpeg.MaxScans scans before it looks at the
// variant, so the fallback never makes more passes than that either.
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
