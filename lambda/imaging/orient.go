package imaging

// Orientation is an EXIF orientation (TIFF tag 274, values 1..8): how the
// stored pixels must be transformed for display.
type Orientation uint8

// The eight EXIF orientations, named for the transform that makes the
// stored pixels upright.
const (
	OrientNormal     Orientation = 1
	OrientFlipH      Orientation = 2
	OrientRotate180  Orientation = 3
	OrientFlipV      Orientation = 4
	OrientTranspose  Orientation = 5
	OrientRotate90   Orientation = 6 // clockwise
	OrientTransverse Orientation = 7
	OrientRotate270  Orientation = 8 // clockwise, i.e. 90° counter-clockwise
)

// Valid reports whether o is one of the eight EXIF orientations.
func (o Orientation) Valid() bool { return o >= OrientNormal && o <= OrientRotate270 }

// SwapsAxes reports whether o exchanges width and height (a quarter turn,
// with or without a mirror).
func (o Orientation) SwapsAxes() bool { return o >= OrientTranspose && o <= OrientRotate270 }

// orientPlane returns src transformed for display under orientation o, in a
// new plane owned by owner (src itself for orientation 1 or an invalid o).
func orientPlane(src plane, o Orientation, owner *planes) plane {
	if o == OrientNormal || !o.Valid() {
		return src
	}
	w, h := src.w, src.h
	dw, dh := w, h
	if o.SwapsAxes() {
		dw, dh = h, w
	}
	dst := newPlane(dw, dh, owner)
	// Destination index of source pixel (x, y) is origin + x·dx + y·dy.
	var origin, dx, dy int
	switch o {
	case OrientFlipH:
		origin, dx, dy = w-1, -1, dw
	case OrientRotate180:
		origin, dx, dy = (h-1)*dw+w-1, -1, -dw
	case OrientFlipV:
		origin, dx, dy = (h-1)*dw, 1, -dw
	case OrientTranspose:
		origin, dx, dy = 0, dw, 1
	case OrientRotate90:
		origin, dx, dy = h-1, dw, -1
	case OrientTransverse:
		origin, dx, dy = (w-1)*dw+h-1, -dw, -1
	case OrientRotate270:
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
func orientPlanes(p *planes, o Orientation, owner *planes) *planes {
	out := &planes{gray: p.gray, subX: p.subX, subY: p.subY}
	if o.SwapsAxes() {
		out.subX, out.subY = p.subY, p.subX
	}
	out.y = orientPlane(p.y, o, owner)
	if !p.gray {
		out.cb = orientPlane(p.cb, o, owner)
		out.cr = orientPlane(p.cr, o, owner)
	}
	return out
}
