package imaging

// EXIF orientation values (TIFF tag 274): how the stored pixels must be
// transformed for display.
const (
	orientNormal     = 1
	orientFlipH      = 2
	orientRotate180  = 3
	orientFlipV      = 4
	orientTranspose  = 5
	orientRotate90   = 6 // clockwise
	orientTransverse = 7
	orientRotate270  = 8 // clockwise, i.e. 90° counter-clockwise
)

// swapsAxes reports whether orientation o exchanges width and height.
func swapsAxes(o int) bool { return o >= orientTranspose && o <= orientRotate270 }

// orientPlane returns src transformed for display under orientation o, in a
// new plane owned by owner (src itself for orientation 1).
func orientPlane(src plane, o int, owner *planes) plane {
	if o < orientFlipH || o > orientRotate270 {
		return src
	}
	w, h := src.w, src.h
	dw, dh := w, h
	if swapsAxes(o) {
		dw, dh = h, w
	}
	dst := newPlane(dw, dh, owner)
	// Destination index of source pixel (x, y) is origin + x·dx + y·dy.
	var origin, dx, dy int
	switch o {
	case orientFlipH:
		origin, dx, dy = w-1, -1, dw
	case orientRotate180:
		origin, dx, dy = (h-1)*dw+w-1, -1, -dw
	case orientFlipV:
		origin, dx, dy = (h-1)*dw, 1, -dw
	case orientTranspose:
		origin, dx, dy = 0, dw, 1
	case orientRotate90:
		origin, dx, dy = h-1, dw, -1
	case orientTransverse:
		origin, dx, dy = (w-1)*dw+h-1, -dw, -1
	case orientRotate270:
		origin, dx, dy = (w-1)*dw, -dw, 1
	}
	parallelRows(h, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			i := origin + y*dy
			for _, v := range src.row(y) {
				dst.pix[i] = v
				i += dx
			}
		}
	})
	return dst
}

// orientPlanes transforms every plane of p for display under orientation o.
func orientPlanes(p *planes, o int, owner *planes) *planes {
	out := &planes{gray: p.gray, subX: p.subX, subY: p.subY}
	if swapsAxes(o) {
		out.subX, out.subY = p.subY, p.subX
	}
	out.y = orientPlane(p.y, o, owner)
	if !p.gray {
		out.cb = orientPlane(p.cb, o, owner)
		out.cr = orientPlane(p.cr, o, owner)
	}
	return out
}
