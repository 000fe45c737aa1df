package redrive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// With an ingest queue in front of the function (ingestion "sqs"), the
// dead-letter queue holds the S3 notifications the ingest queue gave up on
// after maxReceiveCount receives. Redriving them is moving them back to the
// ingest queue, where the event source mapping delivers them again:
//
//   - on AWS, with SQS's own message move task (StartMessageMoveTask from
//     the dead-letter queue to the ingest queue), which moves every message
//     and keeps its attributes; Run waits for it to finish, bounded;
//   - where the task is missing (the local emulator), by receiving each
//     message, sending its body to the ingest queue and deleting it
//     (MoveManual), clearly a stand-in.
//
// A Lambda invocation record in that queue (left from a time the stack had
// ingestion "direct") is not an S3 notification: it is replayed by
// invoking the function, as without an ingest queue, before any move.

// MoveAPI is the SQS calls of a message move (sqs.Client).
type MoveAPI interface {
	QueueAPI
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	StartMessageMoveTask(ctx context.Context, in *sqs.StartMessageMoveTaskInput, optFns ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error)
	ListMessageMoveTasks(ctx context.Context, in *sqs.ListMessageMoveTasksInput, optFns ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error)
}

// How dead-letter messages go back to the ingest queue.
const (
	MoveTask   = ""       // SQS's message move task (AWS)
	MoveManual = "manual" // receive, send, delete (the local stack)
)

// MoveTaskTimeout bounds the wait for a message move task.
const MoveTaskTimeout = 15 * time.Minute

// moveTaskPoll is how often the task's progress is read.
var moveTaskPoll = 2 * time.Second

// moveBack sends a parsed S3 notification to the ingest queue and deletes
// it from the dead-letter queue (MoveManual).
func (r Redriver) moveBack(ctx context.Context, m Message, body string) error {
	if _, err := r.Mover.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(r.IngestQueueURL), MessageBody: aws.String(body)}); err != nil {
		return fmt.Errorf("send to the ingest queue: %w", err)
	}
	if _, err := r.Queue.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(r.QueueURL), ReceiptHandle: aws.String(m.receipt)}); err != nil {
		return fmt.Errorf("sent to the ingest queue, but not deleted from the dead-letter queue (it will be delivered twice; the record write is idempotent): %w", err)
	}
	return nil
}

// runMoveTask moves every message left in the dead-letter queue to the
// ingest queue with SQS's message move task and waits until it ends.
func (r Redriver) runMoveTask(ctx context.Context, rep *Report) error {
	src, err := r.queueARN(ctx, r.QueueURL)
	if err != nil {
		return err
	}
	dst, err := r.queueARN(ctx, r.IngestQueueURL)
	if err != nil {
		return err
	}
	out, err := r.Mover.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(src), DestinationArn: aws.String(dst)})
	if err != nil {
		return fmt.Errorf("start the message move task from %s to %s: %w", src, dst, err)
	}
	rep.MoveTask = aws.ToString(out.TaskHandle)
	deadline := time.Now().Add(MoveTaskTimeout)
	for {
		list, err := r.Mover.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(src), MaxResults: aws.Int32(1)})
		if err != nil {
			return fmt.Errorf("read the message move task %s: %w", rep.MoveTask, err)
		}
		if len(list.Results) > 0 {
			t := list.Results[0]
			rep.Moved = int(t.ApproximateNumberOfMessagesMoved)
			switch status := aws.ToString(t.Status); status {
			case "COMPLETED":
				return nil
			case "FAILED", "CANCELLED":
				return fmt.Errorf("the message move task %s ended %s after moving %d messages: %s", rep.MoveTask, status, rep.Moved, aws.ToString(t.FailureReason))
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the message move task %s still runs after %s (%d moved); it goes on without us: see aws sqs list-message-move-tasks --source-arn %s", rep.MoveTask, MoveTaskTimeout, rep.Moved, src)
		}
		t := time.NewTimer(moveTaskPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			rep.Interrupted = true
			return nil // the task goes on without us
		case <-t.C:
		}
	}
}

func (r Redriver) queueARN(ctx context.Context, url string) (string, error) {
	out, err := r.Mover.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", fmt.Errorf("read the ARN of %s: %w", url, err)
	}
	arn := out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	if arn == "" {
		return "", errors.New("no QueueArn for " + url)
	}
	return arn, nil
}
