package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// kumo stores an SQS event source mapping but never polls the queue. The
// harness does, as Lambda's pollers do (the Lambda developer guide, "Using
// Lambda with Amazon SQS"), with the settings modules/processing declares:
//
//   - at most MaximumConcurrency invocations at once (and no more than the
//     sandboxes that run the handler);
//   - a batch is up to BatchSize messages, gathered for up to
//     BatchingWindow (with no window, what one receive returns);
//   - the function is invoked synchronously, through kumo's Invoke API,
//     with the SQS event Lambda sends;
//   - with ReportBatchItemFailures, the messages the answer names stay in
//     the queue and the rest are deleted; an answer that names a message
//     not in the batch, or an empty id, fails the whole batch, as does a
//     function error, a timeout or a dead sandbox: the messages become
//     visible again after the queue's visibility timeout;
//   - the receive count grows with every delivery, and kumo's redrive moves
//     a message received more than maxReceiveCount times to the
//     dead-letter queue.
//
// Lambda also backs off its concurrency after function errors; the harness
// only pauses the worker that met one.

// mappingStats counts what the poller did.
type mappingStats struct {
	Invocations     atomic.Int64 // batches handed to the function
	Messages        atomic.Int64 // messages in those batches (with redeliveries)
	Deleted         atomic.Int64 // messages done
	ItemFailures    atomic.Int64 // messages the function reported failed
	FunctionErrors  atomic.Int64 // invocations that failed as a whole (function error, timeout, dead sandbox)
	InvokeErrors    atomic.Int64 // invocations that never ran (API errors)
	ReceiveErrors   atomic.Int64
	DeleteErrors    atomic.Int64
	LargestBatchLen atomic.Int64
}

// MappingStats is a snapshot of the poller's counters.
type MappingStats struct {
	Invocations, Messages, Deleted, ItemFailures, FunctionErrors, InvokeErrors, ReceiveErrors, DeleteErrors, LargestBatch int64
}

// poller emulates the event source mapping of one queue and function.
type poller struct {
	sqs      *sqs.Client
	lambda   *lambda.Client
	queueURL string
	queueARN string
	region   string
	function string
	settings MappingSettings
	workers  int
	// invokeTimeout bounds one synchronous Invoke: the function's timeout
	// and some slack for kumo to hand it over.
	invokeTimeout time.Duration
	log           *slog.Logger

	stats mappingStats
	wg    sync.WaitGroup
}

// Bounds of one receive: a short long-poll, so that stopping is quick.
const (
	receiveWait  = 1 // second
	errorBackoff = 250 * time.Millisecond
)

// start runs the workers until ctx ends; wait for them with stop.
func (p *poller) start(ctx context.Context) {
	for w := range p.workers {
		p.wg.Go(func() { p.work(ctx, w) })
	}
}

func (p *poller) stop() { p.wg.Wait() }

func (p *poller) snapshot() MappingStats {
	s := &p.stats
	return MappingStats{
		Invocations: s.Invocations.Load(), Messages: s.Messages.Load(), Deleted: s.Deleted.Load(),
		ItemFailures: s.ItemFailures.Load(), FunctionErrors: s.FunctionErrors.Load(), InvokeErrors: s.InvokeErrors.Load(),
		ReceiveErrors: s.ReceiveErrors.Load(), DeleteErrors: s.DeleteErrors.Load(), LargestBatch: s.LargestBatchLen.Load(),
	}
}

func (p *poller) work(ctx context.Context, worker int) {
	log := p.log.With("worker", worker)
	for ctx.Err() == nil {
		batch, err := p.gather(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.stats.ReceiveErrors.Add(1)
			log.Error("receive from the ingest queue", "error", err.Error())
			pause(ctx, errorBackoff)
			continue
		}
		if len(batch) == 0 {
			continue
		}
		if !p.deliver(ctx, log, batch) {
			pause(ctx, errorBackoff)
		}
	}
}

// gather receives one batch: up to BatchSize messages, within the
// batching window.
func (p *poller) gather(ctx context.Context) ([]sqstypes.Message, error) {
	var batch []sqstypes.Message
	var deadline time.Time
	for {
		want := min(10, p.settings.BatchSize-len(batch))
		wait := int32(receiveWait)
		if len(batch) > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return batch, nil
			}
			wait = int32(min(left.Round(time.Second), time.Duration(receiveWait)*time.Second) / time.Second)
		}
		out, err := p.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(p.queueURL), MaxNumberOfMessages: int32(want), WaitTimeSeconds: wait,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if len(batch) > 0 && ctx.Err() == nil {
				return batch, nil // what is gathered is delivered; the error comes back on the next receive
			}
			return nil, err
		}
		if len(batch) == 0 {
			deadline = time.Now().Add(p.settings.BatchingWindow)
		} else if len(out.Messages) == 0 && wait == 0 {
			pause(ctx, min(time.Until(deadline), 100*time.Millisecond))
		}
		batch = append(batch, out.Messages...)
		if len(batch) >= p.settings.BatchSize || p.settings.BatchingWindow == 0 || (len(out.Messages) == 0 && len(batch) == 0) {
			return batch, nil
		}
	}
}

