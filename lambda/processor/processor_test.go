package processor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/awstest"
	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/lambda/metrics"
	"github.com/imgpipe/imgpipe/lambda/objectstore"
)

const (
	bucket   = "imgpipe-test-images"
	table    = "imgpipe-test-metadata"
	maxBytes = 1 << 20
)

var sizes = []int{256, 1024}

// testRendition stands for the settings fingerprint of the harness's handler.
const testRendition = "rendition-256-1024"

// fakeImager stands in for imaging.Processor: it "makes" one thumbnail per
// size whose bytes identify the input, or fails as configured.
type fakeImager struct {
	sizes     []int                      // thumbnail sizes made; the package's sizes when nil
	formats   []contract.ThumbnailFormat // formats made; JPEG only when nil
	err       error
	block     bool // wait until ctx ends
	panicMsg  string
	onProcess func() // called first, e.g. to change S3 while the image is processed

	mu        sync.Mutex
	calls     int
	deadlines []time.Time
}

func thumbBytes(data []byte, size int) []byte { return formatBytes(contract.FormatJPEG, data, size) }

func formatBytes(f contract.ThumbnailFormat, data []byte, size int) []byte {
	sum := sha256.Sum256(data)
	return fmt.Appendf(nil, "%s %d of %x", f.Name, size, sum[:6])
}

func (f *fakeImager) Process(ctx context.Context, data []byte) (*imaging.Result, error) {
	if f.onProcess != nil {
		f.onProcess()
	}
	f.mu.Lock()
	f.calls++
	d, _ := ctx.Deadline()
	f.deadlines = append(f.deadlines, d)
	f.mu.Unlock()
	if f.panicMsg != "" {
		panic(f.panicMsg)
	}
	if f.block {
		<-ctx.Done()
		return nil, fault.Transient(ctx.Err())
	}
	if f.err != nil {
		return nil, f.err
	}
	res := &imaging.Result{Format: imaging.FormatPNG, Width: 640, Height: 480, Orientation: 6, BitDepth: 16, HasAlpha: true,
		ColorProfile: "Display P3", ColorSpace: "display-p3", ColorAction: imaging.ColorConverted, ColorNote: "a second ICC profile was ignored",
		Placeholder: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", AverageColor: "#7f6a55", DominantColor: "#2b4a66",
		Exif: &imaging.Exif{Make: "Canon", Model: "EOS 5D", TakenAt: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}}
	made, formats := f.sizes, f.formats
	if made == nil {
		made = sizes
	}
	if formats == nil {
		formats = []contract.ThumbnailFormat{contract.FormatJPEG}
	}
	for _, s := range made {
		w, h := min(s, 640), min(s, 640)*3/4
		th := imaging.Thumbnail{Size: s, Width: w, Height: h}
		for _, f := range formats {
			th.Encodings = append(th.Encodings, imaging.Encoding{Format: imaging.Format(f.Name), Data: formatBytes(f, data, s)})
		}
		th.JPEG = th.Data(imaging.FormatJPEG)
		res.Thumbnails = append(res.Thumbnails, th)
	}
	return res, nil
}

type harness struct {
	s3      *awstest.S3
	db      *awstest.DynamoDB
	imager  *fakeImager
	h       *Handler
	metrics bytes.Buffer
	logs    bytes.Buffer
}

