package invoke_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/ops/inventory"
	"github.com/imgpipe/imgpipe/ops/invoke"
)

// The payload is an S3 event notification as S3 sends it: the function
// (through aws-lambda-go) decodes the keys back.
func TestPayloadIsS3Shaped(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	v := invoke.Invoker{Bucket: "bkt", Region: "eu-west-1"}
	raw, err := v.Payload([]inventory.Object{
		{Key: "uploads/holiday photo ü+.jpg", VersionID: "v1", ETag: "abc", Size: 12, LastModified: at},
		{Key: "uploads/plain.png", Size: 3, LastModified: at},
	})
	require.NoError(t, err)
	var ev events.S3Event
	require.NoError(t, json.Unmarshal(raw, &ev))
	require.Len(t, ev.Records, 2)
	r := ev.Records[0]
	assert.Equal(t, "aws:s3", r.EventSource)
	assert.Equal(t, "ObjectCreated:Backfill", r.EventName)
	assert.Equal(t, "eu-west-1", r.AWSRegion)
	assert.Equal(t, at, r.EventTime)
	assert.Equal(t, "bkt", r.S3.Bucket.Name)
	assert.Equal(t, "uploads/holiday photo ü+.jpg", r.S3.Object.URLDecodedKey)
	assert.Equal(t, "uploads%2Fholiday+photo+%C3%BC%2B.jpg", r.S3.Object.Key)
	assert.Equal(t, "v1", r.S3.Object.VersionID)
	assert.Equal(t, "abc", r.S3.Object.ETag)
	assert.EqualValues(t, 12, r.S3.Object.Size)

	var shape struct {
		Records []struct {
			S3 struct {
				Object map[string]any `json:"object"`
			} `json:"s3"`
		} `json:"Records"`
	}
	require.NoError(t, json.Unmarshal(raw, &shape))
	_, hasVersion := shape.Records[1].S3.Object["versionId"]
	assert.False(t, hasVersion, "no versionId field for an unversioned object, as S3 sends it")
}
