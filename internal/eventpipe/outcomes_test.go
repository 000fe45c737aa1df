package eventpipe_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/awstest"
	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/eventpipe"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/lambda/metrics"
	"github.com/imgpipe/imgpipe/lambda/objectstore"
	"github.com/imgpipe/imgpipe/lambda/processor"
)

// These tests run the real processor on the in-memory AWS fakes, turn the
// table's writes into stream records and run them through the emulated
// pipe: every stored outcome is announced exactly once, and nothing else.

const (
	bucket = "imgpipe-test-images"
	table  = "imgpipe-test-metadata"
)

// imager makes one 256 px thumbnail, or fails permanently while failing.
type imager struct{ failing bool }

func (m *imager) Process(_ context.Context, data []byte) (*imaging.Result, error) {
	if m.failing {
		return nil, fault.Permanentf(contract.ReasonCorrupt, "truncated")
	}
	jpeg := append([]byte("jpeg of "), data...)
	return &imaging.Result{Format: imaging.FormatPNG, Width: 640, Height: 480,
		Exif:        &imaging.Exif{Make: "Canon"},
		Placeholder: "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
		Thumbnails: []imaging.Thumbnail{{Size: 256, Width: 256, Height: 192, JPEG: jpeg,
			Encodings: []imaging.Encoding{{Format: imaging.FormatJPEG, Data: jpeg}}}}}, nil
}

type world struct {
	t      *testing.T
	s3     *awstest.S3
	db     *awstest.DynamoDB
	imager *imager
	h      *processor.Handler
	clock  time.Time
}

func newWorld(t *testing.T, rendition string) *world {
	w := &world{t: t, s3: awstest.NewS3(true), db: awstest.NewDynamoDB(table), imager: &imager{},
		clock: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	w.handler(rendition)
	return w
}

func (w *world) handler(rendition string) {
	var err error
	w.h, err = processor.New(objectstore.New(w.s3), metadata.NewStore(w.db, table), w.imager,
		metrics.New(io.Discard, "ImageProcessing", "test"),
		processor.Options{
			UploadsPrefix: contract.UploadsPrefix, ThumbnailsPrefix: contract.ThumbnailsPrefix,
			MaxImageBytes: 1 << 20, ThumbnailSizes: []int{256}, Rendition: rendition, Concurrency: 1,
			Logger: slog.New(slog.DiscardHandler),
			// Each attempt a second later, so a retried failure is newer.
			Now: func() time.Time { w.clock = w.clock.Add(time.Second); return w.clock },
		})
	require.NoError(w.t, err)
}

// send delivers one S3 event record, as S3 would send it.
func (w *world) send(eventName, key, versionID string) {
	w.t.Helper()
	raw, err := json.Marshal(map[string]any{"Records": []any{map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "eventTime": "2026-12-01T10:00:00.000Z", "eventName": eventName,
		"s3": map[string]any{"bucket": map[string]any{"name": bucket},
			"object": map[string]any{"key": url.QueryEscape(key), "versionId": versionID}},
	}}})
	require.NoError(w.t, err)
	var ev events.S3Event
	require.NoError(w.t, json.Unmarshal(raw, &ev))
	require.NoError(w.t, w.h.Handle(context.Background(), ev))
}

func (w *world) upload(key, body string) string {
	return w.s3.Put(bucket, key, []byte(body), "image/png").VersionID
}

// announced runs the table's writes so far through the pipe and returns
// the events' detail-types, checking each detail against the record.
func (w *world) announced() []string {
	w.t.Helper()
	var recs [][]byte
	for i, c := range w.db.Changes() {
		rec, err := eventpipe.RecordJSON(eventpipe.Change{
			EventID: fmt.Sprintf("change-%d", i), EventName: c.EventName, SequenceNumber: fmt.Sprint(i),
			Keys: map[string]ddbtypes.AttributeValue{
				contract.TableHashKey: c.New[contract.TableHashKey], contract.TableRangeKey: c.New[contract.TableRangeKey],
			},
			Old: c.Old, New: c.New,
		}, "eu-west-1", "arn:aws:dynamodb:eu-west-1:123456789012:table/"+table+"/stream/x")
		require.NoError(w.t, err)
		recs = append(recs, rec)
	}
	entries, err := eventpipe.Entries(recs)
	require.NoError(w.t, err)
	var types []string
	for _, e := range entries {
		assert.Equal(w.t, contract.EventSource, e.Source)
		var d map[string]any
		require.NoError(w.t, json.Unmarshal([]byte(e.Detail), &d))
		assert.Equal(w.t, contract.EventDetailType(d["status"].(string)), e.DetailType)
		assert.True(w.t, strings.HasPrefix(d["key"].(string), contract.UploadsPrefix))
		assert.NotContains(w.t, e.Detail, "Canon", "no EXIF in events")
		types = append(types, e.DetailType)
	}
	return types
}

