package inventory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/awstest"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/ops/inventory"
)

// pager makes every ListObjectVersions page hold at most 2 rows.
type pager struct{ *awstest.S3 }

func (p pager) ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, o ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	in.MaxKeys = aws.Int32(2)
	return p.S3.ListObjectVersions(ctx, in, o...)
}

func TestCurrentSkipsOldVersionsAndDeletedKeys(t *testing.T) {
	f := awstest.NewS3(true)
	f.Put("b", "uploads/a.png", []byte("a1"), "")
	a2 := f.Put("b", "uploads/a.png", []byte("a2"), "")
	f.Put("b", "uploads/gone.png", []byte("g"), "")
	_, err := f.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("b"), Key: aws.String("uploads/gone.png")})
	require.NoError(t, err)
	for i := range 5 {
		f.Put("b", fmt.Sprintf("uploads/k%d.png", i), []byte{byte(i)}, "")
	}
	f.Put("b", "thumbnails/256/a.png.jpg", []byte("t"), "")

	objs, err := inventory.Current(context.Background(), pager{f}, "b", "uploads/")
	require.NoError(t, err)
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	assert.Equal(t, []string{"uploads/a.png", "uploads/k0.png", "uploads/k1.png", "uploads/k2.png", "uploads/k3.png", "uploads/k4.png"}, keys,
		"every page followed; the deleted key and old versions are not current")
	assert.Equal(t, a2.VersionID, objs[0].VersionID)
	assert.Equal(t, metadata.NormalizeETag(a2.ETag), objs[0].ETag, "ETag without quotes")
	assert.EqualValues(t, 2, objs[0].Size)
	assert.Equal(t, metadata.ImageID("b", "uploads/a.png", a2.VersionID, ""), objs[0].ImageID("b"))
}

func TestUnversionedBucketHasNoVersionIDs(t *testing.T) {
	f := awstest.NewS3(false)
	put := f.Put("b", "uploads/a.png", []byte("a"), "")
	objs, err := inventory.Current(context.Background(), f, "b", "uploads/")
	require.NoError(t, err)
	require.Len(t, objs, 1)
	assert.Empty(t, objs[0].VersionID, `S3's "null" version is no version`)
	assert.Equal(t, metadata.ImageID("b", "uploads/a.png", "", put.ETag), objs[0].ImageID("b"), "identified by ETag, as the function does")
}

func TestFolders(t *testing.T) {
	f := awstest.NewS3(true)
	for _, k := range []string{"thumbnails/256/a.jpg", "thumbnails/256/b/c.jpg", "thumbnails/1024/a.jpg", "thumbnails/readme"} {
		f.Put("b", k, []byte("x"), "")
	}
	got, err := inventory.Folders(context.Background(), f, "b", "thumbnails/")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"thumbnails/256/", "thumbnails/1024/"}, got)
}
