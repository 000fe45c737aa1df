package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/gen2brain/avif"
	"golang.org/x/image/webp"
)

// DecodeThumbnail decodes a thumbnail this package wrote, as a viewer shows
// it: a JPEG, a WebP (limited range expanded, which golang.org/x/image/webp
// leaves undone) or an AVIF (libavif's decoder). It returns the format it
// found from the magic bytes. For checks and benchmarks; the pipeline
// itself never decodes its output.
func DecodeThumbnail(data []byte) (image.Image, Format, error) {
	var f Format
	var err error
	if len(data) >= 12 && string(data[4:12]) == "ftypavif" { // what libavif writes
		f = FormatAVIF
	} else if f, err = sniff(data); err != nil {
		return nil, "", err
	}
	var img image.Image
	switch f {
	case FormatJPEG:
		img, err = jpeg.Decode(bytes.NewReader(data))
	case FormatWebP:
		img, err = webp.Decode(bytes.NewReader(data))
		if err == nil {
			img = fullRangeWebP(img)
		}
	case FormatAVIF:
		img, err = avif.Decode(bytes.NewReader(data))
	default:
		return nil, f, fmt.Errorf("imaging: a %s file is not a thumbnail format (%s)", f, formatList(OutputFormats))
	}
	if err != nil {
		return nil, f, fmt.Errorf("imaging: decoding a %s thumbnail: %w", f, err)
	}
	return img, f, nil
}
