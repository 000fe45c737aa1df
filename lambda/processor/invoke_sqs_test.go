package processor

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// sqsMessage is one message of a test batch: its id and body.
type sqsMessage struct{ id, body string }

// sqsBatch is an SQS event as the event source mapping sends it, shaped as
// the Lambda developer guide documents it ("Using Lambda with Amazon SQS",
// example standard queue message event; aws-lambda-go's SQSEvent).
func sqsBatch(t *testing.T, msgs ...sqsMessage) json.RawMessage {
	t.Helper()
	var recs []string
	for i, m := range msgs {
		body, err := json.Marshal(m.body)
		require.NoError(t, err)
		recs = append(recs, fmt.Sprintf(`{
      "messageId": %q,
      "receiptHandle": "MessageReceiptHandle-%d",
      "body": %s,
      "attributes": {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1545082649183",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1545082649185"
      },
      "messageAttributes": {},
      "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
      "eventSource": "aws:sqs",
      "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-ingest",
      "awsRegion": "eu-west-1"
    }`, m.id, i, body))
	}
	return json.RawMessage(`{"Records": [` + strings.Join(recs, ",") + `]}`)
}

// s3TestMessage is the message S3 sends a queue when the notification
// configuration is saved (S3 user guide, "Event message structure").
const s3TestMessage = `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2014-10-13T15:57:02.089Z",` +
	`"Bucket":"imgpipe-test-images","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}`