func newHarness(t testing.TB, versioned bool, concurrency int) *harness {
	t.Helper()
	x := &harness{s3: awstest.NewS3(versioned), db: awstest.NewDynamoDB(table), imager: &fakeImager{}}
	var err error
	x.h, err = New(objectstore.New(x.s3), metadata.NewStore(x.db, table), x.imager,
		metrics.New(&x.metrics, "ImageProcessing", "test"),
		Options{
			UploadsPrefix: contract.UploadsPrefix, ThumbnailsPrefix: contract.ThumbnailsPrefix,
			MaxImageBytes: maxBytes, ThumbnailSizes: sizes, Concurrency: concurrency, Rendition: testRendition,
			Logger: slog.New(slog.NewJSONHandler(&x.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
	require.NoError(t, err)
	return x
}

// s3Record describes one record of a test event.
type s3Record struct {
	eventName string // default "ObjectCreated:Put"
	key       string // decoded; the event carries it URL-encoded as S3 does
	versionID string
	etag      string
	size      int64
	kumoStyle bool // event name "s3:ObjectCreated:Put", '/' escaped in the key, no versionId
}

// event builds the event JSON as S3 sends it and unmarshals it the way the
// Lambda runtime does, so the key goes through aws-lambda-go's decoding.
func event(t testing.TB, recs ...s3Record) events.S3Event {
	t.Helper()
	var ev events.S3Event
	require.NoError(t, json.Unmarshal(eventJSON(t, recs...), &ev))
	return ev
}

// eventJSON is the event notification S3 would send for recs.
func eventJSON(t testing.TB, recs ...s3Record) []byte {
	t.Helper()
	var out []map[string]any
	for _, r := range recs {
		name := r.eventName
		if name == "" {
			name = "ObjectCreated:Put"
		}
		obj := map[string]any{"key": strings.ReplaceAll(url.QueryEscape(r.key), "%2F", "/"), "size": r.size, "eTag": r.etag}
		if r.kumoStyle {
			name, obj["key"] = "s3:ObjectCreated:Put", url.QueryEscape(r.key)
		}
		if r.versionID != "" && !r.kumoStyle {
			obj["versionId"] = r.versionID
		}
		out = append(out, map[string]any{
			"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-1",
			"eventTime": "2026-11-28T21:00:00.123Z", "eventName": name,
			"s3": map[string]any{"bucket": map[string]any{"name": bucket}, "object": obj},
		})
	}
	raw, err := json.Marshal(map[string]any{"Records": out})
	require.NoError(t, err)
	return raw
}

// upload stores an object and returns the event record S3 would send.
func (x *harness) upload(key string, body []byte) s3Record {
	o := x.s3.Put(bucket, key, body, "image/png")
	return s3Record{key: key, versionID: o.VersionID, etag: metadata.NormalizeETag(o.ETag), size: int64(len(body))}
}

func ctxWithRequest() context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-123"})
}

func (x *harness) records(t testing.TB) []metadata.Record {
	t.Helper()
	var recs []metadata.Record
	for _, it := range x.db.Items() {
		var r metadata.Record
		require.NoError(t, attributevalue.UnmarshalMap(it, &r))
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b metadata.Record) int { return strings.Compare(a.Key+a.VersionID, b.Key+b.VersionID) })
	return recs
}

func (x *harness) recordOf(t testing.TB, key string) metadata.Record {
	t.Helper()
	var found []metadata.Record
	for _, r := range x.records(t) {
		if r.Key == key {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "exactly one record for %s", key)
	return found[0]
}

func jsonLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func thumbKey(key string, size int) string {
	return contract.ThumbnailKey(contract.ThumbnailsPrefix, contract.UploadsPrefix, key, size)
}

func TestSuccess(t *testing.T) {
	x := newHarness(t, true, 4)
	body := []byte("a png, as far as the fake imager cares")
	r := x.upload("uploads/cat.png", body)

	require.NoError(t, x.h.Handle(ctxWithRequest(), event(t, r)))

	rec := x.recordOf(t, "uploads/cat.png")
	obj, _ := x.s3.Current(bucket, "uploads/cat.png")
	sum := sha256.Sum256(body)
	assert.Equal(t, metadata.Record{
		RecordVersion:   metadata.RecordVersion,
		ImageID:         metadata.ImageID(bucket, "uploads/cat.png", r.versionID, ""),
		UploadTimestamp: obj.LastModified.UnixMilli(),
		Status:          contract.StatusProcessed,
		Bucket:          bucket, Key: "uploads/cat.png", VersionID: r.versionID, ETag: r.etag,
		Size: int64(len(body)), ContentType: "image/png",
		Format: "png", Width: 640, Height: 480, Orientation: 6, BitDepth: 16, HasAlpha: true,
		ColorProfile: "Display P3", ColorSpace: "display-p3", ColorAction: "converted", ColorNote: "a second ICC profile was ignored",
		SHA256:      fmt.Sprintf("%x", sum),
		Exif:        &metadata.Exif{Make: "Canon", Model: "EOS 5D", TakenAt: "2024-05-06T07:08:09Z"},
		Placeholder: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", AverageColor: "#7f6a55", DominantColor: "#2b4a66",
		Thumbnails: map[string]metadata.Thumbnail{
			"256": {Key: thumbKey("uploads/cat.png", 256), Width: 256, Height: 192, Bytes: int64(len(thumbBytes(body, 256))),
				Formats: map[string]metadata.FormatFile{"jpeg": {Key: thumbKey("uploads/cat.png", 256), Bytes: int64(len(thumbBytes(body, 256))), ContentType: "image/jpeg"}}},
			"1024": {Key: thumbKey("uploads/cat.png", 1024), Width: 640, Height: 480, Bytes: int64(len(thumbBytes(body, 1024))),
				Formats: map[string]metadata.FormatFile{"jpeg": {Key: thumbKey("uploads/cat.png", 1024), Bytes: int64(len(thumbBytes(body, 1024))), ContentType: "image/jpeg"}}},
		},
		Rendition:   testRendition,
		ProcessedAt: rec.ProcessedAt, DurationMs: rec.DurationMs,
	}, rec)
	assert.Positive(t, rec.ProcessedAt)

	for _, s := range sizes {
		th, ok := x.s3.Current(bucket, thumbKey("uploads/cat.png", s))
		require.True(t, ok, "thumbnail %d written", s)
		assert.Equal(t, thumbBytes(body, s), th.Body)
		assert.Equal(t, "image/jpeg", th.ContentType)
		assert.Empty(t, th.CacheControl, "none configured")
		assert.Empty(t, th.Metadata, "thumbnails carry no metadata")
	}

	m := jsonLines(t, &x.metrics)
	require.Len(t, m, 1)
	assert.EqualValues(t, 1, m[0][contract.MetricImagesProcessed])
	assert.EqualValues(t, len(body), m[0][contract.MetricBytesIn])
	assert.EqualValues(t, len(thumbBytes(body, 256))+len(thumbBytes(body, 1024)), m[0][contract.MetricThumbnailBytes])

	logs := jsonLines(t, &x.logs)
	require.Len(t, logs, 1)
	assert.Equal(t, "req-123", logs[0]["requestId"])
	assert.Equal(t, "uploads/cat.png", logs[0]["key"])
	assert.Equal(t, "processed", logs[0]["outcome"])
	assert.Contains(t, logs[0], "durationMs")
}

func TestUnversionedBucketUsesETag(t *testing.T) {
	x := newHarness(t, false, 4)
	r := x.upload("uploads/a.jpg", []byte("bytes"))
	require.Empty(t, r.versionID)
	require.NoError(t, x.h.Handle(context.Background(), event(t, r)))
	rec := x.recordOf(t, "uploads/a.jpg")
	assert.Equal(t, metadata.ImageID(bucket, "uploads/a.jpg", "", r.etag), rec.ImageID)
	assert.Empty(t, rec.VersionID)
	assert.False(t, rec.Superseded)
	assert.Len(t, rec.Thumbnails, 2)
}

func TestPermanentFailuresFromImager(t *testing.T) {
	for _, reason := range []contract.Reason{contract.ReasonUnsupportedFormat, contract.ReasonTooManyPixels, contract.ReasonCorrupt, contract.ReasonEmpty} {
		t.Run(string(reason), func(t *testing.T) {
			x := newHarness(t, true, 4)
			x.imager.err = fmt.Errorf("decode: %w", fault.Permanentf(reason, "the %s detail", reason))
			r := x.upload("uploads/bad.bin", []byte("not really an image"))

			require.NoError(t, x.h.Handle(context.Background(), event(t, r)), "a permanent failure counts as handled")

			rec := x.recordOf(t, "uploads/bad.bin")
			assert.Equal(t, contract.StatusFailed, rec.Status)
			assert.Equal(t, string(reason), rec.FailureReason)
			assert.Contains(t, rec.FailureMessage, "the "+string(reason)+" detail")
			assert.Equal(t, r.versionID, rec.VersionID)
			assert.NotEmpty(t, rec.SHA256)
			assert.Empty(t, rec.Thumbnails)
			assert.Len(t, x.s3.Keys(bucket), 1, "no thumbnail written")

			m := jsonLines(t, &x.metrics)
			require.Len(t, m, 1)
			assert.EqualValues(t, 1, m[0][contract.MetricProcessingErrors])
			assert.Equal(t, string(reason), m[0][contract.MetricDimensionReason])
			logs := jsonLines(t, &x.logs)
			assert.Equal(t, "failed", logs[len(logs)-1]["outcome"])
			assert.Equal(t, string(reason), logs[len(logs)-1]["reason"])
		})
	}
}

// lengthHidingS3 drops Content-Length from GetObject, like a chunked
// response, so only the capped read can catch an oversized body.
type lengthHidingS3 struct{ *awstest.S3 }

func (l lengthHidingS3) GetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	out, err := l.S3.GetObject(ctx, in, o...)
	if out != nil {
		out.ContentLength = nil
	}
	return out, err
}

func TestFailuresFoundByTheHandler(t *testing.T) {
	big := bytes.Repeat([]byte{0xff}, maxBytes+1)
	tests := []struct {
		name       string
		setup      func(x *harness) s3Record
		hideLength bool
		reason     contract.Reason
		maxRead    int64 // body bytes the handler may read
	}{
		{"empty object", func(x *harness) s3Record { return x.upload("uploads/empty.png", nil) }, false, contract.ReasonEmpty, 0},
		{"too large by the event's size", func(x *harness) s3Record { return x.upload("uploads/big.png", big) }, false, contract.ReasonTooLarge, 0},
		{"too large by Content-Length", func(x *harness) s3Record {
			r := x.upload("uploads/big.png", big)
			r.size = 0 // event without a size
			return r
		}, false, contract.ReasonTooLarge, 0},
		{"too large found while reading", func(x *harness) s3Record {
			r := x.upload("uploads/big.png", append(big, big...))
			r.size = 0
			return r
		}, true, contract.ReasonTooLarge, maxBytes + 1},
		{"thumbnail key too long", func(x *harness) s3Record {
			return x.upload(keyOfLength(MaxKeyBytes-11), []byte("x"))
		}, false, contract.ReasonKeyTooLong, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := newHarness(t, true, 4)
			r := tc.setup(x)
			if tc.hideLength {
				x.h.objects = objectstore.New(lengthHidingS3{x.s3})
			}
			require.NoError(t, x.h.Handle(context.Background(), event(t, r)))
			rec := x.recordOf(t, r.key)
			assert.Equal(t, contract.StatusFailed, rec.Status)
			assert.Equal(t, string(tc.reason), rec.FailureReason)
			assert.Equal(t, metadata.ImageID(bucket, r.key, r.versionID, ""), rec.ImageID, "identity of the event's version")
			assert.NotZero(t, rec.UploadTimestamp)
			assert.LessOrEqual(t, x.s3.BytesRead(), tc.maxRead)
			assert.Zero(t, x.imager.calls, "the imager never sees a rejected object")
			m := jsonLines(t, &x.metrics)
			require.Len(t, m, 1)
			assert.Equal(t, string(tc.reason), m[0][contract.MetricDimensionReason])
		})
	}
}

// keyOfLength is an upload key of n bytes.
func keyOfLength(n int) string {
	return contract.UploadsPrefix + strings.Repeat("k", n-len(contract.UploadsPrefix)-len(".png")) + ".png"
}

// A thumbnail key is 12 bytes longer than its upload key with the default
// prefixes and a four-digit size: 1012 bytes is the longest upload key whose
// thumbnails S3 accepts.
func TestKeyLengthLimit(t *testing.T) {
	k := contract.UploadsPrefix + "a.png"
	require.Equal(t, 12, len(thumbKey(k, slices.Max(sizes)))-len(k), "thumbnail key overhead with the test sizes")
	tests := []struct {
		keyLen     int
		wantStatus string
	}{
		{MaxKeyBytes - 12, contract.StatusProcessed},
		{MaxKeyBytes - 11, contract.StatusFailed},
		{MaxKeyBytes, contract.StatusFailed},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.keyLen), func(t *testing.T) {
			x := newHarness(t, true, 1)
			key := keyOfLength(tc.keyLen)
			require.Len(t, key, tc.keyLen)
			require.NoError(t, x.h.Handle(context.Background(), event(t, x.upload(key, []byte("x")))))
			rec := x.recordOf(t, key)
			assert.Equal(t, tc.wantStatus, rec.Status)
			if tc.wantStatus == contract.StatusFailed {
				assert.Equal(t, string(contract.ReasonKeyTooLong), rec.FailureReason)
				assert.Contains(t, rec.FailureMessage, fmt.Sprintf("key is %d bytes", tc.keyLen))
				assert.Contains(t, rec.FailureMessage, fmt.Sprintf("would be %d bytes, over the S3 limit of 1024 bytes", tc.keyLen+12))
				assert.Zero(t, x.s3.BytesRead(), "the object is not read")
				return
			}
			for _, size := range sizes {
				assert.LessOrEqual(t, len(thumbKey(key, size)), MaxKeyBytes)
				assert.Contains(t, rec.Thumbnails, fmt.Sprint(size))
			}
		})
	}
}

