package awstest

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// listEntry is one row of a ListObjectVersions answer.
type listEntry struct {
	key    string
	obj    Object
	latest bool
	marker bool // a delete marker
}

// entries returns every version and delete marker of bucket under prefix,
// ordered as S3 lists them: by key, newest first within a key.
func (f *S3) entries(bucket, prefix string) []listEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	var keys []string
	for p := range f.objects {
		if strings.HasPrefix(p, bucket+"/"+prefix) {
			keys = append(keys, strings.TrimPrefix(p, bucket+"/"))
		}
	}
	sort.Strings(keys)
	var out []listEntry
	for _, k := range keys {
		vs := f.objects[path(bucket, k)]
		for i := len(vs) - 1; i >= 0; i-- {
			out = append(out, listEntry{key: k, obj: vs[i], latest: i == len(vs)-1, marker: vs[i].DeleteMarker})
		}
	}
	return out
}

// ListObjectVersions lists versions and delete markers as S3 does: keys in
// order, newest version first, at most MaxKeys (default 1000) rows per page,
// continued from KeyMarker/VersionIdMarker; with a Delimiter, keys that
// contain it after the prefix are rolled up into CommonPrefixes. Versions
// of an unversioned bucket have the version id "null".
func (f *S3) ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, _ ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.Fail != nil {
		if err := f.Fail("ListObjectVersions", aws.ToString(in.Prefix)); err != nil {
			return nil, err
		}
	}
	prefix, delim := aws.ToString(in.Prefix), aws.ToString(in.Delimiter)
	maxKeys := int(aws.ToInt32(in.MaxKeys))
	if maxKeys <= 0 {
		maxKeys = 1000
	}
	all := f.entries(aws.ToString(in.Bucket), prefix)
	start := 0
	if km := aws.ToString(in.KeyMarker); km != "" {
		vm := aws.ToString(in.VersionIdMarker)
		for start < len(all) && (all[start].key < km || (all[start].key == km && vm == "")) {
			start++
		}
		if vm != "" {
			for start < len(all) && all[start].key == km {
				found := all[start].obj.VersionID == vm || (all[start].obj.VersionID == "" && vm == "null")
				start++
				if found {
					break
				}
			}
		}
	}
	out := &s3.ListObjectVersionsOutput{Name: in.Bucket, Prefix: in.Prefix, IsTruncated: aws.Bool(false)}
	seenPrefix := map[string]bool{}
	rows := 0
	for i := start; i < len(all); i++ {
		e := all[i]
		if delim != "" {
			if j := strings.Index(e.key[len(prefix):], delim); j >= 0 {
				cp := e.key[:len(prefix)+j+len(delim)]
				if !seenPrefix[cp] {
					seenPrefix[cp] = true
					out.CommonPrefixes = append(out.CommonPrefixes, s3types.CommonPrefix{Prefix: aws.String(cp)})
				}
				continue
			}
		}
		if rows == maxKeys {
			last := all[i-1]
			out.IsTruncated = aws.Bool(true)
			out.NextKeyMarker = aws.String(last.key)
			out.NextVersionIdMarker = aws.String(versionOrNull(last.obj.VersionID))
			break
		}
		rows++
		if e.marker {
			out.DeleteMarkers = append(out.DeleteMarkers, s3types.DeleteMarkerEntry{
				Key: aws.String(e.key), VersionId: aws.String(e.obj.VersionID), IsLatest: aws.Bool(e.latest),
				LastModified: aws.Time(e.obj.LastModified),
			})
			continue
		}
		out.Versions = append(out.Versions, s3types.ObjectVersion{
			Key:          aws.String(e.key),
			VersionId:    aws.String(versionOrNull(e.obj.VersionID)),
			IsLatest:     aws.Bool(e.latest),
			ETag:         aws.String(e.obj.ETag),
			Size:         aws.Int64(int64(len(e.obj.Body))),
			LastModified: aws.Time(e.obj.LastModified),
		})
	}
	return out, nil
}

func versionOrNull(v string) string {
	if v == "" {
		return "null"
	}
	return v
}
