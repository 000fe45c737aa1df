package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"maps"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/tfmodule"
	"github.com/imgpipe/imgpipe/internal/verify"
	"github.com/imgpipe/imgpipe/lambda/imaging"
	"github.com/imgpipe/imgpipe/local/report"
	"github.com/imgpipe/imgpipe/local/runner"
	"github.com/imgpipe/imgpipe/local/stack"
)

// maxPixels is the pixel cap of the e2e function: low, so an image over it
// stays a few kilobytes.
const maxPixels = 1_000_000

var (
	st *stack.Stack
	tg verify.Target
	// outcomes reads the local events queue (every outcome event of the
	// stack); the tests share it, each waiting for its own keys.
	outcomes *verify.Events
)

// TestMain starts one local stack for the whole suite (kumo's services are
// process-wide and port 4566 can be bound once) and always tears it down.
// If the port is taken the suite fails, saying by what.
func TestMain(m *testing.M) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := func() int {
		defer stop()
		var err error
		// WebP besides JPEG, as `make run THUMBNAIL_FORMATS=jpeg,webp` does:
		// the JPEG keys and record fields the shared checks read are those
		// of the default configuration (TestDefaultRecordUnchanged in
		// lambda/processor holds that), and TestEveryFormatOfTheSamples
		// checks the WebP ones.
		st, err = stack.Start(ctx, stack.Config{
			// Another test binary of the same go test run (local-up's own
			// test) may hold the port for a while: one stack at a time.
			PortWait:         10 * time.Minute,
			Environment:      "e2e",
			ProcessingInputs: processingInputs(),
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: cannot start the local stack: %v\n", err)
			return 1
		}
		defer st.Close()
		if tg, err = st.Target(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			return 1
		}
		outcomes = verify.NewEvents(st.SQS, st.EventsQueue, 0)
		code := m.Run()
		if code != 0 {
			sent, failed := st.DeleteNotifications()
			fmt.Fprintf(os.Stderr, "e2e: kumo reported %d dropped events; %d outcome events delivered, %d delete notifications sent, %d failed (%s); handler alive: %v; last lines of %s:\n%s\n",
				st.DroppedEvents(), st.EventsDelivered(), sent, failed, st.EventsLogPath(), st.HandlerErr() == nil, st.HandlerLogPath(), st.HandlerLogTail(40))
		}
		return code
	}()
	os.Exit(code)
}

// e2eTimeout is the e2e function's timeout: short, so that with ingestion
// "sqs" a failed message is visible again after 6 x 10 s (the ingest
// queue's visibility timeout follows the function's), not 6 minutes.
const e2eTimeout = 10

// e2eMaxReceiveCount: a message failed twice is dead-lettered.
const e2eMaxReceiveCount = 2

// e2eBatchSize keeps one invocation's work (JPEG and WebP thumbnails of a
// few images) far inside e2eTimeout on a loaded machine, so that only the
// faults a test injects make a message fail.
const e2eBatchSize = 2

// processingInputs are the e2e stack's inputs to modules/processing.
// INGESTION=direct|sqs picks the ingestion mode (default: the module's).
func processingInputs() map[string]any {
	in := map[string]any{"max_image_pixels": maxPixels, "thumbnail_formats": e2eFormats,
		"timeout": e2eTimeout, "ingest_max_receive_count": e2eMaxReceiveCount, "ingest_batch_size": e2eBatchSize}
	if mode := os.Getenv(stack.EnvIngestion); mode != "" {
		in["ingestion"] = mode
	}
	return in
}

// e2eFormats are the thumbnail formats of the e2e stack.
var e2eFormats = []string{"jpeg", "webp"}

