package faults

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/sivchari/kumo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Spec
		wantErr string
	}{
		{"", Spec{}, ""},
		{"none", Spec{}, ""},
		{"default", Default, ""},
		{"s3=0.2,ddb=0.05", Spec{S3Errors: 0.2, DynamoDBErrors: 0.05}, ""},
		{"latency=0.5, latency-ms=100-300, drop=0.01, kill=2s, seed=9",
			Spec{Latency: 0.5, LatencyMin: 100 * time.Millisecond, LatencyMax: 300 * time.Millisecond, Drops: 0.01, KillEvery: 2 * time.Second, Seed: 9}, ""},
		{"default,kill=0,seed=3", func() Spec { s := Default; s.KillEvery, s.Seed = 0, 3; return s }(), ""},
		{"s3=2", Spec{}, "s3=2: want a rate from 0 to 1"},
		{"ddb=x", Spec{}, "ddb=x: want a rate from 0 to 1"},
		{"kill=5", Spec{}, "kill=5: want an interval"},
		{"kill=1ms", Spec{}, "kill=1ms: want an interval of at least 100ms"},
		{"latency-ms=800-200", Spec{}, "latency-ms=800-200: want MIN-MAX"},
		{"seed=0", Spec{}, "seed=0: want a positive integer"},
		{"cpu=1", Spec{}, `unknown fault "cpu"`},
		{"s3", Spec{}, `"s3" is not key=value`},
		{"s3=9,oops", Spec{}, "s3=9: want a rate"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			again, err := Parse(got.String())
			require.NoError(t, err, "String is Parse's syntax: %s", got)
			if got.Latency > 0 && got.LatencyMin == 0 {
				got.LatencyMin, got.LatencyMax = got.latencyRange()
			}
			assert.Equal(t, got, again, "round trip of %s", got)
		})
	}
	assert.Equal(t, "none", Spec{}.String())
	assert.True(t, Spec{}.None())
	assert.False(t, Default.None())
	assert.NotZero(t, Default.WithSeed().Seed)
}

// world is kumo behind an injector, with SDK clients that do not retry, so
// each injected fault reaches the caller.
type world struct {
	in  *Injector
	s3  *s3.Client
	ddb *dynamodb.Client
}

func newWorld(t *testing.T, spec Spec) *world {
	t.Helper()
	srv := kumo.NewServer()
	t.Cleanup(srv.Close)
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	in := NewInjector(spec, httputil.NewSingleHostReverseProxy(target))
	front := httptest.NewServer(in)
	t.Cleanup(front.Close)
	cfg := aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(front.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}
	w := &world{in: in, s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), ddb: dynamodb.NewFromConfig(cfg)}
	return w
}

func (w *world) table(t *testing.T, name string) {
	t.Helper()
	_, err := w.ddb.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName: aws.String(name), BillingMode: ddbtypes.BillingModePayPerRequest,
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: ddbtypes.KeyTypeHash}},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
	})
	require.NoError(t, err)
}

func put(w *world, table, k string) error {
	_, err := w.ddb.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table),
		Item: map[string]ddbtypes.AttributeValue{"k": &ddbtypes.AttributeValueMemberS{Value: k}}})
	return err
}

// The injected errors are AWS's, so the SDK reads them as AWS's: the codes,
// and retryable (the SDK's standard retryer retries them, then the function
// classifies what is left as transient).
func TestInjectedErrorsAreAWSErrors(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, Spec{})
	_, err := w.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("faults-errors")})
	require.NoError(t, err)
	w.table(t, "faults-errors")
	_, err = w.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("faults-errors"), Key: aws.String("uploads/a.jpg"), Body: bytes.NewReader([]byte("a"))})
	require.NoError(t, err, "no faults yet")

	w.in.SetSpec(Spec{S3Errors: 1, DynamoDBErrors: 1})
	_, err = w.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("faults-errors"), Key: aws.String("uploads/a.jpg")})
	assertAPIError(t, err, "SlowDown", true)
	_, err = w.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("faults-errors"), Key: aws.String("thumbnails/a.jpg"), Body: bytes.NewReader([]byte("t"))})
	assertAPIError(t, err, "SlowDown", true)
	err = put(w, "faults-errors", "x")
	assertAPIError(t, err, "ProvisionedThroughputExceededException", true)

	_, err = w.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("faults-errors"), Key: aws.String("uploads/a.jpg")})
	assert.NoError(t, err, "HeadObject is not faulted")
	_, err = w.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("faults-errors")})
	assert.NoError(t, err, "listings are not faulted")
	_, err = w.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("faults-errors"),
		Key: map[string]ddbtypes.AttributeValue{"k": &ddbtypes.AttributeValueMemberS{Value: "x"}}})
	assert.NoError(t, err, "only PutItem is faulted")

	c := w.in.Counts()
	assert.Equal(t, int64(2), c.S3SlowDown)
	assert.Equal(t, int64(1), c.DynamoDBThrottled)
	assert.Equal(t, int64(9), c.Requests, "every request is counted, faulted or not")
}

