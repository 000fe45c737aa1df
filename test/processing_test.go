//go:build integration

package test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/verify"
)

// TestProcessingModule deploys modules/processing on its own, wired to the
// bucket and table of test/fixtures/processing, uploads one image and
// checks its record and thumbnails appear, and that nothing outside the
// uploads prefix is processed.
func TestProcessingModule(t *testing.T) {
	runStages(t, fixture{
		suite:        "processing",
		folder:       "test/fixtures/processing",
		needsPackage: true,
		vars: func(in deployInput) map[string]any {
			return map[string]any{
				"environment":              in.Run.Environment(),
				"aws_region":               in.Region,
				"lambda_package_path":      in.Package,
				"permissions_boundary_arn": in.Boundary,
				"tags":                     in.Run.Tags("processing"),
			}
		},
	}, func(t *testing.T, ctx context.Context, d *deployment) {
		tg := target(d.cfg, d.output(t, ctx, "bucket_name"), d.output(t, ctx, "table_name"),
			d.output(t, ctx, "uploads_prefix"), d.output(t, ctx, "thumbnails_prefix"), defaultSizes())

		waitForNotifications(t, ctx, tg, d.run)
		outside := verify.MustUpload(t, ctx, tg, "elsewhere/it-"+d.run.ID+"/photo.jpg", sample(t, "yellow-rose.jpg"))
		photo := verify.MustUpload(t, ctx, tg, uploadKey(tg, d.run, "photo.jpg"), sample(t, "yellow-rose.jpg"))

		rec := verify.WaitForObject(t, ctx, tg, photo, contract.StatusProcessed)
		verify.AssertRecordThumbnails(t, tg, rec, 400, 301)
		verify.AssertThumbnails(t, ctx, tg, photo.Key, 400, 301)
		// Uploaded before photo, whose record exists: had it triggered the
		// function, its record would exist too.
		verify.AssertNoRecord(t, ctx, tg, outside.Key)
		assertQueueEmpty(t, ctx, sqs.NewFromConfig(d.cfg), d.output(t, ctx, "dlq_url"))
	})
}
