package imaging

import (
	"context"
	"errors"
	"fmt"
	"image"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging/heif"
	"github.com/imgpipe/imgpipe/lambda/imaging/wasmcodec"
)

// HEIF/HEIC and AVIF are read in two parts. Our own container parser
// (package heif) finds the primary image, its size, transforms, colour,
// alpha and Exif, and enforces every limit before a pixel is decoded. The
// coded pictures (each grid tile, the alpha plane) are then decoded one by
// one by libheif/libde265 (HEVC) or libavif/libaom (AV1) compiled to
// WebAssembly (package wasmcodec), each given a standalone file of one
// coded item without transforms, so that:
//   - tiles decode in parallel, and memory is the output image plus one
//     tile per core, not the decoder's whole-image buffers;
//   - transforms (clap, irot, imir) are applied once, by this pipeline, the
//     same way for both codecs (libheif would apply them, libavif not);
//   - the alpha plane, which the WebAssembly HEIC build drops, is decoded
//     as a picture of its own and composited over white like any alpha.
//
// Neither codec can decode at a reduced size (HEVC and AV1 have no
// DCT-domain scaling like JPEG's), so HEIF is always decoded at full size.
// The WebAssembly modules are compiled on the first HEIF/AVIF image of a
// process: an invocation that sees none pays nothing.

// isHEIF reports whether the format is read by the heif container parser.
func isHEIF(f Format) bool { return f == FormatHEIC || f == FormatAVIF }

// maxCodedItemPixels bounds one coded picture (a tile, or a whole image
// that is not a grid): the decoders hold several full-size buffers per
// picture in their WebAssembly memory, outside the Go heap. Measured peak
// RSS of the whole job (256 and 1024 px thumbnails, Go memory limit at 90%
// of 1024 MB): HEVC 8-bit 12 MP 187 MiB, 50 MP 466-538 MiB (48 MP 777 MiB
// since 4:2:0 planes come through RGBA, see maxIdentityDeepPixels); AV1 8-bit
// 12 MP 347 MiB, 24.4 MP 664 MiB (50 MP does not fit the 1 GiB module
// limit); AV1 10-bit 12 MP 493 MiB (libavif converts to 16-bit RGBA).
// These caps keep one picture within the 1024 MB Lambda default. Grids
// (every iPhone photo: 512×512 tiles) are decoded tile by tile and bounded
// only by the pixel cap.
var maxCodedItemPixels = map[heif.Codec]map[bool]int64{ // codec → high bit depth → pixels
	heif.HEVC: {false: 50_000_000, true: 50_000_000},
	heif.AV1:  {false: 25_000_000, true: 16_000_000},
}

// maxIdentityDeepPixels is the largest HEVC picture of more than 8 bits
// decoded through RGB (heif.Tile.Standalone: the decoder's planes exactly).
// That path holds 16-bit RGB and 8-bit RGBA copies in the decoder's memory:
// a 48 MP 10-bit picture peaked at 1040 MiB for the whole job, over the
// 1024 MB Lambda default (788 MiB through YCbCr); a 32 MP one at 702 MiB
// (555 MiB through YCbCr). Larger deep pictures
// are decoded as YCbCr (heif.Tile.StandaloneYCbCr), whose chroma libheif
// blurs and gets wrong along the picture's outermost rows and columns: a
// line one or two pixels wide at the image's edges, not visible in a
// thumbnail. Grid tiles and 8-bit pictures always take the exact path.
const maxIdentityDeepPixels = 32_000_000

// bigPicture is the size from which the Go heap's garbage is returned to
// the system before decoding: the decoder's memory is not Go heap, so the
// Go memory limit would not make room for it.
const bigPicture = 4_000_000

// openHEIF parses the container and describes the primary image.
func openHEIF(format Format, data []byte) (*heif.File, *heif.Image, error) {
	f, err := heif.Parse(data)
	if err != nil {
		return nil, nil, heifFailure(format, err)
	}
	im, err := f.Primary()
	if err != nil {
		return nil, nil, heifFailure(format, err)
	}
	return f, im, nil
}