func apiErr(code string) error { return &smithy.GenericAPIError{Code: code, Message: code} }

func TestTransientErrors(t *testing.T) {
	tests := []struct {
		name   string
		s3Fail func(op, key string) error
		dbFail error
		imgErr error
		// what survives the failed attempt
		wantThumbs bool
	}{
		{name: "GetObject throttled", s3Fail: func(op, _ string) error {
			if op == "GetObject" {
				return apiErr("SlowDown")
			}
			return nil
		}},
		{name: "GetObject access denied", s3Fail: func(op, _ string) error {
			if op == "GetObject" {
				return apiErr("AccessDenied")
			}
			return nil
		}},
		{name: "HeadObject 500", s3Fail: func(op, _ string) error {
			if op == "HeadObject" {
				return apiErr("InternalError")
			}
			return nil
		}},
		{name: "PutObject fails", s3Fail: func(op, _ string) error {
			if op == "PutObject" {
				return errors.New("connection reset by peer")
			}
			return nil
		}},
		{name: "DynamoDB throttled", dbFail: &types.ProvisionedThroughputExceededException{}, wantThumbs: true},
		{name: "imager not classified", imgErr: errors.New("out of file descriptors")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := newHarness(t, true, 4)
			r := x.upload("uploads/a.png", []byte("img"))
			x.s3.Fail = tc.s3Fail
			if tc.dbFail != nil {
				x.db.FailPut = func(map[string]types.AttributeValue) error { return tc.dbFail }
			}
			x.imager.err = tc.imgErr
			ev := event(t, r)

			err := x.h.Handle(context.Background(), ev)
			require.Error(t, err)
			assert.False(t, fault.IsPermanent(err))
			var te *fault.TransientError
			assert.ErrorAs(t, err, &te)
			assert.Contains(t, err.Error(), "s3://"+bucket+"/uploads/a.png")
			assert.Empty(t, x.db.Items(), "no record on a transient failure")
			_, thumbs := x.s3.Current(bucket, thumbKey("uploads/a.png", 256))
			assert.Equal(t, tc.wantThumbs, thumbs)
			assert.Empty(t, x.metrics.String())
			logs := jsonLines(t, &x.logs)
			assert.Equal(t, "retry", logs[len(logs)-1]["outcome"])

			// Lambda's retry, once the cause is gone, completes the work.
			x.s3.Fail, x.db.FailPut, x.imager.err = nil, nil, nil
			require.NoError(t, x.h.Handle(context.Background(), ev))
			assert.Equal(t, contract.StatusProcessed, x.recordOf(t, "uploads/a.png").Status)
		})
	}
}

