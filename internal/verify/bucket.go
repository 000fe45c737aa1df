package verify

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// BucketConfigAPI is the part of the S3 client AssertBucketHardened uses.
type BucketConfigAPI interface {
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, optFns ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, optFns ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error)
}

// AssertBucketHardened fails t unless bucket has versioning enabled,
// default encryption (SSE-S3 or SSE-KMS) and all four public access
// blocks on.
func AssertBucketHardened(t testing.TB, ctx context.Context, api BucketConfigAPI, bucket string) {
	t.Helper()
	v, err := api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	require.NoError(t, err, "get versioning of %s", bucket)
	require.Equal(t, s3types.BucketVersioningStatusEnabled, v.Status, "versioning of %s", bucket)

	enc, err := api.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
	require.NoError(t, err, "get default encryption of %s", bucket)
	ok := false
	if enc.ServerSideEncryptionConfiguration != nil {
		for _, r := range enc.ServerSideEncryptionConfiguration.Rules {
			if d := r.ApplyServerSideEncryptionByDefault; d != nil &&
				(d.SSEAlgorithm == s3types.ServerSideEncryptionAes256 || d.SSEAlgorithm == s3types.ServerSideEncryptionAwsKms) {
				ok = true
			}
		}
	}
	require.True(t, ok, "bucket %s has no default encryption rule (AES256 or aws:kms): %+v", bucket, enc.ServerSideEncryptionConfiguration)

	pab, err := api.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	require.NoError(t, err, "get public access block of %s", bucket)
	c := pab.PublicAccessBlockConfiguration
	require.NotNil(t, c, "public access block of %s", bucket)
	require.Equal(t, [4]bool{true, true, true, true},
		[4]bool{aws.ToBool(c.BlockPublicAcls), aws.ToBool(c.BlockPublicPolicy), aws.ToBool(c.IgnorePublicAcls), aws.ToBool(c.RestrictPublicBuckets)},
		"public access block of %s (BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls, RestrictPublicBuckets)", bucket)
}