func heifFailure(format Format, err error) error {
	reason := contract.ReasonCorrupt
	switch heif.KindOf(err) {
	case heif.Unsupported:
		reason = contract.ReasonUnsupportedFormat
	case heif.TooLarge:
		reason = contract.ReasonTooManyPixels
	}
	return fault.Permanentf(reason, "%s container: %w", format, err)
}

// heifConfig is the size of the image the decoder returns: the clean
// aperture, in stored orientation.
func heifConfig(format Format, data []byte) (image.Config, error) {
	_, im, err := openHEIF(format, data)
	if err != nil {
		return image.Config{}, err
	}
	return image.Config{Width: im.Crop.Dx(), Height: im.Crop.Dy()}, nil
}

// checkHEIFPixels applies the pixel cap to what is actually decoded: a
// grid counts all its tiles in full (they may overhang the output), and an
// alpha plane is a second picture of the same size. One coded picture also
// has its own memory cap.
func checkHEIFPixels(format Format, data []byte, maxPixels int64) error {
	_, im, err := openHEIF(format, data)
	if err != nil {
		return err
	}
	for _, part := range []*heif.Image{im, im.Alpha} {
		if part == nil {
			continue
		}
		if px := part.DecodedPixels(); px > maxPixels {
			return fault.Permanentf(contract.ReasonTooManyPixels, "%s image is a grid of %d×%d tiles of %dx%d = %d decoded pixels, over the cap of %d pixels",
				format, part.Cols, part.Rows, part.TileWidth, part.TileHeight, px, maxPixels)
		}
		limit := maxCodedItemPixels[part.Codec][part.BitDepth > 8]
		if px := int64(part.TileWidth) * int64(part.TileHeight); px > limit {
			what := "a single picture"
			if len(part.Tiles) > 1 {
				what = "each tile"
			}
			return fault.Permanentf(contract.ReasonTooManyPixels, "%s image is %s of %dx%d = %d pixels (%d-bit %s), over the %d pixels one %s picture may have within the decoder's memory budget (tiled images may be larger)",
				format, what, part.TileWidth, part.TileHeight, px, part.BitDepth, part.Codec, limit, part.Codec)
		}
	}
	return nil
}

// heifExif returns the Exif item's TIFF structure and the orientation of
// the irot/imir transforms. Per HEIF, the Exif orientation tag is
// informative only and never applied on top of them (as libheif does).
func heifExif(format Format, data []byte) ([]byte, Orientation) {
	f, im, err := openHEIF(format, data)
	if err != nil {
		return nil, OrientNormal
	}
	return f.Exif(), Orientation(im.Orientation)
}

// heifColorInfo fills c from the primary image's colr boxes.
func heifColorInfo(data []byte, c *colorInfo) {
	_, im, err := openHEIF(FormatHEIC, data)
	if err != nil {
		return
	}
	if im.ICC != nil {
		c.setICC("the colr box", im.ICC)
	}
	if n := im.NCLX; n != nil {
		c.nclx = &nclx{primaries: n.Primaries, transfer: n.Transfer, matrix: n.Matrix, fullRange: n.FullRange}
	}
}

// heifDepthAlpha reports the bit depth and whether there is an alpha plane.
func heifDepthAlpha(format Format, data []byte) (int, bool) {
	_, im, err := openHEIF(format, data)
	if err != nil {
		return 0, false
	}
	return im.BitDepth, im.Alpha != nil
}

// decodeHEIF decodes the primary image's clean aperture, in stored
// orientation, alpha included. The result's bounds are the aperture in
// stored coordinates (its Min need not be zero).
func decodeHEIF(ctx context.Context, format Format, data []byte) (image.Image, error) {
	_, im, err := openHEIF(format, data)
	if err != nil {
		return nil, err
	}
	img, err := decodePicture(ctx, im, im.Crop)
	if err != nil {
		return nil, fmt.Errorf("%s image: %w", format, err)
	}
	if im.Alpha == nil {
		return img, nil
	}
	a, err := decodePicture(ctx, im.Alpha, im.Crop)
	if err != nil {
		return nil, fmt.Errorf("%s alpha plane: %w", format, err)
	}
	return attachAlpha(img, alphaOf(a), im.PremultipliedAlpha), nil
}

