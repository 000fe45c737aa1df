package processor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/imgpipe/imgpipe/lambda/fault"
)

// With ingestion "sqs" (modules/processing), the bucket notifies an ingest
// queue and an event source mapping invokes the function synchronously
// with a batch of its messages. Each message body is what S3 sent the
// queue: an S3 event notification ({"Records":[...]}), or, once when the
// notification configuration is saved, S3's test message
// ({"Service":"Amazon S3","Event":"s3:TestEvent",...}).
//
// Request (the Lambda developer guide's SQS event; aws-lambda-go's
// SQSEvent):
//
//	{"Records": [{"messageId": "...", "receiptHandle": "...",
//	              "body": "{\"Records\":[{\"eventSource\":\"aws:s3\",...}]}",
//	              "attributes": {"ApproximateReceiveCount": "1", ...},
//	              "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:...", ...}]}
//
// Response (the mapping has function_response_types =
// ["ReportBatchItemFailures"]): the messages to keep in the queue; the
// mapping deletes every other message of the batch.
//
//	{"batchItemFailures": [{"itemIdentifier": "<messageId>"}]}
const (
	eventSourceSQS = "aws:sqs"
	s3TestEvent    = "s3:TestEvent"
)

// handleSQS answers an SQS batch: every S3 record of every message goes
// through handleRecord, at most Concurrency at once, and a message is
// reported in batchItemFailures when one of its records failed
// transiently (OutcomeRetry), so only that message is delivered again. A
// permanent failure has its FAILED record and counts as handled. The
// deadline margin applies to the whole batch: records not started before
// it fail transiently, and their messages are retried.
//
// A body that is neither an S3 notification nor S3's test message (a
// poison message) is logged with its message id and reported as failed: it
// is never deleted unread, and the queue's redrive policy moves it to the
// dead-letter queue after max_receive_count receives, where `imgpipe
// redrive --dry-run` shows it. A Lambda asynchronous-invocation record
// (what the dead-letter queue holds from direct ingestion, moved into the
// ingest queue by a redrive after a switch to "sqs") is handled through
// the S3 notification in its requestPayload.
//
// The invocation itself fails only when the payload is not an SQS event.
func (h *Handler) handleSQS(ctx context.Context, payload json.RawMessage) (*events.SQSEventResponse, error) {
	var ev events.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("processor: decode the SQS event: %w", err)
	}
	ctx, cancel := h.withSafetyMargin(ctx)
	defer cancel()
	log := h.log
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("requestId", lc.AwsRequestID)
	}

	type item struct {
		msg int
		rec events.S3EventRecord
		log *slog.Logger
	}
	failed := make([]bool, len(ev.Records))
	var items []item
	for i, m := range ev.Records {
		mlog := log.With("messageId", m.MessageId, "receiveCount", m.Attributes["ApproximateReceiveCount"])
		recs, err := s3RecordsOfMessage(m)
		switch {
		case errors.Is(err, errTestEvent):
			mlog.Info("S3 test message ignored", "outcome", "ignored", "why", "s3:TestEvent (sent when the notification configuration is saved)")
		case err != nil:
			failed[i] = true
			mlog.Error("SQS message is not an S3 event notification; it stays in the queue and goes to the dead-letter queue after max_receive_count receives",
				"outcome", "retry", "error", err.Error(), "bodyStart", head([]byte(m.Body)))
		case len(recs) == 0:
			mlog.Warn("S3 event notification without records", "outcome", "ignored")
		}
		for _, r := range recs {
			items = append(items, item{msg: i, rec: r, log: mlog})
		}
	}

	var mu sync.Mutex
	fail := func(i int) {
		mu.Lock()
		failed[i] = true
		mu.Unlock()
	}
	sem := make(chan struct{}, h.opts.Concurrency)
	var wg sync.WaitGroup
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			fail(it.msg)
			it.log.Error("record not started before the invocation deadline; the message will be retried", "outcome", "retry",
				"bucket", it.rec.S3.Bucket.Name, "key", decodedKey(it.rec), "error", fault.Transient(fmt.Errorf("%w (%w)", ErrDeadline, ctx.Err())).Error())
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			defer func() {
				if p := recover(); p != nil {
					fail(it.msg)
					it.log.Error("record panicked", "outcome", "retry", "bucket", it.rec.S3.Bucket.Name, "key", decodedKey(it.rec),
						"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				}
			}()
			if _, err := h.handleRecord(ctx, it.log, it.rec); err != nil {
				fail(it.msg) // handleRecord logged it
			}
		})
	}
	wg.Wait()

	resp := &events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for i, m := range ev.Records {
		if failed[i] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	if n := len(resp.BatchItemFailures); n > 0 {
		log.Warn("SQS batch handled with failures", "messages", len(ev.Records), "failed", n)
	}
	return resp, nil
}

// errTestEvent marks S3's test message, which carries no object.
var errTestEvent = errors.New("s3:TestEvent")

// s3RecordsOfMessage decodes the S3 records a message body carries: an S3
// event notification, or a Lambda asynchronous-invocation record wrapping
// one. It returns errTestEvent for S3's test message and an error naming
// the problem for any other body.
func s3RecordsOfMessage(m events.SQSMessage) ([]events.S3EventRecord, error) {
	if m.MessageId == "" {
		return nil, errors.New("the message has no messageId, so it cannot be reported as failed")
	}
	var probe struct {
		Records        *json.RawMessage `json:"Records"`
		Service        string           `json:"Service"`
		Event          string           `json:"Event"`
		RequestPayload json.RawMessage  `json:"requestPayload"`
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(m.Body)))
	if err := dec.Decode(&probe); err != nil {
		return nil, fmt.Errorf("the body is not a JSON object: %w", err)
	}
	switch {
	case probe.Records != nil:
		return decodeS3Records([]byte(m.Body))
	case probe.Event == s3TestEvent:
		return nil, errTestEvent
	case len(probe.RequestPayload) > 0:
		recs, err := decodeS3Records(probe.RequestPayload)
		if err != nil {
			return nil, fmt.Errorf("a Lambda invocation record whose requestPayload is not an S3 event notification: %w", err)
		}
		return recs, nil
	}
	return nil, errors.New(`the body has no "Records" list (nor is it S3's s3:TestEvent or a Lambda invocation record)`)
}

// decodeS3Records decodes an S3 event notification and checks that every
// record is from S3.
func decodeS3Records(raw []byte) ([]events.S3EventRecord, error) {
	var ev events.S3Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("decode the S3 event notification: %w", err)
	}
	if ev.Records == nil {
		return nil, errors.New(`no "Records" list`)
	}
	for i, r := range ev.Records {
		if r.EventSource != eventSourceS3 {
			return nil, fmt.Errorf("record %d has eventSource %q, not %q", i, r.EventSource, eventSourceS3)
		}
	}
	return ev.Records, nil
}
