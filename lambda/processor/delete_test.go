package processor

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// deleteMarker deletes key as DeleteObject without a version does and
// returns the ObjectRemoved:DeleteMarkerCreated record S3 sends.
func (x *harness) deleteMarker(key string) s3Record {
	m := x.s3.Delete(bucket, key)
	return s3Record{key: key, versionID: m.VersionID, eventName: "ObjectRemoved:DeleteMarkerCreated"}
}

// deleteVersion deletes one version permanently and returns the
// ObjectRemoved:Delete record S3 sends.
func (x *harness) deleteVersion(key, versionID string) s3Record {
	x.s3.DeleteVersion(bucket, key, versionID)
	return s3Record{key: key, versionID: versionID, eventName: "ObjectRemoved:Delete"}
}

func (x *harness) handle(t *testing.T, recs ...s3Record) {
	t.Helper()
	require.NoError(t, x.h.Handle(context.Background(), event(t, recs...)))
}

// thumbnails reports which configured thumbnail sizes of key exist.
func (x *harness) thumbnails(key string) []int {
	var have []int
	for _, s := range sizes {
		if _, ok := x.s3.Current(bucket, thumbKey(key, s)); ok {
			have = append(have, s)
		}
	}
	return have
}

// recordOfVersion is the one record of key's version versionID.
func (x *harness) recordOfVersion(t *testing.T, key, versionID string) metadata.Record {
	t.Helper()
	var found []metadata.Record
	for _, r := range x.records(t) {
		if r.Key == key && r.VersionID == versionID {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "exactly one record for %s version %s", key, versionID)
	return found[0]
}

// assertDeleted checks the DELETED record keeps identity, dimensions and
// format, and nothing derived from the content.
func assertDeleted(t *testing.T, rec metadata.Record, versionID string) {
	t.Helper()
	assert.Equal(t, contract.StatusDeleted, rec.Status)
	assert.Equal(t, versionID, rec.VersionID)
	assert.Positive(t, rec.DeletedAt)
	assert.Nil(t, rec.Exif, "no EXIF summary")
	assert.Empty(t, rec.SHA256)
	assert.Empty(t, rec.ETag)
	assert.Zero(t, rec.Orientation)
	assert.Empty(t, rec.Thumbnails)
	assert.Empty(t, rec.FailureReason)
	assert.Empty(t, rec.FailureMessage)
}

func TestDeleteMarkerRemovesThumbnailsAndMarksRecord(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/cat.png"
	v1 := x.upload(key, []byte("cat"))
	x.handle(t, v1)
	processed := x.recordOf(t, key)
	require.Equal(t, sizes, x.thumbnails(key))

	x.handle(t, x.deleteMarker(key))

	assert.Empty(t, x.thumbnails(key), "every thumbnail of the key is gone")
	rec := x.recordOfVersion(t, key, v1.versionID)
	assertDeleted(t, rec, v1.versionID)
	assert.Equal(t, processed.ImageID, rec.ImageID, "the record of the version the marker hid")
	assert.Equal(t, processed.UploadTimestamp, rec.UploadTimestamp, "the same item, replaced")
	assert.Equal(t, processed.Width, rec.Width, "dimensions are kept")
	assert.Equal(t, processed.Height, rec.Height)
	assert.Equal(t, processed.Format, rec.Format)
	assert.Equal(t, processed.Size, rec.Size)
	assert.Zero(t, rec.ExpiresAt, "no TTL configured")
	m := jsonLines(t, &x.metrics)
	assert.EqualValues(t, 1, m[len(m)-1][contract.MetricImagesDeleted])
}

func TestDeleteRemovesThumbnailsTheRecordListsAndTheConfigurationMakes(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/a.png"
	v1 := x.upload(key, []byte("a"))
	x.handle(t, v1)
	// A size made under an earlier configuration, listed by the record.
	old := thumbKey(key, 128)
	x.s3.Put(bucket, old, []byte("old size"), "image/jpeg")
	rec := x.recordOf(t, key)
	rec.Thumbnails["128"] = metadata.Thumbnail{Key: old, Width: 128, Height: 96, Bytes: 8}
	item, err := attributevalue.MarshalMap(rec)
	require.NoError(t, err)
	_, err = x.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
	require.NoError(t, err)

	x.handle(t, x.deleteMarker(key))

	_, ok := x.s3.Current(bucket, old)
	assert.False(t, ok, "the size the record lists is deleted too")
	assert.Empty(t, x.thumbnails(key))
}

// Every format goes: the ones the record lists (WebP, made under an
// earlier configuration) and the ones configured now (AVIF, which this
// version never had but a concurrent write might have left).
func TestDeleteRemovesEveryFormat(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/f.png"
	x.reconfigureFormats(t, "r-jpeg-webp", []contract.ThumbnailFormat{contract.FormatJPEG, contract.FormatWebP}, "", sizes...)
	v1 := x.upload(key, []byte("f"))
	x.handle(t, v1)
	for _, size := range sizes {
		_, ok := x.s3.Current(bucket, contract.FormatWebP.Key(contract.ThumbnailsPrefix, contract.UploadsPrefix, key, size))
		require.True(t, ok, "the %d px WebP is written", size)
	}
	x.reconfigureFormats(t, "r-jpeg-avif", []contract.ThumbnailFormat{contract.FormatJPEG, contract.FormatAVIF}, "", sizes...)
	stray := contract.FormatAVIF.Key(contract.ThumbnailsPrefix, contract.UploadsPrefix, key, sizes[0])
	x.s3.Put(bucket, stray, []byte("avif"), "image/avif")

	x.handle(t, x.deleteMarker(key))

	for _, f := range contract.ThumbnailFormats {
		for _, size := range sizes {
			k := f.Key(contract.ThumbnailsPrefix, contract.UploadsPrefix, key, size)
			_, ok := x.s3.Current(bucket, k)
			assert.False(t, ok, "%s is deleted", k)
		}
	}
	assertDeleted(t, x.recordOfVersion(t, key, v1.versionID), v1.versionID)
}

func TestDeleteMarkerSetsTTLWhenConfigured(t *testing.T) {
	x := newHarness(t, true, 4)
	x.h.opts.DeletedRecordTTL = 30 * 24 * time.Hour
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	x.h.now = func() time.Time { return now }
	v1 := x.upload("uploads/t.png", []byte("t"))
	x.handle(t, v1, x.deleteMarker("uploads/t.png"))
	rec := x.recordOfVersion(t, "uploads/t.png", v1.versionID)
	assert.Equal(t, contract.StatusDeleted, rec.Status)
	assert.Equal(t, now.Add(30*24*time.Hour).Unix(), rec.ExpiresAt)
	assert.Equal(t, now.UnixMilli(), rec.DeletedAt)
}

func TestNoncurrentVersionDeleteKeepsCurrentThumbnails(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/dog.png"
	v1 := x.upload(key, []byte("dog v1"))
	x.handle(t, v1)
	v2 := x.upload(key, []byte("dog v2"))
	x.handle(t, v2)
	current, _ := x.s3.Current(bucket, thumbKey(key, 256))

	x.handle(t, x.deleteVersion(key, v1.versionID))

	assertDeleted(t, x.recordOfVersion(t, key, v1.versionID), v1.versionID)
	assert.Equal(t, contract.StatusProcessed, x.recordOfVersion(t, key, v2.versionID).Status)
	still, ok := x.s3.Current(bucket, thumbKey(key, 256))
	require.True(t, ok, "the current version's thumbnails stay")
	assert.Equal(t, current.VersionID, still.VersionID, "untouched")
	assert.Equal(t, thumbBytes([]byte("dog v2"), 256), still.Body)
}

func TestCurrentVersionDeleteRemovesItsThumbnails(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/two.png"
	v1 := x.upload(key, []byte("v1"))
	x.handle(t, v1)
	x.s3.Now = func() time.Time { return time.Now().Add(2 * time.Second) } // a later second
	v2 := x.upload(key, []byte("v2"))
	x.handle(t, v2)

	// The newest version deleted permanently: v1 is current again, and the
	// thumbnails on the key were made from v2.
	x.handle(t, x.deleteVersion(key, v2.versionID))

	assertDeleted(t, x.recordOfVersion(t, key, v2.versionID), v2.versionID)
	assert.Empty(t, x.thumbnails(key), "thumbnails made from the deleted version are gone")
	assert.Equal(t, contract.StatusProcessed, x.recordOfVersion(t, key, v1.versionID).Status)
}

func TestLastVersionDeleteRemovesThumbnails(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/only.png"
	v1 := x.upload(key, []byte("only"))
	x.handle(t, v1)
	x.handle(t, x.deleteVersion(key, v1.versionID))
	assert.Empty(t, x.thumbnails(key))
	assertDeleted(t, x.recordOfVersion(t, key, v1.versionID), v1.versionID)
}

func TestDeleteMarkerBeforeCreate(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/early.png"
	v1 := x.upload(key, []byte("early"))
	marker := x.deleteMarker(key)

	// The delete is handled first: the version it hid has no record yet.
	x.handle(t, marker)
	rec := x.recordOfVersion(t, key, v1.versionID)
	assertDeleted(t, rec, v1.versionID)
	obj := x.s3.Versions(bucket, key)[0]
	assert.Equal(t, obj.LastModified.UnixMilli(), rec.UploadTimestamp, "keyed by the upload time the create path uses")

	// The create arrives afterwards: the current-version check finds no
	// current version and the record DELETED; nothing is written.
	puts := x.db.Puts()
	x.handle(t, v1)
	assert.Empty(t, x.thumbnails(key), "the late create writes no thumbnails")
	assertDeleted(t, x.recordOfVersion(t, key, v1.versionID), v1.versionID)
	assert.Equal(t, puts, x.db.Puts(), "and no record")
	logs := jsonLines(t, &x.logs)
	assert.Equal(t, "duplicate", logs[len(logs)-1]["outcome"])
}

// The check covers the race too: the marker lands between the read and
// the write, and its event is handled after the create.
func TestDeleteMarkerWhileProcessing(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/race.png"
	v1 := x.upload(key, []byte("race"))
	x.imager.onProcess = func() { x.s3.Delete(bucket, key) }
	x.handle(t, v1)
	assert.Empty(t, x.thumbnails(key), "no current version when the thumbnails would be written")
	rec := x.recordOfVersion(t, key, v1.versionID)
	assert.True(t, rec.Superseded)

	x.imager.onProcess = nil
	vs := x.s3.Versions(bucket, key)
	x.handle(t, s3Record{key: key, versionID: vs[len(vs)-1].VersionID, eventName: "ObjectRemoved:DeleteMarkerCreated"})
	assertDeleted(t, x.recordOfVersion(t, key, v1.versionID), v1.versionID)
}

func TestVersionDeleteBeforeCreate(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/brief.png"
	v1 := x.upload(key, []byte("brief"))
	del := x.deleteVersion(key, v1.versionID)

	x.handle(t, del)
	assert.Empty(t, x.records(t), "nothing to mark yet")

	x.handle(t, v1)
	assert.Empty(t, x.thumbnails(key))
	rec := x.recordOfVersion(t, key, v1.versionID)
	assertDeleted(t, rec, v1.versionID)

	// Either order ends the same, and a redelivery changes nothing.
	puts := x.db.Puts()
	x.handle(t, del, v1)
	assert.Equal(t, puts, x.db.Puts())
	assert.Len(t, x.records(t), 1)
}

func TestReuploadAfterDelete(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/again.png"
	v1 := x.upload(key, []byte("first"))
	x.handle(t, v1)
	x.handle(t, x.deleteMarker(key))
	require.Empty(t, x.thumbnails(key))

	v2 := x.upload(key, []byte("second"))
	x.handle(t, v2)

	rec := x.recordOfVersion(t, key, v2.versionID)
	assert.Equal(t, contract.StatusProcessed, rec.Status)
	assert.False(t, rec.Superseded)
	assert.NotNil(t, rec.Exif)
	assert.Equal(t, sizes, x.thumbnails(key))
	th, _ := x.s3.Current(bucket, thumbKey(key, 256))
	assert.Equal(t, thumbBytes([]byte("second"), 256), th.Body)
	assertDeleted(t, x.recordOfVersion(t, key, v1.versionID), v1.versionID)
}

func TestRedeliveredDeleteChangesNothing(t *testing.T) {
	for _, kind := range []string{"marker", "version"} {
		t.Run(kind, func(t *testing.T) {
			x := newHarness(t, true, 4)
			const key = "uploads/twice.png"
			v1 := x.upload(key, []byte("twice"))
			x.handle(t, v1)
			del := x.deleteMarker(key)
			if kind == "version" {
				del = x.deleteVersion(key, v1.versionID)
			}
			x.handle(t, del)
			before := x.records(t)
			puts := x.db.Puts()
			thumbVersions := len(x.s3.Versions(bucket, thumbKey(key, 256)))
			metricLines := len(jsonLines(t, &x.metrics))

			x.handle(t, del)
			x.handle(t, del)

			assert.Equal(t, before, x.records(t))
			assert.Equal(t, puts, x.db.Puts(), "no write attempted")
			assert.Len(t, x.s3.Versions(bucket, thumbKey(key, 256)), thumbVersions, "no further delete marker on the thumbnails")
			assert.Len(t, jsonLines(t, &x.metrics), metricLines, "counted once")
			logs := jsonLines(t, &x.logs)
			assert.Equal(t, "duplicate", logs[len(logs)-1]["outcome"])
		})
	}
}

// A delete marker whose hidden version was processed after a newer upload
// became current: only the hidden version's record changes.
func TestDeleteMarkerAfterReuploadMarksOnlyTheHiddenVersion(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/order.png"
	v1 := x.upload(key, []byte("one"))
	x.handle(t, v1)
	marker := x.deleteMarker(key)
	v2 := x.upload(key, []byte("two"))
	x.handle(t, v2)

	x.handle(t, marker) // arrives late: the key has a current version again

	assertDeleted(t, x.recordOfVersion(t, key, v1.versionID), v1.versionID)
	assert.Equal(t, contract.StatusProcessed, x.recordOfVersion(t, key, v2.versionID).Status)
	assert.Equal(t, sizes, x.thumbnails(key), "the current version's thumbnails stay")
}

func TestRemovedDeleteMarkerRestoresNothing(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/undo.png"
	v1 := x.upload(key, []byte("undo"))
	x.handle(t, v1)
	marker := x.deleteMarker(key)
	x.handle(t, marker)

	// Deleting the marker makes v1 current again; its record stays DELETED.
	x.handle(t, x.deleteVersion(key, marker.versionID))
	assertDeleted(t, x.recordOfVersion(t, key, v1.versionID), v1.versionID)
	assert.Len(t, x.records(t), 1, "no record for the marker")
}

func TestDeleteErrorsAreTransient(t *testing.T) {
	x := newHarness(t, true, 4)
	const key = "uploads/flaky.png"
	v1 := x.upload(key, []byte("flaky"))
	x.handle(t, v1)
	del := x.deleteMarker(key)
	x.s3.Fail = func(op, _ string) error {
		if op == "DeleteObject" {
			return assert.AnError
		}
		return nil
	}
	err := x.h.Handle(context.Background(), event(t, del))
	require.Error(t, err)
	assert.Contains(t, err.Error(), key)
	assert.Equal(t, contract.StatusProcessed, x.recordOf(t, key).Status, "not marked before its thumbnails are gone")

	x.s3.Fail = nil
	x.handle(t, del)
	assertDeleted(t, x.recordOf(t, key), v1.versionID)
	assert.Empty(t, x.thumbnails(key))
}