// TestEveryFormatOfTheSamples runs the samples as `make run
// THUMBNAIL_FORMATS=jpeg,webp` does: every processed image has a JPEG and
// a WebP thumbnail per size, of the record's dimensions, the WebP a RIFF
// WEBP file with Content-Type image/webp, and its record a decodable
// placeholder and #rrggbb colours.
func TestEveryFormatOfTheSamples(t *testing.T) {
	ctx := t.Context()
	inputs, err := runner.Collect(filepath.Join("..", "samples", "images"), key(t, ""))
	require.NoError(t, err)
	results, err := runner.Run(ctx, tg, inputs, runner.Options{IdleTimeout: 60 * time.Second})
	require.NoError(t, err)
	processed := 0
	for _, r := range results {
		require.NotNilf(t, r.Record, "%s got no record", r.Name)
		if r.Record.Status != contract.StatusProcessed {
			continue
		}
		processed++
		verify.AssertPreview(t, r.Record)
		require.Lenf(t, r.Record.Thumbnails, len(tg.Sizes), "%s", r.Name)
		for size, th := range r.Record.Thumbnails {
			require.Lenf(t, th.Formats, len(e2eFormats), "%s %s px: formats %v", r.Name, size, th.Formats)
			for _, name := range e2eFormats {
				f, ok := th.Formats[name]
				require.Truef(t, ok, "%s %s px has no %s", r.Name, size, name)
				data := r.Files[f.Key]
				require.NotEmptyf(t, data, "%s fetched", f.Key)
				assert.EqualValues(t, len(data), f.Bytes, f.Key)
				if name == "webp" {
					require.Greater(t, len(data), 12)
					assert.Equal(t, "RIFF", string(data[:4]), f.Key)
					assert.Equal(t, "WEBP", string(data[8:12]), f.Key)
				}
				img, got, err := imaging.DecodeThumbnail(data)
				require.NoErrorf(t, err, f.Key)
				assert.Equal(t, name, string(got), f.Key)
				assert.Equalf(t, image.Rect(0, 0, th.Width, th.Height), img.Bounds(), "%s decodes to the record's dimensions", f.Key)
				// kumo returns no Cache-Control: the processor's tests check it
				// is sent (TestFormatsAndCacheControl).
				obj, err := tg.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(tg.Bucket), Key: aws.String(f.Key)})
				require.NoError(t, err)
				_ = obj.Body.Close()
				assert.Equal(t, f.ContentType, aws.ToString(obj.ContentType), f.Key)
			}
		}
	}
	assert.GreaterOrEqual(t, processed, 5, "the samples' images")
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "samples", "images", name))
	require.NoError(t, err)
	return data
}

// key is a key under the uploads prefix unique to the test.
func key(t *testing.T, name string) string {
	return tg.UploadsPrefix + "e2e/" + t.Name() + "/" + name
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func TestFormatsAreProcessed(t *testing.T) {
	cases := []struct {
		file          string
		format        imaging.Format
		width, height int // upright
	}{
		{"yellow-rose.jpg", imaging.FormatJPEG, 400, 301},
		{"transparent-badge.png", imaging.FormatPNG, 480, 320},
		{"video-001.gif", imaging.FormatGIF, 150, 103},
		{"yellow-rose.webp", imaging.FormatWebP, 400, 301},
		{"exif-orientation-6.jpg", imaging.FormatJPEG, 360, 240},
		{"heif-grid-irot.heic", imaging.FormatHEIC, 360, 240},
		{"yellow-rose-alpha-10bit.avif", imaging.FormatAVIF, 400, 301},
		{"yellow-rose-display-p3.jpg", imaging.FormatJPEG, 400, 301},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			obj := verify.MustUpload(t, ctx, tg, key(t, tc.file), sample(t, tc.file))
			rec := verify.WaitForObject(t, ctx, tg, obj, contract.StatusProcessed)
			assert.Equal(t, string(tc.format), rec.Format)
			assert.Equal(t, int64(len(sample(t, tc.file))), rec.Size)
			assert.NotEmpty(t, rec.SHA256)
			verify.AssertRecordThumbnails(t, tg, rec, tc.width, tc.height)
			verify.AssertThumbnails(t, ctx, tg, obj.Key, tc.width, tc.height)
		})
	}
}

// TestExifOrientationIsUpright checks pixels, not only sizes: the sample
// stores its pixels rotated and says Orientation 6; upright, it has a red
// band at the top and a green block at the left.
func TestExifOrientationIsUpright(t *testing.T) {
	ctx := t.Context()
	obj := verify.MustUpload(t, ctx, tg, key(t, "rotated.jpg"), sample(t, verify.OrientationSample))
	rec := verify.WaitForObject(t, ctx, tg, obj, contract.StatusProcessed)
	assert.Equal(t, 6, rec.Orientation)
	verify.AssertUpright(t, verify.AssertThumbnails(t, ctx, tg, obj.Key, 360, 240))
}