func TestFailedRecordWriteIsTransient(t *testing.T) {
	x := newHarness(t, true, 4)
	r := x.upload("uploads/empty.png", nil)
	x.db.FailPut = func(map[string]types.AttributeValue) error { return apiErr("InternalServerError") }
	err := x.h.Handle(context.Background(), event(t, r))
	require.Error(t, err)
	assert.False(t, fault.IsPermanent(err), "a FAILED record that could not be written must be retried")
	assert.Empty(t, x.metrics.String())
}

func TestDuplicatedEventWritesOneItem(t *testing.T) {
	x := newHarness(t, true, 4)
	r := x.upload("uploads/dup.png", []byte("img"))
	ev := event(t, r, r, r) // duplicates inside one event, processed concurrently
	require.NoError(t, x.h.Handle(context.Background(), ev))
	require.NoError(t, x.h.Handle(context.Background(), event(t, r))) // and delivered again later
	assert.Len(t, x.db.Items(), 1)
	assert.Equal(t, contract.StatusProcessed, x.recordOf(t, "uploads/dup.png").Status)
	assert.Equal(t, 4, x.db.Puts())
	assert.Len(t, metricLines(t, &x.metrics, contract.MetricImagesProcessed), 1, "counted once")
}

// metricLines returns the EMF lines of buf that carry metric name.
func metricLines(t *testing.T, buf *bytes.Buffer, name string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range jsonLines(t, buf) {
		if _, ok := m[name]; ok {
			out = append(out, m)
		}
	}
	return out
}

// A redelivery of a processed version, later, is a duplicate: the first
// record stays, nothing is counted again, and it is no error.
func TestRedeliveredEventIsCountedOnce(t *testing.T) {
	x := newHarness(t, true, 1)
	clock := time.Date(2026, 11, 28, 21, 0, 0, 0, time.UTC)
	x.h.now = func() time.Time { return clock }
	r := x.upload("uploads/again.png", []byte("img"))
	require.NoError(t, x.h.Handle(context.Background(), event(t, r)))
	first := x.recordOf(t, r.key)
	clock = clock.Add(time.Minute)
	require.NoError(t, x.h.Handle(context.Background(), event(t, r)))

	rec := x.recordOf(t, r.key)
	assert.Equal(t, first, rec, "the first result is kept")
	assert.Equal(t, clock.Add(-time.Minute).UnixMilli(), rec.ProcessedAt)
	assert.Len(t, metricLines(t, &x.metrics, contract.MetricImagesProcessed), 1, "one ImagesProcessed after two deliveries")
	assert.Len(t, jsonLines(t, &x.metrics), 1, "no other metric either")
	var processed, duplicates int
	for _, l := range jsonLines(t, &x.logs) {
		switch l["msg"] {
		case "image processed":
			processed++
		case "duplicate event, record already stored":
			duplicates++
			assert.Equal(t, "INFO", l["level"])
			assert.Equal(t, "duplicate", l["outcome"])
			assert.Equal(t, rec.ImageID, l["imageId"])
		}
	}
	assert.Equal(t, 1, processed)
	assert.Equal(t, 1, duplicates)
}

func TestKeysAreURLDecoded(t *testing.T) {
	for _, key := range []string{"uploads/holiday photo.jpg", "uploads/a+b=c&d.png", "uploads/été/Ünïcødé 写真 🐱.jpeg", "uploads/100%.png"} {
		t.Run(key, func(t *testing.T) {
			x := newHarness(t, true, 4)
			r := x.upload(key, []byte("img "+key))
			ev := event(t, r)
			require.NotEqual(t, key, ev.Records[0].S3.Object.Key, "the event carries the key encoded")
			require.NoError(t, x.h.Handle(context.Background(), ev))
			rec := x.recordOf(t, key)
			assert.Equal(t, contract.StatusProcessed, rec.Status)
			for _, s := range sizes {
				_, ok := x.s3.Current(bucket, thumbKey(key, s))
				assert.True(t, ok, "thumbnail %d at the decoded key", s)
			}
		})
	}
}

