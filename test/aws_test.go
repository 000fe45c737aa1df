//go:build integration

package test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/gruntwork-io/terratest/modules/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/verify"
	"github.com/imgpipe/imgpipe/test/itest"
)

// Bounds of the waits on AWS: S3 event delivery plus a cold start is
// seconds; EMF metrics take one to a few minutes to become queryable.
const (
	recordTimeout      = 3 * time.Minute
	recordPollInterval = 2 * time.Second
	metricRetries      = 40
	metricPollInterval = 15 * time.Second
)

// target is the verify.Target of a deployed bucket and table.
func target(cfg aws.Config, bucket, table, uploads, thumbnails string, sizes []int) verify.Target {
	return verify.Target{
		S3:               s3.NewFromConfig(cfg),
		DynamoDB:         dynamodb.NewFromConfig(cfg),
		Bucket:           bucket,
		Table:            table,
		UploadsPrefix:    uploads,
		ThumbnailsPrefix: thumbnails,
		Sizes:            sizes,
		Timeout:          recordTimeout,
		Interval:         recordPollInterval,
	}
}

// defaultSizes are the thumbnail sizes a module deploys when none are given.
func defaultSizes() []int { return contract.DefaultThumbnailSizes }

// sample reads a committed sample image (samples/images, see its LICENSE.md).
func sample(t *testing.T, name string) []byte {
	t.Helper()
	repo, err := itest.RepoRoot(".")
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(repo, "samples", "images", name))
	require.NoError(t, err, "sample image %s", name)
	return b
}

// uploadKey puts name under the uploads prefix, in a folder of the run.
func uploadKey(tg verify.Target, run itest.Run, name string) string {
	return tg.UploadsPrefix + "it-" + run.ID + "/" + name
}

// assertBucketHardened checks what the storage module promises of the
// bucket: the shared checks (versioning, default encryption, all four
// public access blocks) and, on AWS, ACLs disabled (bucket owner enforced).
func assertBucketHardened(t *testing.T, ctx context.Context, c *s3.Client, bucket string) {
	t.Helper()
	verify.AssertBucketHardened(t, ctx, c, bucket)
	own, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String(bucket)})
	require.NoError(t, err, "GetBucketOwnershipControls %s", bucket)
	require.NotNil(t, own.OwnershipControls, "ownership controls of %s", bucket)
	require.NotEmpty(t, own.OwnershipControls.Rules, "ownership rules of %s", bucket)
	assert.Equal(t, s3types.ObjectOwnershipBucketOwnerEnforced, own.OwnershipControls.Rules[0].ObjectOwnership, "ACLs disabled on %s", bucket)
}

