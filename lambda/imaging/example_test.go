package imaging_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log"

	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging"
)

// A 640×480 PNG becomes two JPEG thumbnails, each fitted to its longest edge
// with the aspect ratio kept; a size larger than the image is not upscaled.
func ExampleProcessor_Process() {
	src := image.NewNRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			src.Set(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: 128, A: 255})
		}
	}
	var upload bytes.Buffer
	if err := png.Encode(&upload, src); err != nil {
		log.Fatal(err)
	}

	p, err := imaging.New(imaging.Options{Sizes: []int{256, 1024}, Quality: 82, MaxPixels: 50_000_000})
	if err != nil {
		log.Fatal(err)
	}
	res, err := p.Process(context.Background(), upload.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %dx%d orientation %d\n", res.Format, res.Width, res.Height, res.Orientation)
	for _, th := range res.Thumbnails {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(th.JPEG))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("size %d: %dx%d JPEG (decodes as %dx%d)\n", th.Size, th.Width, th.Height, cfg.Width, cfg.Height)
	}
	// Output:
	// png 640x480 orientation 1
	// size 256: 256x192 JPEG (decodes as 256x192)
	// size 1024: 640x480 JPEG (decodes as 640x480)
}

// Bytes that are no image are a permanent fault with a reason, recorded as
// FAILED by the caller; retrying cannot help.
func ExampleProcessor_Process_badInput() {
	p, err := imaging.New(imaging.Options{Sizes: []int{256}, Quality: 82, MaxPixels: 50_000_000})
	if err != nil {
		log.Fatal(err)
	}
	_, err = p.Process(context.Background(), []byte("name,size\ncat.jpg,1024\n"))
	reason, _ := fault.ReasonOf(err)
	fmt.Println("permanent:", fault.IsPermanent(err))
	fmt.Println("reason:", reason)
	// Output:
	// permanent: true
	// reason: unsupported_format
}

// New rejects options it cannot honour, naming the field.
func ExampleNew() {
	_, err := imaging.New(imaging.Options{Sizes: []int{256, 0}, Quality: 82, MaxPixels: 50_000_000})
	fmt.Println(err)
	// Output:
	// imaging: Options.Sizes[1] is 0: each size must be between 1 and 65535 pixels
}

// Orientation 6 needs a quarter turn clockwise: the stored width becomes the
// displayed height.
func ExampleOrientation_SwapsAxes() {
	for _, o := range []imaging.Orientation{imaging.OrientNormal, imaging.OrientRotate180, imaging.OrientRotate90} {
		fmt.Println(o, o.SwapsAxes())
	}
	// Output:
	// 1 false
	// 3 false
	// 6 true
}
