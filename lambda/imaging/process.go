package imaging

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging/preview"
)

// Process makes the thumbnails of one image. A bad image returns a
// fault.Permanent error with reason empty, unsupported_format,
// too_many_pixels or corrupt (a decoder that panics on hostile input
// counts as corrupt); a cancelled ctx returns fault.Transient. Any other
// panic is a defect of this code, not of the image: it returns
// fault.Transient, so the event is retried, ends in the dead-letter queue
// and shows in the Lambda's Errors alarm instead of hiding as a bad image.
func (p *Processor) Process(ctx context.Context, data []byte) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil { // last line of defence: never crash the process
			res, err = nil, fault.Transient(fmt.Errorf("imaging: processing panicked (a defect, not a bad image): %v\n%s", r, debug.Stack()))
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, fault.Transient(err)
	}
	format, err := sniff(data)
	if err != nil {
		return nil, err
	}
	cfg, err := decodeConfig(format, data)
	if err != nil {
		return nil, err
	}
	if err := checkDimensions(format, cfg, p.opts.MaxPixels); err != nil {
		return nil, err
	}
	if isHEIF(format) { // a grid counts its full tiles; one coded picture has a memory cap
		if err := checkHEIFPixels(format, data, p.opts.MaxPixels); err != nil {
			return nil, err
		}
	}
	md := readExif(format, data)
	res = &Result{Format: format, Width: cfg.Width, Height: cfg.Height, Orientation: md.orientation, Exif: md.exif}
	if md.orientation.SwapsAxes() {
		res.Width, res.Height = cfg.Height, cfg.Width
	}
	longest := 0
	for _, s := range p.opts.Sizes {
		tw, th := fit(res.Width, res.Height, s)
		longest = max(longest, tw, th)
	}
	if err := ctx.Err(); err != nil {
		return nil, fault.Transient(err)
	}
	img, err := decodeImage(ctx, format, data, cfg, longest)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fault.Transient(err)
	}
	plan := planColor(readColorInfo(format, data), kindOf(img), p.opts.ColorOutput)
	res.ColorProfile, res.ColorSpace, res.ColorAction, res.ColorNote = plan.profile, plan.space, plan.action, plan.colorNote()
	res.BitDepth, res.HasAlpha = depthAndAlpha(format, data, img)
	var src *planes
	if m, ok := img.(*image.CMYK); ok && plan.t != nil {
		src, plan.t = cmykToPlanes(m, plan.t), nil // converted at decoded scale
	} else {
		src = toPlanes(img)
	}
	defer src.release()
	res.Thumbnails, err = p.thumbnails(ctx, res, src, md.orientation, &plan)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// thumbnails resizes the decoded planes to every size, largest first, so
