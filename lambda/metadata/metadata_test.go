package metadata_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/awstest"
	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

func TestImageID(t *testing.T) {
	base := metadata.ImageID("b", "uploads/a.jpg", "v1", `"e1"`)
	assert.Regexp(t, "^[0-9a-f]{64}$", base)
	tests := []struct {
		name                      string
		bucket, key, version, tag string
		same                      bool
	}{
		{"same inputs", "b", "uploads/a.jpg", "v1", `"e1"`, true},
		{"etag ignored when a version exists", "b", "uploads/a.jpg", "v1", "other", true},
		{"other version", "b", "uploads/a.jpg", "v2", `"e1"`, false},
		{"other key", "b", "uploads/b.jpg", "v1", `"e1"`, false},
		{"other bucket", "c", "uploads/a.jpg", "v1", `"e1"`, false},
		{"no separator ambiguity", "bu", "ploads/a.jpg", "v1", `"e1"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := metadata.ImageID(tc.bucket, tc.key, tc.version, tc.tag)
			assert.Equal(t, tc.same, got == base)
		})
	}
	// Without a version, the ETag identifies the content, quoted or not.
	assert.Equal(t, metadata.ImageID("b", "k", "", `"abc"`), metadata.ImageID("b", "k", "", "abc"))
	assert.NotEqual(t, metadata.ImageID("b", "k", "", "abc"), metadata.ImageID("b", "k", "", "abd"))
	assert.NotEqual(t, metadata.ImageID("b", "k", "", "abc"), metadata.ImageID("b", "k", "abc", ""), "a version id never collides with an ETag")
}

func sample() metadata.Record {
	return metadata.Record{
		ImageID: metadata.ImageID("b", "uploads/a b.jpg", "v1", ""), UploadTimestamp: 1_764_000_000_000,
		Status: contract.StatusProcessed, Bucket: "b", Key: "uploads/a b.jpg", VersionID: "v1", ETag: "e1",
		Size: 1234, ContentType: "image/jpeg", Format: "jpeg", Width: 640, Height: 480, Orientation: 6,
		SHA256: "ab", Exif: &metadata.Exif{Make: "Canon", Model: "EOS", TakenAt: "2024-01-02T03:04:05Z"},
		Thumbnails:  map[string]metadata.Thumbnail{"256": {Key: "thumbnails/256/a b.jpg.jpg", Width: 256, Height: 192, Bytes: 999}},
		Rendition:   "0123456789abcdef0123456789abcdef",
		ProcessedAt: 1_764_000_001_000, DurationMs: 42,
	}
}

func TestRecordAttributeNamesFollowContract(t *testing.T) {
	item, err := attributevalue.MarshalMap(sample())
	require.NoError(t, err)
	assert.IsType(t, &types.AttributeValueMemberS{}, item[contract.TableHashKey])
	assert.IsType(t, &types.AttributeValueMemberN{}, item[contract.TableRangeKey])
	assert.IsType(t, &types.AttributeValueMemberS{}, item[contract.StatusIndexHashKey])
	assert.IsType(t, &types.AttributeValueMemberN{}, item[contract.StatusIndexRangeKey])
	for _, name := range []string{"bucket", "key", "versionId", "etag", "size", "contentType", "format", "width", "height",
		"orientation", "sha256", "exif", "thumbnails", "rendition", "processedAt", "durationMs"} {
		assert.Contains(t, item, name)
	}
	assert.NotContains(t, item, "failureReason", "empty optional fields are omitted")

	var back metadata.Record
	require.NoError(t, attributevalue.UnmarshalMap(item, &back))
	assert.Equal(t, sample(), back)
}

func TestPutRule(t *testing.T) {
	processed := func(at int64, rendition string) metadata.Record {
		r := sample()
		r.ProcessedAt, r.Rendition = at, rendition
		return r
	}
	failed := func(at int64) metadata.Record {
		r := sample()
		r.Status, r.FailureReason, r.FailureMessage, r.ProcessedAt = contract.StatusFailed, string(contract.ReasonNotFound), "gone", at
		r.Thumbnails, r.Format, r.Rendition = nil, "", "r1"
		return r
	}
	other := func(status string) metadata.Record {
		r := failed(10)
		r.Status = status
		return r
	}
	deleted := func(at int64) metadata.Record { return metadata.Deleted(sample(), time.UnixMilli(at), 0) }
	tests := []struct {
		name            string
		first, then     metadata.Record
		wantWritten     bool
		wantReprocessed bool
	}{
		{"duplicate is a no-op", processed(10, "r1"), processed(10, "r1"), false, false},
		{"same fingerprint: the first success wins over a later redelivery", processed(10, "r1"), processed(20, "r1"), false, false},
		{"same fingerprint: an older attempt never overwrites a newer one", processed(20, "r1"), processed(10, "r1"), false, false},
		{"another fingerprint replaces and is reprocessed", processed(10, "r1"), processed(20, "r2"), true, true},
		{"another fingerprint replaces whatever the processedAt", processed(20, "r1"), processed(10, "r2"), true, true},
		{"a record without fingerprint is replaced", processed(10, ""), processed(20, "r1"), true, true},
		{"failure never replaces success, even later", processed(10, "r1"), failed(20), false, false},
		{"success replaces failure, not counted as reprocessed", failed(20), processed(10, "r1"), true, false},
		{"later failure refreshes a failure", failed(10), failed(20), true, false},
		{"older failure never overwrites a newer one", failed(20), failed(10), false, false},
		{"success never replaces a record of another status", other("DELETED"), processed(20, "r2"), false, false},
		{"failure never replaces a record of another status", other("DELETED"), failed(20), false, false},
		{"delete replaces success", processed(10, "r1"), deleted(20), true, false},
		{"delete replaces failure", failed(10), deleted(20), true, false},
		{"delete before create: success never replaces the DELETED record", deleted(10), processed(20, "r2"), false, false},
		{"failure never replaces a DELETED record", deleted(10), failed(20), false, false},
		{"redelivered delete changes nothing", deleted(10), deleted(20), false, false},
		{"an older delete changes nothing either", deleted(20), deleted(10), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := awstest.NewDynamoDB("tbl")
			first, err := attributevalue.MarshalMap(tc.first)
			require.NoError(t, err)
			_, err = db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: first})
			require.NoError(t, err)

			s := metadata.NewStore(db, "tbl")
			res, err := s.Put(context.Background(), tc.then)
			require.NoError(t, err)
			assert.Equal(t, tc.wantWritten, res.Written)
			assert.Equal(t, tc.wantReprocessed, res.Reprocessed())
			if tc.wantWritten {
				require.NotNil(t, res.Previous, "the replaced record is returned")
				assert.Equal(t, tc.first, *res.Previous)
			} else {
				assert.Nil(t, res.Previous)
			}
			items := db.Items()
			require.Len(t, items, 1, "one item per object version")
			var got metadata.Record
			require.NoError(t, attributevalue.UnmarshalMap(items[0], &got))
			want := tc.first
			if tc.wantWritten {
				want = tc.then
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestDeletedKeepsOnlyIdentityDimensionsAndFormat(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	src := sample()
	src.Superseded = true
	src.FailureReason, src.FailureMessage = "corrupt", "detail"
	src.RecordVersion = 1 // written by older code: the DELETED record is of this code's schema
	src.Placeholder, src.AverageColor, src.DominantColor = "LEHV6nWB2yk8pyo0adR*.7kCMdnj", "#a0b0c0", "#102030"
	src.Thumbnails = map[string]metadata.Thumbnail{"256": {Key: "thumbnails/256/a b.jpg", Width: 256, Height: 192, Bytes: 10,
		Formats: map[string]metadata.FormatFile{"webp": {Key: "thumbnails/256/a b.jpg.webp", Bytes: 8, ContentType: "image/webp"}}}}
	got := metadata.Deleted(src, at, 7*24*time.Hour)
	assert.Equal(t, metadata.Record{
		RecordVersion: metadata.RecordVersion,
		ImageID:       src.ImageID, UploadTimestamp: src.UploadTimestamp, Status: contract.StatusDeleted,
		Bucket: src.Bucket, Key: src.Key, VersionID: src.VersionID, Size: src.Size, ContentType: src.ContentType,
		Format: src.Format, Width: src.Width, Height: src.Height,
		ProcessedAt: at.UnixMilli(), DeletedAt: at.UnixMilli(), ExpiresAt: at.Add(7 * 24 * time.Hour).Unix(),
	}, got)

	item, err := attributevalue.MarshalMap(got)
	require.NoError(t, err)
	for _, gone := range []string{"exif", "sha256", "etag", "orientation", "thumbnails", "superseded", "failureReason", "failureMessage"} {
		assert.NotContains(t, item, gone)
	}
	assert.IsType(t, &types.AttributeValueMemberN{}, item[contract.TableTTLAttribute], "the TTL attribute is a number (Unix seconds)")
	assert.Contains(t, item, "deletedAt")
	assert.NotContains(t, metadataItem(t, metadata.Deleted(src, at, 0)), contract.TableTTLAttribute, "no TTL: no expiry")
}

func metadataItem(t *testing.T, r metadata.Record) map[string]types.AttributeValue {
	t.Helper()
	item, err := attributevalue.MarshalMap(r)
	require.NoError(t, err)
	return item
}

func TestVersionsQueriesOneVersion(t *testing.T) {
	db := awstest.NewDynamoDB("tbl")
	s := metadata.NewStore(db, "tbl")
	ctx := context.Background()
	a, b, other := sample(), sample(), sample()
	b.UploadTimestamp++ // a second item of the same version (keyed by an event time)
	b.Status = contract.StatusFailed
	other.ImageID = metadata.ImageID("b", other.Key, "v9", "")
	for _, r := range []metadata.Record{b, other, a} {
		_, err := s.Put(ctx, r)
		require.NoError(t, err)
	}
	got, err := s.Versions(ctx, a.ImageID)
	require.NoError(t, err)
	assert.Equal(t, []metadata.Record{a, b}, got, "oldest first, only this version")

	none, err := s.Versions(ctx, metadata.ImageID("b", "uploads/none.jpg", "v1", ""))
	require.NoError(t, err)
	assert.Empty(t, none)

	db.FailQuery = func(*dynamodb.QueryInput) error { return &types.ProvisionedThroughputExceededException{} }
	_, err = s.Versions(ctx, a.ImageID)
	var te *fault.TransientError
	assert.ErrorAs(t, err, &te)
}

func TestPutVersionsNeverShareAnItem(t *testing.T) {
	db := awstest.NewDynamoDB("tbl")
	s := metadata.NewStore(db, "tbl")
	v1, v2 := sample(), sample()
	v2.VersionID = "v2"
	v2.ImageID = metadata.ImageID("b", v2.Key, "v2", "")
	v2.Status = contract.StatusFailed
	for _, r := range []metadata.Record{v2, v1} {
		res, err := s.Put(context.Background(), r)
		require.NoError(t, err)
		assert.True(t, res.Written)
	}
	assert.Len(t, db.Items(), 2)
}

func TestPutErrors(t *testing.T) {
	db := awstest.NewDynamoDB("tbl")
	db.FailPut = func(map[string]types.AttributeValue) error {
		return &types.ProvisionedThroughputExceededException{}
	}
	_, err := metadata.NewStore(db, "tbl").Put(context.Background(), sample())
	var te *fault.TransientError
	assert.ErrorAs(t, err, &te, "throttling is transient")

	_, err = metadata.NewStore(awstest.NewDynamoDB("tbl"), "missing").Put(context.Background(), sample())
	assert.ErrorAs(t, err, &te, "a missing table is a configuration error: transient, so it ends in the DLQ")
	assert.False(t, fault.IsPermanent(err))

	bad := sample()
	bad.Status = "DONE"
	_, err = metadata.NewStore(awstest.NewDynamoDB("tbl"), "tbl").Put(context.Background(), bad)
	assert.ErrorContains(t, err, `unknown status "DONE"`)
}

// A record written before formats existed (version 1: no recordVersion,
// placeholder, colours or formats) still reads, and its thumbnails' keys
// are the ones it lists.
func TestVersion1RecordsRead(t *testing.T) {
	item := map[string]types.AttributeValue{
		"imageId": &types.AttributeValueMemberS{Value: "id"}, "uploadTimestamp": &types.AttributeValueMemberN{Value: "1"},
		"status": &types.AttributeValueMemberS{Value: contract.StatusProcessed},
		"thumbnails": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"256": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"key": &types.AttributeValueMemberS{Value: "thumbnails/256/a.png.jpg"}, "width": &types.AttributeValueMemberN{Value: "256"},
				"height": &types.AttributeValueMemberN{Value: "192"}, "bytes": &types.AttributeValueMemberN{Value: "999"},
			}},
		}},
	}
	var rec metadata.Record
	require.NoError(t, attributevalue.UnmarshalMap(item, &rec))
	assert.Zero(t, rec.RecordVersion)
	assert.Empty(t, rec.Placeholder)
	assert.Equal(t, []string{"thumbnails/256/a.png.jpg"}, rec.Thumbnails["256"].Keys())
}

func TestVersion2Fields(t *testing.T) {
	rec := sample()
	rec.RecordVersion = metadata.RecordVersion
	rec.Placeholder, rec.AverageColor, rec.DominantColor = "LEHV6nWB2yk8pyo0adR*.7kCMdnj", "#7f6a55", "#2b4a66"
	rec.Thumbnails["256"] = metadata.Thumbnail{Key: "thumbnails/256/a b.jpg.jpg", Width: 256, Height: 192, Bytes: 999,
		Formats: map[string]metadata.FormatFile{
			"jpeg": {Key: "thumbnails/256/a b.jpg.jpg", Bytes: 999, ContentType: "image/jpeg"},
			"webp": {Key: "thumbnails/256/a b.jpg.webp", Bytes: 700, ContentType: "image/webp"},
		}}
	item, err := attributevalue.MarshalMap(rec)
	require.NoError(t, err)
	for _, name := range []string{"recordVersion", "placeholder", "averageColor", "dominantColor"} {
		assert.Contains(t, item, name)
	}
	th := item["thumbnails"].(*types.AttributeValueMemberM).Value["256"].(*types.AttributeValueMemberM).Value
	formats := th["formats"].(*types.AttributeValueMemberM).Value
	assert.Contains(t, formats["webp"].(*types.AttributeValueMemberM).Value, "contentType")
	var back metadata.Record
	require.NoError(t, attributevalue.UnmarshalMap(item, &back))
	assert.Equal(t, rec, back)
	assert.Equal(t, []string{"thumbnails/256/a b.jpg.jpg", "thumbnails/256/a b.jpg.webp"}, back.Thumbnails["256"].Keys(), "each key once, sorted")
}
