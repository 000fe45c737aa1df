package imaging

// fit returns the dimensions of a w×h image scaled so that its longest edge
// is size, keeping the aspect ratio (the other edge rounded, at least 1).
// It never upscales: an image already within size keeps its dimensions.
func fit(w, h, size int) (int, int) {
	if w <= size && h <= size {
		return w, h
	}
	if w >= h {
		return size, max(1, roundDiv(int64(h)*int64(size), int64(w)))
	}
	return max(1, roundDiv(int64(w)*int64(size), int64(h))), size
}

func roundDiv(a, b int64) int { return int((2*a + b) / (2 * b)) }

// resizePlanes resamples p, whose luma plane spans the whole image, to a
// tw×th image with full-resolution (4:4:4) chroma, or grey, in buffers owned
// by owner. Full chroma keeps the thumbnail's pixels as close to an RGB
// resize as the source allows; the JPEG encoder subsamples them itself.
// When nothing changes, the source planes are returned as they are.
func resizePlanes(p *planes, tw, th int, owner *planes) *planes {
	if p.y.w == tw && p.y.h == th && (p.gray || (p.subX == 1 && p.subY == 1)) {
		return p
	}
	out := &planes{gray: p.gray, subX: 1, subY: 1}
	sx, sy := float64(p.y.w)/float64(tw), float64(p.y.h)/float64(th)
	out.y = newPlane(tw, th, owner)
	resizePlane(out.y, p.y, sx, sy)
	if p.gray {
		return out
	}
	// A chroma sample of the source spans subX×subY luma pixels: scale by
	// that, independent of how the plane's edge was rounded.
	csx, csy := sx/float64(p.subX), sy/float64(p.subY)
	out.cb = newPlane(tw, th, owner)
	out.cr = newPlane(tw, th, owner)
	resizePlane(out.cb, p.cb, csx, csy)
	resizePlane(out.cr, p.cr, csx, csy)
	return out
}
