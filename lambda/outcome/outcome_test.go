package outcome_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/outcome"
)

// A stream record as Pipes hands it to the enrichment: DynamoDB JSON.
const processedRecord = `{
  "eventID": "5c7f4b2e0d",
  "eventName": "INSERT",
  "eventVersion": "1.1",
  "eventSource": "aws:dynamodb",
  "awsRegion": "eu-west-1",
  "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-dev-metadata/stream/2025-12-01T00:00:00.000",
  "dynamodb": {
    "ApproximateCreationDateTime": 1764576000,
    "Keys": {"imageId": {"S": "abc"}, "uploadTimestamp": {"N": "1764575999000"}},
    "NewImage": {
      "recordVersion": {"N": "2"},
      "imageId": {"S": "abc"},
      "uploadTimestamp": {"N": "1764575999000"},
      "status": {"S": "PROCESSED"},
      "bucket": {"S": "imgpipe-dev-images"},
      "key": {"S": "uploads/holiday \"one\".jpg"},
      "versionId": {"S": "v1"},
      "etag": {"S": "e1"},
      "size": {"N": "123456"},
      "format": {"S": "jpeg"},
      "width": {"N": "4032"},
      "height": {"N": "3024"},
      "orientation": {"N": "6"},
      "sha256": {"S": "ff00"},
      "exif": {"M": {"make": {"S": "Canon"}, "model": {"S": "EOS"}}},
      "placeholder": {"S": "LEHV6nWB2yk8pyo0adR*.7kCMdnj"},
      "averageColor": {"S": "#a0b0c0"},
      "dominantColor": {"S": "#102030"},
      "thumbnails": {"M": {
        "1024": {"M": {"key": {"S": "thumbnails/1024/holiday \"one\".jpg.jpg"}, "width": {"N": "1024"}, "height": {"N": "768"}, "bytes": {"N": "90000"},
          "formats": {"M": {
            "webp": {"M": {"key": {"S": "thumbnails/1024/holiday \"one\".jpg.webp"}, "bytes": {"N": "60000"}, "contentType": {"S": "image/webp"}}},
            "jpeg": {"M": {"key": {"S": "thumbnails/1024/holiday \"one\".jpg.jpg"}, "bytes": {"N": "90000"}, "contentType": {"S": "image/jpeg"}}}
          }}}},
        "256": {"M": {"key": {"S": "thumbnails/256/holiday \"one\".jpg.jpg"}, "width": {"N": "256"}, "height": {"N": "192"}, "bytes": {"N": "9000"},
          "formats": {"M": {
            "webp": {"M": {"key": {"S": "thumbnails/256/holiday \"one\".jpg.webp"}, "bytes": {"N": "6000"}, "contentType": {"S": "image/webp"}}},
            "jpeg": {"M": {"key": {"S": "thumbnails/256/holiday \"one\".jpg.jpg"}, "bytes": {"N": "9000"}, "contentType": {"S": "image/jpeg"}}}
          }}}}
      }},
      "rendition": {"S": "r1"},
      "processedAt": {"N": "1764576000123"},
      "durationMs": {"N": "321"}
    },
    "SequenceNumber": "111",
    "SizeBytes": 900,
    "StreamViewType": "NEW_AND_OLD_IMAGES"
  }
}`

// The documented event for that record (docs/events.md shows this shape).
const processedEvent = `{
  "eventID": "5c7f4b2e0d",
  "detailType": "Image Processed",
  "detail": {
    "schemaVersion": "1",
    "outcomeId": "5c7f4b2e0d",
    "imageId": "abc",
    "bucket": "imgpipe-dev-images",
    "key": "uploads/holiday \"one\".jpg",
    "versionId": "v1",
    "status": "PROCESSED",
    "size": 123456,
    "format": "jpeg",
    "width": 4032,
    "height": 3024,
    "thumbnails": [
      {"size": 256, "key": "thumbnails/256/holiday \"one\".jpg.jpg", "width": 256, "height": 192, "bytes": 9000,
        "formats": [
          {"format": "jpeg", "key": "thumbnails/256/holiday \"one\".jpg.jpg", "bytes": 9000, "contentType": "image/jpeg"},
          {"format": "webp", "key": "thumbnails/256/holiday \"one\".jpg.webp", "bytes": 6000, "contentType": "image/webp"}
        ]},
      {"size": 1024, "key": "thumbnails/1024/holiday \"one\".jpg.jpg", "width": 1024, "height": 768, "bytes": 90000,
        "formats": [
          {"format": "jpeg", "key": "thumbnails/1024/holiday \"one\".jpg.jpg", "bytes": 90000, "contentType": "image/jpeg"},
          {"format": "webp", "key": "thumbnails/1024/holiday \"one\".jpg.webp", "bytes": 60000, "contentType": "image/webp"}
        ]}
    ],
    "placeholder": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
    "uploadedAt": "2025-12-01T07:59:59.000Z",
    "processedAt": "2025-12-01T08:00:00.123Z"
  }
}`

func TestEnrichProcessed(t *testing.T) {
	evs, err := outcome.Enrich([]byte("[" + processedRecord + "]"))
	require.NoError(t, err)
	require.Len(t, evs, 1)
	got, err := json.Marshal(evs[0])
	require.NoError(t, err)
	assert.JSONEq(t, processedEvent, string(got))
	for _, private := range []string{"exif", "Canon", "sha256", "ff00", "orientation", "etag", "rendition", "Color", "#a0b0c0", "recordVersion"} {
		assert.NotContains(t, string(got), private, "the event carries the record's public fields only")
	}
}

