// Package redrive replays the events parked in the function's dead-letter
// queue. The queue is the on-failure destination of the function's
// asynchronous invocations, so SQS's own redrive does not apply: each
// message is a Lambda invocation record (the original event in
// requestPayload, the function's error in responsePayload), which is
// re-invoked synchronously; the message is deleted only after the function
// handled it. A message that fails again stays in the queue (it becomes
// visible again after the visibility timeout). A message that is a bare S3
// event (a Lambda dead-letter queue rather than a destination) is replayed
// as it is.
//
// With an ingest queue in front of the function (ingestion "sqs"; set
// Redriver.IngestQueueURL), the S3 notifications of the dead-letter queue
// are moved back to it instead (move.go).
package redrive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/imgpipe/imgpipe/ops/invoke"
	"github.com/imgpipe/imgpipe/ops/run"
)

// QueueAPI is the SQS calls the package makes (sqs.Client).
type QueueAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Record is a Lambda asynchronous-invocation record, as Lambda sends it to
// an on-failure destination.
type Record struct {
	Version         string          `json:"version"`
	Timestamp       string          `json:"timestamp"`
	RequestContext  RequestContext  `json:"requestContext"`
	RequestPayload  json.RawMessage `json:"requestPayload"`
	ResponseContext struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError"`
	} `json:"responseContext"`
	ResponsePayload json.RawMessage `json:"responsePayload"`
}

