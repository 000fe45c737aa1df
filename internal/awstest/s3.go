package awstest

import (
	"bytes"
	"context"
	"crypto/md5" // #nosec G501 -- S3 ETags are MD5 digests by definition; no security rests on them
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Object is one stored object version.
type Object struct {
	VersionID    string // "" in an unversioned bucket
	ETag         string // quoted, as S3 returns it
	Body         []byte
	ContentType  string
	CacheControl string
	Metadata     map[string]string
	LastModified time.Time
	DeleteMarker bool // a delete marker: no body; the key has no current version while it is the newest
}

// S3 is an in-memory, optionally versioned, object store for one or more
// buckets. Newest version last.
type S3 struct {
	Versioned bool
	// HeadOmitsVersion makes HeadObject return no VersionId, as kumo does.
	HeadOmitsVersion bool
	// Fail, when set, is called before each operation ("GetObject",
	// "HeadObject", "PutObject", "DeleteObject", "ListObjectVersions") on
	// key (the prefix for a listing); a non-nil error is returned instead.
	Fail func(op, key string) error
	// Now stamps LastModified (second precision, like S3's HTTP dates).
	Now func() time.Time

	mu        sync.Mutex
	objects   map[string][]Object
	seq       int
	bytesRead int64
}

// NewS3 returns an empty store.
func NewS3(versioned bool) *S3 {
	return &S3{Versioned: versioned, objects: map[string][]Object{}, Now: time.Now}
}

func path(bucket, key string) string { return bucket + "/" + key }

// Put stores a new version of bucket/key and returns it.
func (f *S3) Put(bucket, key string, body []byte, contentType string) Object {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	sum := md5.Sum(body) // #nosec G401 -- an S3 ETag, as the real service computes it
	o := Object{
		ETag:         `"` + hex.EncodeToString(sum[:]) + `"`,
		Body:         bytes.Clone(body),
		ContentType:  contentType,
		LastModified: f.Now().UTC().Truncate(time.Second),
	}
	if f.Versioned {
		o.VersionID = fmt.Sprintf("ver%06d", f.seq)
		f.objects[path(bucket, key)] = append(f.objects[path(bucket, key)], o)
	} else {
		f.objects[path(bucket, key)] = []Object{o}
	}
	return o
}

// Delete deletes bucket/key as DeleteObject without a version id does: in a
// versioned bucket it adds a delete marker (returned), else it removes the
// object.
func (f *S3) Delete(bucket, key string) Object {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.Versioned {
		delete(f.objects, path(bucket, key))
		return Object{}
	}
	f.seq++
	m := Object{VersionID: fmt.Sprintf("ver%06d", f.seq), DeleteMarker: true, LastModified: f.Now().UTC().Truncate(time.Second)}
	f.objects[path(bucket, key)] = append(f.objects[path(bucket, key)], m)
	return m
}

// Versions returns every version of bucket/key, delete markers included,
// oldest first.
func (f *S3) Versions(bucket, key string) []Object {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.objects[path(bucket, key)])
}

// DeleteVersion removes one version (or delete marker) permanently (all
// when versionID is "").
func (f *S3) DeleteVersion(bucket, key, versionID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var keep []Object
	for _, o := range f.objects[path(bucket, key)] {
		if versionID != "" && o.VersionID != versionID {
			keep = append(keep, o)
		}
	}
	f.objects[path(bucket, key)] = keep
}

// Current returns the current version of bucket/key; false when it has
// none (no version, or a delete marker is the newest).
func (f *S3) Current(bucket, key string) (Object, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vs := f.objects[path(bucket, key)]
	if len(vs) == 0 || vs[len(vs)-1].DeleteMarker {
		return Object{}, false
	}
	return vs[len(vs)-1], true
}

// Keys lists the keys of bucket that have a current version.
func (f *S3) Keys(bucket string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var keys []string
	for p, vs := range f.objects {
		if len(vs) > 0 && !vs[len(vs)-1].DeleteMarker && len(p) > len(bucket) && p[:len(bucket)+1] == bucket+"/" {
			keys = append(keys, p[len(bucket)+1:])
		}
	}
	return keys
}

// BytesRead counts the body bytes callers actually read from GetObject.
func (f *S3) BytesRead() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bytesRead
}

