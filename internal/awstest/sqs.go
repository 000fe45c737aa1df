package awstest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQS is one standard queue with SQS's visibility semantics: a received
// message is invisible for the visibility timeout (or until
// ChangeMessageVisibility), a delete needs the latest receipt handle.
type SQS struct {
	URL string
	Now func() time.Time

	mu   sync.Mutex
	seq  int
	msgs []*queued
}

type queued struct {
	id, body, receipt string
	sent, visibleAt   time.Time
	receives          int
}

// NewSQS returns an empty queue at url.
func NewSQS(url string) *SQS { return &SQS{URL: url, Now: time.Now} }

func (q *SQS) check(url *string) error {
	if aws.ToString(url) != q.URL {
		return &sqstypes.QueueDoesNotExist{Message: aws.String("no queue " + aws.ToString(url))}
	}
	return nil
}

// Add enqueues body and returns its message id.
func (q *SQS) Add(body string) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	m := &queued{id: fmt.Sprintf("msg-%04d", q.seq), body: body, sent: q.Now()}
	q.msgs = append(q.msgs, m)
	return m.id
}

// SendMessage enqueues in.MessageBody.
func (q *SQS) SendMessage(ctx context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if err := q.check(in.QueueUrl); err != nil {
		return nil, err
	}
	return &sqs.SendMessageOutput{MessageId: aws.String(q.Add(aws.ToString(in.MessageBody)))}, nil
}

// Bodies returns the bodies of every message still in the queue.
func (q *SQS) Bodies() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []string
	for _, m := range q.msgs {
		out = append(out, m.body)
	}
	return out
}

// ReceiveMessage returns up to MaxNumberOfMessages (1..10, default 1)
// visible messages and hides them for VisibilityTimeout seconds (default 30).
func (q *SQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := q.check(in.QueueUrl); err != nil {
		return nil, err
	}
	n := int(in.MaxNumberOfMessages)
	if n == 0 {
		n = 1
	}
	if n < 1 || n > 10 {
		return nil, fmt.Errorf("InvalidParameterValue: MaxNumberOfMessages %d must be 1 to 10", n)
	}
	vt := time.Duration(in.VisibilityTimeout) * time.Second
	if in.VisibilityTimeout == 0 {
		vt = 30 * time.Second
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.Now()
	out := &sqs.ReceiveMessageOutput{}
	for _, m := range q.msgs {
		if len(out.Messages) == n {
			break
		}
		if now.Before(m.visibleAt) {
			continue
		}
		q.seq++
		m.receipt = fmt.Sprintf("rh-%s-%d", m.id, q.seq)
		m.receives++
		m.visibleAt = now.Add(vt)
		out.Messages = append(out.Messages, sqstypes.Message{
			MessageId: aws.String(m.id), ReceiptHandle: aws.String(m.receipt), Body: aws.String(m.body),
			Attributes: map[string]string{
				string(sqstypes.MessageSystemAttributeNameSentTimestamp):           strconv.FormatInt(m.sent.UnixMilli(), 10),
				string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount): strconv.Itoa(m.receives),
			},
		})
	}
	return out, nil
}

func (q *SQS) byReceipt(h string) (int, error) {
	for i, m := range q.msgs {
		if m.receipt != "" && m.receipt == h {
			return i, nil
		}
	}
	return -1, &sqstypes.ReceiptHandleIsInvalid{Message: aws.String("receipt handle " + h + " is not the latest of any message")}
}

// DeleteMessage removes the message received with in.ReceiptHandle.
func (q *SQS) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	if err := q.check(in.QueueUrl); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	i, err := q.byReceipt(aws.ToString(in.ReceiptHandle))
	if err != nil {
		return nil, err
	}
	q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
	return &sqs.DeleteMessageOutput{}, nil
}

// ChangeMessageVisibility makes the message visible after VisibilityTimeout seconds.
func (q *SQS) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	if err := q.check(in.QueueUrl); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	i, err := q.byReceipt(aws.ToString(in.ReceiptHandle))
	if err != nil {
		return nil, err
	}
	q.msgs[i].visibleAt = q.Now().Add(time.Duration(in.VisibilityTimeout) * time.Second)
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

// GetQueueAttributes answers ApproximateNumberOfMessages (visible) and
// ApproximateNumberOfMessagesNotVisible.
func (q *SQS) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	if err := q.check(in.QueueUrl); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.Now()
	visible, hidden := 0, 0
	for _, m := range q.msgs {
		if now.Before(m.visibleAt) {
			hidden++
		} else {
			visible++
		}
	}
	return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{
		string(sqstypes.QueueAttributeNameApproximateNumberOfMessages):           strconv.Itoa(visible),
		string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible): strconv.Itoa(hidden),
	}}, nil
}
