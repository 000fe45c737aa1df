package objectstore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/awstest"
	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/lambda/objectstore"
)

const b = "bkt"

func TestRead(t *testing.T) {
	fake := awstest.NewS3(true)
	v1 := fake.Put(b, "uploads/a.png", []byte("first"), "image/png")
	v2 := fake.Put(b, "uploads/a.png", []byte("second!"), "")
	big := fake.Put(b, "uploads/big.png", bytes.Repeat([]byte{1}, 100), "")
	s := objectstore.New(fake)

	tests := []struct {
		name       string
		key, ver   string
		max        int64
		wantData   string
		wantVer    string
		wantETag   string
		wantReason contract.Reason
		transient  bool
	}{
		{name: "current version", key: "uploads/a.png", max: 10, wantData: "second!", wantVer: v2.VersionID, wantETag: metadata.NormalizeETag(v2.ETag)},
		{name: "requested version", key: "uploads/a.png", ver: v1.VersionID, max: 10, wantData: "first", wantVer: v1.VersionID, wantETag: metadata.NormalizeETag(v1.ETag)},
		{name: "exactly the cap", key: "uploads/big.png", max: 100, wantData: string(bytes.Repeat([]byte{1}, 100)), wantVer: big.VersionID, wantETag: metadata.NormalizeETag(big.ETag)},
		{name: "over the cap", key: "uploads/big.png", max: 99, wantVer: big.VersionID, wantETag: metadata.NormalizeETag(big.ETag), wantReason: contract.ReasonTooLarge},
		{name: "missing key", key: "uploads/none.png", max: 10, wantReason: contract.ReasonNotFound},
		{name: "missing version", key: "uploads/a.png", ver: "nope", max: 10, wantVer: "nope", wantReason: contract.ReasonNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := s.Read(context.Background(), b, tc.key, tc.ver, tc.max)
			if tc.wantReason != "" {
				r, ok := fault.ReasonOf(err)
				require.True(t, ok, "permanent: %v", err)
				assert.Equal(t, tc.wantReason, r)
				assert.Nil(t, obj.Data)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.wantData, string(obj.Data))
				assert.EqualValues(t, len(tc.wantData), obj.Size)
				assert.False(t, obj.LastModified.IsZero())
			}
			assert.Equal(t, tc.wantVer, obj.VersionID)
			assert.Equal(t, tc.wantETag, obj.ETag)
			assert.NotContains(t, obj.ETag, `"`)
		})
	}
}

func TestReadTransient(t *testing.T) {
	fake := awstest.NewS3(false)
	fake.Put(b, "uploads/a.png", []byte("x"), "")
	fake.Fail = func(string, string) error { return &smithy.GenericAPIError{Code: "AccessDenied"} }
	_, err := objectstore.New(fake).Read(context.Background(), b, "uploads/a.png", "", 10)
	var te *fault.TransientError
	require.ErrorAs(t, err, &te, "access denied is a configuration error: retried, then the DLQ")
	assert.Contains(t, err.Error(), "s3://bkt/uploads/a.png")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fake.Fail = nil
	_, err = objectstore.New(fake).Read(ctx, b, "uploads/a.png", "", 10)
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestCurrent(t *testing.T) {
	fake := awstest.NewS3(true)
	v := fake.Put(b, "uploads/a.png", []byte("x"), "")
	s := objectstore.New(fake)

	ver, etag, exists, err := s.Current(context.Background(), b, "uploads/a.png")
	require.NoError(t, err)
	assert.True(t, exists)
	assert.Equal(t, v.VersionID, ver)
	assert.Equal(t, metadata.NormalizeETag(v.ETag), etag)

	_, _, exists, err = s.Current(context.Background(), b, "uploads/none.png")
	require.NoError(t, err)
	assert.False(t, exists)

	fake.Fail = func(string, string) error { return errors.New("i/o timeout") }
	_, _, _, err = s.Current(context.Background(), b, "uploads/a.png")
	assert.False(t, fault.IsPermanent(err))
	assert.Error(t, err)
}

func TestPutThumbnail(t *testing.T) {
	fake := awstest.NewS3(true)
	s := objectstore.New(fake)
	require.NoError(t, s.PutThumbnail(context.Background(), b, objectstore.Thumbnail{Key: "thumbnails/256/a.png.webp",
		Body: []byte("webp"), ContentType: "image/webp", CacheControl: "public, max-age=86400"}))
	o, ok := fake.Current(b, "thumbnails/256/a.png.webp")
	require.True(t, ok)
	assert.Equal(t, "webp", string(o.Body))
	assert.Equal(t, "image/webp", o.ContentType)
	assert.Equal(t, "public, max-age=86400", o.CacheControl)
	assert.Empty(t, o.Metadata)

	require.NoError(t, s.PutThumbnail(context.Background(), b, objectstore.Thumbnail{Key: "thumbnails/256/a.png.jpg", Body: []byte("jpeg"), ContentType: "image/jpeg"}))
	o, _ = fake.Current(b, "thumbnails/256/a.png.jpg")
	assert.Equal(t, "image/jpeg", o.ContentType)
	assert.Empty(t, o.CacheControl, "no Cache-Control when none is configured")

	fake.Fail = func(string, string) error { return &smithy.GenericAPIError{Code: "NoSuchBucket"} }
	err := s.PutThumbnail(context.Background(), b, objectstore.Thumbnail{Key: "thumbnails/256/a.png.jpg", Body: []byte("jpeg"), ContentType: "image/jpeg"})
	assert.Error(t, err)
	assert.False(t, fault.IsPermanent(err), "a missing bucket is no property of the image")
}
