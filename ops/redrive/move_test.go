package redrive_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/ops/redrive"
)

// queues is an SQS of two queues, dlq and ingest: receive hides a message
// until ChangeMessageVisibility(0) or its deletion, as SQS's visibility
// timeout does.
type queues struct {
	mu     sync.Mutex
	dlq    []msg
	ingest []string
	tasks  []string // StartMessageMoveTask source -> destination
	seq    int
}

type msg struct {
	id, body, receipt string
	hidden, deleted   bool
}

const (
	dlqURL    = "https://sqs.eu-west-1.amazonaws.com/123456789012/f-dlq"
	ingestURL = "https://sqs.eu-west-1.amazonaws.com/123456789012/f-ingest"
)

func (q *queues) ReceiveMessage(_ context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := &sqs.ReceiveMessageOutput{}
	for i := range q.dlq {
		m := &q.dlq[i]
		if m.hidden || m.deleted || len(out.Messages) == int(in.MaxNumberOfMessages) {
			continue
		}
		q.seq++
		m.hidden, m.receipt = true, "r"+strconv.Itoa(q.seq)
		out.Messages = append(out.Messages, sqstypes.Message{MessageId: aws.String(m.id), Body: aws.String(m.body), ReceiptHandle: aws.String(m.receipt)})
	}
	return out, nil
}

func (q *queues) find(receipt string) *msg {
	for i := range q.dlq {
		if q.dlq[i].receipt == receipt {
			return &q.dlq[i]
		}
	}
	return nil
}

func (q *queues) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.find(aws.ToString(in.ReceiptHandle)).deleted = true
	return &sqs.DeleteMessageOutput{}, nil
}

func (q *queues) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if m := q.find(aws.ToString(in.ReceiptHandle)); m != nil && in.VisibilityTimeout == 0 {
		m.hidden = false
	}
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

func (q *queues) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if aws.ToString(in.QueueUrl) != ingestURL {
		panic("send to " + aws.ToString(in.QueueUrl))
	}
	q.ingest = append(q.ingest, aws.ToString(in.MessageBody))
	return &sqs.SendMessageOutput{}, nil
}

func (q *queues) GetQueueAttributes(_ context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	name := map[string]string{dlqURL: "f-dlq", ingestURL: "f-ingest"}[aws.ToString(in.QueueUrl)]
	return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{"QueueArn": "arn:aws:sqs:eu-west-1:123456789012:" + name}}, nil
}

// StartMessageMoveTask moves every visible message, as SQS does.
func (q *queues) StartMessageMoveTask(_ context.Context, in *sqs.StartMessageMoveTaskInput, _ ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.tasks = append(q.tasks, aws.ToString(in.SourceArn)+" -> "+aws.ToString(in.DestinationArn))
	for i := range q.dlq {
		if m := &q.dlq[i]; !m.hidden && !m.deleted {
			m.deleted = true
			q.ingest = append(q.ingest, m.body)
		}
	}
	return &sqs.StartMessageMoveTaskOutput{TaskHandle: aws.String("task-1")}, nil
}

func (q *queues) ListMessageMoveTasks(context.Context, *sqs.ListMessageMoveTasksInput, ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return &sqs.ListMessageMoveTasksOutput{Results: []sqstypes.ListMessageMoveTasksResultEntry{
		{Status: aws.String("COMPLETED"), ApproximateNumberOfMessagesMoved: int64(len(q.ingest))},
	}}, nil
}

type invocations struct {
	mu       sync.Mutex
	payloads []string
}

func (f *invocations) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.payloads = append(f.payloads, string(in.Payload))
	return &lambda.InvokeOutput{StatusCode: 200}, nil
}

const notification = `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"uploads/a.png"}}}]}`

// With an ingest queue, S3 notifications go back to it (the task on AWS,
// receive-send-delete where the task is missing) and invocation records
// are replayed; nothing stays in the dead-letter queue.
func TestRedriveMovesNotificationsBackToTheIngestQueue(t *testing.T) {
	for _, move := range []string{redrive.MoveManual, redrive.MoveTask} {
		q := &queues{dlq: []msg{{id: "n1", body: notification}, {id: "r1", body: record}, {id: "n2", body: notification}}}
		fn := &invocations{}
		r := redrive.Redriver{Queue: q, QueueURL: dlqURL, Lambda: fn, Function: "f", IngestQueueURL: ingestURL, Mover: q, Move: move}
		rep, err := r.Run(t.Context(), redrive.Options{})
		require.NoError(t, err, move)
		assert.Equal(t, []string{notification, notification}, q.ingest, "%q: the notifications are in the ingest queue", move)
		require.Len(t, fn.payloads, 1, "%q: the invocation record is replayed", move)
		assert.Contains(t, fn.payloads[0], "uploads/holiday+photo%C3%BC.jpg")
		for _, m := range q.dlq {
			assert.True(t, m.deleted, "%q: %s left the dead-letter queue", move, m.id)
		}
		assert.Equal(t, 3, rep.Redriven, move)
		assert.Equal(t, 2, rep.Moved, move)
		assert.Zero(t, rep.Failed, move)
		if move == redrive.MoveTask {
			assert.Equal(t, []string{"arn:aws:sqs:eu-west-1:123456789012:f-dlq -> arn:aws:sqs:eu-west-1:123456789012:f-ingest"}, q.tasks)
			assert.Equal(t, "task-1", rep.MoveTask)
		} else {
			assert.Empty(t, q.tasks, "no task where it is missing")
		}
	}
}

func TestRedriveMoveNeedsAMover(t *testing.T) {
	q := &queues{}
	_, err := redrive.Redriver{Queue: q, QueueURL: dlqURL, IngestQueueURL: ingestURL}.Run(t.Context(), redrive.Options{})
	assert.ErrorContains(t, err, "needs Mover")
	_, err = redrive.Redriver{Queue: q, QueueURL: dlqURL, IngestQueueURL: ingestURL, Mover: q, Move: "fast"}.Run(t.Context(), redrive.Options{})
	assert.ErrorContains(t, err, `message move "fast"`)
}