// decodePicture decodes the tiles of im that intersect crop into one image
// of crop's bounds. The first tile is decoded alone and sets the pixel type;
// the others are decoded on GOMAXPROCS goroutines.
func decodePicture(ctx context.Context, im *heif.Image, crop heif.Rect) (image.Image, error) {
	type job struct {
		i    int
		rect image.Rectangle // the tile in stored coordinates
	}
	bounds := image.Rect(crop.X0, crop.Y0, crop.X1, crop.Y1)
	var jobs []job
	for i := range im.Tiles {
		r := image.Rect(0, 0, im.TileWidth, im.TileHeight).Add(image.Pt(i%im.Cols*im.TileWidth, i/im.Cols*im.TileHeight))
		if r.Overlaps(bounds) {
			jobs = append(jobs, job{i, r})
		}
	}
	if len(jobs) == 0 {
		return nil, fault.Permanentf(contract.ReasonCorrupt, "no tile covers the clean aperture %v", bounds)
	}
	if len(jobs) == 1 { // one picture (or one tile in the aperture): no canvas, no copy
		img, err := decodeTile(ctx, im.Tiles[jobs[0].i], jobs[0].rect)
		if err != nil {
			return nil, err
		}
		return img.(subImager).SubImage(bounds), nil
	}
	canvas, err := firstTile(ctx, im.Tiles[jobs[0].i], jobs[0].rect, bounds)
	if err != nil {
		return nil, err
	}
	rest := jobs[1:]
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		next = make(chan job)
	)
	workers := min(runtime.GOMAXPROCS(0), len(rest))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				tile, err := decodeTile(ctx, im.Tiles[j.i], j.rect)
				if err == nil {
					err = paste(canvas, tile)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("tile %d: %w", j.i, err))
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range rest {
		mu.Lock()
		failed := len(errs) > 0
		mu.Unlock()
		if failed {
			break
		}
		next <- j
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return canvas, nil
}

type subImager interface {
	SubImage(image.Rectangle) image.Image
}

// firstTile decodes the first tile and allocates the canvas for its pixel
// type (the decoder's memory is released when it returns).
func firstTile(ctx context.Context, t heif.Tile, rect, bounds image.Rectangle) (image.Image, error) {
	first, err := decodeTile(ctx, t, rect)
	if err != nil {
		return nil, err
	}
	canvas, err := newCanvas(first, bounds)
	if err != nil {
		return nil, err
	}
	return canvas, paste(canvas, first)
}

// decodeTile decodes one coded item and places it at rect (its position in
// the stored image). A decoder panic is a corrupt picture.
func decodeTile(ctx context.Context, t heif.Tile, rect image.Rectangle) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fault.Permanentf(contract.ReasonCorrupt, "the %s decoder panicked: %v", t.Codec, r)
		}
	}()
	if int64(t.Width)*int64(t.Height) >= bigPicture {
		debug.FreeOSMemory()
	}
	file := t.Standalone()
	if t.Codec == heif.HEVC && t.BitDepth() > 8 && int64(t.Width)*int64(t.Height) > maxIdentityDeepPixels {
		file = t.StandaloneYCbCr()
	}
	switch t.Codec {
	case heif.HEVC:
		img, err = wasmcodec.DecodeHEVC(ctx, file, subsampleRatio(t.Chroma()))
	case heif.AV1:
		img, _, err = wasmcodec.DecodeAV1(ctx, file)
	}
	if ctx.Err() != nil {
		return nil, fault.Transient(ctx.Err())
	}
	if err != nil {
		return nil, fault.Permanentf(contract.ReasonCorrupt, "the %s picture does not decode (%w)", t.Codec, err)
	}
	if b := img.Bounds(); b.Dx() < rect.Dx() || b.Dy() < rect.Dy() {
		return nil, fault.Permanentf(contract.ReasonCorrupt, "a %s picture decoded to %dx%d, smaller than its declared %dx%d", t.Codec, b.Dx(), b.Dy(), rect.Dx(), rect.Dy())
	}
	return translate(img, rect)
}

// subsampleRatio is the YCbCr layout of a chroma format (heif.Tile.Chroma).
func subsampleRatio(chroma string) image.YCbCrSubsampleRatio {
	switch chroma {
	case "422":
		return image.YCbCrSubsampleRatio422
	case "444":
		return image.YCbCrSubsampleRatio444
	}
	return image.YCbCrSubsampleRatio420
}

