package processor

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/config"
	"github.com/imgpipe/imgpipe/lambda/imaging"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// TestWithRealImaging runs the handler with the real imaging package on a
// 640x480 PNG made here: PROCESSED, with a 256 px thumbnail and a 1024 px
// one that is not upscaled (640x480).
func TestWithRealImaging(t *testing.T) {
	x := newHarness(t, true, 4)
	img, err := imaging.New(imaging.Options{Sizes: sizes, Quality: contract.DefaultJPEGQuality, MaxPixels: contract.DefaultMaxImagePixels})
	require.NoError(t, err)
	x.h.imager = img

	src := image.NewNRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			src.Set(x, y, color.NRGBA{R: uint8(x * 255 / 639), G: uint8(y * 255 / 479), B: 128, A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, src))
	r := x.upload("uploads/real/gradient.png", buf.Bytes())

	require.NoError(t, x.h.Handle(context.Background(), event(t, r)))

	rec := x.recordOf(t, "uploads/real/gradient.png")
	require.Equal(t, contract.StatusProcessed, rec.Status, "failure: %s %s", rec.FailureReason, rec.FailureMessage)
	assert.Equal(t, string(imaging.FormatPNG), rec.Format)
	assert.Equal(t, 640, rec.Width)
	assert.Equal(t, 480, rec.Height)
	assert.Equal(t, 1, rec.Orientation)
	assert.Equal(t, "srgb", rec.ColorSpace, "untagged is sRGB")
	assert.Equal(t, string(imaging.ColorNone), rec.ColorAction)
	require.Len(t, rec.Thumbnails, 2)
	want := map[string][2]int{"256": {256, 192}, "1024": {640, 480}}
	for size, wh := range want {
		th := rec.Thumbnails[size]
		assert.Equal(t, wh[0], th.Width, size)
		assert.Equal(t, wh[1], th.Height, size)
		obj, ok := x.s3.Current(bucket, th.Key)
		require.True(t, ok, "thumbnail %s written at %s", size, th.Key)
		assert.Equal(t, "image/jpeg", obj.ContentType)
		assert.EqualValues(t, len(obj.Body), th.Bytes)
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(obj.Body))
		require.NoError(t, err, "thumbnail %s is a JPEG", size)
		assert.Equal(t, wh, [2]int{cfg.Width, cfg.Height}, size)
	}
}

