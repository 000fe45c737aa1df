package redrive_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/awstest"
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

// slowClock is a queue whose clock jumps past the visibility timeout after
// the first receive, so that the next receive delivers the same message
// again, with a new receipt handle (as SQS does when a visibility timeout
// runs out, or when it delivers a message twice).
type slowClock struct {
	*awstest.SQS
	now      time.Time
	receives int
	jump     time.Duration
}

func (q *slowClock) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, o ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	out, err := q.SQS.ReceiveMessage(ctx, in, o...)
	if q.receives++; q.receives == 1 {
		q.now = q.now.Add(q.jump)
	}
	return out, err
}

func TestDryRunReleasesAMessageReceivedTwice(t *testing.T) {
	q := &slowClock{SQS: awstest.NewSQS("https://sqs.eu-west-1.amazonaws.com/123456789012/f-dlq"), now: time.Unix(1_800_000_000, 0), jump: 2 * time.Second}
	q.Now = func() time.Time { return q.now }
	id := q.Add(`{"Records":[{"eventSource":"aws:s3","s3":{"object":{"key":"uploads/a.png"}}}]}`)

	rep, err := redrive.Redriver{Queue: q, QueueURL: q.URL}.Run(t.Context(), redrive.Options{DryRun: true, VisibilityTimeout: time.Second})
	require.NoError(t, err)
	require.Len(t, rep.Messages, 1, "listed once, though received twice")
	assert.Equal(t, id, rep.Messages[0].ID)
	assert.GreaterOrEqual(t, q.receives, 2)

	out, err := q.SQS.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.URL), MaxNumberOfMessages: 10})
	require.NoError(t, err)
	require.Len(t, out.Messages, 1, "a dry run leaves the message visible, under whichever receipt handle it was received last")
	assert.Equal(t, id, aws.ToString(out.Messages[0].MessageId))
}
