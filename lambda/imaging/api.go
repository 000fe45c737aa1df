// Package imaging turns the bytes of an uploaded image into upright,
// metadata-free JPEG thumbnails: sniff the real format from the bytes,
// check dimensions against the pixel cap before decoding, decode once,
// apply EXIF orientation, resize to each requested longest edge without
// upscaling, and encode.
package imaging

import (
	"context"
	"errors"
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
)

// Options configure a Processor.
type Options struct {
	Sizes     []int // longest edge of each thumbnail in pixels; each > 0
	Quality   int   // JPEG quality, 1..100
	MaxPixels int64 // width*height cap, checked before decoding
}

// Exif is the summary of the EXIF fields we record.
type Exif struct {
	Make    string
	Model   string
	TakenAt time.Time // zero when absent
}

// Thumbnail is one encoded thumbnail.
type Thumbnail struct {
	Size   int // the requested longest edge
	Width  int
	Height int
	JPEG   []byte
}

// Result describes a processed image.
type Result struct {
	Format      Format
	Width       int // upright (after EXIF orientation) width of the original
	Height      int // upright height of the original
	Orientation int // EXIF orientation 1..8; 1 when absent
	Exif        *Exif
	Thumbnails  []Thumbnail // one per Options.Sizes, in the same order
}

// Processor makes thumbnails. It is safe for concurrent use.
type Processor struct{ opts Options }

// New validates opts and returns a Processor.
func New(opts Options) (*Processor, error) { return &Processor{opts: opts}, nil }

// Process makes the thumbnails of one image. A bad image returns a
// fault.Permanent error with reason empty, unsupported_format,
// too_many_pixels or corrupt; a cancelled ctx returns fault.Transient.
func (p *Processor) Process(ctx context.Context, data []byte) (*Result, error) {
	return nil, errors.New("imaging: Process is being written (issue 2)")
}
