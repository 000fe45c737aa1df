// Package verify holds the end-to-end checks of imgpipe, written only
// against the AWS SDK's S3 and DynamoDB APIs, bucket and table names,
// prefixes and thumbnail sizes, so the same code serves `make run`
// (local/runner), the local end-to-end suite (kumo, in `make test`) and
// the Terratest suites on AWS (test/). Every wait is bounded and polls,
// for eventual consistency.
//
// Functions without a testing.TB (Records, WaitForObjects, Thumbnail, …)
// take (ctx, tg, …) and return errors, for tools. The Assert*, Wait* and
// Must* helpers take (t, ctx, tg, …), in the order Terratest uses, and
// fail the test through testify's require, with a message naming the key
// and what was expected.
package verify

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3API is the part of the S3 client the checks use.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// DynamoDBAPI is the part of the DynamoDB client the checks use.
type DynamoDBAPI interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Default bounds of the waits.
const (
	DefaultTimeout  = 60 * time.Second
	DefaultInterval = 250 * time.Millisecond
)

// Target is the deployed (or local) pipeline under test.
type Target struct {
	S3               S3API
	DynamoDB         DynamoDBAPI
	Bucket           string
	Table            string
	UploadsPrefix    string
	ThumbnailsPrefix string
	Sizes            []int         // thumbnail sizes (longest edge) the function is configured with
	Timeout          time.Duration // bound of each wait; DefaultTimeout when zero
	Interval         time.Duration // poll interval; DefaultInterval when zero
}

func (tg Target) timeout() time.Duration {
	if tg.Timeout > 0 {
		return tg.Timeout
	}
	return DefaultTimeout
}

func (tg Target) interval() time.Duration {
	if tg.Interval > 0 {
		return tg.Interval
	}
	return DefaultInterval
}

func (tg Target) validate() error {
	switch {
	case tg.S3 == nil || tg.DynamoDB == nil:
		return fmt.Errorf("verify: Target needs both an S3 and a DynamoDB client")
	case tg.Bucket == "" || tg.Table == "":
		return fmt.Errorf("verify: Target needs Bucket and Table (got %q, %q)", tg.Bucket, tg.Table)
	case tg.UploadsPrefix == "" || tg.ThumbnailsPrefix == "":
		return fmt.Errorf("verify: Target needs UploadsPrefix and ThumbnailsPrefix")
	}
	return nil
}

// poll calls try every interval until it reports done, ctx ends or timeout
// passes; it returns the last error try gave (or the context's) on timeout.
func poll(ctx context.Context, timeout, interval time.Duration, try func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		done, err := try(ctx)
		if done {
			return err
		}
		last = err
		select {
		case <-ctx.Done():
			if last == nil {
				last = ctx.Err()
			}
			return fmt.Errorf("gave up after %s: %w", timeout, last)
		case <-time.After(interval):
		}
	}
}
