package processor

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/sivchari/kumo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/lambda/metrics"
	"github.com/imgpipe/imgpipe/lambda/objectstore"
)

// TestAdaptersOnKumo runs the handler with the real S3 and DynamoDB
// adapters and SDK clients against kumo (an in-process AWS emulator on a
// random port): it proves the requests, the condition expression and the
// error classification hold against a second implementation, not only
// against awstest.
func TestAdaptersOnKumo(t *testing.T) {
	srv := kumo.NewServer()
	defer srv.Close()
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(srv.URL); o.UsePathStyle = true })
	ddb := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	bkt, tbl := "proc-kumo-"+suffix, "proc-kumo-"+suffix
	_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bkt)})
	require.NoError(t, err)
	_, err = s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bkt),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)
	_, err = ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(tbl),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String(contract.TableHashKey), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String(contract.TableRangeKey), AttributeType: ddbtypes.ScalarAttributeTypeN},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String(contract.TableHashKey), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String(contract.TableRangeKey), KeyType: ddbtypes.KeyTypeRange},
		},
	})
	require.NoError(t, err)

	var metricsOut strings.Builder
	img := &fakeImager{}
	h, err := New(objectstore.New(s3c), metadata.NewStore(ddb, tbl), img, metrics.New(&metricsOut, "ImageProcessing", "kumo"),
		Options{UploadsPrefix: contract.UploadsPrefix, ThumbnailsPrefix: contract.ThumbnailsPrefix, MaxImageBytes: maxBytes, ThumbnailSizes: sizes, Concurrency: 4, Rendition: testRendition})
	require.NoError(t, err)

	put := func(key, body string) s3Record {
		out, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bkt), Key: aws.String(key), Body: strings.NewReader(body)})
		require.NoError(t, err)
		return s3Record{key: key, etag: metadata.NormalizeETag(aws.ToString(out.ETag)), size: int64(len(body)), eventName: "s3:ObjectCreated:Put"}
	}
	ok := put("uploads/ok photo ü.png", "pixels")
	empty := put("uploads/empty.png", "")
	missing := s3Record{key: "uploads/never-uploaded.png", eventName: "s3:ObjectCreated:Put", etag: "0123"}

	ev := event(t, ok, empty, missing)
	for i := range ev.Records {
		ev.Records[i].S3.Bucket.Name = bkt
	}
	require.NoError(t, h.Handle(ctx, ev))
	require.NoError(t, h.Handle(ctx, ev), "a duplicated event is handled again without error")

	scan, err := ddb.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(tbl)})
	require.NoError(t, err)
	got := map[string]metadata.Record{}
	for _, it := range scan.Items {
		var r metadata.Record
		require.NoError(t, attributevalue.UnmarshalMap(it, &r))
		got[r.Key] = r
	}
	require.Len(t, got, 3, "one item per object version, even after the duplicate")
	assert.Equal(t, contract.StatusProcessed, got[ok.key].Status)
	assert.Len(t, got[ok.key].Thumbnails, 2)
	assert.False(t, got[ok.key].Superseded)
	t.Logf("kumo: record of %q has versionId %q etag %q", ok.key, got[ok.key].VersionID, got[ok.key].ETag)
	assert.Equal(t, string(contract.ReasonEmpty), got[empty.key].FailureReason)
	assert.Equal(t, contract.StatusDeleted, got[missing.key].Status, "a version found gone is recorded DELETED")

	th, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bkt), Key: aws.String(thumbKey(ok.key, 256))})
	require.NoError(t, err)
	body, _ := io.ReadAll(th.Body)
	assert.Equal(t, thumbBytes([]byte("pixels"), 256), body)
	assert.Equal(t, "image/jpeg", aws.ToString(th.ContentType))
	assert.Empty(t, th.Metadata)

	// The store's rule against kumo's condition evaluation: a later FAILED
	// result never replaces the PROCESSED one.
	failed := got[ok.key]
	failed.Status, failed.FailureReason, failed.ProcessedAt = contract.StatusFailed, string(contract.ReasonNotFound), failed.ProcessedAt+1000
	res, err := metadata.NewStore(ddb, tbl).Put(ctx, failed)
	require.NoError(t, err)
	assert.False(t, res.Written)
	// and the first PROCESSED result wins over a later one of the same
	// version and rendition fingerprint,
	later := got[ok.key]
	later.ProcessedAt += 1000
	res, err = metadata.NewStore(ddb, tbl).Put(ctx, later)
	require.NoError(t, err)
	assert.False(t, res.Written)
	// but one of another fingerprint replaces it and returns the old record.
	redone := got[ok.key]
	redone.Rendition, redone.ProcessedAt = "another-rendition", redone.ProcessedAt+2000
	res, err = metadata.NewStore(ddb, tbl).Put(ctx, redone)
	require.NoError(t, err)
	assert.True(t, res.Reprocessed())
	require.NotNil(t, res.Previous)
	assert.Equal(t, got[ok.key], *res.Previous)
	metricLines := strings.Count(metricsOut.String(), contract.MetricImagesProcessed+`":`)
	assert.Equal(t, 1, metricLines, "the duplicated event is counted once:\n%s", metricsOut.String())
}
