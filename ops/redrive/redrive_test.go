package redrive_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/ops/redrive"
)

// The invocation record of the AWS Lambda developer guide ("Configuring
// destinations for asynchronous invocation"), with an S3 event as its
// requestPayload.
const record = `{
    "version": "1.0",
    "timestamp": "2019-11-14T18:16:05.568Z",
    "requestContext": {
        "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
        "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:my-function:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3
    },
    "requestPayload": {"Records": [
        {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
         "s3": {"bucket": {"name": "b"}, "object": {"key": "uploads/holiday+photo%C3%BC.jpg", "size": 10}}},
        {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
         "s3": {"bucket": {"name": "b"}, "object": {"key": "uploads/c%2B%2B.png", "size": 3}}}
    ]},
    "responseContext": {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled"
    },
    "responsePayload": {
        "errorMessage": "RequestId: e4b46cbf-b738-xmpl-8880-a18cdf61200e Process exited before completing request"
    }
}`

func TestParseInvocationRecord(t *testing.T) {
	m, err := redrive.Parse("m1", record)
	require.NoError(t, err)
	assert.Equal(t, "RetriesExhausted", m.Condition)
	assert.Equal(t, 3, m.Attempts)
	assert.Equal(t, "2019-11-14T18:16:05.568Z", m.FailedAt)
	assert.Equal(t, "RequestId: e4b46cbf-b738-xmpl-8880-a18cdf61200e Process exited before completing request", m.Error)
	assert.Equal(t, []string{"uploads/holiday photoü.jpg", "uploads/c++.png"}, m.Keys, "keys decoded as S3 encodes them")
	assert.Contains(t, m.Summary(), "[RetriesExhausted after 3 attempts]")
}

func TestParseBareS3Event(t *testing.T) {
	m, err := redrive.Parse("m2", `{"Records":[{"eventSource":"aws:s3","s3":{"object":{"key":"uploads/a.png"}}}]}`)
	require.NoError(t, err)
	assert.Equal(t, []string{"uploads/a.png"}, m.Keys)
	assert.Empty(t, m.Condition)
}

func TestParseRejects(t *testing.T) {
	for body, want := range map[string]string{
		`not json`:                    "is not JSON",
		`{"detail":"x"}`:              "neither a Lambda invocation record (requestPayload) nor an S3 event (Records)",
		`{"requestPayload": "a str"}`: "not an S3 event notification",
	} {
		_, err := redrive.Parse("m", body)
		assert.ErrorContains(t, err, want, body)
	}
}