// RequestContext says which invocation failed and why it was given up.
type RequestContext struct {
	RequestID              string `json:"requestId"`
	FunctionArn            string `json:"functionArn"`
	Condition              string `json:"condition"` // RetriesExhausted, EventAgeExceeded, ...
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

// Message is one dead-letter message, parsed.
type Message struct {
	ID        string   `json:"id"`
	Condition string   `json:"condition,omitempty"`
	Attempts  int      `json:"attempts,omitempty"`
	Error     string   `json:"error,omitempty"` // errorMessage of the last attempt
	ErrorType string   `json:"errorType,omitempty"`
	Keys      []string `json:"keys"` // object keys of the event's records, decoded
	FailedAt  string   `json:"failedAt,omitempty"`
	// Result of the redrive: "redriven", "failed: ..." or "" (dry run).
	Result string `json:"result,omitempty"`

	payload json.RawMessage
	receipt string
	body    string
	record  bool // a Lambda invocation record (else a bare S3 event)
}

// Parse reads a message body: a Lambda invocation record, or a bare S3
// event notification.
func Parse(id, body string) (Message, error) {
	m := Message{ID: id}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &probe); err != nil {
		return m, fmt.Errorf("message %s is not JSON: %w", id, err)
	}
	if _, ok := probe["requestPayload"]; ok {
		var r Record
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			return m, fmt.Errorf("message %s is not a Lambda invocation record: %w", id, err)
		}
		m.Condition, m.Attempts, m.FailedAt = r.RequestContext.Condition, r.RequestContext.ApproximateInvokeCount, r.Timestamp
		var resp struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		if len(r.ResponsePayload) > 0 && json.Unmarshal(r.ResponsePayload, &resp) == nil {
			m.Error, m.ErrorType = resp.ErrorMessage, resp.ErrorType
		} else if len(r.ResponsePayload) > 0 {
			m.Error = string(r.ResponsePayload)
		}
		m.payload, m.record = r.RequestPayload, true
	} else if _, ok := probe["Records"]; ok {
		m.payload = json.RawMessage(body)
	} else {
		return m, fmt.Errorf("message %s is neither a Lambda invocation record (requestPayload) nor an S3 event (Records)", id)
	}
	var ev struct {
		Records []struct {
			S3 struct {
				Object struct {
					Key string `json:"key"`
				} `json:"object"`
			} `json:"s3"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(m.payload, &ev); err != nil {
		return m, fmt.Errorf("message %s: the event is not an S3 event notification: %w", id, err)
	}
	for _, r := range ev.Records {
		k, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			k = r.S3.Object.Key
		}
		m.Keys = append(m.Keys, k)
	}
	return m, nil
}

// Options of a redrive.
type Options struct {
	DryRun bool
	Max    int // messages at most; 0: all
	// VisibilityTimeout hides a message being worked on; it must cover the
	// function's timeout. A message that fails stays hidden this long.
	VisibilityTimeout time.Duration
	Run               run.Options
}

// Report of a redrive.
type Report struct {
	DryRun      bool      `json:"dryRun"`
	Messages    []Message `json:"messages"`
	Redriven    int       `json:"redriven"`
	Failed      int       `json:"failed"`
	Unreadable  []string  `json:"unreadable,omitempty"` // messages that are not invocation records (left in the queue)
	Interrupted bool      `json:"interrupted,omitempty"`
	// Moved is how many S3 notifications went back to the ingest queue
	// (counted in Redriven too); MoveTask the handle of SQS's message move
	// task that moved them (on AWS).
	Moved    int    `json:"moved,omitempty"`
	MoveTask string `json:"moveTask,omitempty"`
}

// Redriver replays one queue into one function.
type Redriver struct {
	Queue    QueueAPI
	QueueURL string
	Lambda   invoke.API
	Function string
	// IngestQueueURL, with ingestion "sqs", is where S3 notifications go
	// back, through Mover, the way Move says (MoveTask or MoveManual).
	IngestQueueURL string
	Mover          MoveAPI
	Move           string
}

const receiveBatch = 10

// Run redrives (or, with DryRun, lists) the queue's messages.
func (r Redriver) Run(ctx context.Context, o Options) (Report, error) {
	rep := Report{DryRun: o.DryRun}
	vt := o.VisibilityTimeout
	if vt <= 0 {
		vt = 5 * time.Minute
	}
	moving := r.IngestQueueURL != ""
	switch {
	case moving && r.Mover == nil:
		return rep, errors.New("redrive: an ingest queue needs Mover, the SQS client that moves messages back")
	case moving && r.Move != MoveTask && r.Move != MoveManual:
		return rep, fmt.Errorf("redrive: message move %q: want %q (SQS's message move task) or %q", r.Move, MoveTask, MoveManual)
	}
	seen := map[string]bool{}
	var listed []Message // dry run, unreadable, left for the move task: made visible again at the end
	release := func() {
		for _, m := range listed {
			_, _ = r.Queue.ChangeMessageVisibility(context.WithoutCancel(ctx), &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(r.QueueURL), ReceiptHandle: aws.String(m.receipt), VisibilityTimeout: 0,
			}) // best effort: otherwise visible again after the visibility timeout
		}
		listed = nil
	}
	defer release()
	for o.Max == 0 || len(rep.Messages)+len(rep.Unreadable) < o.Max {
		if ctx.Err() != nil {
			rep.Interrupted = true
			break
		}
		n := receiveBatch
		if o.Max > 0 {
			n = min(n, o.Max-len(rep.Messages)-len(rep.Unreadable))
		}
		out, err := r.Queue.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(r.QueueURL), MaxNumberOfMessages: int32(n),
			VisibilityTimeout: int32(vt / time.Second), WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		})
		if err != nil {
			if ctx.Err() != nil {
				rep.Interrupted = true
				break
			}
			return rep, fmt.Errorf("receive from %s: %w", r.QueueURL, err)
		}
		var batch []Message
		for _, sm := range out.Messages {
			id := aws.ToString(sm.MessageId)
			if seen[id] {
				// Received again within this run (its visibility timeout
				// ran out, or SQS delivered it twice): only this newest
				// receipt handle can release it. A dry run changes
				// nothing, so it is made visible again too; a redrive
				// leaves it hidden like any message it already handled.
				if o.DryRun {
					listed = append(listed, Message{ID: id, receipt: aws.ToString(sm.ReceiptHandle)})
				}
				continue
			}
			seen[id] = true
			m, err := Parse(id, aws.ToString(sm.Body))
			m.receipt, m.body = aws.ToString(sm.ReceiptHandle), aws.ToString(sm.Body)
			if err != nil {
				rep.Unreadable = append(rep.Unreadable, err.Error())
				listed = append(listed, m) // never deleted: visible again for a human
				continue
			}
			batch = append(batch, m)
		}
		if len(batch) == 0 && len(out.Messages) == 0 {
			break // the queue has no visible message left
		}
		if o.DryRun {
			listed = append(listed, batch...)
			rep.Messages = append(rep.Messages, batch...)
			continue
		}
		if moving && r.Move == MoveTask {
			// The task moves the S3 notifications; only invocation
			// records are replayed here.
			var records []Message
			for _, m := range batch {
				if m.record {
					records = append(records, m)
				} else {
					listed = append(listed, m)
				}
			}
			batch = records
		}
		results := make([]string, len(batch))
		idx := make([]int, len(batch))
		for i := range idx {
			idx[i] = i
		}
		moved := make([]bool, len(batch))
		sum := run.Each(ctx, idx, o.Run, nil, func(ctx context.Context, i int) error {
			var err error
			if moving && !batch[i].record {
				err, moved[i] = r.moveBack(ctx, batch[i], batch[i].body), true
			} else {
				err = r.replay(ctx, batch[i])
			}
			switch {
			case err != nil:
				results[i] = "failed: " + err.Error()
			case moved[i]:
				results[i] = "redriven: moved to the ingest queue"
			default:
				results[i] = "redriven"
			}
			return err
		})
		for i, m := range batch {
			m.Result = results[i]
			if m.Result == "" {
				// Not started (interrupted): visible again now.
				_, _ = r.Queue.ChangeMessageVisibility(context.WithoutCancel(ctx), &sqs.ChangeMessageVisibilityInput{
					QueueUrl: aws.String(r.QueueURL), ReceiptHandle: aws.String(m.receipt), VisibilityTimeout: 0,
				})
				continue
			}
			rep.Messages = append(rep.Messages, m)
			if moved[i] && !strings.HasPrefix(m.Result, "failed") {
				rep.Moved++
			}
		}
		rep.Redriven += sum.Done
		rep.Failed += len(sum.Failed)
		if sum.Interrupted {
			rep.Interrupted = true
			break
		}
	}
	if moving && r.Move == MoveTask && !o.DryRun && !rep.Interrupted {
		release() // the task moves only visible messages
		if err := r.runMoveTask(ctx, &rep); err != nil {
			return rep, err
		}
		rep.Redriven += rep.Moved
	}
	return rep, nil
}

// replay invokes the function with the message's event and deletes the
// message once the function handled it.
func (r Redriver) replay(ctx context.Context, m Message) error {
	if err := invoke.Sync(ctx, r.Lambda, r.Function, m.payload); err != nil {
		return err
	}
	if _, err := r.Queue.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(r.QueueURL), ReceiptHandle: aws.String(m.receipt)}); err != nil {
		var invalid *sqstypes.ReceiptHandleIsInvalid
		if errors.As(err, &invalid) {
			return fmt.Errorf("handled, but the message was received again meanwhile (visibility timeout too short?) and is not deleted: %w", err)
		}
		return fmt.Errorf("handled, but not deleted from the queue: %w", err)
	}
	return nil
}

// Summary is one line per message for humans.
func (m Message) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", m.ID, strings.Join(m.Keys, ", "))
	if m.Condition != "" {
		fmt.Fprintf(&b, " [%s after %d attempts]", m.Condition, m.Attempts)
	}
	if m.Error != "" {
		fmt.Fprintf(&b, ": %s", m.Error)
	}
	if m.Result != "" {
		fmt.Fprintf(&b, " -> %s", m.Result)
	}
	return b.String()
}