// TestHEICGridIsUpright: the same scene as a HEIC grid stored rotated, with
// irot and a contradicting Exif orientation that must not be applied.
func TestHEICGridIsUpright(t *testing.T) {
	ctx := t.Context()
	obj := verify.MustUpload(t, ctx, tg, key(t, "iphone.heic"), sample(t, "heif-grid-irot.heic"))
	rec := verify.WaitForObject(t, ctx, tg, obj, contract.StatusProcessed)
	assert.Equal(t, "heic", rec.Format)
	assert.Equal(t, 6, rec.Orientation, "irot 3 is EXIF orientation 6's transform")
	assert.Equal(t, 8, rec.BitDepth)
	verify.AssertUpright(t, verify.AssertThumbnails(t, ctx, tg, obj.Key, 360, 240))
}

func TestBadInputsFailWithReason(t *testing.T) {
	// Over the pixel cap: 1200×1000 = 1.2 MP, a few KB as a flat PNG.
	big := image.NewGray(image.Rect(0, 0, 1200, 1000))
	cases := []struct {
		name   string
		body   []byte
		reason contract.Reason
	}{
		{"zero-bytes.jpg", nil, contract.ReasonEmpty},
		{"truncated.jpg", sample(t, "truncated.jpg"), contract.ReasonCorrupt},
		{"truncated.heic", sample(t, "truncated.heic"), contract.ReasonCorrupt},
		{"text-named.jpg", sample(t, "not-an-image.jpg"), contract.ReasonUnsupportedFormat},
		{"over-pixel-cap.png", encodePNG(t, big), contract.ReasonTooManyPixels},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			obj := verify.MustUpload(t, ctx, tg, key(t, tc.name), tc.body)
			rec := verify.AssertFailed(t, ctx, tg, obj, tc.reason)
			assert.NotEmpty(t, rec.FailureMessage, "a FAILED record says why")
			verify.AssertNoThumbnails(t, ctx, tg, obj.Key)
		})
	}
}

func TestKeysWithSpacesAndUnicode(t *testing.T) {
	names := []string{
		"with spaces/holiday photo.jpg",
		"ünïcödé/写真 café.jpg",
		"plus+and%percent&amp;.jpg",
	}
	data := sample(t, "yellow-rose.jpg")
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			obj := verify.MustUpload(t, ctx, tg, key(t, name), data)
			rec := verify.WaitForObject(t, ctx, tg, obj, contract.StatusProcessed)
			assert.Equal(t, obj.Key, rec.Key, "the record holds the decoded key")
			verify.AssertRecordThumbnails(t, tg, rec, 400, 301)
			verify.AssertThumbnails(t, ctx, tg, obj.Key, 400, 301)
		})
	}
}

// TestReuploadUpdatesResult uploads a key twice with different images and
// then delivers the second version's event again (as S3's at-least-once
// delivery may): the result follows the new version, and no version gets
// a second item.
func TestReuploadUpdatesResult(t *testing.T) {
	ctx := t.Context()
	k := key(t, "same key.jpg")
	v1 := verify.MustUpload(t, ctx, tg, k, sample(t, "yellow-rose.jpg"))
	verify.WaitForObject(t, ctx, tg, v1, contract.StatusProcessed)
	verify.AssertThumbnails(t, ctx, tg, k, 400, 301)

	v2 := verify.MustUpload(t, ctx, tg, k, sample(t, "Café crème – ünïcode name.jpeg"))
	require.NotEqual(t, v1.ETag, v2.ETag)
	rec := verify.WaitForObject(t, ctx, tg, v2, contract.StatusProcessed)
	verify.AssertRecordThumbnails(t, tg, rec, 150, 103)
	verify.AssertThumbnails(t, ctx, tg, k, 150, 103) // overwritten in place

	invokeS3Event(t, ctx, k, rec.Size, v2.ETag)
	verify.AssertOneRecordPerVersion(t, ctx, tg, []string{k})
	n, err := verify.CountRecords(ctx, tg, []string{k})
	require.NoError(t, err)
	assert.Equal(t, 2, n[k], "two versions (both waited for above), one item each, none added by the duplicate")
	verify.AssertThumbnails(t, ctx, tg, k, 150, 103) // the duplicate did not bring v1 back
}

