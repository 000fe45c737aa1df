package objectstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// Version is one version of a key, or one of its delete markers.
type Version struct {
	VersionID    string
	DeleteMarker bool
	IsLatest     bool      // the newest entry of the key: its current version unless DeleteMarker
	LastModified time.Time // as listed
	ETag         string    // without quotes; "" for a delete marker
	Size         int64     // bytes; 0 for a delete marker
}

// Versions lists every version and delete marker of exactly bucket/key,
// newest first. It needs s3:ListBucketVersions on the bucket.
//
// S3 lists a key's versions newest first, but the SDK hands versions and
// delete markers back as two lists, and LastModified has whole-second
// precision on AWS. The two are merged by LastModified, newest first; on a
// tie the latest entry comes first, then a delete marker before a version
// (a delete within the second of an upload is the usual order), and each
// list keeps S3's own order.
func (s *Store) Versions(ctx context.Context, bucket, key string) ([]Version, error) {
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(key)}
	type ranked struct {
		v    Version
		list int // 0 markers, 1 versions
		pos  int // position in its list, across pages
	}
	var all []ranked
	pos := [2]int{}
	for {
		out, err := s.api.ListObjectVersions(ctx, in)
		if err != nil {
			// No listing error is a property of the image (a missing
			// bucket is a configuration fault): all are transient.
			return nil, fault.Transient(fmt.Errorf("s3 ListObjectVersions s3://%s/%s: %w", bucket, key, err))
		}
		past := false // a key after the one asked for: its entries are all listed
		for _, m := range out.DeleteMarkers {
			if k := aws.ToString(m.Key); k != key {
				past = past || k > key
				continue
			}
			all = append(all, ranked{Version{VersionID: aws.ToString(m.VersionId), DeleteMarker: true,
				IsLatest: aws.ToBool(m.IsLatest), LastModified: aws.ToTime(m.LastModified)}, 0, pos[0]})
			pos[0]++
		}
		for _, v := range out.Versions {
			if k := aws.ToString(v.Key); k != key {
				past = past || k > key
				continue
			}
			all = append(all, ranked{Version{VersionID: aws.ToString(v.VersionId), IsLatest: aws.ToBool(v.IsLatest),
				LastModified: aws.ToTime(v.LastModified), ETag: metadata.NormalizeETag(aws.ToString(v.ETag)),
				Size: aws.ToInt64(v.Size)}, 1, pos[1]})
			pos[1]++
		}
		if past || !aws.ToBool(out.IsTruncated) {
			break
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	slices.SortFunc(all, func(a, b ranked) int {
		if c := b.v.LastModified.Compare(a.v.LastModified); c != 0 {
			return c
		}
		if a.v.IsLatest != b.v.IsLatest {
			if a.v.IsLatest {
				return -1
			}
			return 1
		}
		if a.list != b.list {
			return cmp.Compare(a.list, b.list)
		}
		return cmp.Compare(a.pos, b.pos)
	})
	vs := make([]Version, len(all))
	for i, r := range all {
		vs[i] = r.v
	}
	return vs, nil
}
