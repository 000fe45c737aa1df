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
// tw×th image with 4:2:0 chroma (or grey), in buffers owned by owner. When
// nothing changes, the source planes are returned as they are.
func resizePlanes(p *planes, tw, th int, owner *planes) *planes {
	cw, ch := (tw+1)/2, (th+1)/2
	if p.y.w == tw && p.y.h == th && (p.gray || (p.subX == 2 && p.subY == 2 && p.cb.w == cw && p.cb.h == ch)) {
		return p
	}
	out := &planes{gray: p.gray, subX: 2, subY: 2}
	sx, sy := float64(p.y.w)/float64(tw), float64(p.y.h)/float64(th)
	out.y = newPlane(tw, th, owner)
	resizePlane(out.y, p.y, sx, sy)
	if p.gray {
		out.subX, out.subY = 1, 1
		return out
	}
	// A chroma sample of the source spans subX luma pixels, one of the
	// output spans 2: scale accordingly, independent of edge rounding.
	csx, csy := sx*2/float64(p.subX), sy*2/float64(p.subY)
	out.cb = newPlane(cw, ch, owner)
	out.cr = newPlane(cw, ch, owner)
	resizePlane(out.cb, p.cb, csx, csy)
	resizePlane(out.cr, p.cr, csx, csy)
	return out
}
