package imaging

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging/fastjpeg"
)

// pngHeaderOnly is a PNG signature and IHDR chunk declaring w×h, no pixels.
func pngHeaderOnly(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	out := append([]byte("\x89PNG\r\n\x1a\n"), binary.BigEndian.AppendUint32(nil, uint32(len(ihdr)))...)
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

func TestFailureReasons(t *testing.T) {
	photo := photoLike(100, 100)
	jpg := encodeTestJPEG(t, photo, 90)
	png := pngOf(t, photo)
	badIDAT := append([]byte(nil), png...)
	for i := len(badIDAT) / 2; i < len(badIDAT)/2+40; i++ {
		badIDAT[i] ^= 0x5a
	}
	jpeg12bit := append([]byte(nil), jpg...)
	sof := bytes.Index(jpeg12bit, []byte{0xff, 0xc0})
	require.Positive(t, sof)
	jpeg12bit[sof+4] = 12 // sample precision
	gif0x0 := encodeWith(t, func(b *bytes.Buffer) error {
		return gif.Encode(b, image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White}), nil)
	})
	gif0x0[6], gif0x0[7], gif0x0[8], gif0x0[9] = 0, 0, 0, 0 // logical screen 0×0

	cases := []struct {
		name      string
		data      []byte
		maxPixels int64
		reason    contract.Reason
		message   []string
	}{
		{"zero bytes", nil, 0, contract.ReasonEmpty, []string{"zero bytes"}},
		{"plain text", []byte("hello, this is not an image\n"), 0, contract.ReasonUnsupportedFormat, []string{"looks like text", "68656c6c6f"}},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), 0, contract.ReasonUnsupportedFormat, []string{"SVG"}},
		{"pdf", []byte("%PDF-1.7\n\x80\x81binary"), 0, contract.ReasonUnsupportedFormat, []string{"PDF"}},
		{"heic without its meta box", append([]byte("\x00\x00\x00\x18ftypheic"), make([]byte, 20)...), 0, contract.ReasonCorrupt, []string{"heic container", "neither a meta box"}},
		{"mp4 video", append([]byte("\x00\x00\x00\x18ftypisom"), make([]byte, 20)...), 0, contract.ReasonUnsupportedFormat, []string{"ISO-BMFF", "not a HEIF image"}},
		{"binary junk", []byte{0x00, 0x01, 0x02, 0xfe, 0x80, 0x90}, 0, contract.ReasonUnsupportedFormat, []string{"unrecognised data", "000102fe8090"}},
		{"jpeg cut in half", jpg[:len(jpg)/2], 0, contract.ReasonCorrupt, []string{"jpeg image data is truncated"}},
		{"jpeg header only", jpg[:20], 0, contract.ReasonCorrupt, []string{"jpeg"}},
		{"jpeg 12-bit", jpeg12bit, 0, contract.ReasonUnsupportedFormat, []string{"unsupported", "precision"}},
		{"png with damaged pixels", badIDAT, 0, contract.ReasonCorrupt, []string{"png"}},
		{"png without pixels", pngHeaderOnly(10, 10), 0, contract.ReasonCorrupt, []string{"png"}},
		{"gif with a 0x0 screen", gif0x0, 0, contract.ReasonCorrupt, []string{"impossible dimensions 0x0"}},
		{"over the pixel cap", png, 9_999, contract.ReasonTooManyPixels, []string{"100x100 = 10000 pixels", "cap of 9999"}},
		{"huge dimensions, no data", pngHeaderOnly(100_000, 100_000), 0, contract.ReasonTooManyPixels, []string{"100000x100000"}},
		{"riff that is not webp", []byte("RIFF\x10\x00\x00\x00WAVEfmt "), 0, contract.ReasonUnsupportedFormat, []string{"RIFF"}},
		{"truncated webp", readTestdata(t, "video-001.lossy.webp")[:200], 0, contract.ReasonCorrupt, []string{"webp"}},
		{"bmp header only", []byte("BM\x00\x00"), 0, contract.ReasonCorrupt, []string{"bmp"}},
		{"tiff header only", []byte("II*\x00\x08\x00\x00\x00"), 0, contract.ReasonCorrupt, []string{"tiff"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Sizes: []int{64}, Quality: 80, MaxPixels: 50_000_000}
			if tc.maxPixels > 0 {
				opts.MaxPixels = tc.maxPixels
			}
			p, err := New(opts)
			require.NoError(t, err)
			res, err := p.Process(context.Background(), tc.data)
			require.Error(t, err)
			assert.Nil(t, res)
			reason, ok := fault.ReasonOf(err)
			require.True(t, ok, "want a permanent failure, got %v", err)
			assert.Equal(t, tc.reason, reason, "error: %v", err)
			for _, m := range tc.message {
				assert.Contains(t, err.Error(), m)
			}
		})
	}
}