// invokeS3Event delivers an ObjectCreated event for key synchronously, as
// a duplicated notification, shaped as kumo sends it (no versionId).
func invokeS3Event(t *testing.T, ctx context.Context, k string, size int64, etag string) {
	t.Helper()
	ev := events.S3Event{Records: []events.S3EventRecord{{
		EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: st.Region, EventName: "ObjectCreated:Put",
		EventTime: time.Now().UTC(),
		S3: events.S3Entity{
			Bucket: events.S3Bucket{Name: tg.Bucket, Arn: "arn:aws:s3:::" + tg.Bucket},
			Object: events.S3Object{Key: url.QueryEscape(k), Size: size, ETag: etag},
		},
	}}}
	payload, err := json.Marshal(ev)
	require.NoError(t, err)
	out, err := st.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(st.Names.Function), Payload: payload})
	require.NoError(t, err)
	require.Nilf(t, out.FunctionError, "duplicate event: function error %s", out.Payload)
}

// TestDeleteRemovesThumbnailsAndIsAnnounced is an image's whole life: an
// upload is processed, the user deletes it (a delete marker), its
// thumbnails go, its record becomes DELETED without EXIF, and the events
// queue holds exactly one Image Processed and one Image Deleted event for
// it, even after the delete is delivered again.
func TestDeleteRemovesThumbnailsAndIsAnnounced(t *testing.T) {
	ctx := t.Context()
	k := key(t, "rotated.jpg")
	obj := verify.MustUpload(t, ctx, tg, k, sample(t, verify.OrientationSample))
	rec := verify.WaitForObject(t, ctx, tg, obj, contract.StatusProcessed)
	require.NotNil(t, rec.Exif, "the sample has EXIF, so dropping it means something")
	verify.AssertThumbnails(t, ctx, tg, k, 360, 240)

	marker := verify.MustDelete(t, ctx, tg, k)
	require.NotEmpty(t, marker, "a versioned bucket answers a delete with the marker's version id")
	verify.WaitForNoThumbnails(t, ctx, tg, k)
	del := verify.WaitForDeleted(t, ctx, tg, obj)
	assert.Equal(t, obj.VersionID, del.VersionID, "the record of the version the marker hid")
	assert.Equal(t, rec.ImageID, del.ImageID)
	assert.Equal(t, [2]int{rec.Width, rec.Height}, [2]int{del.Width, del.Height}, "dimensions are kept")
	assert.Equal(t, rec.Format, del.Format, "the format is kept")

	want := map[string]int{contract.EventDetailTypeProcessed: 1, contract.EventDetailTypeDeleted: 1}
	outcomes.WaitFor(t, ctx, k, want)

	// The same notification again: nothing changes, nothing is announced.
	invokeRemovedEvent(t, ctx, k, marker)
	again := verify.WaitForDeleted(t, ctx, tg, obj)
	assert.Equal(t, del.DeletedAt, again.DeletedAt, "a redelivered delete changes nothing")
	require.NoError(t, st.SyncEvents(ctx), "the pipe has delivered every stream record so far")
	require.NoError(t, outcomes.Drain(ctx, time.Second))

	evs := outcomes.Of(k)
	require.Len(t, evs, 2, "exactly one event per stored outcome: %+v", evs)
	byType := map[string]verify.Event{}
	for _, ev := range evs {
		byType[ev.DetailType] = ev
	}
	processed, deleted := byType[contract.EventDetailTypeProcessed], byType[contract.EventDetailTypeDeleted]
	for _, ev := range evs {
		assert.Equal(t, contract.EventSource, ev.Source)
		assert.Equal(t, contract.EventSchemaVersion, ev.Detail.SchemaVersion)
		assert.Equal(t, obj.VersionID, ev.Detail.VersionID)
		assert.Equal(t, rec.ImageID, ev.Detail.ImageID)
		assert.Equal(t, tg.Bucket, ev.Detail.Bucket)
	}
	assert.Equal(t, contract.StatusProcessed, processed.Detail.Status)
	assert.Len(t, processed.Detail.Thumbnails, len(tg.Sizes))
	assert.Equal(t, contract.StatusDeleted, deleted.Detail.Status)
	assert.Empty(t, deleted.Detail.Thumbnails)
	assert.NotZero(t, deleted.Detail.DeletedAt)
	assert.Equal(t, [2]int{rec.Width, rec.Height}, [2]int{deleted.Detail.Width, deleted.Detail.Height})
	assert.NotEqual(t, processed.Detail.OutcomeID, deleted.Detail.OutcomeID)

	// A re-upload after the delete is processed as any upload.
	v2 := verify.MustUpload(t, ctx, tg, k, sample(t, "yellow-rose.jpg"))
	verify.WaitForObject(t, ctx, tg, v2, contract.StatusProcessed)
	verify.AssertThumbnails(t, ctx, tg, k, 400, 301)
	outcomes.WaitFor(t, ctx, k, map[string]int{contract.EventDetailTypeProcessed: 2, contract.EventDetailTypeDeleted: 1})
}

