package verify

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// ExpectedSize is the size of the thumbnail of a w×h (upright) image for a
// longest edge of size: the longest edge becomes size, the other keeps the
// aspect ratio (rounded, at least 1), and an image already within size is
// never upscaled.
func ExpectedSize(w, h, size int) (int, int) {
	long := max(w, h)
	if long <= size {
		return w, h
	}
	scale := float64(size) / float64(long)
	short := func(v int) int { return max(1, int(math.Round(float64(v)*scale))) }
	if w >= h {
		return size, short(h)
	}
	return short(w), size
}

// sizeMatches accepts got for want: the longest edge exactly, the other
// within one pixel (implementations may round or truncate it).
func sizeMatches(gotW, gotH, wantW, wantH int) bool {
	if wantW >= wantH {
		return gotW == wantW && abs(gotH-wantH) <= 1
	}
	return gotH == wantH && abs(gotW-wantW) <= 1
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// ThumbnailKey is where the thumbnail of size for key is stored.
func (tg Target) ThumbnailKey(key string, size int) string {
	return contract.ThumbnailKey(tg.ThumbnailsPrefix, tg.UploadsPrefix, key, size)
}

// Thumbnail fetches and decodes the thumbnail of size for key. It returns
// the raw bytes too. A thumbnail that is not a JPEG is an error.
func Thumbnail(ctx context.Context, tg Target, key string, size int) (image.Image, []byte, error) {
	tk := tg.ThumbnailKey(key, size)
	out, err := tg.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(tg.Bucket), Key: aws.String(tk)})
	if err != nil {
		return nil, nil, fmt.Errorf("get thumbnail s3://%s/%s: %w", tg.Bucket, tk, err)
	}
	defer func() { _ = out.Body.Close() }() // read-only: ReadAll reports the read errors
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("read thumbnail s3://%s/%s: %w", tg.Bucket, tk, err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, data, fmt.Errorf("thumbnail s3://%s/%s (%d bytes) is not a decodable JPEG: %w", tg.Bucket, tk, len(data), err)
	}
	return img, data, nil
}

// AssertThumbnails waits until, for every configured size, the thumbnail
// of key exists at contract.ThumbnailKey, decodes as a JPEG and has the
// size ExpectedSize gives for an upright srcW×srcH original. It returns the
// decoded thumbnails by size, for pixel checks.
func AssertThumbnails(t testing.TB, ctx context.Context, tg Target, key string, srcW, srcH int) map[int]image.Image {
	t.Helper()
	require.NotEmpty(t, tg.Sizes, "verify: Target.Sizes is empty: which thumbnails to expect is unknown")
	got := map[int]image.Image{}
	for _, size := range tg.Sizes {
		wantW, wantH := ExpectedSize(srcW, srcH, size)
		var img image.Image
		err := poll(ctx, tg.timeout(), tg.interval(), func(ctx context.Context) (bool, error) {
			var err error
			img, _, err = Thumbnail(ctx, tg, key, size)
			if err != nil {
				return false, err
			}
			b := img.Bounds()
			if !sizeMatches(b.Dx(), b.Dy(), wantW, wantH) {
				return false, fmt.Errorf("thumbnail %s is %dx%d, want %dx%d (source %dx%d, size %d)",
					tg.ThumbnailKey(key, size), b.Dx(), b.Dy(), wantW, wantH, srcW, srcH, size)
			}
			return true, nil
		})
		require.NoError(t, err, "thumbnail %d of %q", size, key)
		got[size] = img
	}
	return got
}

// AssertRecordThumbnails fails t unless rec lists one thumbnail per
// configured size, at contract.ThumbnailKey, with the expected size for an
// upright srcW×srcH original and a non-zero byte count.
func AssertRecordThumbnails(t testing.TB, tg Target, rec metadata.Record, srcW, srcH int) {
	t.Helper()
	require.Equal(t, [2]int{srcW, srcH}, [2]int{rec.Width, rec.Height}, "upright width and height in the record of %q", rec.Key)
	require.Len(t, rec.Thumbnails, len(tg.Sizes), "record of %q lists %v, want one thumbnail per size %v", rec.Key, rec.Thumbnails, tg.Sizes)
	for _, size := range tg.Sizes {
		th, ok := rec.Thumbnails[strconv.Itoa(size)]
		require.True(t, ok, "record of %q has no thumbnail of size %d: %v", rec.Key, size, rec.Thumbnails)
		wantW, wantH := ExpectedSize(srcW, srcH, size)
		require.Equal(t, tg.ThumbnailKey(rec.Key, size), th.Key, "record of %q: key of thumbnail %d", rec.Key, size)
		require.True(t, sizeMatches(th.Width, th.Height, wantW, wantH), "record of %q: thumbnail %d is %dx%d, want %dx%d", rec.Key, size, th.Width, th.Height, wantW, wantH)
		require.Positive(t, th.Bytes, "record of %q: bytes of thumbnail %d", rec.Key, size)
	}
}

// Upload puts body at key (the caller adds the uploads prefix) and returns
// the identity of the new version.
func Upload(ctx context.Context, tg Target, key string, body []byte) (Object, error) {
	return UploadAs(ctx, tg, key, "", body)
}

// UploadAs is Upload with a Content-Type (none when empty). The pipeline
// never trusts it; it is recorded as given.
func UploadAs(ctx context.Context, tg Target, key, contentType string, body []byte) (Object, error) {
	in := &s3.PutObjectInput{Bucket: aws.String(tg.Bucket), Key: aws.String(key), Body: bytes.NewReader(body)}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	out, err := tg.S3.PutObject(ctx, in)
	if err != nil {
		return Object{}, fmt.Errorf("upload s3://%s/%s: %w", tg.Bucket, key, err)
	}
	return Object{Key: key, VersionID: aws.ToString(out.VersionId), ETag: aws.ToString(out.ETag)}, nil
}

// MustUpload is Upload that fails t on error.
func MustUpload(t testing.TB, ctx context.Context, tg Target, key string, body []byte) Object {
	t.Helper()
	obj, err := Upload(ctx, tg, key, body)
	require.NoError(t, err)
	return obj
}

// AssertNoThumbnails fails t if any configured thumbnail of key exists.
func AssertNoThumbnails(t testing.TB, ctx context.Context, tg Target, key string) {
	t.Helper()
	for _, size := range tg.Sizes {
		tk := tg.ThumbnailKey(key, size)
		out, err := tg.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(tg.Bucket), Key: aws.String(tk)})
		if err == nil {
			_ = out.Body.Close() // the thumbnail should not exist: the test fails just below
		}
		require.Error(t, err, "thumbnail s3://%s/%s exists, want none for %q", tg.Bucket, tk, key)
		var nf *s3types.NoSuchKey
		require.ErrorAs(t, err, &nf, "check thumbnail s3://%s/%s", tg.Bucket, tk)
	}
}