func TestCancelledContextIsTransient(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newTestProcessor(t, 64).Process(ctx, encodeTestJPEG(t, photoLike(64, 64), 90))
	require.Error(t, err)
	assert.False(t, fault.IsPermanent(err))
	var te *fault.TransientError
	assert.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, context.Canceled)

	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = newTestProcessor(t, 64).Process(ctx, encodeTestJPEG(t, photoLike(64, 64), 90))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, fault.IsPermanent(err))
}

// A decoder that panics on hostile input means a corrupt image (permanent);
// any other panic is a defect of this code and must be retried and
// alarmed on (transient), never recorded as a bad image.
func TestPanicsAreClassified(t *testing.T) {
	img := encodeTestJPEG(t, photoLike(64, 64), 90)
	tests := []struct {
		name      string
		run       func() error
		permanent bool
		wantMsg   string
	}{
		{"decoder panics on hostile input", func() (err error) {
			defer recoverAs(&err, FormatPNG, "image data")
			panic("index out of range")
		}, true, "png image data is malformed (decoder panicked: index out of range)"},
		{"defect outside the decoders", func() error {
			var p *Processor // nil: dereferencing its options panics
			_, err := p.Process(context.Background(), img)
			return err
		}, false, "processing panicked (a defect, not a bad image)"},
		{"encoder panics", func() error {
			p := newTestProcessor(t, 64)
			p.formats[0].encode = func(*planes, encodeOptions) ([]byte, error) { panic("encoder bug") }
			_, err := p.Process(context.Background(), img)
			return err
		}, false, "encoding the 64 px jpeg thumbnail panicked: encoder bug"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.wantMsg)
			assert.Equal(t, tc.permanent, fault.IsPermanent(err))
			if tc.permanent {
				reason, _ := fault.ReasonOf(err)
				assert.Equal(t, contract.ReasonCorrupt, reason)
				return
			}
			var te *fault.TransientError
			assert.ErrorAs(t, err, &te)
		})
	}
}

func TestNewValidatesOptions(t *testing.T) {
	good := Options{Sizes: []int{256, 1024}, Quality: 82, MaxPixels: 50_000_000}
	cases := []struct {
		name   string
		modify func(*Options)
		field  string
	}{
		{"no sizes", func(o *Options) { o.Sizes = nil }, "Options.Sizes"},
		{"zero size", func(o *Options) { o.Sizes = []int{256, 0} }, "Options.Sizes[1]"},
		{"negative size", func(o *Options) { o.Sizes = []int{-3} }, "Options.Sizes[0]"},
		{"size over the JPEG limit", func(o *Options) { o.Sizes = []int{70000} }, "Options.Sizes[0]"},
		{"quality 0", func(o *Options) { o.Quality = 0 }, "Options.Quality"},
		{"quality 101", func(o *Options) { o.Quality = 101 }, "Options.Quality"},
		{"no pixel cap", func(o *Options) { o.MaxPixels = 0 }, "Options.MaxPixels"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			o.Sizes = append([]int(nil), good.Sizes...)
			tc.modify(&o)
			p, err := New(o)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), tc.field)
		})
	}
	p, err := New(good)
	require.NoError(t, err)
	assert.NotNil(t, p)
}

func TestFit(t *testing.T) {
	cases := []struct{ w, h, size, wantW, wantH int }{
		{4032, 3024, 256, 256, 192},
		{4032, 3024, 1024, 1024, 768},
		{3024, 4032, 1024, 768, 1024},
		{1000, 1000, 256, 256, 256},
		{333, 1000, 100, 33, 100},
		{257, 256, 256, 256, 255},
		{5000, 3, 256, 256, 1},   // the short edge never rounds to 0
		{2, 9000, 1024, 1, 1024}, // idem
		{100, 50, 256, 100, 50},  // never upscale
		{256, 100, 256, 256, 100},
	}
	for _, tc := range cases {
		w, h := fit(tc.w, tc.h, tc.size)
		assert.Equal(t, [2]int{tc.wantW, tc.wantH}, [2]int{w, h}, "%dx%d to %d", tc.w, tc.h, tc.size)
	}
}