func TestIgnoredRecords(t *testing.T) {
	tests := []struct {
		name string
		rec  s3Record
		why  string
	}{
		{"outside the uploads prefix", s3Record{key: "other/a.jpg"}, "outside the uploads prefix"},
		{"prefix is case-sensitive", s3Record{key: "Uploads/a.jpg"}, "outside the uploads prefix"},
		{"thumbnails prefix", s3Record{key: thumbKey("uploads/a.jpg", 256)}, "recursion guard"},
		{"folder placeholder", s3Record{key: "uploads/folder/"}, "folder placeholder"},
		{"neither a create nor a delete", s3Record{key: "uploads/a.jpg", eventName: "ObjectRestore:Completed"}, "neither an ObjectCreated nor an ObjectRemoved event"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := newHarness(t, true, 4)
			x.s3.Fail = func(op, key string) error { return fmt.Errorf("unexpected %s %s", op, key) }
			require.NoError(t, x.h.Handle(context.Background(), event(t, tc.rec)))
			assert.Empty(t, x.db.Items())
			assert.Empty(t, x.metrics.String())
			logs := jsonLines(t, &x.logs)
			require.Len(t, logs, 1)
			assert.Equal(t, "ignored", logs[0]["outcome"])
			assert.Contains(t, logs[0]["why"], tc.why)
			assert.Equal(t, tc.rec.key, logs[0]["key"])
			wantLevel := "INFO"
			if strings.HasPrefix(tc.rec.key, contract.ThumbnailsPrefix) {
				wantLevel = "WARN" // a misconfigured trigger deserves attention
			}
			assert.Equal(t, wantLevel, logs[0]["level"])
		})
	}
}

func TestEventFromS3CompatibleStores(t *testing.T) {
	x := newHarness(t, true, 4)
	x.s3.HeadOmitsVersion = true
	const key = "uploads/sub dir/kumo+1.png"
	r := x.upload(key, []byte("img"))
	r.kumoStyle = true // the version read is recorded
	ev := event(t, r)
	require.Equal(t, "uploads%2Fsub+dir%2Fkumo%2B1.png", ev.Records[0].S3.Object.Key)
	require.NoError(t, x.h.Handle(context.Background(), ev))
	rec := x.recordOf(t, key)
	cur, _ := x.s3.Current(bucket, key)
	assert.Equal(t, cur.VersionID, rec.VersionID)
	assert.Equal(t, contract.StatusProcessed, rec.Status)
}

func TestBatchWithOneTransientFailure(t *testing.T) {
	x := newHarness(t, true, 2)
	var recs []s3Record
	for _, k := range []string{"uploads/1.png", "uploads/2.png", "uploads/bad.png", "uploads/4.png", "uploads/empty.png"} {
		body := []byte("img " + k)
		if k == "uploads/empty.png" {
			body = nil
		}
		recs = append(recs, x.upload(k, body))
	}
	x.s3.Fail = func(op, key string) error {
		if op == "GetObject" && key == "uploads/bad.png" {
			return apiErr("ServiceUnavailable")
		}
		return nil
	}
	err := x.h.Handle(context.Background(), event(t, recs...))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "uploads/bad.png")
	for _, k := range []string{"uploads/1.png", "uploads/2.png", "uploads/4.png", "uploads/empty.png"} {
		assert.NotContains(t, err.Error(), k)
	}
	got := map[string]string{}
	for _, r := range x.records(t) {
		got[r.Key] = r.Status
	}
	assert.Equal(t, map[string]string{
		"uploads/1.png": contract.StatusProcessed, "uploads/2.png": contract.StatusProcessed,
		"uploads/4.png": contract.StatusProcessed, "uploads/empty.png": contract.StatusFailed,
	}, got, "the others' records are kept")
	for _, k := range []string{"uploads/1.png", "uploads/2.png", "uploads/4.png"} {
		_, ok := x.s3.Current(bucket, thumbKey(k, 256))
		assert.True(t, ok, "thumbnails of %s kept", k)
	}

	// The retry of the whole event settles the failed record and rewrites
	// nothing else as a new item.
	x.s3.Fail = nil
	require.NoError(t, x.h.Handle(context.Background(), event(t, recs...)))
	assert.Len(t, x.db.Items(), 5)
}

func TestDeadline(t *testing.T) {
	x := newHarness(t, true, 1)
	x.imager.block = true
	r1 := x.upload("uploads/slow.png", []byte("slow"))
	r2 := x.upload("uploads/queued.png", []byte("queued"))
	deadline := time.Now().Add(600 * time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	err := x.h.Handle(ctx, event(t, r1, r2))

	require.Error(t, err)
	assert.ErrorIs(t, err, ErrDeadline)
	assert.False(t, fault.IsPermanent(err))
	assert.Contains(t, err.Error(), "uploads/slow.png")
	assert.Contains(t, err.Error(), "uploads/queued.png", "a record that could not start is named too")
	require.Len(t, x.imager.deadlines, 1)
	assert.Equal(t, deadline.Add(-MinDeadlineMargin), x.imager.deadlines[0], "work stops a safety margin before the invocation deadline")
	assert.Empty(t, x.db.Items(), "no FAILED record for a deadline")
}

func TestSafetyMargin(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		left, margin time.Duration
	}{
		{time.Second, MinDeadlineMargin},
		{5 * time.Second, 500 * time.Millisecond},
		{15 * time.Minute, MaxDeadlineMargin},
	}
	for _, tc := range tests {
		t.Run(tc.left.String(), func(t *testing.T) {
			h := &Handler{now: func() time.Time { return now }}
			parent, cancel := context.WithDeadline(context.Background(), now.Add(tc.left))
			defer cancel()
			ctx, cancel2 := h.withSafetyMargin(parent)
			defer cancel2()
			d, ok := ctx.Deadline()
			require.True(t, ok)
			assert.Equal(t, now.Add(tc.left-tc.margin), d)
		})
	}
}

func TestImagerPanicIsTransient(t *testing.T) {
	x := newHarness(t, true, 4)
	x.imager.panicMsg = "index out of range"
	r := x.upload("uploads/p.png", []byte("img"))
	err := x.h.Handle(context.Background(), event(t, r))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "index out of range")
	assert.False(t, fault.IsPermanent(err))
}

