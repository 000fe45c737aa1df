//go:build integration

package test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestStorageModule deploys modules/storage on its own
// (test/fixtures/storage) and checks the bucket and table it promises.
func TestStorageModule(t *testing.T) {
	runStages(t, fixture{
		suite:  "storage",
		folder: "test/fixtures/storage",
		vars: func(in deployInput) map[string]any {
			return map[string]any{
				"environment": in.Run.Environment(),
				"aws_region":  in.Region,
				"tags":        in.Run.Tags("storage"),
			}
		},
	}, func(t *testing.T, ctx context.Context, d *deployment) {
		ddb := dynamodb.NewFromConfig(d.cfg)
		t.Run("bucket is versioned, encrypted and private", func(t *testing.T) {
			assertBucketHardened(t, ctx, s3.NewFromConfig(d.cfg), d.output(t, ctx, "bucket_name"))
		})
		t.Run("table has the contract's keys and status index", func(t *testing.T) {
			assertTableSchema(t, ctx, ddb, d.output(t, ctx, "table_name"), d.output(t, ctx, "status_index_name"))
		})
		t.Run("resources carry the run tag", func(t *testing.T) {
			assertTaggedWithRun(t, ctx, ddb, d.output(t, ctx, "table_arn"), d.run)
		})
	})
}
