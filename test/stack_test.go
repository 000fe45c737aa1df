//go:build integration

package test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/gruntwork-io/terratest/modules/terraform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/verify"
	"github.com/imgpipe/imgpipe/test/itest"
)

// stackSizes are the thumbnail sizes TestStack deploys: not the defaults,
// so the test proves the setting travels from Terraform to the function.
var stackSizes = []int{160, 640}

// TestStack deploys the whole root stack (terraform/) into an ephemeral
// environment and checks the pipeline end to end on AWS.
func TestStack(t *testing.T) {
	runStages(t, fixture{
		suite:           "stack",
		folder:          "terraform",
		backendOverride: true,
		needsPackage:    true,
		needsAlarmKey:   true,
		vars: func(in deployInput) map[string]any {
			return map[string]any{
				"environment":              in.Run.Environment(),
				"aws_region":               in.Region,
				"name_prefix":              itest.NamePrefix,
				"force_destroy":            true,
				"lambda_package_path":      in.Package,
				"events_package_path":      in.EventsPackage,
				"permissions_boundary_arn": in.Boundary,
				"alarm_kms_key_arn":        in.AlarmKey,
				"thumbnail_sizes":          stackSizes,
				"log_retention_days":       1,
				// imgpipe backfill --engine batch runs a real job below.
				"create_batch_operations_role": true,
				"tags":                         in.Run.Tags("stack"),
			}
		},
	}, validateStack)
}

func validateStack(t *testing.T, ctx context.Context, d *deployment) {
	bucket := d.output(t, ctx, "bucket_name")
	table := d.output(t, ctx, "table_name")
	tg := target(d.cfg, bucket, table, d.output(t, ctx, "uploads_prefix"), d.output(t, ctx, "thumbnails_prefix"), stackSizes)
	s3c := s3.NewFromConfig(d.cfg)
	cw := cloudwatch.NewFromConfig(d.cfg)

	t.Run("bucket is versioned, encrypted and private", func(t *testing.T) {
		assertBucketHardened(t, ctx, s3c, bucket)
	})

	// A test queue subscribed to this run's Image Deleted events, before
	// anything is deleted.
	deletedEvents, unsubscribe := subscribeDeleted(t, ctx, d, tg)
	defer unsubscribe()

	// Notifications of a new bucket can lag: wait until a canary (under
	// canaryPrefix, which no assertion below counts) is processed.
	waitForNotifications(t, ctx, tg, d.run)

	// Four uploads at once: a real photo, a PNG with transparency, a JPEG
	// whose EXIF says "rotate 90°", and a truncated JPEG.
	photo := verify.MustUpload(t, ctx, tg, uploadKey(tg, d.run, "photo.jpg"), sample(t, "yellow-rose.jpg"))
	alpha := verify.MustUpload(t, ctx, tg, uploadKey(tg, d.run, "badge.png"), sample(t, "transparent-badge.png"))
	rotated := verify.MustUpload(t, ctx, tg, uploadKey(tg, d.run, "rotated.jpg"), sample(t, verify.OrientationSample))
	corrupt := verify.MustUpload(t, ctx, tg, uploadKey(tg, d.run, "truncated.jpg"), sample(t, "truncated.jpg"))

	t.Run("real photo gets thumbnails and a PROCESSED record", func(t *testing.T) {
		rec := verify.WaitForObject(t, ctx, tg, photo, contract.StatusProcessed)
		verify.AssertRecordThumbnails(t, tg, rec, 400, 301)
		verify.AssertThumbnails(t, ctx, tg, photo.Key, 400, 301)
	})
	t.Run("PNG with transparency gets thumbnails", func(t *testing.T) {
		rec := verify.WaitForObject(t, ctx, tg, alpha, contract.StatusProcessed)
		verify.AssertRecordThumbnails(t, tg, rec, 480, 320)
		verify.AssertThumbnails(t, ctx, tg, alpha.Key, 480, 320)
	})
	t.Run("EXIF-rotated JPEG gets upright thumbnails", func(t *testing.T) {
		rec := verify.WaitForObject(t, ctx, tg, rotated, contract.StatusProcessed)
		assert.Equal(t, 6, rec.Orientation)
		verify.AssertRecordThumbnails(t, tg, rec, 360, 240)
		verify.AssertUpright(t, verify.AssertThumbnails(t, ctx, tg, rotated.Key, 360, 240))
	})
	t.Run("truncated JPEG is FAILED corrupt, without thumbnails", func(t *testing.T) {
		rec := verify.AssertFailed(t, ctx, tg, corrupt, contract.ReasonCorrupt)
		assert.NotEmpty(t, rec.FailureMessage)
		verify.AssertNoThumbnails(t, ctx, tg, corrupt.Key)
	})
	t.Run("StatusIndex returns the records", func(t *testing.T) {
		verify.AssertStatusIndex(t, ctx, tg, contract.StatusProcessed, []string{photo.Key, alpha.Key, rotated.Key})
		verify.AssertStatusIndex(t, ctx, tg, contract.StatusFailed, []string{corrupt.Key})
	})

	// The same bytes again: S3 makes a new version, which gets its own
	// record; then the new version's event is delivered a second time (S3
	// delivers at least once): still one record per version.
	var again verify.Object
	t.Run("re-uploading the same bytes duplicates no record", func(t *testing.T) {
		again = verify.MustUpload(t, ctx, tg, photo.Key, sample(t, "yellow-rose.jpg"))
		rec := verify.WaitForObject(t, ctx, tg, again, contract.StatusProcessed)
		verify.AssertRecordThumbnails(t, tg, rec, 400, 301)
		redeliver(t, ctx, d, tg, again)
		verify.AssertOneRecordPerVersion(t, ctx, tg, []string{photo.Key, alpha.Key, rotated.Key, corrupt.Key})
		counts, err := verify.CountRecords(ctx, tg, []string{photo.Key})
		require.NoError(t, err)
		assert.Equal(t, 2, counts[photo.Key], "one record per version of %s", photo.Key)
	})

	// The photo is deleted as a user would: a delete marker over its
	// current version (the re-upload). Its thumbnails go, that version's
	// record becomes DELETED without content-derived fields, and an Image
	// Deleted event reaches the subscribed queue. (The batch backfill below
	// works on the badge and the rotated JPEG, which stay.)
	t.Run("a deleted upload loses its thumbnails, its record is DELETED and announced", func(t *testing.T) {
		require.NotEmpty(t, again.VersionID, "the re-upload ran")
		verify.MustDelete(t, ctx, tg, photo.Key)
		verify.WaitForNoThumbnails(t, ctx, tg, photo.Key)
		rec := verify.WaitForDeleted(t, ctx, tg, again)
		assert.Equal(t, 400, rec.Width, "a DELETED record keeps the dimensions")
		evs := deletedEvents.WaitFor(t, ctx, photo.Key, map[string]int{contract.EventDetailTypeDeleted: 1})
		ev := evs[0]
		assert.Equal(t, contract.EventSource, ev.Source)
		assert.Equal(t, contract.StatusDeleted, ev.Detail.Status)
		assert.Equal(t, again.VersionID, ev.Detail.VersionID)
		assert.Equal(t, contract.EventSchemaVersion, ev.Detail.SchemaVersion)
		assert.NotEmpty(t, ev.Detail.DeletedAt)
		assert.Empty(t, ev.Detail.Thumbnails)
	})

	t.Run("EMF metrics reach CloudWatch", func(t *testing.T) {
		env := map[string]string{contract.MetricDimensionEnvironment: d.run.Environment()}
		// photo (two versions), badge and rotated were processed.
		waitForMetric(t, ctx, cw, contract.DefaultMetricNamespace, contract.MetricImagesProcessed, env, 4)
		waitForMetric(t, ctx, cw, contract.DefaultMetricNamespace, contract.MetricProcessingErrors, env, 1)
		waitForMetric(t, ctx, cw, contract.DefaultMetricNamespace, contract.MetricImagesDeleted, env, 1)
	})

	t.Run("events dead-letter queue is empty", func(t *testing.T) {
		q, err := sqs.NewFromConfig(d.cfg).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(d.output(t, ctx, "events_dlq_name"))})
		require.NoError(t, err)
		assertQueueEmpty(t, ctx, sqs.NewFromConfig(d.cfg), aws.ToString(q.QueueUrl))
	})

	t.Run("dead-letter queue is empty", func(t *testing.T) {
		assertQueueEmpty(t, ctx, sqs.NewFromConfig(d.cfg), d.output(t, ctx, "dlq_url"))
	})

	t.Run("imgpipe backfill --engine batch restores deleted records", func(t *testing.T) {
		validateBatchBackfill(t, ctx, d, tg, uploadKey(tg, d.run, ""), []verify.Object{alpha, rotated})
	})

	t.Run("every alarm exists and notifies the topic", func(t *testing.T) {
		topic := d.output(t, ctx, "sns_topic_arn")
		_, err := sns.NewFromConfig(d.cfg).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})
		require.NoError(t, err, "the alarm topic %s", topic)
		assertAlarmsNotify(t, ctx, cw, terraform.OutputListContext(t, ctx, d.opts, "alarm_names"), topic)
		_, err = cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String(d.output(t, ctx, "dashboard_name"))})
		assert.NoError(t, err, "the dashboard")
	})
}