// BenchmarkHandlerRealImaging12MP measures one record end to end through
// the handler (fakes of S3 and DynamoDB, real imaging) on a 4032x3024 JPEG
// made in code, with the default sizes and quality.
func BenchmarkHandlerRealImaging12MP(b *testing.B) {
	x := newHarness(b, true, 1)
	x.h.opts.MaxImageBytes = contract.DefaultMaxImageBytes
	img, err := imaging.New(imaging.Options{Sizes: sizes, Quality: contract.DefaultJPEGQuality, MaxPixels: contract.DefaultMaxImagePixels})
	require.NoError(b, err)
	x.h.imager = img
	src := image.NewYCbCr(image.Rect(0, 0, 4032, 3024), image.YCbCrSubsampleRatio420)
	seed := uint32(1)
	for i := range src.Y {
		seed = seed*1664525 + 1013904223
		src.Y[i] = uint8(i%4032/16) + uint8(seed>>28)
	}
	for i := range src.Cb {
		src.Cb[i], src.Cr[i] = uint8(i%2016/8), uint8(i/2016%256)
	}
	var buf bytes.Buffer
	require.NoError(b, jpeg.Encode(&buf, src, &jpeg.Options{Quality: 90}))
	ev := event(b, x.upload("uploads/bench/12mp.jpg", buf.Bytes()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := x.h.Handle(context.Background(), ev); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	rec := x.recordOf(b, "uploads/bench/12mp.jpg")
	require.Equal(b, contract.StatusProcessed, rec.Status, "%s %s", rec.FailureReason, rec.FailureMessage)
	b.ReportMetric(float64(buf.Len()), "input-bytes")
}

// TestDefaultRecordUnchanged: under the default configuration (as main
// wires it from an environment with only the required variables) a record
// and the thumbnail keys are what they were before formats existed, except
// for the attributes record version 2 adds: the same attributes, each
// size's key/width/height/bytes the JPEG's at contract.ThumbnailKey, the
// same JPEG bytes as imaging without any format option, and no other
// thumbnail object.
func TestDefaultRecordUnchanged(t *testing.T) {
	cfg, err := config.Load(func(name string) (string, bool) {
		switch name {
		case contract.EnvTableName:
			return table, true
		case contract.EnvEnvironment:
			return "test", true
		}
		return "", false
	})
	require.NoError(t, err)
	require.Equal(t, []contract.ThumbnailFormat{contract.FormatJPEG}, cfg.ThumbnailFormats)
	formats := []imaging.Format{imaging.Format(cfg.ThumbnailFormats[0].Name)}
	img, err := imaging.New(imaging.Options{Sizes: cfg.ThumbnailSizes, Quality: cfg.JPEGQuality, MaxPixels: cfg.MaxImagePixels,
		Formats: formats, WebPQuality: cfg.WebPQuality, AVIFQuality: cfg.AVIFQuality, ColorOutput: imaging.ColorOutput(cfg.ColorOutput)})
	require.NoError(t, err)
	x := newHarness(t, true, 4)
	x.h.imager = img
	x.h.opts.ThumbnailFormats, x.h.opts.CacheControl = cfg.ThumbnailFormats, cfg.ThumbnailCacheControl

	src := image.NewNRGBA(image.Rect(0, 0, 900, 600))
	for y := range 600 {
		for x := range 900 {
			src.Set(x, y, color.NRGBA{R: uint8(x * 255 / 899), G: uint8(y * 255 / 599), B: uint8((x ^ y) & 255), A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, src))
	const key = "uploads/default/photo.png"
	require.NoError(t, x.h.Handle(context.Background(), event(t, x.upload(key, buf.Bytes()))))
	rec := x.recordOf(t, key)
	require.Equal(t, contract.StatusProcessed, rec.Status)

	item, err := attributevalue.MarshalMap(rec)
	require.NoError(t, err)
	version1 := []string{"imageId", "uploadTimestamp", "status", "bucket", "key", "versionId", "etag", "size", "contentType",
		"format", "width", "height", "orientation", "bitDepth", "sha256", "colorSpace", "colorAction", "thumbnails",
		"rendition", "processedAt", "durationMs"}
	added := []string{"recordVersion", "placeholder", "averageColor", "dominantColor"}
	assert.ElementsMatch(t, append(version1, added...), slices.Collect(maps.Keys(item)), "the attributes: version 1's and version 2's additions")

	old, err := imaging.New(imaging.Options{Sizes: sizes, Quality: contract.DefaultJPEGQuality, MaxPixels: contract.DefaultMaxImagePixels})
	require.NoError(t, err)
	before, err := old.Process(context.Background(), buf.Bytes())
	require.NoError(t, err)
	thumbs := item["thumbnails"].(*types.AttributeValueMemberM).Value
	var keys []string
	for _, th := range before.Thumbnails {
		size := strconv.Itoa(th.Size)
		got := rec.Thumbnails[size]
		wantKey := contract.ThumbnailKey(contract.ThumbnailsPrefix, contract.UploadsPrefix, key, th.Size)
		assert.Equal(t, wantKey, got.Key, "the size's key is the JPEG key it always was")
		assert.Equal(t, [3]int64{int64(th.Width), int64(th.Height), int64(len(th.JPEG))}, [3]int64{int64(got.Width), int64(got.Height), got.Bytes})
		obj, ok := x.s3.Current(bucket, wantKey)
		require.True(t, ok)
		assert.Equal(t, th.JPEG, obj.Body, "the same JPEG bytes as before formats existed")
		assert.Equal(t, "image/jpeg", obj.ContentType)
		assert.Equal(t, map[string]metadata.FormatFile{"jpeg": {Key: wantKey, Bytes: got.Bytes, ContentType: "image/jpeg"}}, got.Formats)
		attrs := thumbs[size].(*types.AttributeValueMemberM).Value
		assert.ElementsMatch(t, []string{"key", "width", "height", "bytes", "formats"}, slices.Collect(maps.Keys(attrs)))
		keys = append(keys, wantKey)
	}
	var written []string
	for _, k := range x.s3.Keys(bucket) {
		if strings.HasPrefix(k, contract.ThumbnailsPrefix) {
			written = append(written, k)
		}
	}
	assert.ElementsMatch(t, keys, written, "no thumbnail but the JPEGs")
}
