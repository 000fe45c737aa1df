// Package imaging turns the bytes of an uploaded image into upright,
// metadata-free JPEG thumbnails: sniff the real format from the bytes,
// check dimensions against the pixel cap before decoding, decode once,
// apply EXIF orientation, resize to each requested longest edge without
// upscaling, and encode.
//
// Formats: JPEG (baseline, progressive, grey, Adobe CMYK/YCCK), PNG, GIF
// (first frame), WebP (lossy, lossless, with alpha), BMP and TIFF, told
// apart by their magic bytes only.
//
// Transparency: JPEG has no alpha channel, so transparent and translucent
// pixels are composited over white before encoding (a transparent logo on
// a white page looks the same as its thumbnail).
//
// Privacy: thumbnails carry no EXIF, GPS, ICC, XMP or comment segment; the
// encoder writes none. The EXIF summary (make, model, taken-at) and the
// orientation are returned in Result for the metadata record only; EXIF
// that is malformed is ignored, never a reason to fail an image.
//
// Speed: a JPEG is decoded once (through decodeJPEG, by fastjpeg straight
// to 1/2, 1/4 or 1/8 scale in the DCT domain when the largest thumbnail
// allows) and processed in its own YCbCr planes, so no colour
// conversion happens at full resolution. Each size is resampled with a
// separable Lanczos3 whose fixed-point weights are computed once per axis,
// after an integer box pre-shrink for large reductions; smaller sizes start
// from a larger thumbnail when it is at least twice their size. Work is
// spread over GOMAXPROCS goroutines and buffers are pooled.
package imaging

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Format is the image format sniffed from the bytes.
type Format string

// Accepted formats.
const (
	FormatJPEG Format = "jpeg"
	FormatPNG  Format = "png"
	FormatGIF  Format = "gif"
	FormatWebP Format = "webp"
	FormatBMP  Format = "bmp"
	FormatTIFF Format = "tiff"
	FormatHEIC Format = "heic" // HEIF with HEVC-coded images (iPhone photos)
	FormatAVIF Format = "avif" // HEIF with AV1-coded images
)

// OutputFormats are the formats thumbnails can be encoded in: JPEG
// (jpegenc), lossy WebP (libwebp) and AVIF (libavif with libaom), the
// last two compiled to WebAssembly (see webpenc.go and avifenc.go).
var OutputFormats = []Format{FormatJPEG, FormatWebP, FormatAVIF}

// Options configure a Processor.
type Options struct {
	Sizes     []int // longest edge of each thumbnail in pixels; each > 0
	Quality   int   // JPEG quality, 1..100
	MaxPixels int64 // width*height cap, checked before decoding
	// ColorOutput is ColorSRGB (also when empty) or ColorPreserve.
	ColorOutput ColorOutput
	// Formats are the encodings of every thumbnail, each made once from
	// the same pixels: OutputFormats, each at most once; [FormatJPEG] when
	// empty.
	Formats []Format
	// WebPQuality is libwebp's quality, 1..100, when Formats has WebP.
	WebPQuality int
	// AVIFQuality is libavif's quality, 1..100, when Formats has AVIF.
	AVIFQuality int
}

// Exif is the summary of the EXIF fields we record.
type Exif struct {
	Make    string
	Model   string
	TakenAt time.Time // zero when absent
}

// Thumbnail is one size of thumbnail, in every configured format.
type Thumbnail struct {
	Size   int // the requested longest edge
	Width  int
	Height int
	// JPEG is the JPEG encoding; nil when Options.Formats has no JPEG.
	JPEG []byte
	// Encodings are the encodings made, one per Options.Formats in that
	// order (the JPEG one included).
	Encodings []Encoding
}

// Encoding is a thumbnail encoded in one format.
type Encoding struct {
	Format Format
	Data   []byte
}

// Data returns the thumbnail's encoding in format f, nil when it has none.
func (t Thumbnail) Data(f Format) []byte {
	for _, e := range t.Encodings {
		if e.Format == f {
			return e.Data
		}
	}
	return nil
}