func record(t *testing.T, eventName string, image map[string]any) events.DynamoDBEventRecord {
	t.Helper()
	raw, err := json.Marshal(map[string]any{
		"eventID": "id-" + eventName, "eventName": eventName,
		"dynamodb": map[string]any{"NewImage": image},
	})
	require.NoError(t, err)
	var r events.DynamoDBEventRecord
	require.NoError(t, json.Unmarshal(raw, &r))
	return r
}

func base(status string) map[string]any {
	return map[string]any{
		"imageId": map[string]any{"S": "abc"}, "uploadTimestamp": map[string]any{"N": "1764575999000"},
		"status": map[string]any{"S": status}, "bucket": map[string]any{"S": "b"}, "key": map[string]any{"S": "uploads/a.png"},
		"size": map[string]any{"N": "10"}, "processedAt": map[string]any{"N": "1764576000000"}, "durationMs": map[string]any{"N": "1"},
	}
}

func TestEveryOutcomeHasItsDetailType(t *testing.T) {
	failed := base(contract.StatusFailed)
	failed["failureReason"] = map[string]any{"S": string(contract.ReasonCorrupt)}
	failed["failureMessage"] = map[string]any{"S": "internal detail"}
	deleted := base(contract.StatusDeleted)
	deleted["deletedAt"] = map[string]any{"N": "1764576001000"}
	deleted["width"], deleted["height"], deleted["format"] = map[string]any{"N": "640"}, map[string]any{"N": "480"}, map[string]any{"S": "png"}

	tests := []struct {
		name       string
		image      map[string]any
		detailType string
		check      func(t *testing.T, d outcome.Detail)
	}{
		{"processed", base(contract.StatusProcessed), contract.EventDetailTypeProcessed, func(t *testing.T, d outcome.Detail) {
			assert.Empty(t, d.Reason)
			assert.Empty(t, d.DeletedAt)
		}},
		{"failed", failed, contract.EventDetailTypeFailed, func(t *testing.T, d outcome.Detail) {
			assert.Equal(t, string(contract.ReasonCorrupt), d.Reason)
			assert.Empty(t, d.Thumbnails)
		}},
		{"deleted", deleted, contract.EventDetailTypeDeleted, func(t *testing.T, d outcome.Detail) {
			assert.Equal(t, "2025-12-01T08:00:01.000Z", d.DeletedAt)
			assert.Equal(t, 640, d.Width, "dimensions survive a delete")
			assert.Equal(t, "png", d.Format)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := outcome.FromRecord(record(t, "MODIFY", tc.image))
			require.NoError(t, err)
			assert.Equal(t, tc.detailType, ev.DetailType)
			assert.Equal(t, "id-MODIFY", ev.EventID)
			assert.Equal(t, ev.EventID, ev.Detail.OutcomeID)
			assert.Equal(t, contract.EventSchemaVersion, ev.Detail.SchemaVersion)
			tc.check(t, ev.Detail)
			raw, err := json.Marshal(ev.Detail)
			require.NoError(t, err)
			assert.NotContains(t, string(raw), "internal detail", "the failure message stays in the record")
			assert.NotContains(t, string(raw), "null", "absent fields are left out, never null")
		})
	}
}

func TestEnrichRejectsWhatIsNoOutcome(t *testing.T) {
	tests := []struct {
		name, payload, want string
	}{
		{"not an array", `{"Records":[]}`, "no JSON array"},
		{"no new image", `[{"eventID":"r1","eventName":"REMOVE","dynamodb":{"OldImage":{"status":{"S":"DELETED"}}}}]`, "r1 (REMOVE) has no new image"},
		{"unknown status", `[{"eventID":"r2","eventName":"INSERT","dynamodb":{"NewImage":{"imageId":{"S":"a"},"status":{"S":"PENDING"}}}}]`, `status "PENDING" is no outcome`},
		{"not a record", `[{"eventID":"r3","eventName":"INSERT","dynamodb":{"NewImage":{"size":{"S":"big"}}}}]`, "r3: the new image is no metadata record"},
		{"bad thumbnail size", `[{"eventID":"r4","eventName":"INSERT","dynamodb":{"NewImage":{"status":{"S":"PROCESSED"},"thumbnails":{"M":{"big":{"M":{"key":{"S":"k"}}}}}}}}]`, `thumbnail size "big"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := outcome.Enrich([]byte(tc.payload))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	evs, err := outcome.Enrich([]byte(`[]`))
	require.NoError(t, err)
	assert.Empty(t, evs, "an empty batch announces nothing")
}

// The pipe's target reads the enrichment's fields by the names the contract
// declares (modules/events uses the same values).
func TestEventFieldNamesFollowContract(t *testing.T) {
	typ := reflect.TypeFor[outcome.Event]()
	tags := map[string]string{}
	for i := range typ.NumField() {
		tags[typ.Field(i).Name] = strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]
	}
	assert.Equal(t, contract.PipeEnrichedEventIDField, tags["EventID"])
	assert.Equal(t, contract.PipeEnrichedDetailTypeField, tags["DetailType"])
	assert.Equal(t, contract.PipeEnrichedDetailField, tags["Detail"])
	assert.Equal(t, "$."+tags["DetailType"], contract.PipeEnrichedDetailTypePath)
	assert.Equal(t, "<$."+tags["Detail"]+">", contract.PipeEnrichedDetailTemplate)
}