// translate moves a decoded picture's bounds to rect (cut to rect's size).
func translate(img image.Image, rect image.Rectangle) (image.Image, error) {
	switch m := img.(type) {
	case *image.YCbCr:
		c := *m
		c.Rect = rect
		return &c, nil
	case *image.Gray:
		return &image.Gray{Pix: m.Pix, Stride: m.Stride, Rect: rect}, nil
	case *image.RGBA:
		return &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: rect}, nil
	case *image.NRGBA:
		return &image.NRGBA{Pix: m.Pix, Stride: m.Stride, Rect: rect}, nil
	case *image.RGBA64:
		return &image.RGBA64{Pix: m.Pix, Stride: m.Stride, Rect: rect}, nil
	}
	return nil, fault.Permanentf(contract.ReasonUnsupportedFormat, "a HEIF picture decoded to an unexpected pixel type %T", img)
}

// newCanvas allocates the output for the tiles' pixel type: YCbCr with the
// same subsampling, grey, or 8-bit RGBA (AV1, which the decoder returns as
// RGB; 16-bit samples are reduced to 8 bits when pasted).
func newCanvas(first image.Image, bounds image.Rectangle) (image.Image, error) {
	switch m := first.(type) {
	case *image.YCbCr:
		return image.NewYCbCr(bounds, m.SubsampleRatio), nil
	case *image.Gray:
		return image.NewGray(bounds), nil
	case *image.RGBA, *image.RGBA64:
		return image.NewRGBA(bounds), nil
	case *image.NRGBA:
		return image.NewNRGBA(bounds), nil
	}
	return nil, fault.Permanentf(contract.ReasonUnsupportedFormat, "a HEIF picture decoded to an unexpected pixel type %T", first)
}

var errMixedTiles = errors.New("the grid's tiles decode to different pixel formats")

// paste copies the part of tile inside the canvas. Tiles never overlap, so
// concurrent pastes write disjoint bytes.
func paste(canvas, tile image.Image) error {
	r := tile.Bounds().Intersect(canvas.Bounds())
	if r.Empty() {
		return nil
	}
	switch dst := canvas.(type) {
	case *image.YCbCr:
		src, ok := tile.(*image.YCbCr)
		if !ok || src.SubsampleRatio != dst.SubsampleRatio {
			return fault.Permanent(contract.ReasonCorrupt, errMixedTiles)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(dst.Y[dst.YOffset(r.Min.X, y):dst.YOffset(r.Max.X-1, y)+1], src.Y[src.YOffset(r.Min.X, y):])
			// A chroma row is written by the first luma row it covers.
			if y == r.Min.Y || dst.COffset(r.Min.X, y) != dst.COffset(r.Min.X, y-1) {
				d0, d1 := dst.COffset(r.Min.X, y), dst.COffset(r.Max.X-1, y)+1
				s0 := src.COffset(r.Min.X, y)
				copy(dst.Cb[d0:d1], src.Cb[s0:])
				copy(dst.Cr[d0:d1], src.Cr[s0:])
			}
		}
	case *image.Gray:
		src, ok := tile.(*image.Gray)
		if !ok {
			return fault.Permanent(contract.ReasonCorrupt, errMixedTiles)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(dst.Pix[dst.PixOffset(r.Min.X, y):dst.PixOffset(r.Max.X, y)], src.Pix[src.PixOffset(r.Min.X, y):])
		}
	case *image.RGBA:
		switch src := tile.(type) {
		case *image.RGBA:
			for y := r.Min.Y; y < r.Max.Y; y++ {
				copy(dst.Pix[dst.PixOffset(r.Min.X, y):dst.PixOffset(r.Max.X, y)], src.Pix[src.PixOffset(r.Min.X, y):])
			}
		case *image.RGBA64:
			for y := r.Min.Y; y < r.Max.Y; y++ {
				d := dst.Pix[dst.PixOffset(r.Min.X, y):dst.PixOffset(r.Max.X, y)]
				s := src.Pix[src.PixOffset(r.Min.X, y):]
				for i := range d {
					d[i] = s[2*i] // the high byte of each big-endian 16-bit sample
				}
			}
		default:
			return fault.Permanent(contract.ReasonCorrupt, errMixedTiles)
		}
	case *image.NRGBA:
		src, ok := tile.(*image.NRGBA)
		if !ok {
			return fault.Permanent(contract.ReasonCorrupt, errMixedTiles)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(dst.Pix[dst.PixOffset(r.Min.X, y):dst.PixOffset(r.Max.X, y)], src.Pix[src.PixOffset(r.Min.X, y):])
		}
	}
	return nil
}