func TestNoUpscaleAndOrder(t *testing.T) {
	img := photoLike(300, 120)
	res, err := newTestProcessor(t, 1024, 64, 256).Process(context.Background(), encodeTestJPEG(t, img, 90))
	require.NoError(t, err)
	require.Len(t, res.Thumbnails, 3)
	want := [][3]int{{1024, 300, 120}, {64, 64, 26}, {256, 256, 102}}
	for i, th := range res.Thumbnails {
		assert.Equal(t, want[i], [3]int{th.Size, th.Width, th.Height})
		assert.Equal(t, image.Rect(0, 0, th.Width, th.Height), decodeJPEGBytes(t, th.JPEG).Bounds())
	}
	// Sizes that all exceed the image give the same, unscaled thumbnail.
	res, err = newTestProcessor(t, 512, 2048).Process(context.Background(), encodeTestJPEG(t, img, 90))
	require.NoError(t, err)
	assert.Equal(t, [2]int{300, 120}, [2]int{res.Thumbnails[1].Width, res.Thumbnails[1].Height})
	assert.Equal(t, res.Thumbnails[0].JPEG, res.Thumbnails[1].JPEG)
}

func TestTransparencyBecomesWhite(t *testing.T) {
	// Left half fully transparent red, right half half-transparent black.
	img := image.NewNRGBA(image.Rect(0, 0, 64, 32))
	for y := range 32 {
		for x := range 64 {
			if x < 32 {
				img.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 0})
			} else {
				img.SetNRGBA(x, y, color.NRGBA{0, 0, 0, 128})
			}
		}
	}
	res, err := newTestProcessor(t, 64).Process(context.Background(), pngOf(t, img))
	require.NoError(t, err)
	out := decodeJPEGBytes(t, res.Thumbnails[0].JPEG)
	for c, v := range rgbOf(out.At(10, 16)) {
		assert.InDelta(t, 255, v, 3, "transparent pixels are white (channel %d)", c)
	}
	for c, v := range rgbOf(out.At(54, 16)) {
		assert.InDelta(t, 127, v, 4, "half-transparent black over white is mid grey (channel %d)", c)
	}
}

// markers lists the JPEG marker segments before the first scan.
func markers(t *testing.T, jpg []byte) []byte {
	t.Helper()
	require.True(t, bytes.HasPrefix(jpg, []byte{0xff, 0xd8}))
	var out []byte
	for i := 2; i+4 <= len(jpg); {
		require.Equal(t, byte(0xff), jpg[i], "marker expected at %d", i)
		m := jpg[i+1]
		out = append(out, m)
		if m == 0xda {
			return out
		}
		i += 2 + int(binary.BigEndian.Uint16(jpg[i+2:]))
	}
	t.Fatal("no start of scan")
	return nil
}

func TestOutputCarriesNoMetadata(t *testing.T) {
	tiff := buildExif(exifFields{orientation: 6, make: "Canon", model: "EOS 5D", dateTimeOriginal: "2023:05:06 07:08:09"})
	jpg := withAPP1(encodeTestJPEG(t, photoLike(200, 100), 90), tiff)
	require.NotEqual(t, -1, bytes.Index(markers(t, jpg), []byte{0xe1}), "the input does carry APP1")
	res, err := newTestProcessor(t, 1024, 64).Process(context.Background(), jpg)
	require.NoError(t, err)
	for _, th := range res.Thumbnails {
		for _, m := range markers(t, th.JPEG) {
			assert.False(t, m >= 0xe0 && m <= 0xef, "output has an APP%d segment", m-0xe0)
			assert.NotEqual(t, byte(0xfe), m, "output has a comment segment")
		}
		assert.NotContains(t, string(th.JPEG), "Exif")
		assert.NotContains(t, string(th.JPEG), "Canon")
	}
	require.NotNil(t, res.Exif)
	assert.Equal(t, "Canon", res.Exif.Make)
	assert.Equal(t, "EOS 5D", res.Exif.Model)
	assert.Equal(t, time.Date(2023, 5, 6, 7, 8, 9, 0, time.UTC), res.Exif.TakenAt)
	assert.Equal(t, OrientRotate90, res.Orientation)
	assert.Equal(t, [2]int{100, 200}, [2]int{res.Width, res.Height})
}

func TestConcurrentProcessing(t *testing.T) {
	p := newTestProcessor(t, 256, 64)
	inputs := [][]byte{encodeTestJPEG(t, photoLike(640, 480), 90), pngOf(t, withAlpha(photoLike(300, 500)))}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			_, err := p.Process(context.Background(), inputs[i%2])
			errs <- err
		}()
	}
	for range 8 {
		assert.NoError(t, <-errs)
	}
}

