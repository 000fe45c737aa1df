package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/awstest"
	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/stackfile"
	"github.com/imgpipe/imgpipe/lambda/config"
	"github.com/imgpipe/imgpipe/lambda/imaging"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/lambda/metrics"
	"github.com/imgpipe/imgpipe/lambda/objectstore"
	"github.com/imgpipe/imgpipe/lambda/processor"
	"github.com/imgpipe/imgpipe/lambda/rendition"
	"github.com/imgpipe/imgpipe/ops/cli"
)

const (
	bucket   = "imgpipe-test-images"
	table    = "imgpipe-test-metadata"
	function = "imgpipe-test-processor"
	fnArn    = "arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-processor"
	dlqURL   = "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-processor-dlq"
	account  = "123456789012"
)

// world is one stack on the fakes of internal/awstest, with the real
// processor (and real imaging) behind the fake function, so every command
// is exercised against the rules it relies on.
type world struct {
	s3    *awstest.S3
	db    *awstest.DynamoDB
	fn    *awstest.Lambda
	dlq   *awstest.SQS
	cw    *awstest.CloudWatch
	ctl   *awstest.S3Control
	stack stackfile.Stack
	path  string

	mu      sync.Mutex
	handler *processor.Handler
	// beforeInvoke, when set, runs before each invocation of the function.
	beforeInvoke func()
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{
		s3: awstest.NewS3(true), db: awstest.NewDynamoDB(table), dlq: awstest.NewSQS(dlqURL),
		cw: awstest.NewCloudWatch(), ctl: awstest.NewS3Control(account),
		stack: stackfile.Stack{Region: "eu-west-1", Bucket: bucket, Table: table, Function: function, DLQ: dlqURL,
			UploadsPrefix: contract.UploadsPrefix, ThumbnailsPrefix: contract.ThumbnailsPrefix},
	}
	w.fn = &awstest.Lambda{Name: function, Arn: fnArn, Handler: func(ctx context.Context, p []byte) (any, error) {
		w.mu.Lock()
		h, hook := w.handler, w.beforeInvoke
		w.mu.Unlock()
		if hook != nil {
			hook()
		}
		return h.Invoke(ctx, p)
	}}
	w.deploy(t, "64,128")
	w.writeStack(t)
	return w
}

