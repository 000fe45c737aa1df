package objectstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/awstest"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/lambda/objectstore"
)

// onePerPage lists one entry per page, so Versions must follow the markers.
type onePerPage struct{ *awstest.S3 }

func (p onePerPage) ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, o ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	in.MaxKeys = aws.Int32(1)
	return p.S3.ListObjectVersions(ctx, in, o...)
}

func ids(vs []objectstore.Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.VersionID
	}
	return out
}

func TestVersionsNewestFirstOfExactlyTheKey(t *testing.T) {
	fake := awstest.NewS3(true)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := t0
	fake.Now = func() time.Time { return at }
	v1 := fake.Put(b, "uploads/a.jpg", []byte("one"), "")
	at = t0.Add(2 * time.Second)
	m1 := fake.Delete(b, "uploads/a.jpg")
	at = t0.Add(4 * time.Second)
	v2 := fake.Put(b, "uploads/a.jpg", []byte("two"), "")
	fake.Put(b, "uploads/a.jpg.bak", []byte("other key, same prefix"), "")
	fake.Put(b, "uploads/a.jpeg", []byte("sorts before"), "")

	for name, api := range map[string]objectstore.API{"one page": fake, "one entry per page": onePerPage{fake}} {
		t.Run(name, func(t *testing.T) {
			vs, err := objectstore.New(api).Versions(context.Background(), b, "uploads/a.jpg")
			require.NoError(t, err)
			assert.Equal(t, []string{v2.VersionID, m1.VersionID, v1.VersionID}, ids(vs))
			assert.True(t, vs[0].IsLatest)
			assert.False(t, vs[0].DeleteMarker)
			assert.Equal(t, metadata.NormalizeETag(v2.ETag), vs[0].ETag)
			assert.EqualValues(t, 3, vs[0].Size)
			assert.True(t, vs[1].DeleteMarker)
			assert.False(t, vs[1].IsLatest)
			assert.Equal(t, t0, vs[2].LastModified)
		})
	}
}

// Within one second (S3's listing precision), the latest entry comes first,
// then a delete marker before a version.
func TestVersionsTieBreaks(t *testing.T) {
	fake := awstest.NewS3(true)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	fake.Now = func() time.Time { return now }
	v1 := fake.Put(b, "uploads/t.jpg", []byte("one"), "")
	m1 := fake.Delete(b, "uploads/t.jpg")
	vs, err := objectstore.New(fake).Versions(context.Background(), b, "uploads/t.jpg")
	require.NoError(t, err)
	assert.Equal(t, []string{m1.VersionID, v1.VersionID}, ids(vs), "upload then delete in one second")

	v2 := fake.Put(b, "uploads/t.jpg", []byte("two"), "")
	vs, err = objectstore.New(fake).Versions(context.Background(), b, "uploads/t.jpg")
	require.NoError(t, err)
	assert.Equal(t, []string{v2.VersionID, m1.VersionID, v1.VersionID}, ids(vs), "the latest first")
}

func TestVersionsErrorsAreTransient(t *testing.T) {
	fake := awstest.NewS3(true)
	fake.Fail = func(op, _ string) error { return assert.AnError }
	_, err := objectstore.New(fake).Versions(context.Background(), b, "uploads/x.jpg")
	var te *fault.TransientError
	assert.ErrorAs(t, err, &te)
	assert.ErrorContains(t, err, "ListObjectVersions s3://bkt/uploads/x.jpg")
}

func TestDeleteThumbnail(t *testing.T) {
	fake := awstest.NewS3(true)
	fake.Put(b, "thumbnails/256/a.jpg.jpg", []byte("jpeg"), "image/jpeg")
	s := objectstore.New(fake)
	require.NoError(t, s.DeleteThumbnail(context.Background(), b, "thumbnails/256/a.jpg.jpg"))
	_, ok := fake.Current(b, "thumbnails/256/a.jpg.jpg")
	assert.False(t, ok)
	require.NoError(t, s.DeleteThumbnail(context.Background(), b, "thumbnails/256/none.jpg"), "deleting a missing key succeeds")

	fake.Fail = func(op, _ string) error { return assert.AnError }
	err := s.DeleteThumbnail(context.Background(), b, "thumbnails/256/a.jpg.jpg")
	var te *fault.TransientError
	assert.ErrorAs(t, err, &te)
}