// invokeRemovedEvent delivers, synchronously, the notification S3 sends
// when a delete marker is created for key: a redelivery of it.
func invokeRemovedEvent(t *testing.T, ctx context.Context, k, markerVersion string) {
	t.Helper()
	ev := events.S3Event{Records: []events.S3EventRecord{{
		EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: st.Region, EventName: "ObjectRemoved:DeleteMarkerCreated",
		EventTime: time.Now().UTC(),
		S3: events.S3Entity{
			Bucket: events.S3Bucket{Name: tg.Bucket, Arn: "arn:aws:s3:::" + tg.Bucket},
			Object: events.S3Object{Key: url.QueryEscape(k), VersionID: markerVersion},
		},
	}}}
	payload, err := json.Marshal(ev)
	require.NoError(t, err)
	out, err := st.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(st.Names.Function), Payload: payload})
	require.NoError(t, err)
	require.Nilf(t, out.FunctionError, "redelivered delete: function error %s", out.Payload)
}

// TestThumbnailsPrefixNeverProcessed writes under the thumbnails prefix,
// both through S3 (the trigger's prefix filter) and by invoking the
// function with such an event (its own recursion guard), then proves a
// later upload was processed while the thumbnail key got no record.
func TestThumbnailsPrefixNeverProcessed(t *testing.T) {
	ctx := t.Context()
	data := sample(t, "yellow-rose.jpg")
	thumbKey := tg.ThumbnailsPrefix + "e2e/" + t.Name() + "/looks-like-an-upload.jpg"
	_, err := verify.Upload(ctx, tg, thumbKey, data)
	require.NoError(t, err)
	invokeS3Event(t, ctx, thumbKey, int64(len(data)), "")

	// kumo delivers a function's events in order: once this later upload
	// has its record, an event for thumbKey would have been handled.
	sentinel := verify.MustUpload(t, ctx, tg, key(t, "sentinel.jpg"), data)
	verify.WaitForObject(t, ctx, tg, sentinel, contract.StatusProcessed)
	verify.AssertNoRecord(t, ctx, tg, thumbKey)
	verify.AssertNoThumbnails(t, ctx, tg, thumbKey[len(tg.ThumbnailsPrefix):])
}

// TestBurst uploads 200 distinct images at once: exactly 200 records, none
// lost, none duplicated. 200 stays under kumo's 1024-event async queue, so
// no pacing is needed; a lost event is reported by key.
func TestBurst(t *testing.T) {
	const n = 200
	ctx := t.Context()
	objs := make([]verify.Object, n)
	keys := make([]string, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	sem := make(chan struct{}, 32)
	start := time.Now()
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 64+i%7, 48))
		img.Set(i%64, 0, color.RGBA{uint8(i), uint8(i >> 8), 200, 255}) // distinct bytes per upload
		body := encodePNG(t, img)
		keys[i] = key(t, fmt.Sprintf("img-%03d.png", i))
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			objs[i], errs[i] = verify.Upload(ctx, tg, keys[i], body)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	burst := tg
	burst.Timeout = 2 * time.Minute
	found, missing, err := verify.WaitForObjects(ctx, burst, objs, nil)
	require.NoError(t, err)
	require.Emptyf(t, missing, "%d of %d uploads got no record within %s (kumo reported %d dropped events): %v",
		len(missing), n, burst.Timeout, st.DroppedEvents(), missing)
	t.Logf("burst: %d uploads, %d records in %s, kumo dropped %d events", n, len(found), time.Since(start).Round(time.Millisecond), st.DroppedEvents())

	counts, err := verify.CountRecords(ctx, tg, keys)
	require.NoError(t, err)
	total := 0
	for _, k := range keys {
		assert.Equalf(t, 1, counts[k], "records for %q", k)
		total += counts[k]
	}
	assert.Equal(t, n, total)
	for _, rec := range found {
		assert.Equalf(t, contract.StatusProcessed, rec.Status, "%s: %s %s", rec.Key, rec.FailureReason, rec.FailureMessage)
	}
}

