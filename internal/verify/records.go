package verify

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// Object identifies one uploaded object version: the key, and the
// versionId and ETag the PutObject response gave.
type Object struct {
	Key       string
	VersionID string
	ETag      string
}

// Matches reports whether rec describes obj's version: by versionId when
// both sides have one, else by ETag.
func (obj Object) Matches(rec metadata.Record) bool {
	if rec.Key != obj.Key {
		return false
	}
	if obj.VersionID != "" && rec.VersionID != "" {
		return obj.VersionID == rec.VersionID
	}
	return metadata.NormalizeETag(obj.ETag) == metadata.NormalizeETag(rec.ETag)
}

// Records returns every item of the metadata table, decoded. It scans with
// consistent reads, page by page.
func Records(ctx context.Context, tg Target) ([]metadata.Record, error) {
	if err := tg.validate(); err != nil {
		return nil, err
	}
	var out []metadata.Record
	var start map[string]types.AttributeValue
	for {
		page, err := tg.DynamoDB.Scan(ctx, &dynamodb.ScanInput{
			TableName:         aws.String(tg.Table),
			ConsistentRead:    aws.Bool(true),
			ExclusiveStartKey: start,
		})
		if err != nil {
			return nil, fmt.Errorf("scan table %s: %w", tg.Table, err)
		}
		for _, item := range page.Items {
			var rec metadata.Record
			if err := attributevalue.UnmarshalMap(item, &rec); err != nil {
				return nil, fmt.Errorf("decode an item of %s as a metadata record: %w", tg.Table, err)
			}
			out = append(out, rec)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		start = page.LastEvaluatedKey
	}
}

// RecordsByKey groups the table's records by object key, each group
// newest first (upload time, then processing time).
func RecordsByKey(ctx context.Context, tg Target) (map[string][]metadata.Record, error) {
	recs, err := Records(ctx, tg)
	if err != nil {
		return nil, err
	}
	by := map[string][]metadata.Record{}
	for _, r := range recs {
		by[r.Key] = append(by[r.Key], r)
	}
	for _, rs := range by {
		sort.SliceStable(rs, func(i, j int) bool {
			if rs[i].UploadTimestamp != rs[j].UploadTimestamp {
				return rs[i].UploadTimestamp > rs[j].UploadTimestamp
			}
			return rs[i].ProcessedAt > rs[j].ProcessedAt
		})
	}
	return by, nil
}

// WaitForObjects waits until every object has a record for its version, or
// the target's timeout passes. It returns the records found (by key) and
// the keys still without one; progress, when not nil, is called after each
// poll with how many have a record. A timeout is not an error (missing
// names what is lost) unless the last try failed: then err says so and
// carries that try's error.
func WaitForObjects(ctx context.Context, tg Target, objs []Object, progress func(done, total int)) (found map[string]metadata.Record, missing []string, err error) {
	found = map[string]metadata.Record{}
	var lastTry error
	err = poll(ctx, tg.timeout(), tg.interval(), func(ctx context.Context) (bool, error) {
		by, err := RecordsByKey(ctx, tg)
		lastTry = err
		if err != nil {
			return false, err
		}
		for _, obj := range objs {
			if _, ok := found[obj.Key]; ok {
				continue
			}
			for _, rec := range by[obj.Key] {
				if obj.Matches(rec) {
					found[obj.Key] = rec
					break
				}
			}
		}
		if progress != nil {
			progress(len(found), len(objs))
		}
		return len(found) == len(objs), nil
	})
	for _, obj := range objs {
		if _, ok := found[obj.Key]; !ok {
			missing = append(missing, obj.Key)
		}
	}
	if err != nil && len(missing) > 0 && ctx.Err() == nil {
		err = nil // timed out: the caller reports missing
		if lastTry != nil {
			err = fmt.Errorf("timed out after %s; last error: %w", tg.timeout(), lastTry)
		}
	}
	return found, missing, err
}

// WaitForObject waits for the record of obj's version and fails t unless
// it has wantStatus (contract.StatusProcessed or contract.StatusFailed).
func WaitForObject(t testing.TB, ctx context.Context, tg Target, obj Object, wantStatus string) metadata.Record {
	t.Helper()
	found, missing, err := WaitForObjects(ctx, tg, []Object{obj}, nil)
	require.NoError(t, err, "wait for the record of s3://%s/%s", tg.Bucket, obj.Key)
	require.Empty(t, missing, "no metadata record for s3://%s/%s (version %q, etag %q) in table %s within %s: the event was lost or the function failed",
		tg.Bucket, obj.Key, obj.VersionID, obj.ETag, tg.Table, tg.timeout())
	rec := found[obj.Key]
	requireStatus(t, rec, wantStatus)
	return rec
}

// WaitForRecord waits until key has a record and fails t unless the newest
// one has wantStatus. Use WaitForObject after a re-upload of a key.
func WaitForRecord(t testing.TB, ctx context.Context, tg Target, key, wantStatus string) metadata.Record {
	t.Helper()
	var rec metadata.Record
	err := poll(ctx, tg.timeout(), tg.interval(), func(ctx context.Context) (bool, error) {
		by, err := RecordsByKey(ctx, tg)
		if err != nil {
			return false, err
		}
		if rs := by[key]; len(rs) > 0 {
			rec = rs[0]
			return true, nil
		}
		return false, fmt.Errorf("no record for key %q yet", key)
	})
	require.NoError(t, err, "no metadata record for s3://%s/%s in table %s", tg.Bucket, key, tg.Table)
	requireStatus(t, rec, wantStatus)
	return rec
}

// requireStatus fails t unless rec has status want; a FAILED record's
// reason and message are part of the failure.
func requireStatus(t testing.TB, rec metadata.Record, want string) {
	t.Helper()
	require.Equal(t, want, rec.Status, "status of the record of %q (failure reason %q: %s)", rec.Key, rec.FailureReason, rec.FailureMessage)
}

// AssertFailed waits for the record of obj and fails t unless it is FAILED
// with reason.
func AssertFailed(t testing.TB, ctx context.Context, tg Target, obj Object, reason contract.Reason) metadata.Record {
	t.Helper()
	rec := WaitForObject(t, ctx, tg, obj, contract.StatusFailed)
	require.Equal(t, string(reason), rec.FailureReason, "failure reason of %q (%s)", obj.Key, rec.FailureMessage)
	require.Empty(t, rec.Thumbnails, "the FAILED record of %q lists thumbnails", obj.Key)
	return rec
}

// CountRecords returns how many records each key has (0 for a key with
// none).
func CountRecords(ctx context.Context, tg Target, keys []string) (map[string]int, error) {
	by, err := RecordsByKey(ctx, tg)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(keys))
	for _, k := range keys {
		out[k] = len(by[k])
	}
	return out, nil
}