func TestErrorsAreNotWrappedTwice(t *testing.T) {
	_, err := newTestProcessor(t, 64).Process(context.Background(), []byte("nope"))
	var pe *fault.PermanentError
	require.True(t, errors.As(err, &pe))
	assert.NotContains(t, errors.Unwrap(pe).Error(), string(contract.ReasonUnsupportedFormat))
}

func TestGIFFirstFrameOnItsScreen(t *testing.T) {
	frame := image.NewPaletted(image.Rect(8, 8, 24, 24), color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}})
	second := image.NewPaletted(image.Rect(0, 0, 32, 32), frame.Palette)
	for i := range second.Pix {
		second.Pix[i] = 1
	}
	data := encodeWith(t, func(b *bytes.Buffer) error {
		return gif.EncodeAll(b, &gif.GIF{
			Image: []*image.Paletted{frame, second}, Delay: []int{10, 10},
			Config: image.Config{Width: 32, Height: 32, ColorModel: frame.Palette},
		})
	})
	res, err := newTestProcessor(t, 64).Process(context.Background(), data)
	require.NoError(t, err)
	out := decodeJPEGBytes(t, res.Thumbnails[0].JPEG)
	require.Equal(t, image.Rect(0, 0, 32, 32), out.Bounds())
	for c, v := range rgbOf(out.At(2, 2)) {
		assert.InDelta(t, 255, v, 8, "outside the first frame is white (channel %d)", c)
	}
	got := rgbOf(out.At(16, 16))
	assert.Greater(t, got[0], 200.0, "first frame (red) in the middle: %v", got)
	assert.Less(t, got[2], 60.0, "not the second frame (blue): %v", got)
}

func TestAnimatedWebPIsUnsupported(t *testing.T) {
	data := []byte("RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x02\x00\x00\x00\x0f\x00\x00\x0f\x00\x00")
	_, err := newTestProcessor(t, 64).Process(context.Background(), data)
	reason, _ := fault.ReasonOf(err)
	assert.Equal(t, contract.ReasonUnsupportedFormat, reason)
	assert.ErrorContains(t, err, "animated WebP")
}

// TestJPEGScanLimit: a file with more scans than fastjpeg.MaxScans fails as
// corrupt, through the whole pipeline. fastjpeg's tests cover the count.
func TestJPEGScanLimit(t *testing.T) {
	baseline := encodeTestJPEG(t, photoLike(64, 64), 90)
	sos := bytes.Index(baseline, []byte{0xff, 0xda})
	scan := baseline[sos : len(baseline)-2]
	crafted := append([]byte(nil), baseline[:sos]...)
	for range fastjpeg.MaxScans + 50 {
		crafted = append(crafted, scan...)
	}
	crafted = append(crafted, 0xff, 0xd9)
	_, err := newTestProcessor(t, 32).Process(context.Background(), crafted)
	reason, _ := fault.ReasonOf(err)
	assert.Equal(t, contract.ReasonCorrupt, reason)
	assert.ErrorContains(t, err, "scans")
}

func TestTinyAndExtremeImages(t *testing.T) {
	cases := []struct {
		name string
		img  image.Image
		enc  func(testing.TB, image.Image) []byte
	}{
		{"1x1 jpeg", photoLike(1, 1), func(t testing.TB, m image.Image) []byte { return encodeTestJPEG(t, m, 90) }},
		{"1x1 png", photoLike(1, 1), pngOf},
		{"3x1 png", photoLike(3, 1), pngOf},
		{"1x700 jpeg", photoLike(1, 700), func(t testing.TB, m image.Image) []byte { return encodeTestJPEG(t, m, 90) }},
		{"2000x3 png", photoLike(2000, 3), pngOf},
		{"17x13 grey jpeg", grayOf(photoLike(17, 13), false), func(t testing.TB, m image.Image) []byte { return encodeTestJPEG(t, m, 90) }},
	}
	p := newTestProcessor(t, 256, 8)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := p.Process(context.Background(), tc.enc(t, tc.img))
			require.NoError(t, err)
			b := tc.img.Bounds()
			for _, th := range res.Thumbnails {
				w, h := fit(b.Dx(), b.Dy(), th.Size)
				require.Equal(t, [2]int{w, h}, [2]int{th.Width, th.Height})
				assert.Equal(t, image.Rect(0, 0, w, h), decodeJPEGBytes(t, th.JPEG).Bounds())
			}
		})
	}
}