// TestStackIsProvisionedAsTheModulesDeclare reads the local resources back.
func TestStackIsProvisionedAsTheModulesDeclare(t *testing.T) {
	ctx := t.Context()
	verify.AssertBucketHardened(t, ctx, st.S3, tg.Bucket)

	nc, err := st.S3.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String(tg.Bucket)})
	require.NoError(t, err)
	var filter *s3types.NotificationConfigurationFilter
	var notified []s3types.Event
	switch st.Ingestion {
	case contract.IngestionDirect:
		require.Len(t, nc.LambdaFunctionConfigurations, 1)
		assert.Empty(t, nc.QueueConfigurations)
		filter, notified = nc.LambdaFunctionConfigurations[0].Filter, nc.LambdaFunctionConfigurations[0].Events
	case contract.IngestionSQS:
		// The bucket notifies the ingest queue; an event source mapping
		// (polled by the harness) reads it into the function.
		require.Len(t, nc.QueueConfigurations, 1)
		assert.Empty(t, nc.LambdaFunctionConfigurations)
		qa, err := st.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(st.IngestQueueURL),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
		require.NoError(t, err)
		assert.Equal(t, qa.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], aws.ToString(nc.QueueConfigurations[0].QueueArn))
		assert.Equal(t, fmt.Sprint(6*e2eTimeout), qa.Attributes[string(sqstypes.QueueAttributeNameVisibilityTimeout)], "six times the function's timeout")
		assert.Contains(t, qa.Attributes[string(sqstypes.QueueAttributeNameRedrivePolicy)], fmt.Sprintf(`"maxReceiveCount":%d`, e2eMaxReceiveCount))
		filter, notified = nc.QueueConfigurations[0].Filter, nc.QueueConfigurations[0].Events
		ms, err := st.Lambda.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(st.Names.Function)})
		require.NoError(t, err)
		require.Len(t, ms.EventSourceMappings, 1)
		assert.Equal(t, qa.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], aws.ToString(ms.EventSourceMappings[0].EventSourceArn))
		assert.EqualValues(t, st.Mapping.BatchSize, aws.ToInt32(ms.EventSourceMappings[0].BatchSize))
	default:
		t.Fatalf("unknown ingestion %q", st.Ingestion)
	}
	require.NotNil(t, filter)
	require.Len(t, filter.Key.FilterRules, 1, "prefix only: the function sniffs formats, so no suffix filter")
	assert.Equal(t, contract.UploadsPrefix, aws.ToString(filter.Key.FilterRules[0].Value))

	td, err := st.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tg.Table)})
	require.NoError(t, err)
	keys := map[string]string{}
	for _, k := range td.Table.KeySchema {
		keys[aws.ToString(k.AttributeName)] = string(k.KeyType)
	}
	assert.Equal(t, map[string]string{contract.TableHashKey: "HASH", contract.TableRangeKey: "RANGE"}, keys)
	require.Len(t, td.Table.GlobalSecondaryIndexes, 1)
	assert.Equal(t, contract.StatusIndexName, aws.ToString(td.Table.GlobalSecondaryIndexes[0].IndexName))
	require.NotNil(t, td.Table.StreamSpecification, "the stream the events pipe reads")
	assert.Equal(t, "NEW_AND_OLD_IMAGES", string(td.Table.StreamSpecification.StreamViewType))
	var events []string
	for _, ev := range notified {
		events = append(events, string(ev))
	}
	assert.Equal(t, contract.TriggerEvents, events)
	bus, err := st.Events.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(st.Names.EventBus)})
	require.NoError(t, err, "the bus modules/events declares")
	assert.Equal(t, "imgpipe-e2e-events", aws.ToString(bus.Name))

	fc, err := st.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(st.Names.Function)})
	require.NoError(t, err)
	assert.Equal(t, tg.Table, fc.Environment.Variables[contract.EnvTableName])
	assert.Equal(t, "e2e", fc.Environment.Variables[contract.EnvEnvironment])
	assert.Equal(t, fmt.Sprint(maxPixels), fc.Environment.Variables[contract.EnvMaxImagePixels], "the input given to modules/processing")
	assert.Equal(t, contract.SettingJPEGQuality.EnvDefault(), fc.Environment.Variables[contract.EnvJPEGQuality], "the module's default")

	// Memory is the default of modules/processing's input, the timeout the
	// input given.
	assert.EqualValues(t, e2eTimeout, aws.ToInt32(fc.Timeout))
	mod, err := tfmodule.Load(filepath.Join("..", "modules", "processing"))
	require.NoError(t, err)
	for name, got := range map[string]*int32{"memory_size": fc.MemorySize} {
		def, ok := mod.Default(name)
		require.True(t, ok, "%s has a default", name)
		want, _ := def.AsBigFloat().Int64()
		assert.EqualValues(t, want, aws.ToInt32(got), name)
	}
	assert.Equal(t, aws.ToInt32(fc.MemorySize), st.Function.MemorySizeMB)

	life, err := st.S3.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(tg.Bucket)})
	require.NoError(t, err)
	ids := []string{}
	for _, r := range life.Rules {
		ids = append(ids, aws.ToString(r.ID))
	}
	assert.ElementsMatch(t, []string{"expire-noncurrent-versions", "abort-incomplete-multipart-uploads"}, ids)
	pol, err := st.S3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(tg.Bucket)})
	require.NoError(t, err)
	assert.Contains(t, aws.ToString(pol.Policy), "aws:SecureTransport")
}