// deploy (re)configures the function with thumbnail sizes, as a
// terraform apply of THUMBNAIL_SIZES would.
func (w *world) deploy(t *testing.T, sizes string) {
	t.Helper()
	env := map[string]string{
		contract.EnvTableName: table, contract.EnvEnvironment: "test", contract.EnvThumbnailSizes: sizes,
		contract.EnvJPEGQuality: strconv.Itoa(contract.DefaultJPEGQuality),
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	img, err := imaging.New(imaging.Options{Sizes: cfg.ThumbnailSizes, Quality: cfg.JPEGQuality, MaxPixels: cfg.MaxImagePixels})
	require.NoError(t, err)
	h, err := processor.New(objectstore.New(w.s3), metadata.NewStore(w.db, table), img, metrics.New(io.Discard, "ImageProcessing", "test"),
		processor.Options{UploadsPrefix: cfg.UploadsPrefix, ThumbnailsPrefix: cfg.ThumbnailsPrefix, MaxImageBytes: cfg.MaxImageBytes,
			ThumbnailSizes: cfg.ThumbnailSizes, Rendition: rendition.FromConfig(cfg).Fingerprint(), Concurrency: 2,
			Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	w.mu.Lock()
	w.handler, w.fn.Env = h, env
	w.mu.Unlock()
}

func (w *world) writeStack(t *testing.T) {
	t.Helper()
	if w.path == "" {
		w.path = filepath.Join(t.TempDir(), "stack.json")
	}
	require.NoError(t, stackfile.Write(w.path, w.stack))
}

func (w *world) env(stdout, stderr io.Writer) cli.Env {
	return cli.Env{
		Stdout: stdout, Stderr: stderr,
		Connect: func(context.Context, stackfile.Stack) (*cli.Clients, error) {
			return &cli.Clients{S3: w.s3, DynamoDB: w.db, Lambda: w.fn, SQS: w.dlq, CloudWatch: w.cw, Control: w.ctl,
				AccountID: func(context.Context) (string, error) { return account, nil }}, nil
		},
		FollowInterval: time.Millisecond,
	}
}

// run runs the CLI with the world's stack description and returns the
// exit status, stdout and stderr.
func (w *world) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return w.runCtx(t, context.Background(), args...)
}

func (w *world) runCtx(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(ctx, append([]string{"--stack", w.path}, args...), w.env(&out, &errOut))
	return code, out.String(), errOut.String()
}

// runJSON runs with --json and decodes stdout into v.
func (w *world) runJSON(t *testing.T, v any, args ...string) int {
	t.Helper()
	code, out, errOut := w.run(t, append(args, "--json")...)
	require.NoErrorf(t, json.Unmarshal([]byte(out), v), "stdout is not JSON (stderr %s):\n%s", errOut, out)
	return code
}

// pngOf is a small PNG whose pixels depend on seed.
func pngOf(t *testing.T, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 200+seed%5, 150))
	for y := range 150 {
		for x := range 200 {
			img.Set(x, y, color.RGBA{uint8(x + seed), uint8(y * seed), 90, 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// event is the notification S3 sends for the current version of key.
func (w *world) event(t *testing.T, key string) []byte {
	t.Helper()
	o, ok := w.s3.Current(bucket, key)
	require.True(t, ok)
	ev := events.S3Event{Records: []events.S3EventRecord{{
		EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: "eu-west-1", EventName: "ObjectCreated:Put",
		S3: events.S3Entity{Bucket: events.S3Bucket{Name: bucket}, Object: events.S3Object{
			Key: url.QueryEscape(key), Size: int64(len(o.Body)), ETag: metadata.NormalizeETag(o.ETag), VersionID: o.VersionID}},
	}}}
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	return b
}

// upload stores body at key and, when processed, delivers its event to
// the function as the trigger would.
func (w *world) upload(t *testing.T, key string, body []byte, processed bool) {
	t.Helper()
	w.s3.Put(bucket, key, body, "image/png")
	if processed {
		_, err := w.fn.Handler(context.Background(), w.event(t, key))
		require.NoError(t, err)
	}
}

// remove deletes key as a user would (a delete marker) and delivers the
// ObjectRemoved:DeleteMarkerCreated event the trigger sends.
func (w *world) remove(t *testing.T, key string) {
	t.Helper()
	m := w.s3.Delete(bucket, key)
	ev := events.S3Event{Records: []events.S3EventRecord{{
		EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: "eu-west-1", EventName: "ObjectRemoved:DeleteMarkerCreated",
		S3: events.S3Entity{Bucket: events.S3Bucket{Name: bucket}, Object: events.S3Object{Key: url.QueryEscape(key), VersionID: m.VersionID}},
	}}}
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	_, err = w.fn.Handler(context.Background(), b)
	require.NoError(t, err)
}

func (w *world) records(t *testing.T) map[string]metadata.Record {
	t.Helper()
	out := map[string]metadata.Record{}
	for _, it := range w.db.Items() {
		var r metadata.Record
		require.NoError(t, attributevalue.UnmarshalMap(it, &r))
		out[r.Key] = r
	}
	return out
}

// deleteRecord removes key's record behind the pipeline's back.
func (w *world) deleteRecord(t *testing.T, key string) {
	t.Helper()
	r, ok := w.records(t)[key]
	require.True(t, ok, "record of %s", key)
	k, err := attributevalue.MarshalMap(map[string]any{contract.TableHashKey: r.ImageID, contract.TableRangeKey: r.UploadTimestamp})
	require.NoError(t, err)
	_, err = w.db.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: k})
	require.NoError(t, err)
}

func (w *world) deleteObject(t *testing.T, key string) {
	t.Helper()
	_, err := w.s3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	require.NoError(t, err)
}

func thumb(key string, size int) string {
	return contract.ThumbnailKey(contract.ThumbnailsPrefix, contract.UploadsPrefix, key, size)
}

func keys(n int, format string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}