// that a smaller size can start from a larger thumbnail when that is still
// at least twice its size. Each size is encoded in every format from the
// same pixels, concurrently with the next resize. Sizes that come out with
// the same dimensions share their encodings. The preview facts (res) come
// from the smallest thumbnail, in sRGB.
func (p *Processor) thumbnails(ctx context.Context, res *Result, src *planes, orientation Orientation, color *colorPlan) ([]Thumbnail, error) {
	sizes := p.opts.Sizes
	order := make([]int, len(sizes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sizes[b], sizes[a]) })

	var (
		owner    planes
		wg       sync.WaitGroup
		nf       = len(p.formats)
		errs     = make([]error, len(sizes)*nf+1) // the last one: the preview
		thumbs   = make([]Thumbnail, len(sizes))
		first    = map[[2]int]int{} // dimensions → index encoding them
		same     = map[int]int{}    // index → index whose encoding it shares
		prev     *planes
		stopErr  error
		smallest func() *planes // the last (smallest) thumbnail so far, in sRGB
	)
	defer owner.release() // after wg.Wait below: deferred calls run last-in first-out
	defer wg.Wait()
	run := func(slot int, what string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[slot] = fault.Transient(fmt.Errorf("imaging: %s panicked: %v\n%s", what, r, debug.Stack()))
				}
			}()
			if err := fn(); err != nil {
				errs[slot] = fmt.Errorf("imaging: %s: %w", what, err)
			}
		}()
	}
	sub := p.chromaSubsampling(color)
	for _, i := range order {
		tw, th := fit(res.Width, res.Height, sizes[i])
		thumbs[i] = Thumbnail{Size: sizes[i], Width: tw, Height: th, Encodings: make([]Encoding, nf)}
		if j, ok := first[[2]int{tw, th}]; ok {
			same[i] = j
			continue
		}
		first[[2]int{tw, th}] = i
		if err := ctx.Err(); err != nil {
			stopErr = fault.Transient(err)
			break
		}
		sw, sh := tw, th // dimensions in the stored orientation
		if orientation.SwapsAxes() {
			sw, sh = th, tw
		}
		base := src
		if prev != nil && prev.y.w >= 2*sw && prev.y.h >= 2*sh {
			base = prev
		}
		out := resizePlanes(base, sw, sh, sub, &owner)
		prev = out
		shown := orientPlanes(out, orientation, &owner)
		if color.t != nil { // the colour stage: nil for untagged or sRGB sources
			shown = convertPlanes(color.t, shown, &owner)
		}
		// inSRGB is shown in sRGB: the same planes, except in preserve mode.
		var inSRGB *planes
		srgb := func() *planes {
			if inSRGB == nil {
				inSRGB = shown
				if color.toSRGB != nil {
					inSRGB = convertPlanes(color.toSRGB, shown, &owner)
				}
			}
			return inSRGB
		}
		for k, f := range p.formats {
			planes, opts := shown, encodeOptions{quality: f.quality, icc: color.embed}
			if f.format == FormatAVIF && color.embed != nil { // AVIF cannot carry the profile
				planes, opts.icc = srgb(), nil
			}
			thumbs[i].Encodings[k].Format = f.format
			run(i*nf+k, fmt.Sprintf("encoding the %d px %s thumbnail", sizes[i], f.format), func() error {
				b, err := f.encode(planes, opts)
				thumbs[i].Encodings[k].Data = b
				return err
			})
		}
		smallest = srgb
	}
	if stopErr == nil && smallest != nil {
		pl := smallest()
		run(len(errs)-1, "computing the placeholder and colours", func() error {
			f, err := previewOf(pl)
			res.Placeholder, res.AverageColor, res.DominantColor = f.Placeholder, f.AverageColor, f.DominantColor
			return err
		})
	}
	wg.Wait()
	if stopErr != nil {
		return nil, stopErr
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for i, j := range same {
		thumbs[i].Encodings = thumbs[j].Encodings
	}
	for i := range thumbs {
		thumbs[i].JPEG = thumbs[i].Data(FormatJPEG)
	}
	return thumbs, nil
}

// chromaSubsampling is the chroma resolution the thumbnails are resized
// to: 2 (4:2:0) when every output format writes 4:2:0 (JPEG, WebP) and no
// colour stage converts the thumbnails' pixels (it works on full chroma),
// else 1.
func (p *Processor) chromaSubsampling(color *colorPlan) int {
	if color.t != nil {
		return 1
	}
	for _, f := range p.formats {
		if f.format != FormatJPEG && f.format != FormatWebP {
			return 1
		}
	}
	return 2
}

// previewOf computes the preview facts of sRGB planes.
func previewOf(p *planes) (preview.Facts, error) {
	full := newChromaRows(p)
	return preview.Of(p.y.w, p.y.h, func(y int, dst []byte) {
		if p.gray {
			for x, v := range p.y.row(y) {
				dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
			}
			return
		}
		cb, cr := full.rows(p, y)
		ycbcrRowToRGB(dst, p.y.row(y), cb, cr)
	})
}
