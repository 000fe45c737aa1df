// Package objectstore reads originals from and writes thumbnails to S3,
// with a byte cap on reads and errors classified by lambda/awserr.
package objectstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/awserr"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// API is the part of the S3 client the store uses.
type API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, optFns ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
}

// Store reads and writes objects of one S3 client.
type Store struct{ api API }

// New returns a Store over api.
func New(api API) *Store { return &Store{api: api} }

// Object is one object version as read.
type Object struct {
	VersionID    string // the version read; "" when the bucket is unversioned
	ETag         string // without quotes
	Size         int64
	ContentType  string
	LastModified time.Time // zero when unknown
	Data         []byte    // nil unless the read succeeded
}

// Read reads bucket/key, the given version when versionID is not empty,
// else the current one. An object bigger than maxBytes is a permanent
// too_large failure decided from its Content-Length without reading the
// body; the read itself is capped too, in case the length was not sent or
// was wrong. The returned Object carries whatever metadata was known, also
// alongside an error.
func (s *Store) Read(ctx context.Context, bucket, key, versionID string, maxBytes int64) (Object, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	op := fmt.Sprintf("s3 GetObject s3://%s/%s", bucket, key)
	if versionID != "" {
		op += "?versionId=" + versionID
	}
	out, err := s.api.GetObject(ctx, in)
	if err != nil {
		return Object{VersionID: versionID}, awserr.Classify(op, err)
	}
	defer func() { _ = out.Body.Close() }() // read-only: the read reports its own errors
	obj := Object{
		VersionID:    versionID,
		ETag:         metadata.NormalizeETag(aws.ToString(out.ETag)),
		Size:         aws.ToInt64(out.ContentLength),
		ContentType:  aws.ToString(out.ContentType),
		LastModified: aws.ToTime(out.LastModified),
	}
	if obj.VersionID == "" {
		obj.VersionID = aws.ToString(out.VersionId)
	}
	if obj.Size > maxBytes {
		return obj, fault.Permanentf(contract.ReasonTooLarge, "object is %d bytes, over the cap of %d bytes", obj.Size, maxBytes)
	}
	data, err := readCapped(out.Body, obj.Size, maxBytes)
	if err != nil {
		return obj, awserr.Classify(op+": read body", err)
	}
	if int64(len(data)) > maxBytes {
		return obj, fault.Permanentf(contract.ReasonTooLarge, "object is over the cap of %d bytes (stopped reading at %d)", maxBytes, len(data))
	}
	obj.Size = int64(len(data))
	obj.Data = data
	return obj, nil
}

// readCapped reads r up to maxBytes+1 bytes (one more than the cap, so an
// oversized body is detected without reading it all). With a known size
// (Content-Length > 0) the buffer is allocated once at min(size,
// maxBytes)+1: the spare byte lets the final read see EOF without growing
// it. Without one it grows as io.ReadAll does.
func readCapped(r io.Reader, size, maxBytes int64) ([]byte, error) {
	const unknownSizeStart = 512
	n := int64(unknownSizeStart)
	if size > 0 {
		n = min(size, maxBytes) + 1
	}
	buf := make([]byte, 0, n)
	lr := io.LimitReader(r, maxBytes+1)
	for {
		if int64(len(buf)) > maxBytes {
			return buf, nil // over the cap: the caller needs no more
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // let append pick the growth
		}
		m, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// Current describes the current version of bucket/key; exists is false when
// the key has none (deleted). versionID is "" when the store does not send
// one (unversioned bucket, or S3-compatible stores without x-amz-version-id).
func (s *Store) Current(ctx context.Context, bucket, key string) (versionID, etag string, exists bool, err error) {
	out, err := s.api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if awserr.IsNotFound(err) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, awserr.Classify(fmt.Sprintf("s3 HeadObject s3://%s/%s", bucket, key), err)
	}
	return aws.ToString(out.VersionId), metadata.NormalizeETag(aws.ToString(out.ETag)), true, nil
}

// Thumbnail is one thumbnail object to write.
type Thumbnail struct {
	Key          string
	Body         []byte
	ContentType  string // the format's, e.g. contract.FormatWebP.ContentType
	CacheControl string // the Cache-Control header; "" for none
}

// PutThumbnail writes a thumbnail at bucket/t.Key with its Content-Type
// and Cache-Control and no user metadata.
func (s *Store) PutThumbnail(ctx context.Context, bucket string, t Thumbnail) error {
	in := &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(t.Key),
		Body:          bytes.NewReader(t.Body),
		ContentLength: aws.Int64(int64(len(t.Body))),
		ContentType:   aws.String(t.ContentType),
	}
	if t.CacheControl != "" {
		in.CacheControl = aws.String(t.CacheControl)
	}
	if _, err := s.api.PutObject(ctx, in); err != nil {
		// A 404 here (NoSuchBucket) is not a property of the image: transient.
		return fault.Transient(fmt.Errorf("s3 PutObject s3://%s/%s: %w", bucket, t.Key, err))
	}
	return nil
}

// DeleteThumbnail deletes the thumbnail at bucket/key (in a versioned
// bucket: a delete marker; the lifecycle expires the old version). Deleting
// a key that does not exist succeeds, as S3 answers it.
func (s *Store) DeleteThumbnail(ctx context.Context, bucket, key string) error {
	_, err := s.api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return fault.Transient(fmt.Errorf("s3 DeleteObject s3://%s/%s: %w", bucket, key, err))
	}
	return nil
}