func TestSupersededVersion(t *testing.T) {
	for _, headOmitsVersion := range []bool{false, true} {
		t.Run(fmt.Sprintf("headOmitsVersion=%v", headOmitsVersion), func(t *testing.T) {
			x := newHarness(t, true, 4)
			x.s3.HeadOmitsVersion = headOmitsVersion // kumo: compare by ETag
			old := x.upload("uploads/s.png", []byte("old"))
			newer := x.upload("uploads/s.png", []byte("newer"))

			// The newer version's event arrives first and writes its thumbnails.
			require.NoError(t, x.h.Handle(context.Background(), event(t, newer)))
			// The older version's event arrives late: recorded, thumbnails untouched.
			require.NoError(t, x.h.Handle(context.Background(), event(t, old)))

			recs := x.records(t)
			require.Len(t, recs, 2, "versions never share an item")
			byVersion := map[string]metadata.Record{recs[0].VersionID: recs[0], recs[1].VersionID: recs[1]}
			assert.False(t, byVersion[newer.versionID].Superseded)
			assert.Len(t, byVersion[newer.versionID].Thumbnails, 2)
			assert.True(t, byVersion[old.versionID].Superseded)
			assert.Empty(t, byVersion[old.versionID].Thumbnails)
			assert.Equal(t, contract.StatusProcessed, byVersion[old.versionID].Status)
			for _, s := range sizes {
				th, _ := x.s3.Current(bucket, thumbKey("uploads/s.png", s))
				assert.Equal(t, thumbBytes([]byte("newer"), s), th.Body, "thumbnails stay the newer version's")
			}
			logs := jsonLines(t, &x.logs)
			assert.Contains(t, logs[len(logs)-2]["msg"], "newer version is current")
		})
	}
}

func TestDeletedKeyIsSuperseded(t *testing.T) {
	x := newHarness(t, true, 4)
	r := x.upload("uploads/d.png", []byte("d"))
	// The version still exists but the key has no current version (a
	// delete marker on AWS); emulate by a Head that says NotFound.
	x.s3.Fail = func(op, _ string) error {
		if op == "HeadObject" {
			return &smithy.GenericAPIError{Code: "NotFound"}
		}
		return nil
	}
	require.NoError(t, x.h.Handle(context.Background(), event(t, r)))
	rec := x.recordOf(t, "uploads/d.png")
	assert.True(t, rec.Superseded)
	assert.Empty(t, rec.Thumbnails)
}

func TestNewRejectsBadOptions(t *testing.T) {
	_, err := New(nil, nil, nil, nil, Options{UploadsPrefix: "uploads/", ThumbnailsPrefix: "thumbnails/", MaxImageBytes: 1, ThumbnailSizes: sizes, Concurrency: 0, Rendition: "r"})
	assert.ErrorContains(t, err, "Concurrency is 0")
	_, err = New(nil, nil, nil, nil, Options{UploadsPrefix: "uploads/", ThumbnailsPrefix: "thumbnails/", MaxImageBytes: 0, ThumbnailSizes: sizes, Concurrency: 1, Rendition: "r"})
	assert.ErrorContains(t, err, "MaxImageBytes is 0")
	_, err = New(nil, nil, nil, nil, Options{UploadsPrefix: "uploads/", ThumbnailsPrefix: "thumbnails/", MaxImageBytes: 1, ThumbnailSizes: sizes, Concurrency: 1})
	assert.ErrorContains(t, err, "Rendition (the settings fingerprint) must not be empty")
}

// barrierImager blocks calls until `want` calls are in flight at once (the
// barrier then stays open), and records the most ever in flight.
type barrierImager struct {
	fakeImager
	want int

	mu       sync.Mutex
	inFlight int
	maxSeen  int
	release  chan struct{}
	opened   bool
}

func (b *barrierImager) Process(ctx context.Context, data []byte) (*imaging.Result, error) {
	b.mu.Lock()
	b.inFlight++
	b.maxSeen = max(b.maxSeen, b.inFlight)
	if b.inFlight >= b.want && !b.opened {
		b.opened = true
		close(b.release)
	}
	b.mu.Unlock()
	defer func() { b.mu.Lock(); b.inFlight--; b.mu.Unlock() }()
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, fault.Transient(ctx.Err())
	}
	// Linger a moment so that a handler over its bound would be seen
	// starting one more record (this only makes the check sharper; the
	// correct handler passes whatever the timing).
	time.Sleep(20 * time.Millisecond)
	return b.fakeImager.Process(ctx, data)
}

func TestRecordsRunConcurrentlyWithinTheBound(t *testing.T) {
	const bound = 3
	x := newHarness(t, true, bound)
	img := &barrierImager{want: bound, release: make(chan struct{})}
	x.h.imager = img
	var recs []s3Record
	for i := range 3 * bound {
		recs = append(recs, x.upload(fmt.Sprintf("uploads/%d.png", i), []byte{byte(i)}))
	}
	// The barrier only opens when `bound` records run at once; a serial
	// handler would stall here until this deadline and fail.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, x.h.Handle(ctx, event(t, recs...)))
	assert.Equal(t, bound, img.maxSeen, "never more than RECORD_CONCURRENCY records at once")
	assert.Len(t, x.db.Items(), 3*bound)
}

// BenchmarkHandlerOverhead measures the handler's own cost per record
// (event decoding, fakes of S3 and DynamoDB, record marshalling, EMF and
// log lines) with a fake imager: the imaging cost is benchmarked in
// lambda/imaging.
func BenchmarkHandlerOverhead(b *testing.B) {
	x := newHarness(b, true, 4)
	x.h.log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	x.h.metrics = metrics.New(io.Discard, "ImageProcessing", "bench")
	var recs []s3Record
	for i := range 10 {
		recs = append(recs, x.upload(fmt.Sprintf("uploads/bench/%d.png", i), bytes.Repeat([]byte{byte(i)}, 64<<10)))
	}
	ev := event(b, recs...)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := x.h.Handle(context.Background(), ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(recs)), "µs/record")
}

type panickingRecords struct{}

func (panickingRecords) Put(context.Context, metadata.Record) (metadata.PutResult, error) {
	panic("nil map write")
}

func (panickingRecords) Versions(context.Context, string) ([]metadata.Record, error) {
	panic("nil map read")
}