// invokeSQS calls Invoke and decodes its answer from JSON, as the Lambda
// runtime serialises it and the event source mapping reads it.
func invokeSQS(t *testing.T, x *harness, ctx context.Context, payload json.RawMessage) []string {
	t.Helper()
	res, err := x.h.Invoke(ctx, payload)
	require.NoError(t, err)
	raw, err := json.Marshal(res)
	require.NoError(t, err)
	var out struct {
		BatchItemFailures *[]struct {
			ItemIdentifier string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	require.NoError(t, json.Unmarshal(raw, &out))
	require.NotNil(t, out.BatchItemFailures, "batchItemFailures is always a list (empty: the whole batch succeeded): %s", raw)
	ids := []string{}
	for _, f := range *out.BatchItemFailures {
		require.NotEmpty(t, f.ItemIdentifier, "an empty itemIdentifier would fail the whole batch")
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestShapeOfSQS(t *testing.T) {
	got, err := shapeOf(sqsBatch(t, sqsMessage{"m1", "hello"}))
	require.NoError(t, err)
	assert.Equal(t, shapeSQS, got)
}

// TestSQSBatchReportsOnlyTransientFailures: of one batch, only the message
// whose record failed transiently and the poison message are kept in the
// queue; a permanent failure has its FAILED record and is done, the test
// message is ignored.
func TestSQSBatchReportsOnlyTransientFailures(t *testing.T) {
	x := newHarness(t, true, 2)
	good := x.upload("uploads/sqs/good photo.png", []byte("good"))
	empty := x.upload("uploads/sqs/empty.png", nil)
	slow := x.upload("uploads/sqs/throttled.png", []byte("throttled"))
	two1 := x.upload("uploads/sqs/two-a.png", []byte("two a"))
	two2 := x.upload("uploads/sqs/two-b.png", []byte("two b"))
	wrapped := x.upload("uploads/sqs/from-direct-dlq.png", []byte("wrapped"))
	x.db.FailPut = func(item map[string]types.AttributeValue) error {
		if k, ok := item["key"].(*types.AttributeValueMemberS); ok && (k.Value == slow.key || k.Value == two2.key) {
			return &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Message: "slow down"}
		}
		return nil
	}
	invocationRecord := `{"version":"1.0","timestamp":"2026-11-28T21:00:00.000Z",` +
		`"requestContext":{"requestId":"r1","functionArn":"arn:aws:lambda:eu-west-1:123456789012:function:f:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},` +
		`"requestPayload":` + string(eventJSON(t, wrapped)) + `,` +
		`"responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"responsePayload":{"errorMessage":"boom"}}`

	failed := invokeSQS(t, x, context.Background(), sqsBatch(t,
		sqsMessage{"m-good", string(eventJSON(t, good))},
		sqsMessage{"m-empty", string(eventJSON(t, empty))},
		sqsMessage{"m-test", s3TestMessage},
		sqsMessage{"m-throttled", string(eventJSON(t, slow))},
		sqsMessage{"m-two", string(eventJSON(t, two1, two2))},
		sqsMessage{"m-poison", "hello, not JSON"},
		sqsMessage{"m-not-s3", `{"Records":[{"eventSource":"aws:sns"}]}`},
		sqsMessage{"m-wrapped", invocationRecord},
	))

	assert.Equal(t, []string{"m-throttled", "m-two", "m-poison", "m-not-s3"}, failed, "in the batch's order")
	assert.Equal(t, contract.StatusProcessed, x.recordOf(t, good.key).Status)
	assert.Equal(t, contract.StatusFailed, x.recordOf(t, empty.key).Status, "a permanent failure is recorded and handled")
	assert.Equal(t, contract.StatusProcessed, x.recordOf(t, two1.key).Status, "the other record of a failed message is kept (its retry is a duplicate)")
	assert.Equal(t, contract.StatusProcessed, x.recordOf(t, wrapped.key).Status)
	assert.Len(t, x.db.Items(), 4)
	logs := x.logs.String()
	assert.Contains(t, logs, `"messageId":"m-poison"`)
	assert.Contains(t, logs, "is not an S3 event notification")
	assert.Contains(t, logs, `eventSource \"aws:sns\"`)
	assert.Contains(t, logs, "s3:TestEvent")

	// Delivered again (the mapping keeps only the reported messages), with
	// the fault gone: every record settles, nothing is written twice.
	x.db.FailPut = nil
	failed = invokeSQS(t, x, context.Background(), sqsBatch(t,
		sqsMessage{"m-throttled", string(eventJSON(t, slow))},
		sqsMessage{"m-two", string(eventJSON(t, two1, two2))},
	))
	assert.Empty(t, failed)
	assert.Equal(t, contract.StatusProcessed, x.recordOf(t, slow.key).Status)
	assert.Equal(t, contract.StatusProcessed, x.recordOf(t, two2.key).Status)
	assert.Len(t, x.db.Items(), 6)
}

func TestSQSBodyShapes(t *testing.T) {
	tests := []struct {
		name, body string
		records    int
		wantErr    string
	}{
		{"S3 notification", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"object":{"key":"uploads/a%20b.jpg"}}}]}`, 1, ""},
		{"empty notification", `{"Records":[]}`, 0, ""},
		{"test event", s3TestMessage, 0, "s3:TestEvent"},
		{"not JSON", `<xml/>`, 0, "not a JSON object"},
		{"JSON, not S3", `{"detail-type":"Object Created"}`, 0, `no "Records" list`},
		{"Records of another source", `{"Records":[{"eventSource":"aws:sqs"}]}`, 0, `record 0 has eventSource "aws:sqs"`},
		{"Records not a list", `{"Records":{"eventSource":"aws:s3"}}`, 0, "decode the S3 event notification"},
		{"invocation record of another event", `{"requestPayload":{"detail":{}}}`, 0, "requestPayload is not an S3 event notification"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := s3RecordsOfMessage(oneSQSMessage(t, sqsBatch(t, sqsMessage{"m1", tc.body})))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, recs, tc.records)
			if tc.records > 0 {
				assert.Equal(t, "uploads/a b.jpg", decodedKey(recs[0]), "the key is URL-decoded as in a direct notification")
			}
		})
	}
}

// TestSQSDeadlineAppliesPerBatch: the safety margin is taken once for the
// batch; the message whose record was cut off by it and the one that could
// not start are both kept in the queue, and nothing is recorded for them.
func TestSQSDeadlineAppliesPerBatch(t *testing.T) {
	x := newHarness(t, true, 1)
	x.imager.block = true
	slow := x.upload("uploads/sqs/slow.png", []byte("slow"))
	queued := x.upload("uploads/sqs/queued.png", []byte("queued"))
	deadline := time.Now().Add(600 * time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	failed := invokeSQS(t, x, ctx, sqsBatch(t,
		sqsMessage{"m-slow", string(eventJSON(t, slow))},
		sqsMessage{"m-queued", string(eventJSON(t, queued))},
	))

	assert.ElementsMatch(t, []string{"m-slow", "m-queued"}, failed)
	require.Len(t, x.imager.deadlines, 1, "the second record never started")
	assert.Equal(t, deadline.Add(-MinDeadlineMargin), x.imager.deadlines[0], "one margin, for the whole batch")
	assert.Empty(t, x.db.Items(), "no FAILED record for a deadline")
}

func TestSQSPanicFailsOnlyItsMessage(t *testing.T) {
	x := newHarness(t, true, 1)
	x.imager.panicMsg = "decoder bug"
	r := x.upload("uploads/sqs/panics.png", []byte("x"))
	failed := invokeSQS(t, x, context.Background(), sqsBatch(t,
		sqsMessage{"m-panic", string(eventJSON(t, r))},
		sqsMessage{"m-test", s3TestMessage},
	))
	assert.Equal(t, []string{"m-panic"}, failed)
}

func TestSQSRejectsUndecodableEvent(t *testing.T) {
	x := newHarness(t, true, 1)
	_, err := x.h.Invoke(context.Background(), json.RawMessage(`{"Records":[{"eventSource":"aws:sqs","body":17}]}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "decode the SQS event")
}

func oneSQSMessage(t *testing.T, payload json.RawMessage) events.SQSMessage {
	t.Helper()
	var ev events.SQSEvent
	require.NoError(t, json.Unmarshal(payload, &ev))
	require.Len(t, ev.Records, 1)
	return ev.Records[0]
}
