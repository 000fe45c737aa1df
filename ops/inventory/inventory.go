// Package inventory lists what the bucket holds now: the current version
// of every key under a prefix (ListObjectVersions, so a deleted key, whose
// current version is a delete marker, is absent), and the "folders" under
// a prefix.
package inventory

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// Lister is the S3 call the package makes (s3.Client).
type Lister interface {
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, optFns ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
}

// Object is the current version of one key.
type Object struct {
	Key          string    `json:"key"`
	VersionID    string    `json:"versionId,omitempty"` // "" in an unversioned bucket
	ETag         string    `json:"etag,omitempty"`      // without quotes
	Size         int64     `json:"size"`
	LastModified time.Time `json:"lastModified"`
}

// ImageID is the id of the object's metadata record (metadata.ImageID).
func (o Object) ImageID(bucket string) string {
	return metadata.ImageID(bucket, o.Key, o.VersionID, o.ETag)
}

// Current lists the current version of every key of bucket under prefix,
// in key order, page by page.
func Current(ctx context.Context, api Lister, bucket, prefix string) ([]Object, error) {
	var out []Object
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
	for {
		page, err := api.ListObjectVersions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list versions of s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, v := range page.Versions {
			if !aws.ToBool(v.IsLatest) {
				continue
			}
			version := aws.ToString(v.VersionId)
			if version == "null" { // unversioned bucket, or written before versioning
				version = ""
			}
			out = append(out, Object{
				Key: aws.ToString(v.Key), VersionID: version, ETag: metadata.NormalizeETag(aws.ToString(v.ETag)),
				Size: aws.ToInt64(v.Size), LastModified: aws.ToTime(v.LastModified),
			})
		}
		if !aws.ToBool(page.IsTruncated) {
			return out, nil
		}
		if page.NextKeyMarker == nil {
			return nil, fmt.Errorf("list versions of s3://%s/%s: truncated page without NextKeyMarker", bucket, prefix)
		}
		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
}

// Folders lists the prefixes one "/" below prefix (e.g. the size folders
// "thumbnails/256/" under "thumbnails/").
func Folders(ctx context.Context, api Lister, bucket, prefix string) ([]string, error) {
	var out []string
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/")}
	seen := map[string]bool{}
	for {
		page, err := api.ListObjectVersions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list folders of s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, cp := range page.CommonPrefixes {
			if p := aws.ToString(cp.Prefix); !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
		if !aws.ToBool(page.IsTruncated) || page.NextKeyMarker == nil {
			return out, nil
		}
		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
}