const (
	processed = contract.EventDetailTypeProcessed
	failed    = contract.EventDetailTypeFailed
	deleted   = contract.EventDetailTypeDeleted
)

func TestUploadThenDeleteIsOneProcessedAndOneDeleted(t *testing.T) {
	w := newWorld(t, "r1")
	v1 := w.upload("uploads/a.png", "a")
	w.send("ObjectCreated:Put", "uploads/a.png", v1)
	w.send("ObjectCreated:Put", "uploads/a.png", v1) // redelivered
	marker := w.s3.Delete(bucket, "uploads/a.png")
	w.send("ObjectRemoved:DeleteMarkerCreated", "uploads/a.png", marker.VersionID)
	w.send("ObjectRemoved:DeleteMarkerCreated", "uploads/a.png", marker.VersionID) // redelivered
	assert.Equal(t, []string{processed, deleted}, w.announced())
}

func TestRedeliveredFailureIsAnnouncedOnce(t *testing.T) {
	w := newWorld(t, "r1")
	w.imager.failing = true
	v1 := w.upload("uploads/bad.png", "bad")
	w.send("ObjectCreated:Put", "uploads/bad.png", v1)
	w.send("ObjectCreated:Put", "uploads/bad.png", v1) // rewrites the FAILED record (later processedAt)
	require.Len(t, w.db.Changes(), 2, "the redelivery did write")
	assert.Equal(t, []string{failed}, w.announced())
}

func TestSuccessAfterFailureIsANewOutcome(t *testing.T) {
	w := newWorld(t, "r1")
	w.imager.failing = true
	v1 := w.upload("uploads/flaky.png", "flaky")
	w.send("ObjectCreated:Put", "uploads/flaky.png", v1)
	w.imager.failing = false
	w.send("ObjectCreated:Put", "uploads/flaky.png", v1)
	assert.Equal(t, []string{failed, processed}, w.announced())
}

func TestReprocessWithNewRenditionIsAnnounced(t *testing.T) {
	w := newWorld(t, "r1")
	v1 := w.upload("uploads/r.png", "r")
	w.send("ObjectCreated:Put", "uploads/r.png", v1)
	w.handler("r2") // other thumbnail settings: the record is replaced
	w.send("ObjectCreated:Put", "uploads/r.png", v1)
	w.send("ObjectCreated:Put", "uploads/r.png", v1) // and a redelivery of that is a duplicate
	assert.Equal(t, []string{processed, processed}, w.announced())
}

func TestDeleteBeforeCreateIsOneDeleted(t *testing.T) {
	w := newWorld(t, "r1")
	v1 := w.upload("uploads/early.png", "early")
	marker := w.s3.Delete(bucket, "uploads/early.png")
	w.send("ObjectRemoved:DeleteMarkerCreated", "uploads/early.png", marker.VersionID)
	w.send("ObjectCreated:Put", "uploads/early.png", v1)
	assert.Equal(t, []string{deleted}, w.announced())
}

func TestVersionGoneBeforeProcessingIsOneDeleted(t *testing.T) {
	w := newWorld(t, "r1")
	v1 := w.upload("uploads/gone.png", "gone")
	w.s3.DeleteVersion(bucket, "uploads/gone.png", v1)
	w.send("ObjectCreated:Put", "uploads/gone.png", v1)
	w.send("ObjectRemoved:Delete", "uploads/gone.png", v1)
	w.send("ObjectCreated:Put", "uploads/gone.png", v1)
	assert.Equal(t, []string{deleted}, w.announced())
}

func TestReuploadAfterDeleteIsAnnouncedAgain(t *testing.T) {
	w := newWorld(t, "r1")
	v1 := w.upload("uploads/again.png", "one")
	w.send("ObjectCreated:Put", "uploads/again.png", v1)
	marker := w.s3.Delete(bucket, "uploads/again.png")
	w.send("ObjectRemoved:DeleteMarkerCreated", "uploads/again.png", marker.VersionID)
	v2 := w.upload("uploads/again.png", "two")
	w.send("ObjectCreated:Put", "uploads/again.png", v2)
	assert.Equal(t, []string{processed, deleted, processed}, w.announced())
}

// A TTL expiry (REMOVE) and a write that is no outcome pass no filter.
func TestRemovesAreNotAnnounced(t *testing.T) {
	img := map[string]ddbtypes.AttributeValue{
		contract.TableHashKey:       &ddbtypes.AttributeValueMemberS{Value: "abc"},
		contract.TableRangeKey:      &ddbtypes.AttributeValueMemberN{Value: "1"},
		contract.StatusIndexHashKey: &ddbtypes.AttributeValueMemberS{Value: contract.StatusDeleted},
	}
	rec, err := eventpipe.RecordJSON(eventpipe.Change{EventID: "ttl", EventName: "REMOVE", Keys: img, Old: img}, "eu-west-1", "arn")
	require.NoError(t, err)
	entries, err := eventpipe.Entries([][]byte{rec})
	require.NoError(t, err)
	assert.Empty(t, entries)
}
