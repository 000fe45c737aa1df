package verify

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// Delete deletes key as a user would (DeleteObject without a version id:
// in the versioned bucket, a delete marker) and returns the marker's
// version id ("" when the store sends none).
func Delete(ctx context.Context, tg Target, key string) (string, error) {
	if err := tg.validate(); err != nil {
		return "", err
	}
	out, err := tg.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(tg.Bucket), Key: aws.String(key)})
	if err != nil {
		return "", fmt.Errorf("verify: delete s3://%s/%s: %w", tg.Bucket, key, err)
	}
	return aws.ToString(out.VersionId), nil
}

// MustDelete is Delete, failing t on error.
func MustDelete(t testing.TB, ctx context.Context, tg Target, key string) string {
	t.Helper()
	v, err := Delete(ctx, tg, key)
	require.NoError(t, err)
	return v
}

// WaitForDeleted waits until the record of obj's version is DELETED and
// fails t unless it kept no content-derived field but its dimensions and
// format: no EXIF summary, orientation, digest, ETag, thumbnails,
// placeholder, colour fields or failure details.
func WaitForDeleted(t testing.TB, ctx context.Context, tg Target, obj Object) metadata.Record {
	t.Helper()
	var rec metadata.Record
	err := poll(ctx, tg.timeout(), tg.interval(), func(ctx context.Context) (bool, error) {
		by, err := RecordsByKey(ctx, tg)
		if err != nil {
			return false, err
		}
		for _, r := range by[obj.Key] {
			if obj.VersionID != "" && r.VersionID != obj.VersionID {
				continue
			}
			rec = r
			if r.Status == contract.StatusDeleted {
				return true, nil
			}
			return false, fmt.Errorf("the record of %q is %s, not %s yet", obj.Key, r.Status, contract.StatusDeleted)
		}
		return false, fmt.Errorf("no record of %q (version %q)", obj.Key, obj.VersionID)
	})
	require.NoError(t, err, "the record of deleted s3://%s/%s in table %s", tg.Bucket, obj.Key, tg.Table)
	require.Positive(t, rec.DeletedAt, "a DELETED record says when (deletedAt)")
	require.Nil(t, rec.Exif, "a DELETED record of %q keeps no EXIF summary", obj.Key)
	for field, v := range map[string]any{
		"sha256": rec.SHA256, "etag": rec.ETag, "orientation": rec.Orientation, "thumbnails": len(rec.Thumbnails),
		"colorProfile": rec.ColorProfile, "colorSpace": rec.ColorSpace, "colorAction": rec.ColorAction, "colorNote": rec.ColorNote,
		"placeholder": rec.Placeholder, "averageColor": rec.AverageColor, "dominantColor": rec.DominantColor,
		"failureReason":  rec.FailureReason,
		"failureMessage": rec.FailureMessage,
	} {
		require.Zero(t, v, "a DELETED record of %q keeps no %s", obj.Key, field)
	}
	return rec
}

// WaitForNoThumbnails waits until no configured thumbnail of key exists.
func WaitForNoThumbnails(t testing.TB, ctx context.Context, tg Target, key string) {
	t.Helper()
	err := poll(ctx, tg.timeout(), tg.interval(), func(ctx context.Context) (bool, error) {
		for _, size := range tg.Sizes {
			tk := tg.ThumbnailKey(key, size)
			out, err := tg.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(tg.Bucket), Key: aws.String(tk)})
			if err == nil {
				_ = out.Body.Close() // the thumbnail should be gone: the poll fails just below
				return false, fmt.Errorf("thumbnail s3://%s/%s still exists", tg.Bucket, tk)
			}
			if nf := (*s3types.NoSuchKey)(nil); !errors.As(err, &nf) {
				return false, fmt.Errorf("check thumbnail s3://%s/%s: %w", tg.Bucket, tk, err)
			}
		}
		return true, nil
	})
	require.NoError(t, err, "the thumbnails of deleted %q", key)
}