// Result describes a processed image.
type Result struct {
	Format      Format
	Width       int         // upright (after EXIF orientation, or HEIF clap/irot/imir) width of the original
	Height      int         // upright height of the original
	Orientation Orientation // orientation applied: EXIF's, or for HEIF/AVIF the irot/imir equivalent; OrientNormal when none
	Exif        *Exif
	Thumbnails  []Thumbnail // one per Options.Sizes, in the same order
	// BitDepth is the bits per sample of the original's colour channels
	// (8 for most images, 10 or 12 for HDR HEIC/AVIF, 16 for deep PNG/TIFF);
	// 0 when the format does not say.
	BitDepth int
	// HasAlpha says the original has an alpha channel (or a transparent
	// palette entry); thumbnails composite it over white.
	HasAlpha bool

	// ColorProfile describes the source's colours: its ICC profile's
	// description (e.g. "Display P3"), or what the nclx or PNG chunks say;
	// "" when untagged.
	ColorProfile string
	// ColorSpace names the source's colour space: "srgb" (also untagged),
	// "display-p3", "dci-p3", "adobe-rgb", "prophoto-rgb", "rec2020",
	// "rgb" (another RGB space), "gray", "cmyk"; "" when the colour
	// information is unreadable.
	ColorSpace string
	// ColorAction is how the thumbnails got their colours.
	ColorAction ColorAction
	// ColorNote says what colour information was ignored and why; "" when
	// nothing was.
	ColorNote string

	// Placeholder is a BlurHash (4×3 components) of the smallest
	// thumbnail, in sRGB: what an app shows while the thumbnail loads.
	Placeholder string
	// AverageColor is the mean colour of the smallest thumbnail (averaged
	// in linear light), as "#rrggbb" in sRGB.
	AverageColor string
	// DominantColor is the most common colour of the smallest thumbnail
	// (the densest region of a coarse Oklab histogram), as "#rrggbb" in
	// sRGB.
	DominantColor string
}

// Processor makes thumbnails. It is safe for concurrent use.
type Processor struct {
	opts    Options
	formats []outputFormat // one per Options.Formats
}

// outputFormat is one encoding a Processor makes.
type outputFormat struct {
	format  Format
	quality int
	encode  encoder // tests observe pixels through it
}

// New validates opts and returns a Processor.
func New(opts Options) (*Processor, error) {
	if len(opts.Sizes) == 0 {
		return nil, errors.New("imaging: Options.Sizes is empty: give at least one thumbnail size in pixels")
	}
	for i, s := range opts.Sizes {
		if s <= 0 || s > MaxSize {
			return nil, fmt.Errorf("imaging: Options.Sizes[%d] is %d: each size must be between 1 and %d pixels", i, s, MaxSize)
		}
	}
	if opts.Quality < 1 || opts.Quality > 100 {
		return nil, fmt.Errorf("imaging: Options.Quality is %d: JPEG quality must be between 1 and 100", opts.Quality)
	}
	if opts.MaxPixels <= 0 {
		return nil, fmt.Errorf("imaging: Options.MaxPixels is %d: the pixel cap must be greater than 0", opts.MaxPixels)
	}
	switch opts.ColorOutput {
	case "":
		opts.ColorOutput = ColorSRGB
	case ColorSRGB, ColorPreserve:
	default:
		return nil, fmt.Errorf("imaging: Options.ColorOutput is %q: it must be %q or %q", opts.ColorOutput, ColorSRGB, ColorPreserve)
	}
	opts.Sizes = append([]int(nil), opts.Sizes...)
	p := &Processor{opts: opts}
	formats := opts.Formats
	if len(formats) == 0 {
		formats = []Format{FormatJPEG}
	}
	for i, f := range formats {
		enc, ok := encoders[f]
		if !ok {
			return nil, fmt.Errorf("imaging: Options.Formats[%d] is %q: thumbnails are encoded as %s", i, f, formatList(OutputFormats))
		}
		for _, o := range p.formats {
			if o.format == f {
				return nil, fmt.Errorf("imaging: Options.Formats lists %q twice", f)
			}
		}
		q, field := opts.Quality, "Quality"
		switch f {
		case FormatWebP:
			q, field = opts.WebPQuality, "WebPQuality"
		case FormatAVIF:
			q, field = opts.AVIFQuality, "AVIFQuality"
		}
		if q < 1 || q > 100 {
			return nil, fmt.Errorf("imaging: Options.%s is %d: %s quality must be between 1 and 100", field, q, f)
		}
		if f == FormatWebP {
			for i, s := range opts.Sizes {
				if s > webpMaxEdge {
					return nil, fmt.Errorf("imaging: Options.Sizes[%d] is %d: a WebP thumbnail's edge is at most %d pixels", i, s, webpMaxEdge)
				}
			}
		}
		p.formats = append(p.formats, outputFormat{format: f, quality: q, encode: enc})
	}
	return p, nil
}

func formatList(fs []Format) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// MaxSize is the largest thumbnail edge accepted, the JPEG format's limit.
const MaxSize = 65535
