package processor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// batchTask is one task of a test request.
type batchTestTask struct {
	id, key, versionID string // key as S3 Batch Operations sends it (URL-encoded)
}

// batchRequest is an S3 Batch Operations LambdaInvoke request, schema 2.0,
// shaped as AWS documents it (the "Invoke AWS Lambda function" operation
// of the S3 user guide; aws-lambda-go's S3BatchJobEventV2).
func batchRequest(t *testing.T, tasks ...batchTestTask) json.RawMessage {
	t.Helper()
	var ts []string
	for _, task := range tasks {
		ts = append(ts, fmt.Sprintf(`{"taskId": %q, "s3Key": %q, "s3VersionId": %q, "s3Bucket": %q}`,
			task.id, task.key, task.versionID, bucket))
	}
	return json.RawMessage(`{
  "invocationSchemaVersion": "2.0",
  "invocationId": "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo",
  "job": {"id": "f3cc4f60-61f6-4a2b-8a21-d07600c373ce", "userArguments": {"requestedBy": "imgpipe backfill"}},
  "tasks": [` + strings.Join(ts, ",") + `]
}`)
}

// batchResponse is the response as S3 Batch Operations reads it.
type batchResponse struct {
	InvocationSchemaVersion string `json:"invocationSchemaVersion"`
	TreatMissingKeysAs      string `json:"treatMissingKeysAs"`
	InvocationID            string `json:"invocationId"`
	Results                 []struct {
		TaskID       string `json:"taskId"`
		ResultCode   string `json:"resultCode"`
		ResultString string `json:"resultString"`
	} `json:"results"`
}

// invokeBatch calls Invoke and decodes its answer from JSON, as the Lambda
// runtime serialises it.
func invokeBatch(t *testing.T, x *harness, payload json.RawMessage) batchResponse {
	t.Helper()
	res, err := x.h.Invoke(context.Background(), payload)
	require.NoError(t, err)
	raw, err := json.Marshal(res)
	require.NoError(t, err)
	var keys map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &keys))
	assert.ElementsMatch(t, []string{"invocationSchemaVersion", "treatMissingKeysAs", "invocationId", "results"}, mapKeys(keys))
	var out batchResponse
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func mapKeys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestShapeOfBatchOperations(t *testing.T) {
	got, err := shapeOf(batchRequest(t, batchTestTask{"t1", "uploads/a.png", "v1"}))
	require.NoError(t, err)
	assert.Equal(t, shapeBatch, got)
	got, err = shapeOf(json.RawMessage(`{"invocationSchemaVersion":"1.0","invocationId":"i","job":{"id":"j"},"tasks":[]}`))
	require.NoError(t, err)
	assert.Equal(t, shapeBatch, got, "schema 1.0 is recognised, then refused by name")
	_, err = shapeOf(json.RawMessage(`{"invocationSchemaVersion":"2.0"}`))
	assert.ErrorContains(t, err, `no "Records" list`, "no tasks: not a batch request")
}

func TestBatchTasksAnswerFromTheOutcome(t *testing.T) {
	x := newHarness(t, true, 2)
	good := x.upload("uploads/batch/a photo ü.png", []byte("good"))
	plus := x.upload("uploads/batch/c++ logo.png", []byte("plus"))
	empty := x.upload("uploads/batch/empty.png", nil)
	old := x.upload("uploads/batch/two.png", []byte("first"))
	x.upload("uploads/batch/two.png", []byte("second"))
	thumb := x.upload("thumbnails/256/batch/x.png.jpg", []byte("thumb"))
	gone := x.upload("uploads/batch/gone.png", []byte("gone"))
	x.s3.DeleteVersion(bucket, "uploads/batch/gone.png", gone.versionID) // deleted after the manifest was made
	require.NoError(t, x.h.Handle(context.Background(), event(t, plus))) // already processed: a duplicate

	resp := invokeBatch(t, x, batchRequest(t,
		batchTestTask{"t-good", "uploads/batch/a%20photo%20%C3%BC.png", good.versionID},
		batchTestTask{"t-plus", "uploads/batch/c%2B%2B%20logo.png", plus.versionID},
		batchTestTask{"t-empty", "uploads/batch/empty.png", empty.versionID},
		batchTestTask{"t-old", "uploads/batch/two.png", old.versionID},
		batchTestTask{"t-thumb", url.PathEscape(thumb.key), thumb.versionID},
		batchTestTask{"t-bad", "uploads/batch/100%zz.png", "v"},
		batchTestTask{"t-gone", "uploads/batch/gone.png", gone.versionID},
	))
	assert.Equal(t, "2.0", resp.InvocationSchemaVersion)
	assert.Equal(t, "PermanentFailure", resp.TreatMissingKeysAs)
	assert.Equal(t, "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo", resp.InvocationID)
	got := map[string][2]string{}
	for _, r := range resp.Results {
		got[r.TaskID] = [2]string{r.ResultCode, r.ResultString}
	}
	assert.Equal(t, map[string][2]string{
		"t-good":  {"Succeeded", "processed"},
		"t-plus":  {"Succeeded", "duplicate"},
		"t-empty": {"PermanentFailure", "failed permanently: a FAILED record was written (see its failureReason)"},
		"t-old":   {"Succeeded", "processed"},
		"t-thumb": {"Succeeded", "ignored"},
		"t-bad":   {"PermanentFailure", `s3Key "uploads/batch/100%zz.png" is not URL-encoded: invalid URL escape "%zz"`},
		"t-gone":  {"Succeeded", "deleted"},
	}, got)
	require.Len(t, resp.Results, 7)
	assert.Equal(t, "t-good", resp.Results[0].TaskID, "results keep the tasks' order")

	rec := x.recordOf(t, "uploads/batch/a photo ü.png")
	assert.Equal(t, contract.StatusProcessed, rec.Status)
	assert.Equal(t, good.versionID, rec.VersionID, "the task's version is the one processed")
	assert.Equal(t, contract.StatusFailed, x.recordOf(t, "uploads/batch/empty.png").Status)
	two := x.recordOf(t, "uploads/batch/two.png")
	assert.Equal(t, old.versionID, two.VersionID)
	assert.True(t, two.Superseded, "an older version named by a task does not overwrite the current thumbnails")
}

func TestBatchTransientFailureIsTemporary(t *testing.T) {
	x := newHarness(t, true, 1)
	r := x.upload("uploads/batch/slow.png", []byte("x"))
	x.db.FailPut = func(map[string]types.AttributeValue) error {
		return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}
	}
	resp := invokeBatch(t, x, batchRequest(t, batchTestTask{"t1", "uploads/batch/slow.png", r.versionID}))
	require.Len(t, resp.Results, 1)
	assert.Equal(t, "TemporaryFailure", resp.Results[0].ResultCode)
	assert.Contains(t, resp.Results[0].ResultString, "ThrottlingException")
	assert.Empty(t, x.db.Items())
}

func TestBatchRejectsOtherSchemas(t *testing.T) {
	x := newHarness(t, true, 1)
	_, err := x.h.Invoke(context.Background(), json.RawMessage(
		`{"invocationSchemaVersion":"1.0","invocationId":"i","job":{"id":"j"},"tasks":[{"taskId":"t","s3Key":"k","s3VersionId":"v","s3BucketArn":"arn:aws:s3:::b"}]}`))
	assert.ErrorContains(t, err, `S3 Batch Operations invocation schema "1.0" is not supported: create the job with InvocationSchemaVersion "2.0"`)
	assert.Empty(t, x.db.Items())
}
