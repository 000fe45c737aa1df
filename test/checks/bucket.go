package checks

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
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
func AssertBucketHardened(ctx context.Context, t testing.TB, api BucketConfigAPI, bucket string) {
	t.Helper()
	v, err := api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("get versioning of %s: %v", bucket, err)
	}
	if v.Status != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("bucket %s: versioning is %q, want Enabled", bucket, v.Status)
	}

	enc, err := api.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("get default encryption of %s: %v", bucket, err)
	}
	ok := false
	if enc.ServerSideEncryptionConfiguration != nil {
		for _, r := range enc.ServerSideEncryptionConfiguration.Rules {
			if d := r.ApplyServerSideEncryptionByDefault; d != nil &&
				(d.SSEAlgorithm == s3types.ServerSideEncryptionAes256 || d.SSEAlgorithm == s3types.ServerSideEncryptionAwsKms) {
				ok = true
			}
		}
	}
	if !ok {
		t.Fatalf("bucket %s has no default encryption rule (AES256 or aws:kms): %+v", bucket, enc.ServerSideEncryptionConfiguration)
	}

	pab, err := api.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("get public access block of %s: %v", bucket, err)
	}
	c := pab.PublicAccessBlockConfiguration
	if c == nil || !aws.ToBool(c.BlockPublicAcls) || !aws.ToBool(c.BlockPublicPolicy) ||
		!aws.ToBool(c.IgnorePublicAcls) || !aws.ToBool(c.RestrictPublicBuckets) {
		t.Fatalf("bucket %s: public access block is %+v, want all four settings true", bucket, c)
	}
}