// assertTableSchema checks the table keeps the seed's key schema and the
// status index from internal/contract, on demand, encrypted, with PITR.
func assertTableSchema(t *testing.T, ctx context.Context, c *dynamodb.Client, table, index string) {
	t.Helper()
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err, "DescribeTable %s", table)
	td := out.Table
	assert.Equal(t, ddbtypes.TableStatusActive, td.TableStatus)
	assert.Equal(t, map[string]ddbtypes.KeyType{
		contract.TableHashKey:  ddbtypes.KeyTypeHash,
		contract.TableRangeKey: ddbtypes.KeyTypeRange,
	}, keySchema(td.KeySchema), "key schema of %s", table)
	types := map[string]ddbtypes.ScalarAttributeType{}
	for _, a := range td.AttributeDefinitions {
		types[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	assert.Equal(t, map[string]ddbtypes.ScalarAttributeType{
		contract.TableHashKey:       ddbtypes.ScalarAttributeTypeS,
		contract.TableRangeKey:      ddbtypes.ScalarAttributeTypeN,
		contract.StatusIndexHashKey: ddbtypes.ScalarAttributeTypeS,
	}, types, "attribute types of %s", table)

	assert.Equal(t, contract.StatusIndexName, index, "status_index_name output")
	var gsi *ddbtypes.GlobalSecondaryIndexDescription
	for i := range td.GlobalSecondaryIndexes {
		if aws.ToString(td.GlobalSecondaryIndexes[i].IndexName) == contract.StatusIndexName {
			gsi = &td.GlobalSecondaryIndexes[i]
		}
	}
	require.NotNil(t, gsi, "index %s on %s", contract.StatusIndexName, table)
	assert.Equal(t, map[string]ddbtypes.KeyType{
		contract.StatusIndexHashKey:  ddbtypes.KeyTypeHash,
		contract.StatusIndexRangeKey: ddbtypes.KeyTypeRange,
	}, keySchema(gsi.KeySchema), "key schema of %s", contract.StatusIndexName)
	require.NotNil(t, gsi.Projection)
	assert.Equal(t, ddbtypes.ProjectionTypeAll, gsi.Projection.ProjectionType)

	require.NotNil(t, td.BillingModeSummary, "billing mode of %s", table)
	assert.Equal(t, ddbtypes.BillingModePayPerRequest, td.BillingModeSummary.BillingMode)
	require.NotNil(t, td.SSEDescription, "encryption of %s", table)
	assert.Contains(t, []ddbtypes.SSEStatus{ddbtypes.SSEStatusEnabled, ddbtypes.SSEStatusEnabling}, td.SSEDescription.Status)

	pitr, err := c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(table)})
	require.NoError(t, err, "DescribeContinuousBackups %s", table)
	require.NotNil(t, pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription)
	assert.Equal(t, ddbtypes.PointInTimeRecoveryStatusEnabled, pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus)
}

func keySchema(ks []ddbtypes.KeySchemaElement) map[string]ddbtypes.KeyType {
	out := map[string]ddbtypes.KeyType{}
	for _, k := range ks {
		out[aws.ToString(k.AttributeName)] = k.KeyType
	}
	return out
}

// assertTaggedWithRun checks the run's tag reached a resource (through the
// provider's default_tags), so cleanup by tag would find it.
func assertTaggedWithRun(t *testing.T, ctx context.Context, c *dynamodb.Client, tableARN string, run itest.Run) {
	t.Helper()
	out, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(tableARN)})
	require.NoError(t, err, "ListTagsOfResource %s", tableARN)
	tags := map[string]string{}
	for _, tag := range out.Tags {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	assert.Equal(t, run.ID, tags[itest.TagRun], "tag %s on %s (tags: %v)", itest.TagRun, tableARN, tags)
}

// assertQueueEmpty fails unless the queue holds no message at all.
func assertQueueEmpty(t *testing.T, ctx context.Context, c *sqs.Client, queueURL string) {
	t.Helper()
	out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{
			sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
		},
	})
	require.NoError(t, err, "GetQueueAttributes %s", queueURL)
	for name, v := range out.Attributes {
		assert.Equal(t, "0", v, "%s of the dead-letter queue %s: failed events were parked there", name, queueURL)
	}
}

// metricSum adds up a metric's Sum over the last hours.
func metricSum(ctx context.Context, c *cloudwatch.Client, namespace, name string, dims map[string]string) (float64, error) {
	var dimensions []cwtypes.Dimension
	for k, v := range dims {
		dimensions = append(dimensions, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(v)})
	}
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(time.Now().Add(-3 * time.Hour)),
		EndTime:   aws.Time(time.Now().Add(time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{{
			Id: aws.String("m"),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(namespace), MetricName: aws.String(name), Dimensions: dimensions},
				Period: aws.Int32(60),
				Stat:   aws.String("Sum"),
			},
			ReturnData: aws.Bool(true),
		}},
	}
	var sum float64
	for p := cloudwatch.NewGetMetricDataPaginator(c, in); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("GetMetricData %s/%s: %w", namespace, name, err)
		}
		for _, r := range page.MetricDataResults {
			for _, v := range r.Values {
				sum += v
			}
		}
	}
	return sum, nil
}