// AssertOneRecordPerVersion fails t if any object version among keys has
// more than one record (a duplicated or retried event must write the same
// item).
func AssertOneRecordPerVersion(t testing.TB, ctx context.Context, tg Target, keys []string) {
	t.Helper()
	by, err := RecordsByKey(ctx, tg)
	require.NoError(t, err, "read records")
	var dups []string
	for _, k := range keys {
		seen := map[string]int{}
		for _, r := range by[k] {
			v := r.VersionID
			if v == "" {
				v = "etag:" + metadata.NormalizeETag(r.ETag)
			}
			seen[v]++
		}
		for v, n := range seen {
			if n > 1 {
				dups = append(dups, fmt.Sprintf("%q version %s: %d records", k, v, n))
			}
		}
	}
	require.Empty(t, dups, "duplicated records in %s", tg.Table)
}

// AssertNoRecord fails t if key has any record now. Call it after a later
// upload has been processed, so a trigger of key would already show.
func AssertNoRecord(t testing.TB, ctx context.Context, tg Target, key string) {
	t.Helper()
	by, err := RecordsByKey(ctx, tg)
	require.NoError(t, err, "read records")
	require.Empty(t, by[key], "key %q has metadata records, want none: it must never be processed", key)
}

// AssertStatusIndex fails t unless querying the status index for status
// returns a record for every key.
func AssertStatusIndex(t testing.TB, ctx context.Context, tg Target, status string, keys []string) {
	t.Helper()
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	err := poll(ctx, tg.timeout(), tg.interval(), func(ctx context.Context) (bool, error) {
		got := map[string]bool{}
		var start map[string]types.AttributeValue
		for {
			page, err := tg.DynamoDB.Query(ctx, &dynamodb.QueryInput{
				TableName:                 aws.String(tg.Table),
				IndexName:                 aws.String(contract.StatusIndexName),
				KeyConditionExpression:    aws.String("#s = :s"),
				ExpressionAttributeNames:  map[string]string{"#s": contract.StatusIndexHashKey},
				ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: status}},
				ExclusiveStartKey:         start,
			})
			if err != nil {
				return false, fmt.Errorf("query %s on %s: %w", contract.StatusIndexName, tg.Table, err)
			}
			for _, item := range page.Items {
				var rec metadata.Record
				if err := attributevalue.UnmarshalMap(item, &rec); err != nil {
					return false, fmt.Errorf("decode an item of %s: %w", contract.StatusIndexName, err)
				}
				got[rec.Key] = true
			}
			if len(page.LastEvaluatedKey) == 0 {
				break
			}
			start = page.LastEvaluatedKey
		}
		var absent []string
		for k := range want {
			if !got[k] {
				absent = append(absent, k)
			}
		}
		sort.Strings(absent)
		if len(absent) > 0 {
			return false, fmt.Errorf("%s=%s does not return %q", contract.StatusIndexName, status, absent)
		}
		return true, nil
	})
	require.NoError(t, err, "status index")
}