// redeliver invokes the function synchronously with a copy of the S3 event
// of obj, as S3's at-least-once delivery may, and waits for it to return.
func redeliver(t *testing.T, ctx context.Context, d *deployment, tg verify.Target, obj verify.Object) {
	t.Helper()
	head, err := s3.NewFromConfig(d.cfg).HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(tg.Bucket), Key: aws.String(obj.Key), VersionId: aws.String(obj.VersionID),
	})
	require.NoError(t, err, "HeadObject %s", obj.Key)
	event := events.S3Event{Records: []events.S3EventRecord{{
		EventVersion: "2.1",
		EventSource:  "aws:s3",
		AWSRegion:    d.region,
		EventTime:    aws.ToTime(head.LastModified),
		EventName:    "ObjectCreated:Put",
		S3: events.S3Entity{
			SchemaVersion:   "1.0",
			ConfigurationID: "integration-test-redelivery",
			Bucket:          events.S3Bucket{Name: tg.Bucket, Arn: "arn:aws:s3:::" + tg.Bucket},
			Object: events.S3Object{
				Key:       s3EventKey(obj.Key),
				Size:      aws.ToInt64(head.ContentLength),
				ETag:      strings.Trim(obj.ETag, `"`),
				VersionID: obj.VersionID,
				Sequencer: time.Now().UTC().Format("20060102150405"),
			},
		},
	}}}
	payload, err := json.Marshal(event)
	require.NoError(t, err)
	out, err := lambda.NewFromConfig(d.cfg).Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(d.output(t, ctx, "function_name")),
		InvocationType: lambdatypes.InvocationTypeRequestResponse,
		Payload:        payload,
	})
	require.NoError(t, err, "invoke the function with a redelivered event")
	require.Nil(t, out.FunctionError, "the function failed on a redelivered event: %s", out.Payload)
}

// s3EventKey encodes a key the way S3 event notifications do
// (form-encoded, '/' kept).
func s3EventKey(key string) string {
	return strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
}