// alphaOf turns a decoded alpha picture into a grey plane: HEVC alpha is a
// monochrome picture; AV1's comes back as grey RGB.
func alphaOf(a image.Image) *image.Gray {
	switch m := a.(type) {
	case *image.Gray:
		return m
	case *image.YCbCr: // a decoder that kept chroma: luma is the alpha
		return &image.Gray{Pix: m.Y, Stride: m.YStride, Rect: m.Rect}
	case *image.RGBA:
		g := image.NewGray(m.Rect)
		for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
			d := g.Pix[g.PixOffset(m.Rect.Min.X, y):g.PixOffset(m.Rect.Max.X, y)]
			s := m.Pix[m.PixOffset(m.Rect.Min.X, y):]
			for i := range d {
				d[i] = s[4*i]
			}
		}
		return g
	case *image.NRGBA:
		return alphaOf(&image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect})
	}
	return nil
}

// attachAlpha attaches an alpha plane to a decoded picture, as an image type
// toPlanes composites over white. premultiplied says the colour samples
// are already multiplied by alpha (a prem reference).
func attachAlpha(img image.Image, a *image.Gray, premultiplied bool) image.Image {
	if a == nil {
		return img
	}
	switch m := img.(type) {
	case *image.YCbCr:
		if premultiplied {
			return premultipliedYCbCr(m, a)
		}
		return &image.NYCbCrA{YCbCr: *m, A: a.Pix[a.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], AStride: a.Stride}
	case *image.RGBA: // opaque samples from the decoder: straight colour
		setAlpha(m.Pix, m.Stride, m.Rect, a)
		if premultiplied {
			return m
		}
		return &image.NRGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
	case *image.NRGBA:
		setAlpha(m.Pix, m.Stride, m.Rect, a)
		return m
	case *image.Gray:
		n := image.NewNRGBA(m.Rect)
		for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
			d := n.Pix[n.PixOffset(m.Rect.Min.X, y):n.PixOffset(m.Rect.Max.X, y)]
			s := m.Pix[m.PixOffset(m.Rect.Min.X, y):]
			for i := range len(d) / 4 {
				d[4*i], d[4*i+1], d[4*i+2], d[4*i+3] = s[i], s[i], s[i], 255
			}
		}
		return attachAlpha(n, a, premultiplied)
	}
	return img
}

func setAlpha(pix []byte, stride int, rect image.Rectangle, a *image.Gray) {
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		row := pix[(y-rect.Min.Y)*stride:]
		s := a.Pix[a.PixOffset(rect.Min.X, y):]
		for i := range rect.Dx() {
			row[4*i+3] = s[i]
		}
	}
}

// premultipliedYCbCr converts YCbCr whose colour is premultiplied by a into
// premultiplied RGBA.
func premultipliedYCbCr(m *image.YCbCr, a *image.Gray) *image.RGBA {
	out := image.NewRGBA(m.Rect)
	parallelRows(m.Rect.Dy(), func(lo, hi int) {
		for y := m.Rect.Min.Y + lo; y < m.Rect.Min.Y+hi; y++ {
			row := out.Pix[out.PixOffset(m.Rect.Min.X, y):]
			for x := m.Rect.Min.X; x < m.Rect.Max.X; x++ {
				c := m.YCbCrAt(x, y)
				r, g, b, _ := c.RGBA()
				al := a.Pix[a.PixOffset(x, y)]
				i := 4 * (x - m.Rect.Min.X)
				row[i], row[i+1], row[i+2], row[i+3] = min(uint8(r>>8), al), min(uint8(g>>8), al), min(uint8(b>>8), al), al
			}
		}
	})
	return out
}