func TestPanicOutsideImagingIsTransient(t *testing.T) {
	x := newHarness(t, true, 4)
	x.h.records = panickingRecords{}
	ok := x.upload("uploads/p.png", []byte("img"))
	err := x.h.Handle(context.Background(), event(t, ok))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nil map write")
	assert.Contains(t, err.Error(), "uploads/p.png")
	assert.False(t, fault.IsPermanent(err))
}

// reconfigure gives the harness a handler with other thumbnail sizes and
// rendition fingerprint over the same bucket and table, as a deployment of
// a new THUMBNAIL_SIZES would.
func (x *harness) reconfigure(t *testing.T, rendition string, newSizes ...int) {
	t.Helper()
	x.reconfigureFormats(t, rendition, nil, "", newSizes...)
}

// reconfigureFormats replaces the handler with one making formats (JPEG
// only when nil) with cacheControl.
func (x *harness) reconfigureFormats(t *testing.T, rendition string, formats []contract.ThumbnailFormat, cacheControl string, newSizes ...int) {
	t.Helper()
	x.imager = &fakeImager{sizes: newSizes, formats: formats}
	var err error
	x.h, err = New(objectstore.New(x.s3), metadata.NewStore(x.db, table), x.imager,
		metrics.New(&x.metrics, "ImageProcessing", "test"),
		Options{
			UploadsPrefix: contract.UploadsPrefix, ThumbnailsPrefix: contract.ThumbnailsPrefix,
			MaxImageBytes: maxBytes, ThumbnailSizes: newSizes, ThumbnailFormats: formats, CacheControl: cacheControl,
			Concurrency: 2, Rendition: rendition,
			Logger: slog.New(slog.NewJSONHandler(&x.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
	require.NoError(t, err)
}

func metricCount(t *testing.T, buf *bytes.Buffer, name string) int {
	t.Helper()
	n := 0
	for _, m := range jsonLines(t, buf) {
		if _, ok := m[name]; ok {
			n++
		}
	}
	return n
}

// A version processed again under other settings (here 256+512 instead of
// 256+1024) replaces its record, counts in ImagesReprocessed only, and
// deletes the thumbnail of the size no longer configured; the same event
// under the same settings again is a duplicate.
func TestReprocessUnderNewSettings(t *testing.T) {
	x := newHarness(t, true, 2)
	body := []byte("photo")
	r := x.upload("uploads/re/photo.png", body)
	require.NoError(t, x.h.Handle(context.Background(), event(t, r)))
	require.Equal(t, testRendition, x.recordOf(t, "uploads/re/photo.png").Rendition)

	x.reconfigure(t, "rendition-256-512", 256, 512)
	out, err := x.h.handleRecord(context.Background(), x.h.log, event(t, r).Records[0])
	require.NoError(t, err)
	assert.Equal(t, OutcomeReprocessed, out)

	rec := x.recordOf(t, "uploads/re/photo.png")
	assert.Equal(t, "rendition-256-512", rec.Rendition)
	assert.Equal(t, []string{"256", "512"}, slices.Sorted(maps.Keys(rec.Thumbnails)))
	for _, size := range []int{256, 512} {
		th, ok := x.s3.Current(bucket, thumbKey("uploads/re/photo.png", size))
		require.True(t, ok, "thumbnail %d written", size)
		assert.Equal(t, thumbBytes(body, size), th.Body)
	}
	_, ok := x.s3.Current(bucket, thumbKey("uploads/re/photo.png", 1024))
	assert.False(t, ok, "the 1024 px thumbnail, no longer configured, is deleted")

	assert.Equal(t, 1, metricCount(t, &x.metrics, contract.MetricImagesProcessed), "the first processing only")
	assert.Equal(t, 1, metricCount(t, &x.metrics, contract.MetricImagesReprocessed))

	out, err = x.h.handleRecord(context.Background(), x.h.log, event(t, r).Records[0])
	require.NoError(t, err)
	assert.Equal(t, OutcomeDuplicate, out, "same version, same fingerprint")
	assert.Equal(t, 1, metricCount(t, &x.metrics, contract.MetricImagesReprocessed), "a duplicate is not counted")
	assert.Len(t, x.records(t), 1)

	var reprocessedLogs int
	for _, l := range jsonLines(t, &x.logs) {
		if l["outcome"] == "reprocessed" {
			reprocessedLogs++
			assert.Equal(t, testRendition, l["previousRendition"])
			assert.EqualValues(t, 1, l["thumbnailsDeleted"])
		}
	}
	assert.Equal(t, 1, reprocessedLogs)
}

// Reprocessing a version that is no longer current writes no thumbnails
// and deletes none: the thumbnail keys belong to the newer version.
func TestReprocessOfSupersededVersionDeletesNothing(t *testing.T) {
	x := newHarness(t, true, 2)
	old := x.upload("uploads/re/two.png", []byte("v1"))
	require.NoError(t, x.h.Handle(context.Background(), event(t, old)))
	cur := x.upload("uploads/re/two.png", []byte("v2"))
	require.NoError(t, x.h.Handle(context.Background(), event(t, cur)))

	x.reconfigure(t, "rendition-256", 256)
	out, err := x.h.handleRecord(context.Background(), x.h.log, event(t, old).Records[0])
	require.NoError(t, err)
	assert.Equal(t, OutcomeReprocessed, out)
	th, ok := x.s3.Current(bucket, thumbKey("uploads/re/two.png", 1024))
	require.True(t, ok, "the current version's 1024 px thumbnail stays")
	assert.Equal(t, thumbBytes([]byte("v2"), 1024), th.Body)
}

// A thumbnail that cannot be deleted does not undo the new record: it is
// logged for `imgpipe audit --fix`.
func TestReprocessWithFailedDelete(t *testing.T) {
	x := newHarness(t, true, 2)
	r := x.upload("uploads/re/stuck.png", []byte("img"))
	require.NoError(t, x.h.Handle(context.Background(), event(t, r)))
	x.s3.Fail = func(op, _ string) error {
		if op == "DeleteObject" {
			return &smithy.GenericAPIError{Code: "AccessDenied", Message: "no"}
		}
		return nil
	}
	x.reconfigure(t, "rendition-256", 256)
	out, err := x.h.handleRecord(context.Background(), x.h.log, event(t, r).Records[0])
	require.NoError(t, err)
	assert.Equal(t, OutcomeReprocessed, out)
	assert.Equal(t, "rendition-256", x.recordOf(t, "uploads/re/stuck.png").Rendition)
	_, ok := x.s3.Current(bucket, thumbKey("uploads/re/stuck.png", 1024))
	assert.True(t, ok)
	assert.Contains(t, x.logs.String(), "thumbnail no longer configured not deleted")
}

// With WebP configured, every size is written in both formats with its
// Content-Type and the configured Cache-Control; the record keeps the
// JPEG as each size's key and lists both formats.
func TestFormatsAndCacheControl(t *testing.T) {
	x := newHarness(t, true, 2)
	both := []contract.ThumbnailFormat{contract.FormatJPEG, contract.FormatWebP}
	x.reconfigureFormats(t, "r-jpeg-webp", both, "public, max-age=86400", sizes...)
	body := []byte("photo")
	r := x.upload("uploads/f/photo.png", body)
	require.NoError(t, x.h.Handle(context.Background(), event(t, r)))
	rec := x.recordOf(t, "uploads/f/photo.png")
	assert.Equal(t, metadata.RecordVersion, rec.RecordVersion)
	var total int
	for _, size := range sizes {
		rt := rec.Thumbnails[fmt.Sprint(size)]
		assert.Equal(t, thumbKey("uploads/f/photo.png", size), rt.Key, "the JPEG stays the size's key")
		assert.EqualValues(t, len(thumbBytes(body, size)), rt.Bytes)
		require.Len(t, rt.Formats, 2)
		for _, f := range both {
			key := f.Key(contract.ThumbnailsPrefix, contract.UploadsPrefix, "uploads/f/photo.png", size)
			want := formatBytes(f, body, size)
			assert.Equal(t, metadata.FormatFile{Key: key, Bytes: int64(len(want)), ContentType: f.ContentType}, rt.Formats[f.Name])
			obj, ok := x.s3.Current(bucket, key)
			require.True(t, ok, key)
			assert.Equal(t, want, obj.Body)
			assert.Equal(t, f.ContentType, obj.ContentType)
			assert.Equal(t, "public, max-age=86400", obj.CacheControl)
			total += len(want)
		}
	}
	assert.True(t, strings.HasSuffix(rec.Thumbnails["256"].Formats["webp"].Key, ".png.webp"))
	m := jsonLines(t, &x.metrics)
	assert.EqualValues(t, total, m[len(m)-1][contract.MetricThumbnailBytes], "every format's bytes count")

	// Without JPEG, the first configured format is the size's key.
	x.reconfigureFormats(t, "r-webp", []contract.ThumbnailFormat{contract.FormatWebP}, "", 256)
	r2 := x.upload("uploads/f/only.png", body)
	require.NoError(t, x.h.Handle(context.Background(), event(t, r2)))
	rt := x.recordOf(t, "uploads/f/only.png").Thumbnails["256"]
	assert.Equal(t, "thumbnails/256/f/only.png.webp", rt.Key)
	assert.Equal(t, []string{"webp"}, slices.Collect(maps.Keys(rt.Formats)))
}

// Reprocessing without a format deletes that format's thumbnails and keeps
// the others.
func TestReprocessDropsAFormat(t *testing.T) {
	x := newHarness(t, true, 2)
	x.reconfigureFormats(t, "r-jpeg-webp", []contract.ThumbnailFormat{contract.FormatJPEG, contract.FormatWebP}, "", sizes...)
	r := x.upload("uploads/f/drop.png", []byte("img"))
	require.NoError(t, x.h.Handle(context.Background(), event(t, r)))
	webpKey := contract.FormatWebP.Key(contract.ThumbnailsPrefix, contract.UploadsPrefix, "uploads/f/drop.png", 256)
	_, ok := x.s3.Current(bucket, webpKey)
	require.True(t, ok)

	x.reconfigure(t, "r-jpeg", sizes...)
	out, err := x.h.handleRecord(context.Background(), x.h.log, event(t, r).Records[0])
	require.NoError(t, err)
	assert.Equal(t, OutcomeReprocessed, out)
	for _, size := range sizes {
		_, ok := x.s3.Current(bucket, contract.FormatWebP.Key(contract.ThumbnailsPrefix, contract.UploadsPrefix, "uploads/f/drop.png", size))
		assert.False(t, ok, "the %d px WebP, no longer configured, is deleted", size)
		_, ok = x.s3.Current(bucket, thumbKey("uploads/f/drop.png", size))
		assert.True(t, ok, "the %d px JPEG stays", size)
	}
}

// An imager that does not make the configured formats is a defect, not a
// bad image: the record is retried, nothing is written.
func TestImagerFormatMismatchIsTransient(t *testing.T) {
	x := newHarness(t, true, 2)
	x.reconfigureFormats(t, "r-jpeg-webp", []contract.ThumbnailFormat{contract.FormatJPEG, contract.FormatWebP}, "", 256)
	x.imager.formats = []contract.ThumbnailFormat{contract.FormatJPEG}
	r := x.upload("uploads/f/odd.png", []byte("img"))
	err := x.h.Handle(context.Background(), event(t, r))
	require.Error(t, err)
	assert.False(t, fault.IsPermanent(err))
	assert.ErrorContains(t, err, "the imager made 1 formats of the 256 px thumbnail, 2 are configured")
	assert.Empty(t, x.records(t))
}

// The key-length check counts the longest extension configured.
func TestKeyLengthCountsEveryFormat(t *testing.T) {
	x := newHarness(t, true, 2)
	x.reconfigureFormats(t, "r-jpeg-webp", []contract.ThumbnailFormat{contract.FormatJPEG, contract.FormatWebP}, "", 256)
	// A key whose .jpg thumbnail key is exactly at the limit: its .webp one is over.
	name := "uploads/" + strings.Repeat("k", MaxKeyBytes-len("thumbnails/256/")-len(".jpg"))
	require.Len(t, thumbKey(name, 256), MaxKeyBytes)
	require.ErrorContains(t, x.h.checkKeyLength(name), "would be 1025 bytes")
}