func assertAPIError(t *testing.T, err error, code string, retryable bool) {
	t.Helper()
	var api smithy.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, code, api.ErrorCode())
	assert.Contains(t, api.ErrorMessage(), "Injected by the local stack")
	assert.Equal(t, retryable, retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err).Bool(), "%s retryable", code)
}

// A dropped connection is an error the SDK retries; when it is dropped
// after the request reached the local AWS, the write happened (which is
// why the function's writes are idempotent).
func TestDroppedConnections(t *testing.T) {
	w := newWorld(t, Spec{Drops: 1, Seed: 42})
	w.in.SetSpec(Spec{})
	w.table(t, "faults-drops")
	w.in.SetSpec(Spec{Drops: 1, Seed: 42})
	var before, after int
	for i := range 20 {
		err := put(w, "faults-drops", "k"+string(rune('a'+i)))
		require.Error(t, err)
		assert.True(t, retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err).Bool(), "a dropped connection is retryable: %v", err)
	}
	w.in.SetSpec(Spec{})
	out, err := w.ddb.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("faults-drops")})
	require.NoError(t, err)
	after = int(out.Count)
	before = 20 - after
	assert.Equal(t, int64(20), w.in.Counts().DroppedConnections)
	assert.Positive(t, after, "some requests were dropped after the local AWS did the work")
	assert.Positive(t, before, "some were dropped before")
}

// Latency spikes delay requests and are counted; a cancelled request ends
// its delay.
func TestLatencySpikes(t *testing.T) {
	w := newWorld(t, Spec{Latency: 1, LatencyMin: time.Millisecond, LatencyMax: 2 * time.Millisecond})
	_, err := w.s3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("faults-latency")})
	require.NoError(t, err)
	assert.Equal(t, int64(1), w.in.Counts().LatencySpikes)

	w.in.SetSpec(Spec{Latency: 1, LatencyMin: 5 * time.Second, LatencyMax: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = w.s3.ListBuckets(ctx, &s3.ListBucketsInput{})
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

func TestOperation(t *testing.T) {
	sig := func(svc string) string {
		return "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/" + svc + "/aws4_request, SignedHeaders=host, Signature=x"
	}
	tests := []struct {
		method, target, svc string
		header              map[string]string
		want                int
	}{
		{"GET", "/b/uploads/a.jpg", "s3", nil, opS3Get},
		{"GET", "/b/uploads/a.jpg?versionId=v1", "s3", nil, opS3Get},
		{"PUT", "/b/thumbnails/256/a.jpg", "s3", nil, opS3Put},
		{"PUT", "/b/x", "s3", map[string]string{"X-Amz-Copy-Source": "/b/y"}, opOther},
		{"PUT", "/b/x?partNumber=1&uploadId=u", "s3", nil, opOther},
		{"HEAD", "/b/uploads/a.jpg", "s3", nil, opOther},
		{"GET", "/b?list-type=2", "s3", nil, opOther},
		{"GET", "/b/", "s3", nil, opOther},
		{"GET", "/2015-03-31/functions/f", "lambda", nil, opOther},
		{"POST", "/", "dynamodb", map[string]string{"X-Amz-Target": "DynamoDB_20120810.PutItem"}, opPutItem},
		{"POST", "/", "dynamodb", map[string]string{"X-Amz-Target": "DynamoDB_20120810.Query"}, opOther},
		{"GET", "/b/k", "", nil, opOther},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		if tc.svc != "" {
			r.Header.Set("Authorization", sig(tc.svc))
		}
		for k, v := range tc.header {
			r.Header.Set(k, v)
		}
		assert.Equal(t, tc.want, operation(r), "%s %s (%s)", tc.method, tc.target, tc.svc)
	}
}