// TestRunOnMixedFolder is `make run IMAGES=<folder>` without the process:
// every file of a folder of good and bad files appears in the report with
// its status, and the outputs are written.
func TestRunOnMixedFolder(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	files := map[string][]byte{
		"good photo.jpg":     sample(t, "yellow-rose.jpg"),
		"sub/ünï badge.png":  sample(t, "transparent-badge.png"),
		"broken.jpg":         sample(t, "truncated.jpg"),
		"notes.jpg":          sample(t, "not-an-image.jpg"),
		"nested/deep/empty":  nil,
		"anim.gif":           sample(t, "video-001.gif"),
		"photo (copy).webp":  sample(t, "yellow-rose.webp"),
		"rotated phone.jpeg": sample(t, verify.OrientationSample),
	}
	want := map[string]string{
		"good photo.jpg": contract.StatusProcessed, "sub/ünï badge.png": contract.StatusProcessed,
		"broken.jpg": string(contract.ReasonCorrupt), "notes.jpg": string(contract.ReasonUnsupportedFormat),
		"nested/deep/empty": string(contract.ReasonEmpty), "anim.gif": contract.StatusProcessed,
		"photo (copy).webp": contract.StatusProcessed, "rotated phone.jpeg": contract.StatusProcessed,
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, data, 0o644))
	}
	inputs, err := runner.Collect(dir, key(t, ""))
	require.NoError(t, err)
	require.Len(t, inputs, len(files))

	results, err := runner.Run(ctx, tg, inputs, runner.Options{IdleTimeout: 30 * time.Second})
	require.NoError(t, err)
	for _, r := range results {
		require.NotNilf(t, r.Record, "%s got no record", r.Name)
		got := r.Record.Status
		if got == contract.StatusFailed {
			got = r.Record.FailureReason
		}
		assert.Equalf(t, want[r.Name], got, "%s (%s)", r.Name, r.Record.FailureMessage)
		if r.Record.Status == contract.StatusProcessed {
			assert.Lenf(t, slices.Collect(maps.Keys(r.Files)), len(tg.Sizes)*len(e2eFormats), "%s: every size and format fetched", r.Name)
		}
	}

	out := t.TempDir()
	rep := report.Build(results, report.Meta{Bucket: tg.Bucket, Table: tg.Table, ImagesDir: dir, IdleTimeout: 30 * time.Second})
	require.NoError(t, report.Write(out, rep, results))
	assert.Empty(t, rep.Missing)
	assert.Equal(t, 5, rep.Processed)
	assert.Equal(t, 3, rep.Failed)
	for _, f := range []string{"index.html", "report.json"} {
		fi, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err)
		assert.Positive(t, fi.Size())
	}
}

// TestRunNamesUploadsWithoutRecord: an upload whose event never comes (here
// a key outside the uploads prefix, which the trigger does not match) is
// reported by key after the idle timeout instead of being waited for.
func TestRunNamesUploadsWithoutRecord(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "never.jpg"), sample(t, "yellow-rose.jpg"), 0o644))
	inputs, err := runner.Collect(dir, "elsewhere/"+t.Name()+"/")
	require.NoError(t, err)
	results, err := runner.Run(ctx, tg, inputs, runner.Options{IdleTimeout: 2 * time.Second})
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.Nil(t, results[0].Record)
	rep := report.Build(results, report.Meta{IdleTimeout: 2 * time.Second})
	assert.Equal(t, []string{"elsewhere/" + t.Name() + "/never.jpg"}, rep.Missing)
}