// deliver invokes the function with a batch and deletes what it handled.
// It reports false when the invocation failed as a whole.
func (p *poller) deliver(ctx context.Context, log *slog.Logger, batch []sqstypes.Message) bool {
	p.stats.Invocations.Add(1)
	p.stats.Messages.Add(int64(len(batch)))
	for {
		cur := p.stats.LargestBatchLen.Load()
		if int64(len(batch)) <= cur || p.stats.LargestBatchLen.CompareAndSwap(cur, int64(len(batch))) {
			break
		}
	}
	payload, err := json.Marshal(p.event(batch))
	if err != nil {
		log.Error("encode the SQS event", "error", err.Error())
		return false
	}
	ictx, cancel := context.WithTimeout(ctx, p.invokeTimeout)
	out, err := p.lambda.Invoke(ictx, &lambda.InvokeInput{
		FunctionName: aws.String(p.function), InvocationType: lambdatypes.InvocationTypeRequestResponse, Payload: payload,
	})
	cancel()
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return true
		}
		p.stats.InvokeErrors.Add(1)
		log.Warn("invocation failed; the batch is visible again after the visibility timeout", "messages", len(batch), "error", err.Error())
		return false
	case out.FunctionError != nil:
		p.stats.FunctionErrors.Add(1)
		log.Warn("function error; the batch is visible again after the visibility timeout", "messages", len(batch),
			"functionError", aws.ToString(out.FunctionError), "payload", head(out.Payload))
		return false
	}
	keep, err := p.failedItems(batch, out.Payload)
	if err != nil {
		p.stats.FunctionErrors.Add(1)
		log.Warn("the batch counts as failed", "messages", len(batch), "error", err.Error())
		return false
	}
	p.stats.ItemFailures.Add(int64(len(keep)))
	var done []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range batch {
		if !keep[aws.ToString(m.MessageId)] {
			done = append(done, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
	}
	p.delete(context.WithoutCancel(ctx), log, done)
	return true
}

// failedItems reads the function's answer: the ids it reported failed.
// Without ReportBatchItemFailures the answer is not read (a success
// deletes the whole batch).
func (p *poller) failedItems(batch []sqstypes.Message, answer []byte) (map[string]bool, error) {
	keep := map[string]bool{}
	if !p.settings.ReportBatchItemFailures {
		return keep, nil
	}
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier *string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if len(answer) == 0 || string(answer) == "null" {
		return keep, nil // no answer: every message succeeded
	}
	if err := json.Unmarshal(answer, &resp); err != nil {
		return nil, fmt.Errorf("the answer is not a partial batch response: %w (%s)", err, head(answer))
	}
	ids := map[string]bool{}
	for _, m := range batch {
		ids[aws.ToString(m.MessageId)] = true
	}
	for _, f := range resp.BatchItemFailures {
		id := aws.ToString(f.ItemIdentifier)
		if id == "" || !ids[id] {
			return nil, fmt.Errorf("batchItemFailures names %q, which is not a message of the batch", id)
		}
		keep[id] = true
	}
	return keep, nil
}

func (p *poller) delete(ctx context.Context, log *slog.Logger, done []sqstypes.DeleteMessageBatchRequestEntry) {
	for len(done) > 0 {
		chunk := done[:min(10, len(done))]
		done = done[len(chunk):]
		out, err := p.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.queueURL), Entries: chunk})
		if err != nil {
			p.stats.DeleteErrors.Add(int64(len(chunk)))
			log.Error("delete handled messages (they will be delivered again)", "messages", len(chunk), "error", err.Error())
			continue
		}
		p.stats.Deleted.Add(int64(len(out.Successful)))
		for _, f := range out.Failed {
			p.stats.DeleteErrors.Add(1)
			log.Error("delete a handled message (it will be delivered again)", "code", aws.ToString(f.Code), "message", aws.ToString(f.Message))
		}
	}
}

// event is the SQS event Lambda sends for a batch.
func (p *poller) event(batch []sqstypes.Message) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(batch))}
	for i, m := range batch {
		attrs := map[string]string{}
		for k, v := range m.Attributes {
			attrs[k] = v
		}
		msgAttrs := map[string]events.SQSMessageAttribute{}
		for k, v := range m.MessageAttributes {
			msgAttrs[k] = events.SQSMessageAttribute{StringValue: v.StringValue, BinaryValue: v.BinaryValue,
				StringListValues: v.StringListValues, BinaryListValues: v.BinaryListValues, DataType: aws.ToString(v.DataType)}
		}
		ev.Records[i] = events.SQSMessage{
			MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body),
			Md5OfBody: aws.ToString(m.MD5OfBody), Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
			Attributes: attrs, MessageAttributes: msgAttrs,
			EventSourceARN: p.queueARN, EventSource: "aws:sqs", AWSRegion: p.region,
		}
	}
	return ev
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func head(b []byte) string {
	const n = 200
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