func (f *S3) find(op, bucket, key, versionID string) (Object, error) {
	if f.Fail != nil {
		if err := f.Fail(op, key); err != nil {
			return Object{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	vs := f.objects[path(bucket, key)]
	if versionID != "" {
		for _, o := range vs {
			if o.VersionID == versionID && o.DeleteMarker {
				return Object{}, &smithy.GenericAPIError{Code: "MethodNotAllowed", Message: "The specified method is not allowed against this resource."}
			}
			if o.VersionID == versionID {
				return o, nil
			}
		}
		if op == "HeadObject" {
			return Object{}, &s3types.NotFound{Message: aws.String("Not Found")}
		}
		return Object{}, &smithy.GenericAPIError{Code: "NoSuchVersion", Message: "The specified version does not exist."}
	}
	if len(vs) == 0 || vs[len(vs)-1].DeleteMarker {
		if op == "HeadObject" {
			return Object{}, &s3types.NotFound{Message: aws.String("Not Found")}
		}
		return Object{}, &s3types.NoSuchKey{Message: aws.String("The specified key does not exist.")}
	}
	return vs[len(vs)-1], nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

type countingReader struct {
	f *S3
	r io.Reader
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.f.mu.Lock()
	c.f.bytesRead += int64(n)
	c.f.mu.Unlock()
	return n, err
}

// GetObject returns the requested (or current) version.
func (f *S3) GetObject(ctx context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o, err := f.find("GetObject", aws.ToString(in.Bucket), aws.ToString(in.Key), aws.ToString(in.VersionId))
	if err != nil {
		return nil, err
	}
	return &s3.GetObjectOutput{
		Body:          io.NopCloser(&countingReader{f: f, r: bytes.NewReader(o.Body)}),
		ContentLength: aws.Int64(int64(len(o.Body))),
		ContentType:   optString(o.ContentType),
		ETag:          aws.String(o.ETag),
		VersionId:     optString(o.VersionID),
		LastModified:  aws.Time(o.LastModified),
	}, nil
}

// HeadObject describes the requested (or current) version.
func (f *S3) HeadObject(ctx context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o, err := f.find("HeadObject", aws.ToString(in.Bucket), aws.ToString(in.Key), aws.ToString(in.VersionId))
	if err != nil {
		return nil, err
	}
	out := &s3.HeadObjectOutput{
		ContentLength: aws.Int64(int64(len(o.Body))),
		ContentType:   optString(o.ContentType),
		ETag:          aws.String(o.ETag),
		LastModified:  aws.Time(o.LastModified),
	}
	if !f.HeadOmitsVersion {
		out.VersionId = optString(o.VersionID)
	}
	return out, nil
}

// PutObject stores a new version with the request's body, content type,
// cache control and user metadata.
func (f *S3) PutObject(ctx context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.Fail != nil {
		if err := f.Fail("PutObject", aws.ToString(in.Key)); err != nil {
			return nil, err
		}
	}
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	o := f.Put(aws.ToString(in.Bucket), aws.ToString(in.Key), body, aws.ToString(in.ContentType))
	if len(in.Metadata) > 0 || in.CacheControl != nil {
		f.mu.Lock()
		vs := f.objects[path(aws.ToString(in.Bucket), aws.ToString(in.Key))]
		vs[len(vs)-1].Metadata = in.Metadata
		vs[len(vs)-1].CacheControl = aws.ToString(in.CacheControl)
		f.mu.Unlock()
	}
	return &s3.PutObjectOutput{ETag: aws.String(o.ETag), VersionId: optString(o.VersionID)}, nil
}

// DeleteObject deletes a version permanently when in.VersionId is set, else
// adds a delete marker (versioned bucket) or removes the object.
func (f *S3) DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, k := aws.ToString(in.Bucket), aws.ToString(in.Key)
	if f.Fail != nil {
		if err := f.Fail("DeleteObject", k); err != nil {
			return nil, err
		}
	}
	if v := aws.ToString(in.VersionId); v != "" {
		f.DeleteVersion(b, k, v)
		return &s3.DeleteObjectOutput{VersionId: aws.String(v)}, nil
	}
	m := f.Delete(b, k)
	out := &s3.DeleteObjectOutput{VersionId: optString(m.VersionID)}
	if m.DeleteMarker {
		out.DeleteMarker = aws.Bool(true)
	}
	return out, nil
}
