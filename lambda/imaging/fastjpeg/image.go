package fastjpeg

import (
	"image"
	"image/color"
)

func subsampleRatio(h, v int) (image.YCbCrSubsampleRatio, bool) {
	switch {
	case h == 1 && v == 1:
		return image.YCbCrSubsampleRatio444, true
	case h == 2 && v == 1:
		return image.YCbCrSubsampleRatio422, true
	case h == 2 && v == 2:
		return image.YCbCrSubsampleRatio420, true
	case h == 1 && v == 2:
		return image.YCbCrSubsampleRatio440, true
	case h == 4 && v == 1:
		return image.YCbCrSubsampleRatio411, true
	case h == 4 && v == 2:
		return image.YCbCrSubsampleRatio410, true
	}
	return 0, false
}

// image assembles the decoded planes into the result image.
func (d *decoder) image() (image.Image, error) {
	if d.progressive {
		d.finishProgressive()
	}
	w := (d.width + d.scale - 1) / d.scale
	h := (d.height + d.scale - 1) / d.scale
	rect := image.Rect(0, 0, w, h)
	switch d.ncomp {
	case 1:
		c := &d.comp[0]
		return &image.Gray{Pix: c.plane, Stride: c.stride, Rect: rect}, nil
	case 3:
		y, cb, cr := &d.comp[0], &d.comp[1], &d.comp[2]
		ratio, _ := subsampleRatio(d.hmax/cb.h, d.vmax/cb.v)
		return &image.YCbCr{
			Y: y.plane, Cb: cb.plane, Cr: cr.plane,
			YStride: y.stride, CStride: cb.stride,
			SubsampleRatio: ratio, Rect: rect,
		}, nil
	}
	return d.cmyk(rect), nil
}

// cmyk interleaves four planes the way image/jpeg does: Adobe CMYK is
// stored inverted; YCCK's first three channels convert to RGB, which is
// already the inverted CMY, and only K is inverted.
func (d *decoder) cmyk(rect image.Rectangle) *image.CMYK {
	img := image.NewCMYK(rect)
	ycck := d.adobeTransform != 0
	var sx, sy [4]int
	for i := 0; i < 4; i++ {
		sx[i], sy[i] = d.hmax/d.comp[i].h, d.vmax/d.comp[i].v
	}
	for y := 0; y < rect.Dy(); y++ {
		out := img.Pix[y*img.Stride : y*img.Stride+4*rect.Dx()]
		var rows [4][]byte
		for i := 0; i < 4; i++ {
			c := &d.comp[i]
			rows[i] = c.plane[(y/sy[i])*c.stride:]
		}
		for x := 0; x < rect.Dx(); x++ {
			p := out[4*x : 4*x+4 : 4*x+4]
			a, b, c, k := rows[0][x/sx[0]], rows[1][x/sx[1]], rows[2][x/sx[2]], rows[3][x/sx[3]]
			if ycck {
				r, g, bl := color.YCbCrToRGB(a, b, c)
				p[0], p[1], p[2], p[3] = r, g, bl, 255-k
			} else {
				p[0], p[1], p[2], p[3] = 255-a, 255-b, 255-c, 255-k
			}
		}
	}
	return img
}