// waitForMetric retries until metric (with dims) sums to at least min.
func waitForMetric(t *testing.T, ctx context.Context, c *cloudwatch.Client, namespace, name string, dims map[string]string, min float64) {
	t.Helper()
	desc := fmt.Sprintf("metric %s/%s %v >= %v", namespace, name, dims, min)
	retry.DoWithRetryContext(t, ctx, desc, metricRetries, metricPollInterval, func() (string, error) {
		sum, err := metricSum(ctx, c, namespace, name, dims)
		if err != nil {
			return "", err
		}
		if sum < min {
			return "", fmt.Errorf("%s is %v so far", desc, sum)
		}
		return fmt.Sprintf("%s: %v", desc, sum), nil
	})
}

// assertAlarmsNotify checks every named alarm exists, has actions enabled
// and notifies topicARN.
func assertAlarmsNotify(t *testing.T, ctx context.Context, c *cloudwatch.Client, names []string, topicARN string) {
	t.Helper()
	require.NotEmpty(t, names, "the stack declares no alarm")
	found := map[string][]string{}
	enabled := map[string]bool{}
	for chunk := range slices.Chunk(names, 100) {
		p := cloudwatch.NewDescribeAlarmsPaginator(c, &cloudwatch.DescribeAlarmsInput{
			AlarmNames: chunk,
			AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			require.NoError(t, err, "DescribeAlarms")
			for _, a := range page.MetricAlarms {
				found[aws.ToString(a.AlarmName)] = a.AlarmActions
				enabled[aws.ToString(a.AlarmName)] = aws.ToBool(a.ActionsEnabled)
			}
			for _, a := range page.CompositeAlarms {
				found[aws.ToString(a.AlarmName)] = a.AlarmActions
				enabled[aws.ToString(a.AlarmName)] = aws.ToBool(a.ActionsEnabled)
			}
		}
	}
	for _, name := range names {
		actions, ok := found[name]
		if !assert.True(t, ok, "alarm %s does not exist", name) {
			continue
		}
		assert.True(t, enabled[name], "alarm %s has its actions disabled", name)
		assert.Contains(t, actions, topicARN, "alarm %s does not notify the topic %s (actions %v)", name, topicARN, actions)
	}
}

// Canary bounds: S3 event notifications on a new bucket can take minutes
// to go live, so a validate stage first uploads canaries until one is
// processed, before the uploads its checks count on.
const (
	canaryWait     = 30 * time.Second // how long each canary is given
	canaryAttempts = 16               // ~8 minutes in all
)

// canaryPrefix is the folder of a run's canaries, under the uploads prefix;
// assertions that count records must leave it out.
func canaryPrefix(tg verify.Target, run itest.Run) string {
	return uploadKey(tg, run, "canary/")
}

// waitForNotifications uploads canary-1.png, canary-2.png, … under
// canaryPrefix, each given canaryWait to get its metadata record, until
// one does: from then on uploads trigger the function.
func waitForNotifications(t *testing.T, ctx context.Context, tg verify.Target, run itest.Run) {
	t.Helper()
	body := canaryPNG(t)
	short := tg
	short.Timeout = canaryWait
	n := 0
	retry.DoWithRetryContext(t, ctx, "S3 event notifications are live", canaryAttempts, 0, func() (string, error) {
		n++
		obj, err := verify.Upload(ctx, tg, fmt.Sprintf("%scanary-%d.png", canaryPrefix(tg, run), n), body)
		if err != nil {
			return "", err
		}
		_, missing, err := verify.WaitForObjects(ctx, short, []verify.Object{obj}, nil)
		if err != nil {
			return "", err
		}
		if len(missing) > 0 {
			return "", fmt.Errorf("no record for canary s3://%s/%s within %s", tg.Bucket, obj.Key, canaryWait)
		}
		return "record for canary " + obj.Key, nil
	})
}

// canaryPNG is a small opaque PNG made in code (64x48, a gradient).
func canaryPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x * 4), G: uint8(y * 5), B: 128, A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}
